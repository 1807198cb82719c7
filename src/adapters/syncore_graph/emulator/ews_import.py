"""Items of the EWS emulator copied into a Graph mailbox, as one Exchange mailbox seen through both APIs.

An item keeps its EWS id (its REST id is the same base64 in the URL-safe alphabet), so ``translateExchangeIds``
maps the ids a profile stored over EWS to Graph's immutable ids. Named properties carry over: the
PublicStrings ``SyncoreLink`` property EWS wrote is the Graph extended property
``String {00020329-0000-0000-C000-000000000046} Name SyncoreLink``. Tasks become To Do tasks of the default list
(To Do keeps Outlook's tasks; they carry no extended properties through Graph).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from . import ids
from .mailbox import Item, Mailbox

PUBLIC_STRINGS = "{00020329-0000-0000-C000-000000000046}"
_SHOW_AS = {"Free": "free", "Tentative": "tentative", "Busy": "busy", "OOF": "oof",
            "WorkingElsewhere": "workingElsewhere", "NoData": "unknown"}
#: EWS attendee lists and the Graph attendee type of their members
_ATTENDEE_TYPES = {"RequiredAttendees": "required", "OptionalAttendees": "optional", "Resources": "resource"}
_T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
_STATUS = {"NotStarted": "notStarted", "InProgress": "inProgress", "Completed": "completed",
           "WaitingOnOthers": "waitingOnOthers", "Deferred": "deferred"}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _body(fields: dict[str, Any]) -> dict[str, str]:
    kind = "html" if (fields.get("BodyType") or "Text") == "HTML" else "text"
    return {"contentType": kind, "content": fields.get("Body") or ""}


def _attendees(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The meeting's attendees as Graph lists them: one list of every EWS attendee, typed by the EWS list it was
    in (the EWS emulator's snapshots hold each list as its XML)."""
    found = []
    for tag, kind in _ATTENDEE_TYPES.items():
        if not fields.get(tag):
            continue
        for attendee in ElementTree.fromstring(fields[tag]).iter(f"{_T}Attendee"):
            address = attendee.findtext(f"{_T}Mailbox/{_T}EmailAddress") or ""
            name = attendee.findtext(f"{_T}Mailbox/{_T}Name") or address
            found.append({"type": kind, "emailAddress": {"name": name, "address": address}})
    return found


def _event(fields: dict[str, Any]) -> dict[str, Any]:
    all_day = fields.get("IsAllDayEvent") == "true"
    start, end = _utc(fields["Start"]), _utc(fields["End"])
    zone = fields.get("StartTimeZone") or "UTC"
    return {"subject": fields.get("Subject") or "", "body": _body(fields), "isAllDay": all_day,
            "showAs": _SHOW_AS.get(fields.get("LegacyFreeBusyStatus") or "Busy", "busy"),
            "sensitivity": (fields.get("Sensitivity") or "Normal").lower(),
            "isReminderOn": fields.get("ReminderIsSet") == "true",
            "reminderMinutesBeforeStart": int(fields.get("ReminderMinutesBeforeStart") or 0),
            "location": {"displayName": fields.get("Location") or ""}, "attendees": _attendees(fields),
            "_span": (start, end, zone, fields.get("EndTimeZone") or zone)}


def _contact(fields: dict[str, Any]) -> dict[str, Any]:
    emails = fields.get("EmailAddresses") or {}
    phones = fields.get("PhoneNumbers") or {}
    address = (fields.get("PhysicalAddresses") or {}).get("Business") or {}
    data = {"givenName": fields.get("GivenName"), "surname": fields.get("Surname"),
            "displayName": fields.get("DisplayName") or "", "jobTitle": fields.get("JobTitle"),
            "department": fields.get("Department"), "companyName": fields.get("CompanyName"),
            "emailAddresses": [{"address": emails[k], "name": emails[k]} for k in sorted(emails)],
            "businessPhones": [phones["BusinessPhone"]] if phones.get("BusinessPhone") else [],
            "mobilePhone": phones.get("MobilePhone"),
            "businessAddress": {"street": address.get("Street"), "city": address.get("City"),
                                "state": address.get("State"), "postalCode": address.get("PostalCode"),
                                "countryOrRegion": address.get("CountryOrRegion")},
            "personalNotes": fields.get("TextBody") or fields.get("Body") or ""}
    if fields.get("Birthday"):
        data["birthday"] = fields["Birthday"]
    return data


def _task(fields: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"title": fields.get("Subject") or "", "body": _body(fields),
                            "status": _STATUS.get(fields.get("Status") or "NotStarted", "notStarted"),
                            "importance": (fields.get("Importance") or "Normal").lower(),
                            "isReminderOn": fields.get("ReminderIsSet") == "true", "linkedResources": []}
    if fields.get("DueDate"):
        data["dueDateTime"] = {"instant": _utc(fields["DueDate"]), "zone": "UTC"}
    if fields.get("CompleteDate") and data["status"] == "completed":
        data["completedDateTime"] = {"instant": _utc(fields["CompleteDate"]), "zone": "UTC"}
    return data


def import_items(emulator: Any, mailbox: Mailbox, snapshots: Any) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for snap in snapshots:
        fields, kind = snap["fields"], snap["kind"]
        rest_id = ids.ews_to_rest(snap["id"])
        if kind == "CalendarItem":
            data = _event(fields)
            start, end, start_zone, end_zone = data.pop("_span")
            item = mailbox.add("event", mailbox.calendar_id, data, rest_id=rest_id)
            if data["isAllDay"]:
                from .times import zone_of

                first = start.astimezone(zone_of(start_zone)).date()
                item.start, item.end = first, first + timedelta(days=max(1, round((end - start).days or 1)))
            else:
                item.start, item.end = start, end
            item.start_zone, item.end_zone = start_zone, end_zone
        elif kind == "Contact":
            item = mailbox.add("contact", mailbox.contact_folder_id, _contact(fields), rest_id=rest_id)
        elif kind == "Task":
            item = mailbox.add("task", mailbox.default_task_list().id, _task(fields), rest_id=rest_id)
        else:
            continue
        link = (fields.get("ExtendedProperty") or {}).get("SyncoreLink")
        if link and kind != "Task":
            prop_id = f"String {PUBLIC_STRINGS} Name SyncoreLink"
            item.extended[prop_id.lower()] = (prop_id, link)
        mapping[snap["id"]] = item.rest_id if kind == "Task" else item.immutable_id
    return mapping


__all__ = ["Item", "import_items"]
