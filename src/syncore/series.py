"""Expanding a series into its occurrences, and what building a series event checks and normalizes.

See :mod:`syncore.recurrence` for the model and the rules for DST gaps and folds. :class:`Series` expands one
series; :class:`Window` is the span of days a sync materialises occurrences for.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from .recurrence import OVERRIDABLE, Key, Override, Recurrence
from .rrules import walls
from .timezones import local_midnight_utc, zone

if TYPE_CHECKING:
    from .models import Event

#: rules without an end are compared over this many occurrences (:func:`same_series`)
COMPARED_OCCURRENCES = 1000


@attrs.frozen
class Window:
    """The days a sync materialises occurrences for: ``first`` to ``end`` (exclusive), UTC days.

    A timed occurrence is inside when its original start is in ``[first 00:00Z, end 00:00Z)``, an all-day one
    when its date is in ``[first, end)``.
    """

    first: date
    end: date

    @classmethod
    def around(cls, today: date, past_days: int, future_days: int) -> Window:
        """The window of a sync on ``today`` (``future_days`` includes the last day)."""
        return cls(today - timedelta(days=past_days), today + timedelta(days=future_days + 1))

    def bounds(self, all_day: bool) -> tuple[Key, Key]:
        """The window's limits as keys of a series (dates, or aware UTC instants)."""
        if all_day:
            return self.first, self.end
        return (datetime.combine(self.first, time(), tzinfo=UTC), datetime.combine(self.end, time(), tzinfo=UTC))

    def contains(self, key: Key) -> bool:
        """True when the occurrence with original start ``key`` is inside."""
        low, high = self.bounds(not isinstance(key, datetime))
        return low <= key < high  # type: ignore[operator]


@attrs.frozen
class Occurrence:
    """One occurrence of a series: its key and the single event it is (overrides applied, no recurrence)."""

    original_start: Key
    event: Event


class Series:
    """The occurrences of one series (an :class:`~syncore.models.Event` with a recurrence)."""

    def __init__(self, event: Event) -> None:
        recurrence = event.recurrence
        assert recurrence is not None, "not a series"
        self.event = event
        self.recurrence = recurrence
        self.all_day = event.all_day
        self.tz = zone(recurrence.zone)
        if self.all_day:
            self.wall_start = datetime.combine(event.start, time())  # type: ignore[arg-type]
        else:
            self.wall_start = event.start.astimezone(self.tz).replace(tzinfo=None)  # type: ignore[union-attr]
        self.duration = event.end - event.start  # type: ignore[operator]
        self.rule = recurrence.parts
        self.text = self.rule.text()

    # -- keys --------------------------------------------------------------------------------------------------
    def _key(self, wall: datetime) -> Key:
        if self.all_day:
            return wall.date()
        # fold=0 is RFC 5545 §3.3.5: the first of a repeated time, the offset from before a skipped one
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def _wall(self, key: Key) -> datetime:
        if isinstance(key, datetime):
            return key.astimezone(self.tz).replace(tzinfo=None)
        return datetime.combine(key, time())

    def _past(self, until: Key, key: Key, wall: datetime) -> bool:
        if isinstance(until, datetime):
            return key > until if isinstance(key, datetime) else wall.date() > until.astimezone(self.tz).date()
        return wall.date() > until  # (a date UNTIL: the occurrence's local day, as settle() reads it)

    def starts(self, since: Key | None = None, before: Key | None = None) -> Iterator[Key]:
        """Original starts the rule gives in ``[since, before)`` in order, cancelled ones included."""
        until = self.rule.until
        after = None
        if since is not None:
            # a day early: a key's wall time may sit an offset change away from the rule's wall time
            after = self._wall(since) - timedelta(days=1)
        for wall in walls(self.text, self.wall_start, after):
            key = self._key(wall)
            if until is not None and self._past(until, key, wall):
                return
            if before is not None and key >= before:  # type: ignore[operator]
                return
            if since is None or key >= since:  # type: ignore[operator]
                yield key

    def first(self) -> Key | None:
        """The rule's first original start (None: the rule gives none)."""
        return next(self.starts(), None)

    def not_occurrences(self, keys: Iterable[Key]) -> list[Key]:
        """Those of ``keys`` that are not original starts of the rule."""
        wanted = sorted(set(keys))  # type: ignore[type-var]
        if not wanted:
            return []
        found = set(self.starts(wanted[0], _after(wanted[-1])))
        return [key for key in wanted if key not in found]

    def occurrence_on(self, day: date) -> Key | None:
        """The original start of the occurrence on local ``day`` (in the series' zone), if the rule has one."""
        start = datetime.combine(day, time())
        for wall in walls(self.text, self.wall_start, start):
            if wall.date() != day:
                return None
            key = self._key(wall)
            return key if key in set(self.starts(key, _after(key))) else None
        return None

    def is_cancelled(self, key: Key) -> bool:
        """True when the occurrence ``key`` was cancelled."""
        return key in self.recurrence.exdates

    # -- occurrences -------------------------------------------------------------------------------------------
    def occurrence(self, key: Key) -> Event:
        """The occurrence with original start ``key`` as a single event (its override applied)."""
        if self.all_day:
            start: Key = key
            end: Key = key + self.duration  # type: ignore[operator]
        else:
            start, end = key, key + self.duration  # type: ignore[operator]
        values: dict[str, Any] = {"recurrence": None, "start": start, "end": end}
        override = self.recurrence.override_for(key)
        if override is not None:
            values.update(override.changes())
        return self.event.replace(**values)  # type: ignore[return-value]

    def expand(self, window: Window) -> list[Occurrence]:
        """The occurrences whose original start is inside ``window``, cancelled ones left out."""
        low, high = window.bounds(self.all_day)
        return [Occurrence(key, self.occurrence(key)) for key in self.starts(low, high) if not self.is_cancelled(key)]


