"""Issue 11, items 1 and 3: a plan fits only the state it was made from; the profile lock is a renewed lease.

Each test here failed on the engine before these fixes (cursor/last-run staleness checks, a one-hour lock that
was never renewed, planning outside the lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from engine_world import World, make_world

from syncore import Event, Kind, SyncEngine
from syncore.errors import QuotaExhausted, StalePlan, SyncLocked
from syncore.locking import LockLost, this_host
from syncore.results import EventType
from syncore.state_types import LockHolder
from syncore.testing import MemoryAdapter


def _events(world: World, n: int) -> list[str]:
    start = world.now.replace(hour=9, minute=0) + timedelta(days=1)
    return [world.pim.put(Event(subject=f"Meeting {i}", start=start + timedelta(hours=i),
                                end=start + timedelta(hours=i, minutes=30))) for i in range(n)]


def _origins(adapter: MemoryAdapter) -> list[str | None]:
    return sorted(adapter.created_from.get(i) or i for i in adapter.records(Kind.EVENT))


def _second_engine(world: World) -> SyncEngine:
    return SyncEngine(pim=world.pim, crm=world.crm, state=world.state, settings=world.settings, clock=world.clock)


# -- item 1: stale plans -----------------------------------------------------------------------------------------
def test_a_plan_made_before_a_sync_that_stopped_part_way_does_not_apply():
    world = make_world()
    world.crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, batch_size=50, clock=world.clock)
    engine = world.make_engine()
    ids = _events(world, 120)
    old_plan = engine.plan(Kind.EVENT)
    assert len(old_plan.active_operations) == 120

    # another sync stops after two create batches (100 records written) on a quota error
    world.crm.fail_next("create", error=QuotaExhausted("daily API limit reached"), after=2)
    stopped = _second_engine(world).sync(Kind.EVENT)
    assert stopped.stopped and len(world.crm.records(Kind.EVENT)) == 100

    with pytest.raises(StalePlan, match="make a new plan"):
        engine.apply(old_plan)
    assert len(world.crm.records(Kind.EVENT)) == 100  # nothing written by the stale plan

    world.crm.clear_faults()
    assert engine.sync(Kind.EVENT).ok
    assert _origins(world.crm) == sorted(ids)  # every event once, none twice


def test_planning_alone_leaves_other_plans_valid():
    world = make_world()
    engine = world.make_engine()
    _events(world, 3)
    first = engine.plan(Kind.EVENT)
    engine.plan(Kind.EVENT)  # `syncore plan` again: reads only
    assert engine.apply(first).ok
    assert len(world.crm.records(Kind.EVENT)) == 3


def test_a_plan_applied_once_is_stale_the_second_time():
    world = make_world()
    engine = world.make_engine()
    _events(world, 2)
    plan = engine.plan(Kind.EVENT)
    engine.apply(plan)
    with pytest.raises(StalePlan):
        engine.apply(plan)
    assert len(world.crm.records(Kind.EVENT)) == 2


def test_a_plan_made_before_a_rebuild_is_stale():
    world = make_world()
    engine = world.make_engine()
    _events(world, 2)
    engine.sync(Kind.EVENT)
    world.pim.put(Event(subject="New", start=world.now + timedelta(days=2), end=world.now + timedelta(days=2, hours=1)))
    plan = engine.plan(Kind.EVENT)
    engine.rebuild(Kind.EVENT)
    with pytest.raises(StalePlan):
        engine.apply(plan)


def _saved_after_the_same_edit():
    """A synced event (manual), both sides then moved to Room 2, and a plan saved (`syncore plan --save`): it writes
    nothing, the pair's base catches up."""
    world = make_world()  # manual
    engine = world.make_engine()
    start = world.now + timedelta(days=1)
    pim_id = world.pim.put(Event(subject="Review", start=start, end=start + timedelta(hours=1), location="Room 1"))
    engine.sync(Kind.EVENT)
    (crm_id,) = world.crm.records(Kind.EVENT)
    world.advance(minutes=1)
    world.pim.edit(pim_id, location="Room 2")
    world.crm.edit(crm_id, location="Room 2")
    saved = engine.plan(Kind.EVENT)
    assert saved.operations == []
    return world, engine, pim_id, crm_id, saved


