"""The server's tables through psycopg: profiles, defaults, the schedule and its claims, task runs, org budgets.

Values always travel as parameters; the schema name is the only composed text (a quoted identifier).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from syncore.state._pg_migrate import migrate, render

from .schema import COMPONENT, MIGRATIONS

DEFAULTS = "defaults"


@attrs.frozen(kw_only=True)
class ProfileRow:
    """One user's row: the per-user overrides and the keys of the shared budgets it draws on."""

    profile: str
    overrides: dict[str, Any]
    org: str | None
    mailbox: str | None
    enabled: bool


@attrs.frozen(kw_only=True)
class Dispatch:
    """The dispatcher's answer for one due profile: the kind to sync now (None: nothing) and when to look next."""

    kind: str | None
    next_due: datetime


_SQL = {
    "setting_get": "SELECT value FROM {s}.server_settings WHERE name = %s",
    "setting_put": "INSERT INTO {s}.server_settings (name, value) VALUES (%s, %s) "
                   "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
    "profile_put": "INSERT INTO {s}.profiles (profile, overrides, org, mailbox, enabled) VALUES (%s, %s, %s, %s, %s) "
                   "ON CONFLICT (profile) DO UPDATE SET overrides = EXCLUDED.overrides, org = EXCLUDED.org, "
                   "mailbox = EXCLUDED.mailbox, enabled = EXCLUDED.enabled, updated_at = now()",
    "schedule_new": "INSERT INTO {s}.schedule (profile, next_due) VALUES (%s, %s) ON CONFLICT (profile) DO NOTHING",
    "profile_get": "SELECT profile, overrides, org, mailbox, enabled FROM {s}.profiles WHERE profile = %s",
    "profile_all": "SELECT profile, overrides, org, mailbox, enabled FROM {s}.profiles ORDER BY profile",
    "profile_delete": "DELETE FROM {s}.profiles WHERE profile = %s",
    # The dispatcher's claim: due, enabled, not claimed by a queued or running task. SKIP LOCKED lets a second
    # dispatcher (two beats by mistake, or an overrun) pass over the rows the first is handing out.
    "due": "SELECT s.profile FROM {s}.schedule s JOIN {s}.profiles p USING (profile) WHERE p.enabled AND "
           "s.next_due <= %(now)s AND (s.claimed_until IS NULL OR s.claimed_until <= %(now)s) "
           "ORDER BY s.next_due LIMIT %(limit)s FOR UPDATE OF s SKIP LOCKED",
    "claim": "UPDATE {s}.schedule SET claimed_until = %s WHERE profile = %s",
    "reschedule": "UPDATE {s}.schedule SET next_due = %s WHERE profile = %s",
    "done": "UPDATE {s}.schedule SET claimed_until = NULL, next_due = %(next_due)s, "
            "last_success = CASE WHEN %(ok)s THEN %(now)s ELSE last_success END, "
            "error_count = CASE WHEN %(ok)s THEN 0 WHEN %(failed)s THEN error_count + 1 ELSE error_count END, "
            "backoff_until = %(backoff_until)s, "
            "last_error = CASE WHEN %(ok)s THEN NULL WHEN %(failed)s THEN %(error)s ELSE last_error END "
            "WHERE profile = %(profile)s",
    "run_start": "INSERT INTO {s}.task_runs (profile, kind, reason, task_id, host, pid, redelivered, started_at) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
    # Runs start under the profile lock, so an unfinished earlier run of the profile is dead (its worker was
    # killed, or lost its database connection): it is closed as lost when the next run starts.
    "runs_lost": "UPDATE {s}.task_runs SET finished_at = %s, outcome = 'lost', message = 'the worker ended without "
                 "finishing it (killed, or its connection dropped); the next run resumed it' "
                 "WHERE profile = %s AND finished_at IS NULL",
    "run_finish": "UPDATE {s}.task_runs SET finished_at = %s, outcome = %s, message = %s WHERE id = %s",
    "runs_purge": "DELETE FROM {s}.task_runs WHERE started_at < %s",
    "runs_of": "SELECT id, profile, kind, reason, task_id, host, pid, redelivered, started_at, finished_at, outcome, "
               "message FROM {s}.task_runs WHERE profile = ANY(%s) OR %s ORDER BY started_at, id",
    "status": "SELECT p.profile, p.enabled, p.org, p.mailbox, s.next_due, s.claimed_until, s.last_success, "
              "s.error_count, s.backoff_until, s.last_error, "
              "(SELECT count(*) FROM {s}.task_runs r WHERE r.profile = p.profile AND r.started_at >= %(since)s) "
              "AS runs, "
              "(SELECT count(*) FROM {s}.task_runs r WHERE r.profile = p.profile AND r.started_at >= %(since)s "
              "AND r.outcome IN ('failed', 'time limit')) AS failures, "
              "(SELECT r.kind FROM {s}.task_runs r WHERE r.profile = p.profile AND r.finished_at IS NULL "
              "AND r.started_at >= %(running_since)s ORDER BY r.started_at DESC LIMIT 1) AS running "
              "FROM {s}.profiles p LEFT JOIN {s}.schedule s USING (profile) ORDER BY p.profile",
    # The org budget: a call may go when the org's reported usage plus the calls not yet answered stays below
    # the share; with no report yet, one call at a time goes to learn the allocation.
    "budget_row": "INSERT INTO {s}.org_budgets (org) VALUES (%s) ON CONFLICT (org) DO NOTHING",
    "budget_take": "UPDATE {s}.org_budgets SET used = used + 1, in_flight = in_flight + 1 WHERE org = %(org)s AND "
                   "((max IS NULL AND in_flight = 0) OR (max IS NOT NULL AND used + 1 <= floor(max * %(share)s))) "
                   "RETURNING used, max",
    "budget_seen": "UPDATE {s}.org_budgets SET in_flight = greatest(in_flight - 1, 0), max = %(max)s, "
                   "used = %(used)s + greatest(in_flight - 1, 0), reported_at = %(now)s WHERE org = %(org)s",
    "budget_unanswered": "UPDATE {s}.org_budgets SET in_flight = greatest(in_flight - 1, 0) WHERE org = %s",
    "budget_get": "SELECT used, max, in_flight, reported_at FROM {s}.org_budgets WHERE org = %s",
}


