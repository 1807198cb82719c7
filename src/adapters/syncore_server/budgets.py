"""Budgets shared by every worker: a Salesforce org's daily API allocation, and a mailbox's concurrency cap.

Celery's ``rate_limit`` counts per worker, so neither budget can live there; both live in PostgreSQL.

Org budget (a token bucket the org itself refills)
    Salesforce reports the org's usage on every response (``Sforce-Limit-Info: api-usage=USED/MAX``), counting
    every user and integration of the org. A row per org keeps the last report plus the calls reserved since and
    not yet answered. Before each call a worker takes a token: allowed while ``used + 1 <= MAX * max_api_share``.
    Each answer replaces the estimate with the org's own count (plus the calls still out), so usage by other
    integrations is seen, and the rolling 24-hour window's refill is taken as the org reports it. When the share
    is used up, the sync stops with ``QuotaExhausted`` and the profile waits for its back-off (no worker sleeps).

Mailbox cap
    Exchange throttles per target mailbox (EWS and Graph limit concurrent connections per mailbox): at most
    ``cap`` syncs may touch one mailbox at once. The slots are PostgreSQL advisory locks on the worker's
    dedicated connection, so a killed worker's slot frees itself with its connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from syncore.errors import QuotaExhausted, RateLimited
from syncore.state._pg_migrate import advisory_key
from syncore.state.postgres import hold_session_keepalives

from .db import ServerDB

#: how long a call waits for the first call of its org to learn the allocation before it is rescheduled
FIRST_REPORT_WAIT = 5.0


class OrgBudget:
    """The shared budget of one Salesforce org, with the interface of the adapter's own ``ApiBudget``.

    Installed on a :class:`syncore_salesforce.SalesforceAdapter` by :func:`install_org_budget`; the adapter's
    transport calls :meth:`check` before and :meth:`observe` after every call.
    """

    def __init__(self, db: ServerDB, org: str, max_share: float, *,
                 clock: Callable[[], datetime] | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if isinstance(max_share, bool) or not isinstance(max_share, (int, float)) or not 0 < max_share <= 1:
            raise ValueError(f"max_api_share: expected a number greater than 0 and at most 1, got {max_share!r}")
        self.db = db
        self.org = org
        self.max_share = float(max_share)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._outstanding = 0  # reserved here and not yet settled by an answer
        self._last_report: tuple[int, int] | None = None
        #: the org's (used, max) as last reported to this adapter
        self.usage: tuple[int, int] | None = None

    def check(self) -> None:
        """Take one call's token, or raise.

        :raises QuotaExhausted: the org has used ``max_api_share`` of its allocation
        :raises RateLimited: the org's first call is still out learning the allocation (retry shortly)
        """
        self.settle()
        waited = 0.0
        while True:
            taken = self.db.budget_take(self.org, self.max_share)
            if taken is not None:
                self._outstanding += 1
                return
            row = self.db.budget(self.org) or {}
            if row.get("max") is not None:
                used, maximum = int(row["used"]), int(row["max"])
                raise QuotaExhausted(
                    f"Salesforce API budget of org {self.org!r} reached: {used} of its {maximum} daily API requests "
                    f"used (all users and integrations), max_api_share={self.max_share:g} allows syncore "
                    f"{int(maximum * self.max_share)}; the sync stops here and the profile resumes after its "
                    "back-off", code="MAX_API_SHARE")
            if waited >= FIRST_REPORT_WAIT:
                raise RateLimited(f"the first API call of org {self.org!r} has not reported its allocation yet",
                                  retry_after=30)
            self._sleep(0.05)  # brief: only while one call learns the allocation
            waited += 0.05

    def observe(self, api_usage: Any) -> None:
        """Read ``sf.api_usage`` after a call; an unchanged report means the call got no answer with one."""
        usage = (api_usage or {}).get("api-usage")
        report = None if usage is None else (int(usage.used), int(usage.total))
        if self._outstanding <= 0:
            return
        if report is None or report == self._last_report:
            return  # settled as unanswered at the next check (or at the end)
        self._outstanding -= 1
        self._last_report = self.usage = report
        self.db.budget_seen(self.org, report[0], report[1], self._clock())

    def settle(self) -> None:
        """Release the reservations of calls that ended without a usage report (they stay counted)."""
        while self._outstanding > 0:
            self._outstanding -= 1
            self.db.budget_unanswered(self.org)


def install_org_budget(adapter: Any, budget: OrgBudget) -> bool:
    """Make a Salesforce adapter draw on the shared ``budget``; False for an adapter without an API budget.

    The adapter's transport checks ``transport.budget`` before every call and reports to it after.
    """
    transport = getattr(adapter, "transport", None)
    if transport is None or not hasattr(transport, "budget"):
        return False
    transport.budget = budget
    return True


class MailboxSlots:
    """At most ``cap`` concurrent syncs per mailbox, as advisory locks on one dedicated connection."""

    def __init__(self, dsn: str, *, schema: str = "syncore") -> None:
        self._dsn = dsn
        self.schema = schema
        self._conn: psycopg.Connection[Any] | None = None
        # advisory locks stack within a session: a slot this connection holds must not be "taken" again
        self._held: set[tuple[int, int]] = set()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._dsn, autocommit=True)
            hold_session_keepalives(self._conn)
            self._held.clear()
        return self._conn

    def _key(self, mailbox: str) -> int:
        return advisory_key("syncore-mailbox", self.schema, mailbox.lower()) >> 32  # an int4 for the two-key form

    def acquire(self, mailbox: str, cap: int) -> int | None:
        """Take a free slot (1..cap) of ``mailbox``; None when all are taken."""
        key = self._key(mailbox)
        for slot in range(1, max(1, cap) + 1):  # slot 0 is never used: the migrations' key space
            if (key, slot) in self._held:
                continue
            try:
                row = self._connection().execute("SELECT pg_try_advisory_lock(%s::int4, %s::int4)",
                                                 [key, slot]).fetchone()
            except psycopg.OperationalError:
                self._conn = None  # a dropped connection held nothing any more: open a new one
                row = self._connection().execute("SELECT pg_try_advisory_lock(%s::int4, %s::int4)",
                                                 [key, slot]).fetchone()
            if row and row[0]:
                self._held.add((key, slot))
                return slot
        return None

    def release(self, mailbox: str, slot: int) -> None:
        key = self._key(mailbox)
        if (key, slot) not in self._held:
            return
        self._held.discard((key, slot))
        try:
            self._connection().execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", [key, slot])
        except psycopg.OperationalError:
            self._conn = None  # the connection is gone, and the slot with it

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
