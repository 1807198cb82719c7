"""Calendar patterns the way Microsoft stores them, and the RRULE each one is.

Exchange (EWS ``Recurrence``), Outlook (``RecurrencePattern``) and Microsoft Graph (``patternedRecurrence``) hold a
series as one of six patterns plus a range; Salesforce's classic recurrence has the same shape. This module is the
one translation between that shape and syncore's RFC 5545 rules, so every adapter of that family maps the same way:

=====================  =================================================  ==========================================
pattern                what it means                                      the rule
=====================  =================================================  ==========================================
daily                  every ``interval`` days                            ``FREQ=DAILY;INTERVAL=n``
weekly                 on ``weekdays`` every ``interval`` weeks           ``FREQ=WEEKLY;BYDAY=…;WKST=…``
absolute monthly       on day ``day_of_month`` every ``interval`` months  ``FREQ=MONTHLY;BYMONTHDAY=d``
relative monthly       the ``index``-th ``weekdays`` of the month         ``FREQ=MONTHLY;BYDAY=2TU``
absolute yearly        on ``month``/``day_of_month``                      ``FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=d``
relative yearly        the ``index``-th ``weekdays`` of ``month``         ``FREQ=YEARLY;BYMONTH=m;BYDAY=-1FR``
=====================  =================================================  ==========================================

Two Microsoft rules have no direct RRULE spelling and are written out exactly:

* a day of the month past the month's end means the month's **last** day ("If for a particular month this value is
  larger than the number of days in the month, the last day of the month is assumed",
  https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/dayofmonth), where RFC 5545
  skips the month: day 31 is ``BYMONTHDAY=-1``, day 30 is ``BYMONTHDAY=28,29,30;BYSETPOS=-1``;
* the "day", "weekday" and "weekend day" of a relative pattern are a set of weekdays with a position:
  the second weekday is ``BYDAY=MO,TU,WE,TH,FR;BYSETPOS=2``.

Going the other way, :func:`pattern_for` proposes a pattern for a rule and **checks it by expansion**: a rule whose
occurrences no pattern gives (``BYMONTHDAY=31``, the fifth Monday, two ordinals in one rule …) raises
:class:`Unfit` naming why, so an adapter reports the series instead of writing a different one. Limits that differ
per backend (intervals, the number of occurrences, yearly intervals) are the adapter's to check.
"""

from __future__ import annotations

import enum
import functools
import itertools
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import attrs

from .rrules import WEEKDAYS, RuleParts, walls
from .timezones import zone

if TYPE_CHECKING:
    from .models import Event

#: patterns and rules are compared over this many occurrences (the rules syncore accepts differ, if at all, within
#: a few years: a 31st, a 29 February, a fifth weekday)
CHECKED_OCCURRENCES = 400
#: the weekday sets a relative pattern may name besides one weekday (Microsoft's Day, Weekday and WeekendDay)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
WEEK_DAYS = (0, 1, 2, 3, 4)
WEEKEND_DAYS = (5, 6)
DAY_SETS = (EVERY_DAY, WEEK_DAYS, WEEKEND_DAYS)
_SHORTEST_MONTH = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}
_LONGEST_MONTH = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


class Unfit(ValueError):
    """A rule no Microsoft pattern gives; the message says why."""


class PatternKind(str, enum.Enum):
    """The six Microsoft patterns."""

    DAILY = "daily"
    WEEKLY = "weekly"
    ABSOLUTE_MONTHLY = "absolute_monthly"
    RELATIVE_MONTHLY = "relative_monthly"
    ABSOLUTE_YEARLY = "absolute_yearly"
    RELATIVE_YEARLY = "relative_yearly"

    @property
    def relative(self) -> bool:
        """True for the patterns that name an n-th weekday."""
        return self in (PatternKind.RELATIVE_MONTHLY, PatternKind.RELATIVE_YEARLY)

    @property
    def yearly(self) -> bool:
        """True for the patterns that name a month."""
        return self in (PatternKind.ABSOLUTE_YEARLY, PatternKind.RELATIVE_YEARLY)


@attrs.frozen(kw_only=True)
class Pattern:
    """One Microsoft pattern (which fields count depends on ``kind``).

    :ivar interval: in the pattern's own unit: days, weeks, months, or **years** for the yearly kinds (Outlook
        counts those in months and EWS has none: the adapters convert)
    :ivar weekdays: 0 = Monday … 6 = Sunday; a weekly pattern's days, or a relative pattern's one day or day set
        (:data:`DAY_SETS`)
    :ivar day_of_month: 1-31 (absolute kinds); past a month's end it means the month's last day
    :ivar month: 1-12 (yearly kinds)
    :ivar index: 1-4, or -1 for the last (relative kinds)
    :ivar first_day_of_week: 0 = Monday … (weekly); it only matters with an interval and several days
    """

    kind: PatternKind
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    day_of_month: int = 0
    month: int = 0
    index: int = 0
    first_day_of_week: int = 0


