"""Occurrence copies edited on the other side while their series' switch was given up (:class:`CopyFolding`).

A switch to occurrences that stopped part-way is given up when the series comes back within the other side's
limits (:meth:`.series.SeriesExpander._switch_abandoned`): the occurrence copies it made there are deleted and
their pairs forgotten, since the rule copy holds those occurrences. A copy the user edited there since would win
over its deletion, as any edited record does, and come back to the series' side as a single event next to the
series' own occurrence: the meeting twice. Instead, the copy's edit is carried over as a modified occurrence (an
override, by its original start) of the rule copy, as if the user had made it there: the series' pair then merges
it as any edit of the rule copy (written to the series and to the rule copy; a conflict with the series' own edit of
that occurrence follows the conflict policy), and the copy is deleted once that update is written
(``Operation.after_occurrences_of``). Where the edit cannot be an override, the copy stays a single event, as
before, and the sync says so by subject. docs/recurrence.md, "Switching a series to its occurrences", tells the
whole story.

:class:`CopyFolding` is a mixin of :class:`~.series.SeriesExpander`, which sets the attributes declared below.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import attrs

from ..errors import InvalidRecordError
from ..merge import MergeResult
from ..models import Record, Side
from ..occurrences import split_occurrence_id
from ..recurrence import OVERRIDABLE, Key, Override
from ..remote import RemoteRecord
from ..results import describe_record
from ..series import Series
from ..state_types import Pair
from .observation import Ids
from .series_policy import Route, is_series
from .series_switch import SeriesStepParts, copy_merge_input

#: how the sync reports a copy kept as a single event (named by its subject), and why
KEPT_SINGLE = "edited in the {name} while the series' switch to single events was given up; kept as a single event ({why})"


class CopyFolding(SeriesStepParts):
    """The series step's carry-over of edited occurrence copies (see the module docstring)."""

    # set by SeriesExpander.__init__ (see there)
    #: what this step reports (one line per copy kept as a single event)
    notes: list[str]
    #: the occurrence pairs whose copy is deleted only after their series' update: pair id -> series id
    folded: dict[str, str]
    #: the rule pairs whose rule copy got overrides here: pair id -> (its side, the copy as it was read)
    unfolded: dict[str, tuple[Side, Record]]

    def _fold_edited_copies(self, side: Side, series_id: str, rule_pair: Pair, known: Mapping[str, Pair],
                            current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                            echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> None:
        """Carry the edits of the copies in ``known`` (the occurrence pairs of a given-up switch of ``series_id``)
        over to the rule copy as overrides, where they can be; the copies whose edit is carried over are then
        deleted as unedited ones (their pair's base is the copy as read), after the series' update."""
        other = side.other
        copies = self._read_copies(other, known, current, echoes)
        edited = {native_id: (pair, copy, fields) for native_id, pair in sorted(known.items())
                  if (copy := copies.get(pair.id_on(other))) is not None
                  and (fields := self.edited(other, copy.record, pair))}
        if not edited:
            return
        series = current[side].get(series_id)
        copy_id = rule_pair.id_on(other)
        rule_copy = self._read_rule_copy(other, copy_id, current, deleted, echoes)
        folded_into = rule_copy
        for native_id, (pair, copy, fields) in edited.items():
            key = split_occurrence_id(native_id)[1]  # type: ignore[index]
            if pair.conflicts:
                # its pair holds a conflict left for review: carried over (and the copy deleted), the copy's value
                # would stand for the pick nobody made
                candidate, why = None, "its conflict on " + ", ".join(sorted(pair.conflicts)) + " waits for review"
            else:
                candidate, why = self._fold(side, key, copy, fields, series, folded_into, rule_pair)
            if candidate is None:
                # today's answer: the edit wins over the deletion (re-created on the series' side as a single
                # event), nothing lost; said by subject, since the user sees that meeting twice
                self.notes.append(f"{describe_record(copy.record)}: "
                                  + KEPT_SINGLE.format(name=self.policy.names[other], why=why))
                continue
            # carried over: the copy is deleted as an unedited one (held as read), after the series' update
            folded_into = candidate
            pairs[pair.pair_id] = attrs.evolve(pair, base=copy.record, **{f"{other.value}_version": copy.version})
            self.folded[pair.pair_id] = series_id
        if folded_into is not None and rule_copy is not None and folded_into.record != rule_copy.record:
            current[other][copy_id] = folded_into
            self.unfolded[rule_pair.pair_id] = (other, rule_copy.record)

    def _fold(self, side: Side, key: Key, copy: RemoteRecord, fields: frozenset[str], series: RemoteRecord | None,
              rule_copy: RemoteRecord | None, rule_pair: Pair) -> tuple[RemoteRecord | None, str]:
        """The rule copy with the copy's edit as the override of ``key``, or None and why it cannot be. Top-down:"""
        other = side.other
        unheld = sorted(fields - set(OVERRIDABLE))
        if unheld:
            # a field one occurrence cannot hold on its own (privacy, reminder, attendees …)
            return None, f"one occurrence of the series cannot have its own {', '.join(unheld)}"
        if series is None or not is_series(series.record) or rule_copy is None or not is_series(rule_copy.record):
            # the series or its rule copy is gone, or no longer a series: no occurrence to carry the edit
            return None, "the series is no longer there to hold it"
        if not (self.policy.writable[side] and self.policy.writable[other]) or self.merge is None:
            # the copy could not be deleted, nor the series written: the edit stays where it is
            return None, "the sync may not write both sides"
        for record in (series.record, rule_copy.record):
            held = Series(record)  # type: ignore[arg-type]
            if key in held.recurrence.exdates or held.not_occurrences([key]):
                # the rule (on either side) no longer gives that occurrence, or it was cancelled there
                return None, f"the series no longer has its occurrence of {_wall(key, held.recurrence.zone)}"
        recurrence = rule_copy.record.recurrence  # type: ignore[attr-defined]
        was = recurrence.override_for(key)
        values = {**(was.changes() if was is not None else {}),
                  **{name: getattr(copy.record, name) for name in sorted(fields)}}
        try:
            override = Override(original_start=key, **values)
            record = rule_copy.record.replace(recurrence=attrs.evolve(recurrence, overrides=(
                *(o for o in recurrence.overrides if o.original_start != key), override)))
        except (InvalidRecordError, ValueError, TypeError) as exc:
            # the edit does not make a valid occurrence (an all-day copy of a timed series, say)
            return None, f"it does not fit the series as one of its occurrences: {exc}"
        if record == rule_copy.record:
            # the rule copy holds that override already (an earlier sync wrote it and stopped before the copy's
            # deletion): nothing to carry over, the copy only goes
            candidate = rule_copy
        else:
            # an edit of the rule copy for the merge (its time the copy's, for newest_wins); one read with its
            # stored version would be taken for unchanged, so it has none (decide.carried_to writes it all the same)
            unchanged = rule_copy.version is not None and rule_copy.version == rule_pair.version_on(other)
            candidate = attrs.evolve(rule_copy, record=record, version=None if unchanged else rule_copy.version,
                                     modified_at=_latest(rule_copy.modified_at, copy.modified_at))
        merged = self.merge(copy_merge_input(side, series, candidate, rule_pair))
        if merged.open_conflicts:
            # the series' own edit of that occurrence conflicts with it, and the policy leaves that for review:
            # deleting the copy now would lose a value nobody picked
            return None, ("its edit conflicts with the series' edit of that occurrence, and the conflict policy "
                          "picks no winner")
        if self.policy.route(merged.base, side)[0] is not Route.AS_IS:
            # the other side cannot hold the series with that occurrence modified
            return None, f"the {self.policy.names[other]} cannot hold that occurrence modified in the series"
        return candidate, ""

    def _read_copies(self, other: Side, known: Mapping[str, Pair], current: dict[Side, dict[str, RemoteRecord]],
                     echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> dict[str, RemoteRecord]:
        """The copies of ``known`` as they are now: read this sync, or fetched (one fetch) when the feed did not
        list them (a retry of a copy's deletion is due: it was read at an earlier sync). A copy the feed listed
        with its stored version is unchanged, and needs no read."""
        ids = {pair.id_on(other) for pair in known.values()}
        found = {i: current[other][i] for i in ids if i in current[other]}
        wanted = {i for i in ids if i not in found and i not in echoes[other]}
        if wanted:
            found.update(self.fetch(other, wanted))
        return found

    def _read_rule_copy(self, other: Side, copy_id: str, current: dict[Side, dict[str, RemoteRecord]],
                        deleted: Ids, echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> RemoteRecord | None:
        """The rule copy as it is now (read, set aside as unchanged, or fetched); None when it is gone."""
        if copy_id in deleted[other]:
            return None
        item = current[other].get(copy_id) or echoes[other].get(copy_id)
        if item is None:
            item = self.fetch(other, {copy_id}).get(copy_id)
        return item


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a is not None and b is not None else a or b


def _wall(key: Key, zone: str) -> str:
    """An original start on the series' wall clock, as messages name an occurrence."""
    if isinstance(key, datetime):
        return key.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    return key.isoformat()



def carried_to(result: MergeResult, side: Side, read: Record) -> MergeResult:
    """``result`` (the merge of a rule pair whose rule copy on ``side`` got overrides from :class:`CopyFolding`)
    writing its recurrence to that side whenever it differs from the copy as it was ``read``: the merge compared
    it with the copy those overrides were added to, which that side does not hold yet."""
    if "recurrence" in result.writes(side) or result.base.recurrence == read.recurrence:  # type: ignore[attr-defined]
        return result
    return attrs.evolve(result, **{f"to_{side.value}": result.writes(side) | {"recurrence"}})
