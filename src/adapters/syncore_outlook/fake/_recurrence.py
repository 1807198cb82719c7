"""RecurrencePattern, Exceptions and occurrence expansion (reference §8, §12.14)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from dateutil import rrule

from .. import constants as C
from ._errors import outlook_error
from ._records import PatternData, Record, occurrence_global_object_id

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._appointment import FakeAppointmentItem

_DAYS = [(C.olSunday, rrule.SU), (C.olMonday, rrule.MO), (C.olTuesday, rrule.TU), (C.olWednesday, rrule.WE),
         (C.olThursday, rrule.TH), (C.olFriday, rrule.FR), (C.olSaturday, rrule.SA)]
_MASK_OF_WEEKDAY = {0: C.olMonday, 1: C.olTuesday, 2: C.olWednesday, 3: C.olThursday, 4: C.olFriday,
                    5: C.olSaturday, 6: C.olSunday}


@dataclass(frozen=True)
class OccurrenceRef:
    """Identifies one occurrence item: its master and the original (pattern-generated) start."""

    master_entry_id: str
    original_date: date
    original_start: datetime
    is_exception: bool


def _series_start_wall(fake: FakeOutlook, rec: Record) -> datetime:
    return rec.props["start"].astimezone(fake.zone_for(rec.props["start_tz"])).replace(tzinfo=None)


def default_pattern(fake: FakeOutlook, rec: Record) -> PatternData:
    """What ``GetRecurrencePattern()`` gives a single appointment: weekly on its weekday, no end."""
    wall = _series_start_wall(fake, rec)
    return PatternData(RecurrenceType=C.olRecursWeekly, Interval=1,
                       DayOfWeekMask=_MASK_OF_WEEKDAY[wall.weekday()], PatternStartDate=wall.date(),
                       NoEndDate=True)


def _day_of_month(day: int) -> dict[str, Any]:
    """A DayOfMonth past a month's end is that month's last day: "The last day of every month can be represented
    by the value 31 in monthly recurrences … Outlook and CDO generate recurrences on February 28 for years other
    than leap years" (CDO RecurrencePattern.DayOfMonth, https://msdn2.microsoft.com/en-us/library/ms528295;
    MS-OXCICAL imports BYMONTHDAY=-1 as day 31). dateutil would skip those months, as RFC 5545 does."""
    if not day or day <= 28:
        return {"bymonthday": day or None}
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def _rule(p: PatternData, dtstart: datetime) -> rrule.rrule:
    days = [wd for bit, wd in _DAYS if p.DayOfWeekMask & bit]
    kwargs: dict[str, Any] = {"dtstart": dtstart, "wkst": rrule.SU}
    if not p.NoEndDate:
        if p.Occurrences:
            kwargs["count"] = p.Occurrences
        elif p.PatternEndDate:
            kwargs["until"] = datetime.combine(p.PatternEndDate, time(23, 59, 59))
    setpos = -1 if p.Instance >= 5 else p.Instance
    t = p.RecurrenceType
    if t == C.olRecursDaily:
        return rrule.rrule(rrule.DAILY, interval=max(p.Interval, 1), **kwargs)
    if t == C.olRecursWeekly:
        return rrule.rrule(rrule.WEEKLY, interval=max(p.Interval, 1), byweekday=days or None, **kwargs)
    if t == C.olRecursMonthly:
        return rrule.rrule(rrule.MONTHLY, interval=max(p.Interval, 1), **_day_of_month(p.DayOfMonth), **kwargs)
    if t == C.olRecursMonthNth:
        return rrule.rrule(rrule.MONTHLY, interval=max(p.Interval, 1), byweekday=days, bysetpos=setpos,
                           **kwargs)
    # Yearly kinds: Interval counts months (12 = every year), reference §8.
    if t == C.olRecursYearly:
        return rrule.rrule(rrule.MONTHLY, interval=max(p.Interval, 12), **_day_of_month(p.DayOfMonth), **kwargs)
    if t == C.olRecursYearNth:
        return rrule.rrule(rrule.MONTHLY, interval=max(p.Interval, 12), byweekday=days, bysetpos=setpos,
                           **kwargs)
    raise outlook_error(C.E_INVALIDARG, f"Unknown RecurrenceType {t}.")


def original_starts(fake: FakeOutlook, rec: Record) -> Iterator[tuple[date, datetime]]:
    """(original local date, aware UTC start) of every generated occurrence, in order; may be infinite."""
    p = rec.pattern
    assert p is not None
    zone = fake.zone_for(rec.props["start_tz"])
    wall = _series_start_wall(fake, rec)
    first_day = p.PatternStartDate or wall.date()
    for occ in _rule(p, datetime.combine(first_day, wall.time())):
        yield occ.date(), occ.replace(tzinfo=zone).astimezone(rec.props["start"].tzinfo)


def occurrence_record(master: Record, original_date: date, start: datetime) -> tuple[Record, bool]:
    """Record for one occurrence (exceptions applied) and whether it is an exception."""
    rec = master.clone()
    duration = master.props["end"] - master.props["start"]
    rec.pattern = None
    rec.props["start"], rec.props["end"] = start, start + duration
    rec.global_object_id = occurrence_global_object_id(master.global_object_id, original_date)
    exc = master.pattern.exceptions.get(original_date) if master.pattern else None
    if exc is not None:
        rec.props.update(exc.overrides)
    return rec, exc is not None


def expand(fake: FakeOutlook, master: Record) -> Iterator[tuple[Record, OccurrenceRef]]:
    """Occurrences of a stored master, skipping deleted exceptions; may be infinite."""
    for day, start in original_starts(fake, master):
        exc = master.pattern.exceptions.get(day)
        if exc is not None and exc.deleted:
            continue
        rec, is_exc = occurrence_record(master, day, start)
        yield rec, OccurrenceRef(master.entry_id, day, start, is_exc)


class FakeRecurrencePattern:
    """``RecurrencePattern`` bound to one item object; edits apply to that object's working copy.

    A pattern obtained earlier keeps showing the data of the item object it came from, like Outlook's
    stale references (reference §8).
    """

    _FIELDS = ("RecurrenceType", "Interval", "DayOfWeekMask", "DayOfMonth", "MonthOfYear", "Instance",
               "NoEndDate", "Occurrences")

    def __init__(self, item: FakeAppointmentItem):
        object.__setattr__(self, "_item", item)
        object.__setattr__(self, "_data", item._rec.pattern)

    @classmethod
    def has_property(cls, name: str) -> bool:
        return name in cls._FIELDS

    def __getattr__(self, name: str) -> Any:
        if name in self._FIELDS:
            return getattr(self._data, name)
        raise AttributeError(f"<unknown>.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FIELDS and name not in ("PatternStartDate", "PatternEndDate"):
            raise AttributeError(f"Property '<unknown>.{name}' can not be set.")
        if name in ("PatternStartDate", "PatternEndDate"):
            getattr(type(self), name).fset(self, value)
            return
        setattr(self._data, name, type(getattr(self._data, name))(value))
        if name == "RecurrenceType":
            self._defaults_for_type()
        elif name == "PatternEndDate" or (name == "Occurrences" and value):
            self._data.NoEndDate = False
        object.__setattr__(self._item, "_dirty", True)

    def _defaults_for_type(self) -> None:
        d = self._data
        wall = _series_start_wall(self._item._fake, self._item._rec)
        if d.RecurrenceType in (C.olRecursYearly, C.olRecursYearNth) and d.Interval < 12:
            d.Interval = 12
        if d.RecurrenceType in (C.olRecursMonthly, C.olRecursYearly) and not d.DayOfMonth:
            d.DayOfMonth = wall.day
        if d.RecurrenceType in (C.olRecursYearly, C.olRecursYearNth) and not d.MonthOfYear:
            d.MonthOfYear = wall.month
        if d.RecurrenceType in (C.olRecursWeekly,) and not d.DayOfWeekMask:
            d.DayOfWeekMask = _MASK_OF_WEEKDAY[wall.weekday()]

    @property
    def PatternStartDate(self) -> datetime:
        return self._item._fake.time.date_out(self._data.PatternStartDate)

    @PatternStartDate.setter
    def PatternStartDate(self, value: datetime) -> None:
        self._data.PatternStartDate = self._item._fake.time.date_in(value)
        object.__setattr__(self._item, "_dirty", True)

    @property
    def PatternEndDate(self) -> datetime:
        # unverified: Outlook's PatternEndDate for an endless series; the fake uses the 4501 "no date".
        end = None if self._data.NoEndDate else self._data.PatternEndDate
        if end is None and not self._data.NoEndDate and self._data.Occurrences:
            starts = original_starts(self._item._fake, self._item._rec)
            end = [day for day, _ in starts][-1]
        return self._item._fake.time.date_out(end)

    @PatternEndDate.setter
    def PatternEndDate(self, value: datetime) -> None:
        self._data.PatternEndDate = self._item._fake.time.date_in(value)
        self._data.NoEndDate = self._data.PatternEndDate is None
        self._data.Occurrences = 0
        object.__setattr__(self._item, "_dirty", True)

    @property
    def StartTime(self) -> datetime:
        local = self._item._rec.props["start"].astimezone(self._item._fake.time.local)
        return self._item._fake.time.label(datetime.combine(date(1899, 12, 30), local.time()))

    @property
    def EndTime(self) -> datetime:
        local = self._item._rec.props["end"].astimezone(self._item._fake.time.local)
        return self._item._fake.time.label(datetime.combine(date(1899, 12, 30), local.time()))

    @property
    def Duration(self) -> int:
        rec = self._item._rec
        return int((rec.props["end"] - rec.props["start"]).total_seconds() // 60)

    @property
    def Exceptions(self) -> FakeExceptions:
        return FakeExceptions(self._item)

    def GetOccurrence(self, StartDate: datetime) -> Any:
        """Occurrence starting at local ``StartDate``; needs the saved master; raises if none starts then."""
        fake = self._item._fake
        stored = fake._stored(self._item._rec.entry_id)
        if stored is None or stored.pattern is None:
            raise outlook_error(C.E_FAIL, "The master must be saved before occurrences can be retrieved.")
        target = fake.time.local_wall_to_instant(fake.time.to_wall(StartDate))
        for rec, ref in expand(fake, stored):
            if rec.props["start"] == target or ref.original_start == target:
                return fake._open_occurrence(rec, ref)
            if ref.original_start > target and rec.props["start"] > target:
                break
        raise outlook_error(C.MAPI_E_NOT_FOUND, "Outlook cannot find the requested occurrence.")


class FakeException:
    """``Outlook.Exception``: read-only ``Deleted``, ``OriginalDate`` and ``AppointmentItem``."""

    def __init__(self, item: FakeAppointmentItem, day: date):
        self._item = item
        self._day = day
        self._data = item._rec.pattern.exceptions[day]

    @property
    def Deleted(self) -> bool:
        return self._data.deleted

    @property
    def OriginalDate(self) -> datetime:
        return self._item._fake.time.local_out(self._data.original_start)

    @property
    def AppointmentItem(self) -> Any:
        if self._data.deleted:
            raise outlook_error(C.MAPI_E_NOT_FOUND, "The occurrence was deleted.")
        rec, _ = occurrence_record(self._item._rec, self._day, self._data.original_start)
        ref = OccurrenceRef(self._item._rec.entry_id, self._day, self._data.original_start, True)
        return self._item._fake._open_occurrence(rec, ref)


class FakeExceptions:
    """``RecurrencePattern.Exceptions`` ordered by original date."""

    def __init__(self, item: FakeAppointmentItem):
        self._list = [FakeException(item, d) for d in sorted(item._rec.pattern.exceptions)]

    @property
    def Count(self) -> int:
        return len(self._list)

    def Item(self, Index: int) -> FakeException:
        return self._list[Index - 1]

    def __iter__(self) -> Iterator[FakeException]:
        return iter(self._list)


class FakeTaskRecurrencePattern(FakeRecurrencePattern):
    """A task's ``RecurrencePattern`` (``TaskItem.GetRecurrencePattern``: "If there is no existing recurrence
    pattern, a new empty RecurrencePattern object is returned",
    https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2007/bb647080(v=office.12)), with
    ``Regenerate`` ("True if the task should be regenerated following this pass through the recurrence pattern",
    https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2003/aa171890(v=office.11)).
    A task's pattern runs on dates from ``PatternStartDate``: it has no start time, duration, exceptions or
    occurrence items (unverified: what Outlook answers for those on a task; the fake has none)."""

    _FIELDS = (*FakeRecurrencePattern._FIELDS, "Regenerate")

    def _defaults_for_type(self) -> None:
        d = self._data
        anchor = d.PatternStartDate or task_anchor(self._item._fake, self._item._rec)
        if d.RecurrenceType in (C.olRecursYearly, C.olRecursYearNth) and d.Interval < 12:
            d.Interval = 12
        if d.RecurrenceType in (C.olRecursMonthly, C.olRecursYearly) and not d.DayOfMonth:
            d.DayOfMonth = anchor.day
        if d.RecurrenceType in (C.olRecursYearly, C.olRecursYearNth) and not d.MonthOfYear:
            d.MonthOfYear = anchor.month
        if d.RecurrenceType == C.olRecursWeekly and not d.DayOfWeekMask:
            d.DayOfWeekMask = _MASK_OF_WEEKDAY[anchor.weekday()]

    @property
    def PatternEndDate(self) -> datetime:
        end = None if self._data.NoEndDate else self._data.PatternEndDate
        if end is None and not self._data.NoEndDate and self._data.Occurrences:
            rule = _rule(self._data, datetime.combine(self._data.PatternStartDate or date.today(), time()))
            end = list(rule)[-1].date()
        return self._item._fake.time.date_out(end)

    @PatternEndDate.setter
    def PatternEndDate(self, value: datetime) -> None:
        FakeRecurrencePattern.PatternEndDate.fset(self, value)  # type: ignore[attr-defined]


def task_anchor(fake: FakeOutlook, rec: Record) -> date:
    """The day a new task pattern starts on: the task's due date, else its start date, else today (unverified)."""
    for name in ("DueDate", "StartDate"):
        value = rec.props.get(name)
        if isinstance(value, date):
            return value
    return fake.clock.now().astimezone(fake.time.local).date()


def default_task_pattern(fake: FakeOutlook, rec: Record) -> PatternData:
    """What ``GetRecurrencePattern()`` gives a single task: weekly on its due date's weekday, no end (unverified:
    the page says "a new empty RecurrencePattern"; Outlook's task form shows this default)."""
    anchor = task_anchor(fake, rec)
    return PatternData(RecurrenceType=C.olRecursWeekly, Interval=1, DayOfWeekMask=_MASK_OF_WEEKDAY[anchor.weekday()],
                       PatternStartDate=anchor, NoEndDate=True)
