"""The emulator's XML, parsed by exchangelib's own service parsers, matches documented sample responses.

Each test parses a fixture (fixtures/ms_*.xml, in the response shapes Microsoft documents) and the emulator's
reply to the equivalent request with the same ``Service.parse`` and compares the resulting objects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
from exchangelib.errors import ErrorIrresolvableConflict, ErrorServerBusy
from exchangelib.properties import ItemId
from exchangelib.services import GetFolder, GetItem, SyncFolderItems, UpdateItem

FIXTURES = Path(__file__).parent / "fixtures"
UTC = dt.UTC


def _sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _post(emu, service, payload) -> bytes:
    """Send an exchangelib-built payload to the emulator and return the raw reply."""
    data = service.wrap(content=payload, api_version="Exchange2016")
    reply = requests.post(
        emu.url,
        data=data,
        auth=("user@example.com", emu.password),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )
    return reply.content


def _fields(obj, names):
    return {n: getattr(obj, n) for n in names}


def test_getfolder_matches_sample(emu, account):
    def parse(xml):
        svc = GetFolder(account=account)
        svc.folders = [account.calendar]  # GetFolder parses relative to the requested folder objects
        return list(svc.parse(xml))

    svc = GetFolder(account=account)
    payload = svc.get_payload(folders=[account.calendar], additional_fields=None, shape="AllProperties")
    (ours,) = parse(_post(emu, svc, payload))
    (sample,) = parse(_sample("ms_getfolder_calendar.xml"))
    names = ["name", "folder_class", "total_count", "child_folder_count", "_distinguished_id"]
    assert _fields(ours, names) == _fields(sample, names)
    assert type(ours) is type(sample) and ours.id and ours.changekey and ours.parent_folder_id


def test_syncfolderitems_matches_sample(emu, account):
    for subject, start, end, all_day, busy, location, sensitivity in [
        (
            "Holiday",
            dt.datetime(2025, 3, 11, 23, tzinfo=UTC),
            dt.datetime(2025, 3, 12, 23, tzinfo=UTC),
            True,
            "Free",
            "Home",
            "Normal",
        ),
        (
            "Review",
            dt.datetime(2025, 3, 10, 8, tzinfo=UTC),
            dt.datetime(2025, 3, 10, 9, 30, tzinfo=UTC),
            False,
            "Busy",
            "Room 1",
            "Private",
        ),
    ]:
        emu.create_item(
            folder="calendar",
            fields={
                "Subject": subject,
                "Start": start,
                "End": end,
                "IsAllDayEvent": all_day,
                "LegacyFreeBusyStatus": busy,
                "Location": location,
                "Sensitivity": sensitivity,
                "StartTimeZone": "W. Europe Standard Time",
                "EndTimeZone": "W. Europe Standard Time",
                "Body": ("HTML", "<p>must not be synced</p>"),
            },
        )
    names = [
        "subject",
        "start",
        "end",
        "is_all_day",
        "legacy_free_busy_status",
        "location",
        "sensitivity",
        "is_recurring",
        "type",
        "_start_timezone",
        "_end_timezone",
        "body",
    ]
    folder = account.calendar
    fields = {
        f for f in folder.normalize_fields(fields=names + ["last_modified_time"]) if not f.field.is_attribute
    }

    svc = SyncFolderItems(account=account)
    payload = svc.get_payload(
        folder=folder,
        shape="IdOnly",
        additional_fields=fields,
        sync_state=None,
        ignore=None,
        max_changes_returned=100,
        sync_scope=None,
    )
    ours_svc, sample_svc = SyncFolderItems(account=account), SyncFolderItems(account=account)
    ours = list(ours_svc.parse(_post(emu, svc, payload)))
    sample = list(sample_svc.parse(_sample("ms_syncfolderitems_calendar.xml")))
    assert [c for c, _ in ours] == [c for c, _ in sample] == ["create", "create"]
    for (_, a), (_, b) in zip(ours, sample, strict=True):
        assert _fields(a, names) == _fields(b, names)
        assert a.id and a.changekey and a.last_modified_time
    assert ours_svc.includes_last_item_in_range is sample_svc.includes_last_item_in_range is True
    assert ours_svc.sync_state and sample_svc.sync_state


def test_getitem_contact_matches_sample(emu, account):
    item_id = emu.create_item(
        folder="contacts",
        fields={
            "Body": ("HTML", "<html><body><p>Met at <b>the fair</b></p></body></html>"),
            "ExtendedProperty": {"SalesforceId": "003000000000001AAA"},
            "DisplayName": "Ann Lee",
            "GivenName": "Ann",
            "Surname": "Lee",
            "CompanyName": "ACME",
            "JobTitle": "CTO",
            "Department": "R&D",
            "Birthday": dt.date(1980, 5, 1),
            "EmailAddresses": {"EmailAddress1": "ann@acme.test"},
            "PhoneNumbers": {"BusinessPhone": "+1 777", "MobilePhone": "+1 555"},
            "PhysicalAddresses": {
                "Business": {
                    "street": "1 Main St",
                    "city": "Springfield",
                    "country": "US",
                    "zipcode": "12345",
                }
            },
        },
    )
    names = [
        "body",
        "sf_id",
        "display_name",
        "given_name",
        "surname",
        "company_name",
        "job_title",
        "department",
        "birthday",
        "email_addresses",
        "phone_numbers",
        "physical_addresses",
    ]
    fields = account.contacts.normalize_fields(fields=names)
    svc = GetItem(account=account)
    payload = svc.get_payload(items=[ItemId(item_id)], additional_fields=fields, shape="IdOnly")
    (ours,) = list(GetItem(account=account).parse(_post(emu, svc, payload)))
    (sample,) = list(GetItem(account=account).parse(_sample("ms_getitem_contact.xml")))
    assert _fields(ours, names) == _fields(sample, names)
    assert type(ours.body) is type(sample.body)


def test_updateitem_conflict_matches_sample(emu, account):
    from exchangelib.items import NEVER_OVERWRITE, Task

    ok = Task(account=account, folder=account.tasks, subject="ok")
    ok.save()
    stale = Task(account=account, folder=account.tasks, subject="stale")
    stale.save()
    emu.update_item(stale.id, {"Subject": "elsewhere"})
    ok.subject, stale.subject = "ok2", "mine"
    svc = UpdateItem(account=account)
    payload = svc.get_payload(
        items=[(ok, ["subject"]), (stale, ["subject"])],
        conflict_resolution=NEVER_OVERWRITE,
        message_disposition="SaveOnly",
        send_meeting_invitations_or_cancellations="SendToNone",
        suppress_read_receipts=True,
    )

    def outcomes(xml):
        results = []
        try:
            for r in UpdateItem(account=account).parse(xml):
                results.append(type(r).__name__)
        except ErrorIrresolvableConflict:
            results.append("ErrorIrresolvableConflict")
        return results

    assert (
        outcomes(_post(emu, svc, payload))
        == outcomes(_sample("ms_updateitem_conflict.xml"))
        == ["tuple", "ErrorIrresolvableConflict"]
    )


def test_serverbusy_fault_matches_sample(emu, account):
    emu.faults.server_busy(back_off_ms=297749)
    svc = GetItem(account=account)
    payload = svc.get_payload(items=[ItemId("x")], additional_fields=[], shape="IdOnly")
    errors = []
    for xml in (_post(emu, svc, payload), _sample("ms_fault_serverbusy.xml")):
        with pytest.raises(ErrorServerBusy) as info:
            list(GetItem(account=account).parse(xml))
        errors.append((str(info.value), info.value.back_off))
    assert errors[0] == errors[1] and errors[0][1] == pytest.approx(297.749)
