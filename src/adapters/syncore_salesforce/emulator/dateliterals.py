"""SOQL date literals (``TODAY``, ``LAST_N_DAYS:30``, ``THIS_WEEK`` ...) as ranges of days.

https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
"Each date literal represents a range of time relative to the current day"; every range starts at 00:00:00 and
its exact start and end depend on the querying user's locale and time zone (the emulator: the user's
``TimeZoneSidKey``; weeks start on Sunday, as in the en_US locale; fiscal years are calendar years, an org's
default fiscal year setting). With a range ``[start, end)``: ``= L`` means inside, ``!= L`` outside,
``< L`` before start, ``<= L`` before end, ``> L`` from end on, ``>= L`` from start on.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

_UNITS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")

#: Literals without a parameter: name -> (unit, offset of the first period from the current one, periods).
FIXED = {
    "YESTERDAY": ("DAY", -1, 1),
    "TODAY": ("DAY", 0, 1),
    "TOMORROW": ("DAY", 1, 1),
    "LAST_90_DAYS": ("DAY", -90, 91),  # documented: includes the current day, 91 days in total
    "NEXT_90_DAYS": ("DAY", 1, 90),  # documented: starts the next day
}
for _unit in ("WEEK", "MONTH", "QUARTER", "YEAR"):
    FIXED[f"LAST_{_unit}"] = (_unit, -1, 1)
    FIXED[f"THIS_{_unit}"] = (_unit, 0, 1)
    FIXED[f"NEXT_{_unit}"] = (_unit, 1, 1)
for _unit in ("QUARTER", "YEAR"):
    # The org's fiscal year is the calendar year by default.
    FIXED[f"LAST_FISCAL_{_unit}"] = (_unit, -1, 1)
    FIXED[f"THIS_FISCAL_{_unit}"] = (_unit, 0, 1)
    FIXED[f"NEXT_FISCAL_{_unit}"] = (_unit, 1, 1)

#: Literals with ``:n``: name -> (unit, kind) where kind is "last", "next" or "ago".
PARAMETERISED: dict[str, tuple[str, str]] = {}
for _unit, _plural in (
    ("DAY", "DAYS"),
    ("WEEK", "WEEKS"),
    ("MONTH", "MONTHS"),
    ("QUARTER", "QUARTERS"),
    ("YEAR", "YEARS"),
):
    PARAMETERISED[f"LAST_N_{_plural}"] = (_unit, "last")
    PARAMETERISED[f"NEXT_N_{_plural}"] = (_unit, "next")
    PARAMETERISED[f"N_{_plural}_AGO"] = (_unit, "ago")
for _unit, _plural in (("QUARTER", "QUARTERS"), ("YEAR", "YEARS")):
    PARAMETERISED[f"LAST_N_FISCAL_{_plural}"] = (_unit, "last")
    PARAMETERISED[f"NEXT_N_FISCAL_{_plural}"] = (_unit, "next")
    PARAMETERISED[f"N_FISCAL_{_plural}_AGO"] = (_unit, "ago")


@dataclass(frozen=True)
class DateLiteral:
    """A parsed date literal: its name (upper case) and ``n`` for the parameterised ones."""

    name: str
    n: int | None = None

    def days(self, today: date) -> tuple[date, date]:
        """The literal's range of days ``[start, end)`` for a user whose current day is *today*."""
        if self.name in FIXED:
            unit, offset, count = FIXED[self.name]
            first = _start(unit, today)
            return _add(unit, first, offset), _add(unit, first, offset + count)
        unit, kind = PARAMETERISED[self.name]
        n = self.n or 0
        first = _start(unit, today)
        if kind == "next":
            return _add(unit, first, 1), _add(unit, first, 1 + n)
        if kind == "ago":
            return _add(unit, first, -n), _add(unit, first, -n + 1)
        if unit == "DAY":
            # Documented: LAST_N_DAYS includes the current day ("LAST_N_DAYS:1 includes yesterday and today").
            return _add(unit, first, -n), _add(unit, first, 1)
        return _add(unit, first, -n), first


def is_date_literal(name: str) -> bool:
    """True for the name of a date literal (any letter case)."""
    upper = name.upper()
    return upper in FIXED or upper in PARAMETERISED


def parse_date_literal(name: str, n: int | None) -> DateLiteral:
    """The literal *name* with parameter *n*; ``ValueError`` when the parameter is missing or unexpected."""
    upper = name.upper()
    if upper in FIXED:
        if n is not None:
            raise ValueError(f"date literal {upper} takes no parameter")
        return DateLiteral(upper)
    if n is None:
        raise ValueError(f"date literal {upper} needs a parameter, e.g. {upper}:7")
    return DateLiteral(upper, n)


def _start(unit: str, day: date) -> date:
    """The first day of the period of *unit* that contains *day*."""
    if unit == "DAY":
        return day
    if unit == "WEEK":
        return day - timedelta(days=(day.weekday() + 1) % 7)  # Sunday (en_US locale)
    if unit == "MONTH":
        return day.replace(day=1)
    if unit == "QUARTER":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _add(unit: str, first: date, periods: int) -> date:
    """*first* (a period start) moved by *periods* periods of *unit*."""
    if unit == "DAY":
        return first + timedelta(days=periods)
    if unit == "WEEK":
        return first + timedelta(weeks=periods)
    months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit] * periods
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(first.day, calendar.monthrange(year, month + 1)[1]))
