"""The exception tree: every syncore exception is a SyncoreError, except SimulatedCrash (BaseException)."""

from __future__ import annotations

import inspect

import pytest

from syncore import ConfigurationError, SyncoreError, errors, timezones
from syncore.errors import (
    AdapterError,
    AlreadyExists,
    AuthenticationError,
    CursorExpired,
    InvalidRecordError,
    NotFound,
    PreconditionFailed,
    QuotaExhausted,
    RateLimited,
    RecordRejected,
    SafetyLimitExceeded,
    SimulatedCrash,
    StalePlan,
    SyncError,
    SyncLocked,
    TransientError,
    UnsupportedRecord,
    VersionMismatch,
)


def _exception_classes(module):
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__]


ALL = _exception_classes(errors) + _exception_classes(timezones)


def test_found_the_exception_classes():
    assert len(_exception_classes(errors)) >= 19
    assert {c.__name__ for c in _exception_classes(timezones)} >= {
        "NaiveDatetimeError", "NonexistentLocalTime", "AmbiguousLocalTime"}


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_exception_is_a_syncore_error_except_simulated_crash(cls):
    if cls is SimulatedCrash:
        assert not issubclass(cls, Exception)
        assert issubclass(cls, BaseException)
    else:
        assert issubclass(cls, SyncoreError)


def test_simulated_crash_escapes_except_exception():
    with pytest.raises(SimulatedCrash):
        try:
            raise SimulatedCrash("kill -9")
        except Exception:  # noqa: BLE001 - the point of the test
            pytest.fail("SimulatedCrash was caught by `except Exception`")


def test_configuration_error_is_a_value_error():
    assert issubclass(ConfigurationError, ValueError)
    err = ConfigurationError("bad", key="k", value=3)
    assert (err.key, err.value, str(err)) == ("k", 3, "bad")
    assert issubclass(InvalidRecordError, ConfigurationError)
    for name in ("NaiveDatetimeError", "NonexistentLocalTime", "AmbiguousLocalTime"):
        assert issubclass(getattr(timezones, name), ConfigurationError)


@pytest.mark.parametrize("child,parent", [
    (AdapterError, SyncoreError), (TransientError, AdapterError), (RateLimited, TransientError),
    (QuotaExhausted, AdapterError), (AuthenticationError, AdapterError), (CursorExpired, AdapterError),
    (RecordRejected, AdapterError), (UnsupportedRecord, AdapterError), (PreconditionFailed, AdapterError),
    (NotFound, PreconditionFailed), (AlreadyExists, PreconditionFailed), (VersionMismatch, PreconditionFailed),
    (SyncError, SyncoreError), (SafetyLimitExceeded, SyncError), (StalePlan, SyncError), (SyncLocked, SyncError),
])
def test_hierarchy(child, parent):
    assert issubclass(child, parent)


def test_error_attributes():
    assert AdapterError("x", code="UNABLE_TO_LOCK_ROW").code == "UNABLE_TO_LOCK_ROW"
    limited = RateLimited("slow down", code="429", retry_after=2.5)
    assert limited.retry_after == 2.5 and limited.code == "429"
    assert TransientError("x").retry_after is None
    assert SafetyLimitExceeded("no", violations=["a", "b"]).violations == ["a", "b"]


def test_invalid_record_error_message_and_problems():
    err = InvalidRecordError("Event", [("start", "naive"), ("end", "before start")])
    assert err.problems == [("start", "naive"), ("end", "before start")]
    assert err.key == "start" and err.record_type == "Event"
    assert "start: naive" in str(err) and "end: before start" in str(err)
