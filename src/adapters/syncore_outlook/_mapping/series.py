"""A recurring Outlook master as a syncore series (outlook_com.md §8).

* the rule is the master's ``RecurrencePattern`` (:mod:`.recurrence`), and it runs in the master's
  ``StartTimeZone`` (a Windows id, mapped to IANA with the CLDR table);
* ``Exceptions``: a deleted one is an EXDATE, the others are overrides with the occurrence's own values, both keyed
  by the original start the rule gives on the local date of ``OriginalDate``. ``OriginalDate`` is in Outlook's
  local zone (like every local-time property), which may differ from the series' zone: it is read as an instant
  first and its date taken in the series' zone.

Pure over the object model: the caller opens the master from a fresh reference (old references keep an
out-of-date copy of the pattern and its exceptions, §8). Not wired into the Outlook adapter yet.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from syncore.models import Event
from syncore.recurrence import Override, Recurrence
from syncore.rrules import walls
from syncore.series import Series
from syncore.timezones import FoldPolicy, GapPolicy, local_to_utc, windows_to_iana

from .._time import OutlookClock
from .calendar import read, write
from .recurrence import rule_from_com


def series_from_appointment(item: Any, clock: OutlookClock) -> Event:
    """The series a recurring master holds.

    :raises ValueError: for a series syncore cannot read (a pattern no rule gives, no occurrence, an exception the
        rule does not give), naming why (:class:`~syncore.patterns.Unfit` is a ValueError)
    """
    single = read(item, clock)
    zone = windows_to_iana(item.StartTimeZone.ID)
    tz = ZoneInfo(zone)
    pattern = item.GetRecurrencePattern()
    rule, rng = rule_from_com(pattern)
    # .time() of an aware datetime is naive: the wall clock in the series' zone
    local_time = time() if single.all_day else single.start.astimezone(tz).time()  # type: ignore[union-attr]
    wall = next(walls(rule, datetime.combine(rng.start, local_time)), None)
    if wall is None:
        raise ValueError(f"the recurrence {rule} gives no occurrence")
    duration = single.end - single.start  # type: ignore[operator]
    # RFC 5545 §3.3.5, as syncore.series reads a rule: a skipped time moves forward, a repeated one is the first
    start: Any = wall.date() if single.all_day else local_to_utc(wall, zone, on_gap=GapPolicy.SHIFT_FORWARD,
                                                                   on_fold=FoldPolicy.EARLIER)
    series = single.replace(start=start, end=start + duration, recurrence=Recurrence(rule=rule, zone=zone))
    expanded = Series(series)  # type: ignore[arg-type]
    exdates, overrides = [], []
    for exception in pattern.Exceptions:
        original = clock.read_local(exception.OriginalDate)
        day = original.astimezone(tz).date()  # type: ignore[union-attr]
        key = expanded.occurrence_on(day)
        if key is None:
            raise ValueError(f"an exception on {day.isoformat()} that {rule} in {zone} does not give")
        if exception.Deleted:
            exdates.append(key)
            continue
        own = read(exception.AppointmentItem, clock)
        overrides.append(Override(original_start=key, start=own.start, end=own.end, subject=own.subject,
                                  location=own.location, body=own.body, show_as=own.show_as))
    return series.replace(recurrence=Recurrence(rule=rule, zone=zone, exdates=exdates,  # type: ignore[return-value]
                                                overrides=overrides))


def write_occurrences(reopen: Any, wanted: Event, current: Event | None, clock: OutlookClock) -> None:
    """Make the saved master's occurrences what ``wanted`` says (``current``: the series as read, None for a master
    just written without exceptions): cancelled ones deleted, modified ones written, each found with
    ``GetOccurrence`` at its original *local* start (Outlook's zone). ``reopen()`` gives a fresh reference to the
    master: each occurrence is looked up through a new one, as old references keep an out-of-date copy (§8).

    :raises ValueError: when an occurrence to change is not there (Outlook's "cannot find the requested occurrence"
        arrives as the COM error itself)
    """
    want = wanted.recurrence
    assert want is not None
    have = current.recurrence if current is not None and current.recurrence is not None else None
    before = Series(current if have is not None else wanted.replace(  # type: ignore[arg-type]
        recurrence=Recurrence(rule=want.rule, zone=want.zone)))
    after = Series(wanted)

    def occurrence(key: Any) -> Any:
        local = clock.write_date(key) if wanted.all_day else clock.write_local(key)
        return reopen().GetRecurrencePattern().GetOccurrence(local)

    for key in sorted(set(want.exdates) - set(have.exdates if have is not None else ())):  # type: ignore[type-var]
        occurrence(key).Delete()
    keys = {o.original_start for o in want.overrides} | {o.original_start for o in (have.overrides if have else ())}
    for key in sorted(keys - set(want.exdates)):  # type: ignore[type-var]
        target, now = after.occurrence(key), before.occurrence(key)
        fields = frozenset(name for name in ("start", "end", "subject", "location", "body", "show_as")
                           if getattr(target, name) != getattr(now, name))
        if fields:
            item = occurrence(key)
            write(item, target, fields, clock)
            item.Save()
