"""Salesforce error codes and exceptions translated into syncore's error tree.

Whole-call failures arrive as simple-salesforce exceptions (classified by HTTP status and the body's
``errorCode``, reference §3.4-3.5, §6.3); per-record failures arrive as ``statusCode`` entries in sObject
Collections results (§3.2). Messages are built from the server's code and message only: never from a URL,
a header or a credential.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NameResolutionError, ProxyError

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    NotFound,
    OutcomeUnknown,
    QuotaExhausted,
    RecordRejected,
    TransientError,
)

#: per-record codes worth retrying for just the records that got them (lock contention)
RETRYABLE_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
#: per-record codes that mean "this record is not there (any more)"
GONE_RECORD_CODES = frozenset({"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"})
#: HTTP statuses of a whole call worth retrying with back-off
RETRYABLE_STATUSES = frozenset({500, 502, 503})
#: what requests raises when no (complete) answer came: no connection, a dropped one, a timeout, a cut body
NETWORK_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
)


def request_was_sent(exc: BaseException) -> bool:
    """False only when the request certainly never reached the server; then a write is known not made.

    urllib3 separates errors "when we're fairly sure that the server did not receive the request"
    (``Retry._is_connection_error``: :class:`~urllib3.exceptions.ConnectTimeoutError`, which
    ``NewConnectionError`` - connection refused - and ``NameResolutionError`` derive from) from errors "that occur
    after the request has been started, so we should assume that the server began processing it"
    (``_is_read_error``: ``ReadTimeoutError``, ``ProtocolError``), see
    https://github.com/urllib3/urllib3/blob/main/src/urllib3/util/retry.py (read in urllib3 2.8). requests
    (``HTTPAdapter.send``, requests 2.34)
    raises ``ConnectTimeout`` for a connect timeout and ``ConnectionError(MaxRetryError(reason=...))`` for a
    refused or unresolvable connection; a dropped connection is ``ConnectionError(ProtocolError(...))``, a read
    timeout ``ReadTimeout``. Anything not known to be before sending counts as sent (the safe side: the engine
    then checks before writing again).
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    return not isinstance(_innermost(exc), ConnectTimeoutError)


def _innermost(exc: BaseException) -> BaseException | None:
    """urllib3's reason inside requests' exception: MaxRetryError's reason, a ProxyError's original error."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    if isinstance(reason, ProxyError):
        # as urllib3's Retry._is_connection_error does: a proxy that could not be reached sent nothing on
        return reason.original_error
    return reason


def host_of(exc: BaseException) -> str:
    """``host[:port]`` of the request that failed (never its path or query), or ``"Salesforce"``."""
    request = getattr(exc, "request", None)
    netloc = urlsplit(getattr(request, "url", None) or "").netloc
    return netloc.rpartition("@")[2] or "Salesforce"


def network_error(exc: BaseException, what: str, *, write: bool, host: str | None = None) -> TransientError:
    """A failure without an answer as a syncore error: OutcomeUnknown for a write that may have been made.

    ``host`` names the server the user configured (the login host) when it differs from where the request went.
    """
    host = host or host_of(exc)
    if not request_was_sent(exc):
        unsent = "; nothing was sent" if write else ""
        return TransientError(f"Salesforce {what} failed: cannot connect to {host} ({_reason(exc)}){unsent}",
                              code="CONNECTION_FAILED")
    if isinstance(exc, requests.Timeout):
        why = "no answer within the timeout"
    else:
        why = "the connection was dropped before the answer came"
    if write:
        return OutcomeUnknown(f"Salesforce {what} failed: {why} ({host}); the change may or may not have been "
                              "made, the next sync checks before writing again", code="NO_ANSWER")
    return TransientError(f"Salesforce {what} failed: {why} ({host})", code="NO_ANSWER")


def _reason(exc: BaseException) -> str:
    """A short cause without the URL (the library's text repeats it): refused, not found, timed out."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    reason = _innermost(exc)
    via = "proxy: " if isinstance(exc, requests.exceptions.ProxyError) else ""
    if isinstance(reason, NameResolutionError):
        return via + "host name not found"
    if "refused" in str(reason).lower():
        return via + "connection refused"
    return via + type(reason or exc).__name__


def first_error(content: Any) -> tuple[str | None, str]:
    """The ``(errorCode, message)`` of a REST error body (a JSON list of error objects)."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        item = content[0]
        return item.get("errorCode") or item.get("statusCode"), str(item.get("message", ""))
    return None, ""


def record_error(errors: list[dict[str, Any]], sobject: str) -> AdapterError:
    """One record's collection errors as a syncore error (the first error decides the class)."""
    item = errors[0] if errors else {}
    code = item.get("statusCode") or item.get("errorCode") or "UNKNOWN_EXCEPTION"
    fields = item.get("fields") or []
    where = f" ({', '.join(fields)})" if fields else ""
    message = f"Salesforce refused the {sobject}: {code}: {item.get('message', '')}{where}"
    if code in GONE_RECORD_CODES:
        return NotFound(message, code=code)
    if code in RETRYABLE_RECORD_CODES:
        return TransientError(message, code=code)
    return RecordRejected(message, code=code)


def call_error(exc: Exception, what: str, *, write: bool = False) -> AdapterError:
    """A simple-salesforce exception of a whole call as a syncore error (caller chains it).

    With ``write``, a 5xx answer is :class:`~syncore.errors.OutcomeUnknown`: the server received the request and
    may have made the change before failing.
    """
    status = getattr(exc, "status", None)
    code, message = first_error(getattr(exc, "content", None))
    text = f"Salesforce {what} failed" + (f": HTTP {status}" if status else "") + (f" {code}" if code else "")
    if message:
        text += f": {message}"
    if code == "REQUEST_LIMIT_EXCEEDED":
        return QuotaExhausted(text + " (the org's daily API allocation is used up; no retry today)", code=code)
    if status == 401 or code == "INVALID_SESSION_ID":
        return AuthenticationError(text, code=code or "INVALID_SESSION_ID")
    if write and isinstance(status, int) and status >= 500:
        return OutcomeUnknown(text + " (the change may or may not have been made; the next sync checks before "
                              "writing again)", code=code)
    if status in RETRYABLE_STATUSES:
        return TransientError(text, code=code)
    if status == 404:
        return NotFound(text, code=code)
    return AdapterError(text, code=code)
