"""Event <-> syncore Event (reference §1.1-1.4).

* All-day: ``IsAllDayEvent`` + ``ActivityDate`` (a date, never shifted by a zone). Salesforce keeps
  ``EndDateTime`` at midnight UTC of the last, *inclusive* day; syncore's end date is exclusive.
* Timed: ``StartDateTime`` / ``EndDateTime`` in UTC.
* ``ShowAs`` has Busy, Free and OutOfOffice only: tentative is written as Busy, with a warning.
* Reminders: ``IsReminderSet`` + ``ReminderDateTime`` <-> ``reminder_minutes`` before the start.
* Description is plain text: a formatted body is written as its text.
* Attendees are not a field of the Event: the adapter relates the event to the Salesforce people among them
  (``WhoId``, ``WhatId``, EventRelation; :mod:`.._relations`). :func:`represent` drops them and reads never
  report them, so they are never seen as edits (the adapter declares them write-only).
* Not mapped (reported as unsupported, never written): child events (invitee copies), series records and
  occurrences of recurring events, and events longer than 14 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from syncore.errors import UnsupportedRecord
from syncore.models import Event, Kind, Record, ShowAs
from syncore.remote import RemoteRecord, Unsupported
from syncore.results import describe_item

from . import CONVERTER, Mapping, Payload, WriteContext, body, remote, text

#: "Multiday events can't exceed 14 days" (Salesforce Help, reference §1.2)
MAX_EVENT_DAYS = 14

SELECT = (
    "Id", "Subject", "Location", "Description", "IsAllDayEvent", "ActivityDate", "StartDateTime", "EndDateTime",
    "DurationInMinutes", "ShowAs", "IsPrivate", "IsReminderSet", "ReminderDateTime", "IsChild", "GroupEventType",
    "IsRecurrence", "IsRecurrence2", "RecurrenceActivityId", "IsDeleted", "IsArchived", "SystemModstamp",
    "LastModifiedDate", "OwnerId",
    # series (see .series; Recurrence2PatternText is a long text field, read only with a series' rows, since a
    # query selecting two of those is paged 200 rows at a time instead of 2,000: reference §4)
    "Recurrence2PatternTimeZone", "Recurrence2PatternStartDate", "IsRecurrence2Exception",
    "IsRecurrence2Exclusion", "RecurrenceStartDateTime", "RecurrenceEndDateOnly", "RecurrenceTimeZoneSidKey",
    "RecurrenceType", "RecurrenceInterval", "RecurrenceDayOfWeekMask", "RecurrenceDayOfMonth", "RecurrenceInstance",
    "RecurrenceMonthOfYear",
)

_SHOW_AS_TO_SF = {ShowAs.BUSY: "Busy", ShowAs.FREE: "Free", ShowAs.OUT_OF_OFFICE: "OutOfOffice",
                  ShowAs.TENTATIVE: "Busy"}
_SHOW_AS_FROM_SF = {"Busy": ShowAs.BUSY, "Free": ShowAs.FREE, "OutOfOffice": ShowAs.OUT_OF_OFFICE}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _unsupported_reason(row: dict[str, Any]) -> str | None:
    # (series rows are read as a whole by .series; these reasons are for one reaching here on its own)
    if row.get("IsChild"):
        return "child event (an invitee's copy of a group event); only its owner's event is synced"
    if str(row.get("GroupEventType") or "") == "3":
        return "event series pattern record"
    if row.get("IsRecurrence") or row.get("IsRecurrence2") or row.get("RecurrenceActivityId"):
        return "recurring event: series are not synced"
    return None


def label(row: dict[str, Any]) -> str:
    """An Event row as a person knows it, for a report (a row of a series names its series)."""
    series = bool(row.get("IsRecurrence") or row.get("IsRecurrence2") or row.get("RecurrenceActivityId")
                  or str(row.get("GroupEventType") or "") == "3")
    return describe_item(Kind.EVENT, str(row.get("Subject") or ""), series=series)


def from_sf(row: dict[str, Any]) -> RemoteRecord | Unsupported:
    """A wire row as a syncore Event (or why it cannot be one). Rows of a series are read as a whole by
    :mod:`.series`; one that reaches here alone is reported."""
    reason = _unsupported_reason(row)
    if reason:
        return Unsupported(id=row["Id"], reason=reason, label=label(row))
    event = event_of(row)
    if event.end - event.start > timedelta(days=MAX_EVENT_DAYS):  # type: ignore[operator]
        return Unsupported(id=row["Id"], reason=f"event longer than {MAX_EVENT_DAYS} days", label=label(row))
    return remote(row, event)


def event_of(row: dict[str, Any]) -> Event:
    """The fields of one Event row as a syncore Event (no recurrence), whatever the row is."""
    start: date | datetime
    end: date | datetime
    if row.get("IsAllDayEvent"):
        start = CONVERTER.structure(row.get("ActivityDate") or row["StartDateTime"][:10], date)
        last = CONVERTER.structure(row["EndDateTime"], datetime).date() if row.get("EndDateTime") else start
        end = last + timedelta(days=1)
        anchor = _midnight(start)
    else:
        start = CONVERTER.structure(row["StartDateTime"], datetime)
        end = CONVERTER.structure(row["EndDateTime"], datetime) if row.get("EndDateTime") else start + timedelta(
            minutes=int(row.get("DurationInMinutes") or 0))
        anchor = start
    reminder = None
    if row.get("IsReminderSet") and row.get("ReminderDateTime"):
        before = anchor - CONVERTER.structure(row["ReminderDateTime"], datetime)
        reminder = max(0, int(before.total_seconds() // 60))
    return Event(
        subject=text(row, "Subject"), start=start, end=end, location=text(row, "Location"), body=body(row),
        show_as=_SHOW_AS_FROM_SF.get(row.get("ShowAs") or "Busy", ShowAs.BUSY), private=bool(row.get("IsPrivate")),
        reminder_minutes=reminder,
    )


def represent(record: Record) -> Record:
    """As Salesforce stores it: tentative -> busy, plain-text body, no attendees (in a series' modified
    occurrences too)."""
    assert isinstance(record, Event)
    changes: dict[str, Any] = {}
    if record.show_as is ShowAs.TENTATIVE:
        changes["show_as"] = ShowAs.BUSY
    if record.body.html is not None or record.body.rtf is not None:
        changes["body"] = record.body.plain()
    if record.attendees:
        changes["attendees"] = ()
    recurrence = record.recurrence
    if recurrence is not None and any(item.show_as is ShowAs.TENTATIVE or (item.body is not None and (
            item.body.html is not None or item.body.rtf is not None)) for item in recurrence.overrides):
        overrides = [attrs.evolve(item, show_as=ShowAs.BUSY if item.show_as is ShowAs.TENTATIVE else item.show_as,
                                  body=item.body.plain() if item.body is not None else None)
                     for item in recurrence.overrides]
        changes["recurrence"] = attrs.evolve(recurrence, overrides=overrides)
    return record.replace(**changes) if changes else record


_FIELD_MAP = {
    "subject": ("Subject",),
    "location": ("Location",),
    "body": ("Description",),
    "show_as": ("ShowAs",),
    "private": ("IsPrivate",),
    "start": ("timing",),
    "end": ("timing",),
    "reminder_minutes": ("reminder",),
    "attendees": (),
}


def to_sf(record: Record, fields: frozenset[str] | None, ctx: WriteContext) -> Payload:
    """The payload writing ``fields`` (None: everything) of ``record``."""
    assert isinstance(record, Event)
    if record.end - record.start > timedelta(days=MAX_EVENT_DAYS):  # type: ignore[operator]
        raise UnsupportedRecord(
            f"Salesforce refuses events longer than {MAX_EVENT_DAYS} days (this one lasts "
            f"{record.end - record.start}); not written",  # type: ignore[operator]
            code="EVENT_TOO_LONG",
        )
    wanted = set(Event.field_names()) if fields is None else set(fields)
    groups = {name for field in wanted for name in _FIELD_MAP.get(field, ())}
    payload: dict[str, Any] = {}
    warnings: list[str] = []
    if "Subject" in groups:
        payload["Subject"] = record.subject
    if "Location" in groups:
        payload["Location"] = record.location
    if "Description" in groups:
        payload["Description"] = record.body.text
    if "ShowAs" in groups:
        payload["ShowAs"] = _SHOW_AS_TO_SF[record.show_as]
        if record.show_as is ShowAs.TENTATIVE:
            warnings.append("show_as tentative stored as busy: Salesforce's ShowAs has no Tentative")
    if "IsPrivate" in groups:
        payload["IsPrivate"] = record.private
    if "timing" in groups:
        if record.all_day:
            days = (record.end - record.start).days  # type: ignore[operator]
            payload.update(
                IsAllDayEvent=True,
                ActivityDate=CONVERTER.unstructure(record.start, date),
                StartDateTime=CONVERTER.unstructure(_midnight(record.start), datetime),  # type: ignore[arg-type]
                # Salesforce's all-day end is the last day itself, at midnight UTC.
                EndDateTime=CONVERTER.unstructure(_midnight(record.start + timedelta(days=days - 1)), datetime),
            )
        else:
            payload.update(
                IsAllDayEvent=False,
                StartDateTime=CONVERTER.unstructure(record.start, datetime),
                EndDateTime=CONVERTER.unstructure(record.end, datetime),
            )
    if "timing" in groups or "reminder" in groups:
        # The reminder is an instant: it moves with the start.
        if record.reminder_minutes is None:
            payload.update(IsReminderSet=False, ReminderDateTime=None)
        else:
            anchor = _midnight(record.start) if record.all_day else record.start  # type: ignore[arg-type]
            payload.update(IsReminderSet=True, ReminderDateTime=CONVERTER.unstructure(
                anchor - timedelta(minutes=record.reminder_minutes), datetime))
    return Payload(fields=payload, warnings=tuple(warnings))


MAPPING = Mapping(kind=Kind.EVENT, sobject="Event", select=SELECT, from_sf=from_sf, to_sf=to_sf,
                  represent=represent)
