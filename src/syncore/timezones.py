"""GMT/UTC normalization: the only place where local wall-clock time meets UTC.

Inside the core every instant is an aware UTC datetime and every all-day value is a ``date``. Local times
enter and leave through :func:`local_to_utc` and :func:`utc_to_local`, which resolve DST gaps and folds
explicitly instead of letting ``zoneinfo`` pick silently. Windows zone names (Outlook, Exchange) map to IANA
names through the CLDR table that ``tzlocal`` maintains; none is typed in here.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError


class NaiveDatetimeError(ConfigurationError):
    """A datetime without a zone reached the core. We never guess which zone was meant."""


class NonexistentLocalTime(ConfigurationError):
    """A local wall time falls in a DST gap (clocks jumped over it)."""


class AmbiguousLocalTime(ConfigurationError):
    """A local wall time occurs twice (clocks went back) and no fold policy was given."""


class GapPolicy(enum.Enum):
    """What to do with a wall time that a DST jump skipped."""

    RAISE = "raise"
    #: move forward by the size of the gap (02:30 on a spring-forward day becomes 03:30), as Outlook does
    SHIFT_FORWARD = "shift_forward"


class FoldPolicy(enum.Enum):
    """What to do with a wall time that occurs twice when clocks go back."""

    RAISE = "raise"
    EARLIER = "earlier"  # the first occurrence, still on summer time
    LATER = "later"  # the second occurrence, already on standard time


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name`` or raise a :class:`ConfigurationError` naming it."""
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"unknown time zone {name!r}: expected an IANA name such as 'Europe/Berlin'", key="zone", value=name
        ) from exc


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_aware(value: datetime) -> bool:
    """True when ``value`` carries a zone that yields an offset."""
    return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None


def to_utc(value: datetime, *, field: str | None = None) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive datetime raises :class:`NaiveDatetimeError`."""
    prefix = f"{field}: " if field else ""
    if not isinstance(value, datetime):
        raise ConfigurationError(f"{prefix}expected a datetime, got {type(value).__name__}", key=field, value=value)
    if not is_aware(value):
        raise NaiveDatetimeError(
            f"{prefix}naive datetime {value.isoformat()} has no time zone; pass an aware datetime "
            "(e.g. with tzinfo=ZoneInfo('Europe/Berlin')) or use syncore.timezones.local_to_utc()",
            key=field,
            value=value,
        )
    return value.astimezone(UTC)


def local_to_utc(
    wall: datetime,
    zone_name: str,
    *,
    on_gap: GapPolicy = GapPolicy.RAISE,
    on_fold: FoldPolicy = FoldPolicy.RAISE,
) -> datetime:
    """Interpret the naive wall time ``wall`` in ``zone_name`` and return the UTC instant.

    :param on_gap: policy for a wall time inside a spring-forward gap
    :param on_fold: policy for a wall time that occurs twice in a fall-back fold
    :raises NonexistentLocalTime: in a gap with ``GapPolicy.RAISE``
    :raises AmbiguousLocalTime: in a fold with ``FoldPolicy.RAISE``
    """
    if is_aware(wall):
        raise ConfigurationError(
            f"local_to_utc expects a naive wall time, got {wall.isoformat()} which already has a zone",
            key="wall",
            value=wall,
        )
    tz = zone(zone_name)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    off_first, off_second = first.utcoffset(), second.utcoffset()
    if off_first == off_second:
        return first.astimezone(UTC)
    # The two folds disagree: the wall time is either skipped (gap) or repeated (fold). It round-trips only
    # when it really exists.
    exists = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    if not exists:
        if on_gap is GapPolicy.RAISE:
            raise NonexistentLocalTime(
                f"{wall.isoformat()} does not exist in {zone_name} (skipped by a DST change)", key="wall", value=wall
            )
        # fold=0 uses the offset from before the jump, which lands after the gap by exactly its length.
        return first.astimezone(UTC)
    if on_fold is FoldPolicy.RAISE:
        raise AmbiguousLocalTime(
            f"{wall.isoformat()} occurs twice in {zone_name} (clocks go back); choose FoldPolicy.EARLIER or LATER",
            key="wall",
            value=wall,
        )
    return (first if on_fold is FoldPolicy.EARLIER else second).astimezone(UTC)


def utc_to_local(value: datetime, zone_name: str) -> datetime:
    """Return the aware local datetime in ``zone_name`` for the instant ``value``."""
    return to_utc(value).astimezone(zone(zone_name))


def local_midnight_utc(day: date, zone_name: str) -> datetime:
    """The UTC instant of local midnight starting ``day`` (gaps at midnight shift forward, as calendars do)."""
    return local_to_utc(
        datetime(day.year, day.month, day.day), zone_name, on_gap=GapPolicy.SHIFT_FORWARD, on_fold=FoldPolicy.EARLIER
    )


def all_day_span_to_utc(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """UTC instants of an all-day span's local midnights (end exclusive), for backends that need instants."""
    return local_midnight_utc(start, zone_name), local_midnight_utc(end, zone_name)


def windows_to_iana(windows_name: str) -> str:
    """Map a Windows zone id ('W. Europe Standard Time') to its IANA name using the CLDR table."""
    from tzlocal.windows_tz import win_tz

    try:
        return win_tz[windows_name]
    except KeyError:
        raise ConfigurationError(
            f"unknown Windows time zone {windows_name!r}: expected a Windows id such as 'W. Europe Standard Time'",
            key="zone",
            value=windows_name,
        ) from None


def windows_zone_names() -> list[str]:
    """Every Windows zone id in the CLDR table, sorted (what Windows lists as its time zones)."""
    from tzlocal.windows_tz import win_tz

    return sorted(win_tz)


def iana_to_windows(iana_name: str) -> str:
    """Map an IANA zone name to its Windows zone id using the CLDR table (aliases resolved)."""
    from tzlocal.windows_tz import tz_win

    try:
        return tz_win[iana_name]
    except KeyError:
        zone(iana_name)  # raises a clear error for a name that is not a zone at all
        raise ConfigurationError(
            f"time zone {iana_name!r} has no Windows equivalent in the CLDR table", key="zone", value=iana_name
        ) from None
