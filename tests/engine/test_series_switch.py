"""The `expand` switch: a series the other side holds as a rule, edited past that side's limits, is switched to its
window's occurrences (single events tied to the series) and the rule copy is deleted — occurrences first, the rule
copy last, so an interruption at any write boundary neither loses the series' occurrences on that side nor leaves
them there twice, and the next sync completes the switch (docs/recurrence.md, "Switching a series to its
occurrences")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import NOW, World, keys, weekly
from test_engine_series_faults import faulty_sync

from syncore import ConflictPolicy, Kind, Plan, Recurrence, SyncSettings
from syncore.errors import SimulatedCrash
from syncore.occurrences import occurrence_id, series_marker
from syncore.remote import RecurrenceSupport
from syncore.settings import UnfitSeries

RULES = RecurrenceSupport.RULES


def unfit(record):
    """The CRM side's limit in these tests: at most 8 occurrences (Salesforce's classic weekly limit is 53)."""
    rule = getattr(record, "recurrence", None)
    return "more than 8 occurrences" if rule is not None and (rule.parts.count or 99) > 8 else None


def held_as_rule(**world) -> tuple[World, str, str]:
    """A weekly series of 6, synced to a CRM side that holds it as one rule (its copy there)."""
    w = World(crm_holds=RULES, crm_unfit=unfit, **world)
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    [crm_id] = w.crm_events()
    return w, pim_id, crm_id


def lengthen(w: World, pim_id: str, count: int = 12) -> None:
    w.pim.edit(pim_id, recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin"))


def assert_switched(w: World, pim_id: str, count: int = 12, location: str = "Room 1", subject: str = "1:1") -> None:
    """The CRM holds the series' occurrences as single events, each once, each tied to the series, and no rule."""
    crm = w.crm_events()
    assert all(e.recurrence is None for e in crm.values()), "the rule copy is gone"
    assert sorted(e.start for e in crm.values()) == keys(count), "each occurrence once"
    # (created_from: the link each create asked for, kept also where the side stores no links)
    assert sorted(w.crm.created_from[i] for i in crm) == sorted(occurrence_id(pim_id, k) for k in keys(count))
    assert all(e.subject == subject and e.location == location for e in crm.values())
    pairs = {p.crm_id: p for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert pairs[series_marker(pim_id)].pim_id == pim_id, "remembered as expanded"
    assert len(pairs) == count + 1


def test_a_series_edited_past_the_other_sides_limits_is_switched_to_its_occurrences():
    w, pim_id, crm_id = held_as_rule()
    w.sync()  # (the CRM's feed has shown the rule copy's create: it lists it no more)
    lengthen(w, pim_id)
    fetches = w.crm.calls["fetch"]
    plan = w.engine.plan(Kind.EVENT)
    assert w.crm.calls["fetch"] - fetches == 1, "the rule copy, read to decide the switch (the feed did not list it)"
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert delete.target_id == crm_id
    assert delete.reason == ("switched to single events: the CRM side cannot hold the rule "
                             "(more than 8 occurrences)")
    before = dict(w.crm.calls)
    result = w.engine.apply(plan)
    assert result.ok, result.errors
    assert_switched(w, pim_id)
    # 12 occurrences in one collections create, then the rule copy in one delete; nothing written to the PIM
    assert w.crm.calls["create"] - before.get("create", 0) == 1
    assert w.crm.calls["delete"] - before.get("delete", 0) == 1
    assert w.crm.calls["update"] - before.get("update", 0) == 0
    assert w.writes(w.pim) == 0
    # the saved plan's recheck reads the rule copy, and so does the deletion, after the creates
    assert w.crm.calls["fetch"] - before.get("fetch", 0) == 2
    w.calm()


def test_after_the_switch_edits_follow_both_ways():
    w, pim_id, _ = held_as_rule()
    lengthen(w, pim_id)
    w.sync()
    by_key = {w.crm.link_of(i): i for i in w.crm_events()}
    k = keys(12)
    w.crm.edit(by_key[occurrence_id(pim_id, k[3])], subject="1:1 (moved room)")
    w.pim.edit(pim_id, location="Room 2")
    w.sync()
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.overrides[0].subject == "1:1 (moved room)"
    assert {e.location for e in w.crm_events().values()} == {"Room 2"}
    w.calm()


def test_skip_still_reports_and_leaves_the_rule_copy_alone():
    w, pim_id, crm_id = held_as_rule(
        settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS, unfit_series=UnfitSeries.SKIP))
    copy = w.crm_events()[crm_id]
    lengthen(w, pim_id)
    for _ in range(2):  # reported at every sync, the CRM's series untouched
        plan = w.engine.plan(Kind.EVENT)
        [skip] = [s for s in plan.skipped if s.native_id == pim_id]
        assert skip.reason == ('not written to the CRM: the CRM side cannot hold this series (more than 8 '
                               'occurrences); unfit_series = "skip"')
        assert plan.operations == []
        w.engine.apply(plan)
        assert w.crm_events() == {crm_id: copy}


