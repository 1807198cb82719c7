"""End to end: Outlook desktop (COM fake) ⇄ Salesforce (emulator) relating meetings and tasks to Salesforce
people.

The Outlook version of tests/graph/test_graph_relations.py. The Outlook adapter reads required attendees from
``AppointmentItem.Recipients`` and never writes them (adding recipients makes a meeting whose requests Outlook
sends): every test also checks that no recipient was ever added by the sync (``Recipients.Add``) and that the
appointments keep exactly the recipients the user gave them. Tasks relate through the contacts they are linked
to (``TaskItem.Links``), which the adapter reads and never writes (no ``Links.Add``).

Customers live at ``customer.example``; the Salesforce user is ``syncore@example.com``, so ``example.com``
(the user's own domain) is ignored automatically.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pair_emulators import salesforce_emulator_at
from relations_support import acme_world
from relations_support import event_people as people_of
from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Side
from syncore.settings import KindSettings
from syncore.state_types import Action
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.fake import FakeClock, FakeOutlook, exchange_recipient, smtp_recipient

salesforce = pytest.importorskip("syncore_salesforce")
from syncore_salesforce.converter import format_datetime as sf_wire

T0 = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


sf = salesforce_emulator_at(T0)


@pytest.fixture
def fake():
    return FakeOutlook(local_zone="Europe/Berlin", clock=FakeClock(T0))


@pytest.fixture
def crm_world(sf):
    return acme_world(sf)


def engine_for(sf, fake, crm, **settings) -> SyncEngine:
    return SyncEngine(pim=OutlookComAdapter(fake.application), crm=crm, state=SqliteStateStore(":memory:"),
                      settings=SyncSettings(**settings), clock=sf.clock.now)


def crm_for(sf, **options):
    return salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=lambda _: None, **options)


def sync(sf, engine, kind=Kind.EVENT):
    sf.clock.advance(2)
    result = engine.sync(kind)
    assert result.ok, result.errors
    return result


def required(*addresses: str) -> list:
    """Recipients as the user's Outlook holds them: the organizer (the user, an Exchange user) first, then
    required attendees as SMTP entries
    (https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype)."""
    return [exchange_recipient("Sales Person", "syncore@example.com", C.olOrganizer)] + [
        smtp_recipient(a.split("@")[0].title(), a) for a in addresses]


def outlook_meeting(fake, subject: str, *attendees: str, days: int = 2) -> str:
    start = T0 + timedelta(days=days)
    return fake.user_create("calendar", Subject=subject, Start=start, End=start + timedelta(hours=1),
                            MeetingStatus=C.olMeeting, Recipients=required(*attendees))


def addresses(fake, entry_id: str) -> list[str]:
    return [r.smtp or r.address for r in fake.record(entry_id).recipients]


def test_outlook_meetings_relate_and_follow_attendee_changes(fake, sf, crm_world):
    engine = engine_for(sf, fake, crm_for(sf), kinds={Kind.EVENT: KindSettings(require_match=True)})
    pricing = outlook_meeting(fake, "Pricing", "ann@customer.example", "bob@customer.example",
                              "someone@elsewhere.example")
    outlook_meeting(fake, "1:1", "boss@example.com", days=3)
    result = sync(sf, engine)
    assert [row["Subject"] for row in sf.all("Event")] == ["Pricing"]
    assert len(result.skipped) == 1 and "all its attendees are ignored" in result.skipped[0]
    (row,) = sf.all("Event")
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (crm_world["ann"], crm_world["acme"],
                                                               crm_world["acme"])
    assert people_of(sf, row["Id"]) == {crm_world["ann"], crm_world["bob"]}

    # Cy is invited later in Outlook: a relation is added; nothing else changes
    fake.user_edit(pricing, Recipients=required("ann@customer.example", "bob@customer.example",
                                                "someone@elsewhere.example", "cy@customer.example"))
    sync(sf, engine)
    assert people_of(sf, row["Id"]) == {crm_world["ann"], crm_world["bob"], crm_world["cy"]}
    assert sf.get("Event", row["Id"])["WhoId"] == crm_world["ann"]
    # Ann and Bob leave: their relations go, Cy becomes the Who, and no common Account is left
    fake.user_edit(pricing, Recipients=required("cy@customer.example"))
    sync(sf, engine)
    assert people_of(sf, row["Id"]) == {crm_world["cy"]}
    assert sf.get("Event", row["Id"])["WhoId"] == crm_world["cy"]
    assert sf.get("Event", row["Id"])["WhatId"] is None

    # an edit in Salesforce reaches Outlook without touching its recipients
    sf.clock.advance(60)
    sf.update("Event", row["Id"], {"Location": "Room 4"})
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.UPDATE): 1}
    assert fake.record(pricing).props["Location"] == "Room 4"
    assert addresses(fake, pricing) == ["syncore@example.com", "cy@customer.example"]
    # a sync with nothing new writes nothing (the attendees read from Outlook are no edit)
    result = sync(sf, engine)
    assert not {k: n for k, n in result.counts.items() if n}
    assert fake.calls["Recipients.Add"] == 0


def test_salesforce_relations_never_become_outlook_recipients(fake, sf, crm_world):
    """Even with attendees_from_relations (Salesforce reports its related people as attendees), the Outlook
    appointment is created and updated without recipients, and the Salesforce relations stay as they are."""
    start = T0 + timedelta(days=3)
    event_id = sf.insert("Event", {"Subject": "Made in Salesforce", "StartDateTime": sf_wire(start),
                                   "EndDateTime": sf_wire(start + timedelta(hours=1)),
                                   "WhoId": crm_world["ann"], "OwnerId": sf.user_id})
    engine = engine_for(sf, fake, crm_for(sf, attendees_from_relations=True))
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.CREATE): 1}
    (entry_id,) = fake.entry_ids("calendar")
    assert fake.record(entry_id).props["Subject"] == "Made in Salesforce"
    assert fake.record(entry_id).recipients == []
    # Salesforce's Who changes: it is not an attendee change for Outlook
    sf.clock.advance(60)
    sf.update("Event", event_id, {"WhoId": crm_world["bob"], "Subject": "Moved to Bob"})
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.UPDATE): 1}
    (entry_id,) = fake.entry_ids("calendar")
    assert fake.record(entry_id).props["Subject"] == "Moved to Bob"
    assert fake.record(entry_id).recipients == []
    # nothing was read from Outlook as an attendee change either: the Who set in Salesforce stays
    sync(sf, engine)
    assert sf.get("Event", event_id)["WhoId"] == crm_world["bob"]
    # the user invites Cy in Outlook: Cy is related in Salesforce, Bob stays (not syncore's relation)
    fake.user_edit(entry_id, MeetingStatus=C.olMeeting, Recipients=required("cy@customer.example"))
    sync(sf, engine)
    assert crm_world["cy"] in people_of(sf, event_id)
    assert sf.get("Event", event_id)["WhoId"] == crm_world["bob"]
    assert fake.calls["Recipients.Add"] == 0


def task_people_of(sf, task_id: str) -> set[str]:
    return {row["RelationId"] for row in sf.all("TaskRelation")
            if row["TaskId"] == task_id and not row["IsWhat"]}


def test_outlook_tasks_relate_through_their_linked_contacts(fake, sf, crm_world):
    """A task linked (``TaskItem.Links``) to Ann and Bob of Acme becomes a Salesforce Task whose Who is one of
    them, whose TaskRelation rows name both and whose What is their common Account; unlinking follows; the
    sync never adds a link in Outlook."""
    ann = fake.user_create("contacts", FirstName="Ann", LastName="Lee", Email1Address="Ann@Customer.example")
    bob = fake.user_create("contacts", FirstName="Bob", LastName="Roe", Email1Address="bob@customer.example")
    stranger = fake.user_create("contacts", LastName="Stranger", Email1Address="someone@elsewhere.example")
    engine = engine_for(sf, fake, crm_for(sf), kinds={Kind.TASK: KindSettings()})
    offer = fake.user_create("tasks", Subject="Send the offer", DueDate=(T0 + timedelta(days=2)).date(),
                             Links=[bob, ann, stranger])
    sync(sf, engine, Kind.TASK)
    rows = [row for row in sf.all("Task") if row["Subject"] == "Send the offer"]
    assert len(rows) == 1
    (row,) = rows
    # Ann's address sorts first among the contacts Outlook supplies (lower-cased), so she is the Who
    assert (row["WhoId"], row["WhatId"]) == (crm_world["ann"], crm_world["acme"])
    assert task_people_of(sf, row["Id"]) == {crm_world["ann"], crm_world["bob"]}

    # Bob is unlinked in Outlook: his relation goes, Ann stays the Who, Acme stays the What
    fake.user_edit(offer, Links=[ann, stranger])
    sync(sf, engine, Kind.TASK)
    assert task_people_of(sf, row["Id"]) == {crm_world["ann"]}
    assert (sf.get("Task", row["Id"])["WhoId"], sf.get("Task", row["Id"])["WhatId"]) == (
        crm_world["ann"], crm_world["acme"])
    # an edit in Salesforce reaches Outlook without touching the task's links
    sf.clock.advance(60)
    sf.update("Task", row["Id"], {"Subject": "Send the signed offer"})
    result = sync(sf, engine, Kind.TASK)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.UPDATE): 1}
    assert fake.record(offer).props["Subject"] == "Send the signed offer"
    assert fake.record(offer).links == [ann, stranger]
    # a sync with nothing new writes nothing (the contacts read from Outlook are no edit)
    result = sync(sf, engine, Kind.TASK)
    assert not {k: n for k, n in result.counts.items() if n}
    assert fake.calls["Links.Add"] == 0 and fake.calls["Links.Remove"] == 0
