"""A switch that carried its rule copy's edit over to the series, interrupted after that update landed (a lost reply,
a crash), then the copy edited back by its user before the next sync (docs/recurrence.md, "Switching a series to
its occurrences"; docs/concepts.md, "Interrupted syncs").

The update that landed is ours: the next sync takes its value into the pair's base (recovery's
``adopt_landed_updates``) before it decides the switch on the rule copy, so the copy's new value is the user's
edit since, carried over in turn. Found by the cutting series state machine: the switch was decided on the pair as
stored, our carried value on the series read as the series' own edit and the copy's (undone) value as no edit, and
the switch deleted the copy with the user's last edit ("edit of body to Body(text='') lost with rule copy").
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import World, keys
from test_engine_series_faults import faulty_sync
from test_series_switch import held_as_rule, lengthen

from syncore import Body, ConflictPolicy, Kind, Side, SyncSettings

CARRIED = "changed in CRM: its rule copy's edit, carried over before the series is switched to single events"


def _interrupt(w: World, fault: str) -> None:
    """The switch's sync, its series update (the copy's edit carried over) landing with no outcome stored."""
    if fault == "crash":
        w.pim.crash_after(1)
    else:
        w.pim.lose_replies(1, op="update")
    faulty_sync(w)


def _the_switch_carries(w: World, pim_id: str, crm_id: str, field: str, value) -> None:
    """The next sync carries the copy's value of ``field`` over (no conflict: only the copy changed it since our
    write), then deletes the copy; every occurrence gets that value."""
    w.now += timedelta(hours=1)  # (past the retry back-off)
    plan = w.engine.plan(Kind.EVENT)
    assert plan.conflicts == []
    [update] = [op for op in plan.operations if op.action.value == "update" and op.target_id == pim_id]
    assert (update.fields, update.reason, getattr(update.record, field)) == (frozenset({field}), CARRIED, value)
    assert [op.target_id for op in plan.operations if op.action.value == "delete"] == [crm_id]
    assert w.engine.apply(plan).ok
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert getattr(series, field) == value and series.recurrence.parts.count == 12
    crm = w.crm_events()
    assert crm_id not in crm and all(e.recurrence is None for e in crm.values())
    assert sorted(e.start for e in crm.values()) == keys(12), "each occurrence once"
    assert {getattr(e, field) for e in crm.values()} == {value}
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


@pytest.mark.parametrize("policy", [ConflictPolicy.PIM_WINS, ConflictPolicy.MANUAL])
@pytest.mark.parametrize("fault", ["lose_replies", "crash"])
def test_a_rule_copy_renamed_back_after_its_carried_over_rename_landed_keeps_its_old_name(fault, policy):
    w, pim_id, crm_id = held_as_rule(settings=SyncSettings(conflict_policy=policy))
    lengthen(w, pim_id)
    w.crm.edit(crm_id, subject="1:1 (renamed in the CRM)")
    _interrupt(w, fault)
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "1:1 (renamed in the CRM)", "the carry-over landed"
    assert crm_id in w.crm_events(), "the rule copy waits for the series' update"
    w.crm.edit(crm_id, subject="1:1")  # the CRM user changes their mind
    _the_switch_carries(w, pim_id, crm_id, "subject", "1:1")


@pytest.mark.parametrize("fault", ["lose_replies", "crash"])
def test_a_rule_copy_note_cleared_after_its_carried_over_note_landed_stays_cleared(fault):
    """The state machine's case: a note written on the copy, carried over, then cleared on the copy (an empty value
    is an edit here, the base holding the note: it does not yield to the series' note)."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id)
    w.crm.edit(crm_id, body=Body(text="plain note"))
    _interrupt(w, fault)
    assert w.pim.records(Kind.EVENT)[pim_id].body.text == "plain note", "the carry-over landed"
    w.crm.edit(crm_id, body=Body(text=""))
    _the_switch_carries(w, pim_id, crm_id, "body", Body(text=""))


# -- an update of the rule copy, interrupted, that the copy's user may have undone ----------------------------------
def _rename_undone_on_the_copy(policy: ConflictPolicy) -> tuple[World, str, str]:
    """The series renamed in the PIM, the rename's update of the rule copy landing with its reply lost, the CRM user
    putting the old name back, then the series lengthened past the CRM's limits: which happened on the copy (our
    update never landed, or it landed and its user undid it) cannot be told from the records, so the subject is
    compared side against side (docs/concepts.md, "Interrupted syncs"), at the switch as at an ordinary update."""
    w, pim_id, crm_id = held_as_rule(settings=SyncSettings(conflict_policy=policy))
    w.pim.edit(pim_id, subject="Renamed")
    w.crm.lose_replies(1, op="update")
    faulty_sync(w)
    assert w.crm_events()[crm_id].subject == "Renamed", "the update landed"
    w.crm.edit(crm_id, subject="1:1")
    lengthen(w, pim_id)
    w.now += timedelta(hours=1)  # (past the retry back-off)
    return w, pim_id, crm_id


def test_an_undone_update_of_the_rule_copy_holds_the_switch_for_review_under_manual():
    w, pim_id, crm_id = _rename_undone_on_the_copy(ConflictPolicy.MANUAL)
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("subject", "Renamed", "1:1", None)]
    assert plan.operations == [] and plan.needs_review
    assert w.engine.apply(plan).ok
    assert w.crm_events()[crm_id].subject == "1:1", "the copy stays, with its user's value"
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    w.sync()
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "1:1"
    crm = w.crm_events()
    assert crm_id not in crm and sorted(e.start for e in crm.values()) == keys(12)
    assert {e.subject for e in crm.values()} == {"1:1"}
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


@pytest.mark.parametrize(("policy", "winner"), [(ConflictPolicy.PIM_WINS, "Renamed"), (ConflictPolicy.CRM_WINS, "1:1")])
def test_an_undone_update_of_the_rule_copy_is_a_conflict_the_policy_decides_at_the_switch(policy, winner):
    w, pim_id, crm_id = _rename_undone_on_the_copy(policy)
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value) for c in plan.conflicts] == [("subject", "Renamed", "1:1")]
    assert w.engine.apply(plan).ok
    w.sync()
    assert w.pim.records(Kind.EVENT)[pim_id].subject == winner
    crm = w.crm_events()
    assert crm_id not in crm and sorted(e.start for e in crm.values()) == keys(12)
    assert {e.subject for e in crm.values()} == {winner}
    w.calm()
