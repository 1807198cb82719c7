"""Salesforce error codes and exceptions translated into syncore's error tree.

Whole-call failures arrive as simple-salesforce exceptions (classified by HTTP status and the body's
``errorCode``, reference §3.4-3.5, §6.3); per-record failures arrive as ``statusCode`` entries in sObject
Collections results (§3.2). Messages are built from the server's code and message only: never from a URL,
a header or a credential.
"""

from __future__ import annotations

from typing import Any

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    NotFound,
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


def call_error(exc: Exception, what: str) -> AdapterError:
    """A simple-salesforce / requests exception of a whole call as a syncore error (caller chains it)."""
    status = getattr(exc, "status", None)
    code, message = first_error(getattr(exc, "content", None))
    text = f"Salesforce {what} failed" + (f": HTTP {status}" if status else "") + (f" {code}" if code else "")
    if message:
        text += f": {message}"
    if code == "REQUEST_LIMIT_EXCEEDED":
        return QuotaExhausted(text + " (the org's daily API allocation is used up; no retry today)", code=code)
    if status == 401 or code == "INVALID_SESSION_ID":
        return AuthenticationError(text, code=code or "INVALID_SESSION_ID")
    if status in RETRYABLE_STATUSES:
        return TransientError(text, code=code)
    if status == 404:
        return NotFound(text, code=code)
    return AdapterError(text, code=code)
