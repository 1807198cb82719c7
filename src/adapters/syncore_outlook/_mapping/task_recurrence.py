"""A recurring TaskItem's ``RecurrencePattern`` ⇄ :class:`~syncore.recurrence.TaskRecurrence` (pure: the pattern is
read and set by its property names).

* A fixed schedule is one of the six patterns (:mod:`.recurrence`, shared with appointments: the yearly
  ``Interval`` is in months) on dates from ``PatternStartDate``;
* ``regenerate = after_completion`` is ``Regenerate = True`` ("True if the task should be regenerated following this
  pass through the recurrence pattern", https://learn.microsoft.com/en-us/previous-versions/office/developer/
  office-2003/aa171890(v=office.11); the page's example: ``olRecursMonthly``, ``Regenerate``, ``Interval = 3`` for
  "every three months after completion"): ``RecurrenceType`` gives the unit, ``Interval`` the count;
* Outlook has no "after the due date" regeneration: such a task is refused for that task alone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from syncore.models import Event
from syncore.patterns import PatternKind, Range, Unfit, rule_for
from syncore.recurrence import Recurrence, Regeneration, TaskRecurrence
from syncore.rrules import RuleParts, walls

from .. import constants as C
from .recurrence import _KIND, com_values, pattern_from_com, range_from_com

_FREQ_TYPE = {"DAILY": C.olRecursDaily, "WEEKLY": C.olRecursWeekly, "MONTHLY": C.olRecursMonthly,
              "YEARLY": C.olRecursYearly}
_KIND_FREQ = {PatternKind.DAILY: "DAILY", PatternKind.WEEKLY: "WEEKLY", PatternKind.ABSOLUTE_MONTHLY: "MONTHLY",
              PatternKind.RELATIVE_MONTHLY: "MONTHLY", PatternKind.ABSOLUTE_YEARLY: "YEARLY",
              PatternKind.RELATIVE_YEARLY: "YEARLY"}
AFTER_DUE = "Outlook regenerates a task only after the previous one is completed, not after its due date"


def read(pattern: Any) -> TaskRecurrence:
    """The task recurrence an Outlook ``RecurrencePattern`` holds.

    :raises Unfit: a pattern syncore cannot read (an unknown type, a yearly interval of no whole years)
    """
    rng = range_from_com(pattern)
    if pattern.Regenerate:
        kind = _KIND.get(int(pattern.RecurrenceType))
        if kind is None:
            raise Unfit(f"an Outlook RecurrenceType syncore does not know ({pattern.RecurrenceType})")
        interval = int(pattern.Interval or 1)
        if kind.yearly:
            if interval % 12:
                raise Unfit(f"a task regenerating every {interval} months counted as years")
            interval //= 12
        parts = RuleParts(freq=_KIND_FREQ[kind], interval=interval, count=rng.count, until=rng.end)
        return TaskRecurrence(rule=parts.text(), start=rng.start, regenerate=Regeneration.AFTER_COMPLETION)
    rule = rule_for(pattern_from_com(pattern), until=rng.end, count=rng.count)
    first = next(walls(rule, datetime.combine(rng.start, time())), None)
    return TaskRecurrence(rule=rule, start=first.date() if first is not None else rng.start)


def values(recurrence: TaskRecurrence) -> dict[str, Any]:
    """The ``RecurrencePattern`` properties that give ``recurrence``, in the order to set them (the type first: it
    resets the others to defaults).

    :raises Unfit: naming why Outlook cannot hold it
    """
    if recurrence.regenerate is Regeneration.AFTER_DUE:
        raise Unfit(AFTER_DUE)
    parts = recurrence.parts
    if recurrence.regenerate is Regeneration.AFTER_COMPLETION:
        out: dict[str, Any] = {"RecurrenceType": _FREQ_TYPE[parts.freq],
                               "Interval": parts.interval * 12 if parts.freq == "YEARLY" else parts.interval,
                               "PatternStartDate": recurrence.start}
        out.update(_range(Range(start=recurrence.start, end=parts.until, count=parts.count)))  # type: ignore[arg-type]
    else:
        # a fixed schedule: the pattern of an all-day series on the task's first due date
        pseudo = Event(subject="", start=recurrence.start, end=date.fromordinal(recurrence.start.toordinal() + 1),
                       recurrence=Recurrence(rule=recurrence.rule, zone="UTC"))
        out = com_values(pseudo)
    out["Regenerate"] = recurrence.regenerate is Regeneration.AFTER_COMPLETION
    return out


def _range(rng: Range) -> dict[str, Any]:
    if rng.count is not None:
        return {"Occurrences": rng.count}
    if rng.end is not None:
        return {"PatternEndDate": rng.end}
    return {"NoEndDate": True}


def unfit(recurrence: TaskRecurrence) -> str | None:
    """Why Outlook cannot hold this task recurrence (None: it can)."""
    try:
        values(recurrence)
    except Unfit as exc:
        return str(exc)
    return None


def apply(pattern: Any, recurrence: TaskRecurrence, clock: Any) -> None:
    """Set ``recurrence`` on a task's ``RecurrencePattern`` (dates through ``clock``, an OutlookClock)."""
    for name, value in values(recurrence).items():
        setattr(pattern, name, clock.write_date(value) if isinstance(value, date) else value)


def represent(recurrence: TaskRecurrence) -> TaskRecurrence:
    """The recurrence as Outlook reads it back (a fixed schedule: the rule its pattern gives)."""
    if recurrence.regenerate is not Regeneration.NONE or unfit(recurrence) is not None:
        return recurrence
    pseudo = Event(subject="", start=recurrence.start, end=date.fromordinal(recurrence.start.toordinal() + 1),
                   recurrence=Recurrence(rule=recurrence.rule, zone="UTC"))
    from syncore.patterns import pattern_for

    pattern, rng = pattern_for(pseudo)
    return TaskRecurrence(rule=rule_for(pattern, until=rng.end, count=rng.count), start=recurrence.start)
