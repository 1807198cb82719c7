"""Request counts from the emulator's log: API calls are the currency.

Protocol limits are stated as literals: 20 requests per $batch (json-batching), and the page size the adapter
asks for with ``Prefer: odata.maxpagesize`` (10 here, set in the test).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Event, Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.testing import MemoryAdapter
from syncore.testing.samples import sample_record

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
PAGE = 10
BATCH = 20


def _event(i: int) -> Event:
    start = NOW + timedelta(days=1 + i % 20, hours=i % 8)
    return Event(subject=f"E{i}", start=start, end=start + timedelta(minutes=30))


def _body(i: int) -> dict:
    start = NOW + timedelta(days=1 + i % 20, hours=i % 8)
    wall = lambda t: {"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
    return {"subject": f"E{i}", "start": wall(start), "end": wall(start + timedelta(minutes=30))}


def test_adapter_calls_per_operation(emu, make_adapter):
    adapter = make_adapter(page_size=PAGE)
    n = 25
    for i in range(n):
        emu.create("event", _body(i))
    adapter.client.tokens.token()  # signed in (one token request, cached by msal from then on)
    emu.reset_log()
    scan = adapter.full_scan(Kind.EVENT)
    assert len(scan.upserts) == n
    # the delta round, and one id-only listing for the links (calendarView delta cannot $expand)
    assert emu.request_counts() == {"event_delta": math.ceil(n / PAGE), "calendar_view": math.ceil(n / PAGE)}
    emu.reset_log()
    assert adapter.changes(Kind.EVENT, scan.cursor).upserts == ()
    assert emu.request_counts() == {"event_delta": 1}

    k = 13
    for item in emu.items("event")[:k]:
        emu.update(item["id"], {"location": {"displayName": "moved"}})
    emu.reset_log()
    feed = adapter.changes(Kind.EVENT, scan.cursor)
    assert len(feed.upserts) == k and emu.request_counts() == {"event_delta": math.ceil(k / PAGE)}

    w = 45
    emu.reset_log()
    created = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=_event(i)) for i in range(w)])
    assert emu.request_counts() == {"batch": math.ceil(w / BATCH)}
    emu.reset_log()
    adapter.update(Kind.EVENT, [UpdateRequest(ref=o.ref, id=o.id, record=_event(int(o.ref)).replace(subject="x"),
                                              fields=frozenset({"subject"}), base_version=o.version) for o in created])
    assert emu.request_counts() == {"batch": math.ceil(w / BATCH)}
    emu.reset_log()
    current = {e["id"]: e["changeKey"] for e in emu.items("event")}
    adapter.update(Kind.EVENT, [UpdateRequest(ref=o.ref, id=o.id, record=_event(int(o.ref) + 1),
                                              fields=frozenset({"start", "end"}), base_version=current[o.id])
                                for o in created])
    # new times are written in each event's own zones, which only the event knows: read first
    assert emu.request_counts() == {"batch": 2 * math.ceil(w / BATCH)}
    emu.reset_log()
    assert len(adapter.fetch(Kind.EVENT, [o.id for o in created])) == w
    assert emu.request_counts() == {"batch": math.ceil(w / BATCH)}
    emu.reset_log()
    adapter.delete(Kind.EVENT, [DeleteRequest(ref=o.ref, id=o.id) for o in created])
    assert emu.request_counts() == {"batch": math.ceil(w / BATCH)}


def test_contact_updates_of_lists_read_the_contacts_first(emu, make_adapter):
    adapter = make_adapter()
    created = adapter.create(Kind.CONTACT, [CreateRequest(ref=str(i), record=sample_record(Kind.CONTACT, i, now=NOW))
                                            for i in range(30)])
    emu.reset_log()
    adapter.update(Kind.CONTACT, [UpdateRequest(ref=o.ref, id=o.id, base_version=o.version,
                                                record=sample_record(Kind.CONTACT, int(o.ref), now=NOW).replace(title="CTO"),
                                                fields=frozenset({"title"})) for o in created])
    assert emu.request_counts() == {"batch": math.ceil(30 / BATCH)}
    current = {c["id"]: c for c in emu.items("contact")}
    emu.reset_log()
    adapter.update(Kind.CONTACT, [UpdateRequest(ref=o.ref, id=o.id, base_version=current[o.id]["changeKey"],
                                                record=sample_record(Kind.CONTACT, int(o.ref), now=NOW).replace(
                                                    email=f"new{o.ref}@example.com"), fields=frozenset({"email"}))
                                  for o in created])
    # emailAddresses is one collection on the wire: the other addresses are read before it is written
    assert emu.request_counts() == {"batch": 2 * math.ceil(30 / BATCH)}


def test_engine_sync_call_counts(emu, make_adapter):
    pim = make_adapter(page_size=PAGE)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, batch_size=200, clock=lambda: NOW)
    for i in range(30):
        crm.put(_event(i))
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    assert engine.sync(Kind.EVENT).ok
    emu.reset_log()
    # the echo of 30 creates: one delta round of ⌈30 / 10⌉ pages, and nothing written
    assert engine.sync(Kind.EVENT).ok
    assert emu.request_counts() == {"event_delta": math.ceil(30 / PAGE)}
    emu.reset_log()
    # nothing changed since: one delta request
    engine.sync(Kind.EVENT)
    assert emu.request_counts() == {"event_delta": 1}
    for kind in (Kind.CONTACT, Kind.TASK):
        engine.sync(kind)
        engine.sync(kind)
        emu.reset_log()
        engine.sync(kind)
        assert emu.request_counts() == {f"{kind.value}_delta": 1}, kind
    # w CRM edits: one delta request and ⌈w / 20⌉ batches of PATCHes
    w = 25
    for crm_id in list(crm.records(Kind.EVENT))[:w]:
        crm.edit(crm_id, location="Room 7")
    emu.reset_log()
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert emu.request_counts() == {"event_delta": 1, "batch": math.ceil(w / BATCH)}
