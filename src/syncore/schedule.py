"""The auto-sync policy, as a pure function: settings + last runs + now → the kinds due now and the next run.

Nothing here sleeps, reads a clock or touches a store, so any scheduler can embed it (the built-in
:mod:`syncore.runner`, APScheduler, cron through ``syncore run-due``, Celery beat, …).

Rules:

* a kind is *eligible* when auto sync is enabled and the kind's job is enabled and included in background sync;
* an eligible kind is *due* when its frequency has elapsed since its last run (absolute time, so a DST change
  neither skips nor doubles a run), any back-off has passed, and *now* is inside the daily window;
* the window is read on the local wall clock of the configured zone: ``start`` inclusive, ``end`` exclusive,
  crossing midnight when ``end < start``. On a DST day the window opens at the first instant whose wall time
  is inside it, so a start inside a spring-forward gap opens at the end of the gap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import attrs

from .config import Config, Window
from .errors import ConfigurationError
from .models import Kind
from .timezones import UTC, to_utc, zone

_LOG = logging.getLogger("syncore.schedule")
# Offsets change at most once within this step in every tz database zone; transitions are found by bisection.
_SCAN_STEP = timedelta(hours=1)
# A window with positive length opens at least once in any span of this size, even across a skipped day
# (Pacific/Apia skipped 2011-12-30) and a DST gap swallowing a short window.
_SEARCH_SPAN = timedelta(days=4)


@attrs.frozen(kw_only=True)
class Schedule:
    """What the policy needs from the settings.

    :ivar kinds: the eligible kinds (enabled and included in background sync)
    :ivar frequencies: how often each kind runs
    :ivar window: the daily window, None for all day
    :ivar zone: the IANA zone the window is read in
    """

    enabled: bool
    kinds: frozenset[Kind]
    frequencies: Mapping[Kind, timedelta]
    window: Window | None = None
    zone: str = "UTC"

    @classmethod
    def from_config(cls, config: Config, *, system_zone: str | None = None) -> Schedule:
        """The schedule of a settings file; ``"system"`` resolves to ``system_zone`` or the computer's zone."""
        name = config.auto_sync.timezone
        if name == "system":
            name = system_zone or system_zone_name()
        zone(name)
        return cls(
            enabled=config.auto_sync.enabled,
            kinds=config.background_kinds(),
            frequencies={kind: config.auto_sync.frequency.for_kind(kind) for kind in Kind},
            window=config.auto_sync.window,
            zone=name,
        )

    @property
    def tz(self) -> ZoneInfo:
        """The zone as a tzinfo."""
        return zone(self.zone)


@attrs.frozen(kw_only=True)
class Decision:
    """The policy's answer.

    :ivar due: kinds to sync now, longest-waiting first
    :ivar next_run: when the next kind becomes due, assuming the due ones run now; None when auto sync is off
    """

    due: tuple[Kind, ...]
    next_run: datetime | None


def system_zone_name() -> str:
    """The computer's IANA zone name (``tzlocal`` when installed, else ``$TZ`` or ``/etc/localtime``, else UTC)."""
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name()
        if name:
            return name
    except Exception:  # noqa: BLE001 - tzlocal is optional and raises assorted errors on odd systems
        _LOG.debug("tzlocal could not tell the system zone", exc_info=True)
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        return name
    try:
        target = os.path.realpath("/etc/localtime")
        marker = "/zoneinfo/"
        if marker in target:
            return target.split(marker, 1)[1]
    except OSError:  # pragma: no cover
        pass
    return "UTC"


def in_window(schedule: Schedule, instant: datetime) -> bool:
    """True when ``instant`` falls inside the daily window (always, without one)."""
    if schedule.window is None:
        return True
    wall = to_utc(instant, field="now").astimezone(schedule.tz).time()
    return schedule.window.contains(wall)


def next_window_open(schedule: Schedule, instant: datetime) -> datetime:
    """The first instant at or after ``instant`` inside the window (``instant`` itself when inside)."""
    instant = to_utc(instant, field="instant")
    if in_window(schedule, instant):
        return instant
    lo = instant
    for _ in range(8):
        hi = lo + _SEARCH_SPAN
        for boundary in _boundaries(schedule, lo, hi):
            if boundary > instant and in_window(schedule, boundary):
                return boundary
        lo = hi
    raise ConfigurationError(  # pragma: no cover - a window with positive length always opens within days
        f"the auto-sync window never opens in {schedule.zone}", key="auto_sync.window", value=schedule.window
    )


