"""The default state store: one SQLite file, created owner-only, schema versioned by ``PRAGMA user_version``."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from .._files import make_private_dirs
from ..abc import StateStore
from ..errors import ConfigurationError, StateCorrupt, StateStoreError
from ..models import Kind, Side
from ..state_types import HistoryEntry, LockHolder, PendingCategory, PendingItem
from ._schema import MIGRATIONS, SCHEMA_VERSION
from ._sqlite_journal import JournalRows, _dt, _ts
from ._sqlite_pairs import PairRows, _chunks, pack_pair_id
from ._sqlite_versions import VersionRows


class _TranslatedErrors:
    """The context of every statement: SQLite's errors raised as syncore's (a class, not a generator-based
    context manager: it wraps each of the many statements a sync runs)."""

    def __init__(self, store: SqliteStateStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if not isinstance(exc, sqlite3.DatabaseError):
            return False
        if isinstance(exc, sqlite3.OperationalError) or "malformed" not in str(exc):
            raise StateStoreError(f"state file {self.store.path}: {exc}") from exc
        raise self.store._corrupt(str(exc)) from exc


class _Transaction:
    """The context of :meth:`SqliteStateStore.transaction`: the outermost one begins and commits (or rolls back),
    inner ones join it. One object per store, its state the store's depth (held under the store's lock, taken for
    the whole transaction); a class rather than a generator-based context manager, as each statement's context is:
    a sync opens a few dozen, most of them nested."""

    def __init__(self, store: SqliteStateStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        store = self.store
        store._lock.acquire()
        try:
            if store._depth == 0:
                with store._errors():
                    store._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._lock.release()
            raise
        store._depth += 1

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        store = self.store
        try:
            store._depth -= 1
            if store._depth:
                return
            if exc is not None:
                store._db.execute("ROLLBACK")
                return
            try:
                with store._errors():
                    store._db.execute("COMMIT")
            except StateStoreError:
                if store._db.in_transaction:  # (a failed COMMIT leaves the transaction open)
                    store._db.execute("ROLLBACK")
                raise
        finally:
            store._lock.release()


class SqliteStateStore(PairRows, VersionRows, JournalRows, StateStore):
    """A :class:`~syncore.abc.StateStore` in one SQLite file (or ``":memory:"``).

    The file is created with mode 0600 (owner only) before SQLite opens it. Opening an older file migrates it
    in one transaction; opening a file written by a newer syncore is refused with a clear error. The pairs
    table is kept small (:mod:`._sqlite_pairs`); the write-intent journal is :mod:`._sqlite_journal`.

    **Durability.** A file is kept in WAL mode with ``synchronous=NORMAL``: a commit appends to the
    write-ahead log and returns without waiting for the disk, so a power cut may undo the last few commits —
    always a consistent earlier state, since SQLite replays the log only up to its last complete commit. That
    is safe for everything the engine stores except the write-intent journal: an intent must be on disk
    *before* its remote write is sent, or a power cut between the two loses the record of a write that was
    made, and the next sync makes it again (a duplicate). So :meth:`durable_transaction`, which the executor
    journals in, commits with ``synchronous=FULL`` (the log is fsynced before COMMIT returns; that also makes
    every earlier commit durable, the log being sequential). What a power cut can undo afterwards (pairs
    stored, intents marked done, cursors) is what a crash undoes, and the journal recovers it
    (``tests/core/test_core_state_durability.py``; docs/concepts.md, "Interrupted syncs").
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            self._create_owner_only(Path(self.path))
        self._lock = threading.RLock()
        self._depth = 0
        self._translated = _TranslatedErrors(self)
        self._transaction = _Transaction(self)
        self._init_pairs()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._check_integrity()
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.create_function("syncore_pair_id", 1, pack_pair_id, deterministic=True)  # (migration 5)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(str(exc)) from exc

    def _corrupt(self, problem: str) -> StateCorrupt:
        return StateCorrupt(
            f"state file {self.path} is damaged or not a syncore state file ({problem}); it was not used or "
            "changed. Move it aside and sync again: syncore re-pairs existing records by link and by match "
            "(`syncore docs troubleshooting`, \"Damaged state file\")"
        )

    def _check_integrity(self) -> None:
        # quick_check reads every page once (not the index cross-checks of integrity_check): a damaged or
        # truncated file is refused before anything trusts it, instead of failing later mid-sync.
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check").fetchmany(3)]
        if problems != ["ok"]:
            raise self._corrupt("; ".join(problems))

    @staticmethod
    def _create_owner_only(path: Path) -> None:
        if path.exists():
            return
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)

    def _migrate(self) -> None:
        with self.transaction():
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"state file {self.path} has schema version {version}, newer than this syncore supports "
                    f"({SCHEMA_VERSION}); upgrade syncore",
                    key="state_path",
                    value=self.path,
                )
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def durable_transaction(self) -> Iterator[None]:
        """A transaction whose COMMIT returns only once it is on disk (``synchronous=FULL``; see the class).

        SQLite refuses to change the sync level inside a transaction ("Safety level may not be changed inside
        a transaction"), so this must be the outermost transaction, and nesting it is refused.
        """
        with self._lock:
            if self._depth:
                raise RuntimeError("durable_transaction() must not be nested in another transaction")
            with self._errors():
                self._db.execute("PRAGMA synchronous = FULL")
            try:
                with self.transaction():
                    yield
            finally:
                with self._errors():
                    self._db.execute("PRAGMA synchronous = NORMAL" if self.path != ":memory:"
                                     else "PRAGMA synchronous = FULL")

    def transaction(self) -> _Transaction:
        return self._transaction

    def _run(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock, self._errors():
            return self._db.execute(sql, tuple(params))

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per row, in one transaction; the number of rows it changed."""
        with self.transaction(), self._errors():
            return self._db.executemany(sql, rows).rowcount

    def _errors(self) -> _TranslatedErrors:
        """SQLite's errors as syncore's: the message names the file (a corrupt page, a full disk, a lock)."""
        return self._translated

    # -- cursors -------------------------------------------------------------------------------------------
    def get_cursor(self, profile: str, kind: Kind, side: Side) -> str | None:
        row = self._run(
            "SELECT cursor FROM cursors WHERE profile=? AND kind=? AND side=?", [profile, kind.value, side.value]
        ).fetchone()
        return None if row is None else row[0]

    def set_cursor(self, profile: str, kind: Kind, side: Side, cursor: str | None) -> None:
        if cursor is None:
            self._run("DELETE FROM cursors WHERE profile=? AND kind=? AND side=?", [profile, kind.value, side.value])
        else:
            self._run("INSERT OR REPLACE INTO cursors VALUES (?,?,?,?)", [profile, kind.value, side.value, cursor])

    # -- tombstones ----------------------------------------------------------------------------------------
    def add_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str], at: datetime) -> None:
        scope = (profile, kind.value, side.value)  # (once: ``.value`` is a property written in Python)
        stamp = _ts(at)
        self._many(
            "INSERT OR REPLACE INTO tombstones VALUES (?,?,?,?,?)",
            ((*scope, native_id, stamp) for native_id in ids),
        )

    def tombstoned(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = self._run(
                f"SELECT native_id FROM tombstones WHERE profile=? AND kind=? AND side=? AND native_id IN ({marks})",
                [profile, kind.value, side.value, *chunk],
            )
            found.update(row[0] for row in rows)
        return found

    def remove_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        scope = (profile, kind.value, side.value)  # (once: ``.value`` is a property written in Python)
        self._many(
            "DELETE FROM tombstones WHERE profile=? AND kind=? AND side=? AND native_id=?",
            ((*scope, native_id) for native_id in ids),
        )

    # -- pending -------------------------------------------------------------------------------------------
    def put_pending(self, item: PendingItem) -> None:
        self._run(
            "INSERT OR REPLACE INTO pending VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                item.profile,
                item.kind.value,
                item.side.value,
                item.native_id,
                item.category.value,
                item.reason,
                item.pair_id,
                item.attempts,
                _ts(item.next_attempt_at),
                int(item.ignored),
            ],
        )

    def remove_pending(self, profile: str, kind: Kind, side: Side, native_ids: Iterable[str]) -> None:
        scope = (profile, kind.value, side.value)  # (once: ``.value`` is a property written in Python)
        self._many(
            "DELETE FROM pending WHERE profile=? AND kind=? AND side=? AND native_id=?",
            ((*scope, native_id) for native_id in native_ids),
        )

    def pending(self, profile: str, kind: Kind) -> list[PendingItem]:
        rows = self._run(
            "SELECT side, native_id, category, reason, pair_id, attempts, next_attempt_at, ignored FROM pending "
            "WHERE profile=? AND kind=?",
            [profile, kind.value],
        ).fetchall()
        return [
            PendingItem(
                profile=profile,
                kind=kind,
                side=Side(side),
                native_id=native_id,
                category=PendingCategory(category),
                reason=reason,
                pair_id=pair_id,
                attempts=attempts,
                next_attempt_at=_dt(next_at),
                ignored=bool(ignored),
            )
            for side, native_id, category, reason, pair_id, attempts, next_at, ignored in rows
        ]

    # -- history and runs ----------------------------------------------------------------------------------
    def add_history(self, entry: HistoryEntry) -> None:
        self._run(
            "INSERT INTO history VALUES (?,?,?,?,?,?)",
            [
                entry.profile,
                entry.kind.value,
                _ts(entry.started_at),
                _ts(entry.finished_at),
                int(entry.ok),
                json.dumps(entry.summary, separators=(",", ":")),
            ],
        )

    def history(self, profile: str, since: datetime | None = None) -> list[HistoryEntry]:
        rows = self._run(
            "SELECT kind, started_at, finished_at, ok, summary FROM history WHERE profile=? AND finished_at>=? "
            "ORDER BY finished_at DESC",
            [profile, _ts(since) if since else ""],
        ).fetchall()
        return [
            HistoryEntry(
                profile=profile,
                kind=Kind(kind),
                started_at=_dt(started),  # type: ignore[arg-type]
                finished_at=_dt(finished),  # type: ignore[arg-type]
                ok=bool(ok),
                summary=json.loads(summary),
            )
            for kind, started, finished, ok, summary in rows
        ]

    def purge_history(self, before: datetime) -> int:
        with self.transaction():
            removed = self._run("DELETE FROM history WHERE finished_at<?", [_ts(before)]).rowcount
            removed += self._run("DELETE FROM tombstones WHERE deleted_at<?", [_ts(before)]).rowcount
        return removed

    def last_run(self, profile: str, kind: Kind) -> datetime | None:
        row = self._run("SELECT last_run FROM runs WHERE profile=? AND kind=?", [profile, kind.value]).fetchone()
        return None if row is None else _dt(row[0])

    def set_last_run(self, profile: str, kind: Kind, at: datetime) -> None:
        self._run("INSERT OR REPLACE INTO runs VALUES (?,?,?)", [profile, kind.value, _ts(at)])

    # -- generations -------------------------------------------------------------------------------------
    def generation(self, profile: str, kind: Kind) -> int:
        row = self._run("SELECT generation FROM generations WHERE profile=? AND kind=?",
                        [profile, kind.value]).fetchone()
        return 0 if row is None else int(row[0])

    def bump_generation(self, profile: str, kind: Kind) -> int:
        with self.transaction():
            self._run("INSERT INTO generations VALUES (?,?,1) ON CONFLICT (profile, kind) "
                      "DO UPDATE SET generation = generation + 1", [profile, kind.value])
            return self.generation(profile, kind)

    # -- locks and reset -----------------------------------------------------------------------------------
    def acquire_lock(self, profile: str, holder: LockHolder, *, now: datetime) -> bool:
        with self.transaction():
            current = self.lock_holder(profile)
            if current is not None and current.owner != holder.owner and current.expires_at > now:
                return False
            if current is not None and current.owner == holder.owner:
                holder = attrs.evolve(holder, acquired_at=current.acquired_at)  # a renewal keeps "since when"
            self._run("INSERT OR REPLACE INTO locks VALUES (?,?,?,?,?,?)",
                      [profile, holder.owner, holder.host, holder.pid, _ts(holder.acquired_at),
                       _ts(holder.expires_at)])
            return True

    def renew_lock(self, profile: str, owner: str, *, expires_at: datetime) -> bool:
        return self._run("UPDATE locks SET expires_at=? WHERE profile=? AND owner=?",
                         [_ts(expires_at), profile, owner]).rowcount == 1

    def lock_holder(self, profile: str) -> LockHolder | None:
        row = self._run("SELECT owner, host, pid, acquired_at, expires_at FROM locks WHERE profile=?",
                        [profile]).fetchone()
        if row is None:
            return None
        owner, host, pid, acquired_at, expires_at = row
        return LockHolder(owner=owner, host=host, pid=pid, acquired_at=_dt(acquired_at),  # type: ignore[arg-type]
                          expires_at=_dt(expires_at))  # type: ignore[arg-type]

    def release_lock(self, profile: str, owner: str) -> None:
        self._run("DELETE FROM locks WHERE profile=? AND owner=?", [profile, owner])

    def reset_kind(self, profile: str, kind: Kind) -> None:
        with self.transaction():
            for table in ("pairs", "cursors", "tombstones", "journal", "pending", "unconfirmed"):
                self._run(f"DELETE FROM {table} WHERE profile=? AND kind=?", [profile, kind.value])
            self.bump_generation(profile, kind)

    def close(self) -> None:
        with self._lock:
            self._db.close()
