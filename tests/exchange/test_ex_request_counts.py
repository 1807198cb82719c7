"""Request counts from the emulator's log: the EWS call lower bound per operation (exchange.md §12).

Expected counts are literals from the protocol's limits, never the adapter's own constants. A whole sync's
counts (first sync, echo, quiet sync, a few user edits) are checked for every pair by
syncore.testing.EngineContract.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Event, Kind, TaskStatus
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, read_unread
from syncore.testing import MemoryAdapter
from syncore.testing.samples import sample_record

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _event(i: int) -> Event:
    start = NOW + timedelta(days=1 + i % 20, hours=i % 8)
    return Event(subject=f"E{i}", start=start, end=start + timedelta(minutes=30))


def test_adapter_calls_per_operation(emu, adapter):
    n = 600
    for i in range(n):
        emu.create_item(folder="calendar", fields={"Subject": f"E{i}", "Start": NOW, "End": NOW + timedelta(hours=1)})
    adapter.folder(Kind.EVENT)  # GetFolder once, cached afterwards
    emu.reset_log()
    scan = adapter.full_scan(Kind.EVENT)
    # 600 changes: 512 per SyncFolderItems (the protocol's maximum), and 100 ids per GetItem (EWS sets no
    # maximum; exchangelib's chunk size) - exchange.md §12
    assert emu.request_counts() == {"SyncFolderItems": 2, "GetItem": 6}
    ids = [u.id for u in scan.upserts]
    for item_id in ids[:30]:
        emu.update_item(item_id, {"Location": "moved"})
    emu.reset_log()
    feed = read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, scan.cursor))
    assert len(feed.upserts) == 30 and emu.request_counts() == {"SyncFolderItems": 1, "GetItem": 1}

    emu.reset_log()
    created = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=_event(i)) for i in range(100)])
    assert emu.request_counts() == {"CreateItem": 1}
    emu.reset_log()
    adapter.update(Kind.EVENT, [UpdateRequest(ref=o.ref, id=o.id, record=_event(int(o.ref)).replace(subject="x"),
                                              fields=frozenset({"subject"}), base_version=o.version) for o in created])
    # sent blind on the planned change keys: one UpdateItem for the batch, no GetItem
    assert emu.request_counts() == {"UpdateItem": 1}
    emu.reset_log()
    moved = [UpdateRequest(ref=o.ref, id=o.id, record=_event(int(o.ref) + 1).replace(subject="x"),
                           fields=frozenset({"start", "end"}), base_version=emu.get_item(o.id)["changekey"])
             for o in created]
    adapter.update(Kind.EVENT, moved)
    # new times are written in each item's own zones, which only the item knows: read first
    assert emu.request_counts() == {"GetItem": 1, "UpdateItem": 1}
    emu.reset_log()
    adapter.delete(Kind.EVENT, [DeleteRequest(ref=o.ref, id=o.id) for o in created])
    assert emu.request_counts() == {"DeleteItem": 1}


def test_update_batches_are_sent_without_reading_the_items(emu, adapter):
    n = 100
    created = adapter.create(Kind.CONTACT, [CreateRequest(ref=str(i), record=sample_record(Kind.CONTACT, i, now=NOW))
                                            for i in range(n)])
    edited = [sample_record(Kind.CONTACT, int(o.ref), now=NOW).replace(
        title="CTO", phone=f"+1 555 {o.ref}", email=f"c{o.ref}@example.com", mailing_city="Bergen") for o in created]
    emu.reset_log()
    results = adapter.update(Kind.CONTACT, [
        UpdateRequest(ref=o.ref, id=o.id, record=record, base_version=o.version,
                      fields=frozenset({"title", "phone", "email", "mailing_city"}))
        for o, record in zip(created, edited, strict=True)])
    assert all(r.ok for r in results)
    assert emu.request_counts() == {"UpdateItem": 1}
    tasks = adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW))
                                       for i in range(n)])
    done = [sample_record(Kind.TASK, i, now=NOW).replace(status=TaskStatus.COMPLETED, subject="done") for i in range(n)]
    emu.reset_log()
    results = adapter.update(Kind.TASK, [UpdateRequest(ref=o.ref, id=o.id, record=record, base_version=o.version,
                                                       fields=frozenset({"subject", "status"}))
                                         for o, record in zip(tasks, done, strict=True)])
    assert all(r.ok for r in results) and emu.request_counts() == {"UpdateItem": 1}


def test_incremental_contact_sync_with_crm_edits_costs_no_getitem(emu, make_adapter):
    pim = make_adapter()
    crm = MemoryAdapter(name="crm", formatted_bodies=False, batch_size=200, clock=lambda: NOW)
    ids = [crm.put(sample_record(Kind.CONTACT, i, now=NOW)) for i in range(150)]
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    engine.sync(Kind.CONTACT)
    engine.sync(Kind.CONTACT)
    for crm_id in ids:
        crm.edit(crm_id, phone="+1 555 0100")
    emu.reset_log()
    result = engine.sync(Kind.CONTACT)
    assert result.ok, result.errors
    # the feed page (no mailbox changes) and the 150 phone updates in batches of 100
    assert emu.request_counts() == {"SyncFolderItems": 1, "UpdateItem": 2}
