"""The change feed: SyncFolderItems states in the cursor, 512-change pages, bodies by GetItem, expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import EWSDate
from exchangelib.recurrence import Recurrence, WeeklyPattern

from syncore.errors import AdapterError, CursorExpired
from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, read_unread
from syncore.testing.samples import sample_record

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _event_fields(i, **extra):
    start = datetime(2031, 3, 4, 9, tzinfo=UTC) + timedelta(hours=i)
    return {"Subject": f"e{i}", "Start": start, "End": start + timedelta(minutes=30), **extra}


def _syncs(emu):
    return [r for r in emu.requests if r.operation == "SyncFolderItems"]


def test_feed_reports_creates_updates_and_deletes_with_bodies(emu, adapter):
    ids = [emu.create_item(folder="calendar", fields=_event_fields(i, Body=("HTML", f"<p><b>body {i}</b></p>")))
           for i in range(3)]
    scan = adapter.full_scan(Kind.EVENT)
    assert scan.complete and {u.id for u in scan.upserts} == set(ids)
    assert all(u.record.body.html for u in scan.upserts)  # bodies come from GetItem, not from the sync
    emu.update_item(ids[0], {"Subject": "changed"})
    emu.delete_item(ids[1])
    feed = read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, scan.cursor))
    assert not feed.complete
    assert [(u.id, u.record.subject) for u in feed.upserts] == [(ids[0], "changed")]
    assert feed.deletions == (ids[1],)
    assert feed.upserts[0].version == emu.get_item(ids[0])["changekey"]
    again = read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, feed.cursor))
    assert again.upserts == () and again.deletions == ()


def test_no_change_sync_is_one_sync_folder_items_call_per_folder(emu, adapter):
    cursors = {}
    for kind in Kind:
        adapter.create(kind, [CreateRequest(ref="r", record=sample_record(kind, 1, now=NOW))])
        cursors[kind] = adapter.full_scan(kind).cursor
    emu.reset_log()
    for kind in Kind:
        feed = read_unread(adapter, kind, adapter.changes(kind, cursors[kind]))
        assert feed.upserts == () and feed.deletions == ()
    assert emu.request_counts() == {"SyncFolderItems": 3}
    assert sorted(r.folder for r in emu.requests) == ["calendar", "contacts", "tasks"]


def test_pages_of_512_and_bodies_fetched_in_batches(emu, adapter):
    n = 600
    for i in range(n):
        emu.create_item(folder="contacts", fields={"DisplayName": f"c{i}", "GivenName": f"c{i}", "Body": f"note {i}"})
    adapter.folder(Kind.CONTACT)
    emu.reset_log()
    scan = adapter.full_scan(Kind.CONTACT)
    assert len(scan.upserts) == n and len({u.id for u in scan.upserts}) == n
    syncs = _syncs(emu)
    # 512: the protocol's maximum MaxChangesReturned (exchange.md §12), asked for so an initial sync pages
    # least
    assert [r.attrs["MaxChangesReturned"] for r in syncs] == ["512"] * 2
    assert [r.returned for r in syncs] == [512, 88]
    gets = [r for r in emu.requests if r.operation == "GetItem"]
    # EWS sets no GetItem maximum; 100 ids per request (exchangelib's chunk size): 600 items, 6 requests
    assert [r.item_count for r in gets] == [100] * 6
    assert emu.request_counts() == {"SyncFolderItems": 2, "GetItem": 6}
    assert scan.upserts[5].record.notes.text == "note 5"


def test_interrupted_feed_returns_no_cursor_and_replays(emu, adapter):
    scan = adapter.full_scan(Kind.TASK)
    for i in range(3):
        emu.create_item(folder="tasks", fields={"Subject": f"t{i}"})
    emu.faults.message_error("ErrorMailboxMoveInProgress", op="GetItem")
    with pytest.raises(AdapterError):
        read_unread(adapter, Kind.TASK, adapter.changes(Kind.TASK, scan.cursor))  # GetItem fails
    # the stored cursor is still the old one: the next run sees the same three changes
    feed = read_unread(adapter, Kind.TASK, adapter.changes(Kind.TASK, scan.cursor))
    assert sorted(u.record.subject for u in feed.upserts) == ["t0", "t1", "t2"]


def test_invalid_sync_state_is_cursor_expired_and_full_scan_recovers(emu, adapter):
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="r", record=sample_record(Kind.EVENT, 1, now=NOW))])
    scan = adapter.full_scan(Kind.EVENT)
    emu.invalidate_sync_states()
    with pytest.raises(CursorExpired) as info:
        adapter.changes(Kind.EVENT, scan.cursor)
    assert info.value.code == "ErrorInvalidSyncStateData"
    rescan = adapter.full_scan(Kind.EVENT)
    assert [u.id for u in rescan.upserts] == [created.id]
    assert read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, rescan.cursor)).upserts == ()


@pytest.mark.parametrize("cursor", ["garbage", json.dumps({"v": 1, "folder": "someone else", "state": "x"}),
                                    json.dumps({"v": 99})])
def test_unreadable_or_foreign_cursors_expire(adapter, cursor):
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.CONTACT, cursor)


def test_a_recurring_master_is_read_as_one_series_record(emu, adapter):
    master = emu.create_item(folder="calendar", fields=_event_fields(1, Subject="Weekly", Recurrence=Recurrence(
        pattern=WeeklyPattern(interval=1, weekdays=[2]), start=EWSDate(2031, 3, 4), number=5)))
    single = emu.create_item(folder="calendar", fields=_event_fields(2))
    before = emu.get_item(master)
    scan = adapter.full_scan(Kind.EVENT)
    assert sorted(u.id for u in scan.upserts) == sorted([master, single]) and not scan.unsupported
    series = {u.id: u.record for u in scan.upserts}[master]
    assert series.recurrence is not None and series.recurrence.rule.startswith("FREQ=WEEKLY")
    assert adapter.fetch(Kind.EVENT, [master])[master].record == series
    assert emu.get_item(master) == before


def test_deleted_items_are_deletions_not_absences(emu, adapter):
    ids = [o.id for o in adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW))
                                                  for i in range(2)])]
    scan = adapter.full_scan(Kind.TASK)
    adapter.delete(Kind.TASK, [DeleteRequest(ref="d", id=ids[0])])
    feed = read_unread(adapter, Kind.TASK, adapter.changes(Kind.TASK, scan.cursor))
    assert feed.deletions == (ids[0],) and feed.upserts == ()


def test_an_item_that_cannot_be_mapped_is_reported_by_its_subject_never_its_id(emu, adapter):
    """One odd item (here an end before its start, as another client might leave it) is reported and named as
    a person knows it."""
    from syncore import SqliteStateStore, SyncEngine, SyncSettings
    from syncore.testing import MemoryAdapter

    start = datetime(2031, 3, 4, 9, tzinfo=UTC)
    emu.create_item(folder="calendar",
                    fields={"Subject": "Broken", "Start": start, "End": start - timedelta(hours=1)})
    emu.create_item(folder="calendar", fields=_event_fields(1))
    [odd] = adapter.full_scan(Kind.EVENT).unsupported
    assert odd.label == "event 'Broken'"
    engine = SyncEngine(pim=adapter, crm=MemoryAdapter(name="crm"), state=SqliteStateStore(":memory:"),
                        settings=SyncSettings(), clock=lambda: NOW)
    result = engine.sync(Kind.EVENT)
    assert [message.split(": ")[0] for message in result.skipped] == ["pim event 'Broken'"], result.skipped
