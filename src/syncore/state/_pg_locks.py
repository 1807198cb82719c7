"""The profile lock of :class:`~syncore.state.postgres.PostgresStateStore` (see its module docstring): an advisory
lock on a dedicated connection, beside the holder row; the lease alone behind a transaction-pooling proxy.

Kept apart so the store module stays small; a mixin serving that class only.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import psycopg

from ..state_types import LockHolder
from ._pg_migrate import advisory_key


def hold_session_keepalives(conn: psycopg.Connection[Any]) -> None:
    """Make the server notice a vanished client within about a minute (not the system's default two hours).

    A worker whose machine dies never closes its connection; until the server's TCP keepalive gives up, its
    advisory locks stay held. These settings are per session and need no privilege.
    """
    for name, value in (("tcp_keepalives_idle", "30"), ("tcp_keepalives_interval", "10"),
                        ("tcp_keepalives_count", "3")):
        conn.execute("SELECT set_config(%s, %s, false)", [name, value])


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class AdvisoryLocks:
    """acquire_lock/renew_lock/lock_holder/release_lock of the store."""

    # The attributes these methods use (_dsn, _connect_kwargs, _lock_conn, _lock_mutex, _advisory, schema,
    # transaction_pooling, _errors, _run, _rowcount) are PostgresStateStore's own.

    def _lock_key(self, profile: str) -> int:
        return advisory_key("syncore-profile", self.schema, profile)

    def _lock_connection(self) -> psycopg.Connection[Any]:
        if self._lock_conn is None or self._lock_conn.closed:
            self._lock_conn = psycopg.connect(self._dsn, autocommit=True, **self._connect_kwargs)
            hold_session_keepalives(self._lock_conn)
            self._advisory.clear()  # a new session holds nothing
        return self._lock_conn

    def _lock_alive(self) -> bool:
        """True while the lock connection (and so every advisory lock it holds) is still there."""
        try:
            self._lock_connection().execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            self._lock_conn = None
            self._advisory.clear()
            return False

    def _try_advisory(self, profile: str) -> bool:
        for attempt in (1, 2):
            try:
                row = self._lock_connection().execute("SELECT pg_try_advisory_lock(%s::int8)",
                                                      [self._lock_key(profile)]).fetchone()
                return bool(row and row[0])
            except psycopg.OperationalError:
                self._lock_conn = None  # a dropped lock connection: open a new one once
                if attempt == 2:
                    raise
        return False  # pragma: no cover

    def acquire_lock(self, profile: str, holder: LockHolder, *, now: datetime) -> bool:
        with self._errors():
            return self._acquire_lock(profile, holder, now=now)

    def _acquire_lock(self, profile: str, holder: LockHolder, *, now: datetime) -> bool:
        params = {"profile": profile, "owner": holder.owner, "host": holder.host, "pid": holder.pid,
                  "acquired_at": holder.acquired_at, "expires_at": holder.expires_at, "now": now, "force": False}
        if self.transaction_pooling:
            return bool(self._run("lock_take", params))
        with self._lock_mutex:
            won = False
            if profile not in self._advisory or not self._lock_alive():
                if not self._try_advisory(profile):
                    return False  # another session (another worker, or another store) holds it
                self._advisory.add(profile)
                won = True
            # This session holds the advisory lock. Having just won it, any holder row is a dead session's and is
            # replaced; otherwise the row decides between owners sharing this store (the lease, as in SQLite).
            taken = bool(self._run("lock_take", {**params, "force": won}))
            return taken

    def renew_lock(self, profile: str, owner: str, *, expires_at: datetime) -> bool:
        if not self.transaction_pooling:
            with self._lock_mutex:
                if profile not in self._advisory or not self._lock_alive():
                    return False  # the lock connection dropped: the lock may already be someone else's
        return self._rowcount("lock_renew", [expires_at, profile, owner]) == 1

    def lock_holder(self, profile: str) -> LockHolder | None:
        rows = self._run("lock_get", [profile])
        if not rows:
            return None
        owner, host, pid, acquired_at, expires_at = rows[0]
        return LockHolder(owner=owner, host=host, pid=pid, acquired_at=_utc(acquired_at),  # type: ignore[arg-type]
                          expires_at=_utc(expires_at))  # type: ignore[arg-type]

    def release_lock(self, profile: str, owner: str) -> None:
        self._run("lock_release", [profile, owner])
        if self.transaction_pooling:
            return
        with self._lock_mutex:
            if profile in self._advisory and not self._run("lock_any", [profile]):
                self._advisory.discard(profile)
                with contextlib.suppress(psycopg.OperationalError):
                    self._lock_connection().execute("SELECT pg_advisory_unlock(%s::int8)", [self._lock_key(profile)])
