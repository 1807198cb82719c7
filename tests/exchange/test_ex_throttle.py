"""Throttling and transient faults: ErrorServerBusy back-off, 503 (+Retry-After), 429, drops — all bounded."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from exchangelib import FaultTolerance

from syncore.errors import RateLimited, TransientError
from syncore.models import Kind
from syncore.remote import CreateRequest
from syncore.testing.samples import sample_record

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _seed(adapter, kind=Kind.CONTACT, n=2):
    outcomes = adapter.create(kind, [CreateRequest(ref=str(i), record=sample_record(kind, i, now=NOW), link=f"L{i}")
                                     for i in range(n)])
    assert all(o.ok for o in outcomes)
    return [o.id for o in outcomes]


def test_server_busy_back_off_is_honoured(emu, adapter, sleeps):
    ids = _seed(adapter)
    emu.faults.server_busy(back_off_ms=250, n=2, op="GetItem")
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    assert sleeps == [0.25, 0.25]


def test_server_busy_inside_the_response_message_waits_its_back_off(emu, adapter, sleeps):
    adapter.folder(Kind.TASK)
    emu.faults.server_busy(back_off_ms=500, in_message=True, op="SyncFolderItems")
    assert adapter.full_scan(Kind.TASK).complete
    # exchangelib reads BackOffMilliseconds only from SOAP faults (a message-level busy error would wait its
    # Protocol.RETRY_WAIT, 10 s); the adapter's policy keeps the server's 0.5 s
    assert sleeps == [0.5]


@pytest.mark.parametrize(("status", "retry_after"), [(503, 30), (429, 30), (503, 1)])
def test_http_retry_after_is_honoured_exactly(emu, adapter, sleeps, status, retry_after):
    ids = _seed(adapter)
    emu.faults.http_error(status, retry_after=retry_after, n=1, op="GetItem")
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    # exchangelib's FailFast turns a 503 into ErrorServerBusy(back_off=10 s) and drops Retry-After
    assert sleeps == [float(retry_after)]


def test_soap_back_off_milliseconds_are_honoured_exactly(emu, adapter, sleeps):
    ids = _seed(adapter)
    emu.faults.server_busy(back_off_ms=30_000, n=1, op="GetItem")
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    assert sleeps == [30.0]


def test_a_hint_beyond_the_cap_is_not_waited_out(emu, make_adapter, sleeps):
    adapter = make_adapter(max_total_wait=60)
    ids = _seed(adapter)
    emu.faults.http_error(503, retry_after=61, n=1, op="GetItem")
    with pytest.raises(TransientError):
        adapter.fetch(Kind.CONTACT, ids)
    assert sleeps == []


def test_http_503_retry_after_is_honoured_by_a_fault_tolerant_account(emu, make_adapter, sleeps):
    adapter = make_adapter(account_kwargs={"retry_policy": FaultTolerance(max_wait=5)})
    ids = _seed(adapter)
    emu.faults.http_error(503, retry_after=1, n=1, op="GetItem")
    started = time.monotonic()
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    assert time.monotonic() - started >= 0.9  # exchangelib slept for Retry-After itself
    assert sleeps == [] and [r.status for r in emu.requests if r.operation == "GetItem"][-2:] == [503, 200]


def test_http_429_is_retried_by_the_adapter_after_retry_after(emu, adapter, sleeps):
    ids = _seed(adapter)
    emu.faults.http_error(429, retry_after=3, n=1, op="GetItem")
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    assert sleeps == [3.0]


def test_http_429_on_a_fault_tolerant_account_is_still_handled(emu, make_adapter, sleeps):
    adapter = make_adapter(account_kwargs={"retry_policy": FaultTolerance(max_wait=5)})
    adapter.folder(Kind.EVENT)
    emu.faults.http_error(429, retry_after=2, n=1, op="SyncFolderItems")
    assert adapter.full_scan(Kind.EVENT).complete
    assert sleeps == [2.0]


def test_retries_are_bounded(emu, make_adapter, sleeps):
    adapter = make_adapter(max_attempts=3)
    ids = _seed(adapter)
    emu.faults.http_error(429, retry_after=1, n=None, op="GetItem")
    with pytest.raises(RateLimited) as info:
        adapter.fetch(Kind.CONTACT, ids)
    assert info.value.retry_after == 1.0 and info.value.code == "HTTP429"
    assert sleeps == [1.0, 1.0]
    emu.faults.clear()
    emu.faults.server_busy(back_off_ms=600_000, n=None, op="GetItem")  # asks for ten minutes
    with pytest.raises(RateLimited):
        adapter.fetch(Kind.CONTACT, ids)
    assert sleeps == [1.0, 1.0]  # more than max_total_wait: fail at once, the engine retries later


def test_dropped_connection_is_retried_for_reads_but_not_for_creates(emu, adapter, sleeps):
    ids = _seed(adapter)
    emu.faults.drop_connections(n=1, op="GetItem")
    assert set(adapter.fetch(Kind.CONTACT, ids)) == set(ids)
    assert len(sleeps) == 1
    emu.faults.drop_connections(n=1, op="CreateItem")
    with pytest.raises(TransientError):
        adapter.create(Kind.CONTACT, [CreateRequest(ref="x", record=sample_record(Kind.CONTACT, 9, now=NOW), link="L9")])
    assert len(emu.items("contacts")) == 2  # the dropped request created nothing; nothing was sent twice


def test_throttled_write_is_retried_once_and_creates_nothing_twice(emu, adapter, sleeps):
    adapter.folder(Kind.TASK)
    emu.faults.server_busy(back_off_ms=10, n=1, op="CreateItem")
    outcomes = adapter.create(Kind.TASK, [CreateRequest(ref=str(i), record=sample_record(Kind.TASK, i, now=NOW))
                                          for i in range(3)])
    assert all(o.ok for o in outcomes) and sleeps == [0.01]
    assert len(emu.items("tasks")) == 3
