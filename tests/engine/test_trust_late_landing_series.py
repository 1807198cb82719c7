"""A series, or occurrences, whose create was in flight when its sync stopped land after the next sync looked.

The late-landing hold (tests/engine/test_trust_late_landing_creates.py) made a single record wait for its copy for
the target's ``writes_land_within``; a series and its occurrences were left to the series step, closed and created
again, so a copy of one in flight landed twice. Now the whole series waits for that sync (the series, its rule pair,
its occurrences, a switch of it), reported by its subject, and is looked at again at the next syncs: a copy that
lands meanwhile is paired; once the time has passed, what did not land is created once (docs/concepts.md,
"Interrupted syncs"; docs/recurrence.md, "A create of a series that may still land").
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from late_landing import LandingLate
from test_engine_series import World, keys, weekly
from test_series_switch import assert_switched, lengthen, unfit

from syncore import Kind, SyncEngine
from syncore.errors import SimulatedCrash
from syncore.occurrences import occurrence_id, series_marker
from syncore.remote import RecurrenceSupport

RULES, OCCURRENCES = RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES
#: what the sync 30 seconds after the one that died reports for the series (sent at NOW, 2026-03-10 08:00 UTC)
WAITS = ("pim event series '1:1': not copied again yet: a copy sent to the CRM at 2026-03-10 08:00 UTC by a sync that "
         "stopped may still land there (until 08:10 UTC); it is looked for again next sync")


def _world(*, links: bool, **crm) -> World:
    """The series world (test_engine_series) with a CRM whose create calls can be left in flight."""
    w = World(crm_links=links)
    w.crm = LandingLate(name="crm", formatted_bodies=False, link_ids=links, clock=w.clock, **crm)
    w.engine = SyncEngine(pim=w.pim, crm=w.crm, state=w.state, settings=w.settings, clock=w.clock)
    return w


def _dies_with_creates_in_flight(w: World) -> None:
    w.crm.in_flight_calls = 1
    with pytest.raises(SimulatedCrash):
        w.engine.sync(Kind.EVENT)


def _later(w: World, **delta: float) -> None:
    w.now += timedelta(**delta)


# (a) ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("links", [False, True], ids=["by-fingerprint", "by-link"])
def test_a_series_whose_create_lands_after_the_next_sync_looked_is_there_once(links):
    w = _world(links=links, recurrence=RULES)
    pim_id = w.pim.put(weekly())
    _dies_with_creates_in_flight(w)
    _later(w, seconds=30)  # run again at once (a redelivered task)
    result = w.sync()
    assert w.crm_events() == {}, "created again while the first copy may still land"
    assert result.skipped == [WAITS]
    assert [(i.side.value, i.source_id) for i in w.state.open_intents("default", Kind.EVENT)] == [("crm", pim_id)]

    w.crm.land()  # the server finishes the first request
    _later(w, minutes=1)
    w.sync()
    _later(w, minutes=10)  # past the window: nothing is created again
    w.sync()
    [(crm_id, copy)] = w.crm_events().items()
    assert copy == weekly()
    assert [(p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)] == [(pim_id, crm_id)]
    assert not w.state.open_intents("default", Kind.EVENT)
    assert not w.engine.pending(Kind.EVENT)
    w.calm()


# (b) ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("links", [False, True], ids=["by-fingerprint", "by-link"])
def test_expanded_occurrences_whose_create_lands_late_are_there_once(links):
    w = _world(links=links, recurrence=OCCURRENCES)  # the CRM holds occurrences only
    pim_id = w.pim.put(weekly())
    _dies_with_creates_in_flight(w)
    _later(w, seconds=30)
    result = w.sync()
    assert w.crm_events() == {}, "created again while the first copies may still land"
    assert result.skipped == [WAITS]
    assert len(w.state.open_intents("default", Kind.EVENT)) == 6

    w.crm.land()
    _later(w, minutes=1)
    w.sync()
    _later(w, minutes=10)
    w.sync()
    crm = w.crm_events()
    assert sorted(e.start for e in crm.values()) == keys(6), "each occurrence once"
    pairs = {p.pim_id: p.crm_id for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert sorted(pairs) == sorted([pim_id, *(occurrence_id(pim_id, k) for k in keys(6))])
    assert pairs[pim_id] == series_marker(pim_id)
    assert sorted(pairs[occurrence_id(pim_id, k)] for k in keys(6)) == sorted(crm)
    assert not w.state.open_intents("default", Kind.EVENT)
    assert not w.engine.pending(Kind.EVENT)
    w.calm()


# (c) ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("links", [False, True], ids=["by-fingerprint", "by-link"])
def test_a_switch_whose_occurrence_creates_are_in_flight_keeps_the_rule_copy_until_they_are_there(links):
    w = _world(links=links, recurrence=RULES, unfit=unfit)
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    [rule_copy] = w.crm_events()
    w.sync()
    lengthen(w, pim_id)  # 12 occurrences: past the CRM's limit, switched to single events
    _dies_with_creates_in_flight(w)
    _later(w, seconds=30)
    result = w.sync()
    assert list(w.crm_events()) == [rule_copy], "the rule copy is kept, nothing created again"
    assert result.skipped == [WAITS]

    w.crm.land()  # the 12 occurrences the first switch sent
    _later(w, minutes=1)
    w.sync()
    _later(w, minutes=10)
    w.sync()
    assert rule_copy not in w.crm_events()
    assert_switched(w, pim_id)  # each of the 12 occurrences once, the rule copy gone, 13 pairs
    assert not w.state.open_intents("default", Kind.EVENT)
    assert not w.engine.pending(Kind.EVENT)
    w.calm()


def test_a_switch_whose_occurrences_never_land_is_made_once_the_time_has_passed():
    w = _world(links=False, recurrence=RULES, unfit=unfit)
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    [rule_copy] = w.crm_events()
    lengthen(w, pim_id)
    _dies_with_creates_in_flight(w)
    _later(w, minutes=5)
    w.sync()
    assert list(w.crm_events()) == [rule_copy]
    _later(w, minutes=6)  # 11 minutes after they were sent: they can no longer land
    w.sync()
    assert_switched(w, pim_id)
    assert not w.state.open_intents("default", Kind.EVENT)
    w.calm()


# (d) ------------------------------------------------------------------------------------------------------------------
def test_a_series_whose_create_never_lands_is_created_once_the_time_has_passed():
    w = _world(links=False, recurrence=RULES)
    w.pim.put(weekly())
    _dies_with_creates_in_flight(w)
    _later(w, minutes=5)
    assert w.sync().skipped == [WAITS.replace("by a", "by a")]
    assert w.crm_events() == {}
    _later(w, minutes=6)
    w.sync()
    assert list(w.crm_events().values()) == [weekly()]
    assert len(w.crm.created_from) == 1  # (the call in flight never made its write)
    assert not w.state.open_intents("default", Kind.EVENT)
    w.calm()


def test_expanded_occurrences_that_never_land_are_created_once_the_time_has_passed():
    w = _world(links=True, recurrence=OCCURRENCES)
    pim_id = w.pim.put(weekly())
    _dies_with_creates_in_flight(w)
    _later(w, minutes=5)
    w.sync()
    assert w.crm_events() == {}
    _later(w, minutes=6)
    w.sync()
    crm = w.crm_events()
    assert sorted(e.start for e in crm.values()) == keys(6)
    assert sorted(w.crm.link_of(i) for i in crm) == sorted(occurrence_id(pim_id, k) for k in keys(6))
    assert not w.state.open_intents("default", Kind.EVENT)
    w.calm()


# a reply lost, the copy there at once: paired, nothing waits ----------------------------------------------------------
@pytest.mark.parametrize("holds", [RULES, OCCURRENCES], ids=["rule", "occurrences"])
def test_a_series_whose_copy_is_there_already_is_paired_without_waiting(holds):
    w = _world(links=False, recurrence=holds)
    w.pim.put(weekly())
    _dies_with_creates_in_flight(w)
    w.crm.land()  # landed before the next sync looked
    _later(w, seconds=30)
    result = w.sync()
    assert result.skipped == []
    assert len(w.crm_events()) == (1 if holds is RULES else 6)
    assert not w.state.open_intents("default", Kind.EVENT)
    w.calm()


# some copies there, others in flight ----------------------------------------------------------------------------------
def test_occurrences_some_there_some_in_flight_wait_together_and_are_each_paired_once():
    """Three occurrences per call: the first call's copies are made (its reply lost), the second call is in flight
    when the sync dies. The next sync finds the first three and leaves them alone with their series, which waits for
    the other three; once they land, all six are paired, none created twice."""
    w = _world(links=False, recurrence=OCCURRENCES, batch_size=3)
    pim_id = w.pim.put(weekly())
    w.crm.lose_replies(1, op="create")
    w.crm.through_calls = 1
    _dies_with_creates_in_flight(w)
    there = sorted(w.crm_events())
    assert len(there) == 3
    _later(w, seconds=30)
    result = w.sync()
    assert sorted(w.crm_events()) == there, "nothing created again"
    assert sorted(result.skipped) == [(
        "crm event '1:1': left alone: the copy of an occurrence whose series waits (its switch's review, its "
        "give-up, or a create still landing), synced with it")] * 3 + [WAITS]
    w.crm.land()
    _later(w, minutes=1)
    w.sync()
    _later(w, minutes=10)
    w.sync()
    crm = w.crm_events()
    assert sorted(e.start for e in crm.values()) == keys(6), "each occurrence once"
    pairs = {p.pim_id: p.crm_id for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert sorted(pairs[occurrence_id(pim_id, k)] for k in keys(6)) == sorted(crm)
    assert not w.state.open_intents("default", Kind.EVENT)
    assert not w.engine.pending(Kind.EVENT)
    w.calm()
