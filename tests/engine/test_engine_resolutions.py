"""Issue 12.2: a conflict resolved at review is applied by re-running the pair's merge (one resolution path)."""

from __future__ import annotations

from datetime import timedelta

from engine_world import make_world

from syncore import Event, Kind, Plan, Side
from syncore.testing import MemoryAdapter


def _meeting(world):
    start = world.now + timedelta(days=1)
    return world.pim.put(Event(subject="Review", start=start, end=start + timedelta(hours=1)))


def test_resolving_toward_a_read_only_side_writes_nothing_to_it():
    # The bug: the separate resolution code checked the raw settings, not the read-only-adjusted job, and
    # planned (and called) an update on the read-only CRM.
    world = make_world()
    engine = world.make_engine()
    pim_id = _meeting(world)
    engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    world.crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, read_only=True,
                              clock=world.clock)
    world.crm._stores = engine.crm._stores  # the same data, now read-only
    engine = world.make_engine()
    world.pim.edit(pim_id, subject="Review (PIM)")
    world.crm._stores[Kind.EVENT].items[crm_id].record = world.crm.records(Kind.EVENT)[crm_id].replace(
        subject="Review (CRM)")
    world.crm._stores[Kind.EVENT].items[crm_id].version = "edited-in-crm"
    plan = engine.plan(Kind.EVENT)
    (conflict,) = plan.conflicts
    assert conflict.resolution is None
    plan.resolve(conflict.conflict_id, Side.PIM)
    result = engine.apply(plan)
    assert result.ok and world.crm.calls["update"] == 0
    assert world.crm.records(Kind.EVENT)[crm_id].subject == "Review (CRM)"


def test_a_resolution_saved_with_the_plan_reruns_the_merge_on_apply():
    world = make_world()
    engine = world.make_engine()
    pim_id = _meeting(world)
    engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    world.pim.edit(pim_id, subject="Review (PIM)", location="Room 1")
    world.crm.edit(crm_id, subject="Review (CRM)")
    plan = engine.plan(Kind.EVENT)
    assert [c.field for c in plan.conflicts] == ["subject"]
    # the location travels already; the subject waits for review
    assert [(op.target, op.fields) for op in plan.operations] == [(Side.CRM, frozenset({"location"}))]
    (conflict,) = plan.conflicts
    plan.resolve(conflict.conflict_id, Side.CRM)
    plan = Plan.from_json(plan.to_json())  # reviewed in another process
    engine.apply(plan)
    assert world.pim.records(Kind.EVENT)[pim_id].subject == "Review (CRM)"
    assert world.crm.records(Kind.EVENT)[crm_id].location == "Room 1"
    assert world.crm.records(Kind.EVENT)[crm_id].subject == "Review (CRM)"
    assert engine.plan(Kind.EVENT).is_empty
    assert not [p for p in world.state.pending("default", Kind.EVENT) if p.category.value == "conflict"]


def test_resolving_a_whole_record_conflict_writes_the_winner():
    world = make_world()
    engine = world.make_engine()
    pim_id = _meeting(world)
    engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    start = world.pim.records(Kind.EVENT)[pim_id].start
    # each side's edit is valid, but the PIM's later start and the CRM's earlier end do not fit together
    world.pim.edit(pim_id, start=start + timedelta(minutes=30))
    world.crm.edit(crm_id, end=start + timedelta(minutes=15))
    plan = engine.plan(Kind.EVENT)
    (whole,) = plan.conflicts
    assert whole.field == "*" and whole.resolution is None and not plan.active_operations
    plan.resolve(whole.conflict_id, Side.PIM)
    engine.apply(plan)
    crm_event = world.crm.records(Kind.EVENT)[crm_id]
    assert (crm_event.start, crm_event.end) == (start + timedelta(minutes=30), start + timedelta(hours=1))
    assert engine.plan(Kind.EVENT).is_empty
