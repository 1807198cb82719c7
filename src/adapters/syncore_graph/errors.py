"""Graph answers → syncore's error tree. Messages name Graph, the operation and Graph's code, never a token.

https://learn.microsoft.com/en-us/graph/errors
"""

from __future__ import annotations

from typing import Any

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    CursorExpired,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordRejected,
    TransientError,
    VersionMismatch,
)

#: delta answers that mean "start a new round" (delta-query-overview: 410 Gone, syncStateNotFound)
EXPIRED_CODES = frozenset({"syncStateNotFound", "resyncRequired", "syncStateInvalid"})


class GraphApiError(Exception):
    """One non-2xx answer: status, Graph code, message, Retry-After (seconds) when given."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def from_answer(cls, status: int, body: Any, headers: Any) -> GraphApiError:
        error = body.get("error") if isinstance(body, dict) else None
        code = str(error.get("code") or f"HTTP{status}") if isinstance(error, dict) else f"HTTP{status}"
        message = str(error.get("message") or "") if isinstance(error, dict) else ""
        return cls(status, code, message[:300], retry_after_of(headers))


def retry_after_of(headers: Any) -> float | None:
    value = None
    if headers is not None:
        value = headers.get("Retry-After") if hasattr(headers, "get") else None
        if value is None and hasattr(headers, "get"):
            value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def is_transient(error: GraphApiError) -> bool:
    return error.status in (429, 503, 502, 504, 500) or error.code in ("ApplicationThrottled", "TooManyRequests")


def record_error(error: GraphApiError, what: str) -> AdapterError:
    """The error of one record's sub-request."""
    detail = f"{error.code}: {error.message}" if error.message else error.code
    if error.status == 404 or error.code == "ErrorItemNotFound":
        return NotFound(f"graph: {what}: the item does not exist ({error.code})", code=error.code)
    if error.status == 412 or error.code == "ErrorIrresolvableConflict":
        return VersionMismatch(f"graph: {what}: the item changed since it was read ({error.code})", code=error.code)
    if error.status == 429:
        return RateLimited(f"graph: {what}: throttled ({detail})", code=error.code, retry_after=error.retry_after)
    if error.status >= 500:
        return OutcomeUnknown(f"graph: {what}: the server failed after receiving the request ({detail})",
                              code=error.code, retry_after=error.retry_after)
    if error.status in (401, 403):
        return AuthenticationError(f"graph: {what}: access refused ({detail})", code=error.code)
    return RecordRejected(f"graph: {what}: refused by Graph ({detail})", code=error.code)


def call_error(error: GraphApiError, operation: str) -> AdapterError:
    """The exception for a whole call that failed."""
    detail = f"{error.code}: {error.message}" if error.message else error.code
    if error.code in EXPIRED_CODES or error.status == 410:
        return CursorExpired(f"graph: {operation}: the delta token expired ({error.code})", code=error.code)
    if error.status in (401, 403):
        return AuthenticationError(f"graph: {operation}: access refused ({detail})", code=error.code)
    if error.status == 429:
        return RateLimited(f"graph: {operation}: throttled ({detail})", code=error.code,
                           retry_after=error.retry_after)
    if error.status >= 500:
        return TransientError(f"graph: {operation}: temporary failure ({detail})", code=error.code,
                              retry_after=error.retry_after)
    return AdapterError(f"graph: {operation}: failed ({detail})", code=error.code)
