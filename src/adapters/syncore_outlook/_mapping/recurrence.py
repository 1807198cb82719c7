"""Outlook ``RecurrencePattern`` ⇄ syncore rule (pure: the pattern is read and set by its property names).

The pattern itself is translated by :mod:`syncore.patterns` (shared with Exchange); this module adds what is
Outlook's own (outlook_com.md §8, https://learn.microsoft.com/en-us/office/vba/api/outlook.recurrencepattern):

* ``RecurrenceType``: olRecursDaily 0, olRecursWeekly 1, olRecursMonthly 2, olRecursMonthNth 3, olRecursYearly 5,
  olRecursYearNth 6;
* ``DayOfWeekMask`` is a bit set (olSunday 1, olMonday 2 … olSaturday 64); a relative pattern's "day", "weekday"
  and "weekend day" are the masks of those sets with an ``Instance`` (1-4, 5 = last);
* **the yearly ``Interval`` is in months** (12 = every year; CalDav Synchronizer divides it by 12,
  ``EventEntityMapper.cs``): a yearly interval that is not a whole number of years cannot be read;
* the range is ``PatternStartDate`` and ``NoEndDate`` / ``Occurrences`` / ``PatternEndDate``, local dates (the
  COM bridge hands them over as local midnights).

Not wired into the Outlook adapter yet: its ``Capabilities.recurrence`` stays ``none`` (see docs/recurrence.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from syncore.models import Event
from syncore.patterns import Pattern, PatternKind, Range, Unfit, pattern_for, rule_for

from .. import constants as C

_KIND = {C.olRecursDaily: PatternKind.DAILY, C.olRecursWeekly: PatternKind.WEEKLY,
         C.olRecursMonthly: PatternKind.ABSOLUTE_MONTHLY, C.olRecursMonthNth: PatternKind.RELATIVE_MONTHLY,
         C.olRecursYearly: PatternKind.ABSOLUTE_YEARLY, C.olRecursYearNth: PatternKind.RELATIVE_YEARLY}
_TYPE = {kind: number for number, kind in _KIND.items()}
#: DayOfWeekMask bits by syncore weekday (0 = Monday … 6 = Sunday)
_BIT = {0: C.olMonday, 1: C.olTuesday, 2: C.olWednesday, 3: C.olThursday, 4: C.olFriday, 5: C.olSaturday,
        6: C.olSunday}
_LAST = 5  # Instance of "the last"


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def weekdays_of(mask: int) -> tuple[int, ...]:
    """The weekdays (0 = Monday …) a ``DayOfWeekMask`` names."""
    return tuple(day for day, bit in _BIT.items() if mask & bit)


def mask_of(weekdays: tuple[int, ...]) -> int:
    """The ``DayOfWeekMask`` of weekdays (0 = Monday …)."""
    mask = 0
    for day in weekdays:
        mask |= _BIT[day]
    return mask


def pattern_from_com(pattern: Any) -> Pattern:
    """The Microsoft pattern an Outlook ``RecurrencePattern`` holds.

    :raises Unfit: for an unknown type or a yearly interval that is not a whole number of years
    """
    kind = _KIND.get(int(pattern.RecurrenceType))
    if kind is None:
        raise Unfit(f"an Outlook RecurrenceType syncore does not know ({pattern.RecurrenceType})")
    interval = int(pattern.Interval or 1)
    if kind.yearly:
        if interval % 12:
            raise Unfit(f"a yearly series every {interval} months (not a whole number of years)")
        interval //= 12
    instance = int(pattern.Instance or 0)
    return Pattern(
        kind=kind, interval=interval,
        weekdays=weekdays_of(int(pattern.DayOfWeekMask or 0)) if kind is PatternKind.WEEKLY or kind.relative else (),
        day_of_month=int(pattern.DayOfMonth or 0) if kind in (PatternKind.ABSOLUTE_MONTHLY,
                                                              PatternKind.ABSOLUTE_YEARLY) else 0,
        month=int(pattern.MonthOfYear or 0) if kind.yearly else 0,
        index=(-1 if instance >= _LAST else instance) if kind.relative else 0,
    )


def range_from_com(pattern: Any) -> Range:
    """The range of an Outlook ``RecurrencePattern``."""
    start = _day(pattern.PatternStartDate)
    if pattern.NoEndDate:
        return Range(start=start)
    if int(pattern.Occurrences or 0):
        return Range(start=start, count=int(pattern.Occurrences))
    return Range(start=start, end=_day(pattern.PatternEndDate))


def rule_from_com(pattern: Any) -> tuple[str, Range]:
    """The rule (syncore's normal form) and the range of an Outlook ``RecurrencePattern``."""
    rng = range_from_com(pattern)
    return rule_for(pattern_from_com(pattern), until=rng.end, count=rng.count), rng


def com_values(event: Event) -> dict[str, Any]:
    """The ``RecurrencePattern`` properties that give ``event``'s rule, in the order to set them (the type first:
    setting it resets the others to defaults from the start).

    :raises Unfit: naming why no Outlook pattern gives the rule
    """
    pattern, rng = pattern_for(event)
    values: dict[str, Any] = {"RecurrenceType": _TYPE[pattern.kind]}
    values["Interval"] = pattern.interval * 12 if pattern.kind.yearly else pattern.interval
    if pattern.kind is PatternKind.WEEKLY or pattern.kind.relative:
        values["DayOfWeekMask"] = mask_of(pattern.weekdays)
    if pattern.kind in (PatternKind.ABSOLUTE_MONTHLY, PatternKind.ABSOLUTE_YEARLY):
        values["DayOfMonth"] = pattern.day_of_month
    if pattern.kind.yearly:
        values["MonthOfYear"] = pattern.month
    if pattern.kind.relative:
        values["Instance"] = _LAST if pattern.index == -1 else pattern.index
    values["PatternStartDate"] = rng.start
    if rng.count is not None:
        values["Occurrences"] = rng.count
    elif rng.end is not None:
        values["PatternEndDate"] = rng.end
    else:
        values["NoEndDate"] = True
    return values


def apply_pattern(pattern: Any, event: Event, clock: Any) -> None:
    """Set ``event``'s rule on an Outlook ``RecurrencePattern`` (dates through ``clock``, an OutlookClock).

    :raises Unfit: as :func:`com_values`
    """
    for name, value in com_values(event).items():
        setattr(pattern, name, clock.write_date(value) if isinstance(value, date) else value)
