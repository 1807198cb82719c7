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
    split_occurrence_id,
)
from ..remote import RecurrenceSupport, RemoteRecord
from ..series import Series, Window
from ..state_types import Pair
from .series_policy import Route, SeriesPolicy, is_series

__all__ = ["Route", "SeriesExpander", "SeriesPolicy", "SeriesRead", "is_series", "past_occurrences",
           "series_taken", "set_aside_rule_copies"]

Ids = dict[Side, set[str]]


@attrs.frozen(kw_only=True)
class SeriesRead:
    """An expanded series this sync looked at: read (``item``), or gone or no longer a series (``item`` None).

    :ivar pair: its series pair, None for a series expanded for the first time
    :ivar rule_pair: for a series *switched* this sync (see :meth:`SeriesExpander.switching`): its pair with the
        rule copy the other side holds, which becomes its series pair once that copy is deleted
    :ivar rule_copy_gone: the rule copy is gone already (a deletion of ours landed, or the user deleted it)
    :ivar merged: for a series switched while its rule copy was edited too: the merge of the two edits (``item``
        holds the merged series, which is expanded and written back to the series' side)
    :ivar rule_copy: the rule copy as this sync read it (None: unchanged since its pair was stored)
    :ivar merge_input: what ``merged`` was merged from (the series and its rule copy as read)
    :ivar awaits_review: not switched this sync: the two edits conflict and the conflict policy picked no winner;
        ``merged`` lists the conflicts, which wait for review (``item`` is the series as read, not expanded)
    """

    side: Side
    series_id: str
    item: RemoteRecord | None
    pair: Pair | None
    rule_pair: Pair | None = None
    rule_copy_gone: bool = False
    merged: MergeResult | None = None
    rule_copy: RemoteRecord | None = None
    merge_input: MergeInput | None = None
    awaits_review: bool = False


