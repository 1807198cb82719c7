"""A series switch whose edit conflicts with an edit of its rule copy (docs/recurrence.md, "Switching a series to its
occurrences"): a conflict the policy decides switches the series with the winner's value, listed with both values
like any conflict; one the policy leaves for review is listed for review, nothing is written or deleted until it is
resolved, and the resolution is kept so that the next sync switches the series with the value picked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import keys
from test_series_switch import assert_switched, held_as_rule, lengthen

from syncore import ConflictPolicy, Kind, Plan, Recurrence, Side, SyncSettings
from syncore.errors import ConfigurationError, SimulatedCrash
from syncore.review import conflict_record, render_conflict, review_plan

MANUAL = SyncSettings(conflict_policy=ConflictPolicy.MANUAL)
WAITS = ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); switching it to "
         "single events waits for the conflict on location to be resolved at review")


def both_edited(settings: SyncSettings = MANUAL):
    """The series lengthened past the CRM's limits and moved to Room 2 in the PIM; its rule copy moved to Room 9."""
    w, pim_id, crm_id = held_as_rule(settings=settings)
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    w.crm.edit(crm_id, location="Room 9")
    return w, pim_id, crm_id


def conflicts(plan: Plan) -> list[tuple[str, str, object, object, object]]:
    return [(conflict_record(plan, c), c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts]


def writes(w) -> dict[str, int]:
    return {f"{name}.{op}": adapter.calls[op] for name, adapter in (("pim", w.pim), ("crm", w.crm))
            for op in ("create", "update", "delete") if adapter.calls[op]}


# -- the policy decides: the switch goes ahead with its pick, listed --------------------------------------------------
@pytest.mark.parametrize(("policy", "winner", "location"), [(ConflictPolicy.PIM_WINS, Side.PIM, "Room 2"),
                                                            (ConflictPolicy.CRM_WINS, Side.CRM, "Room 9")])
def test_a_conflict_the_policy_decides_switches_the_series_with_its_pick_listed_with_both_values(policy, winner,
                                                                                                 location):
    w, pim_id, _ = both_edited(SyncSettings(conflict_policy=policy))
    plan = w.engine.plan(Kind.EVENT)
    assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", winner)]
    assert plan.skipped == [] and not plan.needs_review
    before = writes(w)
    result = w.engine.apply(plan)
    assert result.ok, result.errors
    assert (result.conflicts, result.unresolved_conflicts) == (1, 0)
    assert_switched(w, pim_id, location=location)
    assert w.pim.records(Kind.EVENT)[pim_id].location == location
    # the occurrences in one create and the rule copy in one delete; the PIM's series updated only when it lost
    assert {k: v - before.get(k, 0) for k, v in writes(w).items() if v != before.get(k, 0)} == (
        {"crm.create": 1, "crm.delete": 1} if winner is Side.PIM else {"crm.create": 1, "crm.delete": 1, "pim.update": 1})
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_newest_wins_switches_with_the_newer_edit():
    w, pim_id, crm_id = held_as_rule(settings=SyncSettings(conflict_policy=ConflictPolicy.NEWEST_WINS))
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    w.now += timedelta(minutes=5)
    w.crm.edit(crm_id, location="Room 9")
    plan = w.engine.plan(Kind.EVENT)
    assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", Side.CRM)]
    assert plan.conflicts[0].reason == "newest_wins: CRM changed last"
    assert w.engine.apply(plan).ok
    assert_switched(w, pim_id, location="Room 9")
    w.calm()


def test_newest_wins_without_a_newer_side_leaves_the_switch_for_review():
    w, _, _ = both_edited(SyncSettings(conflict_policy=ConflictPolicy.NEWEST_WINS))  # (both at the same second)
    plan = w.engine.plan(Kind.EVENT)
    assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", None)]
    assert plan.operations == [] and plan.needs_review


# -- left for review ---------------------------------------------------------------------------------------------------
def test_a_conflict_left_for_review_is_listed_naming_the_series_and_nothing_is_written_or_deleted_until_resolved():
    w, pim_id, crm_id = both_edited()
    copy, series = w.crm_events()[crm_id], w.pim.records(Kind.EVENT)[pim_id]
    before = writes(w)
    for _ in range(2):  # listed and reported at every sync while nobody resolves it
        plan = w.engine.plan(Kind.EVENT)
        assert plan.operations == [] and plan.needs_review
        assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", None)]
        assert render_conflict(plan.conflicts[0], record=conflict_record(plan, plan.conflicts[0])) == (
            f"[{plan.conflicts[0].conflict_id}] conflict on '1:1', field location: PIM 'Room 2' vs CRM 'Room 9': "
            "left for review")
        assert [(s.side, s.native_id, s.label, s.reason) for s in plan.skipped] == [
            (Side.PIM, pim_id, "event series '1:1'", WAITS)]
        result = w.engine.apply(plan)
        assert result.ok, result.errors
        assert (result.conflicts, result.unresolved_conflicts) == (1, 1)
        assert result.skipped == [f"pim event series '1:1': {WAITS}"]
        assert w.crm_events() == {crm_id: copy}, "the rule copy keeps its edit, no occurrence next to it"
        assert w.pim.records(Kind.EVENT)[pim_id] == series
        assert writes(w) == before
        assert [(p.side, p.native_id, p.category.value) for p in w.engine.pending(Kind.EVENT)] == [
            (Side.PIM, pim_id, "conflict")]


@pytest.mark.parametrize(("winner", "location"), [(Side.PIM, "Room 2"), (Side.CRM, "Room 9")])
def test_resolving_it_either_way_switches_the_series_with_the_value_picked(winner, location):
    w, pim_id, _ = both_edited()
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, winner)
    before = writes(w)
    result = w.engine.apply(plan)
    assert result.ok, result.errors
    assert (result.conflicts, result.unresolved_conflicts) == (1, 0)
    assert result.skipped == [("pim event series '1:1': not written to the CRM: the CRM side cannot hold the rule (more "
                              "than 8 occurrences); switched to single events at the next sync, with the values picked "
                              "at review")]
    assert writes(w) == before, "the resolution is kept; the switch is the next sync's"
    plan = w.engine.plan(Kind.EVENT)
    assert plan.conflicts == [] and plan.skipped == []
    assert sorted((op.target.value, op.action.value) for op in plan.operations) == sorted(
        [("crm", "create")] * 12 + [("crm", "delete")] + ([("pim", "update")] if winner is Side.CRM else []))
    result = w.engine.apply(plan)
    assert result.ok, result.errors
    assert_switched(w, pim_id, location=location)
    assert w.pim.records(Kind.EVENT)[pim_id].location == location
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.parts.count == 12
    assert {k: v - before.get(k, 0) for k, v in writes(w).items() if v != before.get(k, 0)} == (
        {"crm.create": 1, "crm.delete": 1} if winner is Side.PIM else {"crm.create": 1, "crm.delete": 1, "pim.update": 1})
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_resolved_in_the_interactive_review_of_a_saved_plan():
    """The review asks about the conflict (naming the series and the field); a plan saved and loaded keeps it."""
    w, pim_id, _ = both_edited()
    plan = Plan.from_json(w.engine.plan(Kind.EVENT).to_json())
    shown: list[str] = []
    assert review_plan(plan, ask=lambda _: "c", show=shown.append)
    assert shown == [(f"[{plan.conflicts[0].conflict_id}] conflict on '1:1', field location: PIM 'Room 2' vs "
                     "CRM 'Room 9': left for review")]
    assert w.engine.apply(Plan.from_json(plan.to_json())).ok
    w.sync()
    assert_switched(w, pim_id, location="Room 9")
    w.calm()


