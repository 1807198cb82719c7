"""Series under faults: a reply lost after a write landed (OutcomeUnknown), or a crash between writes, while the
engine writes a series, its occurrences, an override or a cancellation. The next sync finds what landed: nothing
is written twice, nothing is lost, and the sync after that writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import FIRST, World, keys, weekly

from syncore import Event, Kind, Override, Recurrence
from syncore.errors import SimulatedCrash
from syncore.occurrences import occurrence_id
from syncore.remote import RecurrenceSupport

RULES = RecurrenceSupport.RULES


def faulty_sync(w: World, kind: Kind = Kind.EVENT) -> None:
    """A sync that a fault interrupts (an error result, or a crash from inside the adapter)."""
    try:
        result = w.engine.sync(kind)
    except SimulatedCrash:
        return
    assert not result.ok, "the fault was not hit"


@pytest.mark.parametrize("links", [True, False])
def test_a_lost_reply_to_the_series_create_creates_no_second_series(links):
    w = World(crm_holds=RULES, crm_links=links)
    w.pim.put(weekly(count=40))
    w.crm.lose_replies(1)
    faulty_sync(w)
    assert len(w.crm_events()) == 1, "the create landed"
    w.sync()
    assert list(w.crm_events().values()) == [weekly(count=40)]
    w.calm()


@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("fault", ["lost reply", "crash after 2 writes"])
def test_occurrences_written_before_a_fault_are_not_written_twice(links, fault):
    w = World(crm_links=links)
    w.pim.put(weekly(count=6))
    if fault == "lost reply":
        w.crm.lose_replies(1)
    else:
        w.crm.crash_after(2)
    faulty_sync(w)
    w.sync()
    starts = sorted(e.start for e in w.crm_events().values())
    assert starts == keys(6), "each occurrence once"
    w.calm()


@pytest.mark.parametrize("fault", ["lost reply", "crash after 0 writes"])
def test_an_occurrence_move_whose_reply_is_lost_reaches_the_series_once(fault):
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    by_key = {w.crm.link_of(i): i for i in w.crm_events()}
    k = keys()
    w.crm.edit(by_key[occurrence_id(pim_id, k[2])], start=k[2] + timedelta(hours=2), end=k[2] + timedelta(hours=3))
    w.crm.remove(by_key[occurrence_id(pim_id, k[4])])
    if fault == "lost reply":
        w.pim.lose_replies(1)
    else:
        w.pim.crash_after(0)
    faulty_sync(w)
    w.sync()
    expected = Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin", exdates=[k[4]], overrides=[
        Override(original_start=k[2], start=k[2] + timedelta(hours=2), end=k[2] + timedelta(hours=3))])
    assert w.pim.records(Kind.EVENT)[pim_id] == weekly().replace(recurrence=expected)
    assert len(w.crm_events()) == 5
    w.calm()


def test_a_cancellation_whose_reply_is_lost_on_a_side_that_holds_rules_is_not_repeated_or_lost():
    w = World(crm_holds=RULES)
    pim_id = w.pim.put(weekly())
    w.sync()
    [crm_id] = w.crm_events()
    k = keys()
    w.pim.cancel_occurrence(pim_id, k[1])
    w.pim.edit_occurrence(pim_id, k[3], subject="Moved", start=k[3] + timedelta(hours=1),
                          end=k[3] + timedelta(hours=2))
    w.crm.lose_replies(1)
    faulty_sync(w)
    w.sync()
    assert w.crm_events()[crm_id] == w.pim.records(Kind.EVENT)[pim_id]
    assert w.crm_events()[crm_id].recurrence.exdates == (k[1],)
    w.calm()


def crash_then_sync(w: World, adapter, writes: int) -> None:
    adapter.crash_after(writes)
    with pytest.raises(SimulatedCrash):
        w.engine.sync(Kind.EVENT)
    w.sync()


@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("fault", ["crash after 1 write", "lost reply"])
def test_a_fault_while_creating_the_new_occurrences_of_a_lengthened_series_loses_none(links, fault):
    w = World(crm_links=links)
    pim_id = w.pim.put(weekly(count=3))
    w.sync()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin"))
    if fault == "lost reply":
        w.crm.lose_replies(1)
        faulty_sync(w)
        w.sync()
    else:
        crash_then_sync(w, w.crm, 1)
    assert sorted(e.start for e in w.crm_events().values()) == keys(6)
    w.calm()


def test_a_crash_after_a_read_only_sync_of_a_series_loses_none_of_its_occurrences():
    """(found by the series state machine: the series was remembered as expanded before its occurrences existed)"""
    w = World(crm_links=False)
    pim_id = w.pim.put(weekly())
    w.crm.set_read_only(True)
    assert w.engine.sync(Kind.EVENT).ok
    w.crm.set_read_only(False)
    w.pim.edit_occurrence(pim_id, keys()[1], subject="Moved")
    crash_then_sync(w, w.crm, 1)
    assert sorted(e.start for e in w.crm_events().values()) == keys(6)
    w.calm()


@pytest.mark.parametrize("links", [True, False])
def test_a_crash_while_deleting_a_series_occurrences_leaves_none_behind(links):
    w = World(crm_links=links)
    pim_id = w.pim.put(weekly())
    w.sync()
    w.pim.remove(pim_id)
    crash_then_sync(w, w.crm, 2)
    assert w.crm_events() == {}
    assert list(w.state.iter_pairs("default", Kind.EVENT)) == []
    w.calm()


def test_a_series_is_never_matched_with_a_single_event_or_an_occurrence_of_the_same_time():
    """(found by the series state machine: with no link ids, first-sync matching paired a CRM series with the
    PIM series' occurrence of the same subject and times; the CRM series never reached the PIM and was overwritten
    with the occurrence)"""
    def unfit(record):
        rule = getattr(record, "recurrence", None)
        return "more than 4 occurrences" if rule is not None and (rule.parts.count or 99) > 4 else None

    w = World(crm_holds=RULES, crm_unfit=unfit, crm_links=False)
    daily = Event(subject="Stand-up", start=FIRST, end=FIRST + timedelta(minutes=15),
                  recurrence=Recurrence(rule="FREQ=DAILY;COUNT=6", zone="Europe/Berlin"))
    third = FIRST + timedelta(days=2)
    weekly_there = Event(subject="Stand-up", start=third, end=third + timedelta(minutes=15),
                         recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=3", zone="Europe/Berlin"))
    w.pim.put(daily)
    crm_id = w.crm.put(weekly_there)
    w.sync()
    assert w.crm_events()[crm_id] == weekly_there, "the CRM's series is left as it was"
    assert sorted(e.recurrence.rule for e in w.pim.records(Kind.EVENT).values()) == [
        "FREQ=DAILY;COUNT=6", "FREQ=WEEKLY;BYDAY=WE;COUNT=3"], "the CRM's series reached the PIM"
    assert sum(e.recurrence is None for e in w.crm_events().values()) == 6, "the PIM's six occurrences"
    w.calm()
