"""RFC 5545 recurrence rules: the parts syncore accepts, their normal form, and evaluation with python-dateutil.

syncore syncs calendar rules, the part of RFC 5545 §3.3.10 that Exchange, Outlook, Salesforce and Graph can all
express: ``FREQ`` (``DAILY``, ``WEEKLY``, ``MONTHLY``, ``YEARLY``), ``INTERVAL``, ``BYMONTH``, ``BYMONTHDAY``,
``BYDAY`` (with ordinals for monthly and yearly rules), ``BYSETPOS``, ``WKST``, and at most one of ``COUNT`` and
``UNTIL``. ``UNTIL`` is a date (``20261231``) or a UTC time (``20261231T170000Z``); a floating local time is
refused because it does not say which instant ends the series.

The normal form (:meth:`RuleParts.text`) makes rules that differ only in spelling compare equal as text: parts in
one order, upper case, no ``RRULE:`` prefix, defaults left out (``INTERVAL=1``, ``WKST`` where it cannot change
an occurrence), lists sorted and without repeats. Rules that differ in more than spelling but still give the same
occurrences are told apart by expanding both (:func:`syncore.recurrence.same_series`).

Rules are evaluated on naive *wall* times: the series' zone is applied by the caller
(:mod:`syncore.recurrence`), so 09:00 stays 09:00 across a DST change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import attrs
from dateutil import rrule as du

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: the parts accepted, in the order the normal form writes them
PARTS = ("FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST", "COUNT", "UNTIL")

_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_DATE = re.compile(r"^\d{8}$")
_UNTIL_UTC = re.compile(r"^\d{8}T\d{6}Z$")
_UTC = UTC
_FREQ = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}


def _integers(name: str, value: str, low: int, high: int, *, signed: bool = False) -> tuple[int, ...]:
    numbers = set()
    for item in value.split(","):
        try:
            number = int(item)
        except ValueError:
            raise ValueError(f"{name}={value}: {item!r} is not a whole number") from None
        if not (low <= abs(number) <= high) or (number < 0 and not signed):
            allowed = f"{low}..{high}" + (f" or -{high}..-{low}" if signed else "")
            raise ValueError(f"{name}={value}: {number} is outside {allowed}")
        numbers.add(number)
    return tuple(sorted(numbers))


def _positive(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value}: expected a whole number >= 1")
    return int(value)


def _by_day(value: str, freq: str) -> tuple[str, ...]:
    days = set()
    for item in value.split(","):
        found = _BYDAY.match(item)
        if not found:
            raise ValueError(f"BYDAY={value}: {item!r} is not a weekday such as MO, 2TU or -1FR")
        sign, number, day = found.groups()
        if number is not None:
            ordinal = int(number)
            limit = 5 if freq == "MONTHLY" else 53
            if freq not in ("MONTHLY", "YEARLY"):
                # RFC 5545 §3.3.10: numbered weekdays only in a MONTHLY or YEARLY rule
                raise ValueError(f"BYDAY={value}: a numbered weekday ({item}) needs FREQ=MONTHLY or YEARLY")
            if not 1 <= ordinal <= limit:
                raise ValueError(f"BYDAY={value}: {item} is outside 1..{limit} (or -{limit}..-1)")
            days.add((WEEKDAYS.index(day), -ordinal if sign == "-" else ordinal))
        else:
            days.add((WEEKDAYS.index(day), 0))
    return tuple(f"{ordinal or ''}{WEEKDAYS[day]}" for day, ordinal in sorted(days))


def _until(value: str) -> date | datetime:
    if _UNTIL_DATE.match(value):
        return datetime.strptime(value, "%Y%m%d").date()
    if _UNTIL_UTC.match(value):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=_UTC)
    raise ValueError(f"UNTIL={value}: expected a date (20261231) or a UTC time (20261231T170000Z)")


def _split(text: str) -> dict[str, str]:
    if not isinstance(text, str):
        raise TypeError(f"expected an RRULE text, got {type(text).__name__}")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not value:
            raise ValueError(f"{item.strip()!r} is not NAME=VALUE")
        if name not in PARTS:
            raise ValueError(f"{name} is not supported; a rule may use {', '.join(PARTS)}")
        if name in parts:
            raise ValueError(f"{name} is given twice")
        parts[name] = value
    return parts


@attrs.frozen(kw_only=True)
class RuleParts:
    """One rule, part by part (the values an adapter maps to its backend's pattern).

    :ivar by_day: weekdays, each with an optional ordinal: ``"MO"``, ``"2TU"``, ``"-1FR"``
    :ivar until: the last day (a date) or the last instant (an aware UTC datetime) an occurrence may start
    """

    freq: str
    interval: int = 1
    by_month: tuple[int, ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_day: tuple[str, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    wkst: str = "MO"
    count: int | None = None
    until: date | datetime | None = None

    @classmethod
    def parse(cls, text: str) -> RuleParts:
        """Read an RRULE (with or without the ``RRULE:`` prefix).

        :raises ValueError: naming the part that is wrong and what is allowed
        """
        parts = _split(text)
        freq = parts.get("FREQ")
        if freq is None:
            raise ValueError("FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)")
        if freq not in FREQUENCIES:
            raise ValueError(f"FREQ={freq} is not supported; syncore syncs calendar rules: {', '.join(FREQUENCIES)}")
        if "COUNT" in parts and "UNTIL" in parts:
            raise ValueError("COUNT and UNTIL cannot both be given (RFC 5545 §3.3.10)")
        wkst = parts.get("WKST", "MO")
        if wkst not in WEEKDAYS:
            raise ValueError(f"WKST={wkst}: expected one of {', '.join(WEEKDAYS)}")
        by_month_day = _integers("BYMONTHDAY", parts["BYMONTHDAY"], 1, 31, signed=True) if "BYMONTHDAY" in parts else ()
        if by_month_day and freq == "WEEKLY":
            raise ValueError("BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545 §3.3.10)")
        rule = cls(
            freq=freq,
            interval=_positive("INTERVAL", parts["INTERVAL"]) if "INTERVAL" in parts else 1,
            by_month=_integers("BYMONTH", parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else (),
            by_month_day=by_month_day,
            by_day=_by_day(parts["BYDAY"], freq) if "BYDAY" in parts else (),
            by_set_pos=_integers("BYSETPOS", parts["BYSETPOS"], 1, 366, signed=True) if "BYSETPOS" in parts else (),
            wkst=wkst,
            count=_positive("COUNT", parts["COUNT"]) if "COUNT" in parts else None,
            until=_until(parts["UNTIL"]) if "UNTIL" in parts else None,
        )
        if rule.by_set_pos and not (rule.by_month or rule.by_month_day or rule.by_day):
            raise ValueError("BYSETPOS needs another BYxxx part to select from (RFC 5545 §3.3.10)")
        return rule

    @property
    def ends(self) -> bool:
        """True when the rule has an end (COUNT or UNTIL)."""
        return self.count is not None or self.until is not None

    def text(self) -> str:
        """The normal form (see the module docstring)."""
        items = [f"FREQ={self.freq}"]
        if self.interval != 1:
            items.append(f"INTERVAL={self.interval}")
        for name, values in (("BYMONTH", self.by_month), ("BYMONTHDAY", self.by_month_day), ("BYDAY", self.by_day),
                             ("BYSETPOS", self.by_set_pos)):
            if values:
                items.append(f"{name}={','.join(str(v) for v in values)}")
        # WKST only changes which weeks a WEEKLY rule with an INTERVAL picks when it has several days
        if self.wkst != "MO" and self.freq == "WEEKLY" and self.interval > 1 and len(self.by_day) > 1:
            items.append(f"WKST={self.wkst}")
        if self.count is not None:
            items.append(f"COUNT={self.count}")
        if isinstance(self.until, datetime):
            items.append(f"UNTIL={self.until.astimezone(_UTC).strftime('%Y%m%dT%H%M%SZ')}")
        elif self.until is not None:
            items.append(f"UNTIL={self.until.strftime('%Y%m%d')}")
        return ";".join(items)

    def explicit(self, wall_start: datetime) -> RuleParts:
        """This rule with the parts it takes from its start written out (what dateutil and RFC 5545 fill in):
        the weekday of a WEEKLY rule, the day of a MONTHLY one, the day and month of a YEARLY one."""
        if self.by_month_day or self.by_day:
            return self
        if self.freq == "WEEKLY":
            return attrs.evolve(self, by_day=(WEEKDAYS[wall_start.weekday()],))
        if self.freq == "MONTHLY":
            return attrs.evolve(self, by_month_day=(wall_start.day,))
        if self.freq == "YEARLY":
            return attrs.evolve(self, by_month=self.by_month or (wall_start.month,), by_month_day=(wall_start.day,))
        return self


def normalize_rule(text: str) -> str:
    """The normal form of an RRULE text.

    :raises ValueError: for a rule syncore does not accept, naming the part
    """
    return RuleParts.parse(text).text()


def _weekday(code: str) -> du.weekday:
    found = _BYDAY.match(code)
    assert found is not None  # parsed already
    sign, number, day = found.groups()
    ordinal = None if number is None else (-int(number) if sign == "-" else int(number))
    return du.weekday(WEEKDAYS.index(day), ordinal)


@functools.lru_cache(maxsize=1024)
def wall_rule(text: str, wall_start: datetime) -> du.rrule:
    """The dateutil rule of ``text`` starting at the naive wall time ``wall_start``, without its ``UNTIL``
    (the caller compares UNTIL with each occurrence: in UTC for a timed series, as a date for an all-day one)."""
    parts = RuleParts.parse(text)
    return du.rrule(
        _FREQ[parts.freq],
        dtstart=wall_start, interval=parts.interval, wkst=WEEKDAYS.index(parts.wkst), count=parts.count,
        bymonth=parts.by_month or None, bymonthday=parts.by_month_day or None,
        byweekday=[_weekday(code) for code in parts.by_day] or None, bysetpos=parts.by_set_pos or None,
        cache=True,
    )



def walls(text: str, wall_start: datetime, after: datetime | None = None) -> Iterator[datetime]:
    """The naive wall times of the rule's occurrences from ``after`` (inclusive; default: the start) on, in
    order, ignoring ``UNTIL`` (endless for a rule without COUNT)."""
    rule = wall_rule(text, wall_start)
    if after is None or after <= wall_start:
        return iter(rule)
    return rule.xafter(after, inc=True)