@attrs.frozen(kw_only=True)
class Range:
    """Where a pattern starts and ends: a local start date, and an end date (inclusive) or a count, or no end."""

    start: date
    end: date | None = None
    count: int | None = None


def rule_for(pattern: Pattern, until: date | None = None, count: int | None = None) -> str:
    """The RRULE (syncore's normal form) of ``pattern`` ending on ``until`` (a local date) or after ``count``."""
    kind = pattern.kind
    freq = {PatternKind.DAILY: "DAILY", PatternKind.WEEKLY: "WEEKLY"}.get(kind, "YEARLY" if kind.yearly else "MONTHLY")
    parts = RuleParts(freq=freq, interval=pattern.interval, count=count, until=until,
                      wkst=WEEKDAYS[pattern.first_day_of_week] if kind is PatternKind.WEEKLY else "MO")
    if kind is PatternKind.WEEKLY:
        parts = attrs.evolve(parts, by_day=tuple(WEEKDAYS[d] for d in sorted(set(pattern.weekdays))))
    if kind.yearly:
        parts = attrs.evolve(parts, by_month=(pattern.month,))
    if kind in (PatternKind.ABSOLUTE_MONTHLY, PatternKind.ABSOLUTE_YEARLY):
        parts = attrs.evolve(parts, **_day_of_month(pattern))
    if kind.relative:
        days = sorted(set(pattern.weekdays))
        if len(days) == 1:
            parts = attrs.evolve(parts, by_day=(f"{pattern.index}{WEEKDAYS[days[0]]}",))
        else:
            parts = attrs.evolve(parts, by_day=tuple(WEEKDAYS[d] for d in days), by_set_pos=(pattern.index,))
    return parts.text()


def _day_of_month(pattern: Pattern) -> dict[str, tuple[int, ...]]:
    # Microsoft: a day past the month's end is the month's last day; RFC 5545 would skip the month instead
    day = pattern.day_of_month
    shortest = _SHORTEST_MONTH.get(pattern.month, 31) if pattern.kind.yearly else 28
    longest = _LONGEST_MONTH.get(pattern.month, 31) if pattern.kind.yearly else 31
    if day <= shortest:
        return {"by_month_day": (day,)}
    if day >= longest:
        return {"by_month_day": (-1,)}
    return {"by_month_day": tuple(range(shortest, day + 1)), "by_set_pos": (-1,)}


def pattern_for(event: Event) -> tuple[Pattern, Range]:
    """The Microsoft pattern and range of a series (an event with a recurrence).

    The range starts on the first occurrence's local date; an ``UNTIL`` time becomes the local date of the last
    occurrence it allows (one occurrence per local day at most).

    :raises Unfit: when no pattern gives the rule's occurrences, naming why
    """
    recurrence = event.recurrence
    assert recurrence is not None, "not a series"
    tz = zone(recurrence.zone)
    if event.all_day:
        first: date = event.start  # type: ignore[assignment]
        start_time = time()
    else:
        local = event.start.astimezone(tz)  # type: ignore[union-attr]
        first, start_time = local.date(), local.time().replace(tzinfo=None)
    parts = recurrence.parts
    pattern = _checked_pattern(attrs.evolve(parts, count=None, until=None).text(), first)
    end = None
    if isinstance(parts.until, datetime):
        end = _last_day(parts, first, start_time, recurrence.zone)
    elif parts.until is not None:
        end = parts.until
    return pattern, Range(start=first, end=end, count=parts.count)


def _last_day(parts: RuleParts, first: date, start_time: time, zone_name: str) -> date:
    """The local date of the last occurrence an ``UNTIL`` instant allows (it may fall before or after that
    day's occurrence)."""
    until: datetime = parts.until  # type: ignore[assignment]
    tz = zone(zone_name)
    day = until.astimezone(tz).date()
    # fold=0 (RFC 5545 §3.3.5): the first of a repeated time, the offset from before a skipped one
    starts_that_day = datetime.combine(day, start_time).replace(tzinfo=tz)
    return day if starts_that_day <= until else day - timedelta(days=1)


