"""A Graph series ⇄ the core's series model (:class:`syncore.recurrence.Recurrence`, docs/recurrence.md).

Graph shows a series as a ``seriesMaster`` (its ``recurrence``: a patternedRecurrence, and its first
occurrence's times) and, per window, ``/events/{master}/instances``: ``occurrence`` and ``exception`` events,
each with its ``originalStart`` (https://learn.microsoft.com/en-us/graph/api/event-list-instances,
https://learn.microsoft.com/en-us/graph/api/resources/event). The core keeps one rule in an IANA zone plus the
cancelled (EXDATE) and modified (override) occurrences, keyed by original start. So:

* the rule is :func:`~._mapping.recurrence.rrule_from_recurrence` of the pattern, run in the range's
  ``recurrenceTimeZone`` (a Windows or IANA name; the master's ``originalStartTimeZone`` when absent);
* an exception is an override of its original start with its own times, subject, location, body and showAs
  (the core keeps only what differs from the series);
* an original start the rule gives inside the listed window with no instance was cancelled. Outside that
  window nothing is known, so nothing is said: cancellations are read for the window the adapter lists.

The way back, the core's rule to a pattern, is :func:`recurrence_to_graph`.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime
from typing import Any

import attrs

from syncore.models import Body, Event
from syncore.recurrence import OVERRIDABLE, Override, Recurrence
from syncore.series import Series
from syncore.timezones import iana_to_windows, windows_to_iana, zone

from . import recurrence as patterns
from .events import event_from_graph
from .recurrence import rrule_from_recurrence
from .values import graph_zone_name, parse_wall, zone_info


def series_zone(master: dict[str, Any]) -> str:
    """The IANA zone a series runs in: its range's ``recurrenceTimeZone``, else the master's start zone
    (either may be a Windows name)."""
    name = ((master.get("recurrence") or {}).get("range") or {}).get("recurrenceTimeZone") \
        or master.get("originalStartTimeZone")
    return str(zone_info(name))


def original_start(instance: dict[str, Any], all_day: bool, zone_name: str) -> date | datetime:
    # originalStart is a DateTimeOffset in UTC ("2026-03-09T08:00:00.0000000Z"); an all-day series is keyed by
    # the date in its own zone
    moment = parse_wall(str(instance["originalStart"]).removesuffix("Z")).replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name)).date() if all_day else moment


def series_from_graph(master: dict[str, Any], instances: list[dict[str, Any]],
                      window: tuple[datetime, datetime], mailbox_zone: str) -> Event:
    """The series ``master`` as one :class:`~syncore.models.Event` with its recurrence.

    :param instances: the master's instances listed for ``window`` (occurrences and exceptions)
    :param window: the listed span: cancellations are read inside it only
    :param mailbox_zone: the user's IANA zone (an all-day event's dates)
    :raises InvalidRecordError: for a pattern the core's model refuses (reported as unsupported)
    """
    zone_name = series_zone(master)
    first = event_from_graph(master, mailbox_zone)
    rule = rrule_from_recurrence(master["recurrence"])
    overrides = []
    shown = set()
    for instance in instances:
        key = original_start(instance, first.all_day, zone_name)
        shown.add(key)
        if instance.get("type") == "exception":
            own = event_from_graph(instance, mailbox_zone)
            # only what differs from the occurrence the rule gives (the core's model keeps no more)
            rule_gives = {"start": key, "end": key + (first.end - first.start)}  # type: ignore[operator]
            changed = {name: getattr(own, name) for name in OVERRIDABLE
                       if getattr(own, name) != rule_gives.get(name, getattr(first, name))}
            if changed:
                overrides.append(Override(original_start=key, **changed))
    plain = first.replace(recurrence=Recurrence(rule=rule, zone=zone_name))
    tz = zone(zone_name)
    since, before = ((window[0].astimezone(tz).date(), window[1].astimezone(tz).date()) if first.all_day
                     else window)
    cancelled = [key for key in Series(plain).starts(since, before) if key not in shown]
    return first.replace(recurrence=attrs.evolve(plain.recurrence, exdates=cancelled, overrides=overrides))


def recurrence_to_graph(event: Event) -> dict[str, Any]:
    """The patternedRecurrence of the series ``event``: its rule from its first occurrence, the range in the
    series' zone by its Graph name (the Windows one where there is one).

    :raises ValueError: (:class:`syncore.patterns.Unfit`) for a rule no Microsoft pattern gives
    """
    assert event.recurrence is not None
    return patterns.recurrence_to_graph(event, graph_zone_name(event.recurrence.zone))


#: occurrences compared when checking that a pattern gives what the rule gives (an endless rule is not expanded
#: to its end)
CHECKED_OCCURRENCES = 500


def stored_zone(iana: str) -> str:
    """The IANA zone a series written in ``iana`` reads back in: the one of its Windows name (what Outlook
    stores), or ``iana`` itself when it has none."""
    try:
        return windows_to_iana(iana_to_windows(iana))
    except ValueError:
        return iana


def stored_series(event: Event) -> Event:
    """``event`` (a series Outlook can hold) as Graph gives it back: in the zone of its Windows zone, with the
    rule its pattern reads back as."""
    recurrence = event.recurrence
    assert recurrence is not None
    zone_name = stored_zone(recurrence.zone)
    rule = rrule_from_recurrence(recurrence_to_graph(event))
    if (rule, zone_name) == (recurrence.rule, recurrence.zone):
        return event
    return event.replace(recurrence=Recurrence(rule=rule, zone=zone_name, exdates=recurrence.exdates,  # type: ignore[return-value]
                                               overrides=recurrence.overrides))


def unfit_reason(record: object) -> str | None:
    """Why Outlook cannot hold ``record``'s recurrence as it is (no patternedRecurrence gives its rule, or an
    occurrence moved past its neighbour), or None."""
    if not isinstance(record, Event) or record.recurrence is None:
        return None
    bare = record.replace(recurrence=Recurrence(rule=record.recurrence.rule, zone=record.recurrence.zone),
                          subject="", location="", body=Body(), attendees=())
    return _pattern_reason(bare) or moved_past_neighbours(record)  # type: ignore[arg-type]


def moved_past_neighbours(event: Event) -> str | None:
    """Why one of the series' modified occurrences cannot be written (an occurrence moved to or past its
    neighbour's start: :func:`syncore.series.crossing_neighbour`), or None."""
    from syncore.series import crossing_neighbour

    crossing = crossing_neighbour(event)
    if crossing is None:
        return None
    original, moved_to, neighbour = crossing
    return (f"the occurrence of {original.isoformat()} is moved to {moved_to.isoformat()}, past the neighbouring "
            f"occurrence of {neighbour.isoformat()}; Outlook keeps an occurrence between its neighbours")


@functools.lru_cache(maxsize=1024)
def _pattern_reason(bare: Event) -> str | None:
    # the times and the rule decide (the engine asks again for every comparison: cached)
    try:
        stored = stored_series(bare)
    except (ValueError, KeyError) as exc:
        return f"Outlook cannot hold this recurrence: {exc}"
    wanted = list(itertools.islice(Series(bare).starts(), CHECKED_OCCURRENCES))
    given = list(itertools.islice(Series(stored).starts(), CHECKED_OCCURRENCES))
    if wanted != given:
        return (f"Outlook cannot hold the rule {bare.recurrence.rule!r}: the nearest pattern gives other "  # type: ignore[union-attr]
                "occurrences")
    return None
