"""The switch of a series whose rule copy has occurrences before the sync window, on a side that cuts series
(``Capabilities.cuts_series``): the window's occurrences are written as single events first, then the rule copy is
*cut* before the window (not deleted) and kept there, unpaired, as history (docs/recurrence.md, "Switching a series
to its occurrences"). A side that cannot cut keeps the edit waiting
(``test_series_switch.test_a_rule_copy_with_occurrences_before_the_window_is_not_switched_its_past_would_be_lost``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_engine_series import NOW, World, keys, weekly
from test_engine_series_faults import faulty_sync
from test_series_switch import lengthen, unfit

from syncore import ConflictPolicy, Kind, Plan, Recurrence, SyncSettings
from syncore.errors import SimulatedCrash
from syncore.models import CRM
from syncore.occurrences import occurrence_id, series_marker
from syncore.remote import RecurrenceSupport
from syncore.series import Series

RULES = RecurrenceSupport.RULES
#: 60 days after NOW: the window (30 days back) starts on 9 April, after the first four Mondays (16 March to 6 April)
LATER = NOW + timedelta(days=60)
WINDOW_START = datetime(2026, 4, 9, tzinfo=UTC)


def held_with_history(**world) -> tuple[World, str, str]:
    """A weekly series of 8 held as one rule by a CRM side that cuts series; synced 60 days on, when its first
    four occurrences are before the window."""
    w = World(crm_holds=RULES, crm_unfit=unfit, crm_cuts=True, **world)
    w.now = LATER
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    [crm_id] = w.crm_events()
    w.sync()  # (the CRM's feed has shown the rule copy's create: it lists it no more)
    return w, pim_id, crm_id


def assert_cut(w: World, pim_id: str, crm_id: str, count: int = 12) -> None:
    """The CRM holds the rule copy's four occurrences before the window (unpaired history, tombstoned) and the
    series' occurrences in the window as single events, each once."""
    crm = w.crm_events()
    history = crm.pop(crm_id)
    assert list(Series(history).starts()) == keys(4), "the occurrences before the window, kept"
    assert history.subject == "1:1" and history.location == "Room 1"
    assert all(e.recurrence is None for e in crm.values())
    assert sorted(e.start for e in crm.values()) == keys(count)[4:], "the window's occurrences, each once"
    assert sorted(w.crm.created_from[i] for i in crm) == sorted(occurrence_id(pim_id, k) for k in keys(count)[4:])
    pairs = {p.crm_id: p for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert pairs[series_marker(pim_id)].pim_id == pim_id, "remembered as expanded"
    assert crm_id not in pairs, "the history is paired with nothing"
    assert w.state.tombstoned("default", Kind.EVENT, CRM, [crm_id]) == {crm_id}, "never copied back"
    assert len(pairs) == count - 4 + 1
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.rule == f"FREQ=WEEKLY;BYDAY=MO;COUNT={count}", \
        "the series itself is not shortened"


def test_a_rule_copy_with_occurrences_before_the_window_is_cut_and_kept_as_history():
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    plan = w.engine.plan(Kind.EVENT)
    assert [s.reason for s in plan.skipped] == []
    [cut] = [op for op in plan.operations if op.action.value == "delete"]
    assert (cut.target_id, cut.cut_before, cut.after_occurrences_of) == (crm_id, WINDOW_START, pim_id)
    assert cut.reason == ("switched to single events: the CRM side cannot hold the rule (more than 8 occurrences); "
                          "its occurrences from 2026-04-09T00:00:00+00:00 on are deleted there, the earlier ones "
                          "kept as history")
    assert [(c.field, c.old.rule, c.new.rule) for c in cut.changes] == [
        ("recurrence", "FREQ=WEEKLY;BYDAY=MO;COUNT=8", "FREQ=WEEKLY;BYDAY=MO;COUNT=4")]
    before = dict(w.crm.calls)
    result = w.engine.apply(plan)
    assert result.ok, result.errors
    assert_cut(w, pim_id, crm_id)
    # 8 occurrences in one create, then the cut; nothing deleted or updated, nothing written to the PIM
    assert {op: w.crm.calls[op] - before.get(op, 0) for op in ("create", "update", "delete", "cut_series")} == {
        "create": 1, "update": 0, "delete": 0, "cut_series": 1}
    assert w.writes(w.pim) == 0
    w.calm()


def test_the_history_edited_later_in_the_crm_is_not_copied_back():
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    w.sync()
    w.crm.edit(crm_id, location="Room 7")
    result = w.sync()
    assert [s for s in result.skipped if "tombstone" in s], result.skipped
    assert w.writes(w.pim) == 0
    assert list(w.pim.records(Kind.EVENT)) == [pim_id]
    w.calm()


def test_a_switch_saved_for_review_keeps_the_cut():
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    plan = Plan.from_json(w.engine.plan(Kind.EVENT).to_json())
    [cut] = [op for op in plan.operations if op.action.value == "delete"]
    assert cut.cut_before == WINDOW_START
    result = w.engine.apply(plan)
    assert result.ok and result.skipped == [], (result.errors, result.skipped)
    assert_cut(w, pim_id, crm_id)
    w.calm()


# -- interruptions ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("writes", [0, 3, 8, 9])
def test_a_crash_at_any_write_of_the_cut_switch_loses_and_duplicates_nothing(writes):
    """8 creates, then the cut: a crash before the first, among them, after the last create, and after the cut
    (the engine never heard of it)."""
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    w.crm.crash_after(writes)
    with pytest.raises(SimulatedCrash):
        w.engine.sync(Kind.EVENT)
    if writes < 9:
        assert list(Series(w.crm_events()[crm_id]).starts()) == keys(8), "not cut before the occurrences are there"
    w.sync()
    assert_cut(w, pim_id, crm_id)
    assert w.writes(w.pim) == 0, "nothing comes back to the PIM"
    w.calm()


@pytest.mark.parametrize("wait", [timedelta(0), timedelta(hours=1)])
def test_a_lost_reply_to_the_cut_is_completed_by_the_next_sync(wait):
    """The cut landed, its reply was lost. The next sync, before the retry is due (the CRM's feed lists the cut
    copy) or after it, completes the switch: it never takes the cut for an edit to copy back to the PIM series."""
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="cut_series")
    faulty_sync(w)
    assert list(Series(w.crm_events()[crm_id]).starts()) == keys(4), "the cut landed"
    w.now += wait
    before = dict(w.crm.calls)
    w.sync()
    assert_cut(w, pim_id, crm_id)
    assert w.writes(w.pim) == 0
    # nothing created again; the cut repeated (it changes nothing)
    assert {op: w.crm.calls[op] - before.get(op, 0) for op in ("create", "update", "delete", "cut_series")} == {
        "create": 0, "update": 0, "delete": 0, "cut_series": 1}
    w.calm()
    w.now += timedelta(days=1)
    w.sync()
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_lost_reply_to_the_occurrences_keeps_the_copy_whole_until_they_are_known():
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="create")
    faulty_sync(w)
    assert list(Series(w.crm_events()[crm_id]).starts()) == keys(8)
    w.now += timedelta(hours=1)  # (past the retry back-off)
    w.sync()
    assert_cut(w, pim_id, crm_id)
    w.calm()


