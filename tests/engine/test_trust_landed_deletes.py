"""Our own deletes whose outcome was lost (a lost reply, a crash) are no user deletions: the next sync finds their
open intent, sees the target gone, and forgets the pair as the delete's plan meant. The record on the other side is
then decided as what it is now: an occurrence the rule gives again, or a record edited since, is copied again; one
still deleted stays so (docs/concepts.md and docs/recurrence.md, "Interrupted syncs")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_engine_series import World, weekly
from test_engine_series_faults import faulty_sync
from test_probe_interrupted_series import ProbeWorld
from test_series_switch import unfit

from syncore import Event, Kind, Recurrence
from syncore.models import Side
from syncore.occurrences import occurrence_id
from syncore.remote import RecurrenceSupport, RemoteRecord
from syncore.state_types import Action, Intent, Pair
from syncore.testing.invariants import assert_in_step

RULES = RecurrenceSupport.RULES
#: the twelve weekly starts of weekly(count=12), 09:00 in Berlin (summer time from 29 March)
TWELVE = [datetime(2026, 3, 16, 8, tzinfo=UTC), datetime(2026, 3, 23, 8, tzinfo=UTC),
          datetime(2026, 3, 30, 7, tzinfo=UTC), datetime(2026, 4, 6, 7, tzinfo=UTC),
          datetime(2026, 4, 13, 7, tzinfo=UTC), datetime(2026, 4, 20, 7, tzinfo=UTC),
          datetime(2026, 4, 27, 7, tzinfo=UTC), datetime(2026, 5, 4, 7, tzinfo=UTC),
          datetime(2026, 5, 11, 7, tzinfo=UTC), datetime(2026, 5, 18, 7, tzinfo=UTC),
          datetime(2026, 5, 25, 7, tzinfo=UTC), datetime(2026, 6, 1, 7, tzinfo=UTC)]
FAULTS = ["lost-reply", "crash-after-3"]


def _clean_syncs(w: World, n: int = 3) -> None:
    for _ in range(n):
        w.now += timedelta(hours=1)
        w.sync()


def _arm(side, fault: str) -> None:
    if fault == "lost-reply":
        side.lose_replies(1, op="delete")
    else:
        side.crash_after(3)


def _shortened(fault: str, links: bool) -> tuple[World, str]:
    """A weekly series of 12 in the PIM, held as 12 single events in the CRM (which holds rules of 8 at most); the
    user shortens it to 5, and the sync deleting the 7 extra copies is interrupted after its deletes landed (all 7
    with a lost reply, 3 of them with a crash)."""
    w = World(crm_holds=RULES, crm_unfit=unfit, crm_links=links)
    pim_id = w.pim.put(weekly(count=12))
    w.sync()
    assert sorted(e.start for e in w.crm_events().values()) == TWELVE
    w.now += timedelta(hours=1)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin"))
    _arm(w.crm, fault)
    faulty_sync(w)
    w.crm.clear_faults()
    assert len(w.crm_events()) == (5 if fault == "lost-reply" else 9), "the deletes landed"
    w.now += timedelta(minutes=5)
    return w, pim_id


def _in_step(w: World) -> None:
    assert_in_step(w.state, "default", Kind.EVENT, {Side.PIM: w.pim.records(Kind.EVENT), Side.CRM: w.crm_events()},
                   w.crm.represent)
    w.calm()


# -- occurrences of an expanded series -------------------------------------------------------------------------------
@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_series_lengthened_back_after_landed_deletes_keeps_every_occurrence(fault, links):
    w, pim_id = _shortened(fault, links)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=12", zone="Europe/Berlin"))
    _clean_syncs(w)
    recurrence = w.pim.records(Kind.EVENT)[pim_id].recurrence
    assert (recurrence.parts.count, recurrence.exdates) == (12, ()), "no cancellation made up"
    assert sorted(e.start for e in w.crm_events().values()) == TWELVE, "each occurrence once in the CRM"
    assert w.pim.calls["update"] == 0, "nothing written to the user's series"
    _in_step(w)


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("fault", FAULTS)
def test_an_occurrence_given_again_and_moved_is_copied_with_its_move(fault, links):
    w, pim_id = _shortened(fault, links)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=12", zone="Europe/Berlin"))
    w.pim.edit_occurrence(pim_id, TWELVE[8], start=datetime(2026, 5, 11, 12, tzinfo=UTC),
                          end=datetime(2026, 5, 11, 13, tzinfo=UTC))
    _clean_syncs(w)
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.exdates == (), "no cancellation made up"
    assert [o.start for o in series.recurrence.overrides] == [datetime(2026, 5, 11, 12, tzinfo=UTC)]
    assert sorted(e.start for e in w.crm_events().values()) == [
        *TWELVE[:8], datetime(2026, 5, 11, 12, tzinfo=UTC), *TWELVE[9:]]
    _in_step(w)


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_shortening_whose_deletes_landed_stays_short(fault, links):
    """(Passes before the fix too: kept as the other half of the decision, the occurrences still gone stay so.)"""
    w, pim_id = _shortened(fault, links)
    _clean_syncs(w)
    recurrence = w.pim.records(Kind.EVENT)[pim_id].recurrence
    assert (recurrence.parts.count, recurrence.exdates) == (5, ())
    assert sorted(e.start for e in w.crm_events().values()) == TWELVE[:5]
    assert w.state.pending("default", Kind.EVENT) == []
    _in_step(w)


# -- single records ---------------------------------------------------------------------------------------------------
def _meeting(day: int, subject: str = "Call") -> Event:
    start = datetime(2026, 3, 11, 8, tzinfo=UTC) + timedelta(days=day)
    return Event(subject=subject, start=start, end=start + timedelta(hours=1))


@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("fault", ["lost-reply", "crash-after-1"])
def test_a_landed_delete_of_a_single_record_is_not_sent_back(fault, links):
    """The user deletes a meeting in the PIM; our delete of its CRM copy lands, its outcome is lost. The next sync
    forgets the pair: nothing is written, and the meeting stays deleted. (Passes before the fix too.)"""
    w = World(crm_links=links)
    gone = w.pim.put(_meeting(1, "Kickoff"))
    kept = w.pim.put(_meeting(2, "Review"))
    w.sync()
    w.now += timedelta(hours=1)
    w.pim.remove(gone)
    if fault == "lost-reply":
        w.crm.lose_replies(1, op="delete")
    else:
        w.crm.crash_after(1)
    faulty_sync(w)
    w.crm.clear_faults()
    assert [e.subject for e in w.crm_events().values()] == ["Review"], "the delete landed"
    w.now += timedelta(minutes=5)
    _clean_syncs(w)
    assert w.pim.calls["delete"] == 0, "our own delete read as the CRM user's"
    assert list(w.pim.records(Kind.EVENT)) == [kept]
    assert [e.subject for e in w.crm_events().values()] == ["Review"]
    assert w.state.pending("default", Kind.EVENT) == []
    # the user makes the meeting again (a new record in Outlook): copied as any new meeting
    w.pim.put(_meeting(1, "Kickoff"))
    w.sync()
    assert sorted(e.subject for e in w.crm_events().values()) == ["Kickoff", "Review"]
    _in_step(w)


@pytest.mark.parametrize("edited", [False, True], ids=["restored", "restored-and-edited"])
@pytest.mark.parametrize("fault", ["lost-reply", "crash-after-1"])
@pytest.mark.parametrize("deleted_in", ["pim", "crm"])
def test_a_record_restored_after_our_delete_of_its_copy_landed_is_not_deleted_again(deleted_in, fault, edited):
    """A user deletes a meeting on one side; our delete of its copy on the other lands, its outcome is lost; before
    the next sync the user restores the meeting (same id, from the recycle bin). Before the fix our own delete read
    as that side's user's, and the restored meeting was deleted again. It stays; left alone, as a meeting restored
    after a sync that deleted its copy is (tombstoned); edited since (an edit beats a delete), it is copied again."""
    w = World()
    users, ours = (w.pim, w.crm) if deleted_in == "pim" else (w.crm, w.pim)
    w.pim.put(_meeting(2, "Review"))
    w.pim.put(_meeting(1, "Kickoff"))
    w.sync()
    w.now += timedelta(hours=1)
    [meeting] = [i for i, e in users.records(Kind.EVENT).items() if e.subject == "Kickoff"]
    users.remove(meeting)
    if fault == "lost-reply":
        ours.lose_replies(1, op="delete")
    else:
        ours.crash_after(1)
    faulty_sync(w)
    ours.clear_faults()
    assert sorted(e.subject for e in ours.records(Kind.EVENT).values()) == ["Review"], "the delete landed"
    w.now += timedelta(minutes=5)
    users.restore(meeting)
    if edited:
        users.edit(meeting, location="Room 7")
    _clean_syncs(w)
    assert sorted(e.subject for e in users.records(Kind.EVENT).values()) == ["Kickoff", "Review"], \
        "the restored meeting deleted again"
    assert users.records(Kind.EVENT)[meeting].location == ("Room 7" if edited else "")
    assert sorted((e.subject, e.location) for e in ours.records(Kind.EVENT).values()) == (
        [("Kickoff", "Room 7"), ("Review", "")] if edited else [("Review", "")])
    if edited:
        _in_step(w)
    else:
        w.calm()


@pytest.mark.parametrize("pim_links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("fault", ["lost-reply", "crash-after-1"])
def test_a_landed_cancellation_in_the_pim_is_not_sent_back_to_the_crm(fault, pim_links):
    """The CRM user deletes the single copy of one occurrence; our cancellation of it in the PIM series lands, its
    outcome is lost. The next sync forgets the pair, writes nothing more; the user lengthens the series, and the
    occurrence stays cancelled (the user's deletion), the new ones are copied. (Passes before the fix too.)"""
    w = ProbeWorld(pim_links=pim_links)
    pim_id = w.pim.put(weekly(count=12))
    w.sync()
    w.now += timedelta(hours=1)
    [copy] = [i for i, e in w.crm_events().items() if e.start == TWELVE[3]]
    w.crm.remove(copy)
    if fault == "lost-reply":
        w.pim.lose_replies(1, op="delete")
    else:
        w.pim.crash_after(1)
    faulty_sync(w)
    w.pim.clear_faults()
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.exdates == (TWELVE[3],), "the cancellation landed"
    w.now += timedelta(minutes=5)
    _clean_syncs(w)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=13", zone="Europe/Berlin",
                                             exdates=[TWELVE[3]]))
    _clean_syncs(w)
    assert sorted(e.start for e in w.crm_events().values()) == [
        *TWELVE[:3], *TWELVE[4:], datetime(2026, 6, 8, 7, tzinfo=UTC)]
    assert w.crm.calls["delete"] == 0
    _in_step(w)


