"""End to end through SyncEngine: Outlook (fake, Europe/Berlin) <-> CRM (Salesforce emulator, and memory).

The scenarios every pair shares (formatted body kept while the CRM moves the meeting across DST, DST,
deletions, request counts) are in syncore.testing.EngineContract (tests/engine/test_engine_contract.py); these
are Outlook's own: what is opened and read, and a meeting whose EntryID changes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncore.models import Body, Event, Side
from syncore.state_types import Action
from syncore.testing.engine_contract import AFTER, BEFORE, HTML, EngineContract, World, only, writes
from syncore.testing.memory_backend import MemoryBackend
from syncore_outlook.fake.backend import OutlookFakeBackend
from syncore_salesforce.emulator.backend import SalesforceBackend

CRMS = {"salesforce": SalesforceBackend, "memory": MemoryBackend.crm_like}


@pytest.fixture(params=list(CRMS.values()), ids=list(CRMS))
def world(request):
    with OutlookFakeBackend(EngineContract.now) as pim, request.param(EngineContract.now) as crm:
        yield World(pim, crm, EngineContract.now)


def test_a_sync_without_changes_opens_no_item_and_reads_no_body(world):
    fake = world.pim.fake
    world.pim.user_create_event(Event(subject="Budget review", start=BEFORE, end=BEFORE + timedelta(hours=1),
                                      body=Body(html=HTML)))
    world.sync()
    world.sync()
    fake.reset_counters()
    assert not writes(world.sync())
    assert fake.item_opens == fake.saves == 0
    assert fake.access_count(prop="Body") == fake.access_count(prop="RTFBody") == 0


def test_an_outlook_edit_opens_only_the_edited_item(world):
    pim, crm, fake = world.pim, world.crm, world.pim.fake
    native_id = pim.user_create_event(Event(subject="Call", start=BEFORE, end=BEFORE + timedelta(minutes=30)))
    pim.user_create_event(Event(subject="Other", start=AFTER, end=AFTER + timedelta(minutes=30)))
    world.sync()
    world.sync()
    pim.user_edit_event(native_id, start=AFTER, end=AFTER + timedelta(minutes=45))
    fake.reset_counters()
    assert writes(world.sync()) == {(Side.CRM, Action.UPDATE): 1}
    assert fake.item_opens == 1, "only the edited item is opened"
    moved = {e.subject: (e.start, e.end) for e in crm.events().values()}["Call"]
    assert moved == (AFTER, AFTER + timedelta(minutes=45))
    assert len(pim.events()) == len(crm.events()) == 2, "no duplicate"


def test_accepting_a_meeting_new_entry_id_neither_deletes_nor_duplicates(world):
    pim, crm, fake = world.pim, world.crm, world.pim.fake
    pim.user_create_event(Event(subject="Invite", start=AFTER, end=AFTER + timedelta(hours=1)))
    world.sync()
    crm_id, _ = only(crm.events())
    (entry_id,) = fake.entry_ids("calendar")
    # Outlook replaces the item: a new EntryID, the same GlobalAppointmentID
    new_entry_id = fake.user_respond(entry_id)
    fake.user_edit(new_entry_id, Subject="Invite (accepted)")
    world.sync()
    native_id, event = only(crm.events())
    assert native_id == crm_id, "the CRM record is updated, not deleted and re-created"
    assert (event.subject, event.start) == ("Invite (accepted)", AFTER)
    assert fake.entry_ids("calendar") == [new_entry_id]
