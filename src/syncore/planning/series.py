"""Series in the planner: the occurrences a side that cannot hold rules gets (:class:`SeriesExpander`); where each
series goes is :mod:`.series_policy`.

A series travels as one record to a side that holds rules (``Capabilities.recurrence`` ``RULES``) and can hold it
(:meth:`~syncore.abc.Adapter.unfit_reason`). Otherwise it is *expanded*: the observe step replaces the series by
its occurrences inside the sync window, each a record of its own named by its occurrence id (series id and
original start, :mod:`syncore.occurrences`), and from there on they are paired, merged, created and deleted like
any record. A write to such an occurrence reaches the series as an override (update) or a cancellation (delete).
The series itself keeps one pair with a marker on the other side (:func:`~syncore.occurrences.series_marker`): it
remembers that the series is expanded (it stays so), and its version, so an unchanged series is not expanded again.

Outside the window nothing is materialised, and occurrences paired earlier are left as they are (history), unless
the series is deleted or stops being a series: then all its occurrences go. Each day the window moves forward, the
series whose next occurrences enter it are read again.

Whether a series the other side holds as a rule is switched to its occurrences is decided in
:mod:`.series_switch` (a mixin of :class:`SeriesExpander`); a switch given up while the other side is read-only
waits, :mod:`.series_give_up_wait`. What this step reports per series
(:class:`~.observation.SeriesRead`) is part of the observation, in :mod:`.observation`; it and
:func:`~.series_switch.set_aside_rule_copies` are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from ..abc import StateStore
from ..merge import MergeInput, MergeResult
from ..models import SIDES, Kind, Record, Side
from ..occurrences import (
    SEPARATOR,
    SERIES_PREFIX,
    marked_series,
    occurrence_id,
    occurrence_version,
    series_of,
    split_occurrence_id,
)
from ..remote import RecurrenceSupport, RemoteRecord
from ..series import Series, Window
from ..state_types import Pair
from .observation import Ids, SeriesRead
from .series_cut import past_occurrences
from .series_fold import CopyFolding
from .series_give_up_wait import GiveUpWaiting
from .series_landing import LandingWait
from .series_policy import Route, SeriesPolicy, is_series
from .series_switch import SeriesSwitching, set_aside_rule_copies

__all__ = ["Route", "SeriesExpander", "SeriesPolicy", "SeriesRead", "is_series", "past_occurrences",
           "series_taken", "set_aside_rule_copies"]


class SeriesExpander(SeriesSwitching, CopyFolding, GiveUpWaiting, LandingWait):
    """The observe step's part for series (see the module docstring). Changes the observer's working dicts."""

    def __init__(self, *, kind: Kind, profile: str, state: StateStore, policy: SeriesPolicy,
                 fetch: Callable[[Side, set[str]], dict[str, RemoteRecord]], last_run: datetime | None,
                 past_days: int, future_days: int,
                 edited: Callable[[Side, Record, Pair], frozenset[str]] | None = None,
                 merge: Callable[[MergeInput], MergeResult] | None = None,
                 recovering: frozenset[str] = frozenset(),
                 creating: frozenset[tuple[Side, str]] = frozenset(),
                 adopt: Callable[[dict[str, Pair]], None] | None = None,
                 waiting_to_land: Mapping[tuple[Side, str], str] | None = None,
                 copy_landed: frozenset[tuple[Side, str]] = frozenset(),
                 occurrence_landed: frozenset[tuple[Side, str]] = frozenset()) -> None:
        self.kind = kind
        self.profile = profile
        self.state = state
        self.policy = policy
        self.fetch = fetch
        self.last_run = last_run
        self.past_days = past_days
        self.future_days = future_days
        #: the planner's "edited since the pair was stored" (Rules.edited_fields); without it, any difference
        self.edited = edited or (lambda side, record, pair: record.changed_fields(pair.base))
        #: the planner's field-level merge (Rules.merge); without it, a rule copy edited too holds the switch back
        self.merge = merge
        #: pairs an interrupted create of ours may have written a record of (open create intents)
        self.recovering = recovering
        #: the sources of open creates (side, id): a lost reply may have written their copy (see GiveUpWaiting)
        self.creating = creating
        #: the observe step's recovery of interrupted updates of ours (.recovery.adopt_landed_updates), for the rule
        #: pairs: changes the dict of pairs it is given in place
        self.adopt = adopt
        #: what this step reports, and the carry-over of edited copies of given-up switches (see CopyFolding)
        self.notes: list[str] = []
        self.folded: dict[str, str] = {}
        self.unfolded: dict[str, tuple[Side, Record]] = {}
        #: the series whose switch this sync gives up, (side, series id): their occurrences are no records of this
        #: sync's, also for the copies an interrupted create of the switch left (recovery: see gone_occurrence)
        self.given_up: set[tuple[Side, str]] = set()
        #: the series past the other side's limits whose merge with their edited rule copy is within them
        #: (``switching``): held as a rule after this sync's update, as a series edited back within them is
        self.merged_fits: set[tuple[Side, str]] = set()
        #: the series whose switch waits for review this sync, or whose give-up waits for the other side to be
        #: writable (GiveUpWaiting), (side, series id): their occurrences are no records of this sync's, also for the
        #: copies an interrupted create of an earlier switch left (see held_occurrence)
        self.held: set[tuple[Side, str]] = set()
        #: the series a create of which (or of an occurrence's) may still land, (side, series id), with their report:
        #: they wait whole this sync (LandingWait); landing_held: those it held (their own creates stay open too)
        self.waiting_to_land = waiting_to_land or {}
        self.landing_held: set[tuple[Side, str]] = set()
        #: unpaired series (side, id) whose own create of ours landed: left to the recovery (series_landing)
        self.copy_landed = copy_landed
        #: series (side, id) a create of one of whose occurrences landed, no outcome stored: cut short (_cut_short)
        self.occurrence_landed = occurrence_landed
        #: per side, the series ids that have occurrence pairs there (see _cut_short): asked once, when first needed
        self._with_occurrences: dict[Side, set[str]] = {}

    def run(self, current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
            echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
            due: frozenset[tuple[Side, str]] = frozenset()) -> list[SeriesRead]:
        """Replace expanded series by their occurrences in ``current``/``deleted``/``pairs`` (``due``: the
        retries due this sync)."""
        if self.kind is not Kind.EVENT:
            return []
        reads: list[SeriesRead] = []
        for side in SIDES:
            if self.policy.holds[side] is not RecurrenceSupport.RULES:
                continue
            other = side.other
            series_pairs = {p.id_on(side): p for p in pairs.values() if marked_series(p.id_on(other)) is not None}
            for pair in series_pairs.values():
                del pairs[pair.pair_id]  # the series step decides what happens to a series pair
            # series the other side holds as a rule: they stay so unless an edit takes one past the other side's
            # limits and the switch to its occurrences is safe (see switching); otherwise that edit waits, reported
            # (decide_series.update_obstacle)
            rule_pairs = {p.id_on(side): p for p in pairs.values() if is_series(p.base)}
            left = self._left_by_a_switch(side, due, series_pairs, rule_pairs, pairs, current, deleted)
            self._read_landing(side, current, deleted, due, series_pairs)
            self._read_rule_holders(side, rule_pairs, current, deleted, echoes, due, left)
            self._read_rule_copies(side, rule_pairs, current, deleted, echoes)
            self._adopt_landed_updates(rule_pairs, pairs)
            # a series a create of which may still land waits whole (its switch too), reported (series_landing)
            reads += self._wait_to_land(side, current, deleted, pairs, series_pairs, rule_pairs, due)
            paired = {p.id_on(side) for p in pairs.values()}
            for item in list(current[side].values()):
                known = series_pairs.get(item.id)
                rule_pair = rule_pairs.get(item.id)
                # occurrence pairs of a series with neither pair: a first expansion cut short (see _cut_short)
                cut_short = known is None and item.id not in paired and SEPARATOR not in item.id and (
                    not is_series(item.record) or self.policy.route(item.record, side)[0] is Route.AS_IS) \
                    and self._cut_short(side, item.id)
                if is_series(item.record) and known is None and rule_pair is not None:
                    switched, merged = self.switching(side, item, rule_pair, current, deleted)
                    if switched:
                        reads.append(self._switch(side, item, rule_pair, current, deleted, pairs, merged, echoes,
                                                  due))
                    elif merged is not None:
                        reads.append(self._hold_for_review(side, item, rule_pair, current, deleted, pairs, merged,
                                                           due))
                elif known is None and (side, item.id) in self.copy_landed:
                    # a create of ours copied it before (a lost reply, a crash): the recovery pairs it with that
                    # copy this sync, and the next decides on that pair (expanded now, its occurrences would be
                    # copied next to the rule copy)
                    continue
                elif is_series(item.record) and (known is not None or cut_short
                                                 or self.policy.route(item.record, side)[0] is Route.EXPAND):
                    reads.append(self._expand(side, item, known, current, deleted, pairs))
                elif known is not None or cut_short:
                    # no longer a series: its occurrences go, and it syncs as a single event from now on
                    reads.append(self._dissolve(side, item.id, known, deleted, pairs))
            for native_id in sorted(deleted[side] & set(series_pairs)):
                reads.append(self._dissolve(side, native_id, series_pairs[native_id], deleted, pairs))
            for native_id in sorted(deleted[side] - set(series_pairs) - paired):
                if SEPARATOR not in native_id and self._cut_short(side, native_id):
                    reads.append(self._dissolve(side, native_id, None, deleted, pairs))
            for native_id, rule_pair in rule_pairs.items():
                if not self._switch_abandoned(side, native_id, rule_pair, current, deleted, left):
                    continue
                if self._give_up_waits(side, native_id, current):
                    # the other side is read-only: the copies could not be deleted; all of it waits, reported
                    reads.append(self._wait_to_give_up(side, native_id, rule_pair, current, deleted, pairs, due))
                else:
                    self.given_up.add((side, native_id))
                    self._give_up_occurrences(side, native_id, rule_pair, current, deleted, pairs, due, echoes)
            done = {read.series_id for read in reads if read.side is side}
            reads += self._advance(side, done, current, deleted, pairs, echoes)
        return reads

    def _adopt_landed_updates(self, rule_pairs: dict[str, Pair], pairs: dict[str, Pair]) -> None:
        """Take into the rule pairs what an interrupted update of ours wrote to the series or its rule copy (once
        both are read), before a switch is decided on them: decided on the pair as stored, our carry-over of the
        copy's edit that landed on the series reads as the series' own edit, and a user who put the copy's old
        value back since would see it switched with our value, their edit lost (docs/recurrence.md)."""
        if self.adopt is None or not rule_pairs:
            return
        by_id = {pair.pair_id: pair for pair in rule_pairs.values()}
        self.adopt(by_id)
        for native_id, pair in list(rule_pairs.items()):
            adopted = by_id[pair.pair_id]
            if adopted is not pair:
                rule_pairs[native_id] = adopted
                if pair.pair_id in pairs:
                    pairs[pair.pair_id] = adopted

    def _cut_short(self, side: Side, series_id: str) -> bool:
        """True when ``series_id``, which has neither a series pair nor a pair of its own, has occurrence pairs: a
        first expansion of it stopped (a crash, a lost lock) after some of its occurrences' outcomes were stored,
        before its series pair, stored only once they are all written. It is an expanded series all the same: read,
        it is expanded again, though it now fits the other side as a rule (an expanded series stays so), and those
        pairs are adopted; deleted or no longer a series, its occurrences go. (Asked only for a series that would go
        as it is, a single event unknown to the state, or an unpaired deletion: an initial sync asks it of every
        record, so the state is asked once per sync and side for every series id with occurrence pairs there,
        not once per record; the pairs themselves are loaded, by ``_known``, only for the ids in that set.)"""
        if (side, series_id) in self.occurrence_landed:
            return True  # (cut short before any outcome was stored: an occurrence's copy landed all the same)
        found = self._with_occurrences.get(side)
        if found is None:
            found = self._with_occurrences[side] = self.state.series_with_occurrence_pairs(self.profile, self.kind,
                                                                                          side)
        return series_id in found

    def _known(self, side: Side, series_id: str) -> dict[str, Pair]:
        found = self.state.pairs_by_prefix(self.profile, self.kind, side, series_id + SEPARATOR)
        return {pair.id_on(side): pair for pair in found if series_of(pair.id_on(side)) == series_id}

    def _expand(self, side: Side, item: RemoteRecord, known_pair: Pair | None,
                current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair]) -> SeriesRead:
        series_id = item.id
        series = Series(item.record)  # type: ignore[arg-type]
        window = self.policy.window
        virtual = {}
        for occurrence in series.expand(window):
            native_id = occurrence_id(series_id, occurrence.original_start)
            virtual[native_id] = RemoteRecord(id=native_id, version=occurrence_version(occurrence.event),
                                              record=occurrence.event, modified_at=item.modified_at)
        single = next((p for p in pairs.values() if p.id_on(side) == series_id), None)
        if single is not None:
            # a single event that became this series: its partner is the first occurrence from now on
            first = series.first()
            first_id = occurrence_id(series_id, first)  # type: ignore[arg-type]
            pairs[single.pair_id] = attrs.evolve(single, **{f"{side.value}_id": first_id})
            if first_id not in virtual and not series.is_cancelled(first):  # type: ignore[arg-type]
                virtual[first_id] = RemoteRecord(id=first_id, version=None, record=series.occurrence(first),  # type: ignore[arg-type]
                                                 modified_at=item.modified_at)
            elif first_id not in virtual:
                deleted[side].add(first_id)
        for native_id, pair in self._known(side, series_id).items():
            key = split_occurrence_id(native_id)[1]  # type: ignore[index]
            if not window.contains(key):
                continue  # outside the window: left as it is
            pairs.setdefault(pair.pair_id, pair)
            if native_id not in virtual:
                deleted[side].add(native_id)  # cancelled, or the rule no longer has it
        current[side].pop(series_id, None)
        current[side].update(virtual)
        return SeriesRead(side=side, series_id=series_id, item=item, pair=known_pair)

    def _left_by_a_switch(self, side: Side, due: frozenset[tuple[Side, str]], series_pairs: Mapping[str, Pair],
                          rule_pairs: dict[str, Pair], pairs: dict[str, Pair],
                          current: Mapping[Side, Mapping[str, RemoteRecord]], deleted: Ids) -> frozenset[str]:
        """The series held as a rule by the other side that a due retry names an occurrence of: a switch of it was
        given up (its series back within the limits) and a deletion of the copies it had made failed. Also those
        an occurrence copy read this sync is paired with: a sync that gave the switch up and wrote the series'
        update stopped (a crash) before that copy's deletion, made last. Their rule pairs are looked at this sync
        (one state lookup, only when there are such), so that the series is read and those copies are given up
        again (``_switch_abandoned``), never paired next to the rule copy."""
        other = side.other
        named = {series for due_side, native_id in due if due_side is side and (series := series_of(native_id))}
        # (the separator first: this runs for every pair looked at, and few ids name an occurrence)
        named |= {split[0] for pair in pairs.values() if SEPARATOR in (native_id := pair.id_on(side))
                  and (pair.id_on(other) in current[other] or pair.id_on(other) in deleted[other])
                  and (split := split_occurrence_id(native_id)) is not None}
        named -= set(series_pairs)
        if not named:
            return frozenset()
        missing = named - set(rule_pairs)
        if missing:
            for pair in self.state.pairs_for(self.profile, self.kind, **{f"{side.value}_ids": sorted(missing)}):
                if is_series(pair.base) and marked_series(pair.id_on(other)) is None:
                    pairs.setdefault(pair.pair_id, pair)
                    rule_pairs[pair.id_on(side)] = pair
        return frozenset(named & set(rule_pairs))

    def _switch_abandoned(self, side: Side, series_id: str, rule_pair: Pair,
                          current: Mapping[Side, Mapping[str, RemoteRecord]], deleted: Ids,
                          left: frozenset[str]) -> bool:
        """True when the series of ``rule_pair``, read this sync, stays held as a rule by the other side (or is
        gone, or no longer a series) although its pair says it changed: a switch of it to its occurrences that
        stopped part-way (an occurrence refused, a crash, a lost lock) is given up. (A switch that only waits, the
        series still past the other side's limits, is taken up again by ``switching``; a series switched this sync
        is no longer in ``current``.) Also when the series is unchanged since its pair was stored but a retry of
        one of its occurrences is due (``left``): the copies of a switch given up earlier whose deletion failed."""
        item = current[side].get(series_id)
        if item is None:
            return series_id in deleted[side]
        fits = (not is_series(item.record) or self.policy.route(item.record, side)[0] is not Route.EXPAND
                or (side, series_id) in self.merged_fits)
        if item.version is not None and item.version == rule_pair.version_on(side):
            # unchanged since its pair was stored: a switch of it never started, was finished, or was given up (a
            # series still past the limits is a switch that waits: its copies stay)
            return series_id in left and fits
        return fits

    def _give_up_occurrences(self, side: Side, series_id: str, rule_pair: Pair,
                             current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                             due: frozenset[tuple[Side, str]],
                             echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> None:
        """The occurrences an interrupted switch of ``series_id`` left are no records of this sync's any more: the
        series is held as a rule (or gone), so those it copied are deleted (their pairs decided as those of a
        cancelled occurrence) and the retries of those it failed to copy are settled, never copied as single
        events next to the rule copy. Whatever the rule gives or no longer gives: its rule copy holds those it
        gives. A copy edited there since is carried over to the series as an override where it can be, and
        deleted after (``_fold_edited_copies``); otherwise it wins over the deletion, as any edited record."""
        known = self._known(side, series_id)
        for native_id, pair in known.items():
            pairs.setdefault(pair.pair_id, pair)
            deleted[side].add(native_id)
        if known:
            self._fold_edited_copies(side, series_id, rule_pair, known, current, deleted, pairs, echoes)
        for due_side, native_id in due:
            if due_side is side and series_of(native_id) == series_id:
                deleted[side].add(native_id)

    def gone_occurrence(self, side: Side, native_id: str) -> bool:
        """True when ``native_id`` names an occurrence on ``side`` of a series whose switch this sync gives up: a
        copy of it that an interrupted create of the switch left on the other side (a lost reply, a crash) is a copy
        of a record gone, as one ``_give_up_occurrences`` deletes; paired with the occurrence instead, it would
        stay next to the rule copy, and no later sync lists it again (its series unchanged, no retry due)."""
        return bool(self.given_up) and (side, series_of(native_id)) in self.given_up

    def held_occurrence(self, side: Side, native_id: str) -> bool:
        """True when ``native_id`` names an occurrence on ``side`` of a series whose switch waits for review this
        sync, or whose give-up waits (GiveUpWaiting): a copy of it that an interrupted create of an earlier switch
        left is recovered once the review is resolved or the switch given up (its intent stays open), never paired
        and updated with values nobody picked. So is one of a series that waits for a create to land (LandingWait),
        and that series itself: recovered with the series, once it no longer waits."""
        return bool(self.held) and ((side, series_of(native_id)) in self.held
                                    or (side, native_id) in self.landing_held)

    def _dissolve(self, side: Side, series_id: str, known_pair: Pair | None, deleted: Ids, pairs: dict[str, Pair]) -> SeriesRead:
        for native_id, pair in self._known(side, series_id).items():
            pairs.setdefault(pair.pair_id, pair)
            deleted[side].add(native_id)
        return SeriesRead(side=side, series_id=series_id, item=None, pair=known_pair)

    def _advance(self, side: Side, done: set[str], current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                 pairs: dict[str, Pair], echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> list[SeriesRead]:
        """Read again the series whose next occurrences entered the window since the last sync."""
        window = self.policy.window
        if self.last_run is None:
            return []
        before = Window.around(self.last_run.date(), self.past_days, self.future_days)
        entered = Window(max(before.end, window.first), window.end)
        if entered.first >= entered.end:
            return []
        wanted: dict[str, Pair] = {}
        for pair in self.state.pairs_by_prefix(self.profile, self.kind, side.other, SERIES_PREFIX):
            series_id = pair.id_on(side)
            if series_id in done or series_id in current[side] or series_id in deleted[side] \
                    or not is_series(pair.base):
                continue
            series = Series(pair.base)  # type: ignore[arg-type]
            low, high = entered.bounds(series.all_day)
            if next(series.starts(low, high), None) is not None:
                wanted[series_id] = pair
        if not wanted:
            return []
        read = {i: item for i in wanted if (item := echoes[side].get(i)) is not None}
        read.update(self.fetch(side, set(wanted) - set(read)))
        reads = []
        for series_id, pair in sorted(wanted.items()):
            item = read.get(series_id)
            if item is not None and is_series(item.record):
                reads.append(self._expand(side, item, pair, current, deleted, pairs))
                continue
            if item is not None:
                current[side][series_id] = item  # no longer a series: it syncs as a single event from now on
            reads.append(self._dissolve(side, series_id, pair, deleted, pairs))
        return reads


def series_taken(reads: list[SeriesRead]) -> Ids:
    """The ids the series step took out of what the rest of the sync looks at, per side: the series it expanded
    (their occurrences stand for them), the rule copies of those it switched or holds for review, and what an
    interrupted switch left of a series held for review."""
    taken: Ids = {side: set() for side in SIDES}
    for read in reads:
        taken[read.side].add(read.series_id)
        for side, native_id in read.held:
            taken[side].add(native_id)
        if read.rule_pair is not None:
            taken[read.side.other].add(read.rule_pair.id_on(read.side.other))
    return taken
