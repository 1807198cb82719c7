"""Writes whose answer never came (issue 11 item 2): OutcomeUnknown, not a plain TransientError.

A failure is classified by when it happened (urllib3 ``Retry._is_connection_error`` / ``_is_read_error``,
https://github.com/urllib3/urllib3/blob/main/src/urllib3/util/retry.py): a connection that could not be made
means the request never left, so it stays a TransientError and may be retried even for a create; a connection
dropped after sending, a read timeout or a 5xx answer means the server may have done the work.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sfadapter_support import LINK_FIELD, T0, Sleeps, make_adapter

from syncore.errors import OutcomeUnknown, TransientError
from syncore.models import Event, Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore_salesforce.emulator import SalesforceEmulator
from syncore_salesforce.errors import request_was_sent


def _events(n: int, offset: int = 0) -> list[Event]:
    out = []
    for i in range(offset, offset + n):
        start = T0 + timedelta(days=1 + i, hours=i % 8)
        out.append(Event(subject=f"Event {i}", start=start, end=start + timedelta(minutes=30)))
    return out


def _warm(adapter) -> None:
    """Owner and describe cached, so the next requests are the writes under test."""
    adapter.describe.get("Event")
    assert adapter.owner_id


def test_a_lost_reply_on_a_plain_create_is_outcome_unknown_and_not_retried(emu):
    adapter = make_adapter(emu)
    _warm(adapter)
    emu.reset_log()
    emu.faults.lose_replies(1, op="composite_create")
    with pytest.raises(OutcomeUnknown) as info:
        adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(_events(3))])
    assert "Event create" in str(info.value)
    assert emu.count("composite_create") == 1, "a create whose answer was lost is never sent again"
    assert sorted(row["Subject"] for row in emu.all("Event")) == ["Event 0", "Event 1", "Event 2"]


def test_a_503_on_a_plain_create_is_outcome_unknown_and_not_retried(emu):
    adapter = make_adapter(emu)
    _warm(adapter)
    emu.reset_log()
    emu.faults.server_error(1, 503)
    with pytest.raises(OutcomeUnknown) as info:
        adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=_events(1)[0])])
    assert info.value.code == "SERVER_UNAVAILABLE"
    assert emu.count(method="POST", path=lambda p: "composite/sobjects" in p) == 1


def test_a_lost_reply_on_an_upsert_is_retried_and_creates_once(emu):
    emu.add_external_id("Event", LINK_FIELD)
    adapter = make_adapter(emu, link_field=LINK_FIELD)
    _warm(adapter)
    emu.reset_log()
    emu.faults.lose_replies(1, op="composite_upsert")
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=_events(1)[0], link="pim-1")])
    assert outcomes[0].ok
    assert emu.count("composite_upsert") == 2, "an upsert by external id is safe to send again"
    assert [row["Subject"] for row in emu.all("Event")] == ["Event 0"]


def test_updates_whose_replies_stay_lost_are_outcome_unknown_after_the_retries(emu):
    sleeps = Sleeps()
    adapter = make_adapter(emu, sleep=sleeps)
    _warm(adapter)
    [created] = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=_events(1)[0])])
    emu.reset_log()
    emu.faults.lose_replies(10, op="composite_update")
    record = _events(1)[0].replace(location="Room 7")
    with pytest.raises(OutcomeUnknown):
        adapter.update(Kind.EVENT, [UpdateRequest(ref="a", id=created.id, record=record,
                                                  fields=frozenset({"location"}))])
    assert emu.count("composite_update") == 4  # 1 + 3 retries: an update is idempotent
    assert emu.get("Event", created.id)["Location"] == "Room 7", "the update was made although no answer came"
    emu.faults.clear()


def test_a_lost_reply_on_a_delete_is_retried_and_counts_as_deleted(emu):
    adapter = make_adapter(emu)
    _warm(adapter)
    [created] = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=_events(1)[0])])
    emu.reset_log()
    emu.faults.lose_replies(1, op="composite_delete")
    [outcome] = adapter.delete(Kind.EVENT, [DeleteRequest(ref="a", id=created.id)])
    assert outcome.ok  # the retry answers ENTITY_IS_DELETED: what we wanted
    assert emu.count("composite_delete") == 2


def test_a_lost_reply_on_the_retry_of_locked_rows_is_that_records_outcome(emu):
    first_call_answered = []

    def sleep(_seconds: float) -> None:  # runs between the first call and the retry of record 0 alone
        first_call_answered.append(True)
        emu.faults.lose_replies(1, op="composite_create")

    adapter = make_adapter(emu, sleep=sleep)
    _warm(adapter)
    emu.faults.lock_rows(1)  # the first call answers: record 0 locked, record 1 written
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(_events(2))])
    assert first_call_answered
    assert isinstance(outcomes[0].error, OutcomeUnknown)
    assert outcomes[1].ok
    assert sorted(row["Subject"] for row in emu.all("Event")) == ["Event 0", "Event 1"]


def test_a_create_that_cannot_connect_is_a_transient_error_and_may_be_retried():
    """Nothing was sent, so retrying even a plain create cannot duplicate it."""
    with SalesforceEmulator(start_time=T0) as emu:
        sleeps = Sleeps()
        adapter = make_adapter(emu, sleep=sleeps)
        _warm(adapter)
    # the emulator is gone: its port refuses connections
    with pytest.raises(TransientError) as info:
        adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=_events(1)[0])])
    assert not isinstance(info.value, OutcomeUnknown)
    assert "127.0.0.1" in str(info.value)
    assert sleeps.calls == [1.0, 2.0, 4.0], "retried: the request never left"


# -- the classifier, fed with exceptions from real requests -------------------------------------------------
def test_request_was_sent_tells_a_refused_connection_from_a_lost_reply(emu):
    http = emu.session()
    url = f"{emu.url}/services/data"
    emu.faults.lose_replies(1)
    with pytest.raises(requests.RequestException) as lost:
        http.get(url)
    assert request_was_sent(lost.value)
    emu.faults.drop_connections(1)
    with pytest.raises(requests.RequestException) as dropped:
        http.get(url)
    assert request_was_sent(dropped.value), "a socket closed after the request went out: maybe processed"
    emu.faults.set_latency(0.5)
    with pytest.raises(requests.RequestException) as timed_out:
        requests.get(url, timeout=0.05)
    emu.faults.set_latency(0)
    assert isinstance(timed_out.value, requests.ReadTimeout) and request_was_sent(timed_out.value)
    with SalesforceEmulator() as gone:
        closed = gone.url
    with pytest.raises(requests.RequestException) as refused:
        requests.get(f"{closed}/services/data")
    assert not request_was_sent(refused.value)


def test_a_sync_whose_create_reply_was_lost_recovers_without_duplicates(emu):
    """End to end: the lost call is not repeated, and the next sync pairs what it made (here the matcher finds
    them by subject and time; the engine's open intents are the general mechanism)."""
    from syncore import SyncEngine
    from syncore.settings import SyncSettings
    from syncore.state import SqliteStateStore
    from syncore.testing import MemoryAdapter

    adapter = make_adapter(emu)
    pim = MemoryAdapter(name="pim", formatted_bodies=True, batch_size=200, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=adapter, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=emu.clock.now)
    for event in _events(10):
        pim.put(event)
    emu.faults.lose_replies(1, op="composite_create")
    first = engine.sync(Kind.EVENT)
    assert not first.ok and first.errors[0].code == "NO_ANSWER"
    emu.clock.advance(timedelta(minutes=10))  # past the engine's retry back-off
    assert engine.sync(Kind.EVENT).ok
    assert len(emu.all("Event")) == 10, "the records the lost call made are paired, not made again"
    assert len(pim.records(Kind.EVENT)) == 10