def test_a_conflict_on_the_rule_itself_resolved_for_the_copy_needs_no_switch():
    """The rule copy's own rule change wins: the series takes it, fits the CRM again, and stays a rule there."""
    w, pim_id, crm_id = held_as_rule(settings=MANUAL)
    lengthen(w, pim_id)
    w.crm.edit(crm_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=4", zone="Europe/Berlin"))
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.resolution) for c in plan.conflicts] == [("recurrence", None)]
    assert plan.operations == []
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    plan = w.engine.plan(Kind.EVENT)
    assert [(op.target.value, op.action.value, op.fields) for op in plan.operations] == [
        ("pim", "update", frozenset({"recurrence"}))]
    assert w.engine.apply(plan).ok
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.parts.count == 4
    assert list(w.crm_events()) == [crm_id], "the rule copy stays"
    w.calm()


def test_a_conflict_on_the_rule_itself_resolved_for_the_series_switches_it():
    w, pim_id, crm_id = held_as_rule(settings=MANUAL)
    lengthen(w, pim_id)
    w.crm.edit(crm_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=4", zone="Europe/Berlin"))
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, Side.PIM)
    assert w.engine.apply(plan).ok
    w.sync()
    assert_switched(w, pim_id)
    w.calm()


@pytest.mark.parametrize("crash_after", [0, 6, 12, 13])
def test_the_switch_after_a_resolution_interrupted_is_completed_loses_and_duplicates_nothing(crash_after):
    """The next sync's switch crashes before, among or after the occurrences' creates, or after the rule copy's delete:
    the resolution is kept until the switch is done, and the sync after completes it with the value picked."""
    w, pim_id, _ = both_edited()
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    w.crm.crash_after(crash_after)  # (the CRM's writes: 12 creates, then the rule copy's delete)
    with pytest.raises(SimulatedCrash):
        w.engine.sync(Kind.EVENT)
    w.now += timedelta(hours=1)  # (past the retry back-off)
    w.sync()
    assert_switched(w, pim_id, location="Room 9")
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 9"
    assert sorted(e.start for e in w.crm_events().values()) == keys(12)
    w.calm()


