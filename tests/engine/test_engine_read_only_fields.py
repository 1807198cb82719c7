"""Read-only fields: the core's side of a PIM that reports a field but never takes it on a write.

Graph reports an event's attendees and never writes them (it would send meeting requests), so it declares
``attendees`` read-only (``Capabilities.read_only_fields``). These tests use a memory PIM that does exactly that:
it stores what it is given without the attendees, and records every update's fields, so they pin what the
engine hands such a side: never an attendee write, and never an attendee change copied back from it that it
did not make.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs
import pytest
from engine_world import NOW, World

from syncore import Event, Kind, Side
from syncore.merge import without_fields
from syncore.models import Record
from syncore.remote import CreateRequest, UpdateRequest, WriteOutcome
from syncore.state_types import Action
from syncore.testing import MemoryAdapter


class InvitingPim(MemoryAdapter):
    """A memory PIM whose attendees are read-only: writes keep the stored attendees as they are."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._caps = attrs.evolve(self._caps, read_only_fields=frozenset({"attendees"}))
        #: the fields of every update the engine asked for; the attendees of every create
        self.updated_fields: list[frozenset[str]] = []
        self.created_attendees: list[tuple[str, ...]] = []

    def create(self, kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        self.created_attendees += [getattr(r.record, "attendees", ()) for r in requests]
        stripped = [attrs.evolve(r, record=without_fields(r.record, frozenset({"attendees"}))) for r in requests]
        return super().create(kind, stripped)

    def update(self, kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        self.updated_fields += [r.fields for r in requests]
        return super().update(kind, [attrs.evolve(r, fields=r.fields - {"attendees"}) for r in requests])


@pytest.fixture
def world(world: World) -> World:
    world.pim = InvitingPim(name="pim", formatted_bodies=True, link_ids=True, clock=world.clock)
    world.make_engine()
    return world


def meeting(subject: str = "Review", **fields) -> Event:
    start = NOW + timedelta(days=1)
    return Event(subject=subject, start=start, end=start + timedelta(hours=1), **fields)


def only_id(adapter: MemoryAdapter) -> str:
    (native_id,) = adapter.records(Kind.EVENT)
    return native_id


def writes(result) -> dict:
    return {key: n for key, n in result.counts.items() if n}


def test_pim_attendee_changes_reach_the_crm(world: World) -> None:
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com",)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("ann@customer.com",)
    world.pim.edit(pim_id, attendees=("ann@customer.com", "bob@customer.com"))
    result = world.engine.sync(Kind.EVENT)
    assert writes(result) == {(Side.CRM, Action.UPDATE): 1}
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("ann@customer.com", "bob@customer.com")
    assert world.pim.updated_fields == []


def test_a_crm_event_with_attendees_is_created_without_them_and_its_attendees_stay(world: World) -> None:
    crm_id = world.crm.put(meeting(attendees=("ann@customer.com", "bob@customer.com")))
    result = world.engine.sync(Kind.EVENT)
    assert writes(result) == {(Side.PIM, Action.CREATE): 1}
    pim_id = only_id(world.pim)
    assert world.pim.records(Kind.EVENT)[pim_id].attendees == ()
    # the PIM's empty list is what it was created with, not an edit: the CRM keeps its attendees
    for _ in range(2):
        world.advance(minutes=5)
        assert writes(world.engine.sync(Kind.EVENT)) == {}
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("ann@customer.com", "bob@customer.com")
    # read again after another edit there, its empty list is still no edit
    world.pim.edit(pim_id, subject="Renamed in the PIM")
    result = world.engine.sync(Kind.EVENT)
    assert writes(result) == {(Side.CRM, Action.UPDATE): 1}
    crm = world.crm.records(Kind.EVENT)[crm_id]
    assert crm.subject == "Renamed in the PIM" and crm.attendees == ("ann@customer.com", "bob@customer.com")
    # an attendee the PIM's user adds does travel
    world.pim.edit(pim_id, attendees=("cy@customer.com",))
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("cy@customer.com",)
    assert all("attendees" not in fields for fields in world.pim.updated_fields)


def test_a_crm_attendee_change_is_never_written_to_the_pim_nor_undone(world: World) -> None:
    pim_id = world.pim.put(meeting(attendees=("ann@customer.com",)))
    world.engine.sync(Kind.EVENT)
    crm_id = only_id(world.crm)
    world.crm.edit(crm_id, attendees=("ann@customer.com", "boss@customer.com"), location="Room 2")
    result = world.engine.sync(Kind.EVENT)
    assert writes(result) == {(Side.PIM, Action.UPDATE): 1}
    assert world.pim.updated_fields == [frozenset({"location"})]
    assert world.pim.records(Kind.EVENT)[pim_id].attendees == ("ann@customer.com",)
    # the next syncs neither write it to the PIM nor copy the PIM's list back over the CRM's
    for _ in range(2):
        world.advance(minutes=5)
        assert writes(world.engine.sync(Kind.EVENT)) == {}
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("ann@customer.com", "boss@customer.com")
    # a later edit of the PIM's list travels as usual
    world.pim.edit(pim_id, attendees=("cy@customer.com",))
    world.engine.sync(Kind.EVENT)
    assert world.crm.records(Kind.EVENT)[crm_id].attendees == ("cy@customer.com",)
    assert all("attendees" not in fields for fields in world.pim.updated_fields)


def test_without_fields_puts_fields_back_to_their_defaults() -> None:
    event = meeting(subject="x", attendees=("a@b.example",), location="Room")
    stripped: Record = without_fields(event, frozenset({"attendees", "nothing"}))
    assert stripped.attendees == () and stripped.location == "Room" and stripped.subject == "x"
    assert without_fields(stripped, frozenset({"attendees"})) is stripped
