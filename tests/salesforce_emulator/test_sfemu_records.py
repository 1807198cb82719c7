"""Single-record CRUD, external-id upsert, describe, validation and Event/Task rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sfemu_support import T0
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from syncore_salesforce.emulator import RecordError, checksum, to18

DT = "2026-11-24T15:00:00.000+0000"  # the conftest clock (T0) in wire form


def test_id_checksum_matches_documented_samples():
    # Documented samples: reference §3.2 ("003xx000004TmiQAAS") and the widely cited Salesforce pair
    # 001D000000IqhSL / 001D000000IqhSLIAZ. (The reference's §7.3 "00Uxx0000000001AAA" is a placeholder:
    # its checksum would be EAA because of the upper-case U.)
    assert "003xx000004TmiQ" + checksum("003xx000004TmiQ") == "003xx000004TmiQAAS"
    assert to18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert checksum("00Uxx0000000001") == "EAA"
    assert to18("003xx000004TmiQ") == "003xx000004TmiQAAS"
    # An 18-character id in the wrong case is restored through its suffix.
    assert to18("003XX000004TMIQAAS") == "003xx000004TmiQAAS"


def test_create_get_update_delete_shapes(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    created = sf.Contact.create({"LastName": "Lovelace", "FirstName": "Ada", "Email": "ada@example.com"})
    # Reference §3.1: 201 {"id", "success": true, "errors": []}
    assert set(created) == {"id", "success", "errors"}
    assert created["success"] is True and created["errors"] == []
    rid = created["id"]
    assert len(rid) == 18 and rid.startswith("003") and rid[15:] == checksum(rid[:15])
    assert emu.requests[-1].status == 201

    rec = sf.Contact.get(rid)
    assert next(iter(rec)) == "attributes"
    assert rec["attributes"] == {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{rid}"}
    assert rec["Id"] == rid and rec["Name"] == "Ada Lovelace" and rec["Phone"] is None
    assert rec["CreatedDate"] == rec["LastModifiedDate"] == rec["SystemModstamp"] == DT
    assert rec["OwnerId"] == rec["CreatedById"] == emu.user_id and rec["OwnerId"].startswith("005")
    assert rec["IsDeleted"] is False

    # 15-character input ids are accepted.
    assert sf.Contact.get(rid[:15])["Id"] == rid
    assert sf.Contact.get(rid, params={"fields": "LastName,Email"}) == {
        "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{rid}"},
        "LastName": "Lovelace",
        "Email": "ada@example.com",
    }

    emu.clock.advance(timedelta(seconds=5))
    assert sf.Contact.update(rid, {"Title": "Countess"}) == 204
    rec = sf.Contact.get(rid)
    assert rec["Title"] == "Countess"
    assert rec["SystemModstamp"] == "2026-11-24T15:00:05.000+0000"
    assert rec["CreatedDate"] == DT

    assert sf.Contact.delete(rid) == 204
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Contact.get(rid)
    assert info.value.content == [
        {"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}
    ]
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Contact.delete(rid)  # a second DELETE
    assert info.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    deleted = emu.get("Contact", rid)
    assert deleted["IsDeleted"] is True


def test_unknown_ids_and_types_are_404_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Contact.get("003Dn0000000000AAA")
    assert info.value.content == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("sobjects/NoSuchThing/describe")
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Contact.get("not-an-id")
    assert info.value.content[0]["errorCode"] == "NOT_FOUND"


def test_required_field_missing(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"FirstName": "NoLastName"})
    # Recorded real payload (reference §3.4).
    assert info.value.content == [
        {
            "fields": ["LastName"],
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
        }
    ]


def test_string_too_long_and_unknown_and_readonly_fields(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "x" * 81})
    err = info.value.content[0]
    assert err["errorCode"] == "STRING_TOO_LONG"
    assert err["fields"] == ["LastName"]
    assert err["message"].startswith("Last Name: data value too large: ")
    assert err["message"].endswith("(max length=80)")
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "ok", "Shoe_Size__c": 42})
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Task.create({"Subject": "t", "IsClosed": True})
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert info.value.content[0]["fields"] == ["IsClosed"]


def test_restricted_picklist(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {
                "Subject": "s",
                "StartDateTime": "2026-11-25T10:00:00Z",
                "DurationInMinutes": 30,
                "ShowAs": "Tentative",
            }
        )
    assert info.value.content == [
        {
            "message": "Show Time As: bad value for restricted picklist field: Tentative",
            "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "fields": ["ShowAs"],
        }
    ]


def test_case_insensitive_field_names_on_write(sf):
    rid = sf.Contact.create({"lastname": "Lower", "FIRSTNAME": "Upper"})["id"]
    rec = sf.Contact.get(rid)
    assert rec["LastName"] == "Lower" and rec["FirstName"] == "Upper"


def test_describe_from_fixture(sf):
    event = sf.Event.describe()
    fields = {f["name"]: f for f in event["fields"]}
    assert event["keyPrefix"] == "00U"
    assert fields["Subject"]["length"] == 255
    assert fields["Description"]["length"] == 32000
    assert [p["value"] for p in fields["ShowAs"]["picklistValues"]] == ["Busy", "OutOfOffice", "Free"]
    assert fields["ShowAs"]["restrictedPicklist"] is True
    assert fields["EndDate"]["createable"] is False
    contact = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    # Lengths from reference §1.6.
    expected = {
        "LastName": 80,
        "FirstName": 40,
        "Email": 80,
        "MailingStreet": 255,
        "MailingCity": 40,
        "OtherCity": 40,
        "MailingState": 80,
        "OtherState": 80,
        "MailingPostalCode": 20,
        "OtherPostalCode": 20,
        "MobilePhone": 40,
        "Phone": 40,
        "MailingCountry": 80,
        "Title": 128,
        "Department": 80,
    }
    assert {k: contact[k]["length"] for k in expected} == expected
    assert contact["LastName"]["nillable"] is False
    task = {f["name"]: f for f in sf.Task.describe()["fields"]}
    assert "Not Started" in [p["value"] for p in task["Status"]["picklistValues"]]
    assert [p["value"] for p in task["Priority"]["picklistValues"]] == ["High", "Normal", "Low"]
    assert sf.restful("sobjects/Task/describe/")["name"] == "Task"


def test_upsert_by_external_id(emu, sf):
    emu.add_external_id("Contact", "Syncore_Link__c")
    assert sf.Contact.upsert("Syncore_Link__c/abc123", {"LastName": "Upserted"}) == 201
    assert emu.requests[-1].status == 201
    rec = sf.Contact.get_by_custom_id("Syncore_Link__c", "abc123")
    assert rec["LastName"] == "Upserted" and rec["Syncore_Link__c"] == "abc123"
    resp = sf.Contact.upsert("Syncore_Link__c/ABC123", {"LastName": "Again"}, raw_response=True)
    # External-id matching is case-insensitive (secondary source); update answers 200 + created false.
    assert resp.status_code == 200
    assert resp.json() == {"id": rec["Id"], "success": True, "errors": [], "created": False}
    assert len(emu.all("Contact")) == 1
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful(
            "sobjects/Contact/Syncore_Link__c/zzz",
            method="PATCH",
            params={"updateOnly": "true"},
            json={"LastName": "x"},
        )
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "dup", "Syncore_Link__c": "abc123"})
    assert info.value.content[0]["errorCode"] == "DUPLICATE_VALUE"


def test_upsert_multiple_matches_is_300(emu, sf):
    emu.add_external_id("Contact", "Legacy_Key__c", unique=False)
    emu.insert("Contact", {"LastName": "A", "Legacy_Key__c": "k"})
    emu.insert("Contact", {"LastName": "B", "Legacy_Key__c": "k"})
    with pytest.raises(SalesforceMoreThanOneRecord) as info:
        sf.Contact.upsert("Legacy_Key__c/k", {"LastName": "C"})
    assert info.value.status == 300
    assert all(u.startswith("/services/data/v59.0/sobjects/Contact/003") for u in info.value.content)


def test_upsert_update_status_204_knob():
    from syncore_salesforce.emulator import SalesforceEmulator

    with SalesforceEmulator(upsert_update_status=204) as emu:
        emu.add_external_id("Contact", "Syncore_Link__c")
        sf = emu.client()
        assert sf.Contact.upsert("Syncore_Link__c/k1", {"LastName": "x"}) == 201
        assert sf.Contact.upsert("Syncore_Link__c/k1", {"LastName": "y"}) == 204


# -- Event rules ------------------------------------------------------------------------------------------


def test_timed_event_derives_end_and_activity_fields(sf):
    rid = sf.Event.create(
        {
            "Subject": "Kickoff",
            "IsAllDayEvent": False,
            "StartDateTime": "2026-11-25T09:00:00+01:00",
            "DurationInMinutes": 90,
        }
    )["id"]
    rec = sf.Event.get(rid)
    assert rid.startswith("00U")
    assert rec["StartDateTime"] == "2026-11-25T08:00:00.000+0000"
    assert rec["EndDateTime"] == "2026-11-25T09:30:00.000+0000"
    assert rec["ActivityDateTime"] == rec["StartDateTime"]
    assert rec["ShowAs"] == "Busy"
    sf.Event.update(rid, {"EndDateTime": "2026-11-25T10:00:00Z"})
    assert sf.Event.get(rid)["DurationInMinutes"] == 120


def test_timed_event_needs_duration_or_end(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create({"Subject": "x", "StartDateTime": "2026-11-25T09:00:00Z"})
    assert info.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert info.value.content[0]["fields"] == ["DurationInMinutes"]


def test_all_day_event_defaults_to_one_day(sf):
    rid = sf.Event.create({"Subject": "Holiday", "IsAllDayEvent": True, "ActivityDate": "2026-12-24"})["id"]
    rec = sf.Event.get(rid)
    assert rec["ActivityDate"] == "2026-12-24"
    assert rec["StartDateTime"] == "2026-12-24T00:00:00.000+0000"
    assert rec["DurationInMinutes"] == 1440
    assert rec["ActivityDateTime"] is None


def test_event_fourteen_day_cap(sf):
    ok = sf.Event.create(
        {"Subject": "Long", "StartDateTime": "2026-11-01T00:00:00Z", "DurationInMinutes": 14 * 1440}
    )
    assert ok["success"] is True
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {
                "Subject": "Too long",
                "StartDateTime": "2026-11-01T00:00:00Z",
                "EndDateTime": "2026-11-15T00:01:00Z",
            }
        )
    # v39+: reported on EndDateTime when no duration was given (reference §1.2).
    assert info.value.content == [
        {
            "message": "Multiday events can't exceed 14 days.",
            "errorCode": "FIELD_INTEGRITY_EXCEPTION",
            "fields": ["EndDateTime"],
        }
    ]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {
                "Subject": "Too long",
                "StartDateTime": "2026-11-01T00:00:00Z",
                "DurationInMinutes": 14 * 1440 + 1,
            }
        )
    assert info.value.content[0]["fields"] == ["DurationInMinutes"]


def test_multiday_setting_off_limits_to_1440_minutes():
    from syncore_salesforce.emulator import SalesforceEmulator

    with SalesforceEmulator(multiday_events=False) as emu:
        sf = emu.client()
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.Event.create(
                {"Subject": "x", "StartDateTime": "2026-11-01T00:00:00Z", "DurationInMinutes": 1441}
            )
        assert info.value.content == [
            {
                "message": "Duration must be between 0 and 1440 minutes: Duration",
                "errorCode": "FIELD_INTEGRITY_EXCEPTION",
                "fields": ["DurationInMinutes"],
            }
        ]


def test_private_event_with_who_rejected(emu, sf):
    contact = sf.Contact.create({"LastName": "Who"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {
                "Subject": "p",
                "StartDateTime": "2026-11-25T09:00:00Z",
                "DurationInMinutes": 30,
                "IsPrivate": True,
                "WhoId": contact,
            }
        )
    assert info.value.content[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_child_event_only_reminder_writable(emu, sf):
    rid = emu.insert(
        "Event",
        {
            "Subject": "invitee copy",
            "StartDateTime": "2026-11-25T09:00:00Z",
            "DurationInMinutes": 30,
            "IsChild": True,
        },
    )
    assert sf.Event.update(rid, {"IsReminderSet": True}) == 204
    with pytest.raises(SalesforceMalformedRequest):
        sf.Event.update(rid, {"Subject": "changed"})


def test_rrule_is_normalised(sf):
    rid = sf.Event.create(
        {
            "Subject": "Series",
            "StartDateTime": "2026-11-23T09:00:00Z",
            "DurationInMinutes": 30,
            "Recurrence2PatternText": "FREQ=WEEKLY;COUNT=13;WKST=SU;BYDAY=MO",
        }
    )["id"]
    rec = sf.Event.get(rid)
    # Stored example from reference §1.4.
    assert rec["Recurrence2PatternText"] == "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13"
    assert rec["IsRecurrence2"] is True
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.update(rid, {"Recurrence2PatternText": "RRULE:FREQ=DAILY;INTERVAL=1"})
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


# -- Task rules ---------------------------------------------------------------------------------------------


def test_task_status_drives_is_closed_and_completed(emu, sf):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    rid = sf.Task.create({"Subject": "Call back"})["id"]
    rec = sf.Task.get(rid)
    assert rid.startswith("00T")
    assert (rec["Status"], rec["Priority"], rec["IsClosed"], rec["CompletedDateTime"]) == (
        "Not Started",
        "Normal",
        False,
        None,
    )
    emu.clock.advance(60)
    sf.Task.update(rid, {"Status": "Completed", "Priority": "High"})
    rec = sf.Task.get(rid)
    assert rec["IsClosed"] is True and rec["IsHighPriority"] is True
    assert rec["CompletedDateTime"] == "2026-11-24T15:01:00.000+0000"
    sf.Task.update(rid, {"Status": "In Progress"})
    rec = sf.Task.get(rid)
    assert rec["IsClosed"] is False and rec["CompletedDateTime"] is None
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Task.update(rid, {"Status": "Done-ish"})
    assert info.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


# -- direct access --------------------------------------------------------------------------------


def test_direct_access_as_another_user(emu, sf):
    rid = emu.insert("Contact", {"LastName": "Other"})
    rec = sf.Contact.get(rid)
    assert rec["CreatedById"] == emu.other_user_id != emu.user_id
    emu.update("Contact", rid, {"Title": "CTO"})
    assert emu.get("Contact", rid)["Title"] == "CTO"
    with pytest.raises(RecordError) as info:
        emu.insert("Contact", {"FirstName": "missing last"})
    assert info.value.code == "REQUIRED_FIELD_MISSING"
    emu.delete("Contact", rid)
    assert emu.all("Contact") == []
    assert [r["Id"] for r in emu.all("Contact", include_deleted=True)] == [rid]


def test_task_status_is_queryable_and_read_only(sf):
    rows = sf.query("SELECT MasterLabel, ApiName, IsClosed, IsDefault FROM TaskStatus ORDER BY SortOrder")[
        "records"
    ]
    assert [(r["ApiName"], r["IsClosed"], r["IsDefault"]) for r in rows] == [
        ("Not Started", False, True),
        ("In Progress", False, False),
        ("Completed", True, False),
        ("Waiting on someone else", False, False),
        ("Deferred", False, False),
    ]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.TaskStatus.create({"MasterLabel": "New"})
    assert info.value.content[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_global_describe_metadata_and_method_not_allowed(emu, sf):
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Event", "Task", "Contact", "TaskStatus"} <= names
    emu.insert("Contact", {"LastName": "Recent"})
    info = sf.Contact.metadata()
    assert info["objectDescribe"]["keyPrefix"] == "003"
    assert info["recentItems"][0]["Name"] == "Recent"
    from simple_salesforce.exceptions import SalesforceGeneralError

    with pytest.raises(SalesforceGeneralError) as err:
        sf.restful("limits", method="POST")
    assert err.value.status == 405
    assert err.value.content[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_all_day_conventions(sf):
    # Emulator convention (unverified against a real org): EndDateTime is midnight UTC of the last day,
    # DurationInMinutes is whole days.
    rid = sf.Event.create(
        {
            "Subject": "Offsite",
            "IsAllDayEvent": True,
            "ActivityDate": "2026-12-01",
            "DurationInMinutes": 3 * 1440,
        }
    )["id"]
    rec = sf.Event.get(rid)
    assert (rec["EndDateTime"], rec["EndDate"]) == ("2026-12-03T00:00:00.000+0000", "2026-12-03")
    sf.Event.update(rid, {"EndDateTime": "2026-12-04T00:00:00Z"})
    assert sf.Event.get(rid)["DurationInMinutes"] == 4 * 1440
    timed = sf.Event.create(
        {"Subject": "t", "StartDateTime": "2026-12-01T10:00:00Z", "DurationInMinutes": 60}
    )["id"]
    sf.Event.update(timed, {"IsAllDayEvent": True})
    rec = sf.Event.get(timed)
    assert (rec["StartDateTime"], rec["DurationInMinutes"], rec["ActivityDateTime"]) == (
        "2026-12-01T00:00:00.000+0000",
        1440,
        None,
    )
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Event.create(
            {
                "Subject": "x",
                "IsAllDayEvent": True,
                "ActivityDate": "2026-12-01",
                "DurationInMinutes": 15 * 1440,
            }
        )
    assert info.value.content[0]["message"] == "Multiday events can't exceed 14 days."
