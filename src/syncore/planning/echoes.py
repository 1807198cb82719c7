"""Echoes: a change feed's records whose version is the one stored with their pair, set aside before planning.

After a sync, the target's feed reports every record the engine wrote (after an initial load: all of them, 100k
at the size issue 18 measures). They are compared with the stored versions alone
(:meth:`~syncore.abc.StateStore.not_at_stored_version`), without loading a pair; at that size every per-record
hash table costs about twice its share (it no longer fits the CPU caches), so the feed is handed over as a view
and the common answer, "nothing changed", costs one pass.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Collection, Iterable, Iterator

import attrs

from ..abc import StateStore
from ..models import Kind, Side
from ..remote import ChangeSet, RemoteRecord

_ID = operator.attrgetter("id")
_VERSION = operator.attrgetter("version")
_FIRST = operator.itemgetter(0)


class _Listed(Collection[tuple[str, str | None]]):
    """A feed's entries as (native id, version), its upserts then its unread ones, made as they are read: an echo
    lists 100k records, and no tuple per record is kept."""

    __slots__ = ("_feed",)

    def __init__(self, feed: ChangeSet) -> None:
        self._feed = feed

    def __len__(self) -> int:
        return len(self._feed.upserts) + len(self._feed.unread)

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        upserts = self._feed.upserts
        return itertools.chain(zip(map(_ID, upserts), map(_VERSION, upserts)), self._feed.unread)

    def __contains__(self, entry: object) -> bool:
        return any(entry == listed for listed in self)


def set_aside_echoes(
    state: StateStore, profile: str, kind: Kind, side: Side, feed: ChangeSet,
    looked_at: frozenset[tuple[Side, str]] | set[tuple[Side, str]],
    fetch: Callable[[Side, Iterable[str]], dict[str, RemoteRecord]],
) -> tuple[ChangeSet, dict[str, RemoteRecord | None]]:
    """Split off the feed's records whose version equals the one stored with their pair, and read the rest
    of its ``unread`` entries.

    After a sync the target's feed reports every record the engine wrote (an initial load: all of them).
    Their versions match the stored ones, so nothing changed: checking that from the version column alone
    spares loading and decoding each pair, and, for ``unread`` entries, reading the record at all. A pair
    is still loaded when its other record changed, and then sees the set-aside record (None when it was
    never read: unchanged since the base). A full scan (a cursor expired) lists every record, and most are
    unchanged: they are set aside the same way, and count as listed when absences are confirmed. An unread
    entry gone by the time it is fetched is left out (the next feed reports its deletion; after a full scan,
    the absence is confirmed by id).
    """
    if not (feed.upserts or feed.unread):
        return feed, {}
    if feed.complete and not state.count_pairs(profile, kind):
        # a first sync lists everything and nothing is paired yet: no 100k-entry answer to build and drop
        # (big blocks freed while planning stay with malloc and raise the initial load's memory peak)
        return feed, {}
    changed = state.not_at_stored_version(profile, kind, side, _Listed(feed))
    changed.update(native_id for s, native_id in looked_at if s is side)
    if not changed:  # (the echo of an initial load: every listed record, with no test per record)
        echoes: dict[str, RemoteRecord | None] = dict.fromkeys(map(_FIRST, feed.unread))
        echoes.update(zip(map(_ID, feed.upserts), feed.upserts))
        return attrs.evolve(feed, upserts=(), unread=()), echoes
    echoes = {native_id: None for native_id, _ in feed.unread if native_id not in changed}
    echoes.update((item.id, item) for item in feed.upserts if item.id not in changed)
    unread = [native_id for native_id, _ in feed.unread if native_id in changed]
    fetched = fetch(side, unread) if unread else {}
    upserts = tuple(item for item in feed.upserts if item.id in changed)
    upserts += tuple(fetched[native_id] for native_id in unread if native_id in fetched)
    return attrs.evolve(feed, upserts=upserts, unread=()), echoes
