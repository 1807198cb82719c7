"""A copy whose create landed unanswered (a lost reply, a crash right after the write) and that a user edited
before the next sync: the recovery pairs it with its source (by link), and the copy's edit travels back instead of
being written over by the source's unchanged values (docs/concepts.md, "Interrupted syncs";
``planning.copy_base.recovered_base``). A create that writes some fields in later requests
(``Capabilities.create_completes``) and stopped before them is still completed from its source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from syncore import ConflictPolicy, Event, Kind, SqliteStateStore, SyncEngine, SyncSettings
from syncore.errors import SimulatedCrash
from syncore.remote import UpdateRequest
from syncore.testing import MemoryAdapter

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
START = datetime(2026, 3, 16, 8, tzinfo=UTC)


class TwoStepCreates(MemoryAdapter):
    """Creates in two requests, as the Exchange adapter writes a series' exceptions after its master: the record
    without its location, then the location. A reply lost on the first request (``lose_replies(op="create")``) ends
    the create there, the copy without its location. ``completes``: what its capabilities declare its creates
    write later (None: not declared, as a third-party adapter)."""

    def __init__(self, *, completes: frozenset[str] | None = frozenset({"location"}), **options) -> None:
        super().__init__(**options)
        self._caps = attrs.evolve(self._caps, create_completes=completes)

    def create(self, kind, requests):
        first = [attrs.evolve(r, record=r.record.replace(location="")) for r in requests]
        outcomes = super().create(kind, first)  # (a lost reply raises here: the second step never comes)
        later = [UpdateRequest(ref=o.ref, id=o.id, record=r.record, fields=frozenset({"location"}))
                 for r, o in zip(requests, outcomes, strict=True) if o.ok]
        versions = {o.ref: o.version for o in super().update(kind, later)}
        return [attrs.evolve(o, version=versions.get(o.ref, o.version)) for o in outcomes]


class World:
    def __init__(self, *, policy=ConflictPolicy.MANUAL, crm_links=True, crm=None) -> None:
        self.now = NOW
        self.pim = MemoryAdapter(name="pim", clock=self.clock)
        self.crm = crm(self.clock) if crm else MemoryAdapter(name="crm", formatted_bodies=False,
                                                             link_ids=crm_links, clock=self.clock)
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=SqliteStateStore(":memory:"),
                                 settings=SyncSettings(conflict_policy=policy), clock=self.clock)

    def clock(self) -> datetime:
        return self.now

    def new_meeting(self) -> str:
        return self.pim.put(Event(subject="Kickoff", location="Room 1", start=START, end=START + timedelta(hours=1)))

    def interrupted_create(self, fault: str) -> str:
        """The PIM's new meeting copied to the CRM, the create landing unanswered; the copy's id."""
        if fault == "lost-reply":
            self.crm.lose_replies(1, op="create")
            assert not self.engine.sync(Kind.EVENT).ok
        else:
            self.crm.crash_after(1)
            with pytest.raises(SimulatedCrash):
                self.engine.sync(Kind.EVENT)
        self.crm.clear_faults()
        [crm_id] = self.crm.records(Kind.EVENT)
        self.now += timedelta(minutes=5)
        return crm_id

    def sync(self):
        """A clean sync an hour later; its conflicts (count) and whether it went through."""
        self.now += timedelta(hours=1)
        result = self.engine.sync(Kind.EVENT)
        assert result.ok, result.errors
        return result

    def subjects(self) -> tuple[list[str], list[str]]:
        return (sorted(e.subject for e in self.pim.records(Kind.EVENT).values()),
                sorted(e.subject for e in self.crm.records(Kind.EVENT).values()))

    def calm(self) -> None:
        plan = self.engine.plan(Kind.EVENT)
        assert plan.operations == [], [(op.target, op.action, op.fields) for op in plan.operations]


@pytest.mark.parametrize("fault", ["lost-reply", "crash"])
@pytest.mark.parametrize("policy", [ConflictPolicy.MANUAL, ConflictPolicy.PIM_WINS, ConflictPolicy.CRM_WINS])
def test_an_edit_of_the_landed_copy_travels_back(policy, fault):
    """Renamed in the CRM before the next sync: the PIM takes the new subject, whatever the policy (only one side
    changed it), and the copy keeps it."""
    w = World(policy=policy)
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create(fault)
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    result = w.sync()
    assert result.conflicts == 0
    assert w.crm.records(Kind.EVENT)[crm_id].subject == "Kickoff (CRM)"
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "Kickoff (CRM)"
    assert w.subjects() == (["Kickoff (CRM)"], ["Kickoff (CRM)"]), "nothing created twice"
    w.calm()


def test_without_links_an_edited_landed_copy_is_synced_as_a_new_record():
    """The documented exception (docs/concepts.md, "Interrupted syncs"): without link ids the copy is looked for
    by its content, which the edit changed, so it is no longer recognised. The original is copied again and the
    edited copy is copied to the PIM: each side holds both."""
    w = World(crm_links=False)
    w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    w.sync()
    assert w.subjects() == (["Kickoff", "Kickoff (CRM)"], ["Kickoff", "Kickoff (CRM)"])
    assert w.crm.records(Kind.EVENT)[crm_id].subject == "Kickoff (CRM)", "the edit itself is kept"
    w.calm()


def test_an_edit_of_the_source_still_travels_to_the_landed_copy():
    """The PIM user moves the meeting to another room; the copy is as written: the new room goes to the CRM."""
    w = World()
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.pim.edit(pim_id, location="Room 2")
    assert w.sync().conflicts == 0
    assert w.crm.records(Kind.EVENT)[crm_id].location == "Room 2"
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 2"
    assert w.subjects() == (["Kickoff"], ["Kickoff"])
    w.calm()


def test_an_edit_on_each_side_of_the_same_field_is_a_conflict_left_for_review():
    """Both renamed it: under ``manual`` the subject is a conflict, listed with both values, and neither side is
    written; choosing a side at review settles it."""
    w = World(policy=ConflictPolicy.MANUAL)
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.pim.edit(pim_id, subject="Kickoff (PIM)")
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    plan = w.engine.plan(Kind.EVENT)
    assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
        ("subject", "Kickoff (PIM)", "Kickoff (CRM)", None)]
    w.sync()
    assert w.subjects() == (["Kickoff (PIM)"], ["Kickoff (CRM)"]), "neither written over the other"
    w.sync()
    assert w.subjects() == (["Kickoff (PIM)"], ["Kickoff (CRM)"]), "still open at the next sync"


def test_an_edit_on_each_side_is_a_conflict_decided_by_the_policy():
    """Both edited (the PIM the room, the CRM the subject): the journal keeps only a fingerprint of what was
    written, so it cannot tell which side changed which field. Where they differ they are compared side against
    side: two conflicts, reported and decided by the policy (here the PIM wins both), never a silent overwrite."""
    w = World(policy=ConflictPolicy.PIM_WINS)
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.pim.edit(pim_id, location="Room 2")
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    plan = w.engine.plan(Kind.EVENT)
    assert sorted((c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts) == [
        ("location", "Room 2", "Room 1", "pim"), ("subject", "Kickoff", "Kickoff (CRM)", "pim")]
    assert w.sync().conflicts == 2
    crm = w.crm.records(Kind.EVENT)[crm_id]
    assert (crm.subject, crm.location) == ("Kickoff", "Room 2")
    assert w.subjects() == (["Kickoff"], ["Kickoff"])
    w.calm()


def _two_step(completes):
    return lambda clock: TwoStepCreates(name="crm", formatted_bodies=False, clock=clock, completes=completes)


def test_a_create_stopped_before_its_later_step_is_completed_from_the_source():
    """The create's first request landed (no location yet) and its reply was lost: the next sync writes the
    location from the PIM, and takes the missing location for no edit of the CRM user's."""
    w = World(crm=_two_step(frozenset({"location"})))
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    assert w.crm.records(Kind.EVENT)[crm_id].location == ""
    assert w.sync().conflicts == 0
    assert w.crm.records(Kind.EVENT)[crm_id].location == "Room 1"
    assert w.pim.records(Kind.EVENT)[pim_id].location == "Room 1"
    w.calm()


