"""Who an activity relates to, in the Salesforce emulator, driven by raw ``requests`` (not our adapter).

Each test cites the Object Reference page its behaviour comes from:

* EVENTRELATION = https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-eventrelation.html
* TASKRELATION = https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-taskrelation.html
* EVENT = https://developer.salesforce.com/docs/atlas.en-us.224.0.object_reference.meta/object_reference/sforce_api_objects_event.htm
* LEAD = https://developer.salesforce.com/docs/atlas.en-us.212.0.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Lead.htm
  (fields and lengths) and the API's StatusCode list (``CANNOT_UPDATE_CONVERTED_LEAD``)
* RELATE_BY_API = EVENTRELATION's usage example ``new EventRelation(EventId = ..., RelationId = '003...',
  isParent = true, isInvitee = false)`` and, secondary, https://www.simplysfdc.com/2016/05/salesforce-multi-person-calendar-event.html

Error codes for the limits are not documented; the emulator's choice is pinned here and marked (unverified) in
``syncore_salesforce/emulator/activities.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

V = "59.0"
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC).isoformat()


@pytest.fixture
def emu():
    with SalesforceEmulator() as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


@pytest.fixture
def http(emu):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        yield session


def url(emu, tail: str) -> str:
    return f"{emu.url}/services/data/v{V}/{tail}"


def query(emu, http, soql: str, *, all_rows: bool = False) -> list[dict]:
    resp = http.get(url(emu, "queryAll/" if all_rows else "query/"), params={"q": soql})
    assert resp.status_code == 200, resp.text
    return resp.json()["records"]


def create(emu, http, sobject: str, body: dict) -> requests.Response:
    return http.post(url(emu, f"sobjects/{sobject}/"), json=body)


def created_id(resp: requests.Response) -> str:
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def event(emu, http, **fields) -> str:
    return created_id(
        create(
            emu, http, "Event", {"Subject": "Call", "StartDateTime": START, "DurationInMinutes": 30, **fields}
        )
    )


def relate(emu, http, event_id: str, relation_id: str, **flags) -> requests.Response:
    body = {"EventId": event_id, "RelationId": relation_id, **flags}
    return create(emu, http, "EventRelation", body)


def error_code(resp: requests.Response) -> str:
    assert resp.status_code == 400, resp.text
    return resp.json()[0]["errorCode"]


# -- Lead ----------------------------------------------------------------------------------------------------
def test_lead_requires_last_name_and_company(emu, http):
    """LEAD: LastName and Company are required (not nillable); Name is derived."""
    resp = create(emu, http, "Lead", {"Email": "x@prospect.example"})
    assert error_code(resp) == "REQUIRED_FIELD_MISSING"
    assert set(resp.json()[0]["fields"]) == {"LastName", "Company"}
    lead = created_id(
        create(emu, http, "Lead", {"FirstName": "Pat", "LastName": "Kim", "Company": "Prospect"})
    )
    (row,) = query(emu, http, f"SELECT Name, Status, IsConverted FROM Lead WHERE Id = '{lead}'")
    assert (row["Name"], row["Status"], row["IsConverted"]) == ("Pat Kim", "Open - Not Contacted", False)


def test_converted_lead_cannot_be_updated(emu, http):
    """StatusCode CANNOT_UPDATE_CONVERTED_LEAD; IsConverted itself is set by convertLead, not by an update."""
    lead = emu.insert("Lead", {"LastName": "Kim", "Company": "Prospect", "IsConverted": True})
    resp = http.patch(url(emu, f"sobjects/Lead/{lead}"), json={"Title": "CEO"})
    assert error_code(resp) == "CANNOT_UPDATE_CONVERTED_LEAD"
    open_lead = emu.insert("Lead", {"LastName": "Lee", "Company": "Prospect"})
    resp = http.patch(url(emu, f"sobjects/Lead/{open_lead}"), json={"IsConverted": True})
    assert error_code(resp) == "INVALID_FIELD_FOR_INSERT_UPDATE"


# -- Event WhoId / WhatId / AccountId ------------------------------------------------------------------------
def test_event_account_id_is_derived_from_what_then_who(emu, http):
    """EVENT, AccountId: the What's account if the What is an Account, else the Who contact's account."""
    acme = emu.insert("Account", {"Name": "Acme"})
    globex = emu.insert("Account", {"Name": "Globex"})
    ann = emu.insert("Contact", {"LastName": "Ann", "AccountId": acme})
    by_who = event(emu, http, WhoId=ann)
    by_what = event(emu, http, WhoId=ann, WhatId=globex)
    alone = event(emu, http)
    rows = {r["Id"]: r["AccountId"] for r in query(emu, http, "SELECT Id, AccountId FROM Event")}
    assert rows == {by_who: acme, by_what: globex, alone: None}
    resp = http.patch(url(emu, f"sobjects/Event/{by_who}"), json={"AccountId": globex})
    assert error_code(resp) == "INVALID_FIELD_FOR_INSERT_UPDATE"  # read-only


def test_a_lead_as_who_leaves_no_room_for_a_what(emu, http):
    """Task/Event WhatId: with a lead as the Who, the What must be empty."""
    lead = emu.insert("Lead", {"LastName": "Kim", "Company": "Prospect"})
    acme = emu.insert("Account", {"Name": "Acme"})
    resp = create(
        emu,
        http,
        "Event",
        {"Subject": "Call", "StartDateTime": START, "DurationInMinutes": 30, "WhoId": lead, "WhatId": acme},
    )
    assert error_code(resp) == "FIELD_INTEGRITY_EXCEPTION"


def test_the_who_has_a_parent_relation_row(emu, http):
    """EVENTRELATION: "the EventRelation record representing the WhoId"; a related contact has IsParent."""
    acme = emu.insert("Account", {"Name": "Acme"})
    ann = emu.insert("Contact", {"LastName": "Ann", "Email": "ann@acme.example", "AccountId": acme})
    ev = event(emu, http, WhoId=ann)
    (row,) = query(
        emu,
        http,
        f"SELECT RelationId, IsParent, IsInvitee, IsWhat, AccountId, Relation.Email "
        f"FROM EventRelation WHERE EventId = '{ev}'",
    )
    assert (row["RelationId"], row["IsParent"], row["IsInvitee"], row["IsWhat"]) == (ann, True, False, False)
    assert row["AccountId"] == acme and row["Relation"]["Email"] == "ann@acme.example"


# -- EventRelation rows --------------------------------------------------------------------------------------
def test_relating_more_contacts_by_api(emu, http):
    """RELATE_BY_API: insert EventRelation(EventId, RelationId = a contact, IsParent = true,
    IsInvitee = false);
    IsWhat is false for a contact or lead (TASKRELATION, IsWhat), AccountId is the contact's account."""
    acme = emu.insert("Account", {"Name": "Acme"})
    ann = emu.insert("Contact", {"LastName": "Ann", "AccountId": acme})
    bob = emu.insert("Contact", {"LastName": "Bob", "AccountId": acme})
    ev = event(emu, http, WhoId=ann)
    rel = created_id(relate(emu, http, ev, bob, IsParent=True, IsInvitee=False))
    assert rel.startswith("0RE")
    rows = query(
        emu,
        http,
        f"SELECT RelationId, IsParent, IsWhat, AccountId FROM EventRelation "
        f"WHERE EventId = '{ev}' AND IsParent = true AND IsWhat = false ORDER BY CreatedDate",
    )
    assert [(r["RelationId"], r["AccountId"]) for r in rows] == [(ann, acme), (bob, acme)]
    # one row per person: relating the same contact again is refused
    assert error_code(relate(emu, http, ev, bob, IsParent=True, IsInvitee=False)) == "DUPLICATE_VALUE"


