"""The Salesforce adapter relating records to people and Accounts, against the emulator (real client, HTTP).

Contacts under Accounts (found case-insensitively, created once, renamed ones followed), events related to the
Contacts and Leads among their attendees (WhoId, WhatId, EventRelation) and kept right as attendees change,
the ignore list, require_match's reasons and the request counts of the lookups. Customers live at
``customer.example``: the emulator's user is ``syncore@example.com``, so ``example.com`` is the own domain.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sfadapter_support import T0, make_adapter

from syncore.models import Contact, Event, Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_salesforce.emulator import SalesforceEmulator


def meeting(*attendees: str, subject: str = "Review", day: int = 1, private: bool = False) -> Event:
    start = T0 + timedelta(days=day)
    return Event(
        subject=subject, start=start, end=start + timedelta(hours=1), attendees=attendees, private=private
    )


def create(adapter, kind, *records):
    outcomes = adapter.create(kind, [CreateRequest(ref=str(i), record=r) for i, r in enumerate(records)])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return outcomes


def update(adapter, event_id: str, record: Event, previous: Event, fields=frozenset({"attendees"})):
    (outcome,) = adapter.update(
        Kind.EVENT, [UpdateRequest(ref="u", id=event_id, record=record, fields=fields, previous=previous)]
    )
    assert outcome.ok, outcome.error
    return outcome


def relations(emu, event_id: str) -> dict[str, dict]:
    """The event's person rows by RelationId."""
    return {
        row["RelationId"]: row
        for row in emu.all("EventRelation")
        if row["EventId"] == event_id and not row["IsWhat"]
    }


@pytest.fixture
def acme(emu):
    """Two contacts under Acme, a contact without Account, a lead, a converted lead."""
    account = emu.insert("Account", {"Name": "Acme"})
    return {
        "account": account,
        "ann": emu.insert(
            "Contact", {"LastName": "Ann", "Email": "ann@customer.example", "AccountId": account}
        ),
        "bob": emu.insert(
            "Contact", {"LastName": "Bob", "Email": "Bob@Customer.example", "AccountId": account}
        ),
        "cy": emu.insert("Contact", {"LastName": "Cy", "Email": "cy@customer.example"}),
        "lea": emu.insert(
            "Lead", {"LastName": "Lea", "Company": "Prospect", "Email": "lea@prospect.example"}
        ),
        "old": emu.insert(
            "Lead",
            {"LastName": "Old", "Company": "Prospect", "Email": "old@prospect.example", "IsConverted": True},
        ),
    }


# -- contacts and Accounts -----------------------------------------------------------------------------------
def test_contacts_go_under_existing_and_new_accounts_without_duplicates(emu, acme):
    adapter = make_adapter(emu)
    outcomes = create(
        adapter,
        Kind.CONTACT,
        Contact(last_name="Dee", company="ACME"),  # the existing Account, whatever its case
        Contact(last_name="Eve", company="Initech"),
        Contact(last_name="Fay", company="initech "),
    )  # the same new Account, once
    accounts = {row["Name"]: row["Id"] for row in emu.all("Account")}
    assert sorted(accounts) == ["Acme", "Initech"]
    by_id = {row["Id"]: row for row in emu.all("Contact")}
    assert [by_id[o.id]["AccountId"] for o in outcomes] == [
        acme["account"],
        accounts["Initech"],
        accounts["Initech"],
    ]
    # a later batch, another adapter (a later sync): the Account is found, never made again
    create(make_adapter(emu), Kind.CONTACT, Contact(last_name="Gus", company="Initech"))
    assert sorted(row["Name"] for row in emu.all("Account")) == ["Acme", "Initech"]
    # reading: the company is the Account's name
    read = adapter.fetch(Kind.CONTACT, [outcomes[0].id])[outcomes[0].id].record
    assert read.company == "Acme"


def test_one_lookup_per_batch_and_a_recheck_before_creating(emu):
    adapter = make_adapter(emu)
    adapter.describe.get("Contact")
    emu.reset_log()
    create(
        adapter, Kind.CONTACT, *[Contact(last_name=f"P{i}", company=f"Company {i % 3}") for i in range(30)]
    )
    account_queries = [r.q for r in emu.requests if r.sobject == "Account" and r.q]
    assert len(account_queries) == 2, account_queries  # the lookup, and the re-check right before creating
    assert emu.count("composite_create") == 2  # the three Accounts together, then the 30 contacts
    assert sorted(row["Name"] for row in emu.all("Account")) == ["Company 0", "Company 1", "Company 2"]