# -- the recovery's decision, one row each ------------------------------------------------------------------------------
AT = datetime(2026, 3, 10, 8, tzinfo=UTC)
OCCURRENCE = occurrence_id("s1", TWELVE[0])  # an occurrence of a series "s1" the PIM holds as a rule
BASE = Event(subject="Call", start=datetime(2026, 3, 12, 8, tzinfo=UTC), end=datetime(2026, 3, 12, 9, tzinfo=UTC))


def _landed(*, target_gone=True, sent=True, source: str, pim_id: str = "p1"):
    """What landed_deletes makes of one open delete of the CRM copy "c1" of the PIM record ``pim_id``:
    (taken out of the pairs, back) or None when the pair stays."""
    from syncore.planning.recovery import landed_deletes

    pair = Pair(profile="default", kind=Kind.EVENT, pair_id="x", pim_id=pim_id, crm_id="c1", pim_version="v1",
                crm_version="w1", base=BASE)
    intent = Intent(intent_id="i1", profile="default", kind=Kind.EVENT, side=Side.CRM, action=Action.DELETE,
                    pair_id="x", target_id="c1", source_id=pim_id, created_at=AT, sent_at=AT if sent else None)
    current = {Side.PIM: {}, Side.CRM: {}}
    deleted = {Side.PIM: set(), Side.CRM: {"c1"} if target_gone else set()}
    if source == "gone":
        deleted[Side.PIM].add(pim_id)
    elif source == "unchanged":
        current[Side.PIM][pim_id] = RemoteRecord(id=pim_id, version="v1", record=BASE)
    elif source == "new version, same values":
        current[Side.PIM][pim_id] = RemoteRecord(id=pim_id, version="v2", record=BASE)
    elif source == "edited":
        current[Side.PIM][pim_id] = RemoteRecord(id=pim_id, version="v2", record=BASE.replace(subject="Call (moved)"))
    pairs = {"x": pair}
    found = landed_deletes([intent], pairs, current, {Side.PIM: {}, Side.CRM: {}}, deleted,
                                  _Holds({Side.PIM: RULES, Side.CRM: RecurrenceSupport.OCCURRENCES}), None)
    if not found:
        assert pairs == {"x": pair}
        return None
    assert pairs == {} and [(f.pair, f.target) for f in found] == [(pair, Side.CRM)]
    return found[0].back


class _Holds:
    """The one thing the recovery asks of the series policy: which sides hold rules."""

    def __init__(self, holds) -> None:
        self.holds = holds


@pytest.mark.parametrize(("row", "expected"), [
    ({"source": "gone"}, False),
    ({"source": "unchanged"}, False),
    ({"source": "new version, same values"}, False),
    ({"source": "edited"}, True),
    ({"source": "unchanged", "pim_id": OCCURRENCE}, True),
    ({"source": "gone", "pim_id": OCCURRENCE}, False),
    ({"source": "unchanged", "target_gone": False}, None),
    ({"source": "gone", "sent": False}, None),
], ids=["source-gone", "source-unchanged", "source-new-version", "source-edited", "occurrence-given-again",
        "occurrence-gone", "target-there", "never-sent"])
def test_which_pairs_a_landed_delete_forgets_and_which_records_come_back(row, expected):
    assert _landed(**row) is expected