def test_up_to_50_contacts_or_one_lead(emu, http):
    """EVENTRELATION: "An event can be related to up to 50 contacts or one lead."."""
    contacts = [emu.insert("Contact", {"LastName": f"C{i}"}) for i in range(51)]
    ev = event(emu, http, WhoId=contacts[0])
    for contact in contacts[1:50]:
        created_id(relate(emu, http, ev, contact, IsParent=True, IsInvitee=False))
    assert (
        error_code(relate(emu, http, ev, contacts[50], IsParent=True, IsInvitee=False))
        == "FIELD_INTEGRITY_EXCEPTION"
    )
    # as an invitee the 51st is fine: "The number of allowed invitees is not affected by the number of related
    # contacts."
    created_id(relate(emu, http, ev, contacts[50], IsParent=False, IsInvitee=True))
    leads = [emu.insert("Lead", {"LastName": f"L{i}", "Company": "P"}) for i in range(2)]
    assert (
        error_code(relate(emu, http, ev, leads[0], IsParent=True, IsInvitee=False))
        == "FIELD_INTEGRITY_EXCEPTION"
    )  # contacts already related: no lead on top
    lead_event = event(emu, http, WhoId=leads[0])
    assert (
        error_code(relate(emu, http, lead_event, leads[1], IsParent=True, IsInvitee=False))
        == "FIELD_INTEGRITY_EXCEPTION"
    )


