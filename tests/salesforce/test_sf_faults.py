"""One test per fault: what the adapter does, how many requests it makes, and that nothing is lost or doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sfadapter_support import T0, Sleeps, make_adapter
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from syncore import SyncEngine
from syncore.errors import QuotaExhausted, TransientError
from syncore.models import Event, Kind
from syncore.remote import CreateRequest
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_salesforce.converter import format_datetime as wire


def _events(n: int, offset: int = 0) -> list[Event]:
    out = []
    for i in range(offset, offset + n):
        start = T0 + timedelta(days=1 + i % 20, hours=i % 8)
        out.append(Event(subject=f"Event {i}", start=start, end=start + timedelta(minutes=30)))
    return out


def _engine(emu, crm):
    pim = MemoryAdapter(name="pim", formatted_bodies=True, batch_size=200, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=emu.clock.now)
    return engine, pim


def _assert_same_subjects(emu, pim):
    """Both sides hold the same events (subject, times, location), each once."""
    sf = sorted((row["Subject"], row["StartDateTime"], row["EndDateTime"], row["Location"] or "")
                for row in emu.all("Event"))
    ours = sorted((r.subject, wire(r.start), wire(r.end), r.location) for r in pim.records(Kind.EVENT).values())
    assert sf == ours
    assert len({s[0] for s in sf}) == len(sf), "nothing duplicated"


def test_503_is_retried_with_back_off(emu):
    sleeps = Sleeps()
    adapter = make_adapter(emu, sleep=sleeps, owner_id=emu.user_id)
    emu.faults.server_error(2, 503)
    assert adapter.full_scan(Kind.EVENT).complete
    assert sleeps.calls == [1.0, 2.0]
    assert emu.count("composite") == 3  # the feed's read: Get Updated and queryAll in one Composite request


def test_persistent_503_becomes_transient_error_after_bounded_retries(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    emu.faults.server_error(50, 503)
    with pytest.raises(TransientError) as info:
        adapter.full_scan(Kind.EVENT)
    assert isinstance(info.value.__cause__, SalesforceGeneralError)
    assert emu.count("composite") == 4  # 1 + MAX_RETRIES, no storm


def test_dropped_connections_beyond_the_retries_are_transient_errors(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    emu.faults.drop_connections(10)
    with pytest.raises(TransientError) as info:
        adapter.full_scan(Kind.TASK)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert len(emu.requests) == 4
    emu.faults.clear()


def test_dropped_connections_are_retried_for_reads(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    ids = [o.id for o in adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=e) for e in _events(2)])]
    emu.faults.drop_connections(2)
    assert set(adapter.fetch(Kind.EVENT, ids)) == set(ids)
    # dropped requests are logged before the emulator classifies them, so count by path
    assert emu.count(method="POST", path=lambda p: "composite/sobjects/Event" in p) == 3


def test_dropped_connection_on_a_plain_create_is_not_retried_and_the_next_sync_creates_once(emu):
    adapter = make_adapter(emu)
    engine, pim = _engine(emu, adapter)
    pim.put(_events(1)[0])
    assert engine.sync(Kind.EVENT).ok  # warm: owner and describe are cached
    for event in _events(3, offset=10):
        pim.put(event)
    plan = engine.plan(Kind.EVENT)
    emu.reset_log()
    emu.faults.drop_connections(1)
    result = engine.apply(plan, recheck=False)
    assert not result.ok and "connection was dropped" in result.errors[0].message
    assert result.errors[0].code == "NO_ANSWER"  # OutcomeUnknown: the server may have made them
    assert emu.count(method="POST", path=lambda p: "composite/sobjects" in p) == 1, "a create is not retried"
    emu.clock.advance(timedelta(minutes=10))  # past the engine's retry back-off
    assert engine.sync(Kind.EVENT).ok
    assert len(emu.all("Event")) == 4
    _assert_same_subjects(emu, pim)


def test_locked_rows_are_retried_alone(emu):
    sleeps = Sleeps()
    adapter = make_adapter(emu, sleep=sleeps, owner_id=emu.user_id)
    adapter.describe.get("Event")
    emu.reset_log()
    emu.faults.lock_rows(2)  # the first two record writes fail with UNABLE_TO_LOCK_ROW
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(_events(5))])
    assert all(o.ok for o in outcomes)
    creates = [e for e in emu.requests if e.operation == "composite_create"]
    assert len(creates) == 2
    assert creates[1].body_size < creates[0].body_size / 2  # only the two locked records went again
    assert len(emu.all("Event")) == 5 and sleeps.calls == [1.0]


def test_rows_locked_for_good_fail_per_record(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    adapter.create(Kind.EVENT, [CreateRequest(ref="warm", record=_events(1, offset=99)[0])])
    emu.reset_log()
    emu.faults.lock_rows(7)  # both records in three calls, then the first one in the last retry
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(_events(2))])
    assert [o.ok for o in outcomes] == [False, True]
    assert isinstance(outcomes[0].error, TransientError) and outcomes[0].error.code == "UNABLE_TO_LOCK_ROW"
    assert emu.count("composite_create") == 4  # 1 + MAX_LOCK_RETRIES
    assert sorted(row["Subject"] for row in emu.all("Event")) == ["Event 1", "Event 99"]


def test_request_limit_exceeded_is_quota_exhausted_without_retries(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id)
    emu.faults.exhaust_quota()
    with pytest.raises(QuotaExhausted) as info:
        adapter.full_scan(Kind.EVENT)
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert isinstance(info.value.__cause__, SalesforceRefusedRequest)
    assert len(emu.requests) == 1


def test_max_api_share_stops_before_the_org_quota_runs_out(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id, max_api_share=0.5)
    emu.set_api_usage(7499)  # of 15,000
    adapter.full_scan(Kind.EVENT)  # this call makes it 7,500: half the allocation
    emu.reset_log()
    with pytest.raises(QuotaExhausted) as info:
        adapter.full_scan(Kind.TASK)
    assert "max_api_share=0.5" in str(info.value) and "7500 of its 15000" in str(info.value)
    assert emu.requests == [], "stopped before sending"


def test_faults_during_a_large_sync_lose_and_duplicate_nothing(emu):
    adapter = make_adapter(emu, login=True)
    engine, pim = _engine(emu, adapter)
    for event in _events(250):
        pim.put(event)
    emu.faults.server_error(1, 503)
    emu.faults.lock_rows(3)
    assert engine.sync(Kind.EVENT).ok
    emu.clock.advance(60)
    pim_ids = sorted(pim.records(Kind.EVENT))
    for pim_id in pim_ids[:210]:
        pim.edit(pim_id, location="Moved")
    emu.expire_sessions()
    emu.faults.drop_connections(1)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors[:2]
    assert adapter.transport.relogins == 1
    assert sum(1 for row in emu.all("Event") if row["Location"] == "Moved") == 210
    _assert_same_subjects(emu, pim)


def test_a_retry_of_locked_rows_failing_as_a_whole_keeps_the_first_calls_results(emu):
    adapter = make_adapter(emu, owner_id=emu.user_id, sleep=lambda seconds: emu.faults.exhaust_quota())
    adapter.describe.get("Event")
    emu.faults.lock_rows(1)  # the first record is locked; before its retry the org runs out of quota
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(_events(2))])
    assert isinstance(outcomes[0].error, QuotaExhausted)
    assert outcomes[1].ok and emu.get("Event", outcomes[1].id)["Subject"] == "Event 1"
