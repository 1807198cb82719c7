"""Recurring series the way Exchange keeps them: one recurring master holding the pattern, and occurrences that
exist only when a client asks for them ("expansion").

"Instead of creating a separate distinct item for each occurrence in a recurring series, the server creates only one
actual item in the calendar, known as the recurring master … The server then generates occurrences based on the
recurrence pattern in response to client requests":
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/recurrence-patterns-and-ews

* Patterns (``…/recurrence-recurrencetype``): Daily, Weekly (DaysOfWeek, FirstDayOfWeek), AbsoluteMonthly and
  AbsoluteYearly (a DayOfMonth past the month's end "the last day of the month is assumed", ``…/dayofmonth``),
  RelativeMonthly and RelativeYearly (DaysOfWeek may be Day, Weekday or WeekendDay; DayOfWeekIndex First…Fourth or
  Last). Ranges: NoEndRecurrence, EndDateRecurrence ("The last occurrence in the series falls on or before the date
  specified"), NumberedRecurrence.
* Occurrences start at the master's local start time (in its StartTimeZone, whole minutes: the documented
  FirstOccurrence of a master created at 13:21:32.868 starts at 21:21:00Z,
  ``…/how-to-create-a-recurring-series-by-using-ews-in-exchange``) on each date of the pattern, and last as long as
  the master (all-day series: whole local days).
* A modified occurrence (an *exception*) keeps only what differs from the pattern's occurrence; a deleted one is
  listed by its original start. Both live on the master, whose change key is that of every occurrence: "If either
  the recurring master or any of its occurrences change, the ChangeKey changes. The ChangeKey is the same for the
  recurring master and all occurrences" (``…/occurrenceitemid``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .timezones import UnknownTimeZone, zone
from .xmlns import child, child_text, local, parse_datetime

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: the weekday sets a relative pattern may name (DayOfWeekType)
DAY_SETS = {"Day": (0, 1, 2, 3, 4, 5, 6), "Weekday": (0, 1, 2, 3, 4), "WeekendDay": (5, 6)}
INDEXES = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = tuple(calendar.month_name[1:])
#: a range is expanded at most this far (EndDate "after 9/1/4500" is ErrorRecurrenceEndDateTooBig)
LAST_DATE = dt.date(4500, 9, 1)
_PATTERNS = ("DailyRecurrence", "WeeklyRecurrence", "AbsoluteMonthlyRecurrence", "RelativeMonthlyRecurrence",
             "AbsoluteYearlyRecurrence", "RelativeYearlyRecurrence")
_REGENERATIONS = ("DailyRegeneration", "WeeklyRegeneration", "MonthlyRegeneration", "YearlyRegeneration")


class RecurrenceError(Exception):
    """A recurrence Exchange refuses; ``code`` is the ResponseCode (responsecode page)."""

    def __init__(self, code: str, text: str = ""):
        super().__init__(text or code)
        self.code = code
        self.text = text or code


@dataclass(frozen=True)
class Pattern:
    """A parsed pattern: ``kind`` is its element name; days are 0 = Monday … 6 = Sunday."""

    kind: str
    interval: int = 1
    days: tuple[int, ...] = ()
    day_of_month: int = 0
    index: int = 0
    month: int = 0
    first_day: int = 6  # FirstDayOfWeek: Sunday unless the client says otherwise


@dataclass(frozen=True)
class Range:
    """A parsed range: the start date, and an end date (inclusive) or a number of occurrences, or neither."""

    start: dt.date
    end: dt.date | None = None
    count: int | None = None


def _int(elem: etree._Element, name: str, low: int, high: int) -> int:
    text = child_text(elem, f"t:{name}")
    try:
        value = int(text or "")
    except ValueError:
        raise RecurrenceError("ErrorCalendarOutOfRange", f"{name} {text!r} is not a number") from None
    if not low <= value <= high:
        # "specifying the fifteenth week of the month will result in this response code" (responsecode page)
        raise RecurrenceError("ErrorCalendarOutOfRange", f"{name} {value} is outside {low}..{high}")
    return value


def _date(text: str | None) -> dt.date:
    # xs:date may carry an offset ("2014-03-08-08:00" in the documented CreateItem sample): the date is the date
    return dt.date.fromisoformat((text or "").strip()[:10])


def parse(recurrence: etree._Element) -> tuple[Pattern, Range]:
    """The pattern and range of a ``<t:Recurrence>`` element (schema-valid already)."""
    elems = [c for c in recurrence if isinstance(c.tag, str)]
    pattern_elem = next((c for c in elems if local(c.tag) in _PATTERNS + _REGENERATIONS), None)
    range_elem = next((c for c in elems if local(c.tag).endswith("Recurrence") and c is not pattern_elem), None)
    if pattern_elem is None or range_elem is None:
        raise RecurrenceError("ErrorCalendarInvalidRecurrence", "a recurrence needs a pattern and a range")
    return _pattern(pattern_elem), _range(range_elem)


def _pattern(elem: etree._Element) -> Pattern:
    kind = local(elem.tag)
    interval = _int(elem, "Interval", 1, 999) if child(elem, "t:Interval") is not None else 1
    days: tuple[int, ...] = ()
    names = (child_text(elem, "t:DaysOfWeek") or "").split()
    if kind == "WeeklyRecurrence":
        if any(name in DAY_SETS for name in names):
            # "invalid values of Day, WeekDay, and WeekendDay are used to specify the weekly recurrence"
            raise RecurrenceError("ErrorCalendarInvalidDayForWeeklyRecurrence")
        days = tuple(sorted(DAY_NAMES.index(name) for name in names))
    elif names:
        days = DAY_SETS.get(names[0]) or (DAY_NAMES.index(names[0]),)
    first_day = DAY_NAMES.index(child_text(elem, "t:FirstDayOfWeek") or "Sunday")
    index = INDEXES[child_text(elem, "t:DayOfWeekIndex")] if child(elem, "t:DayOfWeekIndex") is not None else 0
    day_of_month = _int(elem, "DayOfMonth", 1, 31) if child(elem, "t:DayOfMonth") is not None else 0
    month = MONTHS.index(child_text(elem, "t:Month")) + 1 if child(elem, "t:Month") is not None else 0
    return Pattern(kind=kind, interval=interval, days=days, day_of_month=day_of_month, index=index, month=month,
                   first_day=first_day)


def _range(elem: etree._Element) -> Range:
    start = _date(child_text(elem, "t:StartDate"))
    kind = local(elem.tag)
    if kind == "EndDateRecurrence":
        end = _date(child_text(elem, "t:EndDate"))
        if end > LAST_DATE:
            raise RecurrenceError("ErrorRecurrenceEndDateTooBig")
        return Range(start, end=end)
    if kind == "NumberedRecurrence":
        return Range(start, count=_int(elem, "NumberOfOccurrences", 1, 999))
    return Range(start)


def _month_day(year: int, month: int, day: int) -> dt.date:
    # a DayOfMonth past the month's end is the month's last day
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _nth(year: int, month: int, days: tuple[int, ...], index: int) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    matching = [dt.date(year, month, d) for d in range(1, last + 1) if dt.date(year, month, d).weekday() in days]
    return matching[-1] if index == -1 else matching[index - 1]


def _months(start: dt.date, interval: int) -> Iterator[tuple[int, int]]:
    for k in itertools.count():
        total = start.year * 12 + start.month - 1 + k * interval
        if total // 12 > LAST_DATE.year:
            return
        yield total // 12, total % 12 + 1


def _candidates(pattern: Pattern, start: dt.date) -> Iterator[dt.date]:
    """The pattern's dates from the month (or week, or day) of ``start`` on, possibly before it; in order."""
    kind = pattern.kind
    if kind in ("DailyRecurrence", "DailyRegeneration"):
        for k in itertools.count():
            yield start + dt.timedelta(days=k * pattern.interval)
    elif kind == "WeeklyRecurrence":
        week = start - dt.timedelta(days=(start.weekday() - pattern.first_day) % 7)
        order = sorted(pattern.days, key=lambda d: (d - pattern.first_day) % 7)
        for k in itertools.count():
            first = week + dt.timedelta(weeks=k * pattern.interval)
            for day in order:
                yield first + dt.timedelta(days=(day - pattern.first_day) % 7)
    elif kind == "AbsoluteMonthlyRecurrence":
        for year, month in _months(start, pattern.interval):
            yield _month_day(year, month, pattern.day_of_month)
    elif kind == "RelativeMonthlyRecurrence":
        for year, month in _months(start, pattern.interval):
            yield _nth(year, month, pattern.days, pattern.index)
    elif kind == "AbsoluteYearlyRecurrence":
        for year in range(start.year, LAST_DATE.year):
            yield _month_day(year, pattern.month, pattern.day_of_month)
    elif kind == "RelativeYearlyRecurrence":
        for year in range(start.year, LAST_DATE.year):
            yield _nth(year, pattern.month, pattern.days, pattern.index)