def test_invitees_up_to_1000_or_100_on_a_recurring_event(emu, http):
    """EVENTRELATION: "A non-recurring event can have up to 1,000 invitees. A recurring event can have up to
    100 invitees." """
    people = [emu.insert("Contact", {"LastName": f"C{i}"}) for i in range(1001)]
    ev = event(emu, http)
    for person in people[:1000]:
        emu.insert("EventRelation", {"EventId": ev, "RelationId": person, "IsInvitee": True})
    assert error_code(relate(emu, http, ev, people[1000], IsInvitee=True)) == "LIMIT_EXCEEDED"
    series = emu.insert(
        "Event", {"Subject": "Weekly", "StartDateTime": START, "DurationInMinutes": 30, "IsRecurrence2": True}
    )
    for person in people[:100]:
        emu.insert("EventRelation", {"EventId": series, "RelationId": person, "IsInvitee": True})
    assert error_code(relate(emu, http, series, people[100], IsInvitee=True)) == "LIMIT_EXCEEDED"


def test_no_relation_on_a_child_event(emu, http):
    """EVENTRELATION (v188 note): "An EventRelation object can't be created for a child event." """
    ann = emu.insert("Contact", {"LastName": "Ann"})
    child = emu.insert(
        "Event", {"Subject": "Copy", "StartDateTime": START, "DurationInMinutes": 30, "IsChild": True}
    )
    assert (
        error_code(relate(emu, http, child, ann, IsParent=True, IsInvitee=False))
        == "FIELD_INTEGRITY_EXCEPTION"
    )


def test_deleting_the_whos_row_promotes_another_who(emu, http):
    """EVENTRELATION: "If you delete the EventRelation record representing the WhoId on an event, then another
    Who, if any, from the event's EventWhoIds field will be promoted to the WhoId." AccountId follows it."""
    acme = emu.insert("Account", {"Name": "Acme"})
    globex = emu.insert("Account", {"Name": "Globex"})
    ann = emu.insert("Contact", {"LastName": "Ann", "AccountId": acme})
    bob = emu.insert("Contact", {"LastName": "Bob", "AccountId": globex})
    ev = event(emu, http, WhoId=ann)
    created_id(relate(emu, http, ev, bob, IsParent=True, IsInvitee=False))
    (ann_row,) = query(
        emu, http, f"SELECT Id FROM EventRelation WHERE EventId = '{ev}' AND RelationId = '{ann}'"
    )
    resp = http.delete(url(emu, "composite/sobjects"), params={"ids": ann_row["Id"], "allOrNone": "false"})
    assert resp.json()[0]["success"] is True
    (row,) = query(emu, http, f"SELECT WhoId, AccountId FROM Event WHERE Id = '{ev}'")
    assert (row["WhoId"], row["AccountId"]) == (bob, globex)
    # a relation deleted by itself is not kept in the Recycle Bin (TASKRELATION, IsDeleted)
    assert query(emu, http, f"SELECT Id FROM EventRelation WHERE Id = '{ann_row['Id']}'", all_rows=True) == []
    (bob_row,) = query(emu, http, f"SELECT Id FROM EventRelation WHERE EventId = '{ev}'")
    http.delete(url(emu, f"sobjects/EventRelation/{bob_row['Id']}"))
    (row,) = query(emu, http, f"SELECT WhoId, AccountId FROM Event WHERE Id = '{ev}'")
    assert (row["WhoId"], row["AccountId"]) == (None, None)


