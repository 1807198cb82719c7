"""The default state store: one SQLite file, created owner-only, schema versioned by ``PRAGMA user_version``."""

from __future__ import annotations

import contextlib
import functools
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
from ..converters import datetime_to_str, make_converter
from ..errors import ConfigurationError, StateCorrupt, StateStoreError
from ..models import Body, Kind, Side
from ..snapshots import decode_record, encode_record
from ..state_types import Action, HistoryEntry, Intent, LockHolder, Pair, PendingCategory, PendingItem
from ._schema import MIGRATIONS, SCHEMA_VERSION

_converter = make_converter()
# SQLite's default limit on host parameters is 999 in old builds; stay under it for IN (...) lists.
_IN_CHUNK = 900


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _ts(value: datetime | None) -> str | None:
    return None if value is None else datetime_to_str(value)  # the converter's own format, without dispatch


def _dt(value: str | None) -> datetime | None:
    return None if value is None else _converter.structure(value, datetime)


class SqliteStateStore(StateStore):
    """A :class:`~syncore.abc.StateStore` in one SQLite file (or ``":memory:"``).

    The file is created with mode 0600 (owner only) before SQLite opens it. Opening an older file migrates it
    in one transaction; opening a file written by a newer syncore is refused with a clear error.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            self._create_owner_only(Path(self.path))
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._check_integrity()
            self._db.execute("PRAGMA foreign_keys = ON")
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
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                with self._errors():
                    self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                try:
                    with self._errors():
                        self._db.execute("COMMIT")
                except StateStoreError:
                    if self._db.in_transaction:  # (a failed COMMIT leaves the transaction open)
                        self._db.execute("ROLLBACK")
                    raise

    def _run(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock, self._errors():
            return self._db.execute(sql, tuple(params))

    def _many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.transaction(), self._errors():
            self._db.executemany(sql, [tuple(row) for row in rows])

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors as syncore's: the message names the file (a corrupt page, a full disk, a lock)."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or "malformed" not in str(exc):
                raise StateStoreError(f"state file {self.path}: {exc}") from exc
            raise self._corrupt(str(exc)) from exc

    # -- pairs ---------------------------------------------------------------------------------------------
    def _pair(self, row: tuple[Any, ...]) -> Pair:
        profile, kind, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts = row
        kind = Kind(kind)
        body = None
        if pim_body is not None:
            body = _converter.structure(json.loads(pim_body), Body)
        return Pair(
            profile=profile,
            kind=kind,
            pair_id=pair_id,
            pim_id=pim_id,
            crm_id=crm_id,
            pim_version=pim_version,
            crm_version=crm_version,
            base=decode_record(kind, base),
            pim_body=body,
            conflicts=frozenset(conflicts.split(",")) if conflicts else frozenset(),
        )

    _PAIR_COLUMNS = "profile, kind, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts"

    def pairs_for(
        self, profile: str, kind: Kind, *, pim_ids: Iterable[str] = (), crm_ids: Iterable[str] = ()
    ) -> list[Pair]:
        found: dict[str, Pair] = {}
        for column, ids in (("pim_id", list(pim_ids)), ("crm_id", list(crm_ids))):
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                rows = self._run(
                    f"SELECT {self._PAIR_COLUMNS} FROM pairs WHERE profile=? AND kind=? AND {column} IN ({marks})",
                    [profile, kind.value, *chunk],
                ).fetchall()
                for row in rows:
                    pair = self._pair(row)
                    found[pair.pair_id] = pair
        return list(found.values())

    def pair_versions(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> dict[str, str | None]:
        column = {Side.PIM: "pim", Side.CRM: "crm"}[side]  # never interpolate anything but these two names
        versions: dict[str, str | None] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            versions.update(self._run(
                f"SELECT {column}_id, {column}_version FROM pairs WHERE profile=? AND kind=? AND {column}_id IN "
                f"({marks})", [profile, kind.value, *chunk],
            ).fetchall())
        return versions

    def iter_pairs(self, profile: str, kind: Kind) -> Iterator[Pair]:
        rows = self._run(
            f"SELECT {self._PAIR_COLUMNS} FROM pairs WHERE profile=? AND kind=?", [profile, kind.value]
        ).fetchall()
        return (self._pair(row) for row in rows)

    def pairs_by_prefix(self, profile: str, kind: Kind, side: Side, prefix: str) -> list[Pair]:
        column = {Side.PIM: "pim_id", Side.CRM: "crm_id"}[side]  # never interpolate anything but these two names
        # a range on the unique index: every text starting with the prefix sorts below the prefix's successor
        above = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self._run(
            f"SELECT {self._PAIR_COLUMNS} FROM pairs WHERE profile=? AND kind=? AND {column} >= ? AND {column} < ?",
            [profile, kind.value, prefix, above],
        ).fetchall()
        return [self._pair(row) for row in rows]

    def count_pairs(self, profile: str, kind: Kind) -> int:
        return self._run("SELECT COUNT(*) FROM pairs WHERE profile=? AND kind=?", [profile, kind.value]).fetchone()[0]

    def _pair_row(self, pair: Pair) -> tuple[Any, ...]:
        body = None
        if pair.pim_body is not None:
            body = json.dumps(_converter.unstructure(pair.pim_body), separators=(",", ":")).encode()
        return (pair.profile, pair.kind.value, pair.pair_id, pair.pim_id, pair.crm_id, pair.pim_version,
                pair.crm_version, encode_record(pair.base), body, ",".join(sorted(pair.conflicts)) or None)

    # INSERT OR REPLACE also removes any other pair holding one of these native ids (unique indexes): a native
    # id can move to a new pair when it is re-created after a delete.
    _SAVE_PAIR = f"INSERT OR REPLACE INTO pairs ({_PAIR_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"

    def save_pair(self, pair: Pair) -> None:
        self._run(self._SAVE_PAIR, self._pair_row(pair))

    def save_pairs(self, pairs: Sequence[Pair]) -> None:
        self._many(self._SAVE_PAIR, [self._pair_row(pair) for pair in pairs])

    def delete_pair(self, profile: str, kind: Kind, pair_id: str) -> None:
        self._run("DELETE FROM pairs WHERE profile=? AND kind=? AND pair_id=?", [profile, kind.value, pair_id])

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
        self._many(
            "INSERT OR REPLACE INTO tombstones VALUES (?,?,?,?,?)",
            ((profile, kind.value, side.value, native_id, _ts(at)) for native_id in ids),
        )

    def tombstoned(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._run(
                f"SELECT native_id FROM tombstones WHERE profile=? AND kind=? AND side=? AND native_id IN ({marks})",
                [profile, kind.value, side.value, *chunk],
            )
            found.update(row[0] for row in rows)
        return found

    def remove_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        self._many(
            "DELETE FROM tombstones WHERE profile=? AND kind=? AND side=? AND native_id=?",
            ((profile, kind.value, side.value, native_id) for native_id in ids),
        )

    # -- journal -------------------------------------------------------------------------------------------
    def journal(self, intents: Iterable[Intent]) -> None:
        stamps = functools.lru_cache(maxsize=1)(_ts)  # a batch's intents share one time
        self._many(
            "INSERT OR REPLACE INTO journal VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    i.intent_id,
                    i.profile,
                    i.kind.value,
                    i.side.value,
                    i.action.value,
                    i.pair_id,
                    i.target_id,
                    i.source_id,
                    stamps(i.created_at),
                    i.fingerprint,
                    None if i.written is None else encode_record(i.written),
                    ",".join(sorted(i.fields)) or None,
                )
                for i in intents
            ),
        )

    def complete_intents(self, intent_ids: Iterable[str]) -> None:
        self._many("DELETE FROM journal WHERE intent_id=?", ((intent_id,) for intent_id in intent_ids))

    def open_intents(self, profile: str, kind: Kind) -> list[Intent]:
        rows = self._run(
            "SELECT intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, fields "
            "FROM journal WHERE profile=? AND kind=? ORDER BY created_at",
            [profile, kind.value],
        ).fetchall()
        return [
            Intent(
                intent_id=intent_id,
                profile=profile,
                kind=kind,
                side=Side(side),
                action=Action(action),
                pair_id=pair_id,
                target_id=target_id,
                source_id=source_id,
                created_at=_dt(created_at),  # type: ignore[arg-type]
                fingerprint=fingerprint,
                written=None if written is None else decode_record(kind, written),
                fields=frozenset(fields.split(",")) if fields else frozenset(),
            )
            for intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, fields
            in rows
        ]

    # -- creates not yet seen in a net-change feed --------------------------------------------------------
    def add_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        self._many("INSERT OR IGNORE INTO unconfirmed VALUES (?,?,?,?)",
                   ((profile, kind.value, side.value, native_id) for native_id in ids))

    def unconfirmed(self, profile: str, kind: Kind, side: Side) -> set[str]:
        rows = self._run("SELECT native_id FROM unconfirmed WHERE profile=? AND kind=? AND side=?",
                         [profile, kind.value, side.value])
        return {row[0] for row in rows}

    def forget_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        self._many("DELETE FROM unconfirmed WHERE profile=? AND kind=? AND side=? AND native_id=?",
                   ((profile, kind.value, side.value, native_id) for native_id in ids))

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
        self._many(
            "DELETE FROM pending WHERE profile=? AND kind=? AND side=? AND native_id=?",
            ((profile, kind.value, side.value, native_id) for native_id in native_ids),
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
