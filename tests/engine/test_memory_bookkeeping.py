"""The memory adapter's lean bookkeeping (issue 18, T6) keeps what its users read from it: the change feed after a
cursor, a net-change feed's silence about what came and went, ids it handed out, where each create came from, and
a demo file's log across a reload."""

from __future__ import annotations

from syncore.models import Contact, Kind
from syncore.remote import CreateRequest, DeleteRequest
from syncore.testing import MemoryAdapter
from syncore.testing.demo_file import DemoFileAdapter


def _feed_ids(adapter: MemoryAdapter, cursor: str) -> tuple[list[str], list[str]]:
    changes = adapter.changes(Kind.CONTACT, cursor)
    return [item.id for item in changes.upserts], list(changes.deletions)


def test_the_feed_lists_each_id_changed_after_the_cursor_once_in_order():
    adapter = MemoryAdapter(name="pim")
    before = adapter.put(Contact(last_name="Before"))
    cursor = adapter.full_scan(Kind.CONTACT).cursor
    first = adapter.put(Contact(last_name="First"))
    second = adapter.put(Contact(last_name="Second"))
    adapter.edit(first, last_name="First again")
    adapter.remove(before)

    upserts, deletions = _feed_ids(adapter, cursor)

    assert upserts == [first, second]
    assert deletions == [before]
    assert _feed_ids(adapter, adapter.changes(Kind.CONTACT, cursor).cursor) == ([], [])


def test_records_only_created_after_the_cursor_are_listed_in_order_after_earlier_edits():
    # (after nothing but creates, the feed reads them from the end of the store without a lookup per id)
    adapter = MemoryAdapter(name="pim")
    old = [adapter.put(Contact(last_name=f"Old {i}")) for i in range(3)]
    adapter.edit(old[1], last_name="Edited")
    adapter.remove(old[2])
    cursor = adapter.changes(Kind.CONTACT, "0:0").cursor
    new = [adapter.put(Contact(last_name=f"New {i}")) for i in range(4)]
    assert _feed_ids(adapter, cursor) == (new, [])
    middle = adapter.changes(Kind.CONTACT, cursor).cursor
    newer = adapter.put(Contact(last_name="Newer"))
    assert _feed_ids(adapter, middle) == ([newer], [])
    adapter.edit(new[0], last_name="New again")  # (now an id written before is written again)
    assert _feed_ids(adapter, cursor) == ([*new, newer], [])  # (in the order first written after it)
    assert _feed_ids(adapter, middle) == ([newer, new[0]], [])


def test_a_net_change_feed_leaves_out_what_came_and_went_after_the_cursor():
    for net_changes, expected in ((True, ["old"]), (False, ["old", "brief"])):
        adapter = MemoryAdapter(name="pim", net_changes=net_changes)
        ids = {"old": adapter.put(Contact(last_name="Old"))}
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        ids["brief"] = adapter.put(Contact(last_name="Brief"))
        adapter.remove(ids["brief"])
        adapter.remove(ids["old"])

        _, deletions = _feed_ids(adapter, cursor)

        assert sorted(deletions) == sorted(ids[name] for name in expected), net_changes


def test_ids_in_a_custom_format_stay_this_sides_ids_after_their_deletion():
    adapter = MemoryAdapter(name="crm", id_format=lambda n: f"003Dn{n:013d}")
    kept = adapter.put(Contact(last_name="Kept"))
    deleted = adapter.put(Contact(last_name="Deleted"))
    adapter.delete(Kind.CONTACT, [DeleteRequest(ref="r1", id=deleted)])

    assert adapter.is_native_id(Kind.CONTACT, kept)
    assert adapter.is_native_id(Kind.CONTACT, deleted)
    assert not adapter.is_native_id(Kind.CONTACT, "003Dn9999999999999")


def test_created_from_names_every_create_of_the_engine_even_once_deleted():
    adapter = MemoryAdapter(name="crm", link_ids=False)
    adapter.put(Contact(last_name="Typed in by a user"))
    outcomes = adapter.create(Kind.CONTACT, [CreateRequest(ref="a", record=Contact(last_name="A"), link="pim-7"),
                                             CreateRequest(ref="b", record=Contact(last_name="B"), link=None)])
    adapter.remove(outcomes[0].id)

    assert adapter.created_from == {outcomes[0].id: "pim-7", outcomes[1].id: None}


def test_a_demo_file_keeps_its_change_log_across_a_reload(tmp_path):
    path = tmp_path / "side.json"
    adapter = DemoFileAdapter(path=str(path), side="pim")
    gone = adapter.put(Contact(last_name="Gone"))
    cursor = adapter.full_scan(Kind.CONTACT).cursor
    added = adapter.put(Contact(last_name="Added"))
    adapter.remove(gone)

    reloaded = DemoFileAdapter(path=str(path), side="pim")

    assert _feed_ids(reloaded, cursor) == ([added], [gone])
    assert reloaded.changes(Kind.CONTACT, cursor).cursor == adapter.changes(Kind.CONTACT, cursor).cursor
