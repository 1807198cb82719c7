"""Scriptable fault injection (reference §7.5): the shared fault object plus Salesforce's own faults.

Request-level faults come from :class:`syncore.testing.emulation.Faults` (``drop_connections``,
``lose_replies``, ``server_error``, ``latency``; each takes ``n`` and ``op``, the request log's operation name
such as ``"composite_create"`` or ``"login"``). Everything is thread-safe: arm a fault, then drive the client
from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from syncore.testing.emulation import Fault
from syncore.testing.emulation import Faults as SharedFaults

# predicate(sobject_name, record_after_the_write) -> bool
ValidationPredicate = Callable[[str, dict[str, Any]], bool]


@dataclass
class ValidationRule:
    """An org validation rule: records matching *predicate* fail with FIELD_CUSTOM_VALIDATION_EXCEPTION."""

    predicate: ValidationPredicate
    message: str
    fields: list[str]
    sobject: str | None = None


class Faults(SharedFaults):
    """Faults armed by tests; see each method for the wire effect."""

    def __init__(self) -> None:
        super().__init__()
        self._rules_lock = threading.Lock()
        self.validation_rules: list[ValidationRule] = []
        self._expire_sessions: Callable[[], None] = lambda: None
        self._exhaust_quota: Callable[[], None] = lambda: None
        self._purge: Callable[[str | None], int] = lambda sobject: 0

    def bind(
        self,
        expire_sessions: Callable[[], None],
        exhaust_quota: Callable[[], None],
        purge: Callable[[str | None], int],
    ) -> None:
        """Connect the org-state faults to the org they act on."""
        self._expire_sessions, self._exhaust_quota, self._purge = expire_sessions, exhaust_quota, purge

    # -- request-level ------------------------------------------------------------------------------
    def expire_sessions(self) -> None:
        """Invalidate every issued session id (401 INVALID_SESSION_ID until the client logs in again)."""
        self._expire_sessions()

    def reject_sessions(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Answer the next *n* authenticated API calls with 401 INVALID_SESSION_ID even for valid tokens.

        A large *n* (or ``None``) is "a server that rejects every token" (simple-salesforce issue #804).
        """
        return self.add(Fault("auth", op, n))

    def exhaust_quota(self) -> None:
        """Reach the daily API limit: calls answer 403 REQUEST_LIMIT_EXCEEDED, header at max."""
        self._exhaust_quota()

    def purge(self, sobject: str | None = None) -> int:
        """Empty the Recycle Bin: deleted rows vanish from queryAll and from ``deleted/``."""
        return self._purge(sobject)

    # -- record-level -------------------------------------------------------------------------------
    def lock_rows(self, n: int | None = 1) -> Fault:
        """Fail the next *n* client record writes (create/update/delete, any endpoint) with UNABLE_TO_LOCK_ROW."""
        return self.add(Fault("row_lock", None, n))

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
        with self._rules_lock:
            self.validation_rules.append(rule)
        return rule

    def remove_validation_rule(self, rule: ValidationRule) -> None:
        """Disarm one rule returned by :meth:`add_validation_rule`."""
        with self._rules_lock:
            self.validation_rules.remove(rule)

    def backdate_commits(self, delta: timedelta | float, n: int | None = 1) -> Fault:
        """Stamp the next *n* record writes ``now - delta`` (a long transaction committing late).

        The rows get SystemModstamp/LastModifiedDate (and CreatedDate on create) in the past, so a
        client polling ``SystemModstamp > watermark`` misses them unless it re-reads an overlap window.
        Nothing announces the transaction beforehand (``latestDateCovered`` is not held back), which a real org
        would do: :meth:`SalesforceEmulator.long_transaction` is the faithful form of this hazard.
        """
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self.add(Fault("backdate", None, n, params={"delta": step}))

    def clear(self) -> None:
        """Disarm everything."""
        super().clear()
        with self._rules_lock:
            self.validation_rules.clear()

    # -- consumption (emulator side) ----------------------------------------------------------------
    def take_auth_failure(self, op: str | None) -> bool:
        return self.take(op, ("auth",)) is not None

    def take_row_lock(self) -> bool:
        return self.take(None, ("row_lock",)) is not None

    def take_backdate(self) -> timedelta | None:
        fault = self.take(None, ("backdate",))
        return fault.params["delta"] if fault is not None else None

    def matching_rule(self, sobject: str, record: dict[str, Any]) -> ValidationRule | None:
        with self._rules_lock:
            rules = list(self.validation_rules)
        for rule in rules:
            if rule.sobject and rule.sobject.lower() != sobject.lower():
                continue
            if rule.predicate(sobject, record):
                return rule
        return None
