"""Injected faults, and how the real exchangelib retry policies react to them."""

from __future__ import annotations

import time

import pytest
from exchangelib import FaultTolerance
from exchangelib.errors import (
    ErrorInternalServerTransientError,
    ErrorInvalidOperation,
    ErrorInvalidSyncStateData,
    ErrorItemNotFound,
    ErrorItemSave,
    ErrorServerBusy,
    MalformedResponseError,
    RateLimitError,
    UnauthorizedError,
)
from exchangelib.items import Task


def _task(emu, subject="t"):
    return emu.create_item(folder="tasks", fields={"Subject": subject})


def test_server_busy_is_retried_with_backoff(emu, tolerant_account):
    item_id = _task(emu)
    _ = tolerant_account.tasks  # warm up the folder cache
    emu.reset_log()
    emu.faults.server_busy(back_off_ms=50, n=2, op="GetItem")
    start = time.monotonic()
    got = list(tolerant_account.fetch([(item_id, None)], only_fields=["subject"]))
    assert got[0].subject == "t"
    assert 0.1 <= time.monotonic() - start < 3
    assert [(r.operation, r.status, r.fault) for r in emu.requests] == [
        ("GetItem", 500, "soap:ErrorServerBusy"),
        ("GetItem", 500, "soap:ErrorServerBusy"),
        ("GetItem", 200, None),
    ]


def test_server_busy_fail_fast_exposes_back_off(emu, account):
    _ = account.tasks  # warm up the folder cache
    emu.faults.server_busy(back_off_ms=250, op="SyncFolderItems")
    with pytest.raises(ErrorServerBusy) as info:
        list(account.tasks.sync_items())
    assert info.value.back_off == 0.25
    assert list(account.tasks.sync_items()) == []  # the fault fired once


def test_server_busy_inside_response_message(emu, account):
    item_id = _task(emu)
    emu.faults.server_busy(in_message=True, op="GetItem")
    with pytest.raises(ErrorServerBusy):
        list(account.fetch([(item_id, None)], only_fields=["subject"]))


def test_http_503_with_retry_after(emu, tolerant_account):
    item_id = _task(emu)
    _ = tolerant_account.tasks  # warm up the folder cache
    emu.faults.http_error(503, retry_after=1, op="GetItem")
    start = time.monotonic()
    got = list(tolerant_account.fetch([(item_id, None)], only_fields=["subject"]))
    assert got[0].subject == "t" and 0.9 <= time.monotonic() - start < 4
    assert [r.status for r in emu.requests if r.operation == "GetItem"] == [503, 200]


def test_http_503_fail_fast(emu):
    account = emu.account()
    _ = account.tasks  # warm up the folder cache
    emu.faults.http_error(503, retry_after=1)
    with pytest.raises((ErrorServerBusy, ErrorInternalServerTransientError)):
        list(account.tasks.sync_items())


def test_http_429_is_not_retried(emu, tolerant_account):
    _ = tolerant_account.tasks  # warm up the folder cache
    emu.reset_log()
    emu.faults.http_error(429, retry_after=1, op="SyncFolderItems")
    with pytest.raises(MalformedResponseError, match="Code: 429"):
        list(tolerant_account.tasks.sync_items())
    assert emu.count("SyncFolderItems") == 1


def test_bad_credentials(emu):
    bad = emu.credentials("user@example.com", "wrong")
    with pytest.raises(UnauthorizedError):
        _ = emu.account(credentials=bad).tasks
    assert emu.requests[-1].status == 401 and emu.requests[-1].user is None


def test_bad_credentials_fault_tolerant_gives_up_at_max_wait(emu):
    # exchangelib treats 401 as throttling under FaultTolerance; the 10 s default back-off exceeds max_wait.
    account = emu.account(
        credentials=emu.credentials("user@example.com", "wrong"), retry_policy=FaultTolerance(max_wait=1)
    )
    with pytest.raises(RateLimitError):
        _ = account.tasks  # warm up the folder cache


def test_per_item_errors(emu, account):
    ok, missing = _task(emu, "ok"), _task(emu, "gone")
    emu.faults.item_error("ErrorItemNotFound", item_ids=[missing], op="GetItem")
    got = list(account.fetch([(ok, None), (missing, None)], only_fields=["subject"]))
    assert got[0].subject == "ok" and isinstance(got[1], ErrorItemNotFound)

    emu.faults.item_error("ErrorItemSave", subjects=["bad"], op="CreateItem")
    result = account.bulk_create(
        folder=account.tasks,
        items=[Task(account=account, subject="good"), Task(account=account, subject="bad")],
    )
    assert result[0].id and isinstance(result[1], ErrorItemSave)
    assert sorted(i["fields"]["Subject"] for i in emu.items("tasks")) == ["gone", "good", "ok"]

    emu.faults.item_error("ErrorItemNotFound", item_ids=[ok], op="DeleteItem", n=1)
    assert [type(r) for r in account.bulk_delete([(ok, None), (missing, None)])] == [ErrorItemNotFound, bool]
    assert [i["fields"]["Subject"] for i in emu.items("tasks")] == ["ok", "good"]


def test_injected_invalid_sync_state(emu, account):
    emu.faults.message_error("ErrorInvalidSyncStateData", op="SyncFolderItems")
    with pytest.raises(ErrorInvalidSyncStateData):
        list(account.calendar.sync_items())
    assert list(account.calendar.sync_items()) == []


def test_latency(emu, account):
    _ = account.tasks  # warm up the folder cache
    emu.faults.latency(0.3, n=1, op="SyncFolderItems")
    start = time.monotonic()
    list(account.tasks.sync_items())
    assert time.monotonic() - start >= 0.3


def test_unimplemented_operation_is_loud(emu, account):
    with pytest.raises(ErrorInvalidOperation, match="GetServerTimeZones"):
        list(account.protocol.get_timezones())
    assert emu.faults.pending == []


def test_dropped_connection(emu, account):
    from exchangelib.errors import ErrorTimeoutExpired

    _ = account.tasks  # warm up the folder cache
    emu.faults.drop_connections(op="SyncFolderItems")
    # With one session in the pool exchangelib cannot back off by shrinking it, so it re-raises.
    with pytest.raises(ErrorTimeoutExpired):
        list(account.tasks.sync_items())
    assert emu.requests[-1].fault == "drop"
    assert list(account.tasks.sync_items()) == []