def test_an_account_made_between_lookup_and_create_is_used(emu, monkeypatch):
    adapter = make_adapter(emu)
    find = adapter.accounts._find
    calls = []

    def racing_find(names):
        calls.append(sorted(names))
        if len(calls) == 1:
            emu.insert("Account", {"Name": "Racer"})  # another process creates it right after our lookup
            return {}
        return find(names)

    adapter.accounts._find = racing_find
    create(adapter, Kind.CONTACT, Contact(last_name="Ray", company="Racer"))
    assert [row["Name"] for row in emu.all("Account")] == ["Racer"]


def test_without_create_accounts_the_contact_is_written_alone_and_reported(emu):
    adapter = make_adapter(emu, create_accounts=False)
    (outcome,) = create(adapter, Kind.CONTACT, Contact(last_name="Ivy", company="Nowhere Ltd"))
    assert emu.all("Account") == []
    assert emu.get("Contact", outcome.id)["AccountId"] is None
    assert any("no Salesforce Account is named 'Nowhere Ltd'" in w for w in outcome.warnings)
    assert adapter.capabilities.lossy_empty_fields == {"company"}


def test_the_oldest_of_two_accounts_of_one_name_is_used_with_a_warning(emu):
    first = emu.insert("Account", {"Name": "Twin"}, system_modstamp=T0 - timedelta(days=2))
    emu.insert("Account", {"Name": "twin"}, system_modstamp=T0 - timedelta(days=1))
    (outcome,) = create(make_adapter(emu), Kind.CONTACT, Contact(last_name="Tia", company="Twin"))
    assert emu.get("Contact", outcome.id)["AccountId"] == first
    assert any("2 Salesforce Accounts are named" in w for w in outcome.warnings)


def test_a_renamed_account_reaches_its_contacts_through_the_change_feed(emu, acme):
    adapter = make_adapter(emu, scope="all")
    cursor = adapter.full_scan(Kind.CONTACT).cursor
    emu.clock.advance(600)  # past the re-read window
    cursor = adapter.changes(Kind.CONTACT, cursor).cursor
    emu.clock.advance(600)
    emu.update("Account", acme["account"], {"Name": "Acme Holdings"})
    emu.reset_log()
    changes = adapter.changes(Kind.CONTACT, cursor)
    assert sorted(r.record.company for r in changes.upserts) == ["Acme Holdings", "Acme Holdings"]
    assert emu.count() == 1, "the rename comes in the contacts' own query"


def test_a_company_change_moves_the_contact_and_clearing_it_leaves_no_account(emu, acme):
    adapter = make_adapter(emu)
    contact = Contact(last_name="Ann", email="ann@customer.example", company="Acme")
    (outcome,) = adapter.update(
        Kind.CONTACT,
        [
            UpdateRequest(
                ref="1",
                id=acme["ann"],
                record=contact.replace(company="Globex"),
                fields=frozenset({"company"}),
            )
        ],
    )
    assert outcome.ok
    globex = next(row["Id"] for row in emu.all("Account") if row["Name"] == "Globex")
    assert emu.get("Contact", acme["ann"])["AccountId"] == globex
    adapter.update(
        Kind.CONTACT,
        [
            UpdateRequest(
                ref="1", id=acme["ann"], record=contact.replace(company=""), fields=frozenset({"company"})
            )
        ],
    )
    assert emu.get("Contact", acme["ann"])["AccountId"] is None


# -- events: who, what, relations ----------------------------------------------------------------------------
def test_an_event_relates_to_its_contacts_and_their_account(emu, acme):
    adapter = make_adapter(emu)
    (outcome,) = create(
        adapter,
        Kind.EVENT,
        meeting("stranger@elsewhere.example", "bob@customer.example", "ann@customer.example"),
    )
    row = emu.get("Event", outcome.id)
    # attendees are kept sorted: ann comes first, so she is the Who
    assert (row["WhoId"], row["WhatId"], row["AccountId"]) == (acme["ann"], acme["account"], acme["account"])
    rows = relations(emu, outcome.id)
    assert set(rows) == {acme["ann"], acme["bob"]}
    assert all(r["IsParent"] and not r["IsInvitee"] for r in rows.values())


