"""A first expansion cut short: a series the CRM side cannot hold (no end) is expanded into single events there,
and the sync stops (a crash) after one batch's outcomes were stored, before the series is remembered as expanded
(its series pair is stored only after all its occurrences' writes: docs/recurrence.md, "Interrupted syncs"). Its
occurrence pairs belong to no series pair, yet they are the series' own: when the series is then deleted their
copies go with it ("Deleting a series deletes its occurrences"; so when it becomes a single event), and when it is edited to fit the CRM it stays
expanded, as a series remembered as expanded does, never copied a second time as a rule next to its occurrences
(found by the cutting series state machine: the meetings twice in the CRM, or copies left of a deleted series)."""

from __future__ import annotations

from datetime import timedelta

from test_engine_series import FIRST, World, keys

from syncore import Event, Kind, Recurrence, Side, SyncEngine
from syncore.errors import RecordRejected, SimulatedCrash
from syncore.occurrences import SEPARATOR, SERIES_PREFIX, occurrence_id, series_marker
from syncore.remote import RecurrenceSupport
from syncore.testing import MemoryAdapter
from syncore.testing.invariants import assert_in_step

RULES = RecurrenceSupport.RULES


def past_the_limits(record) -> str | None:
    """The CRM side's limit here: a series without an end, or of more than 8 occurrences, is refused."""
    rule = getattr(record, "recurrence", None)
    if rule is None:
        return None
    parts = rule.parts
    return "more than 8 occurrences" if parts.count is None and parts.until is None or (parts.count or 0) > 8 \
        else None


def rule(count: int | None = None) -> Recurrence:
    return Recurrence(rule="FREQ=WEEKLY" + (f";COUNT={count}" if count else ""), zone="Europe/Berlin")


def interrupted_first_expansion() -> tuple[World, str]:
    """An open-ended weekly series, expanded into the CRM (batches of 4): the 3rd occurrence is refused, the first
    batch's outcomes stored (3 copies paired, a retry of the 3rd), then a crash right after the next batch's first
    create (``crm-4``, the 5th occurrence, never paired)."""
    w = World(crm_holds=RULES, crm_unfit=past_the_limits)
    w.crm = MemoryAdapter(name="crm", recurrence=RULES, formatted_bodies=False, clock=w.clock,
                          unfit=past_the_limits, batch_size=4)
    w.engine = SyncEngine(pim=w.pim, crm=w.crm, state=w.state, settings=w.settings, clock=w.clock)
    w.sync()  # (nothing yet: from here on the sides' change feeds list what changes)
    pim_id = w.pim.put(Event(subject="1:1", location="Room 1", start=FIRST, end=FIRST + timedelta(hours=1),
                             recurrence=rule()))
    k = keys(5)
    w.crm.fail_record(lambda record: record.start == k[2], RecordRejected("refused", code="TEST"), times=1)
    w.crm.crash_after(4)
    try:
        w.engine.sync(Kind.EVENT)
        raise AssertionError("the crash was not hit")
    except SimulatedCrash:
        pass
    w.crm.clear_faults()
    crm = w.crm_events()
    assert {i: e.start for i, e in crm.items()} == {"crm-1": k[0], "crm-2": k[1], "crm-3": k[3], "crm-4": k[4]}
    assert pairs(w) == {occurrence_id(pim_id, k[0]): "crm-1", occurrence_id(pim_id, k[1]): "crm-2",
                        occurrence_id(pim_id, k[3]): "crm-3"}, "no series pair: the expansion was not finished"
    assert [(p.native_id, p.category.value) for p in w.engine.pending(Kind.EVENT)] == [
        (occurrence_id(pim_id, k[2]), "failed")]
    w.now += timedelta(hours=1)  # (past the retry back-off)
    return w, pim_id


def pairs(w: World) -> dict[str, str]:
    return {p.pim_id: p.crm_id for p in w.state.iter_pairs("default", Kind.EVENT)}