def test_deleting_an_event_deletes_its_relations(emu, http):
    """EVENTRELATION: "If you delete an event, then relations between the event and any specified contacts,
    leads, and other records are also deleted." """
    ann = emu.insert("Contact", {"LastName": "Ann"})
    ev = event(emu, http, WhoId=ann)
    assert http.delete(url(emu, f"sobjects/Event/{ev}")).status_code == 204
    assert query(emu, http, f"SELECT Id FROM EventRelation WHERE EventId = '{ev}'") == []
    (gone,) = query(emu, http, f"SELECT IsDeleted FROM EventRelation WHERE EventId = '{ev}'", all_rows=True)
    assert gone["IsDeleted"] is True


# -- TaskRelation and Shared Activities ----------------------------------------------------------------------
def test_task_relations(emu, http):
    """TASKRELATION: one lead or up to 50 contacts plus one What; IsWhat is false for a contact or lead and
    true otherwise; AccountId is derived."""
    acme = emu.insert("Account", {"Name": "Acme"})
    ann = emu.insert("Contact", {"LastName": "Ann", "AccountId": acme})
    bob = emu.insert("Contact", {"LastName": "Bob", "AccountId": acme})
    task = created_id(create(emu, http, "Task", {"Subject": "Follow up", "WhoId": ann, "WhatId": acme}))
    created_id(create(emu, http, "TaskRelation", {"TaskId": task, "RelationId": bob}))
    rows = query(
        emu,
        http,
        f"SELECT RelationId, IsWhat, AccountId FROM TaskRelation WHERE TaskId = '{task}' "
        "ORDER BY CreatedDate",
    )
    assert sorted((r["RelationId"], r["IsWhat"]) for r in rows) == sorted(
        [(ann, False), (acme, True), (bob, False)]
    )
    assert {r["AccountId"] for r in rows} == {acme}
    # TaskRelation supports create and delete, not update (Supported Calls)
    rel = next(
        r
        for r in query(emu, http, f"SELECT Id, RelationId FROM TaskRelation WHERE TaskId = '{task}'")
        if r["RelationId"] == bob
    )
    resp = http.patch(url(emu, f"sobjects/TaskRelation/{rel['Id']}"), json={"IsWhat": True})
    assert resp.status_code == 400
    # "up to 50 contacts or one lead": no lead on a task that relates contacts, no second lead
    leads = [emu.insert("Lead", {"LastName": f"L{i}", "Company": "P"}) for i in range(2)]
    resp = create(emu, http, "TaskRelation", {"TaskId": task, "RelationId": leads[0]})
    assert error_code(resp) == "FIELD_INTEGRITY_EXCEPTION"
    lead_task = created_id(create(emu, http, "Task", {"Subject": "Call the lead", "WhoId": leads[0]}))
    resp = create(emu, http, "TaskRelation", {"TaskId": lead_task, "RelationId": leads[1]})
    assert error_code(resp) == "FIELD_INTEGRITY_EXCEPTION"


def test_without_shared_activities():
    """EVENTRELATION: without Shared Activities "EventRelation records only represent invitees" and an event
    relates to one contact or lead (its WhoId); TASKRELATION "is only available if you've enabled Shared
    Activities". The fields: "IsParent is visible when Shared Activities is enabled" (so are IsWhat and
    AccountId; IsInvitee while it is enabled or being switched), and the page's query for an org without it is
    ``SELECT RelationId FROM EventRelation WHERE eventId = ...``."""
    with SalesforceEmulator(shared_activities=False) as emu, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        ann = emu.insert("Contact", {"LastName": "Ann"})
        bob = emu.insert("Contact", {"LastName": "Bob"})
        ev = event(emu, http, WhoId=ann)
        assert error_code(relate(emu, http, ev, bob, IsParent=True, IsInvitee=False)) == "INVALID_FIELD"
        created_id(relate(emu, http, ev, bob))  # an invitee: the only kind of row
        for hidden in ("IsParent", "IsWhat", "IsInvitee", "AccountId"):
            resp = http.get(url(emu, "query/"), params={"q": f"SELECT Id, {hidden} FROM EventRelation"})
            assert error_code(resp) == "INVALID_FIELD", hidden
        # the Who has no row of its own: rows are invitees only
        rows = query(emu, http, f"SELECT RelationId FROM EventRelation WHERE EventId = '{ev}'")
        assert [r["RelationId"] for r in rows] == [bob]
        (row,) = query(emu, http, f"SELECT WhoId FROM Event WHERE Id = '{ev}'")
        assert row["WhoId"] == ann
        resp = http.get(url(emu, "query/"), params={"q": "SELECT Id FROM TaskRelation"})
        assert error_code(resp) == "INVALID_TYPE"
        assert emu.errors == []