# -- interruptions at each write boundary ----------------------------------------------------------------------------
@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("writes", [0, 1, 6, 11, 12, 13])
def test_a_crash_at_any_write_of_the_switch_loses_and_duplicates_nothing(links, writes):
    """12 creates, then the rule copy's delete: a crash before the first, among them, after the last create, and
    after the delete (the engine never heard of it)."""
    w, pim_id, _ = held_as_rule(crm_links=links)
    lengthen(w, pim_id)
    w.crm.crash_after(writes)
    with pytest.raises(SimulatedCrash):
        w.engine.sync(Kind.EVENT)
    if writes < 12:
        assert any(e.recurrence is not None for e in w.crm_events().values()), "the rule copy waits for them"
    w.sync()
    assert_switched(w, pim_id)
    assert w.writes(w.pim) == 0, "nothing comes back to the PIM"
    w.calm()


@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("call", ["create", "delete"])
def test_a_lost_reply_at_either_write_of_the_switch_loses_and_duplicates_nothing(links, call):
    w, pim_id, crm_id = held_as_rule(crm_links=links)
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op=call)
    faulty_sync(w)
    if call == "create":
        assert crm_id in w.crm_events(), "the rule copy is kept until its occurrences are known to be there"
    w.now += timedelta(hours=1)  # (past the retry back-off)
    w.sync()
    assert_switched(w, pim_id)
    w.calm()


def test_a_lost_reply_to_the_delete_then_an_unread_series_deletes_nothing():
    """The rule copy's deletion is reported by the CRM's feed; the series' retry is not due yet, and its PIM record
    is unchanged since that sync: the series is read (one fetch) and the switch completed, never taken for "deleted
    in the CRM, untouched in the PIM"."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="delete")
    faulty_sync(w)
    assert crm_id not in w.crm_events()
    w.sync()  # at once: the back-off has not passed
    assert pim_id in w.pim.records(Kind.EVENT), "the series is not deleted"
    assert_switched(w, pim_id)
    w.calm()


def test_a_lost_reply_to_the_delete_then_the_series_shortened_back_stays_expanded():
    w, pim_id, _ = held_as_rule()
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="delete")
    faulty_sync(w)
    lengthen(w, pim_id, count=7)
    w.sync()
    assert_switched(w, pim_id, count=7)
    w.calm()


@pytest.mark.parametrize("links", [True, False])
def test_a_series_lengthened_while_a_re_create_of_its_rule_copy_is_recovered_is_switched_a_sync_later(links):
    """The rule copy was deleted in the CRM while the series was edited in the PIM: the edit wins and re-creates the
    copy, but that create's reply is lost. Then the series is lengthened past the limits. The next sync recovers the
    re-created copy (pairs the series with it, the update past the limits waits, reported); the sync after switches
    the series and deletes that copy, so neither the copy nor any occurrence is left twice (found by the series
    state machine: the recovered copy stayed next to the occurrences)."""
    w, pim_id, crm_id = held_as_rule(crm_links=links)
    w.crm.remove(crm_id)
    w.pim.edit(pim_id, location="Room 2")
    w.crm.lose_replies(1, op="create")
    faulty_sync(w)
    [recreated] = w.crm_events()
    assert recreated != crm_id
    lengthen(w, pim_id)
    w.now += timedelta(hours=1)  # (past the retry back-off)
    plan = w.engine.plan(Kind.EVENT)
    assert plan.operations == [], [(op.action.value, op.target_id, op.reason) for op in plan.operations]
    assert [(s.native_id, s.reason) for s in plan.skipped] == [
        (pim_id, "not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences)")]
    assert w.engine.apply(plan).ok
    pairs = {p.pim_id: p.crm_id for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert pairs == {pim_id: recreated}, "the recovered copy is the series' rule copy now"
    plan = w.engine.plan(Kind.EVENT)
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert delete.target_id == recreated
    assert w.engine.apply(plan).ok
    assert_switched(w, pim_id, location="Room 2")
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


# -- what is not switched -------------------------------------------------------------------------------------------
def test_a_rule_copy_edited_on_its_side_too_is_switched_with_that_edit_carried_over():
    """The series lengthened past the limits in the PIM, its rule copy renamed in the CRM: the two edits merge, the
    PIM's series gets the new subject (one update), the CRM the merged series' occurrences, and the rule copy goes
    (a merge whose result is expanded)."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    w.crm.edit(crm_id, subject="1:1 (renamed in the CRM)")
    plan = w.engine.plan(Kind.EVENT)
    assert plan.skipped == [] and plan.conflicts == []
    [update] = [op for op in plan.operations if op.action.value == "update"]
    assert (update.target.value, update.target_id, update.fields) == ("pim", pim_id, frozenset({"subject"}))
    assert update.reason == ("changed in CRM: its rule copy's edit, carried over before the series is switched to "
                             "single events")
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert delete.target_id == crm_id
    before = dict(w.pim.calls)
    assert w.engine.apply(plan).ok
    assert w.pim.calls["update"] - before.get("update", 0) == 1
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "1:1 (renamed in the CRM)"
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.parts.count == 12
    crm = w.crm_events()
    assert crm_id not in crm and all(e.recurrence is None for e in crm.values())
    assert sorted(e.start for e in crm.values()) == keys(12)
    assert {e.subject for e in crm.values()} == {"1:1 (renamed in the CRM)"}
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


