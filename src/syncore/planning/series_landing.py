"""A series whose create, or one of its occurrences', may still land waits whole (:class:`LandingWait`).

A create sent by a sync that stopped (killed mid-call, its reply timed out) may still be made by the server after
the next sync has looked for its copy (:mod:`.landing`). A single record then waits for its copy. A series cannot
wait by parts: held alone, one occurrence would leave a switch of its series to delete the rule copy before that
occurrence exists, and the rest of the series would be decided without it. So while a create of the series itself
(a copy on a side that holds rules) or of one of its occurrences (on a side that holds occurrences only, or past its
limits) may still land and its copy is not found, the *whole series* waits for that sync, as a series whose switch
waits for review does: the series, its series or rule pair and the rule copy, its occurrence pairs (both records),
the retries of its occurrences and the unpaired copies whose link names one of them are taken out of the sync,
nothing is written for it on either side, the open creates of its occurrences stay open (a copy of one found
meanwhile is left alone until the series is synced), and it is reported by its subject, a retry (``not copied again
yet: …``). A sync that finds every copy in flight pairs them as any recovered copy; once the time has passed, the
series is synced as before: the copies that landed are paired, the occurrences whose copies never landed created
(and a switch finished, its rule copy deleted last). docs/recurrence.md, "A create of a series that may still land".

:class:`LandingWait` is a mixin of :class:`~.series.SeriesExpander`, which sets the attributes declared below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..abc import Adapter
from ..models import SIDES, Kind, Side
from ..occurrences import series_of
from ..remote import RemoteRecord
from ..state_types import Intent, Pair
from .landing import landing, not_copied_yet
from .observation import Ids, SeriesRead
from .recovery import copies_of, open_creates, unpaired_records
from .series_policy import is_series
from .series_switch import SeriesStepParts


@attrs.frozen
class SeriesCreates:
    """What the open creates of series (or of their occurrences) mean for this sync's series step.

    :ivar waiting: (side, series id) of the series a create of which may still land, each with its report
    :ivar landed: (side, series id) of the series whose own create landed (its copy found: a lost reply, a crash
        after the write): the recovery pairs the series with that copy this sync (``recovery.find_copies``), so the
        series step leaves it alone; expanded now, past the other side's limits, its occurrences would be copied
        next to the rule copy, each twice there. The sync after decides on that pair as on any rule pair (a switch,
        the edit held, a review)
    """

    waiting: dict[tuple[Side, str], str] = attrs.field(factory=dict)
    landed: frozenset[tuple[Side, str]] = frozenset()
    #: (side, series id) of the series a create of one of whose occurrences landed (its copy found): a first
    #: expansion cut short before any of its outcomes was stored, so it is expanded again like one whose
    #: occurrence pairs were (``SeriesExpander._cut_short``), never copied as a rule next to that copy
    expanded: frozenset[tuple[Side, str]] = frozenset()


def series_creates(kind: Kind, intents: Iterable[Intent], adapters: Mapping[Side, Adapter],
                   current: dict[Side, dict[str, RemoteRecord]], pairs: Mapping[str, Pair], now: datetime | None,
                   fetch: Callable[[Side, set[str]], dict[str, RemoteRecord]]) -> SeriesCreates:
    """The series a create of whose, or of one of whose occurrences, may still land (sent less than its target's
    ``writes_land_within`` before ``now``, its copy not found, looked for as :func:`.recovery.find_copies` does,
    among the records read so far), each with its report; the unpaired series whose own create's copy is found, and
    those a create of one of whose occurrences left its copy (see :class:`SeriesCreates`). Asked before the series step, which holds the first (:class:`LandingWait`) and
    leaves the second to the recovery. The source of a create that may still land that this sync has not read,
    and that names no occurrence, is read to tell a series from a single record (a series read is kept in
    ``current``); a single record waits as ever (:func:`.landing.hold_sources`)."""
    if kind is not Kind.EVENT:
        return SeriesCreates()
    creates = open_creates(intents)
    soon = landing(creates, set(), adapters, now)
    unread = {side: {i.source_id for i in soon if i.side is side.other and series_of(i.source_id) is None
                     and i.source_id not in current[side]} for side in SIDES}
    for side in SIDES:
        for native_id, item in (fetch(side, unread[side]) if unread[side] else {}).items():  # type: ignore[arg-type]
            if is_series(item.record):
                current[side][native_id] = item

    def series(intent: Intent) -> str | None:
        item = current[intent.side.other].get(intent.source_id or "")
        return series_of(intent.source_id) or (intent.source_id if item is not None and is_series(item.record)
                                               else None)

    named = [(intent, series_id) for intent in creates if (series_id := series(intent)) is not None]
    if not named:
        return SeriesCreates()
    found = {intent.intent_id for intent, _ in copies_of(kind, [intent for intent, _ in named], adapters,
                                                         unpaired_records(current, pairs))}
    in_flight = {intent.intent_id for intent in soon}
    waiting: dict[tuple[Side, str], str] = {}
    for intent, series_id in sorted(named, key=lambda named: (named[0].sent_at or named[0].created_at,
                                                              named[0].intent_id)):
        if intent.intent_id in in_flight and intent.intent_id not in found:
            waiting.setdefault((intent.side.other, series_id), not_copied_yet(intent, adapters))
    paired = {(side, pair.id_on(side)) for pair in pairs.values() for side in SIDES}
    landed = frozenset((intent.side.other, series_id) for intent, series_id in named
                       if intent.source_id == series_id and intent.intent_id in found
                       and (intent.side.other, series_id) not in paired)
    expanded = frozenset((intent.side.other, series_id) for intent, series_id in named
                         if intent.source_id != series_id and intent.intent_id in found)
    return SeriesCreates(waiting=waiting, landed=landed, expanded=expanded)


class LandingWait(SeriesStepParts):
    """The series step's series that wait for a create to land (see the module docstring)."""

    # set by SeriesExpander.__init__ (see there)
    held: set[tuple[Side, str]]
    creating: frozenset[tuple[Side, str]]
    waiting_to_land: Mapping[tuple[Side, str], str]
    landing_held: set[tuple[Side, str]]

    if TYPE_CHECKING:
        def _held_with_the_series(self, side: Side, series_id: str, current: dict[Side, dict[str, RemoteRecord]],
                                  deleted: Ids, pairs: dict[str, Pair],
                                  due: frozenset[tuple[Side, str]]) -> frozenset[tuple[Side, str]]: ...

    def _read_landing(self, side: Side, current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                      due: frozenset[tuple[Side, str]], series_pairs: Mapping[str, Pair]) -> None:
        """Read (one fetch) the series on ``side`` that wait for a create to land, and those due for a retry that an
        open create of one of their occurrences names or that are expanded (the sync after a wait: such a series is
        expanded, switched or dissolved by this step; read after it, by the retries, it would be taken for a single
        record). One not found is deleted: its deletion, read by the sync it waited in, is not in the feed again."""
        wanted = {series_id for waiting_side, series_id in self.waiting_to_land if waiting_side is side}
        wanted |= {series_id for source_side, native_id in self.creating if source_side is side
                   and (series_id := series_of(native_id)) is not None and (side, series_id) in due}
        wanted |= {native_id for due_side, native_id in due if due_side is side and native_id in series_pairs}
        wanted -= current[side].keys() | deleted[side]
        if wanted:
            found = self.fetch(side, wanted)
            current[side].update(found)
            deleted[side].update(wanted - found.keys())

    def _wait_to_land(self, side: Side, current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                      pairs: dict[str, Pair], series_pairs: dict[str, Pair], rule_pairs: dict[str, Pair],
                      due: frozenset[tuple[Side, str]]) -> list[SeriesRead]:
        """Take each series on ``side`` that waits for a create to land out of this sync (see the module docstring),
        with its pairs and what its occurrences and an earlier switch left (:meth:`_held_with_the_series`)."""
        reads = []
        other = side.other
        for waiting_side, series_id in sorted(self.waiting_to_land):
            if waiting_side is not side:
                continue
            item = current[side].pop(series_id, None)
            deleted[side].discard(series_id)
            known = series_pairs.pop(series_id, None)
            rule_pair = rule_pairs.pop(series_id, None)
            held = {(side, series_id)}
            for pair in [p for p in pairs.values() if p.id_on(side) == series_id]:
                # its rule pair (a switch of it waits), or the pair of a single event that became this series
                del pairs[pair.pair_id]
                held.add((other, pair.id_on(other)))
            for held_side, native_id in held:
                current[held_side].pop(native_id, None)
                deleted[held_side].discard(native_id)
            self.held.add((side, series_id))
            self.landing_held.add((side, series_id))
            held |= self._held_with_the_series(side, series_id, current, deleted, pairs, due)
            reads.append(SeriesRead(side=side, series_id=series_id,
                                    item=item if item is not None and is_series(item.record) else None,
                                    pair=known, rule_pair=rule_pair, held=frozenset(held),
                                    waits_to_land=self.waiting_to_land[(side, series_id)]))
        return reads
