"""Object-specific save rules: Event timing (§1.2-1.4), Task status (§1.5), Contact name (§1.6).

Each rule receives the merged record (old values overlaid with the written ones), the set of
fields the caller wrote, and the previous record (``None`` on create). Rules derive read-only
fields in place and raise :class:`RecordError`. Several messages and codes are not confirmed
by a primary source; those carry an ``(unverified)`` comment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .errors import RecordError
from .patterns import normalize_rrule  # noqa: F401  (series patterns live in patterns.py; kept importable here)

MINUTES_PER_DAY = 1440
MAX_EVENT_DAYS = 14
CHILD_WRITABLE = frozenset({"IsReminderSet", "ReminderDateTime"})


@dataclass
class RuleSettings:
    """Org settings that change save behaviour."""

    multiday_events: bool = True  # Setup -> Activity Settings -> "Enable multiday events"
    shared_activities: bool = True  # Activity Settings -> "Allow Users to Relate Multiple Contacts..."
    api_version: float = 59.0
    closed_task_statuses: set[str] = field(default_factory=lambda: {"Completed"})


def _integrity(message: str, fields: list[str]) -> RecordError:
    return RecordError("FIELD_INTEGRITY_EXCEPTION", message, fields)


def _midnight(d: Any) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def apply_event(
    rec: dict[str, Any],
    written: set[str],
    old: dict[str, Any] | None,
    now: datetime,
    settings: RuleSettings,
    zone: str = "GMT",
) -> None:
    """Derive and check Event timing, privacy, child and series rules."""
    if old is not None and old.get("IsChild") and written - CHILD_WRITABLE:
        # Object Reference: "For a child event, you can update IsReminderSet and ReminderDateTime only."
        # The error code is (unverified).
        raise _integrity(
            "For a child event, you can update IsReminderSet and ReminderDateTime only.",
            sorted(written - CHILD_WRITABLE),
        )
    start = _event_start(rec, written, zone)
    _event_duration(rec, written, old, start, settings, zone)
    if rec.get("IsPrivate") and (rec.get("WhoId") or rec.get("WhatId")):
        # Documented restriction; the error code and message are (unverified).
        raise _integrity(
            "Private events can't be associated with opportunities, accounts, cases, campaigns, contracts, "
            "leads, or contacts.",
            ["WhoId" if rec.get("WhoId") else "WhatId"],
        )


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date of *instant* for a user whose ``TimeZoneSidKey`` is *zone*."""
    return instant.astimezone(ZoneInfo(zone)).date()


def _event_start(rec: dict[str, Any], written: set[str], zone: str) -> datetime:
    if rec.get("IsAllDayEvent"):
        ad, start = rec.get("ActivityDate"), rec.get("StartDateTime")
        if "ActivityDate" in written and ad is not None:
            if "StartDateTime" in written and start is not None and start.date() != ad:
                # (unverified) message: ActivityDate must match StartDateTime.
                raise _integrity("Due Date Only and Start Date Time must match.", ["ActivityDate"])
        elif start is not None and "StartDateTime" in written:
            # (unverified) An all-day event given by its start instant alone falls on that instant's date in the
            # writing user's zone (a user's "all day on the 24th" starts at their local midnight); the stored
            # start is then normalised to midnight UTC of that date, as ActivityDate's documented timestamp.
            ad = local_date(start, zone)
        elif start is not None:
            ad = start.date()  # already normalised to midnight UTC by an earlier save
        if ad is None:
            # (unverified) which field Salesforce names here.
            raise RecordError(
                "REQUIRED_FIELD_MISSING", "Required fields are missing: [ActivityDate]", ["ActivityDate"]
            )
        rec["ActivityDate"] = ad
        rec["StartDateTime"] = _midnight(ad)
        rec["ActivityDateTime"] = None
        return rec["StartDateTime"]
    start, adt = rec.get("StartDateTime"), rec.get("ActivityDateTime")
    if "StartDateTime" in written and "ActivityDateTime" in written and start and adt and start != adt:
        # "ActivityDateTime ... Must match StartDateTime or be null." Message (unverified).
        raise _integrity("Due Date Time and Start Date Time must match.", ["ActivityDateTime"])
    if "ActivityDateTime" in written and "StartDateTime" not in written and adt is not None:
        start = adt
    start = start or adt
    if start is None:
        # (unverified) which field Salesforce names here.
        raise RecordError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [ActivityDateTime]", ["ActivityDateTime"]
        )
    rec["StartDateTime"] = start
    rec["ActivityDateTime"] = start
    # (unverified) Salesforce derives the date of a timed event in the writing user's time zone.
    rec["ActivityDate"] = local_date(start, zone)
    return start


