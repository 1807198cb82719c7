"""What Exchange can hold of a series or a recurring task, and how it gives a series back (``unfit_reason`` and
``represent`` of the adapter)."""

from __future__ import annotations

from exchangelib import EWSTimeZone
from exchangelib.errors import UnknownTimeZone
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from syncore.models import Event, Record, Task
from syncore.patterns import Unfit
from syncore.recurrence import Recurrence

from ._mapping.recurrence import ews_pattern, ews_task_pattern, moved_past_neighbours, stored_rule


def windows_zone(name: str) -> str | None:
    """The Windows zone id Exchange stores for IANA zone ``name`` (None: it has none)."""
    try:
        return EWSTimeZone(name).ms_id
    except (UnknownTimeZone, ValueError):
        return None


def unfit_reason(record: Record) -> str | None:
    """Why Exchange cannot hold ``record``'s recurrence as it is, or None."""
    try:
        if isinstance(record, Event) and record.recurrence is not None:
            if windows_zone(record.recurrence.zone) is None:
                return f"the time zone {record.recurrence.zone} has no Windows time zone Exchange can store"
            ews_pattern(record)
            return moved_past_neighbours(record)
        if isinstance(record, Task) and record.recurrence is not None:
            ews_task_pattern(record)
    except Unfit as exc:
        return str(exc)
    return None


def stored_series(event: Event) -> Event:
    """``event`` (a series Exchange can hold) as Exchange gives it back: in the IANA zone of its Windows zone,
    with the rule its pattern reads back as."""
    recurrence = event.recurrence
    assert recurrence is not None
    zone = MS_TIMEZONE_TO_IANA_MAP.get(windows_zone(recurrence.zone) or "", recurrence.zone)
    rule = stored_rule(event)
    if (rule, zone) == (recurrence.rule, recurrence.zone):
        return event
    return event.replace(recurrence=Recurrence(rule=rule, zone=zone, exdates=recurrence.exdates,  # type: ignore[return-value]
                                               overrides=recurrence.overrides))