def _after(key: Key) -> Key:
    return key + (timedelta(days=1) if not isinstance(key, datetime) else timedelta(microseconds=1))


# -- what building an event does with its recurrence ---------------------------------------------------------------
def settle(event: Event) -> Recurrence:
    """The event's recurrence in normal form: the parts the rule takes from the start written out, a date
    ``UNTIL`` of a timed series as the last second of that local day, an ``UNTIL`` time of an all-day series as
    its local date, and overrides reduced to their own differences (an override of a cancelled occurrence
    dropped: cancelling wins)."""
    recurrence = event.recurrence
    assert recurrence is not None
    tz_name = recurrence.zone
    rule = recurrence.parts
    if event.all_day:
        wall_start = datetime.combine(event.start, time())  # type: ignore[arg-type]
        if isinstance(rule.until, datetime):
            rule = attrs.evolve(rule, until=rule.until.astimezone(zone(tz_name)).date())
    else:
        wall_start = event.start.astimezone(zone(tz_name)).replace(tzinfo=None)  # type: ignore[union-attr]
        if rule.until is not None and not isinstance(rule.until, datetime):
            last = local_midnight_utc(rule.until + timedelta(days=1), tz_name) - timedelta(seconds=1)
            rule = attrs.evolve(rule, until=last)
    text = rule.explicit(wall_start).text()
    duration = event.end - event.start  # type: ignore[operator]
    overrides = []
    for item in recurrence.overrides:
        if item.original_start in recurrence.exdates:
            continue
        original = {"start": item.original_start, "end": item.original_start + duration,  # type: ignore[operator]
                    **{name: getattr(event, name) for name in OVERRIDABLE[2:]}}
        own = {name: value for name, value in item.changes().items() if value != original[name]}
        if own:
            overrides.append(Override(original_start=item.original_start, **own))
    if text == recurrence.rule and tuple(overrides) == recurrence.overrides:
        return recurrence
    return Recurrence(rule=text, zone=tz_name, exdates=recurrence.exdates, overrides=overrides)