def test_a_saved_plan_does_not_put_back_a_base_a_later_sync_moved_on():
    # Found by the series state machine (soak2k, seed 44): "edit of priority to normal lost". Both sides made the
    # same edit and a plan was saved (no write: the pair's base catches up); both made another same edit and a sync
    # stored that base, writing to no side, so the saved plan stayed valid; applied, it stored its older base. The
    # CRM's user then set the value the old base held: read as no edit, and the PIM's edit was written over it.
    world, engine, pim_id, crm_id, saved = _saved_after_the_same_edit()
    world.advance(minutes=1)
    world.pim.edit(pim_id, location="Room 3")
    world.crm.edit(crm_id, location="Room 3")
    assert not any(engine.sync(Kind.EVENT).counts.values())
    with pytest.raises(StalePlan):  # that sync moved the pair's agreed state: the plan's is older
        engine.apply(saved)
    world.advance(minutes=1)
    world.crm.edit(crm_id, location="Room 2")
    world.advance(minutes=1)
    world.pim.edit(pim_id, location="Room 4")
    plan = engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("location", "Room 4", "Room 2", None)]
    assert plan.operations == []


def test_a_saved_plan_does_not_close_a_conflict_a_later_sync_opened():
    # Found by the cutting series state machine (soak400, seed 31), on contacts: both sides set the same notes and a
    # plan was saved (no write: the base catches up). The CRM then changed its notes and both sides the phone,
    # differently; a sync (manual) stored the two open conflicts, writing to no side, so the saved plan stayed
    # valid; applied, it stored its pair without them. The next sync took the CRM's notes for its only edit and
    # wrote them to the PIM: a conflict closed without a pick.
    world, engine, pim_id, crm_id, saved = _saved_after_the_same_edit()
    world.advance(minutes=1)
    world.crm.edit(crm_id, location="Room 9", subject="Review (CRM)")
    world.pim.edit(pim_id, subject="Review (PIM)")
    result = engine.sync(Kind.EVENT)
    assert not any(result.counts.values()) and result.unresolved_conflicts == 2
    with pytest.raises(StalePlan):  # that sync opened conflicts on the pair: the plan's state is older
        engine.apply(saved)
    plan = engine.plan(Kind.EVENT)
    assert sorted((c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts) == [
        ("location", "Room 2", "Room 9", None), ("subject", "Review (PIM)", "Review (CRM)", None)]
    assert plan.operations == []


def test_sync_holds_the_lock_from_planning_to_the_end_of_its_apply():
    world = make_world()
    engine = world.make_engine()
    _events(world, 5)
    other = _second_engine(world)
    with engine.locked():
        plan = engine.plan(Kind.EVENT)
        # a concurrent sync cannot plan from the state this one is about to change
        with pytest.raises(SyncLocked):
            other.sync(Kind.EVENT)
        engine.apply(plan)
    assert other.sync(Kind.EVENT).ok
    assert len(world.crm.records(Kind.EVENT)) == 5


def test_a_sync_started_from_inside_its_own_engines_apply_is_refused():
    """The lock is re-entrant within one engine (plan and apply under one hold), so it alone would let an on_event
    callback start a second sync of the same engine that writes alongside the first."""
    world = make_world()
    _events(world, 3)
    inner: list[BaseException] = []

    def sync_again(event) -> None:
        if event.type is EventType.CREATED and not inner:
            try:
                world.engine.sync(Kind.EVENT)
            except SyncLocked as error:
                inner.append(error)

    world.engine = SyncEngine(pim=world.pim, crm=world.crm, state=world.state, settings=world.settings,
                              clock=world.clock, on_event=sync_again)
    assert world.engine.sync(Kind.EVENT).ok
    assert len(inner) == 1 and "applying a plan already" in str(inner[0])
    assert _origins(world.crm) == sorted(world.pim.records(Kind.EVENT))  # each once, written by the outer sync
    assert world.engine.sync(Kind.EVENT).ok  # the engine syncs again once its apply is over


# -- item 3: the lock is a lease, renewed while the sync works ---------------------------------------------------
class _SlowCrm(MemoryAdapter):
    """Each create call takes ``minutes`` of (fake) time; ``during_call`` runs in the middle of each."""

    def __init__(self, world: World, minutes: float, **kwargs) -> None:
        super().__init__(name="crm", formatted_bodies=False, link_ids=False, clock=world.clock, **kwargs)
        self.world = world
        self.minutes = minutes
        self.during_call = lambda: None

    def create(self, kind, requests):
        self.world.advance(minutes=self.minutes / 2)
        self.during_call()
        self.world.advance(minutes=self.minutes / 2)
        return super().create(kind, requests)


def test_a_sync_longer_than_the_lease_keeps_the_lock_while_it_works():
    world = make_world()
    world.crm = _SlowCrm(world, minutes=6, batch_size=5)
    engine = world.make_engine()
    ids = _events(world, 60)  # 12 create calls of 6 minutes: 72 minutes, longer than any fixed lease
    other = _second_engine(world)
    refused = []

    def probe() -> None:
        with pytest.raises(SyncLocked):
            other.sync(Kind.EVENT)
        refused.append(world.now)

    world.crm.during_call = probe
    assert engine.sync(Kind.EVENT).ok
    assert len(refused) == 12 and refused[-1] - refused[0] > timedelta(hours=1)
    assert _origins(world.crm) == sorted(ids)


def test_a_sync_whose_lease_was_taken_over_stops_before_writing_more():
    world = make_world()
    world.crm = _SlowCrm(world, minutes=30, batch_size=5)  # one call outlasts the lease
    engine = world.make_engine()
    ids = _events(world, 12)
    other = _second_engine(world)
    taken = []

    def take_over() -> None:
        if not taken:
            other._lock.acquire()  # the lease has lapsed: a second sync starts
            taken.append(True)

    world.crm.during_call = take_over
    with pytest.raises(LockLost, match="taken over"):
        engine.sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 5  # the batch in flight landed; nothing after it
    world.crm.during_call = lambda: None
    assert other.sync(Kind.EVENT).ok  # the new holder resumes without duplicates
    other._lock.release()
    assert _origins(world.crm) == sorted(ids)


def _holder(pid: int, now: datetime, *, host: str | None = None, minutes: float = 10) -> LockHolder:
    return LockHolder(owner="crashed-sync", host=host or this_host(), pid=pid, acquired_at=now - timedelta(minutes=1),
                      expires_at=now + timedelta(minutes=minutes))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over_at_once():
    world = make_world()
    engine = world.make_engine()
    _events(world, 2)
    assert world.state.acquire_lock("default", _holder(_dead_pid(), world.now), now=world.now)
    assert engine.sync(Kind.EVENT).ok  # no hour-long wait
    assert world.state.lock_holder("default") is None


def test_a_live_holder_is_named_with_host_pid_and_since_when():
    world = make_world()
    engine = world.make_engine()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert world.state.acquire_lock("default", _holder(live.pid, world.now), now=world.now)
        with pytest.raises(SyncLocked) as raised:
            engine.sync(Kind.EVENT)
        message = str(raised.value)
        assert f"pid {live.pid}" in message and this_host() in message
        assert (world.now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S") in message
    finally:
        live.kill()
        live.wait()


def test_a_holder_on_another_host_blocks_until_its_lease_ends():
    world = make_world()
    engine = world.make_engine()
    _events(world, 1)
    assert world.state.acquire_lock("default", _holder(os.getpid(), world.now, host="other-host"), now=world.now)
    with pytest.raises(SyncLocked, match="other-host"):
        engine.sync(Kind.EVENT)
    world.advance(minutes=11)
    assert engine.sync(Kind.EVENT).ok