def dates(pattern: Pattern, rng: Range) -> Iterator[dt.date]:
    """The dates of the series' occurrences (deleted ones included), in order; endless without an end."""
    found = (day for day in _candidates(pattern, rng.start) if day >= rng.start)
    if rng.end is not None:
        found = itertools.takewhile(lambda day: day <= rng.end, found)  # type: ignore[operator]
    elif rng.count is not None:
        found = itertools.islice(found, rng.count)
    return itertools.takewhile(lambda day: day <= LAST_DATE, found)


@dataclass(frozen=True)
class Timing:
    """Where a master's occurrences fall: its zone, local start time and length."""

    tz: dt.tzinfo
    time: dt.time
    duration: dt.timedelta
    all_day: bool
    days: int  # an all-day series' length in local days

    @classmethod
    def of(cls, props: dict[str, etree._Element]) -> Timing:
        zone_elem = props.get("StartTimeZone")
        try:
            tz = zone(zone_elem.get("Id") if zone_elem is not None else "UTC")
        except UnknownTimeZone:
            tz = dt.UTC
        start, end = parse_datetime(props["Start"].text), parse_datetime(props["End"].text)
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        all_day = (props.get("IsAllDayEvent") is not None and props["IsAllDayEvent"].text == "true")
        return cls(tz=tz, time=local_start.time().replace(second=0, microsecond=0, tzinfo=None),
                   duration=end - start, all_day=all_day,
                   days=max(1, (local_end.date() - local_start.date()).days))

    def start(self, day: dt.date) -> dt.datetime:
        """The UTC start of the occurrence on local ``day`` (fold 0: the earlier of a repeated time, a skipped
        time read with the offset from before the gap)."""
        return dt.datetime.combine(day, self.time).replace(tzinfo=self.tz).astimezone(dt.UTC)

    def end(self, day: dt.date) -> dt.datetime:
        """The UTC end of the occurrence on local ``day``."""
        if self.all_day:
            return dt.datetime.combine(day + dt.timedelta(days=self.days), dt.time()).replace(
                tzinfo=self.tz).astimezone(dt.UTC)
        return self.start(day) + self.duration

    def day_of(self, instant: dt.datetime) -> dt.date:
        """The local date of ``instant``."""
        return instant.astimezone(self.tz).date()


def original_starts(props: dict[str, etree._Element]) -> Iterator[dt.datetime]:
    """UTC original starts of every occurrence of a master (deleted ones included), in order."""
    pattern, rng = parse(props["Recurrence"])
    timing = Timing.of(props)
    return (timing.start(day) for day in dates(pattern, rng))
