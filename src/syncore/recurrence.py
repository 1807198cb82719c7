"""Recurring series: the :class:`Recurrence` of an event, the :class:`TaskRecurrence` of a task, and expansion.

An event with a recurrence is a *series*. Its ``start``/``end`` are the first occurrence (the rule's first one,
whether or not it was cancelled since); its ``recurrence`` holds

* the rule, an RFC 5545 RRULE in syncore's normal form (:mod:`syncore.rrules`);
* the series' IANA zone: the rule runs on wall times there, so a 09:00 meeting stays at 09:00 across DST;
* cancelled occurrences (``exdates``) and modified ones (``overrides``), both keyed by the occurrence's
  *original start*: an aware UTC datetime for a timed series, a date for an all-day series (dates are never
  shifted by any zone).

Wall times that a DST change skips or repeats are resolved as RFC 5545 §3.3.5 says: a skipped time is read with
the offset from before the gap (02:30 on a spring-forward night becomes 03:30; Lord Howe's 02:15 becomes 02:45),
a repeated time is its first occurrence (the earlier instant). A zone whose clocks jump at midnight has no 00:00
that day: a series at 00:00 happens at 01:00 then. Every occurrence lasts as long as the first (elapsed time).

A rule gives at most one occurrence per local day (no BYHOUR), so an adapter can find the key of an occurrence
from its local date alone (:meth:`Series.occurrence_on`), whatever its backend did with a DST gap.
"""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

import attrs

from ._values import ShowAs, _body, _collecting, _day_or_instant, _enum, _Invalid, _text
from .bodies import Body
from .errors import InvalidRecordError
from .rrules import RuleParts, normalize_rule, walls
from .timezones import zone

#: the fields an override may change; the others always follow the series
OVERRIDABLE = ("start", "end", "subject", "location", "body", "show_as")
#: rules without an end are compared over this many occurrences (:func:`same_series`)
COMPARED_OCCURRENCES = 1000

Key = date | datetime


def _optional(convert: Any) -> Any:
    return lambda value: None if value is None else convert(value)


def _check(value: Any, type_name: str, extra: Iterable[tuple[str, str]] = ()) -> None:
    problems = [(field.name, getattr(value, field.name).reason) for field in attrs.fields(type(value))
                if isinstance(getattr(value, field.name), _Invalid)]
    problems.extend(extra)
    if problems:
        raise InvalidRecordError(type_name, problems)


def _zone_name(value: Any) -> str:
    name = _text(value)
    zone(name)  # raises, naming the zone, when it is not an IANA zone
    return name


def _keys(value: Any) -> tuple[Key, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, date)):
        raise TypeError("expected a list of original starts (dates or aware datetimes)")
    keys = {_day_or_instant(item) for item in value}
    if len({isinstance(key, datetime) for key in keys}) > 1:
        raise ValueError("mixes dates and datetimes; a series is all-day (dates) or timed (datetimes)")
    return tuple(sorted(keys))  # type: ignore[type-var]


def _overrides(value: Any) -> tuple[Override, ...]:
    if value is None:
        return ()
    items = list(value)
    for item in items:
        if not isinstance(item, Override):
            raise TypeError(f"expected Override values, got {type(item).__name__}")
    keys = [item.original_start for item in items]
    if len({isinstance(key, datetime) for key in keys}) > 1:
        raise ValueError("mixes dates and datetimes; a series is all-day (dates) or timed (datetimes)")
    repeated = sorted({key for key in keys if keys.count(key) > 1})  # type: ignore[type-var]
    if repeated:
        raise ValueError(f"two overrides for the occurrence of {repeated[0].isoformat()}")
    return tuple(sorted(items, key=lambda item: item.original_start))  # type: ignore[arg-type, return-value]


@attrs.frozen(kw_only=True)
class Override:
    """One modified occurrence of a series: only what differs from the series (None: as the series).

    Building the series' event drops values equal to the series' own, so an override never repeats them.
    """

    #: the start the occurrence has by the rule (the key)
    original_start: Key = attrs.field(converter=_collecting(_day_or_instant))
    start: Key | None = attrs.field(default=None, converter=_collecting(_optional(_day_or_instant)))
    end: Key | None = attrs.field(default=None, converter=_collecting(_optional(_day_or_instant)))
    subject: str | None = attrs.field(default=None, converter=_collecting(_optional(_text)))
    location: str | None = attrs.field(default=None, converter=_collecting(_optional(_text)))
    body: Body | None = attrs.field(default=None, converter=_collecting(_optional(_body)))
    show_as: ShowAs | None = attrs.field(default=None, converter=_collecting(_optional(_enum(ShowAs))))

    def __attrs_post_init__(self) -> None:
        times = [v for v in (self.original_start, self.start, self.end) if v is not None and not isinstance(v, _Invalid)]
        mixed = len({isinstance(v, datetime) for v in times}) > 1
        _check(self, "Override", [("start", "an override's times are all dates (all-day) or all datetimes")] if mixed
               else [])

    def changes(self) -> dict[str, Any]:
        """The overridden fields and their values."""
        return {name: getattr(self, name) for name in OVERRIDABLE if getattr(self, name) is not None}


