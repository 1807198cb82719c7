"""A switch to occurrences given up (its series edited back within the CRM's limits, see
test_series_switch_abandoned.py) while the user had edited one of the occurrence copies it made in the CRM: the edit
is carried over as a modified occurrence of the series (an override, by its original start), written to the series
and to its rule copy, and the edited copy is deleted: one meeting on each side, never the series' occurrence and a
single event next to it (docs/recurrence.md, "Switching a series to its occurrences"). Where the edit cannot be an
override, the copy is kept as a single event on both sides, as before, and that is reported by subject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import keys
from test_engine_series_faults import faulty_sync
from test_series_switch import held_as_rule, lengthen

from syncore import ConflictPolicy, Kind, Override, Side, SyncSettings
from syncore.errors import RecordRejected, SimulatedCrash
from syncore.testing.invariants import assert_in_step

HOUR = timedelta(hours=1)


def switch_stopped_at_two_copies(**world):
    """A series of 6 held as a rule in the CRM, lengthened to 12: the switch creates only the copies of its second
    and third occurrences (the CRM refuses the others), so the rule copy's deletion waits."""
    w, pim_id, crm_id = held_as_rule(**world)
    lengthen(w, pim_id, count=12)
    landed = set(keys(12)[1:3])
    w.crm.fail_record(lambda record: record.recurrence is None and record.start not in landed,
                      RecordRejected("refused", code="TEST"), times=20)
    faulty_sync(w)
    w.crm.clear_faults()
    copies = {e.start: i for i, e in w.crm_events().items() if e.recurrence is None}
    assert sorted(copies) == keys(12)[1:3]
    w.now += HOUR  # (past the retry back-off: the refused creates are due)
    return w, pim_id, crm_id, copies[keys()[1]]


def sync_interrupted_then_clean(w, side, fault, arg):
    """A sync interrupted by ``fault`` (a crash, a lost reply, a failed call) on ``side``, then a clean one once the
    retries are due."""
    getattr(getattr(w, side), fault)(arg)
    try:
        w.engine.sync(Kind.EVENT)
    except SimulatedCrash:
        pass
    w.crm.clear_faults()
    w.pim.clear_faults()
    w.now += HOUR  # (past the retry back-off)
    w.sync()


def assert_one_meeting_each_side(w, pim_id, crm_id, overrides, count=5):
    """The series and its rule copy, each of ``count`` with ``overrides``, one pair, no single event anywhere."""
    pim, crm = w.pim.records(Kind.EVENT), w.crm_events()
    assert list(pim) == [pim_id] and list(crm) == [crm_id], "no single event left on either side"
    assert pim[pim_id].recurrence.overrides == overrides
    assert crm[crm_id].recurrence.overrides == overrides
    assert pim[pim_id].recurrence.parts.count == crm[crm_id].recurrence.parts.count == count
    assert [(p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)] == [(pim_id, crm_id)]
    assert_in_step(w.state, "default", Kind.EVENT, {Side.PIM: pim, Side.CRM: crm}, w.crm.represent)
    assert w.engine.pending(Kind.EVENT) == []


def test_a_moved_copy_becomes_a_moved_occurrence_of_the_series_on_both_sides():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    second = keys()[1]
    w.crm.edit(copy_id, start=second + 2 * HOUR, end=second + 3 * HOUR)
    lengthen(w, pim_id, count=5)  # (back within the CRM's limit of 8; the rule still gives the second occurrence)
    result = w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, (
        Override(original_start=second, start=second + 2 * HOUR, end=second + 3 * HOUR),))
    assert not any("single event" in warning for warning in result.warnings)
    w.calm()


def test_a_renamed_copy_becomes_a_renamed_occurrence_of_the_series_on_both_sides():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    w.crm.edit(copy_id, subject="1:1 with Ada")
    lengthen(w, pim_id, count=5)
    w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, (Override(original_start=keys()[1], subject="1:1 with Ada"),))
    w.calm()


def test_a_copy_written_with_the_name_it_had_is_no_edit_and_goes_with_the_give_up():
    """A CRM user saves a copy with its own name again (a new version, the same content): nothing to carry over,
    the copy goes as an unedited one (the cutting machine's oracle took such a save for an edit, soak400 seed 38)."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    version = w.crm.fetch(Kind.EVENT, [copy_id])[copy_id].version
    w.crm.edit(copy_id, subject="1:1")
    assert w.crm.fetch(Kind.EVENT, [copy_id])[copy_id].version != version, "a new version"
    lengthen(w, pim_id, count=5)
    result = w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, ())
    assert not any("single event" in warning for warning in result.warnings)
    w.calm()


def test_the_copys_edit_is_carried_over_next_to_a_series_edit_of_another_field():
    """Only what the copy's user changed becomes the override: the series' new location reaches the occurrence
    too, never undone by the copy's old one."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    w.crm.edit(copy_id, subject="1:1 with Ada")
    lengthen(w, pim_id, count=5)
    w.pim.edit(pim_id, location="Room 7")
    w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, (Override(original_start=keys()[1], subject="1:1 with Ada"),))
    assert w.crm_events()[crm_id].location == "Room 7"
    w.calm()


@pytest.mark.parametrize("policy, subject, count", [(ConflictPolicy.PIM_WINS, "1:1 (PIM)", 5),
                                                    (ConflictPolicy.CRM_WINS, "1:1 (CRM)", 6)])
