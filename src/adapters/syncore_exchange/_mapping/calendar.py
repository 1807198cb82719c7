"""CalendarItem ⇄ :class:`~syncore.models.Event`.

* All-day: exchangelib hands out ``EWSDate`` start/end with an **inclusive** end (it subtracts a day on read
  and adds it back on write); syncore's end is **exclusive**. The one conversion happens here: +1 day on
  read, -1 day on write.
* Timed: EWS returns UTC; syncore keeps UTC. The item's own Start/EndTimeZone is kept on update by the
  write layer (it sets ``_start_timezone``/``_end_timezone`` from the stored item).
* ``legacy_free_busy_status`` ⇄ ``show_as`` (WorkingElsewhere/NoData read as busy);
  ``sensitivity`` Private/Confidential ⇄ ``private``; ``reminder_is_set`` + minutes ⇄ ``reminder_minutes``;
  ``required_attendees`` ⇄ ``attendees`` (optional attendees and resources are left alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncore.models import Event, ShowAs
from syncore.recurrence import Override, Recurrence
from syncore.series import Series

from .recurrence import ews_pattern, first_wall, series_rule
from .values import body_from_item, body_value, plain_date, plain_utc, text

_SHOW_AS_FROM_EWS = {
    "Free": ShowAs.FREE,
    "Tentative": ShowAs.TENTATIVE,
    "Busy": ShowAs.BUSY,
    "OOF": ShowAs.OUT_OF_OFFICE,
}
_SHOW_AS_TO_EWS = {value: key for key, value in _SHOW_AS_FROM_EWS.items()}
_PRIVATE = frozenset({"Private", "Confidential"})

#: syncore field → the exchangelib fields written for it (start/end always travel together with the flag)
FIELD_MAP: dict[str, tuple[str, ...]] = {
    "subject": ("subject",),
    "start": ("start", "end", "is_all_day"),
    "end": ("start", "end", "is_all_day"),
    "location": ("location",),
    "body": ("body",),
    "show_as": ("legacy_free_busy_status",),
    "private": ("sensitivity",),
    "reminder_minutes": ("reminder_is_set", "reminder_minutes_before_start"),
    "attendees": ("required_attendees",),
    "recurrence": ("recurrence",),
}

_OCCURRENCE_TYPES = {"Occurrence", "Exception"}


def recurring_reason(item: Any) -> str | None:
    """Why the item is not synced on its own, or None: an occurrence or exception belongs to its series, which is
    synced through its recurring master (neither SyncFolderItems nor a paged FindItem lists occurrences)."""
    kind = getattr(item, "type", None)
    if kind in _OCCURRENCE_TYPES:
        return f"an occurrence of a recurring series (EWS CalendarItemType {kind}); the series syncs as one record"
    return None


def is_master(item: Any) -> bool:
    """True for a recurring master (read with its recurrence)."""
    return getattr(item, "type", None) == "RecurringMaster" or getattr(item, "recurrence", None) is not None


def zone_name(item: Any) -> str:
    """The IANA zone of an item's StartTimeZone (exchangelib maps the Windows id with the CLDR table)."""
    tz = getattr(item, "_start_timezone", None)
    return getattr(tz, "key", None) or "UTC"


