"""A delete in flight when its sync stopped lands after the user edited its record (found by the base state
machine's late landings, state_machine_late_landing.py).

The user deletes a meeting in Outlook; the sync's delete of its Salesforce copy loses its reply (the server is still
working on it). The user then edits the Salesforce copy: the next sync finds the edit beating the deletion and
re-creates the meeting in Outlook. Then the first delete lands: the Salesforce copy is gone, and the sync after
that deletes the re-created meeting as if the user had deleted the copy, so the edit is lost on both sides. The
server deletes what it was asked to (the memory adapter's deletes are not conditional); what syncore could do is
tell its own late delete from a user's, as it does for late creates and updates (docs/concepts.md, "Interrupted
syncs").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from engine_world import make_world
from test_engine_series import World, weekly
from test_series_switch import unfit

from syncore import Event, Kind, Recurrence, SyncEngine
from syncore.remote import RecurrenceSupport
from syncore.testing import MemoryAdapter


def _deleting(links: bool):
    """Two meetings synced; the user deletes "Visit" in Outlook, and the sync's delete of its CRM copy loses its
    reply at 12:01 (the server makes it later, when the test lands it). Returns the world and the copy's id."""
    world = make_world()
    world.crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=links, clock=world.clock,
                              writes_land_within=timedelta(minutes=10))
    world.make_engine()
    start = world.now.replace(hour=8, minute=0) + timedelta(days=1)
    for subject in ("Visit", "Review"):  # (two, so that one deletion does not empty the side)
        world.pim.put(Event(subject=subject, start=start, end=start + timedelta(hours=1)))
    world.engine.sync(Kind.EVENT)
    [visit] = [i for i, r in world.crm.records(Kind.EVENT).items() if r.subject == "Visit"]
    [outlook_visit] = [i for i, r in world.pim.records(Kind.EVENT).items() if r.subject == "Visit"]

    world.advance(minutes=1)
    world.pim.remove(outlook_visit)
    world.crm.defer_writes(1, op="delete")
    assert not world.engine.sync(Kind.EVENT).ok  # its reply lost: the delete is still in flight
    assert world.now == datetime(2026, 11, 24, 12, 1, tzinfo=UTC)
    return world, visit


def _both(world) -> list[list[tuple[str, str]]]:
    return [sorted((r.subject, r.location) for r in side.records(Kind.EVENT).values())
            for side in (world.pim, world.crm)]


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
def test_an_edit_that_beat_a_delete_survives_the_delete_landing_late(links):
    world, visit = _deleting(links)
    world.advance(minutes=1)
    world.crm.edit(visit, location="Room 5")  # edited in Salesforce before the delete is made
    world.engine.sync(Kind.EVENT)  # the edit beats the deletion: the meeting comes back to Outlook
    assert sorted((r.subject, r.location) for r in world.pim.records(Kind.EVENT).values()) == [
        ("Review", ""), ("Visit", "Room 5")]

    world.advance(minutes=1)
    world.crm.land_deferred()  # the server makes the delete, 3 minutes after it was sent
    world.engine.sync(Kind.EVENT)
    world.advance(minutes=1)
    world.engine.sync(Kind.EVENT)
    assert sorted((r.subject, r.location) for r in world.pim.records(Kind.EVENT).values()) == [
        ("Review", ""), ("Visit", "Room 5")]
    # (the edit is back in the CRM too: the record the delete took is copied again from Outlook)
    assert _both(world) == [[("Review", ""), ("Visit", "Room 5")], [("Review", ""), ("Visit", "Room 5")]]
    assert world.pim.calls["delete"] == 0
    world.advance(minutes=10)
    assert world.engine.sync(Kind.EVENT).counts == {}
    assert world.state.open_intents("default", Kind.EVENT) == []


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
def test_a_delete_that_never_lands_lets_the_edit_win_once(links):
    world, visit = _deleting(links)
    world.advance(minutes=1)
    world.crm.edit(visit, location="Room 5")
    world.engine.sync(Kind.EVENT)  # the edit beats the deletion
    assert _both(world) == [[("Review", ""), ("Visit", "Room 5")], [("Review", ""), ("Visit", "Room 5")]]
    world.advance(minutes=11)  # 12:13: the delete sent at 12:01 can no longer land
    world.engine.sync(Kind.EVENT)
    world.engine.sync(Kind.EVENT)
    assert _both(world) == [[("Review", ""), ("Visit", "Room 5")], [("Review", ""), ("Visit", "Room 5")]]
    assert (world.pim.calls["create"], world.crm.calls["create"]) == (1, 1)  # (the first sync's, and the re-create)
    assert world.state.open_intents("default", Kind.EVENT) == []


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
def test_a_delete_landing_before_the_next_sync_is_recovered_as_ours(links):
    """Nothing edited: the delete lands, the next sync forgets the pair (recovery.landed_deletes) and writes nothing."""
    world, _ = _deleting(links)
    world.advance(minutes=1)
    world.crm.land_deferred()
    world.advance(minutes=1)
    assert world.engine.sync(Kind.EVENT).counts == {}
    assert world.engine.sync(Kind.EVENT).counts == {}
    assert _both(world) == [[("Review", "")], [("Review", "")]]
    assert world.state.open_intents("default", Kind.EVENT) == []
    assert world.state.pairs_for("default", Kind.EVENT, pim_ids=[], crm_ids=["crm-1"]) == []


# -- an occurrence's copy ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
def test_an_occurrence_copy_edited_while_its_delete_flies_is_neither_duplicated_nor_cancelled(links):
    """A weekly series of 12 in Outlook, held as 12 single events in the CRM; the user shortens it to 5, and the
    sync's delete of the 7 extra copies loses its reply. The user edits one of them (11 May); the delete lands.
    The series keeps its 5 occurrences, each copied once, and nothing is cancelled in it: the copy edited was of
    an occurrence the series no longer has (an edit cannot bring back an occurrence; the server's delete took it)."""
    w = World(crm_holds=RecurrenceSupport.RULES, crm_unfit=unfit, crm_links=links)
    w.crm = MemoryAdapter(name="crm", recurrence=RecurrenceSupport.RULES, formatted_bodies=False, link_ids=links,
                          clock=w.clock, unfit=unfit, writes_land_within=timedelta(minutes=10))
    w.engine = SyncEngine(pim=w.pim, crm=w.crm, state=w.state, settings=w.settings, clock=w.clock)
    pim_id = w.pim.put(weekly(count=12))
    w.sync()
    w.now += timedelta(hours=1)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin"))
    w.crm.defer_writes(1, op="delete")
    assert not w.engine.sync(Kind.EVENT).ok
    assert len(w.crm_events()) == 12, "the deletes are still in flight"
    w.now += timedelta(minutes=1)
    [copy] = [i for i, e in w.crm_events().items() if e.start == datetime(2026, 5, 11, 7, tzinfo=UTC)]
    w.crm.edit(copy, location="Room 9")
    w.now += timedelta(minutes=1)
    w.engine.sync(Kind.EVENT)
    w.crm.land_deferred()
    for _ in range(3):
        w.now += timedelta(minutes=6)
        w.engine.sync(Kind.EVENT)
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert (series.recurrence.parts.count, series.recurrence.exdates) == (5, ())
    assert sorted(e.start for e in w.crm_events().values()) == [
        datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC), datetime(2026, 4, 6, 7, tzinfo=UTC),
        datetime(2026, 4, 13, 7, tzinfo=UTC)]
    assert w.pim.calls["delete"] == 0, "our own late delete read as the CRM user's"
    assert w.state.open_intents("default", Kind.EVENT) == []