def test_what_follows_related_to(emu, acme):
    mixed = ("ann@customer.example", "cy@customer.example")  # cy has no Account
    unique = make_adapter(emu)
    first = make_adapter(emu, related_to="first")
    never = make_adapter(emu, related_to="never")
    (a,) = create(unique, Kind.EVENT, meeting(*mixed))
    (b,) = create(first, Kind.EVENT, meeting(*mixed))
    (c,) = create(never, Kind.EVENT, meeting("ann@customer.example"))
    assert [emu.get("Event", o.id)["WhatId"] for o in (a, b, c)] == [None, acme["account"], None]


def test_a_lead_when_no_contact_matches_never_a_converted_one(emu, acme):
    adapter = make_adapter(emu)
    (lead_event, converted_event, both) = create(
        adapter,
        Kind.EVENT,
        meeting("lea@prospect.example"),
        meeting("old@prospect.example", day=2),
        meeting("lea@prospect.example", "ann@customer.example", day=3),
    )
    assert emu.get("Event", lead_event.id)["WhoId"] == acme["lea"]
    assert emu.get("Event", lead_event.id)["WhatId"] is None
    assert emu.get("Event", converted_event.id)["WhoId"] is None
    assert emu.get("Event", both.id)["WhoId"] == acme["ann"]
    assert any("leads and were not related" in w for w in both.warnings)
    no_leads = make_adapter(emu, relate_leads=False)
    (outcome,) = create(no_leads, Kind.EVENT, meeting("lea@prospect.example", day=4))
    assert emu.get("Event", outcome.id)["WhoId"] is None


def test_private_events_are_never_related(emu, acme):
    (outcome,) = create(
        make_adapter(emu, scope="all"), Kind.EVENT, meeting("ann@customer.example", private=True)
    )
    assert emu.get("Event", outcome.id)["WhoId"] is None and relations(emu, outcome.id) == {}
    assert any("private" in w for w in outcome.warnings)


def test_relations_follow_attendees_and_spare_a_hand_made_one(emu, acme):
    adapter = make_adapter(emu)
    first = meeting("ann@customer.example")
    (outcome,) = create(adapter, Kind.EVENT, first)
    event_id = outcome.id
    # someone relates Cy by hand in Salesforce
    emu.insert(
        "EventRelation", {"EventId": event_id, "RelationId": acme["cy"], "IsParent": True, "IsInvitee": False}
    )
    added = meeting("ann@customer.example", "bob@customer.example")
    update(adapter, event_id, added, first)
    assert set(relations(emu, event_id)) == {acme["ann"], acme["bob"], acme["cy"]}
    # Ann leaves: her row goes, Bob becomes the Who, Cy (hand-made) stays
    removed = meeting("bob@customer.example")
    update(adapter, event_id, removed, added)
    assert set(relations(emu, event_id)) == {acme["bob"], acme["cy"]}
    row = emu.get("Event", event_id)
    assert row["WhoId"] == acme["bob"] and row["WhatId"] == acme["account"]
    # everybody leaves: syncore's Who and What go, the hand-made relation stays (and is promoted)
    update(adapter, event_id, meeting(), removed)
    assert set(relations(emu, event_id)) == {acme["cy"]}
    row = emu.get("Event", event_id)
    assert row["WhoId"] == acme["cy"] and row["WhatId"] is None


def test_an_invitees_row_keeps_the_invitation_when_the_attendee_leaves(emu, acme):
    adapter = make_adapter(emu)
    first = meeting("ann@customer.example", "bob@customer.example")
    (outcome,) = create(adapter, Kind.EVENT, first)
    bob_row = relations(emu, outcome.id)[acme["bob"]]
    emu.update("EventRelation", bob_row["Id"], {"IsInvitee": True})  # also invited by hand
    update(adapter, outcome.id, meeting("ann@customer.example"), first)
    row = relations(emu, outcome.id)[acme["bob"]]
    assert (row["IsParent"], row["IsInvitee"]) == (False, True)


