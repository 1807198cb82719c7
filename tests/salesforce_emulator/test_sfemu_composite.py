"""sObject Collections, retrieve and Composite, through simple-salesforce's restful()."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}
MISSING_LAST_NAME = {
    "statusCode": "REQUIRED_FIELD_MISSING",
    "message": "Required fields are missing: [LastName]",
    "fields": ["LastName"],
}


def test_collection_create_mixed_success(emu, sf):
    # Request and response shapes from reference §3.2.
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Lovelace", "FirstName": "Ada"},
                {"attributes": {"type": "Contact"}, "FirstName": "NoLastName"},
            ],
        },
    )
    assert len(result) == 2
    assert set(result[0]) == {"id", "success", "errors"}
    assert result[0]["success"] is True and result[0]["errors"] == [] and result[0]["id"].startswith("003")
    assert result[1] == {"success": False, "errors": [MISSING_LAST_NAME]}
    assert emu.requests[-1].status == 200
    assert len(emu.all("Contact")) == 1


def test_collection_create_all_or_none_rolls_back(emu, sf):
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Valid"},
                {"attributes": {"type": "Contact"}, "FirstName": "NoLastName"},
                {"attributes": {"type": "Task"}, "Subject": "also valid"},
            ],
        },
    )
    assert result == [
        {"success": False, "errors": [ROLLED_BACK]},
        {"success": False, "errors": [MISSING_LAST_NAME]},
        {"success": False, "errors": [ROLLED_BACK]},
    ]
    assert emu.all("Contact") == [] and emu.all("Task") == []


def test_collection_update_and_delete(emu, sf):
    a = emu.insert("Contact", {"LastName": "A"})
    b = emu.insert("Contact", {"LastName": "B"})
    t = emu.insert("Task", {"Subject": "T"})
    result = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "id": a, "Title": "ok"},
                {"attributes": {"type": "Contact"}, "id": b, "LastName": None},
                {"attributes": {"type": "Task"}, "id": t, "Status": "Completed"},
            ]
        },
    )
    assert result[0] == {"id": a, "success": True, "errors": []}
    assert result[1] == {"success": False, "errors": [MISSING_LAST_NAME]}
    assert result[2] == {"id": t, "success": True, "errors": []}
    assert emu.get("Task", t)["IsClosed"] is True

    # allOrNone update: nothing changes.
    result = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Contact"}, "id": a, "Title": "changed"},
                {"attributes": {"type": "Contact"}, "id": b, "LastName": "x" * 81},
            ],
        },
    )
    assert result[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert result[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert emu.get("Contact", a)["Title"] == "ok"

    emu.delete("Contact", b)
    result = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{a},{b},bogus", "allOrNone": "false"}
    )
    assert result[0] == {"id": a, "success": True, "errors": []}
    assert result[1] == {
        "success": False,
        "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}],
    }
    assert result[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert emu.get("Contact", a)["IsDeleted"] is True
    assert emu.count("composite_delete") == 1


def test_collection_over_200_rejected(sf):
    records = [{"attributes": {"type": "Contact"}, "LastName": f"n{i}"} for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert info.value.content == [
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    ok = sf.restful("composite/sobjects", method="POST", json={"records": records[:200]})
    assert len(ok) == 200 and all(r["success"] for r in ok)


def test_collection_upsert_by_external_id(emu, sf):
    emu.add_external_id("Event", "Outlook_Id__c")
    existing = emu.insert(
        "Event",
        {
            "Subject": "old",
            "StartDateTime": "2026-11-25T09:00:00Z",
            "DurationInMinutes": 30,
            "Outlook_Id__c": "H1",
        },
    )
    result = sf.restful(
        "composite/sobjects/Event/Outlook_Id__c",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Event"}, "Outlook_Id__c": "h1", "Subject": "updated"},
                {
                    "attributes": {"type": "Event"},
                    "Outlook_Id__c": "H2",
                    "Subject": "new",
                    "StartDateTime": "2026-11-26T09:00:00Z",
                    "DurationInMinutes": 15,
                },
                {
                    "attributes": {"type": "Event"},
                    "Outlook_Id__c": "H3",
                    "Subject": "bad",
                    "StartDateTime": "2026-11-26T09:00:00Z",
                    "DurationInMinutes": 30000,
                },
            ],
        },
    )
    assert result[0] == {"id": existing, "success": True, "errors": [], "created": False}
    assert result[1]["success"] is True and result[1]["created"] is True
    assert result[2]["success"] is False
    assert result[2]["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert emu.get("Event", existing)["Subject"] == "updated"


def test_retrieve_post_and_get(emu, sf):
    a = emu.insert("Contact", {"LastName": "A", "Email": "a@example.com"})
    b = emu.insert("Contact", {"LastName": "B"})
    emu.delete("Contact", b)
    got = sf.restful(
        "composite/sobjects/Contact", method="POST", json={"ids": [a, b], "fields": ["LastName", "Email"]}
    )
    assert got == [
        {
            "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{a}"},
            "LastName": "A",
            "Email": "a@example.com",
        },
        None,
    ]
    got = sf.restful("composite/sobjects/Contact", params={"ids": a[:15], "fields": "Id,Name"})
    assert got[0]["Id"] == a and got[0]["Name"] == "A"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("composite/sobjects/Contact", method="POST", json={"ids": [a] * 2001, "fields": ["Id"]})
    assert info.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_composite_with_references_counts_as_one_call(emu, sf):
    emu.reset_log()
    used_before = emu.api_usage()[0]
    result = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": False,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": "/services/data/v59.0/sobjects/Contact",
                    "referenceId": "c",
                    "body": {"LastName": "Ref"},
                },
                {"method": "GET", "url": "/services/data/v59.0/sobjects/Contact/@{c.id}", "referenceId": "g"},
                {
                    "method": "GET",
                    "referenceId": "q",
                    "url": "/services/data/v59.0/query/?q=SELECT+Id+FROM+Event+WHERE+SystemModstamp+%3E+"
                    "2025-01-01T00:00:00Z",
                },
            ],
        },
    )
    responses = result["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 200, 200]
    assert [r["referenceId"] for r in responses] == ["c", "g", "q"]
    assert responses[1]["body"]["LastName"] == "Ref"
    assert responses[2]["body"] == {"totalSize": 0, "done": True, "records": []}
    assert emu.api_usage()[0] == used_before + 1
    assert emu.count() == 1


def test_composite_all_or_none_halts(emu, sf):
    result = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": "/services/data/v59.0/sobjects/Contact",
                    "referenceId": "ok",
                    "body": {"LastName": "Kept?"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v59.0/sobjects/Contact",
                    "referenceId": "bad",
                    "body": {"FirstName": "no last"},
                },
            ],
        },
    )
    codes = [
        (r["referenceId"], r["httpStatusCode"], r["body"][0]["errorCode"])
        for r in result["compositeResponse"]
    ]
    assert codes == [("ok", 400, "PROCESSING_HALTED"), ("bad", 400, "REQUIRED_FIELD_MISSING")]
    assert emu.all("Contact") == []
