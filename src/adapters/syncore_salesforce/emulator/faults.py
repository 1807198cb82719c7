"""Scriptable fault injection (reference §7.5).

Every knob is consumed by the emulator under a lock, so tests can arm a fault and then drive
the client from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

# predicate(sobject_name, record_after_the_write) -> bool
ValidationPredicate = Callable[[str, dict[str, Any]], bool]


@dataclass
class ValidationRule:
    """An org validation rule: records matching *predicate* fail with FIELD_CUSTOM_VALIDATION_EXCEPTION."""

    predicate: ValidationPredicate
    message: str
    fields: list[str]
    sobject: str | None = None


class Faults:
    """Faults armed by tests; see each method for the wire effect."""

    def __init__(
        self,
        expire_sessions: Callable[[], None] | None = None,
        exhaust_quota: Callable[[], None] | None = None,
        purge: Callable[[str | None], int] | None = None,
    ) -> None:
        self._expire_sessions = expire_sessions
        self._exhaust_quota = exhaust_quota
        self._purge = purge
        self._lock = threading.Lock()
        self._auth_failures = 0
        self._server_errors: list[int] = []
        self._drops = 0
        self._lost_replies: list[str | None] = []
        self._row_locks = 0
        self._backdates: list[timedelta] = []
        self.latency = 0.0
        self.validation_rules: list[ValidationRule] = []

    # -- request-level ------------------------------------------------------------------------
    def expire_sessions(self) -> None:
        """Invalidate every issued session id (401 INVALID_SESSION_ID until the client logs in again)."""
        if self._expire_sessions is not None:
            self._expire_sessions()

    def reject_sessions(self, n: int = 1) -> None:
        """Answer the next *n* authenticated API calls with 401 INVALID_SESSION_ID even for valid tokens.

        A large *n* is "a server that rejects every token" (simple-salesforce issue #804).
        """
        with self._lock:
            self._auth_failures += n

    def exhaust_quota(self) -> None:
        """Reach the daily API limit: calls answer 403 REQUEST_LIMIT_EXCEEDED, header at max."""
        if self._exhaust_quota is not None:
            self._exhaust_quota()

    def purge(self, sobject: str | None = None) -> int:
        """Empty the Recycle Bin: deleted rows vanish from queryAll and from ``deleted/``."""
        return self._purge(sobject) if self._purge is not None else 0

    def server_error(self, n: int = 1, status: int = 500) -> None:
        """Answer the next *n* requests (any endpoint, login included) with HTTP *status* (500 or 503)."""
        if status not in (500, 502, 503):
            raise ValueError("status must be 500, 502 or 503")
        with self._lock:
            self._server_errors.extend([status] * n)

    def drop_connections(self, n: int = 1) -> None:
        """Close the socket without any response for the next *n* requests."""
        with self._lock:
            self._drops += n

    def lose_replies(self, n: int = 1, op: str | None = None) -> None:
        """Process the next *n* requests (writes happen), then close the socket without answering.

        *op* restricts the fault to one operation (the request log's ``operation``, e.g. ``composite_create``
        or ``login``); other requests pass untouched. This is a reply lost after the server did the work.
        """
        with self._lock:
            self._lost_replies.extend([op] * n)

    def set_latency(self, seconds: float) -> None:
        """Delay every response by *seconds* (0 to disable)."""
        self.latency = float(seconds)

    # -- record-level -------------------------------------------------------------------------
    def lock_rows(self, n: int = 1) -> None:
        """Fail the next *n* record writes (create/update/delete, any endpoint) with UNABLE_TO_LOCK_ROW."""
        with self._lock:
            self._row_locks += n

    def add_validation_rule(
        self,
        predicate: ValidationPredicate,
        message: str = "Record rejected by a validation rule",
        fields: list[str] | None = None,
        sobject: str | None = None,
    ) -> ValidationRule:
        """Reject client writes whose resulting record matches *predicate*.

        Wire effect: FIELD_CUSTOM_VALIDATION_EXCEPTION with *message* and *fields*.
        """
        rule = ValidationRule(predicate, message, list(fields or []), sobject)
        with self._lock:
            self.validation_rules.append(rule)
        return rule

    def remove_validation_rule(self, rule: ValidationRule) -> None:
        """Disarm one rule returned by :meth:`add_validation_rule`."""
        with self._lock:
            self.validation_rules.remove(rule)

    def backdate_commits(self, delta: timedelta | float, n: int = 1) -> None:
        """Stamp the next *n* record writes ``now - delta`` (a long transaction committing late).

        The rows get SystemModstamp/LastModifiedDate (and CreatedDate on create) in the past, so a
        client polling ``SystemModstamp > watermark`` misses them unless it re-reads an overlap window.
        """
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._backdates.extend([step] * n)

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._server_errors.clear()
            self._auth_failures = 0
            self._drops = 0
            self._lost_replies.clear()
            self._row_locks = 0
            self._backdates.clear()
            self.latency = 0.0
            self.validation_rules.clear()

    # -- consumption (emulator side) ----------------------------------------------------------
    def take_drop(self) -> bool:
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False

    def take_lost_reply(self, operation: str | None) -> bool:
        with self._lock:
            for index, op in enumerate(self._lost_replies):
                if op is None or op == operation:
                    del self._lost_replies[index]
                    return True
            return False

    def take_auth_failure(self) -> bool:
        with self._lock:
            if self._auth_failures:
                self._auth_failures -= 1
                return True
            return False

    def take_server_error(self) -> int | None:
        with self._lock:
            return self._server_errors.pop(0) if self._server_errors else None

    def take_row_lock(self) -> bool:
        with self._lock:
            if self._row_locks:
                self._row_locks -= 1
                return True
            return False

    def take_backdate(self) -> timedelta | None:
        with self._lock:
            return self._backdates.pop(0) if self._backdates else None

    def matching_rule(self, sobject: str, record: dict[str, Any]) -> ValidationRule | None:
        with self._lock:
            rules = list(self.validation_rules)
        for rule in rules:
            if rule.sobject and rule.sobject.lower() != sobject.lower():
                continue
            if rule.predicate(sobject, record):
                return rule
        return None