class SeriesExpander:
    """The observe step's part for series (see the module docstring). Changes the observer's working dicts."""

    def __init__(self, *, kind: Kind, profile: str, state: StateStore, policy: SeriesPolicy,
                 fetch: Callable[[Side, set[str]], dict[str, RemoteRecord]], last_run: datetime | None,
                 past_days: int, future_days: int,
                 edited: Callable[[Side, Record, Pair], frozenset[str]] | None = None,
                 merge: Callable[[MergeInput], MergeResult] | None = None,
                 recovering: frozenset[str] = frozenset()) -> None:
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
            self._read_rule_holders(side, rule_pairs, current, deleted, echoes, due)
            self._read_rule_copies(side, rule_pairs, current, deleted, echoes)
            for item in list(current[side].values()):
                known = series_pairs.get(item.id)
                rule_pair = rule_pairs.get(item.id)
                if is_series(item.record) and known is None and rule_pair is not None:
                    switched, merged = self.switching(side, item, rule_pair, current, deleted)
                    if switched:
                        reads.append(self._switch(side, item, rule_pair, current, deleted, pairs, merged))
                    elif merged is not None:
                        reads.append(self._hold_for_review(side, item, rule_pair, current, pairs, merged))
                elif is_series(item.record) and (known is not None
                                                 or self.policy.route(item.record, side)[0] is Route.EXPAND):
                    reads.append(self._expand(side, item, known, current, deleted, pairs))
                elif known is not None:
                    # no longer a series: its occurrences go, and it syncs as a single event from now on
                    reads.append(self._dissolve(side, item.id, known, deleted, pairs))
            for native_id in sorted(deleted[side] & set(series_pairs)):
                reads.append(self._dissolve(side, native_id, series_pairs[native_id], deleted, pairs))
            done = {read.series_id for read in reads if read.side is side}
            reads += self._advance(side, done, current, deleted, pairs, echoes)
        return reads

    # -- switching a series held as a rule to its occurrences ------------------------------------------------------
    def _read_rule_holders(self, side: Side, rule_pairs: Mapping[str, Pair],
                           current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                           echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
                           due: frozenset[tuple[Side, str]]) -> None:
        """Read the series of rule pairs whose rule copy is gone, or that are due for a retry, when this sync has
        not read them yet (one fetch for all of them).

        A switch deletes the rule copy last; when the reply to that deletion was lost, the next feed reports the
        copy deleted while the series itself may be neither in the feed nor due yet. Decided on the stored pair
        alone, that reads as "deleted there, untouched here" and would delete the series: reading it shows the
        edit that started the switch (its version is newer than the pair's), and the switch is completed instead.
        A retry that is due (a switch whose occurrences were not all written) is read here too, so the switch is
        decided before the occurrences are (the retries' own reads come after this step).
        """
        other = side.other
        wanted: dict[str, Pair] = {}
        for native_id, pair in rule_pairs.items():
            copy = pair.id_on(other)
            if native_id in current[side] or native_id in deleted[side]:
                continue
            if copy in deleted[other] or (side, native_id) in due or (other, copy) in due:
                wanted[native_id] = pair
        if not wanted:
            return
        found = {i: item for i in wanted if (item := echoes[side].get(i)) is not None}
        found.update(self.fetch(side, set(wanted) - set(found)))
        for native_id in wanted:
            if native_id in found:
                current[side][native_id] = found[native_id]
            else:
                deleted[side].add(native_id)

    def _read_rule_copies(self, side: Side, rule_pairs: Mapping[str, Pair],
                          current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                          echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> None:
        """Read the rule copies of the series an edit may switch this sync, when this sync has not read them yet
        (one fetch for all of them).

        A switch deletes the rule copy, so it is decided on that copy as it is now. That the change feed did not
        list the copy does not make it unchanged since its pair was stored: a sync that left the pair as it was (the
        switch waited for an edit of the copy, a write to the pair failed) stored its cursor past that edit all the
        same. Only a copy the feed listed with its stored version (an echo) is known to be unchanged.
        """
        other = side.other
        wanted = [copy_id for item in current[side].values()
                  if (rule_pair := rule_pairs.get(item.id)) is not None and self._may_switch(side, item, rule_pair)
                  and (copy_id := rule_pair.id_on(other)) not in current[other] and copy_id not in deleted[other]
                  and copy_id not in echoes[other]]
        if not wanted:
            return
        found = self.fetch(other, set(wanted))
        for copy_id in wanted:
            if copy_id in found:
                current[other][copy_id] = found[copy_id]
            else:
                deleted[other].add(copy_id)

    def _may_switch(self, side: Side, item: RemoteRecord, rule_pair: Pair) -> bool:
        """True when the series ``item`` was edited since its pair was stored and no longer fits the other side."""
        return (is_series(item.record) and (item.version is None or item.version != rule_pair.version_on(side))
                and self.policy.route(item.record, side)[0] is Route.EXPAND)

    def switching(self, side: Side, item: RemoteRecord, rule_pair: Pair,
                  current: Mapping[Side, Mapping[str, RemoteRecord]], deleted: Ids) -> tuple[bool, MergeResult | None]:
        """Whether the series ``item``, held as a rule by the other side (``rule_pair``), is switched to its
        occurrences this sync, and the merge it is switched with when its rule copy was edited too (not switched,
        with a merge: it waits for the review of that merge's open conflicts). Top-down:"""
        other = side.other
        copy_id = rule_pair.id_on(other)
        if copy_id in deleted[other] and self._known(side, item.id):
            # a switch whose deletion of the rule copy landed (its reply lost): it is finished, whatever the series
            # became since; a series that was expanded stays expanded
            return True, None
        if item.version is not None and item.version == rule_pair.version_on(side):
            # unchanged since the pair was stored: what the other side can hold is its business (a changed setting
            # is no reason to delete its copy)
            return False, None
        if self.policy.route(item.record, side)[0] is not Route.EXPAND:
            # the other side can hold the edit (the pair syncs as ever), or unfit_series = "skip" (reported)
            return False, None
        if rule_pair.pair_id in self.recovering:
            # an interrupted re-create of the rule copy (an edit that beat its deletion) may have written a new copy:
            # this sync recovers it and pairs the series with it; the switch is decided on that copy, next sync
            return False, None
        if copy_id in deleted[other]:
            # the rule copy is gone (deleted there while the series was edited here): the edit wins, as occurrences
            return True, None
        if past_occurrences(rule_pair.base, self.policy.window):
            # the rule copy's occurrences before the window are history that would go with it and never come back
            return False, None
        copy = current[other].get(copy_id)
        if copy is None or (copy.version is not None and copy.version == rule_pair.version_on(other)) \
                or not self.edited(other, copy.record, rule_pair):
            # the rule copy is as the pair stored it (its content, whatever its version says)
            return True, None
        # the rule copy was edited there too: switched with the two edits merged (the copy's edit goes back to the
        # series before the copy is deleted; a conflict the policy decides is listed with both values, as for any
        # pair). A conflict the policy leaves for review holds the switch back until it is resolved: deleting the
        # copy now would lose a value nobody picked
        merged = self._merge_with_copy(side, item, copy, rule_pair)
        return merged is not None and not merged.open_conflicts, merged

    def _merge_with_copy(self, side: Side, item: RemoteRecord, copy: RemoteRecord,
                         rule_pair: Pair) -> MergeResult | None:
        """The merge of the series' edit with its rule copy's: one whose conflicts the policy decided, when its
        result is still expanded (one the other side can hold is an ordinary update of the pair); one with
        conflicts left for review, whatever its result (the resolution decides whether a switch is needed)."""
        if self.merge is None:
            return None
        result = self.merge(copy_merge_input(side, item, copy, rule_pair))
        if not result.open_conflicts and self.policy.route(result.base, side)[0] is not Route.EXPAND:
            return None
        return result

    def _hold_for_review(self, side: Side, item: RemoteRecord, rule_pair: Pair,
                         current: dict[Side, dict[str, RemoteRecord]], pairs: dict[str, Pair],
                         merged: MergeResult) -> SeriesRead:
        """A switch waiting for the review of its conflicts: the series, its rule copy and their pair are taken out
        of the rest of the sync (an ordinary update of the pair would write what is not in conflict, or the rule
        the other side cannot hold once the series' side wins at review). Nothing is written to either side."""
        other = side.other
        copy = current[other].pop(rule_pair.id_on(other))
        del pairs[rule_pair.pair_id]
        current[side].pop(item.id, None)
        return SeriesRead(side=side, series_id=item.id, item=item, pair=None, rule_pair=rule_pair, merged=merged,
                          rule_copy=copy, merge_input=copy_merge_input(side, item, copy, rule_pair),
                          awaits_review=True)

    def _switch(self, side: Side, item: RemoteRecord, rule_pair: Pair, current: dict[Side, dict[str, RemoteRecord]],
                deleted: Ids, pairs: dict[str, Pair], merged: MergeResult | None) -> SeriesRead:
        """Expand ``item`` (merged with its rule copy's edit, when ``merged``) in place of its rule pair; the rule
        copy is no record of this sync any more (it is deleted by the switch, after the occurrences are written)."""
        other = side.other
        copy_id = rule_pair.id_on(other)
        del pairs[rule_pair.pair_id]
        copy = current[other].get(copy_id)
        inp = copy_merge_input(side, item, copy, rule_pair) if merged is not None and copy is not None else None
        if merged is not None:
            item = attrs.evolve(item, record=merged.base)
        read = attrs.evolve(self._expand(side, item, None, current, deleted, pairs), rule_pair=rule_pair,
                            rule_copy_gone=copy_id in deleted[other], merged=merged, rule_copy=copy, merge_input=inp)
        set_aside_rule_copies([read], current, deleted)
        return read

    def _known(self, side: Side, series_id: str) -> dict[str, Pair]:
        found = self.state.pairs_by_prefix(self.profile, self.kind, side, series_id + SEPARATOR)
        return {pair.id_on(side): pair for pair in found
                if (split := split_occurrence_id(pair.id_on(side))) is not None and split[0] == series_id}

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

    def _dissolve(self, side: Side, series_id: str, known_pair: Pair, deleted: Ids, pairs: dict[str, Pair]) -> SeriesRead:
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


def copy_merge_input(side: Side, item: RemoteRecord, copy: RemoteRecord, rule_pair: Pair) -> MergeInput:
    """The merge of the series ``item`` (read on ``side``) with its rule copy, against their pair's base."""
    read = {side: item, side.other: copy}
    return MergeInput(base=rule_pair.base, pim=read[Side.PIM].record, crm=read[Side.CRM].record,
                      pim_modified=read[Side.PIM].modified_at, crm_modified=read[Side.CRM].modified_at,
                      pim_body=rule_pair.pim_body, two_way=rule_pair.conflicts)


def set_aside_rule_copies(reads: list[SeriesRead], current: dict[Side, dict[str, RemoteRecord]], deleted: Ids) -> None:
    """Take the rule copies of the series switched this sync out of what the sync looks at: the switch deletes
    them (after the occurrences); synced as records of their own, they would be copied back."""
    for read in reads:
        if read.rule_pair is not None:
            copy_side = read.side.other
            current[copy_side].pop(read.rule_pair.id_on(copy_side), None)
            deleted[copy_side].discard(read.rule_pair.id_on(copy_side))


def series_taken(reads: list[SeriesRead]) -> Ids:
    """The ids the series step took out of what the rest of the sync looks at, per side: the series it expanded
    (their occurrences stand for them) and the rule copies of those it switched."""
    taken: Ids = {side: set() for side in SIDES}
    for read in reads:
        taken[read.side].add(read.series_id)
        if read.rule_pair is not None:
            taken[read.side.other].add(read.rule_pair.id_on(read.side.other))
    return taken


def past_occurrences(record: Record, window: Window) -> int:
    """How many occurrences (not cancelled) the series ``record`` has before ``window``: on a side that holds it
    as a rule, the history deleting that copy would lose (nothing re-creates occurrences before the window)."""
    series = Series(record)  # type: ignore[arg-type]
    low, _ = window.bounds(series.all_day)
    return sum(1 for key in series.starts(None, low) if not series.is_cancelled(key))
