"""Writes: per-item outcomes, NeverOverwrite conflicts, the bulk abort, missing items, link recovery."""

from __future__ import annotations

from datetime import UTC, datetime

from syncore.errors import NotFound, RecordRejected, VersionMismatch
from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.testing.samples import sample_record

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _create(adapter, kind, n=3):
    outcomes = adapter.create(kind, [CreateRequest(ref=str(i), record=sample_record(kind, i, now=NOW), link=f"L{i}")
                                     for i in range(n)])
    assert all(o.ok for o in outcomes)
    return outcomes


def _renamed(adapter, kind, outcomes, text="renamed"):
    current = adapter.fetch(kind, [o.id for o in outcomes])
    return [UpdateRequest(ref=o.ref, id=o.id, record=current[o.id].record.replace(subject=f"{text} {o.ref}"),
                          fields=frozenset({"subject"}), base_version=o.version) for o in outcomes]


def test_updates_are_never_overwrite_with_the_planned_change_key(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT)
    emu.reset_log()
    results = adapter.update(Kind.EVENT, _renamed(adapter, Kind.EVENT, outcomes))
    assert all(r.ok for r in results)
    (update,) = [r for r in emu.requests if r.operation == "UpdateItem"]
    assert update.attrs["ConflictResolution"] == "NeverOverwrite" and update.item_count == 3
    assert [r.version for r in results] == [emu.get_item(o.id)["changekey"] for o in outcomes]


def test_stale_change_key_is_a_version_mismatch_and_the_others_are_written(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT)
    requests = _renamed(adapter, Kind.EVENT, outcomes)
    emu.update_item(outcomes[1].id, {"Location": "edited in Outlook meanwhile"})
    results = adapter.update(Kind.EVENT, requests)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, VersionMismatch)
    items = {o.id: emu.get_item(o.id)["fields"] for o in outcomes}
    assert items[outcomes[1].id]["Subject"] == "Meeting 1"  # not overwritten
    assert items[outcomes[1].id]["Location"] == "edited in Outlook meanwhile"
    assert [items[outcomes[i].id]["Subject"] for i in (0, 2)] == ["renamed 0", "renamed 2"]


def test_spontaneous_change_key_bump_is_a_version_mismatch(emu, adapter):
    (outcome,) = _create(adapter, Kind.TASK, 1)
    (request,) = _renamed(adapter, Kind.TASK, [outcome])
    emu.bump_changekey(outcome.id)
    (result,) = adapter.update(Kind.TASK, [request])
    assert isinstance(result.error, VersionMismatch)


def _title_requests(adapter, outcomes):
    current = adapter.fetch(Kind.CONTACT, [o.id for o in outcomes])
    return [UpdateRequest(ref=o.ref, id=o.id, record=current[o.id].record.replace(title=f"T{o.ref}"),
                          fields=frozenset({"title"}), base_version=o.version) for o in outcomes]


def test_irresolvable_conflict_aborting_the_batch_loses_no_other_result(emu, adapter):
    outcomes = _create(adapter, Kind.CONTACT, 4)
    requests = _title_requests(adapter, outcomes)
    # the server keeps answering item 1 with ErrorIrresolvableConflict; exchangelib raises it for the whole call
    emu.faults.item_error("ErrorIrresolvableConflict", item_ids=[outcomes[1].id], operation="UpdateItem")
    emu.reset_log()
    results = adapter.update(Kind.CONTACT, requests)
    assert [r.ok for r in results] == [True, False, True, True]
    assert isinstance(results[1].error, VersionMismatch)
    for i in (0, 2, 3):
        stored = emu.get_item(outcomes[i].id)
        assert stored["fields"]["JobTitle"] == f"T{i}" and results[i].version == stored["changekey"]
    assert emu.get_item(outcomes[1].id)["fields"]["JobTitle"] == "Engineer"  # left as it was
    # one batch, then only the refused item again on its own (the saved ones are recognised, not resent)
    assert [u.item_count for u in emu.requests if u.operation == "UpdateItem"] == [4, 1]


def test_spurious_conflict_is_retried_alone_and_succeeds(emu, adapter):
    outcomes = _create(adapter, Kind.CONTACT, 3)
    requests = _title_requests(adapter, outcomes)
    emu.faults.item_error("ErrorIrresolvableConflict", item_ids=[outcomes[1].id], operation="UpdateItem", count=1)
    results = adapter.update(Kind.CONTACT, requests)
    assert all(r.ok for r in results)
    assert [emu.get_item(o.id)["fields"]["JobTitle"] for o in outcomes] == ["T0", "T1", "T2"]
    assert [r.version for r in results] == [emu.get_item(o.id)["changekey"] for o in outcomes]


def test_per_item_create_errors_and_missing_items(emu, adapter):
    emu.faults.item_error("ErrorItemSave", subjects=["Follow up 1"], operation="CreateItem")
    results = adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW))
                                         for i in range(3)])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, RecordRejected) and results[1].error.code == "ErrorItemSave"
    assert len(emu.items("tasks")) == 2
    gone = results[0].id
    adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=gone)])
    (again,) = adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=gone)])
    assert isinstance(again.error, NotFound)
    (update,) = adapter.update(Kind.TASK, [UpdateRequest(ref="u", id=gone, record=sample_record(Kind.TASK, 0, now=NOW),
                                                         fields=frozenset({"subject"}))])
    assert isinstance(update.error, NotFound)


def test_fetch_leaves_out_items_the_server_reports_missing(emu, adapter):
    outcomes = _create(adapter, Kind.EVENT, 2)
    emu.faults.item_error("ErrorItemNotFound", item_ids=[outcomes[0].id], operation="GetItem", count=1)
    assert set(adapter.fetch(Kind.EVENT, [o.id for o in outcomes])) == {outcomes[1].id}


def test_aborted_create_is_recovered_through_links_without_duplicates(emu, adapter):
    # ErrorInvalidPropertySet is raised by exchangelib (not returned): the call aborts after the server has
    # created the other items. The links tell which ones exist; nothing is created twice.
    emu.faults.item_error("ErrorInvalidPropertySet", subjects=["Meeting 1"], operation="CreateItem", count=1)
    results = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=sample_record(Kind.EVENT, i, now=NOW),
                                                        link=f"L{i}") for i in range(3)])
    assert all(r.ok for r in results)
    items = emu.items("calendar")
    assert sorted(i["fields"]["Subject"] for i in items) == ["Meeting 0", "Meeting 1", "Meeting 2"]
    assert {r.id for r in results} == {i["id"] for i in items}


def test_find_by_link_is_one_finditem_restricted_on_the_link_property(emu, adapter):
    outcomes = _create(adapter, Kind.TASK, 3)
    emu.reset_log()
    found = adapter.find_by_link(Kind.TASK, ["L0", "L2", "missing"])
    assert {link: r.id for link, r in found.items()} == {"L0": outcomes[0].id, "L2": outcomes[2].id}
    (find,) = [r for r in emu.requests if r.operation == "FindItem"]
    assert "SyncoreLink" in find.attrs["Restriction"] and "PublicStrings" in find.attrs["Restriction"]
    assert emu.request_counts() == {"FindItem": 1, "GetItem": 1}