def test_a_conflicting_edit_of_the_rule_copy_after_its_occurrences_were_written_is_reviewed_then_switched():
    """The rule copy edited between the plan and its apply, in the field the series' edit changed: the occurrences
    that apply created stay next to the copy, which is not deleted; the conflict is listed for review at the next
    sync, and once it is resolved the switch updates those occurrences (none is created twice) and deletes the copy."""
    w, pim_id, crm_id = held_as_rule(settings=MANUAL)
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    plan = w.engine.plan(Kind.EVENT)
    w.crm.edit(crm_id, location="Room 9")
    assert w.engine.apply(plan).skipped == [("crm event series '1:1': changed since the plan read it: not deleted, "
                                             "so that change is not lost")]
    assert len(w.crm_events()) == 13, "the rule copy and the 12 occurrences"
    plan = w.engine.plan(Kind.EVENT)
    assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", None)]
    assert plan.operations == []
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    assert len(w.crm_events()) == 13
    before = writes(w)
    w.sync()
    assert_switched(w, pim_id, location="Room 9")
    # the PIM's series gets Room 9, the 12 occurrences are updated in one call, the rule copy deleted in one
    assert {k: v - before.get(k, 0) for k, v in writes(w).items() if v != before.get(k, 0)} == {
        "pim.update": 1, "crm.update": 1, "crm.delete": 1}
    w.calm()


def test_a_pick_of_the_policy_for_a_switch_cannot_be_overturned_in_that_plan_and_nothing_is_written():
    """The switch's writes are planned with the policy's pick: another resolution of that conflict is refused with
    a clear error before any write (make a new plan), never applied half or ignored."""
    w, pim_id, crm_id = both_edited(SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS))
    plan = w.engine.plan(Kind.EVENT)
    [conflict] = plan.conflicts
    plan.resolve(conflict.conflict_id, Side.CRM)
    before = writes(w)
    with pytest.raises(ConfigurationError) as caught:
        w.engine.apply(plan)
    assert str(caught.value) == (
        f"conflict {conflict.conflict_id} ('1:1', field location) was decided by the conflict policy when its series "
        "was switched to single events; it cannot be resolved otherwise in this plan: nothing was written, make a new "
        "plan (another conflict_policy, or manual to review it)")
    assert writes(w) == before
    assert w.crm_events()[crm_id].location == "Room 9"
    w.sync()
    assert_switched(w, pim_id, location="Room 2")


def test_picks_that_do_not_fit_together_are_not_kept_and_asked_again():
    """The series moved two hours later in the PIM, its rule copy two hours earlier in the CRM: the start picked from
    the PIM's and the end from the CRM's would end before they start. Nothing is kept or written; the report says
    so and the next sync lists both conflicts again."""
    w, pim_id, crm_id = held_as_rule(settings=MANUAL)
    lengthen(w, pim_id)
    series, copy = w.pim.records(Kind.EVENT)[pim_id], w.crm_events()[crm_id]
    w.pim.edit(pim_id, start=series.start + timedelta(hours=2), end=series.end + timedelta(hours=2))
    w.crm.edit(crm_id, start=copy.start - timedelta(hours=2), end=copy.end - timedelta(hours=2))
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.resolution) for c in plan.conflicts] == [("start", None), ("end", None)]
    for conflict in plan.conflicts:
        plan.resolve(conflict.conflict_id, Side.CRM if conflict.field == "start" else Side.PIM)
    before = writes(w)
    result = w.engine.apply(plan)
    assert result.skipped == [
        ("pim event series '1:1': not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); "
        "the values picked at review do not fit together (invalid Event: end: end 2026-03-16T07:00:00+00:00 is "
        "before start 2026-03-16T10:00:00+00:00): nothing kept, asked again at the next sync")]
    assert result.unresolved_conflicts == 2
    assert writes(w) == before
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.resolution) for c in plan.conflicts] == [("start", None), ("end", None)]
    assert plan.operations == []
