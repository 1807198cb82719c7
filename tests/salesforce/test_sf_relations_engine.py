"""End to end through SyncEngine: a PIM (MemoryAdapter, then ExchangeAdapter on its emulator) against the
Salesforce emulator, relating meetings and contacts to Salesforce people and Accounts.

Customers live at ``customer.example`` (the Salesforce user is ``syncore@example.com``: ``example.com`` is the
own domain, ignored automatically).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from exchangelib import EWSTimeZone
from sfadapter_support import LINK_FIELD, T0, make_adapter

from pair_emulators import exchange_emulator
from relations_support import acme_world
from relations_support import event_people as people_of
from syncore import SyncEngine
from syncore.models import Contact, Event, Kind
from syncore.settings import KindSettings, SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


def engine_for(emu, pim, crm, **settings) -> SyncEngine:
    return SyncEngine(
        pim=pim,
        crm=crm,
        state=SqliteStateStore(":memory:"),
        settings=SyncSettings(**settings),
        clock=emu.clock.now,
    )


def memory_pim(emu) -> MemoryAdapter:
    return MemoryAdapter(
        name="pim", formatted_bodies=True, link_ids=True, batch_size=200, clock=emu.clock.now
    )


def meeting(*attendees: str, subject: str = "Quarterly review", day: int = 2) -> Event:
    start = T0 + timedelta(days=day)
    return Event(subject=subject, start=start, end=start + timedelta(hours=1), attendees=attendees)


def sync(emu, engine, kind):
    emu.clock.advance(2)
    result = engine.sync(kind)
    assert result.ok, result.errors
    return result


@pytest.fixture
def crm_world(emu):
    return acme_world(emu)


# -- contacts and Accounts, both ways ------------------------------------------------------------------------
def test_contacts_under_new_and_existing_accounts_both_ways_without_duplicates(emu, crm_world):
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim.put(Contact(first_name="Dee", last_name="Dale", email="dee@customer.example", company="acme"))
    pim.put(Contact(first_name="Eve", last_name="Eng", email="eve@initech.example", company="Initech"))
    globex = emu.insert("Account", {"Name": "Globex"})
    emu.insert(
        "Contact",
        {"LastName": "Gil", "Email": "gil@globex.example", "AccountId": globex, "OwnerId": emu.user_id},
    )
    sync(emu, engine, Kind.CONTACT)
    accounts = {row["Name"]: row["Id"] for row in emu.all("Account")}
    assert sorted(accounts) == ["Acme", "Globex", "Initech"]
    by_email = {row["Email"]: row for row in emu.all("Contact")}
    assert by_email["dee@customer.example"]["AccountId"] == accounts["Acme"]
    assert by_email["eve@initech.example"]["AccountId"] == accounts["Initech"]
    pim_companies = {r.email: r.company for r in pim.records(Kind.CONTACT).values()}
    assert pim_companies["gil@globex.example"] == "Globex"
    # more syncs, another contact of a company already made: still one Account per name
    pim.put(Contact(first_name="Fay", last_name="Fox", email="fay@initech.example", company="INITECH"))
    for _ in range(3):
        sync(emu, engine, Kind.CONTACT)
    assert sorted(row["Name"] for row in emu.all("Account")) == ["Acme", "Globex", "Initech"]
    # an Account renamed in Salesforce renames its contacts' company in the PIM at the next sync
    emu.clock.advance(600)
    emu.update("Account", accounts["Initech"], {"Name": "Initech Global"})
    sync(emu, engine, Kind.CONTACT)
    pim_companies = {r.email: r.company for r in pim.records(Kind.CONTACT).values()}
    assert pim_companies["eve@initech.example"] == pim_companies["fay@initech.example"] == "Initech Global"
    assert sorted(row["Name"] for row in emu.all("Account")) == ["Acme", "Globex", "Initech Global"]


def test_one_account_per_company_across_the_batches_of_one_sync(emu):
    """250 new contacts of one new company: two write batches in one sync, one Account."""
    pim = memory_pim(emu)
    for i in range(250):
        pim.put(Contact(last_name=f"P{i:03d}", email=f"p{i}@umbrella.example", company="Umbrella"))
    engine = engine_for(emu, pim, make_adapter(emu))
    emu.reset_log()
    sync(emu, engine, Kind.CONTACT)
    (account,) = emu.all("Account")
    assert account["Name"] == "Umbrella"
    assert {row["AccountId"] for row in emu.all("Contact")} == {account["Id"]}
    assert len(emu.all("Contact")) == 250
    sync(emu, engine, Kind.CONTACT)
    assert len(emu.all("Account")) == 1


# -- events: Who, relations, What, following attendee changes ------------------------------------------------
def test_a_meeting_relates_and_its_relations_follow_the_attendees(emu, crm_world):
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim_id = pim.put(meeting("ann@customer.example", "bob@customer.example", "stranger@elsewhere.example"))
    sync(emu, engine, Kind.EVENT)
    (row,) = emu.all("Event")
    event_id = row["Id"]
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (
        crm_world["ann"],
        crm_world["acme"],
        crm_world["acme"],
    )
    assert people_of(emu, event_id) == {crm_world["ann"], crm_world["bob"]}
    # a relation added by hand in Salesforce
    emu.insert(
        "EventRelation",
        {"EventId": event_id, "RelationId": crm_world["cy"], "IsParent": True, "IsInvitee": False},
    )
    # Cy is invited later in the PIM: already related, nothing doubles; Bob leaves
    pim.edit(pim_id, attendees=("ann@customer.example", "cy@customer.example", "stranger@elsewhere.example"))
    sync(emu, engine, Kind.EVENT)
    assert people_of(emu, event_id) == {crm_world["ann"], crm_world["cy"]}
    # Cy was related by hand before syncore knew of him as an attendee; once an attendee, his leaving removes
    # the relation like any other; Ann leaves too: Cy, still invited, becomes the Who
    pim.edit(pim_id, attendees=("cy@customer.example",))
    sync(emu, engine, Kind.EVENT)
    assert people_of(emu, event_id) == {crm_world["cy"]}
    assert emu.get("Event", event_id)["WhoId"] == crm_world["cy"]
    # the PIM still has its attendee list untouched by Salesforce's reads
    assert pim.records(Kind.EVENT)[pim_id].attendees == ("cy@customer.example",)


def test_a_hand_made_relation_survives_every_attendee_change(emu, crm_world):
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim_id = pim.put(meeting("ann@customer.example"))
    sync(emu, engine, Kind.EVENT)
    (row,) = emu.all("Event")
    emu.insert(
        "EventRelation",
        {"EventId": row["Id"], "RelationId": crm_world["cy"], "IsParent": True, "IsInvitee": False},
    )
    pim.edit(pim_id, attendees=("ann@customer.example", "bob@customer.example"))
    sync(emu, engine, Kind.EVENT)
    pim.edit(pim_id, attendees=())
    sync(emu, engine, Kind.EVENT)
    assert people_of(emu, row["Id"]) == {crm_world["cy"]}
    # an edit in Salesforce comes back without touching the PIM's attendees
    emu.update("Event", row["Id"], {"Location": "Room 4"})
    pim.edit(pim_id, attendees=("ann@customer.example",))
    sync(emu, engine, Kind.EVENT)
    record = pim.records(Kind.EVENT)[pim_id]
    assert record.location == "Room 4" and record.attendees == ("ann@customer.example",)
    assert people_of(emu, row["Id"]) == {crm_world["cy"], crm_world["ann"]}


def test_ignore_list_and_require_match(emu, crm_world):
    crm = make_adapter(emu, ignore=["bob@customer.example"])
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm, kinds={Kind.EVENT: KindSettings(require_match=True)})
    pim.put(meeting("ann@customer.example", "bob@customer.example", subject="Customer call"))
    internal = pim.put(
        meeting("colleague@example.com", "syncore@example.com", subject="Team stand-up", day=3)
    )
    pim.put(meeting("bob@customer.example", subject="Bob only", day=4))
    result = sync(emu, engine, Kind.EVENT)
    assert [row["Subject"] for row in emu.all("Event")] == ["Customer call"]
    (row,) = emu.all("Event")
    assert people_of(emu, row["Id"]) == {crm_world["ann"]}
    skipped = "\n".join(result.skipped)
    # (named by subject)
    assert "pim event 'Team stand-up': all its attendees are ignored" in skipped
    assert "pim event 'Bob only': all its attendees are ignored" in skipped
    assert result.errors == []
    # once it relates to a customer, it is written
    pim.edit(internal, attendees=("colleague@example.com", "cy@customer.example"))
    sync(emu, engine, Kind.EVENT)
    assert sorted(row["Subject"] for row in emu.all("Event")) == ["Customer call", "Team stand-up"]


def test_request_counts_of_a_first_sync_with_attendees(emu):
    """200 meetings, 300 distinct attendees (100 contacts, 100 leads, 100 strangers): the lookups are batched
    once per sync, at most 2 Contact and 2 Lead queries, whatever the number of meetings."""
    for i in range(0, 300, 3):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"p{i}@customer.example"})
    for i in range(1, 300, 3):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"p{i}@customer.example"})
    crm = make_adapter(emu)
    pim = memory_pim(emu)
    for n in range(200):
        pim.put(
            meeting(
                *(f"p{(n * 3 + k) % 300}@customer.example" for k in range(3)), subject=f"M{n}", day=1 + n % 20
            )
        )
    engine = engine_for(emu, pim, crm, kinds={Kind.EVENT: KindSettings(require_match=True)})
    emu.reset_log()
    sync(emu, engine, Kind.EVENT)
    assert len(emu.all("Event")) == 200
    assert emu.count("query", sobject="Contact") <= 2
    assert emu.count("query", sobject="Lead") <= 2
    # the relation rows go in collections of 200, not one call per meeting
    assert emu.count("composite_create") <= 1 + 2  # the 200 events, then their rows (<= 400)


# -- with Exchange -------------------------------------------------------------------------------------------
ews = exchange_emulator()


def exchange_pim(ews) -> ExchangeAdapter:
    return ExchangeAdapter(ews.account(default_timezone=EWSTimeZone("Europe/Berlin")), sleep=lambda s: None)


def test_exchange_meetings_relate_and_follow_attendee_changes(emu, ews, crm_world):
    crm = make_adapter(emu, ignore=["mycompany.example"])
    pim = exchange_pim(ews)
    engine = engine_for(emu, pim, crm, kinds={Kind.EVENT: KindSettings(require_match=True)})
    start = T0 + timedelta(days=2)
    item = ews.create_item(
        fields={
            "Subject": "Pricing",
            "Start": start,
            "End": start + timedelta(hours=1),
            "RequiredAttendees": [
                "ann@customer.example",
                "bob@customer.example",
                "someone@elsewhere.example",
            ],
        }
    )
    ews.create_item(
        fields={
            "Subject": "1:1",
            "Start": start,
            "End": start + timedelta(minutes=30),
            "RequiredAttendees": ["boss@mycompany.example"],
        }
    )
    result = sync(emu, engine, Kind.EVENT)
    assert [row["Subject"] for row in emu.all("Event")] == ["Pricing"]
    assert len(result.skipped) == 1 and "all its attendees are ignored" in result.skipped[0]
    (row,) = emu.all("Event")
    assert (row["WhoId"], row["WhatId"]) == (crm_world["ann"], crm_world["acme"])
    assert people_of(emu, row["Id"]) == {crm_world["ann"], crm_world["bob"]}
    ews.update_item(item, {"RequiredAttendees": ["bob@customer.example", "cy@customer.example"]})
    sync(emu, engine, Kind.EVENT)
    assert people_of(emu, row["Id"]) == {crm_world["bob"], crm_world["cy"]}
    assert emu.get("Event", row["Id"])["WhoId"] == crm_world["bob"]
    assert emu.get("Event", row["Id"])["WhatId"] is None  # Cy has no Account: no common one
    attendees = ews.get_item(item)["fields"]
    assert "cy@customer.example" in str(attendees) and "ann@customer.example" not in str(attendees)


def test_salesforce_relations_reach_exchange_only_when_asked_and_never_invite(emu, ews, crm_world):
    start = T0 + timedelta(days=3)
    emu.insert(
        "Event",
        {
            "Subject": "Made in Salesforce",
            "StartDateTime": start.isoformat(),
            "EndDateTime": (start + timedelta(hours=1)).isoformat(),
            "WhoId": crm_world["ann"],
            "OwnerId": emu.user_id,
        },
    )
    # by default the relations stay in Salesforce: an appointment, not a meeting
    engine = engine_for(emu, exchange_pim(ews), make_adapter(emu))
    sync(emu, engine, Kind.EVENT)
    (item,) = ews.items()
    assert "RequiredAttendees" not in item["fields"]
    # asked for: the related people become attendees, written with SendMeetingInvitations="SendToNone"
    ews2 = EwsEmulator(mailboxes=["user@mycompany.example"]).start()
    try:
        engine = engine_for(emu, exchange_pim(ews2), make_adapter(emu, attendees_from_relations=True))
        sync(emu, engine, Kind.EVENT)
        (item,) = ews2.items()
        assert "ann@customer.example" in str(item["fields"].get("RequiredAttendees"))
        creates = [r for r in ews2.requests if r.operation == "CreateItem"]
        assert creates and all(r.attrs.get("SendMeetingInvitations") == "SendToNone" for r in creates)
        # an edit in Salesforce, then its deletion: no update or cancellation is sent either
        (event,) = emu.all("Event")
        emu.clock.advance(60)
        emu.update("Event", event["Id"], {"Subject": "Moved in Salesforce"})
        sync(emu, engine, Kind.EVENT)
        (item,) = ews2.items()
        assert item["fields"]["Subject"] == "Moved in Salesforce"
        emu.clock.advance(60)
        emu.delete("Event", event["Id"])
        sync(emu, engine, Kind.EVENT)
        assert ews2.items() == []
        updates = [r for r in ews2.requests if r.operation == "UpdateItem"]
        deletes = [r for r in ews2.requests if r.operation == "DeleteItem"]
        assert updates and all(
            r.attrs.get("SendMeetingInvitationsOrCancellations") == "SendToNone" for r in updates
        )
        assert deletes and all(r.attrs.get("SendMeetingCancellations") == "SendToNone" for r in deletes)
    finally:
        ews2.stop()
        clear_protocol_cache()


# -- interrupted writes --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "op", "link"),
    [
        ("lose_replies", "composite_upsert", True),  # the event (with its Who and What) made, no answer
        ("drop_connections", "composite_upsert", True),  # the event never made
        ("lose_replies", "composite_create", True),  # its relation rows made, no answer
        ("drop_connections", "composite_create", True),  # its relation rows never made
        ("server_error", "composite_create", True),  # 503 on the relation rows
        ("lose_replies", "composite_create", False),  # no link field: the plain event create, no answer
    ],
)
def test_an_interrupted_write_loses_no_relation_and_doubles_no_event(emu, crm_world, fault, op, link):
    """Whatever write of a new event got no answer, the next syncs end with one event related to every
    attendee who is a Salesforce person."""
    crm = make_adapter(emu, link_field=LINK_FIELD if link else None)
    if link:
        emu.add_external_id("Event", LINK_FIELD)
    pim = memory_pim(emu)
    engine = engine_for(emu, pim, crm)
    pim.put(meeting("ann@customer.example", "bob@customer.example", "cy@customer.example"))
    crm.describe.get("Event")
    getattr(emu.faults, fault)(1, op=op)
    emu.clock.advance(2)
    engine.sync(Kind.EVENT)
    assert emu.count(op) >= 1
    for _ in range(2):
        sync(emu, engine, Kind.EVENT)
    (row,) = emu.all("Event")
    assert row["WhoId"] == crm_world["ann"]
    assert people_of(emu, row["Id"]) == {crm_world["ann"], crm_world["bob"], crm_world["cy"]}


def test_exchange_contacts_under_new_and_existing_accounts_both_ways(emu, ews, crm_world):
    """Exchange contacts' CompanyName becomes their Account (found or made once); a Salesforce contact's
    Account name becomes CompanyName, and a renamed Account renames it at the next sync."""
    engine = engine_for(emu, exchange_pim(ews), make_adapter(emu))
    ews.create_item(folder="contacts", fields={
        "DisplayName": "Dee Dale", "GivenName": "Dee", "Surname": "Dale", "CompanyName": "ACME",
        "EmailAddresses": {"EmailAddress1": "dee@customer.example"}})
    ews.create_item(folder="contacts", fields={
        "DisplayName": "Eve Eng", "GivenName": "Eve", "Surname": "Eng", "CompanyName": "Initech",
        "EmailAddresses": {"EmailAddress1": "eve@initech.example"}})
    ews.create_item(folder="contacts", fields={
        "DisplayName": "Fay Fox", "GivenName": "Fay", "Surname": "Fox", "CompanyName": "initech",
        "EmailAddresses": {"EmailAddress1": "fay@initech.example"}})
    sync(emu, engine, Kind.CONTACT)
    accounts = {row["Name"]: row["Id"] for row in emu.all("Account")}
    assert sorted(accounts) == ["Acme", "Initech"]
    by_email = {row["Email"]: row["AccountId"] for row in emu.all("Contact")}
    assert by_email["dee@customer.example"] == crm_world["acme"]
    assert by_email["eve@initech.example"] == by_email["fay@initech.example"] == accounts["Initech"]
    companies = {
        item["fields"]["Surname"]: item["fields"].get("CompanyName") for item in ews.items("contacts")
    }
    assert companies["Ann"] == companies["Bob"] == "Acme"  # Salesforce's contacts came with their Account
    assert not companies.get("Cy")  # no Account, no company
    for _ in range(2):
        sync(emu, engine, Kind.CONTACT)
    assert sorted(row["Name"] for row in emu.all("Account")) == ["Acme", "Initech"]
    emu.clock.advance(600)
    emu.update("Account", crm_world["acme"], {"Name": "Acme Holdings"})
    sync(emu, engine, Kind.CONTACT)
    companies = {
        item["fields"]["Surname"]: item["fields"].get("CompanyName") for item in ews.items("contacts")
    }
    assert companies["Ann"] == companies["Bob"] == companies["Dale"] == "Acme Holdings"
    assert len(emu.all("Account")) == 2
