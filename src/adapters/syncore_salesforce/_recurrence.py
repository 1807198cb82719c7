"""Salesforce's two series patterns <-> syncore's rules, and what each can hold (reference §1.4).

* **Lightning** (``Recurrence2PatternText``): an RRULE. Salesforce takes the parts ``FREQ, BYMONTH, BYMONTHDAY,
  BYDAY, WKST, BYSETPOS, INTERVAL, UNTIL, COUNT`` (syncore's whole set), ``INTERVAL`` 1-999 daily, 1-99 weekly or
  monthly, 1 yearly, ``COUNT`` 1-999, ``UNTIL`` as a UTC time, at most 512 characters.
* **Classic** (``RecurrenceType`` ...): daily, every weekday, weekly on a set of days, monthly on a day or on the
  n-th weekday, yearly on a date or on the n-th weekday of a month, always with an end date; at most 100 daily,
  53 weekly, 59 monthly or 9 yearly occurrences (Knowledge Article 000212481) and 24 hours per occurrence.

Both store one Event per occurrence, so a series without an end (no COUNT, no UNTIL) cannot be held (unverified
for Lightning: the 999 bound of COUNT is also applied to a series ended by UNTIL). What a side cannot hold is
said by :func:`lightning_unfit` / :func:`classic_unfit`; the engine then writes the series as single
occurrences or reports it, as ``unfit_series`` says.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from syncore.models import Event
from syncore.recurrence import Key, TaskRecurrence
from syncore.rrules import WEEKDAYS, RuleParts
from syncore.series import Series
from syncore.timezones import zone

#: Recurrence2: the largest INTERVAL per frequency, and COUNT (reference §1.4)
LIGHTNING_MAX_INTERVAL = {"DAILY": 999, "WEEKLY": 99, "MONTHLY": 99, "YEARLY": 1}
LIGHTNING_MAX_COUNT = 999
#: Recurrence2PatternText's length when the describe does not say (reference §1.4)
LIGHTNING_MAX_TEXT = 512
#: classic series: the most occurrences per frequency (Knowledge Article 000212481)
CLASSIC_LIMITS = {"DAILY": 100, "WEEKLY": 53, "MONTHLY": 59, "YEARLY": 9}
CLASSIC_MAX_MINUTES = 1440
#: RecurrenceDayOfWeekMask: Sunday = 1 ... Saturday = 64 (Object Reference)
MASK = {"SU": 1, "MO": 2, "TU": 4, "WE": 8, "TH": 16, "FR": 32, "SA": 64}
INSTANCES = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WORKDAYS = ("MO", "TU", "WE", "TH", "FR")
#: Task RecurrenceRegeneratedType values (Task object reference; describe picklist)
REGENERATE_AFTER_DUE = "RecurrenceRegenerateAfterDueDate"
REGENERATE_AFTER_CLOSE = "RecurrenceRegenerateAfterToday"


class Unfit(ValueError):
    """A series Salesforce cannot hold in the form asked for (the message says why)."""


# -- reading -----------------------------------------------------------------------------------------------------
def lightning_rule(text: str) -> str:
    """The RRULE of ``Recurrence2PatternText`` without its ``RRULE:`` prefix (syncore normalizes it)."""
    body = (text or "").strip()
    return body[6:] if body.upper().startswith("RRULE:") else body


def classic_rule(row: dict[str, Any]) -> str:
    """The RRULE a classic main record's pattern fields describe.

    :raises Unfit: a pattern syncore cannot read (an unknown type, a missing day)
    """
    kind = row.get("RecurrenceType")
    interval = int(row.get("RecurrenceInterval") or 1)
    days = [day for day, bit in MASK.items() if int(row.get("RecurrenceDayOfWeekMask") or 0) & bit]
    ordinal = {name: number for number, name in INSTANCES.items()}.get(row.get("RecurrenceInstance") or "")
    month = MONTHS.index(row["RecurrenceMonthOfYear"]) + 1 if row.get("RecurrenceMonthOfYear") in MONTHS else None
    parts: list[str]
    if kind == "RecursDaily":
        parts = ["FREQ=DAILY", f"INTERVAL={interval}"]
    elif kind == "RecursEveryWeekday":
        parts = ["FREQ=WEEKLY", f"BYDAY={','.join(WORKDAYS)}"]
    elif kind == "RecursWeekly" and days:
        parts = ["FREQ=WEEKLY", f"INTERVAL={interval}", f"BYDAY={','.join(days)}"]
    elif kind == "RecursMonthly" and row.get("RecurrenceDayOfMonth"):
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYMONTHDAY={int(row['RecurrenceDayOfMonth'])}"]
    elif kind == "RecursMonthlyNth" and days and ordinal:
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", "BYDAY=" + ",".join(f"{ordinal}{d}" for d in days)]
    elif kind == "RecursYearly" and month and row.get("RecurrenceDayOfMonth"):
        parts = ["FREQ=YEARLY", f"BYMONTH={month}", f"BYMONTHDAY={int(row['RecurrenceDayOfMonth'])}"]
    elif kind == "RecursYearlyNth" and month and days and ordinal:
        parts = ["FREQ=YEARLY", f"BYMONTH={month}", "BYDAY=" + ",".join(f"{ordinal}{d}" for d in days)]
    else:
        raise Unfit(f"a classic pattern syncore cannot read (RecurrenceType {kind!r})")
    if kind == "RecursWeekly":
        # a classic pattern's weeks start on Sunday (see classic_fields); the normal form drops WKST where it
        # changes no occurrence
        parts.append("WKST=SU")
    if row.get("RecurrenceEndDateOnly"):
        parts.append("UNTIL=" + str(row["RecurrenceEndDateOnly"]).replace("-", "")[:8])
    return ";".join(parts)


def first_start(rule: str, anchor: datetime | date, zone_name: str) -> Key | None:
    """The first occurrence of ``rule`` from ``anchor`` (a series' stored start, which Salesforce does not require
    to be an occurrence): an aware UTC instant, or a date."""
    from syncore.rrules import walls

    tz = zone(zone_name)
    if isinstance(anchor, datetime):
        wall = anchor.astimezone(tz).replace(tzinfo=None)
        found = next(walls(rule, wall), None)
        return found.replace(tzinfo=tz).astimezone(UTC) if found is not None else None
    found = next(walls(rule, datetime.combine(anchor, time())), None)
    return found.date() if found is not None else None


# -- writing -----------------------------------------------------------------------------------------------------
def lightning_text(event: Event) -> str:
    """``Recurrence2PatternText`` for a series: syncore's rule with ``UNTIL`` as a UTC time (an all-day series'
    end date as noon of that day in the series' zone, which reads back as the same date) and ``WKST`` written
    out (Salesforce's own default is unknown: unverified)."""
    recurrence = event.recurrence
    assert recurrence is not None
    parts = recurrence.parts
    items = [f"FREQ={parts.freq}"]
    for name, values in (("BYMONTH", parts.by_month), ("BYMONTHDAY", parts.by_month_day), ("BYDAY", parts.by_day)):
        if values:
            items.append(f"{name}={','.join(str(v) for v in values)}")
    items.append(f"WKST={parts.wkst}")
    if parts.by_set_pos:
        items.append(f"BYSETPOS={','.join(str(v) for v in parts.by_set_pos)}")
    items.append(f"INTERVAL={parts.interval}")
    until = parts.until
    if isinstance(until, datetime):
        items.append(f"UNTIL={until.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    elif until is not None:
        noon = datetime.combine(until, time(12), tzinfo=zone(recurrence.zone)).astimezone(UTC)
        items.append(f"UNTIL={noon.strftime('%Y%m%dT%H%M%SZ')}")
    if parts.count is not None:
        items.append(f"COUNT={parts.count}")
    return "RRULE:" + ";".join(items)


def occurrence_count(event: Event, limit: int) -> int:
    """How many occurrences the rule gives (stops counting past ``limit``)."""
    return sum(1 for _ in itertools.islice(Series(event).starts(), limit + 1))


def lightning_unfit(event: Event, max_text: int = LIGHTNING_MAX_TEXT) -> str | None:
    """Why a Lightning series cannot hold ``event`` (None: it can)."""
    recurrence = event.recurrence
    assert recurrence is not None
    parts = recurrence.parts
    if not parts.ends:
        return "Salesforce stores one event per occurrence: a series needs an end (a count or an end date)"
    if parts.interval > LIGHTNING_MAX_INTERVAL[parts.freq]:
        return f"a {parts.freq.lower()} Lightning series repeats at most every {LIGHTNING_MAX_INTERVAL[parts.freq]}"
    if parts.count is not None and parts.count > LIGHTNING_MAX_COUNT:
        return f"a Lightning series has at most {LIGHTNING_MAX_COUNT} occurrences (COUNT={parts.count})"
    if parts.count is None and occurrence_count(event, LIGHTNING_MAX_COUNT) > LIGHTNING_MAX_COUNT:
        return f"a Lightning series has at most {LIGHTNING_MAX_COUNT} occurrences"
    text = lightning_text(event)
    if len(text) > max_text:
        return f"the pattern is {len(text)} characters; Recurrence2PatternText holds {max_text}"
    first = Series(event).first()
    if first is not None and first in recurrence.exdates:
        return "Salesforce deletes a whole Lightning series with its first occurrence, so that one cannot be cancelled"
    return None


def classic_fields(parts: RuleParts) -> dict[str, Any]:
    """The classic pattern fields of a rule (no start, end or zone).

    :raises Unfit: a rule the classic pattern cannot express
    """
    by_day = parts.by_day
    plain = [d for d in by_day if d in MASK]
    numbered = [d for d in by_day if d not in MASK]
    mask = sum(MASK[d] for d in plain)
    if parts.by_set_pos:
        raise Unfit("the classic pattern has no BYSETPOS")
    if parts.freq == "DAILY" and not (parts.by_day or parts.by_month or parts.by_month_day):
        return {"RecurrenceType": "RecursDaily", "RecurrenceInterval": parts.interval}
    if parts.freq == "WEEKLY" and plain and not numbered and not (parts.by_month or parts.by_month_day):
        if parts.interval == 1 and sorted(plain, key=WEEKDAYS.index) == list(WORKDAYS):
            return {"RecurrenceType": "RecursEveryWeekday", "RecurrenceDayOfWeekMask": mask}
        if parts.interval > 1 and not same_weeks_from_sunday(parts.wkst, plain):
            # which week an "every 2 weeks on Mon and Sun" occurrence falls in depends on the week's first day
            raise Unfit("a classic pattern's weeks start on Sunday; this rule counts weeks from "
                        f"{parts.wkst} and its days ({','.join(plain)}) fall on both sides of that "
                        "week's start")
        return {"RecurrenceType": "RecursWeekly", "RecurrenceInterval": parts.interval,
                "RecurrenceDayOfWeekMask": mask}
    ordinals = {d[:-2] for d in numbered}
    if parts.freq in ("MONTHLY", "YEARLY") and not plain:
        nth: dict[str, Any] | None = None
        if numbered and len(ordinals) == 1 and int(ordinals.pop()) in INSTANCES and not parts.by_month_day:
            number = int(numbered[0][:-2])
            nth = {"RecurrenceInstance": INSTANCES[number],
                   "RecurrenceDayOfWeekMask": sum(MASK[d[-2:]] for d in numbered)}
        day = parts.by_month_day[0] if len(parts.by_month_day) == 1 and parts.by_month_day[0] > 0 else None
        if parts.freq == "MONTHLY" and not parts.by_month:
            if nth is not None:
                return {"RecurrenceType": "RecursMonthlyNth", "RecurrenceInterval": parts.interval, **nth}
            if day is not None and not numbered:
                return {"RecurrenceType": "RecursMonthly", "RecurrenceInterval": parts.interval,
                        "RecurrenceDayOfMonth": day}
        if parts.freq == "YEARLY" and parts.interval == 1 and len(parts.by_month) == 1:
            month = MONTHS[parts.by_month[0] - 1]
            if nth is not None:
                return {"RecurrenceType": "RecursYearlyNth", "RecurrenceMonthOfYear": month, **nth}
            if day is not None and not numbered:
                return {"RecurrenceType": "RecursYearly", "RecurrenceMonthOfYear": month,
                        "RecurrenceDayOfMonth": day}
    raise Unfit(f"the classic pattern cannot express {parts.text()}")


#: the week as Salesforce counts it, from Sunday
_SUNDAY_WEEK = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")


def same_weeks_from_sunday(wkst: str, days: list[str]) -> bool:
    """True when a weekly rule on ``days`` whose weeks start on ``wkst`` gives the same occurrences with weeks
    from Sunday, whatever its interval.

    A week from ``wkst`` holds the days from ``wkst`` to Saturday of one Sunday week and the days from Sunday
    to the day before ``wkst`` of the next; when all of the rule's days are on one side of that cut, both ways
    of counting put the same dates in the same week (so "every 2 weeks on Monday and Wednesday" is one series
    either way), otherwise they do not ("every 2 weeks on Monday and Sunday").
    """
    before = set(_SUNDAY_WEEK[:_SUNDAY_WEEK.index(wkst)])
    return len(days) < 2 or set(days) <= before or not set(days) & before


def classic_frequency(fields: dict[str, Any]) -> str:
    """The limit family of a classic pattern (an every-weekday series counts as daily)."""
    kind = fields["RecurrenceType"]
    if kind in ("RecursDaily", "RecursEveryWeekday"):
        return "DAILY"
    return {"RecursWeekly": "WEEKLY", "RecursMonthly": "MONTHLY", "RecursMonthlyNth": "MONTHLY"}.get(kind, "YEARLY")


def classic_unfit(event: Event, zones: tuple[str, ...] = ()) -> str | None:
    """Why a classic series cannot hold ``event`` (None: it can); ``zones``: the org's
    ``RecurrenceTimeZoneSidKey`` values (empty: not checked)."""
    recurrence = event.recurrence
    assert recurrence is not None
    try:
        fields = classic_fields(recurrence.parts)
    except Unfit as exc:
        return str(exc)
    if not recurrence.parts.ends:
        return "a classic series needs an end date"
    frequency = classic_frequency(fields)
    limit = CLASSIC_LIMITS[frequency]
    count = occurrence_count(event, limit)
    if count > limit:
        return f"a {frequency.lower()} classic series has at most {limit} occurrences"
    if not event.all_day and event.end - event.start > timedelta(minutes=CLASSIC_MAX_MINUTES):  # type: ignore[operator]
        return "a classic series' occurrences last at most 24 hours"
    if zones and recurrence.zone not in zones:
        return f"the org offers no RecurrenceTimeZoneSidKey {recurrence.zone!r}"
    return None


def last_day(event: Event) -> date:
    """The local date of the series' last occurrence (``RecurrenceEndDateOnly``)."""
    series = Series(event)
    last = None
    for last in series.starts():
        pass
    assert last is not None
    return last.astimezone(series.tz).date() if isinstance(last, datetime) else last


# -- tasks -------------------------------------------------------------------------------------------------------
#: a repeating task counts its interval in days (RecurrenceInterval, Task object reference)
_REPEAT_DAYS = {"DAILY": 1, "WEEKLY": 7}


def task_fields(recurrence: TaskRecurrence) -> dict[str, Any]:
    """The Task fields of a recurrence: a repeating task's regeneration (``RecurrenceRegeneratedType`` and its
    interval in days), or a recurring series' pattern, start and end (the pattern fields it does not use are
    null, so an update from another pattern clears them).

    :raises Unfit: a recurrence Salesforce cannot hold
    """
    from syncore.recurrence import Regeneration

    parts = recurrence.parts
    if recurrence.regenerate is not Regeneration.NONE:
        days = _REPEAT_DAYS.get(parts.freq)
        if days is None:
            raise Unfit(f"Salesforce repeats a task a number of days later; this one repeats {parts.freq.lower()}")
        if parts.ends:
            raise Unfit("a repeating Salesforce task has no end (this one ends after a count or on a date)")
        regenerated = REGENERATE_AFTER_DUE if recurrence.regenerate is Regeneration.AFTER_DUE else \
            REGENERATE_AFTER_CLOSE
        return {"RecurrenceRegeneratedType": regenerated, "RecurrenceInterval": days * parts.interval}
    fields = classic_fields(parts)
    if not parts.ends:
        raise Unfit("a Salesforce task series needs an end date")
    dates = list(itertools.islice(recurrence.due_dates(), 10_000))
    pattern = dict.fromkeys(("RecurrenceInterval", "RecurrenceDayOfWeekMask", "RecurrenceDayOfMonth",
                             "RecurrenceInstance", "RecurrenceMonthOfYear"))
    return {**pattern, "RecurrenceStartDateOnly": recurrence.start.isoformat(),
            "RecurrenceEndDateOnly": dates[-1].isoformat() if dates else recurrence.start.isoformat(), **fields}


def task_rule(row: dict[str, Any]) -> tuple[str, str]:
    """A task row's rule and regeneration (``none`` for a recurring series' main record, ``after_completion`` or
    ``after_due`` for a repeating task).

    :raises Unfit: a pattern syncore cannot read
    """
    regenerated = row.get("RecurrenceRegeneratedType")
    if regenerated in (REGENERATE_AFTER_DUE, REGENERATE_AFTER_CLOSE) and not row.get("IsRecurrence"):
        days = int(row.get("RecurrenceInterval") or 1)
        rule = f"FREQ=WEEKLY;INTERVAL={days // 7}" if days % 7 == 0 else f"FREQ=DAILY;INTERVAL={days}"
        return rule, "after_due" if regenerated == REGENERATE_AFTER_DUE else "after_completion"
    return classic_rule(row), "none"
