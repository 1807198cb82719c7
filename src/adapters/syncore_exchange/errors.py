"""exchangelib errors → syncore's error tree, named after the EWS response codes they come from.

Every translated error keeps the exchangelib exception as ``__cause__`` (the caller raises ``from``) and a
message built here, never the server's raw text with request details, and never a secret.
"""

from __future__ import annotations

import re

import requests
from exchangelib import errors as ews

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    CursorExpired,
    NotFound,
    RateLimited,
    RecordRejected,
    TransientError,
    UnsupportedRecord,
    VersionMismatch,
)

#: per-item codes that mean "the item is gone"
NOT_FOUND_CODES = frozenset({"ErrorItemNotFound", "ErrorFolderNotFound", "ErrorSyncFolderNotFound"})
#: per-item codes that mean "someone else changed it" (optimistic concurrency)
CONFLICT_CODES = frozenset({"ErrorIrresolvableConflict", "ErrorStaleObject"})
#: whole-request codes worth retrying after a pause
TRANSIENT_TYPES: tuple[type[Exception], ...] = (
    ews.ErrorInternalServerTransientError,
    ews.ErrorTimeoutExpired,
    ews.ErrorTooManyObjectsOpened,
    ews.ErrorExceededConnectionCount,
    ews.ErrorMailboxStoreUnavailable,
    ews.ErrorInternalServerError,
)
_RETRY_AFTER = re.compile(r"['\"]retry-after['\"]\s*:\s*['\"]?(\d+)", re.IGNORECASE)


def code_of(exc: BaseException) -> str:
    """The EWS response code an exchangelib exception stands for (its class name)."""
    return type(exc).__name__


def is_http_429(exc: BaseException) -> bool:
    """exchangelib does not know 429: it raises MalformedResponseError("Unknown failure … Code: 429 …")."""
    return isinstance(exc, ews.MalformedResponseError) and "Code: 429" in str(exc)


def is_lost_connection(exc: BaseException) -> bool:
    """True when the server may have carried out the request although no usable reply came back.

    exchangelib turns connection errors into ``ErrorTimeoutExpired("Reraised from ConnectionError(...)")``;
    a server-side ErrorTimeoutExpired may also have done part of the work. Its other TransportErrors
    (MalformedResponseError, SOAPError, ResponseMessageError…) are complete replies.
    """
    if isinstance(exc, ews.ErrorTimeoutExpired):
        return True
    return isinstance(exc, (ConnectionError, requests.exceptions.ConnectionError))


def retry_after_of(exc: BaseException) -> float | None:
    """The server's back-off hint in seconds: ErrorServerBusy's BackOffMilliseconds or a 429's Retry-After."""
    back_off = getattr(exc, "back_off", None)
    if back_off:
        return float(back_off)
    if isinstance(exc, ews.RateLimitError):
        return float(exc.wait)
    if is_http_429(exc):
        match = _RETRY_AFTER.search(str(exc))
        if match:
            return float(match.group(1))
    return None


def item_error(exc: BaseException, what: str) -> AdapterError:
    """The per-record error for an exchangelib exception returned (or raised) for one item."""
    code = code_of(exc)
    if code in NOT_FOUND_CODES:
        return NotFound(f"exchange: {what}: the item does not exist ({code})", code=code)
    if code in CONFLICT_CODES:
        return VersionMismatch(f"exchange: {what}: the item changed since it was read ({code})", code=code)
    if code == "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange":
        return UnsupportedRecord(f"exchange: {what}: recurring series are not supported ({code})", code=code)
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else code
    return RecordRejected(f"exchange: {what}: refused by the server ({code}: {detail})", code=code)


def call_error(exc: BaseException, operation: str) -> AdapterError:
    """The exception to raise when a whole EWS call failed."""
    code = code_of(exc)
    if isinstance(exc, ews.ErrorInvalidSyncStateData):
        return CursorExpired(f"exchange: {operation}: the sync state is invalid or expired ({code})", code=code)
    if isinstance(exc, (ews.UnauthorizedError, ews.ErrorAccessDenied, ews.ErrorNonExistentMailbox)):
        return AuthenticationError(f"exchange: {operation}: access refused ({code})", code=code)
    if is_http_429(exc):
        return RateLimited(f"exchange: {operation}: HTTP 429 Too Many Requests", code="HTTP429",
                           retry_after=retry_after_of(exc))
    if isinstance(exc, (ews.ErrorServerBusy, ews.RateLimitError)):
        return RateLimited(f"exchange: {operation}: server busy ({code})", code=code, retry_after=retry_after_of(exc))
    if isinstance(exc, TRANSIENT_TYPES) or is_lost_connection(exc):
        return TransientError(f"exchange: {operation}: temporary failure ({code})", code=code)
    return AdapterError(f"exchange: {operation}: failed ({code})", code=code)
