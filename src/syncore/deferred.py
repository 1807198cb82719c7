"""The writes of a plan that wait for the occurrences of a series (``Operation.after_occurrences_of``: a switched
series' rule copy, deleted once its occurrences are all there): which of them the executor makes, last; and the
series such a plan writes to before it copies their occurrences (:func:`as_planned`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from .abc import Adapter
from .models import SIDES, Kind, Record, Side
from .occurrences import split_occurrence_id
from .plan import CHANGED_SINCE_THE_PLAN, Operation, edited_since_the_plan
from .remote import RemoteRecord, fetch_in_batches
from .state_types import Action

#: why a deferred write is not made when an occurrence write of its series was not
WAITS_FOR_OCCURRENCES = "waits until every occurrence of its series is written"


def sort_deferred(
    deferred: list[Operation], every: list[Operation], failed_pairs: set[str], adapters: Mapping[Side, Adapter],
    kind: Kind, edited_since: Callable[[Side, Record, Record], frozenset[str]],
) -> tuple[list[Operation], list[tuple[Operation, str]]]:
    """The deferred writes to make now, and those held back with the reason (parked with their pair).

    A write whose series has an occurrence write (or a write of the series itself) that failed, was excluded or
    whose answer never came (its pair in ``failed_pairs``) is not made: the next sync (which reads that series
    again, as a due retry) decides it anew once the occurrences are there. Deletes carry no version check on every
    side: a target edited since the plan read it (a reviewed plan applied later, a user quicker than the sync) is
    read again (one fetch per side), so that edit is never deleted with it.
    """
    # (a write naming the series itself counts too: an occurrence copy whose edit was carried over to its series
    # is deleted only once that series' update is written, planning.series_fold)
    failed_series = {split[0] if (split := split_occurrence_id(native_id)) is not None else native_id
                     for op in every if op.pair_id in failed_pairs
                     for native_id in (op.source_id, op.target_id) if native_id}
    now = {side: fetch_in_batches(adapters[side], kind, ids)
           for side in SIDES if (ids := [op.target_id for op in deferred if op.target is side and op.target_id])}
    ready: list[Operation] = []
    held_back: list[tuple[Operation, str]] = []
    for op in deferred:
        current = now.get(op.target, {}).get(op.target_id)  # type: ignore[arg-type]
        if op.after_occurrences_of in failed_series or op.pair_id in failed_pairs:
            held_back.append((op, WAITS_FOR_OCCURRENCES))
        elif current is not None and edited_since_the_plan(op, current, edited_since):
            held_back.append((op, CHANGED_SINCE_THE_PLAN))
        else:
            ready.append(op)
    return ready, held_back


def as_planned(operations: list[Operation], side: Side) -> Callable[[RemoteRecord], RemoteRecord]:
    """A series of ``side`` read again, as the plan makes it before copying its occurrences.

    A series switched while its rule copy was edited too gets that edit first (an update of the series in the same
    plan, the "carry-over"), and its occurrences are copied as the series will be: a saved plan's recheck derives
    them from the series as read with that update applied, when the series is unchanged since the plan read it
    (otherwise they are stale, as any source edited since).
    """
    switched = {op.after_occurrences_of for op in operations if op.after_occurrences_of}
    carried = {op.target_id: op for op in operations if op.action is Action.UPDATE and op.target is side
               and op.target_id in switched and op.record is not None}

    def planned(series: RemoteRecord) -> RemoteRecord:
        op = carried.get(series.id)
        if op is None or series.version != op.base_version:
            return series
        return attrs.evolve(series, record=series.record.replace(
            **{name: getattr(op.record, name) for name in op.fields}))

    return planned
