"""Series expansion: a master's ``patternedRecurrence`` → the original starts of its occurrences.

Pattern and range semantics follow https://learn.microsoft.com/en-us/graph/api/resources/recurrencepattern and
https://learn.microsoft.com/en-us/graph/api/resources/recurrencerange; the expansion itself is dateutil's rrule.
Occurrences start at the master's local start time in ``range.recurrenceTimeZone`` (the start's zone when absent).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from dateutil import rrule

from .errors import bad_enum, bad_request
from .times import zone_of

PATTERN_TYPES = ("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly")
RANGE_TYPES = ("endDate", "noEnd", "numbered")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


def validate(value: Any) -> dict[str, Any]:
    """Check a patternedRecurrence; RequestBodyRead-style errors name the bad part."""
    if not isinstance(value, dict) or not isinstance(value.get("pattern"), dict) or not isinstance(
            value.get("range"), dict):
        raise bad_request("A recurrence needs a pattern and a range.", "RequestBodyRead")
    pattern, rng = value["pattern"], value["range"]
    if pattern.get("type") not in PATTERN_TYPES:
        raise bad_enum(pattern.get("type"), "recurrencePatternType")
    if rng.get("type") not in RANGE_TYPES:
        raise bad_enum(rng.get("type"), "recurrenceRangeType")
    for day in pattern.get("daysOfWeek") or ():
        if day not in DAYS:
            raise bad_enum(day, "dayOfWeek")
    if not isinstance(pattern.get("interval", 1), int) or pattern.get("interval", 1) < 1:
        raise bad_request("The recurrence pattern's interval must be a positive number.", "ErrorInvalidRecurrence")
    try:
        date.fromisoformat(rng.get("startDate") or "")
        if rng["type"] == "endDate":
            date.fromisoformat(rng.get("endDate") or "")
    except ValueError:
        raise bad_request("The recurrence range needs a startDate (and an endDate for type endDate).",
                          "ErrorInvalidRecurrence") from None
    if rng["type"] == "numbered" and not (isinstance(rng.get("numberOfOccurrences"), int)
                                         and rng["numberOfOccurrences"] > 0):
        raise bad_request("A numbered range needs numberOfOccurrences > 0.", "ErrorInvalidRecurrence")
    return value


def _weekdays(pattern: dict[str, Any]) -> list[Any]:
    return [_WEEKDAYS[DAYS.index(d)] for d in pattern.get("daysOfWeek") or ()]


def _relative(pattern: dict[str, Any]) -> dict[str, Any]:
    """The ``index``-th of the days named: the n-th one of the *set* (``["monday", …, "friday"]`` with ``last`` is
    the month's last weekday, as Outlook's "last weekday"), not the n-th of each day."""
    return {"byweekday": _weekdays(pattern), "bysetpos": INDEX.get(pattern.get("index") or "first", 1)}


def _day_of_month(day: int) -> dict[str, Any]:
    """A day of the month past a month's end is that month's last day ("If for a particular month this value is
    larger than the number of days in the month, the last day of the month is assumed",
    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/dayofmonth; Graph's
    dayOfMonth is Exchange's): the last of the days from 28 to ``day`` that the month has."""
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def original_starts(recurrence: dict[str, Any], first_start: datetime, zone_name: str, until: datetime) -> list[datetime]:
    """UTC starts of every occurrence up to ``until`` (exclusive)."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    tz = zone_of(rng.get("recurrenceTimeZone") or zone_name)
    local = first_start.astimezone(tz)
    begin = date.fromisoformat(rng["startDate"])
    dtstart = datetime(begin.year, begin.month, begin.day, local.hour, local.minute, local.second)
    kind = pattern["type"]
    freq = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY}.get(kind) or (
        rrule.MONTHLY if kind.endswith("Monthly") else rrule.YEARLY)
    options: dict[str, Any] = {"dtstart": dtstart, "interval": pattern.get("interval", 1)}
    if kind == "weekly":
        options["byweekday"] = _weekdays(pattern) or [_WEEKDAYS[begin.weekday()]]
        options["wkst"] = _WEEKDAYS[DAYS.index(pattern.get("firstDayOfWeek") or "sunday")]
    elif kind == "absoluteMonthly":
        options.update(_day_of_month(pattern.get("dayOfMonth") or begin.day))
    elif kind == "relativeMonthly":
        options.update(_relative(pattern))
    elif kind == "absoluteYearly":
        options["bymonth"] = pattern.get("month") or begin.month
        options.update(_day_of_month(pattern.get("dayOfMonth") or begin.day))
    elif kind == "relativeYearly":
        options["bymonth"] = pattern.get("month") or begin.month
        options.update(_relative(pattern))
    if rng["type"] == "numbered":
        options["count"] = rng["numberOfOccurrences"]
    elif rng["type"] == "endDate":
        end = date.fromisoformat(rng["endDate"])
        options["until"] = datetime(end.year, end.month, end.day, 23, 59, 59)
    limit = until  # the rule is expanded lazily: an endless series stops at the window's end
    starts = []
    for wall in rrule.rrule(freq, **options):
        instant = wall.replace(tzinfo=tz).astimezone(UTC)
        if instant >= limit:
            break
        starts.append(instant)
    return starts
