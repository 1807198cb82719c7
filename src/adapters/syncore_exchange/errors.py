"""exchangelib errors → syncore's error tree, named after the EWS response codes they come from.

Every translated error keeps the exchangelib exception as ``__cause__`` (the caller raises ``from``) and a
message built here, never the server's raw text with request details, and never a secret.
"""

from __future__ import annotations

import re

import requests
from exchangelib import errors as ews
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    CursorExpired,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordRejected,
    TransientError,
    UnsupportedRecord,
    VersionMismatch,
)

from ._policy import BusyMessages, HttpStatusError

#: per-item codes that mean "the item is gone"
NOT_FOUND_CODES = frozenset({"ErrorItemNotFound", "ErrorFolderNotFound", "ErrorSyncFolderNotFound",
                             # an occurrence the series no longer has (…/web-service-reference/responsecode)
                             "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                             "ErrorCalendarOccurrenceIsDeletedFromRecurrence"})
#: per-item codes for a series or occurrence Exchange cannot hold as asked
SERIES_CODES = {
    "ErrorOccurrenceCrossingBoundary": "an occurrence cannot be moved to or past its neighbouring occurrence",
    "ErrorOccurrenceTimeSpanTooBig": "an occurrence would overlap the next one",
    "ErrorCalendarInvalidRecurrence": "the recurrence cannot be created",
    "ErrorRecurrenceHasNoOccurrence": "the recurrence has no occurrence",
    "ErrorCalendarOutOfRange": "a recurrence value is out of range",
    "ErrorRecurrenceEndDateTooBig": "the recurrence ends after 1 September 4500",
}
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
    """The EWS response code an exchangelib exception stands for (its class name, or the unknown code)."""
    return getattr(exc, "code", None) or type(exc).__name__


def is_http_429(exc: BaseException) -> bool:
    """HTTP 429 Too Many Requests: refused before it was processed.

    exchangelib does not know 429: it raises MalformedResponseError("Unknown failure … Code: 429 …"), or
    :class:`._policy.HttpStatusError` under the adapter's :class:`._policy.HintingFailFast`.
    """
    if isinstance(exc, HttpStatusError):
        return exc.status == 429
    return isinstance(exc, ews.MalformedResponseError) and "Code: 429" in str(exc)


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _never_sent(exc: BaseException) -> bool:
    # No connection was made (refused, unreachable, connect timeout): the request never left.
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0] if exc.args else None, "reason", None)
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return isinstance(exc, (ConnectionRefusedError, NewConnectionError))


def is_lost_connection(exc: BaseException) -> bool:
    """True when the request may have reached the server but no usable answer came back.

    exchangelib turns every connection error into ``ErrorTimeoutExpired("Reraised from …")`` raised while
    handling the ``requests`` exception (kept as ``__context__``), which tells the cases apart: a refused or
    timed-out *connect* never sent anything; a dropped connection, a reset or a read timeout after sending
    did. A server-side ErrorTimeoutExpired may also have done part of the work.
    """
    chain = list(_chain(exc))
    if any(_never_sent(e) for e in chain):
        return False
    lost = (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError, ews.ErrorTimeoutExpired)
    return any(isinstance(e, lost) for e in chain)


def is_answerless_server_error(exc: BaseException) -> bool:
    """An HTTP 5xx that is not an EWS answer (a proxy's 502/503/504, a bare 500): the request was received,
    whether it was carried out is unknown. (exchangelib's own FailFast reports a 503 as
    ErrorInternalServerTransientError("Caused by HTTP 503 response").)"""
    for e in _chain(exc):
        if isinstance(e, HttpStatusError) and e.status >= 500:
            return True
        if isinstance(e, ews.ErrorInternalServerTransientError) and "HTTP 503" in str(e):
            return True
        if isinstance(e, ews.MalformedResponseError) and re.search(r"Code: 5\d\d", str(e)):
            return True
    return False


def outcome_unknown(exc: BaseException) -> bool:
    """True when a write was sent and no answer says what became of it: a lost connection, an answerless
    5xx, or a SOAP fault saying the server failed while working on it (ErrorInternalServerError,
    ErrorInternalServerTransientError). ErrorServerBusy and the "too many connections/objects" faults refuse
    a request before it is processed."""
    if is_lost_connection(exc) or is_answerless_server_error(exc):
        return True
    return any(isinstance(e, _FAILED_WHILE_WORKING) for e in _chain(exc))