class ServerDB:
    """The server's tables in ``schema`` (migrated when opened).

    :param dsn: a libpq connection string or URL; never logged
    """

    def __init__(self, dsn: str, *, schema: str = "syncore", pool_size: int = 2) -> None:
        self.schema = schema
        self.pool = ConnectionPool(dsn, min_size=1, max_size=max(1, pool_size), open=True,
                                   name=f"syncore-server-{schema}")
        with self.pool.connection() as conn:
            self._sql = {name: render(template, schema, conn) for name, template in _SQL.items()}
            migrate(conn, schema, COMPONENT, MIGRATIONS)

    def close(self) -> None:
        self.pool.close()

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        with self.pool.connection() as conn:
            yield conn

    def _rows(self, name: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            cursor = conn.execute(self._sql[name], params)
            return cursor.fetchall() if cursor.description is not None else []

    # -- settings and profiles -----------------------------------------------------------------------------
    def defaults(self) -> dict[str, Any]:
        """The shared settings every profile starts from (settings-file keys)."""
        rows = self._rows("setting_get", [DEFAULTS])
        return dict(rows[0][0]) if rows else {}

    def set_defaults(self, value: dict[str, Any]) -> None:
        self._rows("setting_put", [DEFAULTS, Json(value)])

    def put_profile(self, row: ProfileRow, *, first_due: datetime) -> None:
        """Add or replace a profile; a new one is first due at ``first_due``."""
        with self._conn() as conn, conn.transaction():
            conn.execute(self._sql["profile_put"], [row.profile, Json(row.overrides), row.org, row.mailbox,
                                                    row.enabled])
            conn.execute(self._sql["schedule_new"], [row.profile, first_due])

    def profile(self, profile: str) -> ProfileRow | None:
        rows = self._rows("profile_get", [profile])
        return self._profile(rows[0]) if rows else None

    def profiles(self) -> list[ProfileRow]:
        return [self._profile(row) for row in self._rows("profile_all")]

    def delete_profile(self, profile: str) -> None:
        self._rows("profile_delete", [profile])

    @staticmethod
    def _profile(row: tuple[Any, ...]) -> ProfileRow:
        profile, overrides, org, mailbox, enabled = row
        return ProfileRow(profile=profile, overrides=dict(overrides), org=org, mailbox=mailbox, enabled=enabled)

    # -- the schedule --------------------------------------------------------------------------------------
    def dispatch(self, now: datetime, *, limit: int, claim_for: timedelta,
                 decide: Callable[[str], Dispatch]) -> list[tuple[str, str]]:
        """Claim up to ``limit`` due profiles and ask ``decide`` what each should sync now.

        A profile with a kind to sync is claimed until ``now + claim_for`` (its task releases the claim when it
        ends; a lost task's claim runs out); one with nothing due is moved to ``next_due``. Returns the
        ``(profile, kind)`` pairs to send, after the claims are committed.
        """
        send: list[tuple[str, str]] = []
        with self._conn() as conn, conn.transaction():
            due = [row[0] for row in conn.execute(self._sql["due"], {"now": now, "limit": limit}).fetchall()]
            for profile in due:
                answer = decide(profile)
                if answer.kind is None:
                    conn.execute(self._sql["reschedule"], [answer.next_due, profile])
                else:
                    conn.execute(self._sql["claim"], [now + claim_for, profile])
                    send.append((profile, answer.kind))
        return send

    def claim(self, profile: str, until: datetime) -> None:
        """Extend (or set) a profile's claim: its next task is on its way."""
        self._rows("claim", [until, profile])

    def finish(self, profile: str, now: datetime, *, next_due: datetime, ok: bool, failed: bool,
               error: str | None = None, backoff_until: datetime | None = None) -> None:
        """Release the claim and set the next due time; a success clears the error count, a failure adds one."""
        self._rows("done", {"profile": profile, "now": now, "next_due": next_due, "ok": ok, "failed": failed,
                            "error": error, "backoff_until": backoff_until})

    # -- task runs -----------------------------------------------------------------------------------------
    def start_run(self, *, profile: str, kind: str, reason: str, task_id: str | None, host: str, pid: int,
                  redelivered: bool, now: datetime) -> int:
        """Record a run that holds the profile lock (and close the profile's earlier unfinished runs as lost)."""
        with self._conn() as conn, conn.transaction():
            conn.execute(self._sql["runs_lost"], [now, profile])
            row = conn.execute(self._sql["run_start"], [profile, kind, reason, task_id, host, pid, redelivered,
                                                        now]).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, *, outcome: str, message: str, now: datetime) -> None:
        self._rows("run_finish", [now, outcome, message[:2000], run_id])

    def runs(self, profiles: list[str] | None = None) -> list[dict[str, Any]]:
        """Task runs, oldest first (of ``profiles``, or all)."""
        with self._conn() as conn, conn.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(self._sql["runs_of"], [profiles or [], profiles is None]).fetchall()

    def purge_runs(self, before: datetime) -> int:
        with self._conn() as conn:
            return conn.execute(self._sql["runs_purge"], [before]).rowcount

    def status(self, now: datetime, *, history: timedelta, running_within: timedelta) -> list[dict[str, Any]]:
        """One row per profile: schedule, last success, errors, back-off, runs and failures within ``history``."""
        with self._conn() as conn, conn.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(self._sql["status"], {"since": now - history,
                                                        "running_since": now - running_within}).fetchall()

    # -- org budgets ---------------------------------------------------------------------------------------
    def budget_take(self, org: str, share: float) -> tuple[int, int | None] | None:
        """Reserve one API call of ``org``; None when the share is used up (or a first call is out learning
        the allocation). Returns (used, max) after the reservation."""
        with self._conn() as conn:
            conn.execute(self._sql["budget_row"], [org])
            row = conn.execute(self._sql["budget_take"], {"org": org, "share": share}).fetchone()
        return None if row is None else (int(row[0]), None if row[1] is None else int(row[1]))

    def budget_seen(self, org: str, used: int, maximum: int, now: datetime) -> None:
        """A call answered with ``Sforce-Limit-Info: api-usage=used/maximum``: the org's truth replaces ours."""
        self._rows("budget_seen", {"org": org, "used": used, "max": maximum, "now": now})

    def budget_unanswered(self, org: str) -> None:
        """A reserved call ended without a usage report (its reservation stays counted)."""
        self._rows("budget_unanswered", [org])

    def budget(self, org: str) -> dict[str, Any] | None:
        with self._conn() as conn, conn.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(self._sql["budget_get"], [org]).fetchone()
