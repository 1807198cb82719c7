"""The write-intent journal of :class:`~syncore.state.sqlite.SqliteStateStore` (:class:`JournalRows`, mixed into it
beside :class:`~syncore.state._sqlite_pairs.PairRows`): the intents journaled before each remote write, and the
creates a net-change feed has not shown yet. Both are what the next sync reads to recognise writes an interrupted
sync made (docs/concepts.md, "Interrupted syncs"); durability is the store's :meth:`durable_transaction`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..converters import datetime_to_str, make_converter
from ..models import Kind, Side
from ..snapshots import decode_record, encode_base
from ..state_types import Action, Intent
from ._sqlite_pairs import _chunks

_converter = make_converter()


def _ts(value: datetime | None) -> str | None:
    return None if value is None else datetime_to_str(value)  # the converter's own format, without dispatch


def _dt(value: str | None) -> datetime | None:
    return None if value is None else _converter.structure(value, datetime)


class JournalRows:
    """The journal methods of the SQLite store (mixed into it; uses its ``_run``, ``_many``, ``_depth``,
    ``durable_transaction`` and the pair rows' ``_journaled_bases``)."""

    _run: Any
    _many: Any
    _depth: int
    _journaled_bases: dict[int, Any]
    durable_transaction: Any
    transaction: Any

    # -- journal -------------------------------------------------------------------------------------------
    def journal(self, intents: Iterable[Intent]) -> None:
        if self._depth == 0:  # on its own: durable (inside a transaction, that transaction decides)
            with self.durable_transaction():
                self.journal(intents)
            return
        intents = list(intents)
        stamps = functools.lru_cache(maxsize=2)(_ts)  # a batch's intents share one time (and one sent time)
        # An update's written record is stored in the base's encoding (decode_record reads both): its pair stores
        # the same record as its base once the write succeeds, and takes this encoding (one batch's worth kept).
        self._journaled_bases = {id(i.written): (i.written, encode_base(i.written))
                                 for i in intents if i.written is not None}
        self._many(
            "INSERT OR REPLACE INTO journal VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    i.intent_id,
                    i.profile,
                    # (an enum's own value attribute: ``.value`` is a property written in Python, read per intent)
                    i.kind._value_,
                    i.side._value_,
                    i.action._value_,
                    i.pair_id,
                    i.target_id,
                    i.source_id,
                    stamps(i.created_at),
                    i.fingerprint,
                    None if i.written is None else self._journaled_bases[id(i.written)][1],
                    ",".join(sorted(i.fields)) or None,
                    stamps(i.sent_at),
                )
                for i in intents
            ),
        )

    def complete_intents(self, intent_ids: Iterable[str]) -> None:
        # a batch's intents in one statement (a statement per intent cost twice as much: each is run, reset and
        # bound again)
        with self.transaction():
            for chunk in _chunks(intent_ids):
                self._run(f"DELETE FROM journal WHERE intent_id IN ({','.join('?' * len(chunk))})", chunk)

    def mark_sent(self, intent_ids: Iterable[str], at: datetime) -> None:
        stamp = _ts(at)
        with self.transaction():
            for chunk in _chunks(intent_ids):
                self._run(f"UPDATE journal SET sent_at=? WHERE intent_id IN ({','.join('?' * len(chunk))})",
                          [stamp, *chunk])

    def open_intents(self, profile: str, kind: Kind) -> list[Intent]:
        rows = self._run(
            "SELECT intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, fields, "
            "sent_at "
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
                sent_at=_dt(sent_at),
            )
            for intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, fields, sent_at
            in rows
        ]

    # -- creates not yet seen in a net-change feed --------------------------------------------------------
    def add_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        scope = (profile, kind.value, side.value)  # (once: ``.value`` is a property written in Python)
        self._many("INSERT OR IGNORE INTO unconfirmed VALUES (?,?,?,?)",
                   ((*scope, native_id) for native_id in ids))

    def unconfirmed(self, profile: str, kind: Kind, side: Side) -> set[str]:
        rows = self._run("SELECT native_id FROM unconfirmed WHERE profile=? AND kind=? AND side=?",
                         [profile, kind.value, side.value])
        return {row[0] for row in rows}

    def forget_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        scope = (profile, kind.value, side.value)  # (once: ``.value`` is a property written in Python)
        self._many("DELETE FROM unconfirmed WHERE profile=? AND kind=? AND side=? AND native_id=?",
                   ((*scope, native_id) for native_id in ids))