def test_a_series_deleted_after_its_first_expansion_was_cut_short_takes_every_copy_with_it():
    w, pim_id = interrupted_first_expansion()
    w.pim.remove(pim_id)
    lunch = w.pim.put(Event(subject="lunch", start=FIRST + timedelta(hours=3), end=FIRST + timedelta(hours=4)))
    w.sync()
    crm = w.crm_events()
    assert [(e.subject, e.start) for e in crm.values()] == [("lunch", FIRST + timedelta(hours=3))], \
        "no copy of the deleted series' occurrences left"
    assert pairs(w) == {lunch: next(iter(crm))}
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_series_edited_to_fit_after_its_first_expansion_was_cut_short_stays_expanded_once():
    w, pim_id = interrupted_first_expansion()
    w.pim.edit(pim_id, recurrence=rule(8))  # (now within the CRM's limits)
    w.sync()
    crm = w.crm_events()
    assert all(e.recurrence is None for e in crm.values()), "no rule copy next to the occurrences"
    assert sorted(e.start for e in crm.values()) == keys(8), "each occurrence once"
    stored = pairs(w)
    assert stored.pop(pim_id) == series_marker(pim_id), "remembered as expanded now"
    by_start = {e.start: i for i, e in crm.items()}
    assert stored == {occurrence_id(pim_id, k): by_start[k] for k in keys(8)}
    # the copies the cut-short sync made are kept, the unpaired one found again: nothing written twice
    assert {by_start[k] for k in (keys(8)[0], keys(8)[1], keys(8)[3], keys(8)[4])} == {"crm-1", "crm-2", "crm-3",
                                                                                         "crm-4"}
    assert w.engine.pending(Kind.EVENT) == []
    assert_in_step(w.state, "default", Kind.EVENT, {Side.PIM: w.pim.records(Kind.EVENT), Side.CRM: crm},
                   w.crm.represent)
    w.calm()


def test_a_series_made_a_single_event_after_its_first_expansion_was_cut_short_leaves_one_copy():
    w, pim_id = interrupted_first_expansion()
    w.pim.edit(pim_id, recurrence=None)
    w.sync()
    crm = w.crm_events()
    assert [(e.subject, e.start, e.recurrence) for e in crm.values()] == [("1:1", FIRST, None)], \
        "the single event once, no copy of the series' occurrences left"
    assert pairs(w) == {pim_id: next(iter(crm))}
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_the_state_is_asked_for_series_cut_short_once_per_side_not_once_per_new_event():
    # Every new single event and every unpaired deletion might be a series whose first expansion was cut short:
    # the state is asked once per sync and side which series have occurrence pairs, and the occurrence pairs are
    # loaded for those alone (a prefix lookup per new event made an initial sync of 10,000 events 10 % slower).
    w, pim_id = interrupted_first_expansion()
    asked: list[Side] = []
    prefixes: list[tuple[Side, str]] = []
    with_occurrences, by_prefix = w.state.series_with_occurrence_pairs, w.state.pairs_by_prefix

    def counted_series(profile, kind, side):
        asked.append(side)
        return with_occurrences(profile, kind, side)

    def counted_prefix(profile, kind, side, prefix):
        prefixes.append((side, prefix))
        return by_prefix(profile, kind, side, prefix)

    w.state.series_with_occurrence_pairs = counted_series
    w.state.pairs_by_prefix = counted_prefix
    w.pim.remove(pim_id)
    for i in range(30):
        start = FIRST + timedelta(days=i, hours=3)
        w.pim.put(Event(subject=f"pim {i}", start=start, end=start + timedelta(hours=1)))
        w.crm.put(Event(subject=f"crm {i}", start=start, end=start + timedelta(hours=2)))
    w.sync()
    assert sorted(asked) == [Side.CRM, Side.PIM], "once per side that holds rules"
    assert [p for p in prefixes if p[1] != SERIES_PREFIX] == [(Side.PIM, pim_id + SEPARATOR)], \
        "the occurrence pairs of the series cut short only"
    assert sorted(e.subject for e in w.crm_events().values()) == sorted(
        [f"pim {i}" for i in range(30)] + [f"crm {i}" for i in range(30)]), "its copies deleted with it"
    w.calm()
