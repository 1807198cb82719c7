"""End to end with both emulators: Graph (PIM) ⇄ Salesforce (CRM) relating meetings to Salesforce people.

The Graph version of tests/salesforce/test_sf_relations_engine.py's Exchange tests. The Graph adapter reads
attendees and never writes them (Graph would send meeting requests): every test also checks the Graph
emulator's request log, where no request ever carries an ``attendees`` property.

Customers live at ``customer.example``; the Salesforce user is ``syncore@example.com``, so ``example.com`` (the
mailbox's own domain too) is ignored automatically.
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

salesforce = pytest.importorskip("syncore_salesforce")
from syncore_salesforce.converter import format_datetime as sf_wire

T0 = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


sf = salesforce_emulator_at(T0)


@pytest.fixture
def crm_world(sf):
    return acme_world(sf)


def engine_for(sf, pim, crm, **settings) -> SyncEngine:
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(**settings),
                      clock=sf.clock.now)


def crm_for(sf, sleeps, **options):
    return salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps, **options)


def sync(sf, engine, kind=Kind.EVENT):
    sf.clock.advance(2)
    result = engine.sync(kind)
    assert result.ok, result.errors
    return result


def required(*addresses: str) -> list[dict]:
    """Attendees as a user's Outlook writes them (https://learn.microsoft.com/en-us/graph/api/user-post-events)."""
    return [{"emailAddress": {"address": a, "name": a.split("@")[0].title()}, "type": "required"}
            for a in addresses]


def graph_meeting(emu, subject: str, *attendees: str, days: int = 2, upn: str | None = None) -> dict:
    start = T0 + timedelta(days=days)
    wall = lambda at: {"dateTime": at.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
    return emu.create("event", {"subject": subject, "start": wall(start), "end": wall(start + timedelta(hours=1)),
                                "attendees": required(*attendees)}, upn)


def no_request_carries_attendees(emu) -> None:
    """Nothing the adapter sent to Graph named attendees: no meeting request can have been caused by a sync."""
    bodies = [r.body for r in emu.requests + emu.subrequests if r.body is not None]
    assert not any("attendees" in str(body) for body in bodies), bodies


def test_graph_meetings_relate_and_follow_attendee_changes(emu, sf, make_adapter, sleeps, crm_world):
    crm = crm_for(sf, sleeps)
    engine = engine_for(sf, make_adapter(), crm, kinds={Kind.EVENT: KindSettings(require_match=True)})
    pricing = graph_meeting(emu, "Pricing", "ann@customer.example", "bob@customer.example",
                            "someone@elsewhere.example")
    graph_meeting(emu, "1:1", "boss@example.com", days=3)
    invitations = emu.invitations()  # sent by the user's own Outlook, not by the sync
    result = sync(sf, engine)
    assert [row["Subject"] for row in sf.all("Event")] == ["Pricing"]
    assert len(result.skipped) == 1 and "all its attendees are ignored" in result.skipped[0]
    (row,) = sf.all("Event")
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (crm_world["ann"], crm_world["acme"],
                                                               crm_world["acme"])
    assert people_of(sf, row["Id"]) == {crm_world["ann"], crm_world["bob"]}

    # Cy is invited later in Outlook: a relation is added; nothing else changes
    emu.update(pricing["id"], {"attendees": required("ann@customer.example", "bob@customer.example",
                                                     "someone@elsewhere.example", "cy@customer.example")})
    invitations = emu.invitations()
    sync(sf, engine)
    assert people_of(sf, row["Id"]) == {crm_world["ann"], crm_world["bob"], crm_world["cy"]}
    assert sf.get("Event", row["Id"])["WhoId"] == crm_world["ann"]
    # Ann and Bob leave: their relations go, Cy becomes the Who, and no common Account is left
    emu.update(pricing["id"], {"attendees": required("cy@customer.example")})
    invitations = emu.invitations()
    sync(sf, engine)
    assert people_of(sf, row["Id"]) == {crm_world["cy"]}
    assert sf.get("Event", row["Id"])["WhoId"] == crm_world["cy"]
    assert sf.get("Event", row["Id"])["WhatId"] is None

    # an edit in Salesforce reaches Outlook without touching its attendees
    sf.clock.advance(60)
    sf.update("Event", row["Id"], {"Location": "Room 4"})
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.UPDATE): 1}
    stored = emu.get(pricing["id"])
    assert stored["location"]["displayName"] == "Room 4"
    assert [a["emailAddress"]["address"] for a in stored["attendees"]] == ["cy@customer.example"]
    # a sync with nothing new writes nothing (the attendees read from Outlook are no edit)
    result = sync(sf, engine)
    assert not {k: n for k, n in result.counts.items() if n}
    assert emu.invitations() == invitations
    no_request_carries_attendees(emu)


def test_salesforce_relations_never_become_graph_attendees(emu, sf, make_adapter, sleeps, crm_world):
    """Even with attendees_from_relations (Salesforce reports its related people as attendees), the Graph side
    is created and updated without attendees, and the Salesforce relations stay as they are."""
    start = T0 + timedelta(days=3)
    event_id = sf.insert("Event", {"Subject": "Made in Salesforce", "StartDateTime": sf_wire(start),
                                   "EndDateTime": sf_wire(start + timedelta(hours=1)), "WhoId": crm_world["ann"],
                                   "OwnerId": sf.user_id})
    engine = engine_for(sf, make_adapter(), crm_for(sf, sleeps, attendees_from_relations=True))
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.CREATE): 1}
    (item,) = emu.items("event")
    assert item["subject"] == "Made in Salesforce" and item["attendees"] == []
    # Salesforce's Who changes: it is not an attendee change for Outlook
    sf.clock.advance(60)
    sf.update("Event", event_id, {"WhoId": crm_world["bob"], "Subject": "Moved to Bob"})
    result = sync(sf, engine)
    assert {k: n for k, n in result.counts.items() if n} == {(Side.PIM, Action.UPDATE): 1}
    (item,) = emu.items("event")
    assert item["subject"] == "Moved to Bob" and item["attendees"] == []
    # nothing was read from Outlook as an attendee change either: the Who set in Salesforce stays
    sync(sf, engine)
    assert sf.get("Event", event_id)["WhoId"] == crm_world["bob"]
    # the user invites Cy in Outlook: Cy is related in Salesforce, Bob stays (not syncore's relation)
    emu.update(item["id"], {"attendees": required("cy@customer.example")})
    sync(sf, engine)
    assert crm_world["cy"] in people_of(sf, event_id)
    assert sf.get("Event", event_id)["WhoId"] == crm_world["bob"]
    assert emu.invitations() == [(item["id"], ["cy@customer.example"])]  # the user's own, none from the sync
    no_request_carries_attendees(emu)