def test_the_who_relationship_leads_to_the_name_objects_email(emu, http):
    """Event/Task ``Who`` is polymorphic (Contact or Lead); a query reaches the Name object's fields:
    https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm
    ("SELECT Id, Who.FirstName, Who.LastName FROM Task WHERE Owner.FirstName LIKE 'B%'")."""
    ann = emu.insert("Contact", {"LastName": "Ann", "Email": "ann@customer.example"})
    lea = emu.insert("Lead", {"LastName": "Lea", "Company": "P", "Email": "lea@prospect.example"})
    by_contact = event(emu, http, WhoId=ann)
    by_lead = event(emu, http, WhoId=lea)
    alone = event(emu, http)
    rows = {r["Id"]: r["Who"] for r in query(emu, http, "SELECT Id, Who.Email FROM Event")}
    assert rows[by_contact]["Email"] == "ann@customer.example"
    assert rows[by_lead]["Email"] == "lea@prospect.example"
    assert rows[alone] is None


# -- the SOQL the adapter sends --------------------------------------------------------------------------------
def test_the_lookups_the_adapter_sends(emu, http):
    """Text comparison in SOQL is case-insensitive, IN lists included
    (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm),
    a parent's field may be filtered on with OR, and a polymorphic relationship leads to the Name object's Email
    (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm)."""
    acme = emu.insert("Account", {"Name": "Acme"})
    ann = emu.insert("Contact", {"LastName": "Ann", "Email": "Ann@Customer.example", "AccountId": acme})
    emu.insert("Lead", {"LastName": "Old", "Company": "P", "Email": "old@prospect.example", "IsConverted": True})
    lea = emu.insert("Lead", {"LastName": "Lea", "Company": "P", "Email": "lea@prospect.example"})
    rows = query(emu, http, "SELECT Id, Email, AccountId, CreatedDate FROM Contact "
                            "WHERE Email IN ('ann@customer.example', 'nobody@else.example')")
    assert [(r["Id"], r["AccountId"]) for r in rows] == [(ann, acme)]
    rows = query(emu, http, "SELECT Id, Email, CreatedDate FROM Lead WHERE Email IN ('old@prospect.example', "
                            "'lea@prospect.example') AND IsConverted = false")
    assert [r["Id"] for r in rows] == [lea]
    assert [r["Id"] for r in query(emu, http, "SELECT Id, Name, CreatedDate FROM Account WHERE Name IN ('ACME')")] \
        == [acme]
    ev = event(emu, http, WhoId=ann)
    (row,) = query(emu, http, f"SELECT Id, WhoId, WhatId, Who.Email FROM Event WHERE Id IN ('{ev}')")
    assert (row["WhoId"], row["WhatId"], row["Who"]["Email"]) == (ann, None, "Ann@Customer.example")
    (row,) = query(emu, http, f"SELECT Id, EventId, RelationId, IsParent, IsInvitee, Relation.Email FROM "
                              f"EventRelation WHERE EventId IN ('{ev}') AND IsWhat = false")
    assert row["Relation"]["Email"] == "Ann@Customer.example"
    emu.clock.advance(60)
    since = emu.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    emu.clock.advance(60)
    emu.update("Account", acme, {"Name": "Acme Holdings"})
    rows = query(emu, http, f"SELECT Id, Account.Name, Account.SystemModstamp FROM Contact WHERE "
                            f"(SystemModstamp >= {since} OR Account.SystemModstamp >= {since})")
    assert [(r["Id"], r["Account"]["Name"]) for r in rows] == [(ann, "Acme Holdings")]
