"""The version reads of :class:`~syncore.state.sqlite.SqliteStateStore` (:class:`VersionRows`, mixed into it beside
:class:`~syncore.state._sqlite_pairs.PairRows`): the stored version of each id a change feed lists, without
loading a pair.

The echo sync after an initial load lists every record the engine just wrote (100,000 at the size issue 18
measures) and nearly all are unchanged. Work per listed record is what makes that sync grow faster than the
pairs: at 100k, every hash table the size of the feed misses the CPU caches on nearly every entry (building
one costs 18 times what it costs at 10k, for 10 times the entries). So :meth:`not_at_stored_version` reads
the scope in one pass, in the order of its pairs, and compares it *in step* with the feed: our own writes come
back in the order we made them, which is the order of their pairs (pair ids are time-ordered,
:mod:`syncore._ids`). Only where the two orders part does it fall back to a lookup table of what is left.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from ..models import Kind, Side
from ._sqlite_pairs import _IN_CHUNK, _chunks, pack, unpack

#: the scope is read whole instead of looking ids up once at least this many ids are asked for and at least
#: 1 in _SCAN_SHARE of the scope's pairs (a table pass costs about a quarter of a lookup per pair)
_SCAN_FROM = 2 * _IN_CHUNK
_SCAN_SHARE = 3
_ABSENT = object()


def _compare_in_step(entries: Iterator[tuple[Any, Any]], rows: Iterator[tuple[Any, Any]],
                     moved: list[Any]) -> tuple[tuple[Any, Any], tuple[Any, Any]] | None:
    """Compare ``entries`` (stored id, listed version) with ``rows`` (stored id, stored version) pairwise while
    their ids agree, adding to ``moved`` the ids whose listed version is missing or not the stored one.

    Returns the first (entry, row) whose ids differ, or None once either ran out (``rows`` is read first, so
    no entry is lost when it runs out).
    """
    for (stored_id, stored_version), (listed_id, version) in zip(rows, entries):
        if stored_id != listed_id:
            return (listed_id, version), (stored_id, stored_version)
        if version is None or version != stored_version:
            moved.append(listed_id)
    return None


def _take_matches(wanted: dict[Any, Any], rows: Iterable[tuple[Any, Any]]) -> list[Any]:
    """Remove from ``wanted`` (stored id -> listed version) every id that ``rows`` (stored id, stored version)
    name; return those whose listed version is missing or not the stored one."""
    pop = wanted.pop
    moved = []
    for stored_id, stored_version in rows:
        version = pop(stored_id, _ABSENT)
        if version is not _ABSENT and (version is None or version != stored_version):
            moved.append(stored_id)
    return moved


class VersionRows:
    """The version reads of the SQLite store (uses its ``_run``, ``_prefixes_of`` and ``count_pairs``)."""

    _run: Any
    _prefixes_of: Any
    count_pairs: Any

    def pair_versions(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> dict[str, str | None]:
        column = {Side.PIM: "pim", Side.CRM: "crm"}[side]  # never interpolate anything but these two names
        prefixes = self._prefixes_of(profile, kind.value)
        id_prefix, version_prefix = prefixes.get(f"{column}_id", ""), prefixes.get(f"{column}_version", "")
        versions: dict[str, str | None] = {}
        ids = list(ids)
        stored = self.count_pairs(profile, kind) if len(ids) >= _SCAN_FROM else None
        if stored == 0:
            return versions  # (an initial load: its 100k ids are not packed just to find nothing)
        if stored is not None and len(ids) * _SCAN_SHARE >= stored:
            # Most of the scope's pairs asked for (the echo of an initial load, a full scan): one pass over the
            # table is about 4x cheaper than the same ids looked up through the index (at 100k pairs, 75 ms
            # instead of 270 ms of CPU, and the lookups grow faster than linearly with the table).
            # (stored form -> the id asked for: no unpacking)
            wanted = {pack(native_id, id_prefix): native_id for native_id in ids}
            # the rows are read as they come, not fetched into a list first: at 100k pairs that list was 16 MB
            # at the echo sync's memory peak
            rows = self._run(f"SELECT {column}_id, {column}_version FROM pairs WHERE profile=? AND kind=?",
                             [profile, kind.value])
            return {wanted[i]: unpack(v, version_prefix) for i, v in rows if i in wanted}  # type: ignore[misc]
        for chunk in _chunks(pack(native_id, id_prefix) for native_id in ids):
            marks = ",".join("?" * len(chunk))
            rows = self._run(
                f"SELECT {column}_id, {column}_version FROM pairs INDEXED BY pairs_{column} WHERE profile=? AND "
                f"kind=? AND {column}_id IN ({marks})", [profile, kind.value, *chunk],
            ).fetchall()
            versions.update((unpack(i, id_prefix), unpack(v, version_prefix)) for i, v in rows)
        return versions

    def not_at_stored_version(
        self, profile: str, kind: Kind, side: Side, listed: Collection[tuple[str, str | None]]
    ) -> set[str]:
        column = {Side.PIM: "pim", Side.CRM: "crm"}[side]  # never interpolate anything but these two names
        prefixes = self._prefixes_of(profile, kind.value)
        id_prefix, version_prefix = prefixes.get(f"{column}_id", ""), prefixes.get(f"{column}_version", "")
        # Compared in stored form (packing maps one value to one stored form): the stored rows are never
        # unpacked and, without prefixes, the listed values are used as they are.
        entries: Iterator[tuple[Any, Any]] = iter(listed) if not (id_prefix or version_prefix) else (
            (pack(native_id, id_prefix), pack(version, version_prefix)) for native_id, version in listed)
        moved: list[Any] = []
        complete = False
        if len(listed) >= _SCAN_FROM:
            # Most of the scope listed, as an echo or a full scan: one pass over the scope, without counting it
            # first (at 100k pairs the count was 4% of an echo). The pass stops after _SCAN_SHARE rows per id
            # listed: the scope is larger, and the ids not met yet are looked up (what a count would have
            # chosen, for at most 3/4 of a lookup per id more).
            cursor = self._run(f"SELECT {column}_id, {column}_version FROM pairs WHERE profile=? AND kind=?",
                               [profile, kind.value])
            rows = itertools.islice(cursor, len(listed) * _SCAN_SHARE)
            parted = _compare_in_step(entries, rows, moved)
            if parted is None:
                wanted = dict(entries)  # (listed after the scope's last row)
            else:
                entry, row = parted
                wanted = dict(itertools.chain([entry], entries))
                moved += _take_matches(wanted, itertools.chain([row], rows))
            complete = cursor.fetchone() is None
            cursor.close()
        else:
            wanted = dict(entries)
        if not complete:
            for chunk in _chunks(list(wanted)):
                marks = ",".join("?" * len(chunk))
                moved += _take_matches(wanted, self._run(
                    f"SELECT {column}_id, {column}_version FROM pairs INDEXED BY pairs_{column} WHERE profile=? "
                    f"AND kind=? AND {column}_id IN ({marks})", [profile, kind.value, *chunk]))
        # What is left in ``wanted`` is not paired (or, read whole, was listed twice and met in step the first
        # time: named, and the planner compares it with its pair).
        return {unpack(i, id_prefix) for i in itertools.chain(moved, wanted)}  # type: ignore[misc]
