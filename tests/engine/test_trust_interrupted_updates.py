"""An update of ours that was interrupted before its outcome was stored, then met by a user's edit.

The state machine (CuttingSeriesSyncMachine, a lost lock) found that when the write had landed and the user put the
field back to its old value before the next sync, recovery took the old value for "the write never landed" and
wrote the other side's value over the user's, with no conflict (docs/concepts.md promises an interrupted write
never wins against an edit made since). Which of the two happened cannot be told from the records, so those fields
are now compared side against side (a conflict for the policy or the review); when the record shows the write did
land, the user's edits since travel; and a write journaled ahead of its batch that was never sent is known not to
have landed, so a user's edit of another field is no conflict.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_world import World, make_world

from syncore import ConflictPolicy, Event, Kind, Side, SyncEngine, SyncSettings
from syncore.errors import SimulatedCrash
from syncore.locking import LockLost
from syncore.testing import MemoryAdapter


class _PimLosingTheLease(MemoryAdapter):
    """A PIM whose update call outlasts the lease: another sync takes the lock while it runs."""

    def __init__(self, world: World, **kwargs) -> None:
        super().__init__(name="pim", formatted_bodies=True, link_ids=True, clock=world.clock, **kwargs)
        self.world = world
        self.other: SyncEngine | None = None

    def update(self, kind, requests):
        outcomes = super().update(kind, requests)
        if self.other is not None:
            self.world.advance(minutes=11)
            self.other._lock.acquire()  # the lease has lapsed: a second sync starts
            self.other = None
        return outcomes


def _world(how: str, *, policy: ConflictPolicy = ConflictPolicy.MANUAL, pim_batch: int = 50) -> World:
    world = make_world()
    if how == "lost-lock":
        world.pim = _PimLosingTheLease(world, batch_size=pim_batch)
    else:
        world.pim = MemoryAdapter(name="pim", formatted_bodies=True, link_ids=True, clock=world.clock,
                                  batch_size=pim_batch)
    world.make_engine(SyncSettings(conflict_policy=policy))
    return world


def _meeting(world: World, n: int = 0) -> str:
    start = world.now.replace(hour=9, minute=0) + timedelta(days=1, hours=n)
    return world.pim.put(Event(subject=f"Review {n}", location="Alpha", start=start, end=start + timedelta(hours=1)))


def _crm_id(world: World, pim_id: str) -> str:
    [pair] = world.state.pairs_for("default", Kind.EVENT, pim_ids=[pim_id])
    return pair.crm_id


def _interrupt_the_pim_update(world: World, how: str) -> None:
    """Arm ``how`` on the PIM's next update call (whose writes land) and run the sync it cuts short."""
    engine = world.engine
    if how == "lost-reply":
        world.pim.lose_replies(1, op="update")
        assert engine.sync(Kind.EVENT).errors
        return
    if how == "crash":
        world.pim.crash_after(1)
        with pytest.raises(SimulatedCrash):
            engine.sync(Kind.EVENT)
        return
    other = SyncEngine(pim=world.pim, crm=world.crm, state=world.state, settings=world.settings, clock=world.clock)
    world.pim.other = other
    with pytest.raises(LockLost):
        engine.sync(Kind.EVENT)
    other._lock.release()


HOW = ["lost-reply", "crash", "lost-lock"]


@pytest.mark.parametrize("how", HOW)
def test_a_landed_write_the_user_put_back_is_a_conflict_not_overwritten(how):
    world = _world(how)
    pim_id = _meeting(world)
    world.engine.sync(Kind.EVENT)
    crm_id = _crm_id(world, pim_id)
    world.advance(minutes=1)
    world.crm.edit(crm_id, location="Gamma")
    _interrupt_the_pim_update(world, how)
    assert world.pim.records(Kind.EVENT)[pim_id].location == "Gamma"  # our write landed
    world.advance(minutes=1)
    world.pim.edit(pim_id, location="Alpha")  # the user puts it back

    world.advance(hours=1)
    engine = world.make_engine(world.settings)
    plan = engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("location", "Alpha", "Gamma", None)]
    engine.apply(plan)
    # manual: left for review, neither value written over the other
    assert world.pim.records(Kind.EVENT)[pim_id].location == "Alpha"
    assert world.crm.records(Kind.EVENT)[crm_id].location == "Gamma"


def test_under_a_winning_policy_the_put_back_value_is_a_listed_conflict():
    world = _world("lost-reply", policy=ConflictPolicy.PIM_WINS)
    pim_id = _meeting(world)
    world.engine.sync(Kind.EVENT)
    crm_id = _crm_id(world, pim_id)
    world.crm.edit(crm_id, location="Gamma")
    _interrupt_the_pim_update(world, "lost-reply")
    world.pim.edit(pim_id, location="Alpha")
    world.advance(hours=1)
    plan = world.engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("location", "Alpha", "Gamma", Side.PIM)]
    world.engine.apply(plan)
    assert world.crm.records(Kind.EVENT)[crm_id].location == "Alpha"


@pytest.mark.parametrize("how", HOW)
def test_when_the_write_shows_it_landed_the_users_put_back_travels(how):
    """Two fields written; the user put one back. The other still holds our value, so the write landed: the put-back
    value is the user's edit and travels, without a conflict."""
    world = _world(how)
    pim_id = _meeting(world)
    world.engine.sync(Kind.EVENT)
    crm_id = _crm_id(world, pim_id)
    world.crm.edit(crm_id, location="Gamma", subject="Review 0 (moved)")
    _interrupt_the_pim_update(world, how)
    world.advance(minutes=1)
    world.pim.edit(pim_id, location="Alpha")

    world.advance(hours=1)
    engine = world.make_engine(world.settings)
    result = engine.sync(Kind.EVENT)
    assert result.ok and result.conflicts == 0
    for side in (world.pim.records(Kind.EVENT)[pim_id], world.crm.records(Kind.EVENT)[crm_id]):
        assert (side.location, side.subject) == ("Alpha", "Review 0 (moved)")
    assert engine.plan(Kind.EVENT).is_empty


@pytest.mark.parametrize("how", ["crash", "lost-lock"])
def test_a_write_journaled_ahead_and_never_sent_is_no_conflict(how):
    """The PIM takes one update per call: the sync stops after the first, so the second was journaled and never
    sent. The user's edit of another field of that record is then no reason to doubt the CRM's value."""
    world = _world(how, pim_batch=1)
    first, second = _meeting(world, 0), _meeting(world, 1)
    world.engine.sync(Kind.EVENT)
    for pim_id in (first, second):
        world.crm.edit(_crm_id(world, pim_id), location="Gamma")
    _interrupt_the_pim_update(world, how)
    landed = {pim_id: record.location for pim_id, record in world.pim.records(Kind.EVENT).items()}
    assert sorted(landed.values()) == ["Alpha", "Gamma"]  # one call went out, the other did not
    unsent = next(pim_id for pim_id, location in landed.items() if location == "Alpha")
    world.advance(minutes=1)
    world.pim.edit(unsent, subject="Review (agenda)")

    world.advance(hours=1)
    result = world.make_engine(world.settings).sync(Kind.EVENT)
    assert result.ok and result.conflicts == 0
    crm = world.crm.records(Kind.EVENT)[_crm_id(world, unsent)]
    pim = world.pim.records(Kind.EVENT)[unsent]
    assert (pim.location, pim.subject) == (crm.location, crm.subject) == ("Gamma", "Review (agenda)")
