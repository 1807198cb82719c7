"""Recurring events: the one place where ``patternedRecurrence`` ⇄ the core's rule lives.

A ``patternedRecurrence`` (https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence,
recurrencepattern, recurrencerange) is one of the six Microsoft patterns plus a range, the shape Exchange and Outlook
hold too: the translation to and from RFC 5545 rules is the core's (:mod:`syncore.patterns`, checked by expansion,
with Microsoft's own meanings: a day of the month past the month's end is its last day; "weekday" is a day set);
this module only reads and writes Graph's JSON for it. Yearly patterns count their interval in years.

The adapter holds series (``Capabilities.recurrence = rules``): occurrences and exceptions in a feed are read through
their master (:mod:`.._series_read`); :func:`recurring_reason` keeps them out of the single-event mapping.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from syncore.models import Event
from syncore.patterns import Pattern, PatternKind, Range, pattern_for, rule_for

RECURRING_TYPES = frozenset({"occurrence", "exception", "seriesMaster"})
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_INDEX_OF = {value: key for key, value in _INDEX.items()}
_KIND = {"daily": PatternKind.DAILY, "weekly": PatternKind.WEEKLY, "absoluteMonthly": PatternKind.ABSOLUTE_MONTHLY,
         "relativeMonthly": PatternKind.RELATIVE_MONTHLY, "absoluteYearly": PatternKind.ABSOLUTE_YEARLY,
         "relativeYearly": PatternKind.RELATIVE_YEARLY}
_TYPE = {value: key for key, value in _KIND.items()}


def recurring_reason(event: dict[str, Any]) -> str | None:
    """Why an event is not mapped as a single event (part of a recurring series, read through its master), or
    None."""
    kind = event.get("type")
    if kind in RECURRING_TYPES:
        return f"part of a recurring series (Graph event type {kind}), read through its master"
    if event.get("recurrence"):
        return "a recurring series, read through its master"
    return None


def task_recurring_reason(task: dict[str, Any]) -> str | None:
    return "recurring task not supported yet" if task.get("recurrence") else None


def pattern_from_graph(recurrence: dict[str, Any]) -> tuple[Pattern, Range]:
    """The Microsoft pattern and range of a patternedRecurrence (Graph fills unused fields with defaults such as
    ``"index": "first"`` or ``"month": 0``: only those of the pattern's type count)."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    kind = _KIND[pattern["type"]]
    start = date.fromisoformat(rng["startDate"][:10])
    days = tuple(DAYS.index(str(d).lower()) for d in pattern.get("daysOfWeek") or ())
    if kind is PatternKind.WEEKLY and not days:
        days = (start.weekday(),)
    found = Pattern(kind=kind, interval=int(pattern.get("interval") or 1),
                    weekdays=days if kind is PatternKind.WEEKLY or kind.relative else (),
                    day_of_month=int(pattern.get("dayOfMonth") or 0) if not kind.relative and kind not in (
                        PatternKind.DAILY, PatternKind.WEEKLY) else 0,
                    month=int(pattern.get("month") or 0) if kind.yearly else 0,
                    index=_INDEX[str(pattern.get("index") or "first").lower()] if kind.relative else 0,
                    first_day_of_week=DAYS.index(str(pattern.get("firstDayOfWeek") or "sunday").lower())
                    if kind is PatternKind.WEEKLY else 0)
    end = date.fromisoformat(rng["endDate"][:10]) if rng.get("type") == "endDate" else None
    count = int(rng["numberOfOccurrences"]) if rng.get("type") == "numbered" else None
    return found, Range(start=start, end=end, count=count)


def rrule_from_recurrence(recurrence: dict[str, Any]) -> str:
    """The rule (syncore's normal form) a patternedRecurrence gives; an ``endDate`` is a local day."""
    pattern, rng = pattern_from_graph(recurrence)
    return rule_for(pattern, until=rng.end, count=rng.count)


def recurrence_to_graph(event: Event, zone_name: str) -> dict[str, Any]:
    """The patternedRecurrence of the series ``event``, its range in ``zone_name`` (a Windows or IANA name).

    :raises syncore.patterns.Unfit: (a ValueError) for a rule no Microsoft pattern gives, naming why
    """
    pattern, rng = pattern_for(event)
    out: dict[str, Any] = {"type": _TYPE[pattern.kind], "interval": pattern.interval}
    if pattern.kind is PatternKind.WEEKLY or pattern.kind.relative:
        out["daysOfWeek"] = [DAYS[d] for d in pattern.weekdays]
    if pattern.kind is PatternKind.WEEKLY:
        out["firstDayOfWeek"] = DAYS[pattern.first_day_of_week]
    if pattern.kind in (PatternKind.ABSOLUTE_MONTHLY, PatternKind.ABSOLUTE_YEARLY):
        out["dayOfMonth"] = pattern.day_of_month
    if pattern.kind.yearly:
        out["month"] = pattern.month
    if pattern.kind.relative:
        out["index"] = _INDEX_OF[pattern.index]
    span: dict[str, Any] = {"startDate": rng.start.isoformat(), "recurrenceTimeZone": zone_name}
    if rng.count is not None:
        span.update(type="numbered", numberOfOccurrences=rng.count)
    elif rng.end is not None:
        span.update(type="endDate", endDate=rng.end.isoformat())
    else:
        span["type"] = "noEnd"
    return {"pattern": out, "range": span}
