"""A switch to occurrences that stopped part-way, given up (its series edited back within the CRM's limits, or
deleted, test_series_switch_abandoned.py) while the CRM is read-only: the copies it made there could not be deleted,
so the give-up *waits* (docs/recurrence.md, "A switch given up while the other side is read-only"). Nothing is
written for the series on either side, its copies stay paired (never forgotten and left next to the rule copy, the
same meetings twice, as before), it is reported by subject at every sync, and the first sync that may write the CRM
gives the switch up as ever: unedited copies deleted, edited ones carried over to the series as overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import keys
from test_engine_series_faults import faulty_sync
from test_series_switch import held_as_rule, lengthen
from test_series_switch_abandoned_edits import assert_one_meeting_each_side, switch_stopped_at_two_copies

from syncore import Kind, Override
from syncore.occurrences import split_occurrence_id

HOUR = timedelta(hours=1)
#: how the sync reports the series whose give-up waits (docs/recurrence.md, "Messages")
WAITS = ("pim event series '1:1': not written: the CRM is read-only; the series' switch to single events is given "
         "up once the CRM can be written (its 2 single events there deleted, or carried over to the series where "
         "edited), until then nothing is written for the series")


def pairs(w):
    return sorted((p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT))


def occurrence_pairs(w, pim_id):
    return sorted((p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)
                  if (split := split_occurrence_id(p.pim_id)) is not None and split[0] == pim_id)


def read_only_sync(w):
    """One sync while the CRM is read-only (a minute later); nothing may be written there."""
    w.crm.set_read_only(True)
    try:
        w.now += timedelta(minutes=1)
        before = w.writes(w.crm)
        result = w.sync()
        assert w.writes(w.crm) == before
        return result
    finally:
        w.crm.set_read_only(False)


@pytest.fixture
def waits():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    before = pairs(w)
    crm = w.crm_events()
    pending = {(p.side, p.native_id) for p in w.engine.pending(Kind.EVENT)}
    lengthen(w, pim_id, count=5)  # (back within the CRM's limit of 8; the rule still gives both copies' occurrences)
    pim = w.pim.records(Kind.EVENT)
    result = read_only_sync(w)
    assert WAITS in result.skipped, "reported by subject"
    assert w.crm_events() == crm, "nothing written in the CRM"
    assert w.pim.records(Kind.EVENT) == pim, "nothing written in the PIM either: no copy comes back as a single event"
    assert pairs(w) == before, "the copies stay paired, the rule pair as it was"
    assert pending <= {(p.side, p.native_id) for p in w.engine.pending(Kind.EVENT)}, "the retries stay due"
    return w, pim_id, crm_id, copy_id


def test_a_give_up_while_the_crm_is_read_only_waits_and_the_first_writable_sync_makes_it(waits):
    w, pim_id, crm_id, _ = waits
    crm, before = w.crm_events(), pairs(w)
    w.now += HOUR
    result = read_only_sync(w)  # (reported again at each sync while the CRM stays read-only)
    assert WAITS in result.skipped
    assert w.crm_events() == crm and pairs(w) == before
    w.now += HOUR
    result = w.sync()
    assert not result.skipped
    assert_one_meeting_each_side(w, pim_id, crm_id, ())
    w.calm()


def test_a_copy_edited_while_its_give_up_waits_is_carried_over_as_an_override_afterwards(waits):
    """The copy is renamed in the CRM between two read-only syncs: the second lists it (its cursor goes past that
    edit) and holds it; the writable sync reads it again and carries the rename over to the series."""
    w, pim_id, crm_id, copy_id = waits
    w.crm.edit(copy_id, subject="1:1 with Ada")
    read_only_sync(w)
    assert list(w.pim.records(Kind.EVENT)) == [pim_id], "the edited copy is not re-created in the PIM"
    w.now += HOUR
    result = w.sync()
    assert not any("single event" in warning for warning in result.warnings)
    assert_one_meeting_each_side(w, pim_id, crm_id, (Override(original_start=keys()[1], subject="1:1 with Ada"),))
    w.calm()


def test_a_copy_moved_before_the_read_only_sync_is_carried_over_afterwards():
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    second = keys()[1]
    w.crm.edit(copy_id, start=second + 2 * HOUR, end=second + 3 * HOUR)
    lengthen(w, pim_id, count=5)
    read_only_sync(w)
    assert sorted(w.crm_events()) == sorted([crm_id, *(i for i, e in w.crm_events().items() if e.recurrence is None)])
    assert len(occurrence_pairs(w, pim_id)) == 2
    w.now += HOUR
    w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, (
        Override(original_start=second, start=second + 2 * HOUR, end=second + 3 * HOUR),))
    w.calm()


@pytest.mark.parametrize("when", ["before the read-only sync", "while it waits"])
def test_a_series_deleted_while_its_give_up_waits_takes_every_copy_with_it_once_the_crm_can_be_written(when):
    w, pim_id, _, _ = switch_stopped_at_two_copies()
    if when == "while it waits":
        lengthen(w, pim_id, count=5)
        read_only_sync(w)
    w.pim.remove(pim_id)
    result = read_only_sync(w)
    assert any("given up once the CRM can be written" in skip for skip in result.skipped), "reported"
    assert len(w.crm_events()) == 3 and len(occurrence_pairs(w, pim_id)) == 2
    w.now += HOUR
    w.sync()
    assert w.crm_events() == {}
    assert pairs(w) == []
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_the_series_edited_again_while_its_give_up_waits_reaches_the_rule_copy_with_the_give_up(waits):
    w, pim_id, crm_id, _ = waits
    w.pim.edit(pim_id, location="Room 7")
    read_only_sync(w)
    w.now += HOUR
    w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, ())
    assert w.crm_events()[crm_id].location == "Room 7"
    w.calm()


def test_the_rule_copy_edited_while_its_give_up_waits_reaches_the_series_with_the_give_up(waits):
    """The CRM's feed lists the rule copy's edit in a read-only sync, which holds it: the retry of the series makes
    the writable sync read it again, so the edit is merged, never overwritten by the series' shortening."""
    w, pim_id, crm_id, _ = waits
    w.crm.edit(crm_id, location="Room 9")
    read_only_sync(w)
    w.now += HOUR
    w.sync()
    assert_one_meeting_each_side(w, pim_id, crm_id, ())
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 9"
    w.calm()