def problems(event: Event) -> list[tuple[str, str]]:
    """What does not fit between a series' start, its rule and its keys (the event's cross-field checks)."""
    recurrence = event.recurrence
    assert recurrence is not None
    timed = not event.all_day
    times = [*recurrence.keys(), *(v for item in recurrence.overrides for v in (item.start, item.end) if v is not None)]
    if any(isinstance(value, datetime) != timed for value in times):
        kind = "aware datetimes (a timed series)" if timed else "dates (an all-day series)"
        return [("recurrence", f"original starts and override times must be {kind}")]
    series = Series(event)
    first = series.first()
    if first is None:
        return [("recurrence", f"{recurrence.rule} gives no occurrence from {event.start.isoformat()} on")]
    if first != event.start:
        return [("start", f"{event.start.isoformat()} is not the first occurrence of {recurrence.rule} in "
                          f"{recurrence.zone} (that is {first.isoformat()}); a series starts on its first occurrence")]
    found = []
    strays = series.not_occurrences(recurrence.keys())
    if strays:
        listed = ", ".join(key.isoformat() for key in strays[:3])
        found.append(("recurrence", f"not an occurrence of {recurrence.rule} in {recurrence.zone}: {listed}"))
    for item in recurrence.overrides:
        start = item.start if item.start is not None else item.original_start
        end = item.end if item.end is not None else item.original_start + series.duration  # type: ignore[operator]
        if end < start or (not timed and end == start):  # type: ignore[operator]
            found.append(("recurrence", f"the occurrence of {item.original_start.isoformat()} would end "
                                        f"({end.isoformat()}) before it starts ({start.isoformat()})"))
    return found


def same_series(a: Event, b: Event) -> bool:
    """True when two events' recurrences give the same occurrences: compared as values first, by expanding both
    rules when they are spelled differently (see :func:`same_rule`)."""
    ra, rb = a.recurrence, b.recurrence
    if ra == rb:
        return True
    if ra is None or rb is None or ra.exdates != rb.exdates or ra.overrides != rb.overrides:
        return False
    return same_rule(a, b)


def same_rule(a: Event, b: Event) -> bool:
    """True when two series' rules give the same original starts (cancelled and modified occurrences aside):
    all of them for rules with an end, the first :data:`COMPARED_OCCURRENCES` for rules without."""
    ra, rb = a.recurrence, b.recurrence
    if ra is None or rb is None:
        return ra is rb
    if (ra.rule, ra.zone, a.start) == (rb.rule, rb.zone, b.start):
        return True
    if a.all_day != b.all_day or ra.parts.ends != rb.parts.ends:
        return False
    limit = None if ra.parts.ends else COMPARED_OCCURRENCES
    starts_a = itertools.islice(Series(a).starts(), limit)
    starts_b = itertools.islice(Series(b).starts(), limit)
    return all(x == y for x, y in itertools.zip_longest(starts_a, starts_b))


def crossing_neighbour(event: Event) -> tuple[Key, Key, Key] | None:
    """The first moved occurrence that reaches or passes the start of the occurrence before or after it, as
    (its original start, where it is moved to, the neighbour's original start), or None.

    Exchange (through EWS, Graph and Outlook alike) keeps every occurrence between its neighbours and refuses
    such a move (ErrorOccurrenceCrossingBoundary,
    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode); each adapter
    words the refusal for its side. A neighbour that is cancelled does not count; one that is moved counts where
    it is moved to.
    """
    recurrence = event.recurrence
    assert recurrence is not None
    moved = [o for o in recurrence.overrides if o.start is not None and o.start != o.original_start]
    if not moved:
        return None
    series = Series(event)
    for override in moved:
        before = after = None
        for key in series.starts():
            if key < override.original_start:  # type: ignore[operator]
                before = key
            elif key > override.original_start:  # type: ignore[operator]
                after = key
                break
        for key in (before, after):
            if key is None or key in recurrence.exdates:
                continue
            other = recurrence.override_for(key)
            at = other.start if other is not None and other.start is not None else key
            if (key < override.original_start and override.start <= at) or (  # type: ignore[operator]
                    key > override.original_start and override.start >= at):  # type: ignore[operator]
                return override.original_start, override.start, key  # type: ignore[return-value]
    return None