def _event_duration(
    rec: dict[str, Any],
    written: set[str],
    old: dict[str, Any] | None,
    start: datetime,
    settings: RuleSettings,
    zone: str,
) -> None:
    dur, end = rec.get("DurationInMinutes"), rec.get("EndDateTime")
    explicit_dur = "DurationInMinutes" in written and dur is not None
    explicit_end = "EndDateTime" in written and end is not None
    all_day = bool(rec.get("IsAllDayEvent"))
    if all_day:
        # All-day events keep EndDateTime at midnight UTC of the last (inclusive) day (unverified).
        if explicit_end:
            days = (end.date() - start.date()).days + 1
            if explicit_dur and dur != days * MINUTES_PER_DAY:
                raise _integrity(
                    "Duration and End Date Time don't match.", ["DurationInMinutes"]
                )  # (unverified)
            dur = days * MINUTES_PER_DAY
        elif explicit_dur:
            days = max(1, math.ceil(dur / MINUTES_PER_DAY))
        elif old is not None and old.get("DurationInMinutes") is not None:
            days = max(1, math.ceil(old["DurationInMinutes"] / MINUTES_PER_DAY))
        else:
            # Documented: "If both are null, the duration defaults to one day."
            days = 1
        # All-day durations are whole days (unverified: how Salesforce rounds a partial day).
        dur = days * MINUTES_PER_DAY
        end = start + timedelta(days=days - 1)
    else:
        if explicit_end and explicit_dur:
            if end - start != timedelta(minutes=dur):
                raise _integrity(
                    "Duration and End Date Time don't match.", ["DurationInMinutes"]
                )  # (unverified)
        elif explicit_end:
            dur = int((end - start).total_seconds() // 60)
        elif explicit_dur or (dur is not None and ("EndDateTime" not in written or end is None)):
            end = start + timedelta(minutes=dur)
        elif end is not None:
            dur = int((end - start).total_seconds() // 60)
        else:
            # Real orgs answer this for a timed event with neither a duration nor an end.
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [DurationInMinutes]",
                ["DurationInMinutes"],
            )
    if dur < 0:
        # (unverified) message for an end before the start.
        raise _integrity("End Date Time can't be earlier than Start Date Time.", ["EndDateTime"])
    where = ["EndDateTime"] if (settings.api_version >= 39 and not explicit_dur) else ["DurationInMinutes"]
    if dur > MAX_EVENT_DAYS * MINUTES_PER_DAY:
        # "Multiday events can't exceed 14 days." The code FIELD_INTEGRITY_EXCEPTION is (unverified);
        # the field moved from DurationInMinutes (v38-) to EndDateTime (v39+, no duration given).
        raise _integrity("Multiday events can't exceed 14 days.", where)
    if dur > MINUTES_PER_DAY and not settings.multiday_events:
        # Secondary source: "[FIELD_INTEGRITY_EXCEPTION] Duration must be between 0 and 1440 minutes".
        raise _integrity("Duration must be between 0 and 1440 minutes: Duration", ["DurationInMinutes"])
    rec["DurationInMinutes"] = dur
    rec["EndDateTime"] = end
    # All-day ends are midnight UTC of the last day; a timed end's date is the user's (unverified, as above).
    rec["EndDate"] = end.date() if all_day else local_date(end, zone)


def apply_task(
    rec: dict[str, Any],
    written: set[str],
    old: dict[str, Any] | None,
    now: datetime,
    settings: RuleSettings,
    zone: str = "GMT",
) -> None:
    """Status drives IsClosed and CompletedDateTime; Priority drives IsHighPriority."""
    closed = rec.get("Status") in settings.closed_task_statuses
    was_closed = bool(old and old.get("IsClosed"))
    rec["IsClosed"] = closed
    if closed and not was_closed:
        rec["CompletedDateTime"] = now
    elif not closed:
        rec["CompletedDateTime"] = None
    rec["IsHighPriority"] = rec.get("Priority") == "High"


def apply_contact(
    rec: dict[str, Any],
    written: set[str],
    old: dict[str, Any] | None,
    now: datetime,
    settings: RuleSettings,
    zone: str = "GMT",
) -> None:
    """Name is derived from FirstName and LastName."""
    rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)


RULES = {"Event": apply_event, "Task": apply_task, "Contact": apply_contact, "User": apply_contact}