def test_a_series_lengthened_past_the_limits_again_while_its_give_up_waits_switches_with_its_next_edit(waits):
    """Past the limits again, the give-up is off: the switch waits as any switch while the CRM is read-only (a
    prevented edit, docs/recurrence.md: it travels with the series' next edit). That edit makes it, adopting the two
    copies made before (still paired: never created twice, never forgotten)."""
    w, pim_id, crm_id, _ = waits
    lengthen(w, pim_id, count=12)
    read_only_sync(w)
    assert len(occurrence_pairs(w, pim_id)) == 2, "the copies stay paired"
    w.now += HOUR
    w.pim.edit(pim_id, location="Room 7")
    w.sync()
    crm = w.crm_events()
    assert crm_id not in crm and all(e.recurrence is None for e in crm.values())
    assert sorted(e.start for e in crm.values()) == keys(12), "each occurrence once"
    assert all(e.location == "Room 7" for e in crm.values())
    assert len(occurrence_pairs(w, pim_id)) == 12
    w.calm()


@pytest.mark.parametrize("links", [True, False])
def test_copies_whose_create_reply_was_lost_wait_with_the_give_up_and_go_once_writable(links):
    """The switch's creates all landed but their reply was lost (open create intents, no pair holds the copies):
    the read-only sync neither pairs them with their occurrences nor forgets them; the writable sync recovers them
    as copies of occurrences that are gone, and deletes them."""
    w, pim_id, crm_id = held_as_rule(crm_links=links)
    lengthen(w, pim_id, count=12)
    w.crm.lose_replies(1, op="create")
    faulty_sync(w)
    w.crm.clear_faults()
    assert len(w.crm_events()) == 13 and pairs(w) == [(pim_id, crm_id)]
    lengthen(w, pim_id, count=5)
    w.now += HOUR
    result = read_only_sync(w)
    assert any("given up once the CRM can be written" in skip for skip in result.skipped)
    assert pairs(w) == [(pim_id, crm_id)] and list(w.pim.records(Kind.EVENT)) == [pim_id]
    w.now += HOUR
    w.sync()
    crm = w.crm_events()
    assert list(crm) == [crm_id], "no copy left next to the rule copy"
    assert crm[crm_id].recurrence.parts.count == 5
    assert pairs(w) == [(pim_id, crm_id)]
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_series_held_as_a_rule_with_no_switch_started_syncs_as_ever_while_the_crm_is_read_only():
    """Nothing of a switch in the CRM: nothing waits; the rule copy's edit reaches the series as any edit."""
    w, pim_id, crm_id = held_as_rule()
    w.crm.edit(crm_id, location="Room 9")
    result = read_only_sync(w)
    assert not result.skipped
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 9"
    assert pairs(w) == [(pim_id, crm_id)]
    w.calm()


def test_a_give_up_waiting_while_the_pim_is_read_only_is_not_held():
    """Only the copies' side matters: with the PIM read-only and the CRM writable, the unedited copies are deleted
    at once, as ever (nothing is written to the PIM)."""
    w, pim_id, crm_id, _ = switch_stopped_at_two_copies()
    lengthen(w, pim_id, count=5)
    w.pim.set_read_only(True)
    try:
        w.sync()
    finally:
        w.pim.set_read_only(False)
    assert list(w.crm_events()) == [crm_id]
    assert occurrence_pairs(w, pim_id) == []
    assert w.crm_events()[crm_id].recurrence.parts.count == 5


@pytest.mark.parametrize("when", ["before the read-only sync", "while it waits"])
def test_a_copy_edited_while_its_give_up_waits_reaches_the_series_when_it_is_lengthened_past_the_limits_again(when):
    """The read-only sync lists the copy's edit (its cursor goes past it) and holds it with the waiting give-up;
    the series is then lengthened past the limits again and the writable sync takes the switch up, adopting the
    copies: it reads the held copy again, so its edit reaches the series as the override of its occurrence, never
    left in the CRM alone (soak400 seed 34 of the cutting machine: the PIM's occurrence kept its old location)."""
    w, pim_id, crm_id, copy_id = switch_stopped_at_two_copies()
    lengthen(w, pim_id, count=5)
    if when == "while it waits":
        read_only_sync(w)
    w.crm.edit(copy_id, location="Room 9")
    read_only_sync(w)
    lengthen(w, pim_id, count=12)
    w.now += HOUR
    w.sync()
    crm = w.crm_events()
    assert crm_id not in crm and all(e.recurrence is None for e in crm.values())
    assert sorted(e.start for e in crm.values()) == keys(12), "each occurrence once"
    assert crm[copy_id].location == "Room 9", "the copy keeps its edit"
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.overrides == (Override(original_start=keys()[1], location="Room 9"),)
    assert len(occurrence_pairs(w, pim_id)) == 12
    w.calm()