@functools.lru_cache(maxsize=512)
def _checked_pattern(rule: str, first: date) -> Pattern:
    parts = RuleParts.parse(rule).explicit(datetime.combine(first, time()))
    candidate = _candidate(parts)
    if candidate is None:
        raise Unfit(f"{rule} is not a daily, weekly, monthly or yearly pattern Exchange or Outlook can hold "
                    f"({_why(parts)})")
    if not _same_days(rule, rule_for(candidate), first):
        raise Unfit(f"{rule} has no Microsoft pattern: {_why(parts) or 'its days differ from every pattern'}")
    return candidate


def _same_days(a: str, b: str, first: date) -> bool:
    start = datetime.combine(first, time())
    days_a = itertools.islice(walls(a, start), CHECKED_OCCURRENCES)
    days_b = itertools.islice(walls(b, start), CHECKED_OCCURRENCES)
    return all(x == y for x, y in itertools.zip_longest(days_a, days_b))


def _candidate(parts: RuleParts) -> Pattern | None:
    """The one pattern that can give ``parts`` (an explicit rule), or None; checked by the caller."""
    plain = [d for d in parts.by_day if d[:-2] == ""]
    ordinal = [d for d in parts.by_day if d[:-2] != ""]
    days = tuple(WEEKDAYS.index(d[-2:]) for d in parts.by_day)
    if parts.freq == "DAILY":
        if parts.by_day and not ordinal and parts.interval == 1 and not (parts.by_month or parts.by_month_day):
            # every weekday (and the like) is a weekly pattern with those days
            return Pattern(kind=PatternKind.WEEKLY, weekdays=days)
        if parts.by_day or parts.by_month or parts.by_month_day or parts.by_set_pos:
            return None
        return Pattern(kind=PatternKind.DAILY, interval=parts.interval)
    if parts.freq == "WEEKLY":
        if ordinal or parts.by_month or parts.by_set_pos:
            return None
        return Pattern(kind=PatternKind.WEEKLY, interval=parts.interval, weekdays=days,
                       first_day_of_week=WEEKDAYS.index(parts.wkst))
    yearly = parts.freq == "YEARLY"
    if yearly and len(parts.by_month) != 1:
        return None
    if not yearly and parts.by_month:
        return None
    month = parts.by_month[0] if yearly else 0
    kinds = (PatternKind.ABSOLUTE_YEARLY, PatternKind.RELATIVE_YEARLY) if yearly else \
        (PatternKind.ABSOLUTE_MONTHLY, PatternKind.RELATIVE_MONTHLY)
    if parts.by_month_day and not parts.by_day:
        return _absolute(parts, kinds[0], month)
    if parts.by_day and not parts.by_month_day:
        if len(ordinal) == 1 and not plain and not parts.by_set_pos:
            index = int(ordinal[0][:-2])
            return _relative(kinds[1], parts.interval, (days[0],), index, month)
        if plain and not ordinal and len(parts.by_set_pos) == 1:
            return _relative(kinds[1], parts.interval, days, parts.by_set_pos[0], month)
    return None


def _absolute(parts: RuleParts, kind: PatternKind, month: int) -> Pattern | None:
    days = parts.by_month_day
    if len(days) == 1 and not parts.by_set_pos:
        day = 31 if days[0] == -1 else days[0]
    elif parts.by_set_pos == (-1,) and all(d > 0 for d in days):
        day = max(days)  # "the last of 28..30": Microsoft's day 30
    else:
        return None
    return Pattern(kind=kind, interval=parts.interval, day_of_month=day, month=month) if day > 0 else None


def _relative(kind: PatternKind, interval: int, days: tuple[int, ...], index: int, month: int) -> Pattern | None:
    if not (1 <= index <= 4 or index == -1):
        return None  # Microsoft counts first to fourth, and last: there is no fifth
    if len(days) > 1 and tuple(sorted(days)) not in DAY_SETS:
        return None
    return Pattern(kind=kind, interval=interval, weekdays=tuple(sorted(days)), index=index, month=month)


def _why(parts: RuleParts) -> str:
    """A reason in words for the usual misfits."""
    if any(d > 28 for d in parts.by_month_day) and not parts.by_set_pos:
        return (f"BYMONTHDAY={','.join(map(str, parts.by_month_day))} skips shorter months; Microsoft's day of month "
                f"falls on the last day instead")
    if any(abs(int(d[:-2] or 0)) == 5 for d in parts.by_day):
        return "a fifth weekday: Microsoft counts first to fourth, and last"
    if len([d for d in parts.by_day if d[:-2]]) > 1:
        return "several numbered weekdays in one rule"
    if len(parts.by_month) > 1:
        return "several months in one rule"
    if len(parts.by_month_day) > 1 and parts.by_set_pos != (-1,):
        return "several days of the month in one rule"
    if len(parts.by_set_pos) > 1:
        return "several BYSETPOS positions in one rule"
    return ""