def test_a_what_set_by_hand_stays(emu, acme):
    adapter = make_adapter(emu)
    first = meeting("ann@customer.example")
    (outcome,) = create(adapter, Kind.EVENT, first)
    other = emu.insert("Account", {"Name": "Chosen by hand"})
    emu.update("Event", outcome.id, {"WhatId": other})
    update(adapter, outcome.id, meeting("ann@customer.example", "bob@customer.example"), first)
    assert emu.get("Event", outcome.id)["WhatId"] == other


def test_becoming_private_unrelates_what_syncore_related(emu, acme):
    adapter = make_adapter(emu, scope="all")
    first = meeting("ann@customer.example", "bob@customer.example")
    (outcome,) = create(adapter, Kind.EVENT, first)
    update(adapter, outcome.id, first.replace(private=True), first, fields=frozenset({"private"}))
    row = emu.get("Event", outcome.id)
    assert (row["IsPrivate"], row["WhoId"], row["WhatId"]) == (True, None, None)
    assert relations(emu, outcome.id) == {}


def test_without_shared_activities_only_the_who_is_related():
    with SalesforceEmulator(start_time=T0, shared_activities=False) as emu:
        ann = emu.insert("Contact", {"LastName": "Ann", "Email": "ann@customer.example"})
        emu.insert("Contact", {"LastName": "Bob", "Email": "bob@customer.example"})
        adapter = make_adapter(emu, shared_activities=False)
        (outcome,) = create(adapter, Kind.EVENT, meeting("ann@customer.example", "bob@customer.example"))
        assert emu.get("Event", outcome.id)["WhoId"] == ann
        assert [r for r in emu.all("EventRelation") if r["IsParent"]] == []
        assert any("without Shared Activities" in w for w in outcome.warnings)
        assert emu.errors == []


# -- ignore list, require_match, request counts --------------------------------------------------------------
def test_ignored_addresses_are_never_looked_up_nor_related(emu, acme):
    adapter = make_adapter(emu, ignore=["bob@customer.example", "partner.example"])
    emu.reset_log()
    (outcome,) = create(
        adapter,
        Kind.EVENT,
        meeting("ann@customer.example", "bob@customer.example", "x@sub.partner.example", "me@example.com"),
    )
    lookups = " ".join(r.q for r in emu.requests if r.q and r.sobject in ("Contact", "Lead"))
    assert "ann@customer.example" in lookups
    for never in ("bob@customer.example", "partner.example", "me@example.com"):
        assert never not in lookups
    assert set(relations(emu, outcome.id)) == {acme["ann"]}


def test_unmatched_gives_reasons(emu, acme):
    adapter = make_adapter(emu)
    reasons = adapter.unmatched(
        Kind.EVENT,
        [
            meeting("ann@customer.example"),
            meeting("nobody@elsewhere.example"),
            meeting("me@example.com"),
            meeting(),
            meeting("ann@customer.example", private=True),
        ],
    )
    assert reasons[0] is None
    assert "none of its attendees is a Salesforce contact or lead" in reasons[1]
    assert "ignored" in reasons[2]
    assert "no attendees" in reasons[3]
    assert "private" in reasons[4]
    assert make_adapter(emu).unmatched(Kind.CONTACT, [Contact(last_name="X")]) == [None]


def test_two_hundred_events_with_three_hundred_attendees_cost_two_lookups_per_object(emu):
    """300 distinct addresses, 200 per IN list: at most 2 Contact queries and 2 Lead queries for the batch,
    and none more when the same people come again in the same sync (require_match's planning, then writes)."""
    for i in range(0, 300, 3):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"person{i}@customer.example"})
    for i in range(1, 300, 3):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"person{i}@customer.example"})
    events = [
        meeting(
            *(f"person{(n * 3 + k) % 300}@customer.example" for k in range(3)),
            subject=f"E{n}",
            day=1 + n % 20,
        )
        for n in range(200)
    ]
    adapter = make_adapter(emu)
    adapter.describe.get("Event")
    emu.reset_log()
    assert sum(r is None for r in adapter.unmatched(Kind.EVENT, events)) == 200
    create(adapter, Kind.EVENT, *events)
    assert emu.count("query", sobject="Contact") <= 2
    assert emu.count("query", sobject="Lead") <= 2
    assert emu.count("query", sobject="Contact") + emu.count("query", sobject="Lead") >= 2