_FAILED_WHILE_WORKING = (ews.ErrorInternalServerError, ews.ErrorInternalServerTransientError)


def retry_after_of(exc: BaseException) -> float | None:
    """The server's back-off hint in seconds: BackOffMilliseconds (SOAP fault or, under HintingFailFast,
    response messages) or ``Retry-After`` (HTTP 429/5xx); None when the server gave none."""
    for e in _chain(exc):
        if isinstance(e, HttpStatusError):
            return e.retry_after
        if isinstance(e, BusyMessages):
            return e.server_hint
        if isinstance(e, ews.RateLimitError):
            return float(e.wait)
        back_off = getattr(e, "back_off", None)
        if back_off and not _is_default_wait(e):
            return float(back_off)
        if is_http_429(e):
            match = _RETRY_AFTER.search(str(e))
            if match:
                return float(match.group(1))
    return None


def _is_default_wait(exc: BaseException) -> bool:
    # exchangelib fills ErrorServerBusy.back_off with its own RETRY_WAIT (10 s, doubling) when the server gave
    # no hint, and says so in the text of the error it re-raises ("Reraised from …").
    return str(exc).startswith("Reraised from")


def item_error(exc: BaseException, what: str) -> AdapterError:
    """The per-record error for an exchangelib exception returned (or raised) for one item."""
    code = code_of(exc)
    if code in NOT_FOUND_CODES:
        return NotFound(f"exchange: {what}: the item does not exist ({code})", code=code)
    if code in CONFLICT_CODES:
        return VersionMismatch(f"exchange: {what}: the item changed since it was read ({code})", code=code)
    if code in SERIES_CODES:
        return UnsupportedRecord(f"exchange: {what}: {SERIES_CODES[code]} ({code})", code=code)
    if isinstance(exc, ews.ErrorServerBusy):
        # this item was not processed; the others of its request were
        return RateLimited(f"exchange: {what}: server busy, not processed ({code})", code=code,
                           retry_after=retry_after_of(exc))
    if isinstance(exc, TRANSIENT_TYPES):
        return TransientError(f"exchange: {what}: temporary failure ({code})", code=code)
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else code
    detail = detail.removeprefix(f"{code}: ")
    return RecordRejected(f"exchange: {what}: refused by the server ({code}: {detail})", code=code)


def call_error(exc: BaseException, operation: str, *, write: bool = False) -> AdapterError:
    """The exception to raise when a whole EWS call failed.

    A write whose answer never came (connection lost after sending, read timeout, an HTTP 5xx that is not an
    EWS answer) is :class:`~syncore.errors.OutcomeUnknown`: it may have been carried out.
    """
    code = code_of(exc)
    if write and outcome_unknown(exc):
        return OutcomeUnknown(f"exchange: {operation}: sent, but no answer came; it may or may not have been "
                              f"made ({_reason(exc)})", code=code)
    if isinstance(exc, ews.ErrorInvalidSyncStateData):
        return CursorExpired(f"exchange: {operation}: the sync state is invalid or expired ({code})", code=code)
    if isinstance(exc, (ews.UnauthorizedError, ews.ErrorAccessDenied, ews.ErrorNonExistentMailbox)):
        return AuthenticationError(f"exchange: {operation}: access refused ({code})", code=code)
    if is_http_429(exc):
        return RateLimited(f"exchange: {operation}: HTTP 429 Too Many Requests", code="HTTP429",
                           retry_after=retry_after_of(exc))
    if isinstance(exc, (ews.ErrorServerBusy, ews.RateLimitError)):
        return RateLimited(f"exchange: {operation}: server busy ({code})", code=code, retry_after=retry_after_of(exc))
    if isinstance(exc, TRANSIENT_TYPES) or is_lost_connection(exc) or is_answerless_server_error(exc):
        return TransientError(f"exchange: {operation}: temporary failure ({_reason(exc)})", code=code)
    return AdapterError(f"exchange: {operation}: failed ({code})", code=code)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, HttpStatusError):
        return f"HTTP {exc.status}"
    for e in _chain(exc):
        if isinstance(e, requests.exceptions.RequestException):
            return type(e).__name__  # the type only: requests' texts carry the URL
    return code_of(exc)
