"""Switching a series the other side holds as a rule to its occurrences (:class:`SeriesSwitching`).

A series synced as one record to a side that holds rules can be edited past that side's limits (a
classic Salesforce series lengthened beyond its occurrence limit, its end removed). With
``unfit_series = "expand"`` it is *switched*: the other side gets the window's occurrences, and its rule copy
is deleted last (or cut before the window, where its earlier occurrences are history). This module decides,
per series, whether the switch happens this sync, waits (the other side may not be written, an interrupted
re-create is being recovered, the copy's history would be lost on a side that cannot cut), is completed (the
deletion's reply was lost), or is held for the review of a conflict with an edit of the rule copy; and it
reads what that decision needs. docs/recurrence.md, "Switching a series to its occurrences", tells the whole
story.

Kept apart from :mod:`.series`, which expands series into their occurrences: a switch ends in an expansion
(it calls the expander's ``_expand``), but deciding on one takes reads, merges and waits that plain expansion
never needs. :class:`SeriesSwitching` is a mixin of :class:`~.series.SeriesExpander`, which sets the
attributes and provides the two methods declared below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import attrs

from ..merge import MergeInput, MergeResult
from ..models import Record, Side
from ..occurrences import series_of
from ..remote import RemoteRecord
from ..state_types import Pair
from .observation import Ids, SeriesRead
from .series_cut import cut_listed, cut_point, past_occurrences, uncut
from .series_policy import Route, SeriesPolicy, is_series


class SeriesStepParts:
    """What the parts of the series step (:class:`SeriesSwitching`, ``series_fold.CopyFolding``) share, set by
    ``SeriesExpander.__init__`` (see there)."""

    policy: SeriesPolicy
    fetch: Callable[[Side, set[str]], dict[str, RemoteRecord]]
    edited: Callable[[Side, Record, Pair], frozenset[str]]
    merge: Callable[[MergeInput], MergeResult] | None


class SeriesSwitching(SeriesStepParts):
    """The series step's switching of series held as a rule (see the module docstring)."""

    # set by SeriesExpander.__init__ (see there)
    recovering: frozenset[str]
    merged_fits: set[tuple[Side, str]]

    if TYPE_CHECKING:
        # the expansion a switch ends in, and the occurrence pairs stored for a series (SeriesExpander)
        def _known(self, side: Side, series_id: str) -> dict[str, Pair]: ...

        def _expand(self, side: Side, item: RemoteRecord, known_pair: Pair | None,
                    current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                    pairs: dict[str, Pair]) -> SeriesRead: ...

    def _read_rule_holders(self, side: Side, rule_pairs: Mapping[str, Pair],
                           current: dict[Side, dict[str, RemoteRecord]], deleted: Ids,
                           echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
                           due: frozenset[tuple[Side, str]], left: frozenset[str] = frozenset()) -> None:
        """Read the series of rule pairs whose rule copy is gone, or that are due for a retry, when this sync has
        not read them yet (one fetch for all of them).

        A switch deletes the rule copy last; when the reply to that deletion was lost, the next feed reports the
        copy deleted while the series itself may be neither in the feed nor due yet. Decided on the stored pair
        alone, that reads as "deleted there, untouched here" and would delete the series: reading it shows the
        edit that started the switch (its version is newer than the pair's), and the switch is completed instead.
        A retry that is due (a switch whose occurrences were not all written) is read here too, so the switch is
        decided before the occurrences are (the retries' own reads come after this step). So is the series of a
        rule copy the feed lists cut before the window (a cut of ours whose reply was lost): decided on the pair
        alone, that would read as "ended earlier there" and shorten the series here. And so are the series in
        ``left``: a retry of a copy a given-up switch made is due (:meth:`.SeriesExpander._left_by_a_switch`).
        """
        other = side.other
        wanted: dict[str, Pair] = {}
        for native_id, pair in rule_pairs.items():
            copy = pair.id_on(other)
            if native_id in current[side] or native_id in deleted[side]:
                continue
            if copy in deleted[other] or (side, native_id) in due or (other, copy) in due or native_id in left \
                    or cut_listed(self.policy, other, current[other].get(copy), pair):
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
        if not self.policy.writable[other]:
            # the other side may not be written now (read-only, or the job creates or deletes nothing there): the
            # occurrences could not be created nor the rule copy deleted or cut; the edit waits, reported
            return False, None
        if rule_pair.pair_id in self.recovering:
            # an interrupted re-create of the rule copy (an edit that beat its deletion) may have written a new copy:
            # this sync recovers it and pairs the series with it; the switch is decided on that copy, next sync
            return False, None
        if copy_id in deleted[other]:
            # the rule copy is gone (deleted there while the series was edited here): the edit wins, as occurrences
            return True, None
        history = past_occurrences(rule_pair.base, self.policy.window)
        if history and not self.policy.cuts[other]:
            # the rule copy's occurrences before the window are history that would go with it and never come back
            # (that side cannot cut the copy before the window instead of deleting it)
            return False, None
        # (a cut of ours that landed, its reply lost or a crash after it, is no edit of the copy: it is compared and
        # merged with the stored rule, and the switch cuts it again, which changes nothing)
        copy = uncut(self.policy, other, current[other].get(copy_id), rule_pair.base) if history \
            else current[other].get(copy_id)
        if copy is None or not rule_pair.conflicts and (
                (copy.version is not None and copy.version == rule_pair.version_on(other))
                or not self.edited(other, copy.record, rule_pair)):
            # the rule copy is as the pair stored it (its content, whatever its version says). Not so when a field
            # of the pair is compared side against side (an open conflict, or an interrupted update of ours that
            # the user may have undone: recovery.adopt_landed_updates): the copy's value there is no older than
            # the series', so it is merged with it, as the pair's ordinary update would be
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
            # the copy's edit brings the series back within the other side's limits: no switch is due, and one
            # that stopped part-way is given up (SeriesExpander._switch_abandoned)
            self.merged_fits.add((side, item.id))
            return None
        return result

    def _hold_for_review(self, side: Side, item: RemoteRecord, rule_pair: Pair,
                         current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                         merged: MergeResult, due: frozenset[tuple[Side, str]] = frozenset()) -> SeriesRead:
        """A switch waiting for the review of its conflicts: the series, its rule copy and their pair are taken out
        of the rest of the sync (an ordinary update of the pair would write what is not in conflict, or the rule
        the other side cannot hold once the series' side wins at review). So is what an earlier, interrupted switch
        of the series left (:meth:`_held_with_the_series`). Nothing is written to either side for the series."""
        other = side.other
        copy = current[other].pop(rule_pair.id_on(other))
        del pairs[rule_pair.pair_id]
        current[side].pop(item.id, None)
        self.held.add((side, item.id))
        held = self._held_with_the_series(side, item.id, current, deleted, pairs, due)
        return SeriesRead(side=side, series_id=item.id, item=item, pair=None, rule_pair=rule_pair, merged=merged,
                          rule_copy=copy,
                          merge_input=copy_merge_input(side, item, uncut(self.policy, other, copy, rule_pair.base),  # type: ignore[arg-type]
                                                       rule_pair),
                          awaits_review=True, held=held)

    def _held_with_the_series(self, side: Side, series_id: str, current: dict[Side, dict[str, RemoteRecord]],
                              deleted: Ids, pairs: dict[str, Pair],
                              due: frozenset[tuple[Side, str]]) -> frozenset[tuple[Side, str]]:
        """What an earlier switch of ``series_id`` that stopped part-way left, taken out of this sync while the
        series waits (a new switch for review, or the give-up of that one for the other side to be writable, see
        :mod:`.series_give_up_wait`): the occurrence pairs it stored (both records), the retries of the
        occurrences whose creates were refused, and unpaired records on the other side whose link names one of its
        occurrences. Synced on their own, the retries would be created with the series' edit (a value nobody
        picked, or next to the rule copy) and the copies updated with it, or forgotten; the retries stay due (the
        switch made after the resolution, or the give-up, settles them)."""
        other = side.other
        held: set[tuple[Side, str]] = set()
        for native_id, pair in self._known(side, series_id).items():
            pairs.pop(pair.pair_id, None)
            held |= {(side, native_id), (other, pair.id_on(other))}
        held |= {(side, native_id) for due_side, native_id in due
                 if due_side is side and series_of(native_id) == series_id}
        held |= {(other, item.id) for item in current[other].values() if series_of(item.link) == series_id}
        for held_side, native_id in held:
            current[held_side].pop(native_id, None)
            deleted[held_side].discard(native_id)
        # (a pair looked at for another reason may hold one of them: it waits too)
        for pair_id in [p.pair_id for p in pairs.values() if any((s, p.id_on(s)) in held for s in (side, other))]:
            del pairs[pair_id]
        return frozenset(held)

    def _switch(self, side: Side, item: RemoteRecord, rule_pair: Pair, current: dict[Side, dict[str, RemoteRecord]],
                deleted: Ids, pairs: dict[str, Pair], merged: MergeResult | None,
                echoes: Mapping[Side, Mapping[str, RemoteRecord | None]] | None = None,
                due: frozenset[tuple[Side, str]] = frozenset()) -> SeriesRead:
        """Expand ``item`` (merged with its rule copy's edit, when ``merged``) in place of its rule pair; the rule
        copy is no record of this sync any more (it is deleted by the switch, after the occurrences are written).
        A series due for a retry has the copies an earlier part of its switch made read again
        (:meth:`_read_adopted_copies`)."""
        other = side.other
        copy_id = rule_pair.id_on(other)
        del pairs[rule_pair.pair_id]
        copy = current[other].get(copy_id)
        compared = uncut(self.policy, other, copy, rule_pair.base)
        inp = copy_merge_input(side, item, compared, rule_pair) if merged is not None and compared is not None \
            else None
        if merged is not None:
            item = attrs.evolve(item, record=merged.base)
        gone = copy_id in deleted[other]
        read = attrs.evolve(self._expand(side, item, None, current, deleted, pairs), rule_pair=rule_pair,
                            rule_copy_gone=gone, merged=merged, rule_copy=copy, merge_input=inp,
                            cut_before=None if gone else cut_point(self.policy, other, rule_pair.base))
        set_aside_rule_copies([read], current, deleted)
        if (side, item.id) in due and echoes is not None:
            self._read_adopted_copies(side, item.id, current, deleted, pairs, echoes)
        return read

    def _read_adopted_copies(self, side: Side, series_id: str, current: dict[Side, dict[str, RemoteRecord]],
                             deleted: Ids, pairs: Mapping[str, Pair],
                             echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> None:
        """Read (one fetch) the copies of the occurrences in the window that an earlier part of the switch of
        ``series_id`` made and this sync has not read, when the series is due for a retry: the sync that retried
        it last may have held them with it (its give-up waiting for the other side to be writable, its switch
        waiting for review: :meth:`_held_with_the_series`) and stored its cursor past their edits all the same.
        Not read again, a copy's edit there would never reach the series, nor its deletion cancel the occurrence:
        the two would differ for good (soak400 seed 34 of the cutting machine). As for the rule copy
        (:meth:`_read_rule_copies`), only a copy the feed listed with its stored version is known to be unchanged.
        """
        other = side.other
        wanted = {copy_id for native_id, pair in self._known(side, series_id).items()
                  if pair.pair_id in pairs  # (in the window: the expansion took its pair)
                  and (copy_id := pair.id_on(other)) not in current[other] and copy_id not in deleted[other]
                  and copy_id not in echoes[other]}
        if not wanted:
            return
        found = self.fetch(other, wanted)
        for copy_id in wanted:
            if copy_id in found:
                current[other][copy_id] = found[copy_id]
            else:
                deleted[other].add(copy_id)

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