def decide(
    schedule: Schedule,
    last_runs: Mapping[Kind, datetime | None],
    now: datetime,
    *,
    not_before: Mapping[Kind, datetime] | None = None,
) -> Decision:
    """The kinds due at ``now`` and the next time anything becomes due.

    :param last_runs: when each kind last ran (missing or None: never)
    :param not_before: per-kind back-off: the kind is not due before this instant
    """
    now = to_utc(now, field="now")
    if not schedule.enabled or not schedule.kinds:
        return Decision(due=(), next_run=None)
    backoff = not_before or {}
    open_now = in_window(schedule, now)
    due: list[tuple[bool, datetime, int, Kind]] = []
    candidates: list[datetime] = []
    for order, kind in enumerate(Kind):
        if kind not in schedule.kinds:
            continue
        frequency = schedule.frequencies[kind]
        last = last_runs.get(kind)
        ready = now if last is None else to_utc(last, field="last_run") + frequency
        blocked = backoff.get(kind)
        if blocked is not None:
            ready = max(ready, to_utc(blocked, field="not_before"))
        if ready <= now and open_now:
            due.append((last is not None, ready, order, kind))  # never-run kinds first
            # it runs now, so it is next ready one frequency later (back-off does not outlive a good run)
            ready = now + frequency
        candidates.append(next_window_open(schedule, max(ready, now)))
    due.sort()
    return Decision(due=tuple(entry[-1] for entry in due), next_run=min(candidates))


# -- DST-aware window boundaries ---------------------------------------------------------------------------------
def _offset(tz: tzinfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


def _transitions(tz: tzinfo, lo: datetime, hi: datetime) -> list[datetime]:
    """UTC instants in (lo, hi] where the zone's offset changes, to the second."""
    found = []
    left = lo
    while left < hi:
        right = min(left + _SCAN_STEP, hi)
        if _offset(tz, left) != _offset(tz, right):
            a, b = int(left.timestamp()), int(right.timestamp()) + 1
            before = _offset(tz, left)
            # invariant: offset at a == before, offset at b != before
            if _offset(tz, datetime.fromtimestamp(b, UTC)) == before:  # pragma: no cover - right is a whole second
                b = int(right.timestamp())
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(tz, datetime.fromtimestamp(mid, UTC)) == before:
                    a = mid
                else:
                    b = mid
            found.append(datetime.fromtimestamp(b, UTC))
        left = right
    return found


def _wall_instants(tz: tzinfo, day: date, wall: Iterable[object]) -> list[datetime]:
    """Every UTC instant at which the local clock reads one of the ``wall`` times on ``day`` (0, 1 or 2 each)."""
    instants = []
    for moment in wall:
        naive = datetime.combine(day, moment)  # type: ignore[arg-type]
        for fold in (0, 1):
            utc = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            if utc.astimezone(tz).replace(tzinfo=None) == naive:  # the wall time exists (not in a gap)
                instants.append(utc)
    return instants


def _boundaries(schedule: Schedule, lo: datetime, hi: datetime) -> list[datetime]:
    """Sorted instants in (lo, hi] where :func:`in_window` may change value.

    Between two consecutive boundaries the offset is constant and the wall time moves without crossing the
    window's start or end, so the predicate is constant there; it is right-continuous, so its value at a
    boundary is the value just after it.
    """
    assert schedule.window is not None
    return list(_cached_boundaries(schedule.zone, schedule.window.start, schedule.window.end, lo, hi))


@lru_cache(maxsize=1024)
def _cached_boundaries(zone_name: str, start: object, end: object, lo: datetime, hi: datetime) -> tuple[datetime, ...]:
    tz = zone(zone_name)
    points = set(_transitions(tz, lo, hi))
    first = lo.astimezone(tz).date() - timedelta(days=1)
    last = hi.astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        points.update(p for p in _wall_instants(tz, day, (start, end)) if lo < p <= hi)
        day += timedelta(days=1)
    return tuple(sorted(points))
