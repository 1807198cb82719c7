"""Write-only and lossy-empty fields, and require_match: the core's side of relating activities to people.

A CRM that relates an event to the people among its attendees holds no attendee list of its own: it declares
``attendees`` write-only, drops it from what it stores (``represent``) and never reports it. These tests use a
memory CRM that does exactly that and keeps the relations it was asked for, so they pin what the engine hands
such a side: attendee changes reach it with the previous base, nothing it reads ever clears the PIM's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs
import pytest
from engine_world import NOW, World

from syncore import Contact, Event, Kind, KindSettings, Side, SyncSettings
from syncore.models import Record
from syncore.remote import CreateRequest, UpdateRequest, WriteOutcome
from syncore.state_types import Action
from syncore.testing import MemoryAdapter


class RelatingCrm(MemoryAdapter):
    """A memory CRM that relates events to attendees (write-only) and may leave a company empty."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._caps = attrs.evolve(
            self._caps, write_only_fields=frozenset({"attendees"}), lossy_empty_fields=frozenset({"company"})
        )
        #: event id -> attendees related to it; the previous values handed to each update
        self.related: dict[str, tuple[str, ...]] = {}
        self.previous: list[tuple[str, ...] | None] = []
        self.people = {"ann@customer.com", "bob@customer.com", "cy@customer.com"}

    def represent(self, record: Record) -> Record:
        record = super().represent(record)
        return record.replace(attendees=()) if isinstance(record, Event) and record.attendees else record

    def _strip(self, record: Record) -> Record:
        return record.replace(attendees=()) if isinstance(record, Event) else record

    def create(self, kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        outcomes = super().create(kind, [attrs.evolve(r, record=self._strip(r.record)) for r in requests])
        for request, outcome in zip(requests, outcomes, strict=True):
            if outcome.ok and isinstance(request.record, Event):
                self.related[outcome.id] = request.record.attendees
        return outcomes

    def update(self, kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        # the record first, the relations once it answered (as the Salesforce adapter does)
        outcomes = super().update(kind, [attrs.evolve(r, record=self._strip(r.record)) for r in requests])
        for request, outcome in zip(requests, outcomes, strict=True):
            if "attendees" in request.fields and outcome.ok:
                self.previous.append(request.previous.attendees if request.previous is not None else None)
                self.related[request.id] = request.record.attendees
        return outcomes

    def unmatched(self, kind, records):
        return [
            None if set(getattr(r, "attendees", ())) & self.people else "nobody in the CRM" for r in records
        ]


@pytest.fixture
def world(world: World) -> World:
    world.crm = RelatingCrm(name="crm", formatted_bodies=False, link_ids=False, clock=world.clock)
    world.make_engine()
    return world


def meeting(subject: str = "Review", **fields) -> Event:
    start = NOW + timedelta(days=1)
    return Event(subject=subject, start=start, end=start + timedelta(hours=1), **fields)


def only_id(adapter: MemoryAdapter, kind: Kind = Kind.EVENT) -> str:
    (native_id,) = adapter.records(kind)
    return native_id


def test_attendee_changes_reach_the_crm_with_the_previous_base(world: World) -> None:
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com",)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    assert world.crm.related[crm_id] == ("ann@customer.com",)

    world.pim.edit(pim_id, attendees=("ann@customer.com", "bob@customer.com"))
    result = world.engine.sync(Kind.EVENT)
    assert result.summary.count(Side.CRM, Action.UPDATE) == 1
    assert world.crm.related[crm_id] == ("ann@customer.com", "bob@customer.com")
    assert world.crm.previous == [("ann@customer.com",)]

    world.pim.edit(pim_id, attendees=("bob@customer.com",))
    world.engine.sync(Kind.EVENT)
    assert world.crm.related[crm_id] == ("bob@customer.com",)
    assert world.crm.previous[-1] == ("ann@customer.com", "bob@customer.com")


def test_a_crm_edit_never_clears_the_attendees_it_does_not_report(world: World) -> None:
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com", "stranger@else.org")))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    world.crm.edit(crm_id, subject="Review (moved)")
    result = world.engine.sync(Kind.EVENT)
    pim = world.pim.records(Kind.EVENT)[pim_id]
    assert pim.subject == "Review (moved)"
    assert pim.attendees == ("ann@customer.com", "stranger@else.org")
    # the subject went to the PIM; nothing went back to the CRM
    assert result.summary.count(Side.CRM, Action.UPDATE) == 0


def test_a_deleted_pim_event_is_deleted_in_the_crm_even_after_a_crm_read(world: World) -> None:
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com",)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    world.crm.edit(crm_id, location="Room 2")  # read again next sync; attendees still ()
    world.engine.sync(Kind.EVENT)
    world.pim.remove(pim_id)
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT) == {}


def test_first_sync_match_relates_the_pim_attendees(world: World) -> None:
    world.pim.put(meeting(attendees=("ann@customer.com",)))
    crm_id = world.crm.put(meeting())
    world.engine.sync(Kind.EVENT)
    assert world.crm.related[crm_id] == ("ann@customer.com",)
    assert world.crm.previous == [()]


def test_an_empty_company_read_from_a_lossy_side_never_clears_the_pim(world: World) -> None:
    pim_id = world.pim.put(
        Contact(first_name="Ann", last_name="Lee", email="ann@customer.com", company="Acme")
    )
    world.engine.sync(Kind.CONTACT)
    crm_id = only_id(world.crm, Kind.CONTACT)
    # the CRM could not keep the company, and later someone edits another field there
    world.crm.edit(crm_id, company="", title="CTO")
    world.engine.sync(Kind.CONTACT)
    pim = world.pim.records(Kind.CONTACT)[pim_id]
    assert pim.title == "CTO" and pim.company == "Acme"
    # a company set there does travel
    world.crm.edit(crm_id, company="Acme Ltd")
    world.engine.sync(Kind.CONTACT)
    assert world.pim.records(Kind.CONTACT)[pim_id].company == "Acme Ltd"


def test_require_match_skips_unrelated_items_without_errors(world: World) -> None:
    settings = SyncSettings(kinds={Kind.EVENT: KindSettings(require_match=True)})
    world.make_engine(settings)
    world.pim.put(meeting(subject="Customer call", attendees=("ann@customer.com",)))
    lunch = world.pim.put(meeting(subject="Team lunch", attendees=("me@mycompany.com",)))
    result = world.engine.sync(Kind.EVENT)
    assert [r.subject for r in world.crm.records(Kind.EVENT).values()] == ["Customer call"]
    assert result.errors == []
    assert result.skipped == ["pim event 'Team lunch': nobody in the CRM"]  # named by subject
    # once it relates to someone, it is created
    world.pim.edit(lunch, attendees=("me@mycompany.com", "bob@customer.com"))
    world.engine.sync(Kind.EVENT)
    assert len(world.crm.records(Kind.EVENT)) == 2


def test_require_match_never_holds_back_records_coming_from_the_crm(world: World) -> None:
    world.make_engine(SyncSettings(kinds={Kind.EVENT: KindSettings(require_match=True)}))
    world.crm.put(meeting(subject="Made in the CRM"))
    world.engine.sync(Kind.EVENT)
    assert [r.subject for r in world.pim.records(Kind.EVENT).values()] == ["Made in the CRM"]


def test_attendees_are_never_adopted_from_an_update_whose_answer_was_lost(world: World) -> None:
    """The record's update landed, its answer did not, and the relations (made after it) never were: the next
    sync finds the subject landed and adopts it, but the attendees cannot be seen to have landed, so they are
    written again."""
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com",)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    world.pim.edit(pim_id, subject="Moved", attendees=("ann@customer.com", "bob@customer.com"))
    world.crm.lose_replies(1)
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT)[crm_id].subject == "Moved"
    assert world.crm.related[crm_id] == ("ann@customer.com",)
    world.advance(hours=1)  # past the retry back-off
    world.engine.sync(Kind.EVENT)
    assert world.crm.related[crm_id] == ("ann@customer.com", "bob@customer.com")