@pytest.mark.parametrize("fault", ["lose_replies", "crash"])
def test_a_carried_over_edit_interrupted_is_completed_by_the_next_sync(fault):
    """The series' update with its rule copy's edit is answered by no reply, or a crash follows it: the rule copy
    stays until the next sync, which finds the edit in both records (no conflict) and completes the switch."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    w.crm.edit(crm_id, subject="1:1 (renamed in the CRM)")
    if fault == "crash":
        w.pim.crash_after(1)
    else:
        w.pim.lose_replies(1, op="update")
    faulty_sync(w)
    assert crm_id in w.crm_events(), "the rule copy waits for the series' update"
    w.now += timedelta(hours=1)  # (past the retry back-off)
    w.sync()
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "1:1 (renamed in the CRM)"
    crm = w.crm_events()
    assert crm_id not in crm and sorted(e.start for e in crm.values()) == keys(12)
    assert {e.subject for e in crm.values()} == {"1:1 (renamed in the CRM)"}
    w.calm()


def test_a_rule_copy_edited_on_its_side_too_in_the_same_field_is_not_switched_and_the_edit_waits_reported():
    """Both sides changed the same field and the policy leaves conflicts for review: the switch cannot settle it by
    itself (the copy holding the other value would be deleted), so the edit waits for the review, reported, and the
    rule copy keeps its edit (resolving it: tests/engine/test_series_switch_review.py)."""
    w, pim_id, crm_id = held_as_rule(settings=SyncSettings(conflict_policy=ConflictPolicy.MANUAL))
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    w.crm.edit(crm_id, location="Room 9")
    plan = w.engine.plan(Kind.EVENT)
    assert plan.operations == []
    [skip] = [s for s in plan.skipped if s.native_id == pim_id]
    assert skip.reason == ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); "
                           "switching it to single events waits for the conflict on location to be resolved at review")
    w.engine.apply(plan)
    assert w.crm_events()[crm_id].location == "Room 9"


def test_a_rule_copy_edited_on_its_side_too_still_waits_at_the_following_syncs():
    """The series' retry is due at the next sync while the CRM's feed no longer lists the edited rule copy: the copy
    is read with it (one fetch), so the switch is decided on both records, never on the series alone (found by the
    series state machine: occurrences created next to the edited copy, whose deletion was then refused)."""
    w, pim_id, crm_id = held_as_rule(settings=SyncSettings(conflict_policy=ConflictPolicy.MANUAL))
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    w.crm.edit(crm_id, location="Room 9")
    edited = w.crm_events()[crm_id]
    w.sync()
    for _ in range(2):
        plan = w.engine.plan(Kind.EVENT)
        assert plan.operations == [], [(op.action.value, op.target_id, op.reason) for op in plan.operations]
        [skip] = [s for s in plan.skipped if s.native_id == pim_id]
        assert skip.reason == ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); "
                               "switching it to single events waits for the conflict on location to be resolved at "
                               "review")
        result = w.engine.apply(plan)
        assert result.ok, result.errors
        assert w.crm_events() == {crm_id: edited}, "no occurrence next to the rule copy"


def test_a_switch_completed_at_a_retry_leaves_nothing_pending():
    """The retry reads the series once, for the switch: its pair with the rule copy is not taken up again by the
    retry's own reads (that would report the series as waiting in the same plan that completes its switch)."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    plan.exclude(next(op.op_id for op in plan.operations if op.action.value == "create"))
    w.engine.apply(plan)
    assert {(p.side.value, p.native_id) for p in w.engine.pending(Kind.EVENT)} >= {("pim", pim_id), ("crm", crm_id)}
    plan = w.engine.plan(Kind.EVENT)
    assert [s.reason for s in plan.skipped] == []
    assert sorted(op.action.value for op in plan.operations) == ["create", "delete"]
    w.engine.apply(plan)
    assert_switched(w, pim_id)
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_rule_copy_whose_version_moved_without_an_edit_does_not_hold_the_switch_back():
    """"Edited there too" is decided by content, as the planner decides any edit: a new version alone (a write of
    the values it has, an update of ours whose reply was lost) is no edit, and the series is switched."""
    w, pim_id, crm_id = held_as_rule()
    w.crm.edit(crm_id, location="Room 1")  # (the value it has: a new version, no edit)
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    assert [s.reason for s in plan.skipped] == []
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert delete.target_id == crm_id
    assert w.engine.apply(plan).ok
    assert_switched(w, pim_id)
    w.calm()