def series_from_item(item: Any, exceptions: Mapping[str, Any]) -> Event:
    """A recurring master as a series: its pattern and range as a rule in its StartTimeZone, starting on the first
    occurrence; DeletedOccurrences as EXDATEs and ModifiedOccurrences (``exceptions``: each exception item by its
    id) as overrides, each keyed by the original start the rule gives on its local date.

    :raises ValueError: for a series syncore cannot read (an unknown pattern, no occurrence, an exception the rule
        does not give), naming why
    """
    single = event_from_item(item)
    zone = zone_name(item)
    tz = ZoneInfo(zone)
    rule, rng = series_rule(item.recurrence)
    if single.all_day:
        wall = first_wall(rule, rng, time())
        if wall is None:
            raise ValueError(f"the recurrence {rule} gives no occurrence")
        start: Any = wall.date()
        end: Any = start + (single.end - single.start)  # type: ignore[operator]
    else:
        # occurrences start at the master's local time in whole minutes (EWS's FirstOccurrence does too)
        local = single.start.astimezone(tz).time().replace(second=0, microsecond=0)  # type: ignore[union-attr]
        wall = first_wall(rule, rng, local)
        if wall is None:
            raise ValueError(f"the recurrence {rule} gives no occurrence")
        start = wall.replace(tzinfo=tz).astimezone(UTC)
        end = start + (single.end - single.start)  # type: ignore[operator]
    series = single.replace(start=start, end=end, recurrence=Recurrence(rule=rule, zone=zone))
    expanded = Series(series)  # type: ignore[arg-type]

    def key(instant: Any) -> Any:
        day = plain_utc(instant).astimezone(tz).date()
        found = expanded.occurrence_on(day)
        if found is None:
            raise ValueError(f"an occurrence on {day.isoformat()} that {rule} in {zone} does not give")
        return found

    exdates = [key(deleted.start) for deleted in item.deleted_occurrences or ()]
    overrides = []
    for occurrence in item.modified_occurrences or ():
        exception = exceptions.get(occurrence.id)
        if exception is None:
            raise ValueError(f"its modified occurrence of {occurrence.original_start} could not be read")
        own = event_from_item(exception)
        overrides.append(Override(original_start=key(occurrence.original_start), start=own.start, end=own.end,
                                  subject=own.subject, location=own.location, body=own.body, show_as=own.show_as))
    return series.replace(recurrence=Recurrence(rule=rule, zone=zone, exdates=exdates,  # type: ignore[return-value]
                                                overrides=overrides))


def _attendee_address(attendee: Any) -> str:
    mailbox = getattr(attendee, "mailbox", None)
    return text(getattr(mailbox, "email_address", None)).strip()


def event_from_item(item: Any) -> Event:
    """Map an exchangelib ``CalendarItem`` (or anything with its attribute names) to an Event."""
    start, end = item.start, item.end
    if item.is_all_day:
        start = plain_date(start)
        # exchangelib's end is inclusive; syncore's is exclusive
        end = plain_date(end) + timedelta(days=1)  # type: ignore[operator]
    else:
        start, end = plain_utc(start), plain_utc(end)
    attendees = [a for a in (_attendee_address(x) for x in item.required_attendees or ()) if a]
    return Event(
        subject=text(item.subject),
        start=start,
        end=end,
        location=text(item.location),
        body=body_from_item(item.body, getattr(item, "text_body", None)),
        show_as=_SHOW_AS_FROM_EWS.get(item.legacy_free_busy_status or "Busy", ShowAs.BUSY),
        private=item.sensitivity in _PRIVATE,
        reminder_minutes=int(item.reminder_minutes_before_start or 0) if item.reminder_is_set else None,
        attendees=attendees,
    )


def event_fields(event: Event, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """exchangelib field values for ``fields`` of ``event`` (all of them when None)."""
    names = set(FIELD_MAP) if fields is None else set(fields) & set(FIELD_MAP)
    out: dict[str, Any] = {}
    if names & {"start", "end"}:
        if event.all_day:
            out["start"] = event.start
            # syncore's exclusive end → exchangelib's inclusive end date
            out["end"] = event.end - timedelta(days=1)  # type: ignore[operator]
            out["is_all_day"] = True
        else:
            out["start"], out["end"], out["is_all_day"] = event.start, event.end, False
    if "subject" in names:
        out["subject"] = event.subject
    if "location" in names:
        out["location"] = event.location
    if "body" in names:
        out["body"] = body_value(event.body)
    if "show_as" in names:
        out["legacy_free_busy_status"] = _SHOW_AS_TO_EWS[event.show_as]
    if "private" in names:
        out["sensitivity"] = "Private" if event.private else "Normal"
    if "reminder_minutes" in names:
        out["reminder_is_set"] = event.reminder_minutes is not None
        out["reminder_minutes_before_start"] = event.reminder_minutes or 0
    if "attendees" in names:
        out["required_attendees"] = tuple(event.attendees)
    if "recurrence" in names:
        out["recurrence"] = ews_pattern(event) if event.recurrence is not None else None
    return out


def is_date(value: Any) -> bool:
    """True for an all-day value (a date that is not a datetime)."""
    return isinstance(value, date) and not isinstance(value, datetime)