def test_an_edit_of_a_copy_whose_create_stopped_before_its_later_step_travels_and_the_create_completes():
    """The same, and a CRM user renamed the copy meanwhile: the subject travels to the PIM, the location to the
    CRM."""
    w = World(crm=_two_step(frozenset({"location"})))
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    assert w.sync().conflicts == 0
    crm, pim = w.crm.records(Kind.EVENT)[crm_id], w.pim.records(Kind.EVENT)[pim_id]
    assert (crm.subject, crm.location) == ("Kickoff (CRM)", "Room 1")
    assert (pim.subject, pim.location) == ("Kickoff (CRM)", "Room 1")
    w.calm()


def test_a_side_that_does_not_say_what_its_creates_complete_later_has_its_copy_completed_from_the_source():
    """``create_completes`` None (a third-party adapter that says nothing): every difference of the copy may be
    an unfinished create, so the copy is completed from the source, the CRM user's rename included (as before
    the capability existed). The location is written all the same."""
    w = World(crm=_two_step(None))
    pim_id = w.new_meeting()
    crm_id = w.interrupted_create("lost-reply")
    w.crm.edit(crm_id, subject="Kickoff (CRM)")
    w.sync()
    crm, pim = w.crm.records(Kind.EVENT)[crm_id], w.pim.records(Kind.EVENT)[pim_id]
    assert (crm.subject, crm.location) == ("Kickoff", "Room 1")
    assert (pim.subject, pim.location) == ("Kickoff", "Room 1")
    w.calm()
