"""Items of the EWS emulator copied into a Graph mailbox, as one Exchange mailbox seen through both APIs.

An item keeps its EWS id (its REST id is the same base64 in the URL-safe alphabet), so ``translateExchangeIds``
maps the ids a profile stored over EWS to Graph's immutable ids. Named properties carry over: the
PublicStrings ``SyncoreLink`` property EWS wrote is the Graph extended property
``String {00020329-0000-0000-C000-000000000046} Name SyncoreLink``. Tasks become To Do tasks of the default list
(To Do keeps Outlook's tasks; they carry no extended properties through Graph).

A recurring master keeps its series: its EWS ``Recurrence`` becomes the ``patternedRecurrence`` Graph shows for the
same item (https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence; the EWS patterns and ranges
of https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/recurrence-recurrencetype),
its DeletedOccurrences are cancelled occurrences and its ModifiedOccurrences exceptions (the EWS emulator's
snapshot lists both by original start).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


_PATTERNS = {"DailyRecurrence": "daily", "WeeklyRecurrence": "weekly", "AbsoluteMonthlyRecurrence": "absoluteMonthly",
             "RelativeMonthlyRecurrence": "relativeMonthly", "AbsoluteYearlyRecurrence": "absoluteYearly",
             "RelativeYearlyRecurrence": "relativeYearly"}
_RANGES = {"NumberedRecurrence": "numbered", "EndDateRecurrence": "endDate", "NoEndRecurrence": "noEnd"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _recurrence(xml: str, zone: str) -> dict[str, Any]:
    """An EWS ``Recurrence`` element as the patternedRecurrence of the same series."""
    root = ElementTree.fromstring(xml)
    pattern: dict[str, Any] = {}
    rng: dict[str, Any] = {"recurrenceTimeZone": zone}
    for child in root:
        name = child.tag.removeprefix(_T)
        text = lambda tag, child=child: child.findtext(f"{_T}{tag}")
        if name in _PATTERNS:
            pattern["type"] = _PATTERNS[name]
            pattern["interval"] = int(text("Interval") or 1)
            if text("DaysOfWeek"):
                pattern["daysOfWeek"] = [d.lower() for d in str(text("DaysOfWeek")).split()]
            if text("FirstDayOfWeek"):
                pattern["firstDayOfWeek"] = str(text("FirstDayOfWeek")).lower()
            if text("DayOfMonth"):
                pattern["dayOfMonth"] = int(str(text("DayOfMonth")))
            if text("DayOfWeekIndex"):
                pattern["index"] = str(text("DayOfWeekIndex")).lower()
            if text("Month"):
                pattern["month"] = _MONTHS.index(str(text("Month"))) + 1
        elif name in _RANGES:
            rng["type"] = _RANGES[name]
            rng["startDate"] = str(text("StartDate"))[:10]
            if text("EndDate"):
                rng["endDate"] = str(text("EndDate"))[:10]
            if text("NumberOfOccurrences"):
                rng["numberOfOccurrences"] = int(str(text("NumberOfOccurrences")))
    return {"pattern": pattern, "range": rng}


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _occurrences(mailbox: Mailbox, master: Item, snap: dict[str, Any]) -> None:
    """The master's cancelled and modified occurrences (exceptions keep their occurrences' ids, as in Graph)."""
    from .series import Occurrence, make_exception
    from .times import zone_of

    master.cancelled = {_stamp(key) for key in snap.get("deleted_occurrences") or ()}
    for key, changes in (snap.get("modified_occurrences") or {}).items():
        exception = make_exception(mailbox, Occurrence(master, _stamp(key)))
        names = {"Subject": "subject", "Location": "location", "Body": "body", "LegacyFreeBusyStatus": "showAs",
                 "Start": "start", "End": "end"}
        exception.own = {names[tag] for tag in changes if tag in names}
        for tag, name in (("Start", "start"), ("End", "end")):
            if tag in changes:
                moment = _utc(changes[tag])
                # an all-day series' exception keeps dates (its day in the series' zone)
                setattr(exception, name, moment if isinstance(master.start, datetime) else
                        moment.astimezone(zone_of(master.start_zone)).date())
        if "Subject" in changes:
            exception.data["subject"] = changes["Subject"] or ""
        if "Location" in changes:
            exception.data["location"] = {"displayName": changes["Location"] or ""}
        if "Body" in changes:
            exception.data["body"] = _body(changes)
        if "LegacyFreeBusyStatus" in changes:
            exception.data["showAs"] = _SHOW_AS.get(changes["LegacyFreeBusyStatus"] or "Busy", "busy")


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
            if fields.get("Recurrence"):
                item.data["recurrence"] = _recurrence(fields["Recurrence"], start_zone)
                _occurrences(mailbox, item, snap)
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
