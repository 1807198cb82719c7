"""Change detection: a GetTable scan diffed against the snapshot in the cursor; only changed items are opened."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from olsupport import gid

from syncore.errors import CursorExpired
from syncore.models import Kind
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import OutlookComAdapter
from syncore_outlook.converter import Snapshot, decode_cursor, encode_cursor

BODY_PROPS = ("Body", "RTFBody")


def _events(fake, count: int) -> list[str]:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return [
        fake.user_create("calendar", Subject=f"Meeting {n}", Start=start + timedelta(days=n),
                         End=start + timedelta(days=n, hours=1), Body=f"Notes {n}")
        for n in range(count)
    ]


def test_full_scan_opens_every_item_exactly_once(fake, outlook):
    ids = _events(fake, 5)
    fake.reset_counters()
    scan = outlook.full_scan(Kind.EVENT)
    assert scan.complete
    assert sorted(item.id for item in scan.upserts) == sorted(gid(fake, i) for i in ids)
    assert fake.item_opens == 5
    assert fake.calls["GetItemFromID"] == 5
    assert fake.calls["GetTable"] == 1


def test_a_sync_without_changes_opens_no_item_and_reads_no_body(fake, outlook):
    _events(fake, 20)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    fake.reset_counters()
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.upserts == () and feed.deletions == () and feed.unsupported == ()
    assert fake.item_opens == 0
    assert fake.calls["GetItemFromID"] == 0
    assert sum(fake.access_count(prop=name) for name in BODY_PROPS) == 0
    assert fake.calls["GetTable"] == 1


def test_only_the_edited_item_is_opened(fake, outlook):
    ids = _events(fake, 10)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    fake.user_edit(ids[3], Subject="Moved")
    fake.reset_counters()
    feed = outlook.changes(Kind.EVENT, cursor)
    assert [item.id for item in feed.upserts] == [gid(fake, ids[3])]
    assert feed.upserts[0].record.subject == "Moved"
    assert fake.item_opens == 1
    for other in ids[:3] + ids[4:]:
        assert fake.access_count(entry_id=other) == 0


def test_new_and_deleted_items_are_reported(fake, outlook):
    ids = _events(fake, 3)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    gone = gid(fake, ids[0])
    fake.user_delete(ids[0])
    (new_id,) = _events(fake, 1)
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.deletions == (gone,)
    assert [item.id for item in feed.upserts] == [gid(fake, new_id)]
    again = outlook.changes(Kind.EVENT, feed.cursor)
    assert again.deletions == () and again.upserts == ()


def test_our_own_write_echoes_with_the_version_the_write_returned(fake, outlook):
    (eid,) = _events(fake, 1)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    (outcome,) = outlook.create(Kind.EVENT, [CreateRequest(ref="c", record=record.replace(subject="Copy"))])
    feed = outlook.changes(Kind.EVENT, cursor)
    assert {item.id: item.version for item in feed.upserts} == {outcome.id: outcome.version}


def test_versions_are_utc_modification_times(fake, outlook):
    (eid,) = _events(fake, 1)
    (item,) = outlook.full_scan(Kind.EVENT).upserts
    stored = fake.record(eid).props["LastModificationTime"]
    assert item.modified_at == stored
    assert item.version == str(round(stored.timestamp() * 1000))


def test_cursor_is_a_compressed_snapshot(fake, outlook):
    ids = _events(fake, 200)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    data = json.loads(zlib.decompress(base64.urlsafe_b64decode(cursor)))
    assert set(data["s"]) == {gid(fake, i) for i in ids}
    raw_ids = sum(len(gid(fake, i)) for i in ids)
    assert len(cursor) < raw_ids / 2, "the snapshot is compressed"


def test_unreadable_or_foreign_cursor_expires(fake, outlook):
    with pytest.raises(CursorExpired):
        outlook.changes(Kind.EVENT, "not a cursor")
    tasks_cursor = outlook.full_scan(Kind.TASK).cursor
    with pytest.raises(CursorExpired):
        outlook.changes(Kind.EVENT, tasks_cursor)
    old_format = encode_cursor(Snapshot(folder=fake.application.Session.GetDefaultFolder(9).EntryID, format=0))
    with pytest.raises(CursorExpired):
        outlook.changes(Kind.EVENT, old_format)


def test_decode_refuses_another_folder():
    cursor = encode_cursor(Snapshot(folder="AA", versions={"E1": 5}))
    assert decode_cursor(cursor, "AA").versions == {"E1": 5}
    with pytest.raises(CursorExpired):
        decode_cursor(cursor, "BB")


def test_item_deleted_between_scan_and_open_is_a_deletion(fake, outlook):
    ids = _events(fake, 2)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    fake.user_edit(ids[1], Subject="edited")
    # Outlook loses the item right after the table was read
    from syncore_outlook import constants as C
    from syncore_outlook.fake import FakeComError

    fake.inject_error("GetItemFromID", FakeComError(C.DISP_E_EXCEPTION, "Exception occurred.",
                                                   (4096, "Outlook", "not found", None, 0, C.MAPI_E_NOT_FOUND)))
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.upserts == () and feed.deletions == (gid(fake, ids[1]),)


def test_unmappable_item_is_unsupported_not_an_error(fake, outlook):
    good = fake.user_create("contacts", FirstName="Ada", LastName="Lovelace", Email1Address="ada@example.com")
    bad = fake.user_create("contacts", FirstName="Bad", LastName="Address", Email1Address="not an address")
    scan = outlook.full_scan(Kind.CONTACT)
    assert [item.id for item in scan.upserts] == [good]
    assert [item.id for item in scan.unsupported] == [bad]
    assert "email" in scan.unsupported[0].reason


def test_contacts_and_tasks_scan_too(fake, outlook):
    contact = fake.user_create("contacts", FirstName="Grace", LastName="Hopper")
    task = fake.user_create("tasks", Subject="Call back")
    assert [i.id for i in outlook.full_scan(Kind.CONTACT).upserts] == [contact]
    task_scan = outlook.full_scan(Kind.TASK)
    assert [i.id for i in task_scan.upserts] == [task]
    fake.reset_counters()
    assert outlook.changes(Kind.TASK, task_scan.cursor).upserts == ()
    assert fake.item_opens == 0


def test_kinds_option_limits_the_adapter(fake):
    adapter = OutlookComAdapter(fake.application, kinds=[Kind.EVENT])
    assert adapter.capabilities.kinds == {Kind.EVENT}
    from syncore.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        adapter.full_scan(Kind.TASK)


def test_new_entry_id_of_the_same_appointment_is_neither_a_deletion_nor_a_new_item(fake, outlook):
    """Accepting a meeting, a move or an export/import gives the item a new EntryID (reference §2.1)."""
    (eid,) = _events(fake, 1)
    native = gid(fake, eid)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    new_eid = fake.user_respond(eid)
    assert new_eid != eid
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.deletions == ()
    assert [item.id for item in feed.upserts] == [native]
    record = feed.upserts[0].record
    (out,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=native, record=record.replace(subject="CRM"),
                                                       fields=frozenset({"subject"}))])
    assert out.ok and out.id == native
    assert fake.record(new_eid).props["Subject"] == "CRM"


def test_a_fresh_adapter_finds_appointments_by_their_id(fake, outlook):
    (eid,) = _events(fake, 1)
    native = outlook.full_scan(Kind.EVENT).upserts[0].id
    fake.user_respond(eid)
    fresh = OutlookComAdapter(fake.application)
    fake.reset_counters()
    assert fresh.fetch(Kind.EVENT, [native])[native].record.subject == "Meeting 0"
    assert fake.calls["GetTable"] == 1 and fake.item_opens == 1, "one scan locates it, one open reads it"
    assert fresh.fetch(Kind.EVENT, ["00" * 30]) == {}


class _StubTable:
    """A store whose table refuses no column but has no long-term EntryID values (e.g. some PST stores)."""

    def __init__(self, rows):
        self._rows = rows
        self.Columns = self
        self.added: list[str] = []

    def RemoveAll(self):
        self.added.clear()

    def Add(self, name):
        self.added.append(name)

    def GetArray(self, max_rows):
        rows, self._rows = self._rows, ()
        return rows


def test_scan_falls_back_to_pr_entryid_when_the_long_term_id_is_empty():
    from syncore_outlook._scan import scan

    modified = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    table = _StubTable(((None, "00AB", modified, "SF1"), (b"\x01\x02", "00CD", None, None)))
    folder = type("Folder", (), {"GetTable": lambda self, flt, contents: table})()
    rows = list(scan(folder, "SyncoreLink", has_recurrence=False, calendar=False))
    assert [(r.entry_id, r.link) for r in rows] == [("00AB", "SF1"), ("0102", None)]
    assert rows[0].version == round(modified.timestamp() * 1000) and rows[1].version == 0