def test_a_rule_copy_with_occurrences_before_the_window_is_not_switched_its_past_would_be_lost():
    w = World(crm_holds=RULES, crm_unfit=unfit)
    w.now = NOW + timedelta(days=60)  # the first four occurrences are more than 30 days back by then (16 March to 6 April)
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    [crm_id] = w.crm_events()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    assert plan.operations == []
    [skip] = [s for s in plan.skipped if s.native_id == pim_id]
    assert skip.reason == ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); "
                           "switching it to single events would delete its 4 occurrences before the sync window "
                           "there")
    w.engine.apply(plan)
    assert w.crm_events()[crm_id] == weekly(count=8)


# -- the reverse -------------------------------------------------------------------------------------------------------
def test_a_switched_series_brought_back_within_the_limits_stays_expanded():
    w, pim_id, _ = held_as_rule()
    lengthen(w, pim_id)
    w.sync()
    before = dict(w.crm.calls)
    lengthen(w, pim_id, count=5)
    w.sync()
    assert_switched(w, pim_id, count=5)
    # the 7 occurrences past the fifth in one collections delete; no rule is created
    assert w.crm.calls["delete"] - before["delete"] == 1
    assert w.crm.calls["create"] - before["create"] == 0
    w.calm()


def test_a_switch_saved_for_review_and_applied_later_keeps_its_order():
    """The plan file keeps the delete's place after the occurrences (``after_occurrences_of``); applying it
    re-reads each occurrence's source through its series, so none is taken for changed since the plan."""
    w, pim_id, _ = held_as_rule()
    lengthen(w, pim_id)
    plan = Plan.from_json(w.engine.plan(Kind.EVENT).to_json())
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert delete.after_occurrences_of == pim_id
    result = w.engine.apply(plan)
    assert result.ok and result.skipped == [], result.skipped
    assert_switched(w, pim_id)
    w.calm()


def test_an_excluded_occurrence_keeps_the_rule_copy_until_a_later_sync_writes_it():
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    create = next(op for op in plan.operations if op.action.value == "create")
    plan.exclude(create.op_id)
    w.engine.apply(plan)
    assert crm_id in w.crm_events(), "one occurrence is not there: the rule copy stays"
    assert len(w.crm_events()) == 12, "the rule copy and 11 occurrences"
    w.sync()
    assert_switched(w, pim_id)
    w.calm()


def test_a_rule_copy_edited_between_the_plan_and_its_apply_is_not_deleted():
    """Deletes carry no version check: the rule copy is read again before it is deleted (one fetch), and an edit
    made since the plan read it keeps it; the switch waits, reported, and nothing of that edit is lost."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    w.crm.edit(crm_id, location="Room 9")
    result = w.engine.apply(plan)
    assert result.skipped == [("crm event series '1:1': changed since the plan read it: not deleted, so that "
                               "change is not lost")]
    assert w.crm_events()[crm_id].location == "Room 9", "the edit is kept"
    # the next sync: both sides changed the series, in different fields: the edit is carried over and the switch
    # completes (the occurrences that apply created are updated, none is created twice)
    w.sync()
    assert_switched(w, pim_id, location="Room 9")
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 9"
    w.calm()


def test_a_rule_copy_whose_version_moved_without_an_edit_is_deleted():
    """A version can move without a change of content (a write of the same values): the rule copy read again still
    holds what the plan took it to hold, so the switch completes."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    version = w.crm.fetch(Kind.EVENT, [crm_id])[crm_id].version
    w.crm.edit(crm_id, location="Room 1")  # (the value it has)
    assert w.crm.fetch(Kind.EVENT, [crm_id])[crm_id].version != version
    result = w.engine.apply(plan)
    assert result.ok and result.skipped == [], result.skipped
    assert_switched(w, pim_id)
    w.calm()