def test_unmatched_tasks_and_relating_off(emu):
    reasons = make_adapter(emu).unmatched(Kind.TASK, [Task(subject="Call back")])
    assert "relates no task to Salesforce people yet" in reasons[0]
    off = make_adapter(emu, relate_activities=False)
    assert "relate_activities is off" in off.unmatched(Kind.EVENT, [meeting("ann@customer.example")])[0]
    assert off.capabilities.write_only_fields == frozenset()


# -- Accounts when the create's answer is lost ---------------------------------------------------------------
def test_a_lost_reply_on_the_account_create_makes_no_second_account(emu):
    """The Accounts were made but no answer came: they are found by name, used, and never made again."""
    adapter = make_adapter(emu)
    adapter.describe.get("Contact")
    emu.faults.lose_replies(1, op="composite_create")  # the first create of the batch: the Accounts
    outcomes = adapter.create(
        Kind.CONTACT,
        [
            CreateRequest(ref="1", record=Contact(last_name="Lou", company="Lost Reply Inc")),
            CreateRequest(ref="2", record=Contact(last_name="Max", company="lost reply inc")),
        ],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    (account,) = emu.all("Account")
    assert account["Name"] == "Lost Reply Inc"
    assert [emu.get("Contact", o.id)["AccountId"] for o in outcomes] == [account["Id"], account["Id"]]
    # the next sync's contacts of that company find it: still one
    create(make_adapter(emu), Kind.CONTACT, Contact(last_name="Ned", company="Lost Reply Inc"))
    assert len(emu.all("Account")) == 1


def test_an_account_create_that_never_arrived_fails_only_its_contacts_for_this_sync(emu):
    """No answer and nothing made: the contacts of that company fail with a retryable error (they were not
    sent: nothing of theirs is uncertain); the others are written; the next sync makes the Account once."""
    from syncore.errors import OutcomeUnknown, TransientError

    adapter = make_adapter(emu)
    adapter.describe.get("Contact")
    emu.faults.drop_connections(1, op="composite_create")
    lou, alone = adapter.create(
        Kind.CONTACT,
        [
            CreateRequest(ref="1", record=Contact(last_name="Lou", company="Dropped Inc")),
            CreateRequest(ref="2", record=Contact(last_name="Ada")),
        ],
    )
    assert alone.ok and emu.get("Contact", alone.id)["LastName"] == "Ada"
    assert isinstance(lou.error, TransientError) and not isinstance(lou.error, OutcomeUnknown)
    assert "Dropped Inc" in str(lou.error)
    assert emu.all("Account") == [] and len(emu.all("Contact")) == 1
    (again,) = create(adapter, Kind.CONTACT, Contact(last_name="Lou", company="Dropped Inc"))
    (account,) = emu.all("Account")
    assert emu.get("Contact", again.id)["AccountId"] == account["Id"]


def test_without_shared_activities_the_who_follows_the_attendees():
    """Without Shared Activities EventRelation has no IsParent (nor IsWhat, IsInvitee, AccountId): the adapter
    never asks for them; the Who alone follows the attendees, and a Who set by hand stays."""
    with SalesforceEmulator(start_time=T0, shared_activities=False) as emu:
        ann = emu.insert("Contact", {"LastName": "Ann", "Email": "ann@customer.example"})
        bob = emu.insert("Contact", {"LastName": "Bob", "Email": "bob@customer.example"})
        cy = emu.insert("Contact", {"LastName": "Cy", "Email": "cy@customer.example"})
        adapter = make_adapter(emu, shared_activities=False)
        first = meeting("ann@customer.example", "bob@customer.example")
        (outcome,) = create(adapter, Kind.EVENT, first)
        assert emu.get("Event", outcome.id)["WhoId"] == ann
        second = meeting("bob@customer.example")
        update(adapter, outcome.id, second, first)
        assert emu.get("Event", outcome.id)["WhoId"] == bob
        update(adapter, outcome.id, meeting(), second)
        assert emu.get("Event", outcome.id)["WhoId"] is None
        # a Who chosen by hand is not syncore's: attendee changes leave it
        emu.update("Event", outcome.id, {"WhoId": cy})
        update(adapter, outcome.id, meeting("ann@customer.example"), meeting())
        update(adapter, outcome.id, meeting(), meeting("ann@customer.example"))
        assert emu.get("Event", outcome.id)["WhoId"] == cy
        # Salesforce -> PIM: the Who's address is the attendee
        reader = make_adapter(emu, shared_activities=False, attendees_from_relations=True)
        read = reader.fetch(Kind.EVENT, [outcome.id])[outcome.id].record
        assert read.attendees == ("cy@customer.example",)
        assert emu.errors == []


def test_fifty_contacts_at_most_and_one_lead(emu):
    """Shared Activities: "An event can be related to up to 50 contacts or one lead" (EventRelation)."""
    for i in range(52):
        emu.insert("Contact", {"LastName": f"C{i}", "Email": f"c{i:02d}@customer.example"})
    for i in range(2):
        emu.insert("Lead", {"LastName": f"L{i}", "Company": "P", "Email": f"l{i}@prospect.example"})
    adapter = make_adapter(emu)
    many, leads = create(
        adapter,
        Kind.EVENT,
        meeting(*(f"c{i:02d}@customer.example" for i in range(52))),
        meeting("l0@prospect.example", "l1@prospect.example", day=2),
    )
    assert len(relations(emu, many.id)) == 50
    assert any("52 attendees are Salesforce contacts: the first 50 are related" in w for w in many.warnings)
    assert len(relations(emu, leads.id)) == 1
    assert any("only the first is related" in w for w in leads.warnings)
    assert emu.errors == []


def test_a_public_mail_domain_is_never_the_own_domain_to_ignore():
    """A user writing from a free-mail domain shares it with customers: only listed entries ignore it."""
    from syncore_salesforce._people import IgnoreList

    assert IgnoreList((), "example.com").ignores("Colleague@Sub.Example.com")
    assert not IgnoreList((), "gmail.com").ignores("customer@gmail.com")
    assert IgnoreList(["gmail.com"], "gmail.com").ignores("customer@gmail.com")
    assert IgnoreList(["@partner.example", "x@y.example"]).ignores("a@partner.example")
    assert not IgnoreList(["x@y.example"]).ignores("z@y.example")


def test_without_create_accounts_a_company_with_no_account_leaves_the_old_account(emu, acme):
    """A contact moved to a company that is no Account must not keep its old Account: read back, the old
    name would overwrite the new company on the PIM side. It is written without one (an empty company never
    clears the PIM's: lossy-empty)."""
    adapter = make_adapter(emu, create_accounts=False)
    contact = Contact(last_name="Ann", email="ann@customer.example", company="Acme")
    (outcome,) = adapter.update(
        Kind.CONTACT,
        [UpdateRequest(ref="1", id=acme["ann"], record=contact.replace(company="Nowhere Ltd"),
                       fields=frozenset({"company"}))],
    )
    assert outcome.ok and any("no Salesforce Account is named 'Nowhere Ltd'" in w for w in outcome.warnings)
    assert emu.get("Contact", acme["ann"])["AccountId"] is None
    reader = make_adapter(emu, scope="all")
    assert reader.fetch(Kind.CONTACT, [acme["ann"]])[acme["ann"]].record.company == ""


def test_addresses_and_company_names_are_quoted_not_spliced(emu):
    """Values from the PIM go into SOQL through format_soql: a quote in an address or a company name is
    data, never query text."""
    quoted = emu.insert("Contact", {"LastName": "O'Neil", "Email": "o'neil@customer.example"})
    adapter = make_adapter(emu)
    (event,) = create(adapter, Kind.EVENT, meeting("o'neil@customer.example"))
    assert emu.get("Event", event.id)["WhoId"] == quoted
    tricky = "Smith' OR Name != 'x"
    (contact,) = create(adapter, Kind.CONTACT, Contact(last_name="Sam", company=tricky))
    (account,) = emu.all("Account")
    assert account["Name"] == tricky and emu.get("Contact", contact.id)["AccountId"] == account["Id"]
    assert emu.errors == []
