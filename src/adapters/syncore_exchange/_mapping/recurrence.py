"""EWS ``Recurrence`` ⇄ syncore series (pure: exchangelib's recurrence objects are read by their attribute names).

The pattern itself is translated by :mod:`syncore.patterns` (shared with Outlook); this module adds what is EWS's own:

* the patterns' limits (``…/web-service-reference/dailyrecurrence``, ``weeklyrecurrence``, ``absolutemonthlyrecurrence``
  …): intervals 1-999 days, 1-99 weeks or months; NumberOfOccurrences 1-999 (exchangelib's bounds);
* yearly patterns have no interval in EWS: "every 2 years on 1 September" is written as the absolute monthly pattern
  "day 1 every 24 months" (read back as that monthly rule, which gives the same occurrences);
* exchangelib's numbering: weekdays 1 = Monday … 7 = Sunday, 8 Day, 9 Weekday, 10 WeekendDay; week numbers 1-4 and
  5 for Last; months 1-12;
* a series' zone is its StartTimeZone (a Windows zone id, mapped with the CLDR table); occurrences and exceptions are
  keyed by the original start the series' rule gives on their local date (:meth:`syncore.series.Series.occurrence_on`).

Tasks: a fixed schedule is a pattern; ``regenerate = after_completion`` is a ``*Regeneration`` pattern (the interval
counted from the previous task's completion); Exchange has no "after the due date" regeneration.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from syncore.models import Event, Task
from syncore.patterns import (
    EVERY_DAY,
    WEEK_DAYS,
    WEEKEND_DAYS,
    Pattern,
    PatternKind,
    Range,
    Unfit,
    pattern_for,
    rule_for,
)
from syncore.recurrence import Regeneration, TaskRecurrence
from syncore.rrules import RuleParts

#: interval limits per EWS pattern (exchangelib's, from the pattern pages)
MAX_INTERVAL = {PatternKind.DAILY: 999, PatternKind.WEEKLY: 99, PatternKind.ABSOLUTE_MONTHLY: 99,
                PatternKind.RELATIVE_MONTHLY: 99}
MAX_OCCURRENCES = 999
#: exchangelib's weekday numbers for Microsoft's day sets
DAY_SET_NUMBER = {EVERY_DAY: 8, WEEK_DAYS: 9, WEEKEND_DAYS: 10}
_NUMBER_DAY_SET = {number: days for days, number in DAY_SET_NUMBER.items()}
_PATTERN_CLASS = {
    PatternKind.DAILY: "DailyPattern", PatternKind.WEEKLY: "WeeklyPattern",
    PatternKind.ABSOLUTE_MONTHLY: "AbsoluteMonthlyPattern", PatternKind.RELATIVE_MONTHLY: "RelativeMonthlyPattern",
    PatternKind.ABSOLUTE_YEARLY: "AbsoluteYearlyPattern", PatternKind.RELATIVE_YEARLY: "RelativeYearlyPattern",
}
_CLASS_PATTERN = {name: kind for kind, name in _PATTERN_CLASS.items()}
_REGENERATION = {"DailyRegeneration": "DAILY", "WeeklyRegeneration": "WEEKLY", "MonthlyRegeneration": "MONTHLY",
                 "YearlyRegeneration": "YEARLY"}
_FREQ_REGENERATION = {freq: name for name, freq in _REGENERATION.items()}


@attrs.frozen(kw_only=True)
class EwsPattern:
    """What to write: an exchangelib pattern class name and its fields, and the range.

    :ivar pattern: ``DailyPattern`` … ``RelativeYearlyPattern`` or ``DailyRegeneration`` … (tasks)
    :ivar fields: the pattern's exchangelib field values (weekdays as exchangelib numbers)
    """

    pattern: str
    fields: dict[str, Any]
    range: Range
    #: a task's recurrence (exchangelib's TaskRecurrence, which also takes regeneration patterns)
    task: bool = False


# -- reading ------------------------------------------------------------------------------------------------------
def _weekdays(value: Any) -> tuple[int, ...]:
    numbers = value if isinstance(value, (list, tuple)) else [value]
    days: list[int] = []
    for number in numbers:
        number = int(number)
        days.extend(_NUMBER_DAY_SET.get(number, (number - 1,)))
    return tuple(sorted(set(days)))


def pattern_from_ews(pattern: Any) -> Pattern:
    """The Microsoft pattern an exchangelib calendar pattern object holds.

    :raises Unfit: for a pattern object this mapping does not know
    """
    kind = _CLASS_PATTERN.get(type(pattern).__name__)
    if kind is None:
        raise Unfit(f"an EWS recurrence pattern syncore does not know ({type(pattern).__name__})")
    interval = int(getattr(pattern, "interval", None) or 1)
    week_number = getattr(pattern, "week_number", None)
    index = 0 if week_number is None else (-1 if int(week_number) == 5 else int(week_number))
    return Pattern(
        kind=kind, interval=interval,
        weekdays=_weekdays(pattern.weekdays if kind is PatternKind.WEEKLY else getattr(pattern, "weekday", None))
        if (kind is PatternKind.WEEKLY or kind.relative) else (),
        day_of_month=int(getattr(pattern, "day_of_month", None) or 0),
        month=int(getattr(pattern, "month", None) or 0),
        index=index,
        first_day_of_week=int(getattr(pattern, "first_day_of_week", None) or 1) - 1 if kind is PatternKind.WEEKLY
        else 0,
    )


def range_from_ews(boundary: Any) -> Range:
    """The range of an exchangelib boundary (NoEndPattern, EndDatePattern, NumberedPattern)."""
    start = _day(boundary.start)
    name = type(boundary).__name__
    if name == "EndDatePattern":
        return Range(start=start, end=_day(boundary.end))
    if name == "NumberedPattern":
        return Range(start=start, count=int(boundary.number))
    return Range(start=start)


def _day(value: Any) -> date:
    # exchangelib reads "2014-03-08-08:00" as a date and a bare "2014-03-08" as a UTC midnight datetime
    if isinstance(value, datetime):
        return date(value.year, value.month, value.day)
    return date(value.year, value.month, value.day)


def series_rule(recurrence: Any) -> tuple[str, Range]:
    """The rule (syncore's normal form) and range of an exchangelib calendar ``Recurrence``."""
    rng = range_from_ews(recurrence.boundary)
    return rule_for(pattern_from_ews(recurrence.pattern), until=rng.end, count=rng.count), rng


def first_wall(rule: str, rng: Range, start_time: time) -> datetime | None:
    """The naive local wall time of a series' first occurrence (the range may start before the pattern does)."""
    from syncore.rrules import walls

    return next(walls(rule, datetime.combine(rng.start, start_time)), None)


# -- writing ------------------------------------------------------------------------------------------------------
def ews_pattern(event: Event) -> EwsPattern:
    """What to write for a series.

    :raises Unfit: naming why EWS cannot hold it
    """
    pattern, rng = pattern_for(event)
    return EwsPattern(pattern=_PATTERN_CLASS[_ews_kind(pattern)], fields=_fields(pattern), range=_checked(rng))


def stored_rule(event: Event) -> str:
    """The rule Exchange gives back for a series written with :func:`ews_pattern` (a yearly interval read as
    months, an UNTIL as the last local day).

    :raises Unfit: as :func:`ews_pattern`
    """
    pattern, rng = pattern_for(event)
    if pattern.kind.yearly and pattern.interval > 1:
        pattern = attrs.evolve(pattern, kind=_ews_kind(pattern), interval=pattern.interval * 12, month=0)
    return rule_for(pattern, until=rng.end, count=rng.count)


def _ews_kind(pattern: Pattern) -> PatternKind:
    if pattern.kind.yearly and pattern.interval > 1:
        return PatternKind.ABSOLUTE_MONTHLY if pattern.kind is PatternKind.ABSOLUTE_YEARLY \
            else PatternKind.RELATIVE_MONTHLY
    return pattern.kind


def _fields(pattern: Pattern) -> dict[str, Any]:
    kind = _ews_kind(pattern)
    interval = pattern.interval * 12 if pattern.kind.yearly and pattern.interval > 1 else pattern.interval
    limit = MAX_INTERVAL.get(kind)
    if limit is not None and interval > limit:
        unit = {PatternKind.DAILY: "days"}.get(kind, "weeks" if kind is PatternKind.WEEKLY else "months")
        raise Unfit(f"Exchange repeats at most every {limit} {unit} (this series: every {interval})")
    fields: dict[str, Any] = {}
    if kind in MAX_INTERVAL:
        fields["interval"] = interval
    if kind is PatternKind.WEEKLY:
        fields["weekdays"] = [d + 1 for d in pattern.weekdays]
        fields["first_day_of_week"] = pattern.first_day_of_week + 1
    if kind.relative:
        days = tuple(sorted(pattern.weekdays))
        fields["weekday"] = DAY_SET_NUMBER.get(days, days[0] + 1)
        fields["week_number"] = 5 if pattern.index == -1 else pattern.index
    if kind in (PatternKind.ABSOLUTE_MONTHLY, PatternKind.ABSOLUTE_YEARLY):
        fields["day_of_month"] = pattern.day_of_month
    if kind.yearly:
        fields["month"] = pattern.month
    return fields


def _checked(rng: Range) -> Range:
    if rng.count is not None and rng.count > MAX_OCCURRENCES:
        raise Unfit(f"Exchange ends a numbered series after at most {MAX_OCCURRENCES} occurrences "
                    f"(this series: {rng.count})")
    return rng


def moved_past_neighbours(event: Event) -> str | None:
    """Why one of the series' modified occurrences cannot be written (an occurrence moved to or past its
    neighbour's start: :func:`syncore.series.crossing_neighbour`), or None."""
    from syncore.series import crossing_neighbour

    crossing = crossing_neighbour(event)
    if crossing is None:
        return None
    original, moved_to, neighbour = crossing
    return (f"the occurrence of {original.isoformat()} is moved to {moved_to.isoformat()}, past the neighbouring "
            f"occurrence of {neighbour.isoformat()}; Exchange keeps an occurrence between its neighbours")


# -- tasks --------------------------------------------------------------------------------------------------------
def task_recurrence_from_ews(recurrence: Any) -> TaskRecurrence:
    """The task recurrence an exchangelib ``TaskRecurrence`` holds."""
    rng = range_from_ews(recurrence.boundary)
    name = type(recurrence.pattern).__name__
    if name in _REGENERATION:
        parts = RuleParts(freq=_REGENERATION[name], interval=int(recurrence.pattern.interval or 1), count=rng.count,
                          until=rng.end)
        return TaskRecurrence(rule=parts.text(), start=rng.start, regenerate=Regeneration.AFTER_COMPLETION)
    rule = rule_for(pattern_from_ews(recurrence.pattern), until=rng.end, count=rng.count)
    return TaskRecurrence(rule=rule, start=_first_day(rule, rng) or rng.start)


def _first_day(rule: str, rng: Range) -> date | None:
    wall = first_wall(rule, rng, time())
    return None if wall is None else wall.date()


def ews_task_pattern(task: Task) -> EwsPattern:
    """What to write for a recurring task.

    :raises Unfit: naming why EWS cannot hold it
    """
    recurrence = task.recurrence
    assert recurrence is not None
    parts = recurrence.parts
    rng = _checked(Range(start=recurrence.start, end=parts.until, count=parts.count))  # type: ignore[arg-type]
    if recurrence.regenerate is Regeneration.AFTER_DUE:
        raise Unfit("Exchange regenerates a task only after the previous one is completed, not after its due date")
    if recurrence.regenerate is Regeneration.AFTER_COMPLETION:
        return EwsPattern(pattern=_FREQ_REGENERATION[parts.freq], fields={"interval": parts.interval}, range=rng,
                          task=True)
    # a fixed schedule: the pattern of an all-day series on the task's first due date
    pseudo = Event(subject="", start=recurrence.start, end=recurrence.start + timedelta(days=1),
                   recurrence=_series_of(recurrence))
    pattern, _ = pattern_for(pseudo)
    return EwsPattern(pattern=_PATTERN_CLASS[_ews_kind(pattern)], fields=_fields(pattern), range=rng, task=True)


def _series_of(recurrence: TaskRecurrence) -> Any:
    from syncore.recurrence import Recurrence

    return Recurrence(rule=recurrence.rule, zone="UTC")
