"""The decide step's part for series: the pairs of expanded series, and what a side cannot hold of a series.

Each check is one row of a small decision table, read top-down, with its reason; :mod:`.decide` calls them where
it creates, re-creates or updates a record.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from .._ids import new_id
from ..merge import MergeResult
from ..models import SIDES, Record, Side
from ..occurrences import SEPARATOR, split_occurrence_id
from ..recurrence import OVERRIDABLE
from ..remote import RecurrenceSupport, RemoteRecord
from ..state_types import Pair, PendingCategory
from .decisions import Decision, ForgetSeries, KeepSeries, Keys, ReviewSwitch, Skip, SwitchSeries, Unheld
from .observe import Observation
from .series import Route, SeriesPolicy, is_series, past_occurrences

#: how a sync reports a series whose switch it would give up but the other side is read-only (by its subject)
GIVE_UP_WAITS = ("not written: the {name} is read-only; the series' switch to single events is given up once the "
                 "{name} can be written (its {copies} single events there deleted, or carried over to the series "
                 "where edited), until then nothing is written for the series")
#: (a plain name: checked per side of every merged pair, see syncore.models.PIM)
_RULES = RecurrenceSupport.RULES


def series_decisions(view: Observation, policy: SeriesPolicy) -> Iterator[Decision]:
    """The series pairs of the expanded series this sync looked at."""
    for read in view.series:
        if read.waits_to_land is not None:
            # a create of it, or of an occurrence's, may still land: all of it waits, nothing written; retried
            # (SeriesExpander._wait_to_land)
            known = read.item or read.rule_pair or read.pair
            yield Skip(side=read.side, native_id=read.series_id, pending=PendingCategory.FAILED,
                       record=known.record if isinstance(known, RemoteRecord) else known.base if known else None,
                       reason=read.waits_to_land)
        elif read.waits_to_give_up:
            # a switch given up while the other side is read-only: the copies it made there could not be deleted,
            # so it waits, nothing written for the series; reported, and retried at every sync until that side can
            # be written (SeriesExpander._wait_to_give_up)
            other = read.side.other
            copies = sum(1 for side, _ in read.held if side is other)
            record = read.item.record if read.item is not None else read.rule_pair.base  # type: ignore[union-attr]
            yield Skip(side=read.side, native_id=read.series_id, record=record, pending=PendingCategory.FAILED,
                       reason=GIVE_UP_WAITS.format(name=policy.names[other], copies=copies))
        elif read.awaits_review:
            # the series' edit and its rule copy's conflict, and the policy picked no winner: listed for review,
            # the switch waits for the resolution
            yield ReviewSwitch(side=read.side, item=read.item, pair=read.rule_pair, result=read.merged,  # type: ignore[arg-type]
                               merge_input=read.merge_input,  # type: ignore[arg-type]
                               reason=policy.route(read.item.record, read.side)[1])  # type: ignore[union-attr]
        elif read.item is not None and read.rule_pair is not None:
            # held as a rule by the other side until now: that copy is deleted once the occurrences are written
            copy_id = read.rule_pair.id_on(read.side.other)
            yield SwitchSeries(side=read.side, item=read.item, pair=read.rule_pair, copy_gone=read.rule_copy_gone,
                               reason=policy.route(read.item.record, read.side)[1], merged=read.merged,
                               copy=read.rule_copy, merge_input=read.merge_input, cut_before=read.cut_before,
                               settles=tuple(key for key in ((read.side, read.series_id), (read.side.other, copy_id))
                                             if key in view.due))
        elif read.item is not None:
            # read (changed, new, or its window moved): remember it as read; its occurrences are decided on their own
            yield KeepSeries(side=read.side, item=read.item, pair_id=read.pair.pair_id if read.pair else new_id())
        elif read.pair is not None:
            # gone, or no longer a series: its occurrences go (decided on their own), the series pair with them
            yield ForgetSeries(pair=read.pair)


def is_occurrence(policy: SeriesPolicy, side: Side, native_id: str) -> bool:
    """True when ``native_id`` names an occurrence of a series held as a rule on ``side``."""
    return policy.holds[side] is _RULES and split_occurrence_id(native_id) is not None


def ids_to_tombstone(policy: SeriesPolicy, *, gone: Keys, stays: Keys = ()) -> tuple[Keys, Keys]:
    """The ids to tombstone when a pair is given up (``gone`` records were deleted, ``stays`` are left behind on
    purpose, never copied back), and the ids whose earlier tombstone is lifted.

    An occurrence id names a series and a start, and the rule may give that start again (the user lengthens the
    series back, or restores a cancelled occurrence): unlike a record's id, it can come back. So a gone occurrence
    is tombstoned only while a copy of it stays behind (which it would otherwise be copied next to, a duplicate);
    once its copy is gone too, a returning occurrence is new and is copied again, whatever an earlier tombstone
    (from a time its copy stayed behind, before they were paired again) said: that one is lifted.
    """
    lifted = () if stays else tuple((side, native_id) for side, native_id in gone
                                     if is_occurrence(policy, side, native_id))
    return (*stays, *(key for key in gone if key not in lifted)), lifted


def create_obstacle(policy: SeriesPolicy, source: Side, record: Record, native_id: str) -> Skip | None:
    """A Skip when ``record`` (new on ``source``) cannot go to the other side as it is."""
    route, reason = policy.route(record, source)
    if route is Route.AS_IS:
        return None
    # (an expanded series never gets here: the observe step replaced it by its occurrences)
    return Skip(side=source, native_id=native_id, record=record, reason=f"left alone: {reason}")


def update_obstacle(policy: SeriesPolicy, pair: Pair, result: MergeResult) -> Skip | None:
    """A Skip (retried later) when a merged change would give one side a series or a rule it cannot hold.

    The whole update waits, so the base does not move past what a side holds; it is reported at every retry.
    """
    for target in SIDES:
        writes = result.writes(target)
        if not writes or ("recurrence" not in writes and not _series_to_a_side_without_rules(policy, target,
                                                                                            result.base)):
            continue
        route, reason = policy.route(result.base, target.other)
        if route is Route.EXPAND and is_series(pair.base) and not policy.cuts[target] \
                and (history := past_occurrences(pair.base, policy.window)):
            # held as a rule there, and not switched to its occurrences (SeriesExpander.switching): say why when
            # the switch would lose that copy's past (a side that cuts series keeps it instead)
            reason += (f"; switching it to single events would delete its {history} occurrences before the sync "
                       "window there")
        if route is not Route.AS_IS:
            source = target.other
            return Skip(side=source, native_id=pair.id_on(source), record=result.base,
                        reason=f"not written to the {policy.names[target]}: {reason}", pending=PendingCategory.FAILED)
    return None


def _series_to_a_side_without_rules(policy: SeriesPolicy, target: Side, record: Record) -> bool:
    return getattr(record, "recurrence", None) is not None and policy.holds[target] is not _RULES \
        and record.kind.value == "event"


def unheld_occurrence_fields(policy: SeriesPolicy, pair: Pair, result: MergeResult) -> tuple[MergeResult, list[Unheld]]:
    """``result`` without the fields one occurrence of a series cannot hold on its own (only those in
    :data:`~syncore.recurrence.OVERRIDABLE` can differ from the series), and a note for each side they stay off."""
    notes = []
    for target in SIDES:
        native_id = pair.id_on(target)
        # (the separator first: this runs for every merged pair, and few ids name an occurrence)
        if policy.holds[target] is not _RULES or SEPARATOR not in native_id or split_occurrence_id(native_id) is None:
            continue
        unheld = result.writes(target) - set(OVERRIDABLE)
        if not unheld:
            continue
        # the series keeps its own value for these; the other side's occurrence keeps its own (and the base)
        kept = result.writes(target) - unheld
        result = attrs.evolve(result, **{f"to_{target.value}": frozenset(kept)})
        notes.append(Unheld(side=target, native_id=native_id, fields=frozenset(unheld), record=result.base,
                            reason=f"one occurrence of a {policy.names[target]} series cannot have its own "
                                   f"{', '.join(sorted(unheld))}; the series keeps its value"))
    return result, notes
