"""What must hold after a sync that ran without faults: shared by the state machines (and usable by embedders)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from ..abc import StateStore
from ..merge import BODY_FIELDS
from ..models import SIDES, Event, Kind, Record, Side
from ..occurrences import marked_series, occurrence_record, split_occurrence_id
from ..remote import RemoteRecord
from ..series import same_series
from ..state_types import Pair, PendingCategory


def assert_in_step(
    state: StateStore, profile: str, kind: Kind, records: dict[Side, dict[str, Record]],
    represent_crm: Callable[[Record], Record], *, excused: Collection[tuple[Side, str]] = (),
    unheld: Collection[tuple[str, str, str]] = (),
    left_for_review: Collection[tuple[str, str, str]] = (),
) -> list[Pair]:
    """Every record is paired exactly once (unless pending as an ambiguous match, or left behind on purpose
    because deleting it was not allowed: tombstoned, or ``excused`` by the caller — e.g. a record whose create
    was not allowed when it was new), every pair points at two existing records, and the two hold the same values
    as the CRM represents them (a kept formatted Outlook body excepted, and pairs holding an ``excused`` record,
    whose update was not allowed, or whose pair's deletion waits, as an ``excused`` record's may). Returns the
    pairs.

    ``unheld`` holds ``(pim id, crm id, field)`` for each field a sync reported that one occurrence of a
    series cannot hold on its own (:func:`syncore.planning.decide_series.unheld_occurrence_fields`, the
    documented outcome: the series keeps its value, the single event on the other side keeps its own). Only
    that field of exactly that pair may differ, and only where one of its ids names an occurrence.

    ``left_for_review`` holds ``(pim id, crm id, field)`` for each conflict a sync left for review without a
    winner (docs/concepts.md, "Conflict rules": ``newest_wins`` leaves a tie or a missing time for review; the
    caller names only the ones it saw tie). Only that field of exactly that pair may differ, and only while the
    conflict is still open: the pair keeps the field under review and its PIM record is pending as a conflict.

    Series whose occurrences the other side holds are paired through their occurrences: an occurrence id in a pair
    names the occurrence the series in ``records`` has (it must have it), and the series' own pair (its mark on
    the other side) only says it is expanded."""
    pairs = list(state.iter_pairs(profile, kind))
    records = with_occurrences(pairs, records)
    series_pairs = {pair.pair_id for pair in pairs if any(marked_series(pair.id_on(side)) for side in SIDES)}
    pending = state.pending(profile, kind)
    ambiguous = {(p.side, p.native_id) for p in pending if p.category is PendingCategory.AMBIGUOUS}
    in_review = {(p.pair_id, p.native_id) for p in pending
                 if p.category is PendingCategory.CONFLICT and p.side is Side.PIM}
    for side in SIDES:
        paired = [p.id_on(side) for p in pairs]
        assert len(paired) == len(set(paired)), "a record is in two pairs"
        unpaired = set(records[side]) - set(paired) - {i for s, i in ambiguous if s is side}
        unpaired -= state.tombstoned(profile, kind, side, unpaired)
        unpaired -= {native_id for excused_side, native_id in excused if excused_side is side}
        assert not unpaired, f"{side.value} records never synced: {[records[side][i] for i in unpaired]}"
        gone = set(paired) - set(records[side]) - {i for excused_side, i in excused if excused_side is side}
        assert not gone, "a pair points at a record that is gone"
    for pair in pairs:
        if (Side.PIM, pair.pim_id) in excused or (Side.CRM, pair.crm_id) in excused or pair.pair_id in series_pairs:
            continue
        pim_record, crm_record = records[Side.PIM][pair.pim_id], records[Side.CRM][pair.crm_id]
        differing = represent_crm(pim_record).changed_fields(crm_record)
        if "recurrence" in differing and isinstance(crm_record, Event) \
                and same_series(represent_crm(pim_record), crm_record):  # type: ignore[arg-type]
            differing -= {"recurrence"}  # rules are compared by their occurrences, never as text
        if pair.pim_body is not None:
            differing -= BODY_FIELDS  # the documented outcome: a formatted Outlook body kept
        if any(split_occurrence_id(pair.id_on(side)) is not None for side in SIDES):
            # the documented outcome for a field one occurrence cannot hold, where a sync reported it
            ids = (pair.pim_id, pair.crm_id)
            differing -= {field for pim_id, crm_id, field in unheld if (pim_id, crm_id) == ids}
        if (pair.pair_id, pair.pim_id) in in_review:
            # the documented outcome of a conflict without a winner: nothing written for it while it is open
            ids = (pair.pim_id, pair.crm_id)
            differing -= {field for pim_id, crm_id, field in left_for_review
                          if (pim_id, crm_id) == ids and field in pair.conflicts}
        assert not differing, f"pair differs in {sorted(differing)}: {pim_record} vs {crm_record}"
    return pairs


def with_occurrences(pairs: list[Pair], records: dict[Side, dict[str, Record]]) -> dict[Side, dict[str, Record]]:
    """``records`` plus the occurrences and series marks the pairs name (as far as the series hold them)."""
    found = {side: dict(records[side]) for side in SIDES}
    for pair in pairs:
        for side in SIDES:
            native_id = pair.id_on(side)
            series_id = marked_series(native_id)
            if series_id is not None and series_id in records[side.other]:
                found[side][native_id] = records[side.other][series_id]
            split = split_occurrence_id(native_id)
            if split is not None and native_id not in found[side] and split[0] in records[side]:
                series = RemoteRecord(id=split[0], version=None, record=records[side][split[0]])
                occurrence = occurrence_record(series, native_id, split[1])
                if occurrence is not None:
                    found[side][native_id] = occurrence.record
    return found
