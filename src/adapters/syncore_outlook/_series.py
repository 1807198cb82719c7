"""Recurring appointments in the Outlook adapter: what Outlook can hold of a series, how it gives one back, and
writing series and single occurrences (outlook_com.md §8).

A series is one master: its pattern (:mod:`._mapping.recurrence`) runs in the master's ``StartTimeZone``, set to the
series' zone before the times are written. Cancelled and modified occurrences are written after the master is saved,
each found with ``GetOccurrence`` at its original local start through a fresh reference to the master
(:func:`._mapping.series.write_occurrences`). A write naming one occurrence (``syncore.occurrences``) becomes the
series with that occurrence changed or cancelled.
"""

from __future__ import annotations

from typing import Any

from syncore.errors import ConfigurationError
from syncore.models import Event, Record
from syncore.occurrences import split_occurrence_id, with_occurrence, without_occurrence
from syncore.patterns import Unfit, pattern_for, rule_for
from syncore.recurrence import Recurrence
from syncore.timezones import iana_to_windows, windows_to_iana

from ._mapping.recurrence import apply_pattern, com_values
from ._mapping.series import series_from_appointment, write_occurrences
from ._time import OutlookClock


def windows_zone(name: str) -> str | None:
    """The Windows zone id for IANA zone ``name`` (None: it has none), by the CLDR table."""
    try:
        return iana_to_windows(name)
    except ConfigurationError:
        return None


def unfit_reason(record: Record) -> str | None:
    """Why Outlook cannot hold ``record``'s series as it is, or None."""
    if not isinstance(record, Event) or record.recurrence is None:
        return None
    if windows_zone(record.recurrence.zone) is None:
        return f"the time zone {record.recurrence.zone} has no Windows time zone Outlook can store"
    try:
        com_values(record)
    except Unfit as exc:
        return str(exc)
    return None


def stored_series(event: Event) -> Event:
    """A series Outlook can hold as Outlook gives it back: in the IANA zone of its Windows zone, with the rule its
    pattern reads back as."""
    recurrence = event.recurrence
    assert recurrence is not None
    windows_id = windows_zone(recurrence.zone)
    zone = windows_to_iana(windows_id) if windows_id is not None else recurrence.zone
    pattern, rng = pattern_for(event)
    rule = rule_for(pattern, until=rng.end, count=rng.count)
    if (rule, zone) == (recurrence.rule, recurrence.zone):
        return event
    return event.replace(recurrence=Recurrence(rule=rule, zone=zone, exdates=recurrence.exdates,  # type: ignore[return-value]
                                               overrides=recurrence.overrides))


def read(item: Any, clock: OutlookClock) -> Event:
    """The event a saved appointment holds: a series for a recurring master."""
    return series_from_appointment(item, clock)


def set_zone(application: Any, item: Any, event: Event) -> None:
    """Give the item the series' zone (before its times are written, so the pattern runs there)."""
    windows_id = windows_zone(event.recurrence.zone)  # type: ignore[union-attr]
    zone = application.TimeZones.Item(windows_id)
    item.StartTimeZone = zone
    item.EndTimeZone = zone


def write_pattern(item: Any, event: Event, clock: OutlookClock) -> None:
    """Set the series' pattern on an item (a single item becomes a master on Save)."""
    apply_pattern(item.GetRecurrencePattern(), event, clock)


def same_pattern(a: Event | None, b: Event) -> bool:
    """True when ``a`` and ``b`` run the same rule at the same times (only occurrences may differ)."""
    if a is None or a.recurrence is None or b.recurrence is None:
        return False
    return (a.recurrence.rule, a.recurrence.zone, a.start, a.end) == (b.recurrence.rule, b.recurrence.zone,
                                                                      b.start, b.end)


def restores(current: Event | None, wanted: Event) -> bool:
    """True when a cancelled occurrence of ``current`` is wanted back."""
    if current is None or current.recurrence is None or wanted.recurrence is None:
        return False
    return bool(set(current.recurrence.exdates) - set(wanted.recurrence.exdates))


def finish(reopen: Any, wanted: Event, current: Event | None, clock: OutlookClock) -> None:
    """Write the occurrences ``wanted`` has and ``current`` (None: a master without exceptions) has not."""
    if wanted.recurrence is not None and (wanted.recurrence.exdates or wanted.recurrence.overrides
                                          or (current is not None and current.recurrence is not None
                                              and current.recurrence.overrides)):
        write_occurrences(reopen, wanted, current, clock)


def occurrence_target(series: Event, occurrence_id: str, record: Event | None, fields: frozenset[str]) -> Event:
    """The series after a write naming one of its occurrences (``record`` None: cancelled)."""
    _, key = split_occurrence_id(occurrence_id)  # type: ignore[misc]
    if record is None:
        return without_occurrence(series, key)
    return with_occurrence(series, key, record, fields)