@attrs.frozen(kw_only=True)
class Recurrence:
    """How an event repeats (see the module docstring). Values are checked and normalized when built; that the
    event's start and the keys fit the rule is checked when the event is built."""

    #: an RFC 5545 RRULE, kept in normal form (:func:`syncore.rrules.normalize_rule`)
    rule: str = attrs.field(converter=_collecting(normalize_rule))
    #: the IANA zone whose wall time the rule runs in
    zone: str = attrs.field(converter=_collecting(_zone_name))
    #: original starts of cancelled occurrences (EXDATE), sorted
    exdates: tuple[Key, ...] = attrs.field(default=(), converter=_collecting(_keys))
    #: modified occurrences, sorted by original start
    overrides: tuple[Override, ...] = attrs.field(default=(), converter=_collecting(_overrides))

    def __attrs_post_init__(self) -> None:
        kinds = {isinstance(key, datetime) for key in self.keys()}
        _check(self, "Recurrence", [("overrides", "exdates and overrides mix dates and datetimes")] if len(kinds) > 1
               else [])

    @property
    def parts(self) -> RuleParts:
        """The rule, part by part."""
        return _parts(self.rule)

    def keys(self) -> list[Key]:
        """Every original start the recurrence names (cancelled or modified)."""
        exdates = () if isinstance(self.exdates, _Invalid) else self.exdates
        overrides = () if isinstance(self.overrides, _Invalid) else self.overrides
        return [*exdates, *(item.original_start for item in overrides)]

    def override_for(self, key: Key) -> Override | None:
        """The override of the occurrence whose original start is ``key``, if any."""
        return _override_index(self.overrides).get(key)

    def __str__(self) -> str:
        extra = [f"{len(self.exdates)} cancelled"] if self.exdates else []
        extra += [f"{len(self.overrides)} changed"] if self.overrides else []
        return f"{self.rule} ({self.zone}{', ' if extra else ''}{', '.join(extra)})"


@functools.lru_cache(maxsize=1024)
def _parts(rule: str) -> RuleParts:
    return RuleParts.parse(rule)


@functools.lru_cache(maxsize=256)
def _override_index(overrides: tuple[Override, ...]) -> dict[Key, Override]:
    return {item.original_start: item for item in overrides}


class Regeneration(str, enum.Enum):
    """When the next task of a series falls due."""

    #: on a fixed schedule (the rule)
    NONE = "none"
    #: the rule's interval after the previous task is completed (Outlook ``Regenerate``, EWS ``*Regeneration``,
    #: Salesforce ``RecurrenceRegenerateAfterToday``)
    AFTER_COMPLETION = "after_completion"
    #: the rule's interval after the previous task's due date, created once it is closed (Salesforce
    #: ``RecurrenceRegenerateAfterDueDate``)
    AFTER_DUE = "after_due"


def _date_only(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date (no time of day), got {value!r}")
    return value


@attrs.frozen(kw_only=True)
class TaskRecurrence:
    """How a task repeats. A regenerating series counts its interval from the previous task (``FREQ`` and
    ``INTERVAL`` only); a fixed one follows the rule from ``start``. Task dates are days: ``UNTIL`` is a date."""

    rule: str = attrs.field(converter=_collecting(normalize_rule))
    #: the first due date of the series
    start: date = attrs.field(converter=_collecting(_date_only))
    regenerate: Regeneration = attrs.field(default=Regeneration.NONE,
                                           converter=_collecting(_enum(Regeneration)))

    def __attrs_post_init__(self) -> None:
        problems = []
        if not isinstance(self.rule, _Invalid):
            parts = _parts(self.rule)
            if isinstance(parts.until, datetime):
                problems.append(("rule", "a task series ends on a date: UNTIL=YYYYMMDD"))
            if self.regenerate is not Regeneration.NONE and (parts.by_day or parts.by_month or parts.by_month_day
                                                              or parts.by_set_pos):
                problems.append(("rule", "a regenerating series is FREQ and INTERVAL only (it counts from the "
                                         "previous task, not from a calendar pattern)"))
            elif self.regenerate is Regeneration.NONE and not isinstance(self.start, _Invalid):
                explicit = parts.explicit(datetime.combine(self.start, time())).text()
                object.__setattr__(self, "rule", explicit)
                first = next(walls(explicit, datetime.combine(self.start, time())), None)
                if first is None or first.date() != self.start:
                    problems.append(("start", f"{self.start.isoformat()} is not an occurrence of {explicit}"))
        _check(self, "TaskRecurrence", problems)

    @property
    def parts(self) -> RuleParts:
        """The rule, part by part."""
        return _parts(self.rule)

    def due_dates(self, since: date | None = None) -> Iterator[date]:
        """The due dates of a fixed series from ``since`` on (a regenerating series has no fixed dates)."""
        if self.regenerate is not Regeneration.NONE:
            return iter(())
        until = self.parts.until
        dates = (wall.date() for wall in walls(self.rule, datetime.combine(self.start, time()),
                                                None if since is None else datetime.combine(since, time())))
        return itertools.takewhile(lambda day: until is None or day <= until, dates)  # type: ignore[operator]