def test_a_copys_edit_conflicting_with_the_series_edit_of_that_occurrence_follows_the_policy(policy, subject, count):
    """As an edit of that occurrence made on the rule copy: a conflict on ``recurrence``, whose winner's whole
    recurrence travels (docs/recurrence.md, "Three-way merge at series level"); with crm_wins that is the rule copy's
    rule too (6 occurrences), the series' shortening to 5 losing with it, listed."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies(settings=SyncSettings(conflict_policy=policy))
    second = keys()[1]
    w.crm.edit(copy_id, subject="1:1 (CRM)")
    lengthen(w, pim_id, count=5)
    w.pim.edit_occurrence(pim_id, second, subject="1:1 (PIM)")
    result = w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, (Override(original_start=second, subject=subject),), count)
    assert (result.conflicts, result.unresolved_conflicts) == (1, 0), "listed, decided by the policy"
    w.calm()


def test_a_copys_edit_conflicting_with_the_series_edit_under_manual_stays_a_single_event_reported():
    """Nobody picked a value: the copy is not deleted (it holds the one nobody picked), and as before it comes back
    to the series' side as a single event, next to the series' own edit of that occurrence."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies(
        settings=SyncSettings(conflict_policy=ConflictPolicy.MANUAL))
    second = keys()[1]
    w.crm.edit(copy_id, subject="1:1 (CRM)")
    lengthen(w, pim_id, count=5)
    w.pim.edit_occurrence(pim_id, second, subject="1:1 (PIM)")
    result = w.sync()
    pim = w.pim.records(Kind.EVENT)
    assert pim[pim_id].recurrence.overrides == (Override(original_start=second, subject="1:1 (PIM)"),)
    [single] = [e for i, e in pim.items() if i != pim_id]
    assert (single.subject, single.start, single.recurrence) == ("1:1 (CRM)", second, None)
    assert sorted(w.crm_events()) == sorted([crm_id, copy_id])
    assert w.crm_events()[crm_id].recurrence.overrides == (Override(original_start=second, subject="1:1 (PIM)"),)
    assert ("event '1:1 (CRM)': edited in the CRM while the series' switch to single events was given up; kept as a "
            "single event (its edit conflicts with the series' edit of that occurrence, and the conflict policy picks "
            "no winner)") in result.warnings
    w.calm()


def test_a_copy_edited_in_a_field_an_occurrence_cannot_hold_stays_a_single_event_reported():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    w.crm.edit(copy_id, subject="1:1 (private)", private=True)
    lengthen(w, pim_id, count=5)
    result = w.sync()
    crm = w.crm_events()
    assert sorted(crm) == sorted([crm_id, copy_id]), "the other copy is deleted, the edited one kept"
    [(single_id, single)] = [(i, e) for i, e in w.pim.records(Kind.EVENT).items() if i != pim_id]
    assert (single.subject, single.start, single.private, single.recurrence) == (
        "1:1 (private)", keys()[1], True, None)
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.overrides == ()
    assert [w for w in result.warnings if "'1:1 (private)'" in w] == [(
        "event '1:1 (private)': edited in the CRM while the series' switch to single events was given up; kept as "
        "a single event (one occurrence of the series cannot have its own private)")]
    assert sorted((p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)) == sorted(
        [(pim_id, crm_id), (single_id, copy_id)])
    w.calm()


def test_a_copy_whose_occurrence_the_series_no_longer_has_stays_a_single_event_reported():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    w.crm.edit(copy_id, subject="1:1 moved")
    w.pim.edit(pim_id, start=keys()[2], end=keys()[2] + HOUR)  # (from the third occurrence on: no second)
    lengthen(w, pim_id, count=5)
    result = w.sync()
    [(single_id, single)] = [(i, e) for i, e in w.pim.records(Kind.EVENT).items() if i != pim_id]
    assert (single.subject, single.start, single.recurrence) == ("1:1 moved", keys()[1], None)
    assert sorted(w.crm_events()) == sorted([crm_id, copy_id])
    assert sorted((p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)) == sorted(
        [(pim_id, crm_id), (single_id, copy_id)])
    assert "event '1:1 moved': edited in the CRM while the series' switch to single events was given up; kept as " \
           "a single event (the series no longer has its occurrence of 2026-03-23 09:00 CET)" in result.warnings
    w.calm()


FAULTS = [("crm", "crash_after", n) for n in range(4)] + [("pim", "crash_after", n) for n in range(2)] \
    + [("crm", "lose_replies", n) for n in range(1, 4)] + [("pim", "lose_replies", 1)] \
    + [("crm", "fail_next", "delete")]


@pytest.mark.parametrize("side, fault, arg", FAULTS)
def test_an_interrupted_carry_over_ends_with_the_override_on_both_sides_and_no_copy(side, fault, arg):
    """A crash or a lost reply anywhere among the writes (the series' update, the rule copy's, the copies'
    deletions): the next sync finishes it; nothing lost (the move is an override on both sides), nothing twice
    (no single event left next to the series)."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    second = keys()[1]
    w.crm.edit(copy_id, start=second + 2 * HOUR, end=second + 3 * HOUR)
    lengthen(w, pim_id, count=5)
    sync_interrupted_then_clean(w, side, fault, arg)
    assert_one_meeting_each_side(w, pim_id, crm_id, (
        Override(original_start=second, start=second + 2 * HOUR, end=second + 3 * HOUR),))
    w.calm()
