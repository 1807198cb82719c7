"""A create in flight when its sync stopped lands after the next sync has looked for its copy.

Found by the server's kill test (tests/server/test_server_fleet.py, a worker SIGKILLed mid-apply, the task
redelivered at once): under load it left a contact twice in Salesforce. The killed worker's request was still being
processed by the server when the redelivered run looked for the copies it may have written; not finding them, that
run created them again, and then the first request landed. A server finishes a request whose sender died (or timed
out waiting): Salesforce documents a 10-minute call timeout. So a create sent less than the target's
``writes_land_within`` before is not made again while its copy is not found: its source waits, reported, until the
copy shows up (paired) or the time has passed (created then). A create never sent cannot land and does not wait.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_world import World, make_world
from late_landing import LandingLate

from syncore import Event, Kind
from syncore.errors import SimulatedCrash


def _world(batch: int = 50) -> World:
    world = make_world()
    world.crm = LandingLate(name="crm", formatted_bodies=False, link_ids=False, clock=world.clock, batch_size=batch)
    world.make_engine()
    return world


def _meetings(world: World, n: int) -> list[str]:
    start = world.now.replace(hour=8, minute=0) + timedelta(days=1)
    return [world.pim.put(Event(subject=f"Visit {i}", start=start + timedelta(hours=i),
                                end=start + timedelta(hours=i, minutes=45))) for i in range(n)]


def _crashed_with_creates_in_flight(world: World) -> None:
    world.crm.in_flight_calls = 1
    with pytest.raises(SimulatedCrash):
        world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}  # nothing has landed yet


def _subjects(world: World) -> list[str]:
    return sorted(record.subject for record in world.crm.records(Kind.EVENT).values())


def test_a_create_landing_after_the_next_sync_looked_is_not_made_twice():
    world = _world()
    _meetings(world, 3)
    _crashed_with_creates_in_flight(world)
    world.advance(seconds=30)  # the task is run again at once (a redelivery)
    result = world.make_engine().sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}, "created again while the first copies may still land"
    assert sorted(result.skipped) == [
        f"pim event 'Visit {i}': not copied again yet: a copy sent to the CRM at 2026-11-24 12:00 UTC by a sync "
        "that stopped may still land there (until 12:10 UTC); it is looked for again next sync" for i in range(3)]

    world.crm.land()  # the server finishes the first request
    world.advance(minutes=1)
    world.engine.sync(Kind.EVENT)
    world.engine.sync(Kind.EVENT)
    assert _subjects(world) == ["Visit 0", "Visit 1", "Visit 2"]  # each once
    assert world.engine.plan(Kind.EVENT).is_empty
    assert not world.state.open_intents("default", Kind.EVENT)


def test_a_create_that_never_lands_is_made_once_its_time_has_passed():
    world = _world()
    _meetings(world, 2)
    _crashed_with_creates_in_flight(world)
    world.advance(minutes=5)
    world.make_engine().sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}
    world.advance(minutes=6)  # 11 minutes after it was sent: it can no longer land
    world.make_engine().sync(Kind.EVENT)
    assert _subjects(world) == ["Visit 0", "Visit 1"]
    assert not world.state.open_intents("default", Kind.EVENT)


def test_creates_journaled_ahead_and_never_sent_do_not_wait():
    """One create per call: the first is in flight when the sync dies, the other two were journaled with it and
    never sent. Those two are created by the next sync at once; only the first waits."""
    world = _world(batch=1)
    _meetings(world, 3)
    _crashed_with_creates_in_flight(world)
    world.advance(seconds=30)
    result = world.make_engine().sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 2
    assert len(result.skipped) == 1 and "may still land" in result.skipped[0]
    world.crm.land()
    world.advance(minutes=1)
    world.engine.sync(Kind.EVENT)
    assert _subjects(world) == ["Visit 0", "Visit 1", "Visit 2"]


def test_a_late_copy_of_a_record_deleted_meanwhile_is_deleted_not_copied_back():
    world = _world()
    [visit] = _meetings(world, 1)
    _crashed_with_creates_in_flight(world)
    world.pim.remove(visit)  # the user deletes the meeting before the next sync
    world.advance(seconds=30)
    world.make_engine().sync(Kind.EVENT)
    world.crm.land()
    world.advance(minutes=1)
    world.engine.sync(Kind.EVENT)
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}
    assert world.pim.records(Kind.EVENT) == {}  # not copied back as a new meeting


def test_a_create_left_open_for_a_record_paired_since_holds_nothing():
    """The sync that paired the landed copy stopped before it closed the create; without links a paired copy is
    not looked for again, so the create's copy reads as "not found". The record is paired: nothing would be created,
    so nothing waits (it did: its pair was taken out of the sync and its edits stayed behind for 10 minutes; found
    by the real-kill test, tests/crash/test_real_kills.py)."""
    world = _world()
    [first] = _meetings(world, 1)
    _crashed_with_creates_in_flight(world)
    world.crm.land()
    world.advance(seconds=30)
    start = world.now.replace(hour=8, minute=0) + timedelta(days=2)
    world.pim.put(Event(subject="Lunch", start=start, end=start + timedelta(hours=1)))
    world.crm.crash_after(0)  # this sync pairs the landed copy, then dies at its next create
    with pytest.raises(SimulatedCrash):
        world.make_engine().sync(Kind.EVENT)
    assert world.state.pairs_for("default", Kind.EVENT, pim_ids=[first]), "the landed copy was paired"
    world.advance(seconds=30)
    world.make_engine().sync(Kind.EVENT)
    world.pim.edit(first, subject="Visit 0 (moved)")
    world.advance(seconds=30)
    world.engine.sync(Kind.EVENT)
    assert _subjects(world) == ["Visit 0 (moved)"]  # (Lunch, sent when that sync died, may still land: it waits)
    world.advance(minutes=11)
    world.engine.sync(Kind.EVENT)
    assert _subjects(world) == ["Lunch", "Visit 0 (moved)"]
