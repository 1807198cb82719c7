"""Recurring events: the one place where ``patternedRecurrence`` ⇄ an RFC 5545 rule lives.

The adapter holds series (``Capabilities.recurrence = rules``): occurrences and exceptions in a feed are read
through their master (:mod:`.._series_read`); :func:`recurring_reason` keeps them out of the single-event mapping.
The pattern mapping, both ways and pure: :func:`rrule_from_recurrence` and
:func:`recurrence_from_rrule` (https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence,
recurrencepattern, recurrencerange; RFC 5545 §3.3.10); :mod:`.series` builds the core's
:class:`~syncore.recurrence.Recurrence` from a master and its instances (moved and cancelled occurrences).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

RECURRING_TYPES = frozenset({"occurrence", "exception", "seriesMaster"})
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BYDAY = dict(zip(_DAYS, ("MO", "TU", "WE", "TH", "FR", "SA", "SU"), strict=True))
_DAY_OF = {value: key for key, value in _BYDAY.items()}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_INDEX_OF = {value: key for key, value in _INDEX.items()}
_FREQ = {"daily": "DAILY", "weekly": "WEEKLY", "absoluteMonthly": "MONTHLY", "relativeMonthly": "MONTHLY",
         "absoluteYearly": "YEARLY", "relativeYearly": "YEARLY"}


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


def rrule_from_recurrence(recurrence: dict[str, Any], zone: str) -> str:
    """An RFC 5545 RRULE value for a patternedRecurrence whose occurrences start in ``zone`` (IANA).

    ``UNTIL`` is the end of the range's last day in that zone, in UTC (RFC 5545: UTC when DTSTART has a zone).
    """
    pattern, rng = recurrence["pattern"], recurrence["range"]
    kind = pattern["type"]
    parts = [f"FREQ={_FREQ[kind]}"]
    if (pattern.get("interval") or 1) != 1:
        parts.append(f"INTERVAL={pattern['interval']}")
    days = [_BYDAY[d] for d in pattern.get("daysOfWeek") or ()]
    if kind in ("absoluteYearly", "relativeYearly"):
        parts.append(f"BYMONTH={pattern['month']}")
    if kind in ("absoluteMonthly", "absoluteYearly"):
        parts.append(f"BYMONTHDAY={pattern['dayOfMonth']}")
    if days:
        parts.append("BYDAY=" + ",".join(days))
    if kind.startswith("relative"):
        parts.append(f"BYSETPOS={_INDEX[pattern.get('index') or 'first']}")
    if kind == "weekly" and (pattern.get("firstDayOfWeek") or "sunday") != "monday":
        parts.append(f"WKST={_BYDAY[pattern.get('firstDayOfWeek') or 'sunday']}")
    if rng["type"] == "numbered":
        parts.append(f"COUNT={rng['numberOfOccurrences']}")
    elif rng["type"] == "endDate":
        last = date.fromisoformat(rng["endDate"])
        until = datetime.combine(last, time(23, 59, 59), ZoneInfo(zone)).astimezone(UTC)
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def recurrence_from_rrule(rule: str, first: date, zone: str) -> dict[str, Any]:
    """A patternedRecurrence for an RRULE value whose first occurrence is on ``first`` in ``zone`` (IANA).

    :raises ValueError: for a rule Outlook cannot hold (e.g. BYHOUR, several BYMONTHDAY values, FREQ=HOURLY)
    """
    fields = dict(part.split("=", 1) for part in rule.upper().removeprefix("RRULE:").split(";") if part)
    supported = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST", "COUNT", "UNTIL"}
    if set(fields) - supported or fields.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise ValueError(f"Outlook cannot hold the rule {rule!r}")
    for name in ("BYMONTHDAY", "BYMONTH", "BYSETPOS"):
        if "," in fields.get(name, ""):
            raise ValueError(f"a recurrencePattern holds one {name} value, the rule {rule!r} has several")
    freq = fields["FREQ"]
    pattern: dict[str, Any] = {"interval": int(fields.get("INTERVAL", 1))}
    days = [_DAY_OF[d[-2:]] for d in fields["BYDAY"].split(",")] if "BYDAY" in fields else []
    setpos = fields.get("BYSETPOS")
    if freq == "DAILY":
        pattern["type"] = "daily"
    elif freq == "WEEKLY":
        pattern.update(type="weekly", daysOfWeek=days or [_DAYS[first.weekday()]],
                       firstDayOfWeek=_DAY_OF[fields.get("WKST", "MO")])
    else:
        relative = bool(days)
        if relative and setpos is None:
            raise ValueError(f"Outlook needs BYSETPOS with BYDAY in {rule!r}")
        pattern["type"] = ("relative" if relative else "absolute") + ("Monthly" if freq == "MONTHLY" else "Yearly")
        if relative:
            pattern.update(daysOfWeek=days, index=_INDEX_OF[int(setpos)])  # type: ignore[arg-type]
        else:
            pattern["dayOfMonth"] = int(fields.get("BYMONTHDAY", first.day))
        if freq == "YEARLY":
            pattern["month"] = int(fields.get("BYMONTH", first.month))
    rng: dict[str, Any] = {"startDate": first.isoformat(), "recurrenceTimeZone": zone}
    if "COUNT" in fields:
        rng.update(type="numbered", numberOfOccurrences=int(fields["COUNT"]))
    elif "UNTIL" in fields:
        until = fields["UNTIL"]
        moment = (datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
                  if "T" in until else datetime.strptime(until, "%Y%m%d"))
        rng.update(type="endDate", endDate=moment.date().isoformat())
    else:
        rng["type"] = "noEnd"
    return {"pattern": pattern, "range": rng}
