"""The pairs table of :class:`~syncore.state.sqlite.SqliteStateStore`, kept small (state bytes per pair are
measured: issue 18 asks for at most 450 bytes a pair with real-format ids at 100,000 pairs).

Every value is stored in a form that maps back to exactly one value, so lookups compute the stored form of
what they look for and the unique indexes keep meaning "one pair per native id":

* **ids and versions without the prefix their backend repeats.** Real ids share long prefixes: an EWS ItemId
  (152 characters) spells the mailbox GUID and the folder's long-term id before the few characters that tell
  one item from the next, a change key its store's GUID, Salesforce Ids their key prefix and pod. For each
  (profile, kind, column) a prefix is learned once from the first batch of enough distinct values
  (:func:`learn_prefix`, kept in ``id_prefixes``); a value that starts with it is stored as a BLOB of the rest,
  any other value as TEXT, unchanged. A BLOB never equals a TEXT, so the two forms cannot meet. Rows stored
  before the prefix was learned are rewritten in the same transaction.
* **pair ids as bytes**: the engine's pair ids are lowercase hex (:func:`syncore._ids.new_id`); one that is
  exactly the hex of its bytes is stored as those bytes (half the size, in the table and both indexes).
* **the base with short field keys** (:func:`syncore.snapshots.encode_base`).

Lookups by native id name the index (``INDEXED BY``): without table statistics SQLite otherwise walks the
whole (profile, kind) range of the primary key for every ``IN`` list, which made the echo sync at 100,000
pairs quadratic.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..converters import make_converter
from ..models import Body, Kind, Record, Side
from ..occurrences import SEPARATOR, series_of_occurrence_ids
from ..snapshots import decode_record, encode_base
from ..state_types import Pair

_converter = make_converter()
_KINDS = {kind.value: kind for kind in Kind}
_COMPACT = json.JSONEncoder(separators=(",", ":"))
# SQLite's default limit on host parameters is 999 in old builds; stay under it for IN (...) lists.
_IN_CHUNK = 900
#: prefix-compressed columns (never interpolate anything else into SQL)
COLUMNS = ("pim_id", "crm_id", "pim_version", "crm_version")
#: distinct values a batch needs before a prefix is learned from it, and the shortest prefix worth keeping
MIN_SAMPLE = 32
MIN_PREFIX = 8


def learn_prefix(values: Iterable[str]) -> str:
    """The prefix to strip from a column's values: the values' longest common prefix, minus a margin.

    The characters that tell the first batch's values apart sit right after their common prefix; later values
    (higher counters) differ a little further left, so an eighth of the prefix (at least 4 characters) is left
    to the rest. Shorter than :data:`MIN_PREFIX`: not worth it, nothing is stripped ("").
    """
    values = sorted(set(values))
    first, last = values[0], values[-1]
    common = os.path.commonprefix([first, last])
    prefix = common[: len(common) - max(4, len(common) // 8)]
    return prefix if len(prefix) >= MIN_PREFIX else ""


def pack(value: str | None, prefix: str) -> str | bytes | None:
    """The stored form of ``value`` (see the module docstring)."""
    if value is None or not prefix or len(value) <= len(prefix) or not value.startswith(prefix):
        return value
    return value[len(prefix):].encode()


def unpack(stored: str | bytes | None, prefix: str) -> str | None:
    return prefix + stored.decode() if isinstance(stored, bytes) else stored


def pack_pair_id(pair_id: str) -> str | bytes:
    try:
        raw = bytes.fromhex(pair_id)
    except ValueError:
        return pair_id
    return raw if raw and raw.hex() == pair_id else pair_id


def unpack_pair_id(stored: str | bytes) -> str:
    return stored.hex() if isinstance(stored, bytes) else stored


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    """``values`` in lists of at most _IN_CHUNK, taken as they come (an initial load asks for 100k ids: their
    packed forms are made a chunk at a time, not all at once)."""
    values = iter(values)
    while chunk := list(itertools.islice(values, _IN_CHUNK)):
        yield chunk


class PairRows:
    """The pair methods of the SQLite store (mixed into it; uses its ``_run``, ``_many`` and ``transaction``)."""

    _PAIR_COLUMNS = "profile, kind, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts"
    # INSERT OR REPLACE also removes any other pair holding one of these native ids (unique indexes): a native
    # id can move to a new pair when it is re-created after a delete.
    _SAVE_PAIR = f"INSERT OR REPLACE INTO pairs ({_PAIR_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
    # A pair read this session and stored again with the same ids (an update, a kept pair): only the columns that
    # change are rewritten, and none of the two id indexes is touched (INSERT OR REPLACE deletes and re-inserts
    # the row in all three b-trees). The ids in the WHERE clause make it a no-op for a row changed since it was
    # read, and such rows are then stored by _SAVE_PAIR, so the result is always _SAVE_PAIR's.
    _UPDATE_PAIR = ("UPDATE pairs SET pim_version=?, crm_version=?, base=?, pim_body=?, conflicts=? "
                    "WHERE profile=? AND kind=? AND pair_id=? AND pim_id=? AND crm_id=?")
    # The same for a pair with neither a kept body nor conflicts (nearly every pair): the NULLs written in the
    # statement, not bound (sqlite3 binds None through its adapter lookup, which makes and drops an AttributeError
    # per value).
    _UPDATE_PLAIN_PAIR = ("UPDATE pairs SET pim_version=?, crm_version=?, base=?, pim_body=NULL, conflicts=NULL "
                          "WHERE profile=? AND kind=? AND pair_id=? AND pim_id=? AND crm_id=?")
    #: at most this many read pairs' stored ids are remembered (a store outlives many syncs in a server)
    _READ_IDS_LIMIT = 50_000

    _run: Any
    _many: Any
    transaction: Any

    def _init_pairs(self) -> None:
        #: learned prefixes: (profile, kind) -> {column: prefix ("" when none is worth it)}
        self._prefixes: dict[tuple[str, str], dict[str, str]] = {}
        #: the records the last journaled batch wrote (by identity, the record kept so that its id stays its own)
        #: and their encodings (see _encoded_base)
        self._journaled_bases: dict[int, tuple[Record, bytes]] = {}
        #: the stored (pim_id, crm_id) of pairs read by pairs_for, by (profile, kind, stored pair id), so that
        #: saving one of them again can be an UPDATE (see _UPDATE_PAIR); forgotten once saved
        self._read_ids: dict[tuple[str, str, str | bytes], tuple[Any, Any]] = {}

    def _prefixes_of(self, profile: str, kind: str) -> dict[str, str]:
        found = self._prefixes.get((profile, kind))
        if found is None:
            rows = self._run("SELECT col, prefix FROM id_prefixes WHERE profile=? AND kind=?", [profile, kind])
            found = self._prefixes[(profile, kind)] = dict(rows.fetchall())
        return found

    def _learn(self, profile: str, kind: str, pairs: Sequence[Pair]) -> dict[str, str]:
        """The prefixes of (profile, kind), learning those still unknown from ``pairs`` when they are enough.

        Runs inside the saving transaction; a newly learned prefix also rewrites the rows stored before it.
        """
        known = self._prefixes_of(profile, kind)
        for column in COLUMNS:
            if column in known:
                continue
            values = {value for pair in pairs if (value := getattr(pair, column)) is not None}
            if len(values) < MIN_SAMPLE:
                continue
            prefix = learn_prefix(values)
            self._run("INSERT INTO id_prefixes VALUES (?,?,?,?)", [profile, kind, column, prefix])
            if prefix:
                n = len(prefix)
                self._run(f"UPDATE pairs SET {column} = CAST(substr({column}, {n + 1}) AS BLOB) WHERE profile=? AND "
                          f"kind=? AND typeof({column}) = 'text' AND length({column}) > {n} AND "
                          f"substr({column}, 1, {n}) = ?", [profile, kind, prefix])
            known[column] = prefix
        return known

    # -- reading -------------------------------------------------------------------------------------------
    def _pair(self, row: tuple[Any, ...]) -> Pair:
        profile, kind_value, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts = row
        kind = _KINDS[kind_value]
        prefixes = self._prefixes_of(profile, kind_value)
        body = None
        if pim_body is not None:
            body = _converter.structure(json.loads(pim_body), Body)
        get = prefixes.get
        return Pair(
            profile=profile,
            kind=kind,
            pair_id=pair_id.hex() if isinstance(pair_id, bytes) else pair_id,
            pim_id=pim_id if isinstance(pim_id, str) else get("pim_id", "") + pim_id.decode(),
            crm_id=crm_id if isinstance(crm_id, str) else get("crm_id", "") + crm_id.decode(),
            # (unpack() spelled out: this runs for every pair read)
            pim_version=(get("pim_version", "") + pim_version.decode() if isinstance(pim_version, bytes)
                         else pim_version),
            crm_version=(get("crm_version", "") + crm_version.decode() if isinstance(crm_version, bytes)
                         else crm_version),
            base=decode_record(kind, base),
            pim_body=body,
            conflicts=frozenset(conflicts.split(",")) if conflicts else frozenset(),
        )

    def pairs_for(
        self, profile: str, kind: Kind, *, pim_ids: Iterable[str] = (), crm_ids: Iterable[str] = ()
    ) -> list[Pair]:
        prefixes = self._prefixes_of(profile, kind.value)
        found: dict[str, Pair] = {}
        seen: set[str | bytes] = set()
        for column, ids in (("pim_id", pim_ids), ("crm_id", crm_ids)):
            prefix = prefixes.get(column, "")
            for chunk in _chunks(pack(native_id, prefix) for native_id in ids):
                marks = ",".join("?" * len(chunk))
                index = "pairs_pim" if column == "pim_id" else "pairs_crm"
                rows = self._run(
                    f"SELECT {self._PAIR_COLUMNS} FROM pairs INDEXED BY {index} WHERE profile=? AND kind=? AND "
                    f"{column} IN ({marks})", [profile, kind.value, *chunk],
                ).fetchall()
                if len(self._read_ids) + len(rows) > self._READ_IDS_LIMIT:
                    self._read_ids.clear()
                for row in rows:
                    if row[2] not in seen:  # (a pair found by both its ids is decoded once)
                        seen.add(row[2])
                        self._read_ids[(row[0], row[1], row[2])] = (row[3], row[4])
                        pair = self._pair(row)
                        found[pair.pair_id] = pair
        return list(found.values())

    def iter_pairs(self, profile: str, kind: Kind) -> Iterator[Pair]:
        rows = self._run(
            f"SELECT {self._PAIR_COLUMNS} FROM pairs WHERE profile=? AND kind=?", [profile, kind.value]
        ).fetchall()
        return (self._pair(row) for row in rows)

    def pairs_by_prefix(self, profile: str, kind: Kind, side: Side, prefix: str) -> list[Pair]:
        column = {Side.PIM: "pim_id", Side.CRM: "crm_id"}[side]  # never interpolate anything but these two
        index = "pairs_pim" if side is Side.PIM else "pairs_crm"
        learned = self._prefixes_of(profile, kind.value).get(column, "")
        # ids stored whole (text): a range on the index; every text that starts with the prefix sorts below the
        # prefix's successor
        ranges: list[tuple[Any, Any]] = [(prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))]
        select = f"SELECT {self._PAIR_COLUMNS} FROM pairs INDEXED BY {index} WHERE profile=? AND kind=? AND "
        rows = []
        if learned and prefix.startswith(learned) and len(prefix) > len(learned):
            # ids stored as the rest after the learned prefix (BLOB): the same range over the rest's bytes
            rest = prefix[len(learned):].encode()
            ranges.append((rest, rest[:-1] + bytes([rest[-1] + 1])))
        elif learned.startswith(prefix):
            # every id stored without the learned prefix
            rows += self._run(select + f"typeof({column}) = 'blob'", [profile, kind.value]).fetchall()
        # one statement per range: two ranges OR-ed in one WHERE make SQLite walk the whole (profile, kind) part of
        # the index (a text range holds no BLOB and the other way round: no row is found twice)
        for low, high in ranges:
            rows += self._run(select + f"{column} >= ? AND {column} < ?", [profile, kind.value, low, high]).fetchall()
        pairs = (self._pair(row) for row in rows)
        return [pair for pair in pairs if pair.id_on(side).startswith(prefix)]

    def series_with_occurrence_pairs(self, profile: str, kind: Kind, side: Side) -> set[str]:
        column = {Side.PIM: "pim_id", Side.CRM: "crm_id"}[side]  # never interpolate anything but these two
        index = "pairs_pim" if side is Side.PIM else "pairs_crm"
        learned = self._prefixes_of(profile, kind.value).get(column, "")
        # Only the id column, from its (profile, kind, id) index (covering: no row is read, no base decoded), and
        # only the ids with a separator, stored whole (TEXT) or as the rest after the learned prefix (BLOB: instr
        # reads it as text); when the learned prefix holds the separator itself, every id stored as a rest.
        # Series ids are arbitrary: there is no range of the index to narrow the scan to.
        condition = f"instr({column}, ?) > 0"
        if SEPARATOR in learned:
            condition += f" OR typeof({column}) = 'blob'"
        rows = self._run(f"SELECT {column} FROM pairs INDEXED BY {index} WHERE profile=? AND kind=? AND ({condition})",
                         [profile, kind.value, SEPARATOR])
        return series_of_occurrence_ids(unpack(stored, learned) for (stored,) in rows)  # type: ignore[misc]

    def paired_ids(self, profile: str, kind: Kind, side: Side) -> set[str]:
        column = {Side.PIM: "pim_id", Side.CRM: "crm_id"}[side]  # never interpolate anything but these two
        prefix = self._prefixes_of(profile, kind.value).get(column, "")
        rows = self._run(f"SELECT {column} FROM pairs WHERE profile=? AND kind=?", [profile, kind.value])
        return {unpack(stored, prefix) for (stored,) in rows.fetchall()}  # type: ignore[misc]

    def count_pairs(self, profile: str, kind: Kind) -> int:
        return self._run("SELECT COUNT(*) FROM pairs WHERE profile=? AND kind=?", [profile, kind.value]).fetchone()[0]

    # -- writing -------------------------------------------------------------------------------------------
    def _pair_row(self, pair: Pair, profile: str, kind: str, prefixes: dict[str, str]) -> tuple[Any, ...]:
        body = None
        if pair.pim_body is not None:
            body = _COMPACT.encode(_converter.unstructure(pair.pim_body)).encode()
        return (profile, kind, pack_pair_id(pair.pair_id),
                pack(pair.pim_id, prefixes.get("pim_id", "")), pack(pair.crm_id, prefixes.get("crm_id", "")),
                pack(pair.pim_version, prefixes.get("pim_version", "")),
                pack(pair.crm_version, prefixes.get("crm_version", "")),
                self._encoded_base(pair.base), body, ",".join(sorted(pair.conflicts)) if pair.conflicts else None)

    def _encoded_base(self, record: Record) -> bytes:
        """``encode_base(record)``, taken from the journal when it encoded this very record for an update's intent
        (the update's pair stores it as its base: one encoding instead of two per updated record)."""
        journaled = self._journaled_bases.pop(id(record), None)
        if journaled is not None and journaled[0] is record:
            return journaled[1]
        return encode_base(record)

    def save_pair(self, pair: Pair) -> None:
        self.save_pairs([pair])

    def save_pairs(self, pairs: Sequence[Pair]) -> None:
        if not pairs:
            return
        with self.transaction():
            by_scope: dict[tuple[str, str], list[Pair]] = {}
            for pair in pairs:
                by_scope.setdefault((pair.profile, pair.kind._value_), []).append(pair)  # (see journal())
            rows = []
            for (profile, kind), scoped in by_scope.items():
                prefixes = self._learn(profile, kind, scoped)
                rows.extend(self._pair_row(pair, profile, kind, prefixes) for pair in scoped)
            read_ids = self._read_ids
            again = [row for row in rows if read_ids.pop((row[0], row[1], row[2]), None) == (row[3], row[4])]
            plain = [(*row[5:8], *row[:5]) for row in again if row[8] is None and row[9] is None]
            other = [(*row[5:], *row[:5]) for row in again if row[8] is not None or row[9] is not None]
            if again and (self._many(self._UPDATE_PLAIN_PAIR, plain) if plain else 0) + (
                    self._many(self._UPDATE_PAIR, other) if other else 0) == len(again):
                # (had a row changed since it was read, every row would be stored whole below)
                updated = {id(row) for row in again}
                rows = [row for row in rows if id(row) not in updated]
            if rows:
                self._many(self._SAVE_PAIR, rows)

    def delete_pair(self, profile: str, kind: Kind, pair_id: str) -> None:
        self._run("DELETE FROM pairs WHERE profile=? AND kind=? AND pair_id=?",
                  [profile, kind.value, pack_pair_id(pair_id)])
