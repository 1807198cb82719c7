"""A state store in PostgreSQL for many profiles at once (the server mode; extra ``syncore[postgres]``).

``PostgresStateStore(dsn)`` keeps exactly what :class:`~syncore.state.SqliteStateStore` keeps, with the same
semantics (both pass :class:`syncore.testing.StateStoreContract`), in one PostgreSQL schema shared by every
profile. Connections come from a :class:`psycopg_pool.ConnectionPool`; a :meth:`transaction` pins one connection
to the calling thread until it ends. Values always travel as query parameters; the only text composed into SQL
is the schema name, as a quoted identifier.

The profile lock
    By default the lock is a PostgreSQL **advisory lock** taken with ``pg_try_advisory_lock`` on a dedicated
    connection held for the whole run: when a worker dies, its connection closes and PostgreSQL frees the lock
    at once, with no lease to wait out. Beside it a holder row (owner, host, pid, since when, lease end)
    answers :meth:`lock_holder` and decides between owners inside one process.

    Behind a *transaction-pooling* proxy (PgBouncer ``pool_mode = transaction``) a session-level advisory lock
    would be held by whichever server connection ran the statement, so ``transaction_pooling=True`` switches to
    the **lease** alone: the holder row's ``expires_at``, renewed by the engine at every batch
    (:mod:`syncore.locking`), as SQLite does. It also turns off server-side prepared statements, which such a
    proxy cannot route.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ..abc import StateStore
from ..converters import make_converter
from ..errors import StateStoreError
from ..models import Body, Kind, Side
from ..occurrences import SEPARATOR, series_of_occurrence_ids
from ..snapshots import decode_record, encode_record
from ..state_types import Action, HistoryEntry, Intent, Pair, PendingCategory, PendingItem
from ._pg_migrate import migrate, render, schema_version
from ._pg_schema import COMPONENT, MIGRATIONS
from ._pg_statements import STATEMENTS

try:
    import psycopg
    from psycopg.types.json import Json
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError("PostgresStateStore needs psycopg 3 and psycopg_pool: pip install 'syncore[postgres]'") from exc

from ._pg_locks import AdvisoryLocks, hold_session_keepalives  # (after the check above: it needs psycopg)

_converter = make_converter()
_RESET_TABLES = ("pairs", "cursors", "tombstones", "journal", "pending", "unconfirmed")


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class PostgresStateStore(AdvisoryLocks, StateStore):
    """A :class:`~syncore.abc.StateStore` in PostgreSQL (see the module docstring).

    :param dsn: a libpq connection string or URL (``postgresql://user@host:5432/db``); never logged
    :param schema: the PostgreSQL schema holding the tables (created when missing)
    :param transaction_pooling: the server is reached through a transaction-pooling proxy: lease locks only,
        no prepared statements
    :param pool_size: the most pooled connections this store opens (plus one for the advisory lock)
    :raises ConfigurationError: when the database was migrated by a newer syncore
    """

    def __init__(self, dsn: str, *, schema: str = "syncore", transaction_pooling: bool = False,
                 pool_size: int = 4) -> None:
        self.schema = schema
        self.transaction_pooling = transaction_pooling
        self._dsn = dsn
        self._connect_kwargs: dict[str, Any] = {"prepare_threshold": None} if transaction_pooling else {}
        self.pool = ConnectionPool(dsn, min_size=1, max_size=max(1, pool_size), kwargs=self._connect_kwargs,
                                   open=True, name=f"syncore-state-{schema}")
        self._local = threading.local()
        self._lock_mutex = threading.Lock()
        self._lock_conn: psycopg.Connection[Any] | None = None
        self._advisory: set[str] = set()  # profiles whose advisory lock this store's lock connection holds
        try:
            with self.pool.connection() as conn:
                self._sql = {name: render(template, schema, conn) for name, template in STATEMENTS.items()}
                self._reset = [render(f"DELETE FROM {{s}}.{table} WHERE profile = %s AND kind = %s", schema, conn)
                               for table in _RESET_TABLES]
                migrate(conn, schema, COMPONENT, MIGRATIONS)
        except BaseException:
            self.pool.close()  # a store that failed to open (e.g. a newer schema) leaves no pool threads behind
            raise

    @property
    def schema_version(self) -> int:
        """The state tables' schema version in the database."""
        with self._conn() as conn:
            return schema_version(conn, self.schema, COMPONENT)

    # -- connections and transactions ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """PostgreSQL's errors as syncore's: the message names the store (never the DSN, which may hold a password)."""
        try:
            yield
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StateStoreError(f"PostgreSQL state store (schema {self.schema!r}): {first}") from exc

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        pinned = getattr(self._local, "conn", None)
        if pinned is not None:
            with self._errors():
                yield pinned
            return
        with self._errors(), self.pool.connection() as conn:  # commits on a clean exit, rolls back on an error
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:
            yield  # joins the outer transaction; an error rolls back the whole of it
            return
        with self._errors(), self.pool.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield
            finally:
                self._local.conn = None

    def _run(self, name: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            cursor = conn.execute(self._sql[name], params)
            return cursor.fetchall() if cursor.description is not None else []

    def _rowcount(self, name: str, params: Sequence[Any]) -> int:
        with self._conn() as conn:
            return conn.execute(self._sql[name], params).rowcount

    def _many(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        with self.transaction(), self._conn() as conn, conn.cursor() as cursor:
            cursor.executemany(self._sql[name], rows)  # pipelined: one round trip for the batch

    # -- pairs ---------------------------------------------------------------------------------------------
    @staticmethod
    def _pair(row: tuple[Any, ...]) -> Pair:
        profile, kind, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts = row
        kind = Kind(kind)
        body = None if pim_body is None else _converter.structure(json.loads(bytes(pim_body)), Body)
        return Pair(profile=profile, kind=kind, pair_id=pair_id, pim_id=pim_id, crm_id=crm_id,
                    pim_version=pim_version, crm_version=crm_version, base=decode_record(kind, bytes(base)),
                    pim_body=body, conflicts=frozenset(conflicts.split(",")) if conflicts else frozenset())

    @staticmethod
    def _pair_row(pair: Pair) -> tuple[Any, ...]:
        body = None
        if pair.pim_body is not None:
            body = json.dumps(_converter.unstructure(pair.pim_body), separators=(",", ":")).encode()
        return (pair.profile, pair.kind.value, pair.pair_id, pair.pim_id, pair.crm_id, pair.pim_version,
                pair.crm_version, encode_record(pair.base), body, ",".join(sorted(pair.conflicts)) or None)

    def pairs_for(
        self, profile: str, kind: Kind, *, pim_ids: Iterable[str] = (), crm_ids: Iterable[str] = ()
    ) -> list[Pair]:
        pim, crm = list(pim_ids), list(crm_ids)
        if not pim and not crm:
            return []
        return [self._pair(row) for row in self._run("pairs_by", [profile, kind.value, pim, crm])]

    def pair_versions(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> dict[str, str | None]:
        wanted = list(ids)
        if not wanted:
            return {}
        name = "versions_pim" if side is Side.PIM else "versions_crm"
        return dict(self._run(name, [profile, kind.value, wanted]))  # type: ignore[arg-type]

    def pairs_by_prefix(self, profile: str, kind: Kind, side: Side, prefix: str) -> list[Pair]:
        name = "prefix_pim" if side is Side.PIM else "prefix_crm"
        after = _after_prefix(prefix) if prefix else None
        if after is None:  # (no range to scan: every pair of the scope, tested here)
            return [pair for pair in self.iter_pairs(profile, kind) if pair.id_on(side).startswith(prefix)]
        return [self._pair(row) for row in self._run(name, [profile, kind.value, prefix, after, prefix])]

    def series_with_occurrence_pairs(self, profile: str, kind: Kind, side: Side) -> set[str]:
        name = "occurrence_ids_pim" if side is Side.PIM else "occurrence_ids_crm"
        return series_of_occurrence_ids(row[0] for row in self._run(name, [profile, kind.value, SEPARATOR]))

    def iter_pairs(self, profile: str, kind: Kind) -> Iterator[Pair]:
        return (self._pair(row) for row in self._run("pairs_all", [profile, kind.value]))

    def count_pairs(self, profile: str, kind: Kind) -> int:
        return int(self._run("pairs_count", [profile, kind.value])[0][0])

    def save_pair(self, pair: Pair) -> None:
        self.save_pairs([pair])

    def save_pairs(self, pairs: Sequence[Pair]) -> None:
        if not pairs:
            return
        with self.transaction(), self._conn() as conn, conn.pipeline(), conn.cursor() as cursor:
            # In order, pair by pair: a later pair of the batch may take a native id from an earlier one.
            for pair in pairs:
                cursor.execute(self._sql["pair_clash"],
                               [pair.profile, pair.kind.value, pair.pair_id, pair.pim_id, pair.crm_id])
                cursor.execute(self._sql["pair_upsert"], self._pair_row(pair))

    def delete_pair(self, profile: str, kind: Kind, pair_id: str) -> None:
        self._run("pair_delete", [profile, kind.value, pair_id])

    # -- cursors -------------------------------------------------------------------------------------------
    def get_cursor(self, profile: str, kind: Kind, side: Side) -> str | None:
        rows = self._run("cursor_get", [profile, kind.value, side.value])
        return rows[0][0] if rows else None

    def set_cursor(self, profile: str, kind: Kind, side: Side, cursor: str | None) -> None:
        if cursor is None:
            self._run("cursor_clear", [profile, kind.value, side.value])
        else:
            self._run("cursor_set", [profile, kind.value, side.value, cursor])

    # -- tombstones ----------------------------------------------------------------------------------------
    def add_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str], at: datetime) -> None:
        wanted = list(dict.fromkeys(ids))  # one row per id: ON CONFLICT cannot touch a row twice in a statement
        if wanted:
            self._run("tombstones_add", [profile, kind.value, side.value, at, wanted])

    def tombstoned(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        return {row[0] for row in self._run("tombstones_find", [profile, kind.value, side.value, wanted])}

    def remove_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        wanted = list(ids)
        if wanted:
            self._run("tombstones_remove", [profile, kind.value, side.value, wanted])

    # -- journal -------------------------------------------------------------------------------------------
    def journal(self, intents: Iterable[Intent]) -> None:
        self._many("journal_add", (
            (i.intent_id, i.profile, i.kind.value, i.side.value, i.action.value, i.pair_id, i.target_id,
             i.source_id, i.created_at, i.fingerprint, None if i.written is None else encode_record(i.written),
             ",".join(sorted(i.fields)) or None, i.sent_at)
            for i in intents))

    def mark_sent(self, intent_ids: Iterable[str], at: datetime) -> None:
        wanted = list(intent_ids)
        if wanted:
            self._run("journal_sent", [at, wanted])

    def complete_intents(self, intent_ids: Iterable[str]) -> None:
        wanted = list(intent_ids)
        if wanted:
            self._run("journal_done", [wanted])

    def open_intents(self, profile: str, kind: Kind) -> list[Intent]:
        return [
            Intent(intent_id=intent_id, profile=profile, kind=kind, side=Side(side), action=Action(action),
                   pair_id=pair_id, target_id=target_id, source_id=source_id,
                   created_at=_utc(created_at), fingerprint=fingerprint,  # type: ignore[arg-type]
                   written=None if written is None else decode_record(kind, bytes(written)),
                   fields=frozenset(fields.split(",")) if fields else frozenset(),
                   sent_at=None if sent_at is None else _utc(sent_at))
            for intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, fields, sent_at
            in self._run("journal_open", [profile, kind.value])
        ]

    # -- creates not yet seen in a net-change feed --------------------------------------------------------
    def add_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        wanted = list(ids)
        if wanted:
            self._run("unconfirmed_add", [profile, kind.value, side.value, wanted])

    def unconfirmed(self, profile: str, kind: Kind, side: Side) -> set[str]:
        return {row[0] for row in self._run("unconfirmed_list", [profile, kind.value, side.value])}

    def forget_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        wanted = list(ids)
        if wanted:
            self._run("unconfirmed_forget", [profile, kind.value, side.value, wanted])

    # -- pending -------------------------------------------------------------------------------------------
    def put_pending(self, item: PendingItem) -> None:
        self._run("pending_put", [item.profile, item.kind.value, item.side.value, item.native_id,
                                  item.category.value, item.reason, item.pair_id, item.attempts,
                                  item.next_attempt_at, item.ignored])

    def remove_pending(self, profile: str, kind: Kind, side: Side, native_ids: Iterable[str]) -> None:
        wanted = list(native_ids)
        if wanted:
            self._run("pending_remove", [profile, kind.value, side.value, wanted])

    def pending(self, profile: str, kind: Kind) -> list[PendingItem]:
        return [
            PendingItem(profile=profile, kind=kind, side=Side(side), native_id=native_id,
                        category=PendingCategory(category), reason=reason, pair_id=pair_id, attempts=attempts,
                        next_attempt_at=_utc(next_at), ignored=ignored)
            for side, native_id, category, reason, pair_id, attempts, next_at, ignored
            in self._run("pending_list", [profile, kind.value])
        ]

    # -- history and runs ----------------------------------------------------------------------------------
    def add_history(self, entry: HistoryEntry) -> None:
        self._run("history_add", [entry.profile, entry.kind.value, entry.started_at, entry.finished_at, entry.ok,
                                  Json(entry.summary)])

    def history(self, profile: str, since: datetime | None = None) -> list[HistoryEntry]:
        floor = since if since is not None else datetime(1, 1, 2, tzinfo=UTC)
        return [
            HistoryEntry(profile=profile, kind=Kind(kind), started_at=_utc(started),  # type: ignore[arg-type]
                         finished_at=_utc(finished), ok=ok, summary=summary)  # type: ignore[arg-type]
            for kind, started, finished, ok, summary in self._run("history_list", [profile, floor])
        ]

    def purge_history(self, before: datetime) -> int:
        with self.transaction():
            return self._rowcount("history_purge", [before]) + self._rowcount("tombstones_purge", [before])

    def last_run(self, profile: str, kind: Kind) -> datetime | None:
        rows = self._run("run_get", [profile, kind.value])
        return _utc(rows[0][0]) if rows else None

    def set_last_run(self, profile: str, kind: Kind, at: datetime) -> None:
        self._run("run_set", [profile, kind.value, at])

    # -- generations ---------------------------------------------------------------------------------------
    def generation(self, profile: str, kind: Kind) -> int:
        rows = self._run("generation_get", [profile, kind.value])
        return int(rows[0][0]) if rows else 0

    def bump_generation(self, profile: str, kind: Kind) -> int:
        return int(self._run("generation_bump", [profile, kind.value])[0][0])

    # -- reset ---------------------------------------------------------------------------------------------
    def reset_kind(self, profile: str, kind: Kind) -> None:
        with self.transaction(), self._conn() as conn:
            for statement in self._reset:
                conn.execute(statement, [profile, kind.value])
            self.bump_generation(profile, kind)

    def close(self) -> None:
        with self._lock_mutex:
            if self._lock_conn is not None:
                self._lock_conn.close()  # frees every advisory lock it held
                self._lock_conn = None
            self._advisory.clear()
        self.pool.close()

    def __repr__(self) -> str:  # the DSN may carry a password: never shown
        return f"PostgresStateStore(schema={self.schema!r}, transaction_pooling={self.transaction_pooling})"


__all__ = ["PostgresStateStore", "hold_session_keepalives"]



def _after_prefix(prefix: str) -> str | None:
    """The first string in byte order (collation "C"; UTF-8 orders as code points) past every string starting with
    ``prefix``: its last character one code point on; None when there is none (it ends with the last code point,
    which no prefix syncore asks for does: a separator ends each)."""
    last = ord(prefix[-1]) + 1
    if last > 0x10FFFF:
        return None
    return prefix[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)  # (text holds no surrogates)
