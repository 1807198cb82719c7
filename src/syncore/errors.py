"""The one exception tree of syncore.

::

    SyncoreError
    ├─ ConfigurationError (ValueError)        bad settings or arguments; show the message, not a traceback
    │   ├─ InvalidRecordError                 a record failed validation; lists every bad field at once
    │   └─ CapabilityError                    a call an adapter's declared capabilities do not allow
    ├─ AdapterError                           raised by adapters, with the backend's exception as __cause__
    │   ├─ TransientError (retry_after)       try again later: 503, lock contention, dropped connection
    │   │   ├─ RateLimited                    the server asked us to back off (ErrorServerBusy, 429)
    │   │   └─ OutcomeUnknown                 a write was sent but its answer never came: it may have been made
    │   ├─ QuotaExhausted                     the daily API allocation is used up; no retry today
    │   ├─ AuthenticationError                credentials refused or session expired beyond re-login
    │   │   └─ SignInRequired                 an interactive sign-in must be made first (`syncore sign-in`)
    │   ├─ CursorExpired                      a change cursor is too old or invalid; the core does a full scan
    │   ├─ RecordRejected                     the backend refused one record (validation, size, …)
    │   ├─ UnsupportedRecord                  the record cannot be represented on this side (reported, skipped)
    │   └─ PreconditionFailed
    │       ├─ NotFound
    │       ├─ AlreadyExists
    │       └─ VersionMismatch                the record changed since the version we wrote against
    ├─ StateStoreError                        the state store cannot be read or written
    │   └─ StateCorrupt                       the state file failed its integrity check; it is left untouched
    └─ SyncError
        ├─ SafetyLimitExceeded                the plan would delete too much, or a side looks emptied
        ├─ StalePlan                          a plan no longer fits the state it was made from
        ├─ SyncLocked                         another sync of the same profile is running
        └─ SimulatedCrash (BaseException)     test-only, see syncore.testing
"""

from __future__ import annotations

from collections.abc import Iterable


class SyncoreError(Exception):
    """Base class of every error syncore raises on purpose."""


class ConfigurationError(SyncoreError, ValueError):
    """A setting or argument is invalid. The message names the key, the value and what is allowed."""

    def __init__(self, message: str, *, key: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.key = key
        self.value = value


class InvalidRecordError(ConfigurationError):
    """A record could not be built. ``problems`` holds every ``(field, reason)`` pair, not just the first."""

    def __init__(self, record_type: str, problems: Iterable[tuple[str, str]]) -> None:
        self.record_type = record_type
        self.problems = list(problems)
        lines = "; ".join(f"{name}: {reason}" for name, reason in self.problems)
        super().__init__(f"invalid {record_type}: {lines}", key=self.problems[0][0] if self.problems else None)


class CapabilityError(ConfigurationError):
    """A call the adapter's capabilities do not allow: a kind it does not support, a write to a read-only side,
    a batch larger than it declared. Raised before the adapter is called (see :mod:`syncore.capabilities`)."""


class AdapterError(SyncoreError):
    """An adapter could not do what was asked. Adapters raise subclasses with the backend error as cause."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        #: the backend's own error code, e.g. ``UNABLE_TO_LOCK_ROW`` or ``ErrorServerBusy``
        self.code = code


class TransientError(AdapterError):
    """A temporary failure; ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """The server throttled us and asked for a pause of ``retry_after`` seconds."""


class OutcomeUnknown(TransientError):
    """A write was sent but no answer came back: it may or may not have been made.

    Raised (for a whole call) or reported in a :class:`~syncore.remote.WriteOutcome` (for one record) when the
    connection dropped after the request was sent, the read timed out, or the server answered 5xx after
    receiving it. The engine keeps such writes' journal intents open, so the next sync first looks for what
    may have been written (by link, or by the journaled content fingerprint) before creating anything.
    A failure known to have happened *before* the request left (no connection, a refused login) is an ordinary
    :class:`TransientError`.
    """


class QuotaExhausted(AdapterError):
    """The backend's API allocation (or the share of it this sync may use) is used up."""


class AuthenticationError(AdapterError):
    """Credentials were refused. The message never contains the credential itself."""


class SignInRequired(AuthenticationError):
    """The side signs in interactively (a device code sign-in) and has no usable sign-in yet, or it expired:
    ``syncore sign-in`` makes one (:meth:`syncore.abc.Adapter.sign_in`)."""


class CursorExpired(AdapterError):
    """The change cursor can no longer be used; the engine falls back to a full scan."""


class RecordRejected(AdapterError):
    """The backend refused a single record, e.g. a validation rule or a value too long."""


class UnsupportedRecord(AdapterError):
    """This side cannot hold the record (a recurring series, a 15-day event in Salesforce, …)."""


class PreconditionFailed(AdapterError):
    """The record is not in the state the write expected."""


class NotFound(PreconditionFailed):
    """The record does not exist (any more)."""


class AlreadyExists(PreconditionFailed):
    """A record with the same identity already exists."""


class VersionMismatch(PreconditionFailed):
    """The record changed on the backend after the version the write was based on."""


class StateStoreError(SyncoreError):
    """The state store could not be read or written (the database said why; the message names the store)."""


class StateCorrupt(StateStoreError):
    """The state file is damaged or is not a syncore state file; it was neither used nor changed."""


class SyncError(SyncoreError):
    """The engine refused or stopped a sync."""


class SafetyLimitExceeded(SyncError):
    """A plan would delete more than the safety limit allows, or follows one side becoming empty."""

    def __init__(self, message: str, *, violations: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.violations = list(violations)


class StalePlan(SyncError):
    """The plan was made for another profile or kind, or its state moved on since."""


class SyncLocked(SyncError):
    """Another sync of the same profile holds the lock."""


class SimulatedCrash(BaseException):
    """Raised by test fault injection to stop a sync dead between two writes.

    It derives from BaseException so that no ``except Exception`` in the engine can swallow it, just as a
    real process kill cannot be caught.
    """