def test_a_copy_without_history_is_still_deleted_on_a_side_that_cuts():
    """The cut is for history only: a rule copy with no occurrence before the window is deleted as before."""
    w = World(crm_holds=RULES, crm_unfit=unfit, crm_cuts=True)
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    [crm_id] = w.crm_events()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=12", zone="Europe/Berlin"))
    plan = w.engine.plan(Kind.EVENT)
    [delete] = [op for op in plan.operations if op.action.value == "delete"]
    assert (delete.target_id, delete.cut_before) == (crm_id, None)
    assert w.engine.apply(plan).ok
    assert crm_id not in w.crm_events()
    assert w.crm.calls["cut_series"] == 0
    w.calm()


def test_a_switch_waits_while_the_other_side_is_read_only():
    """Neither the occurrences nor the cut may be written to a read-only side (before, the switch's deferred
    delete was sent there all the same and the sync failed): the edit is then a prevented one, and travels with
    the series' next edit, as any edit made while the other side was read-only."""
    w, pim_id, crm_id = held_with_history()
    lengthen(w, pim_id)
    w.crm.set_read_only(True)
    result = w.sync()
    assert w.writes(w.crm) == 1 and w.crm.calls["cut_series"] == 0, "only the rule copy's create, at the start"
    assert result.errors == []
    w.crm.set_read_only(False)
    w.sync()
    assert crm_id in w.crm_events() and len(w.crm_events()) == 1, "not switched by a sync with no new edit"
    lengthen(w, pim_id, count=12)  # (the series' next edit: a new version)
    w.sync()
    assert_cut(w, pim_id, crm_id)
    w.calm()


def test_a_switch_without_history_waits_too_while_the_other_side_is_read_only():
    w = World(crm_holds=RULES, crm_unfit=unfit)
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    [crm_id] = w.crm_events()
    lengthen(w, pim_id)
    w.crm.set_read_only(True)
    w.sync()
    assert list(w.crm_events()) == [crm_id] and w.crm.calls["delete"] == 0


@pytest.mark.parametrize("policy", [ConflictPolicy.CRM_WINS, ConflictPolicy.PIM_WINS])
def test_a_lost_cut_after_a_carried_over_copy_edit_never_shortens_the_series(policy):
    """The rule copy was renamed in the CRM too: the switch carries that edit over, writes the occurrences, cuts the
    copy, and the cut's reply is lost. The next sync reads the copy's earlier end as the cut it is, never as a CRM
    edit of the rule (which crm_wins would copy back, shortening the PIM's series)."""
    w, pim_id, crm_id = held_with_history(settings=SyncSettings(conflict_policy=policy))
    w.crm.edit(crm_id, location="Room 9")
    lengthen(w, pim_id)
    w.crm.lose_replies(1, op="cut_series")
    faulty_sync(w)
    w.now += timedelta(hours=1)
    w.sync()
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=12" and series.location == "Room 9"
    crm = w.crm_events()
    assert list(Series(crm.pop(crm_id)).starts()) == keys(4)
    assert sorted(e.start for e in crm.values()) == keys(12)[4:]
    assert {e.location for e in crm.values()} == {"Room 9"}
    w.calm()
