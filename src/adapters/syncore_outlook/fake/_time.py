"""Clock, time zones and the pywin32 ``VT_DATE`` conversion rules (reference §9.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncore.errors import ConfigurationError
from syncore.timezones import iana_to_windows, windows_to_iana

from ..constants import E_INVALIDARG, OUTLOOK_DATE_NONE
from ._errors import outlook_error


class FakeClock:
    """Controllable clock for LastModificationTime / CreationTime.

    Every save reads :meth:`stamp`, which returns the current time and then advances by ``tick`` so two saves
    never share a timestamp (real saves are never simultaneous either).
    """

    def __init__(self, start: datetime | None = None, tick: timedelta = timedelta(seconds=1)):
        start = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self.tick = tick

    def now(self) -> datetime:
        """Current fake time, aware UTC."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware)."""
        if when.tzinfo is None:
            raise ValueError("naive datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or ``timedelta(**kwargs)``; returns the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def stamp(self) -> datetime:
        """Timestamp for a save: the current time, then advance by ``tick``."""
        value = self._now.replace(microsecond=0)
        self._now += self.tick
        return value


def windows_id(iana: str) -> str:
    """Windows zone id for an IANA name (the CLDR table the core uses)."""
    try:
        return iana_to_windows(iana)
    except ConfigurationError:
        raise ValueError(f"no Windows time zone for {iana!r}") from None


def iana_zone(win_id: str) -> ZoneInfo:
    """ZoneInfo for a Windows zone id; raises a COM error for unknown ids like ``TimeZones.Item`` does."""
    try:
        return ZoneInfo(windows_to_iana(win_id))
    except ConfigurationError:
        raise outlook_error(E_INVALIDARG, f"Time zone {win_id!r} not found.") from None


class FakeTimeZone:
    """``Outlook.TimeZone``: ``ID`` is the Windows registry key name."""

    def __init__(self, win_id: str):
        self.ID = win_id
        self.zone = iana_zone(win_id)

    @property
    def Name(self) -> str:
        # Real Name is the localised display name; the fake has no such table and reuses the id.
        return self.ID

    @property
    def StandardName(self) -> str:
        return self.ID

    @property
    def Bias(self) -> int:
        """Minutes to add to local standard time to get UTC (Windows convention, sign inverted)."""
        probe = datetime(2026, 1, 15, 12, tzinfo=self.zone)
        return -int(probe.utcoffset().total_seconds() // 60)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeTimeZone) and other.ID == self.ID

    def __hash__(self) -> int:
        return hash(self.ID)

    def __repr__(self) -> str:
        return f"<TimeZone {self.ID}>"


class Pywin32Time:
    """The §9.1 conversions between Python datetimes and the wall clock COM stores, for one local zone."""

    def __init__(self, local_zone: ZoneInfo):
        self.local = local_zone

    # --- write side -------------------------------------------------------------------------------------
    def to_wall(self, value: object) -> datetime:
        """What reaches COM for an assigned datetime: ``astimezone(UTC)`` wall clock, naive.

        A naive value is system-local (the fake's local zone) and is shifted the same way.
        """
        if isinstance(value, datetime):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=self.local)
            return aware.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, date):
            raise TypeError("Only datetime objects (not date) can be converted to a COM date")
        raise TypeError(f"{type(value).__name__} cannot be converted to a COM date")

    def local_wall_to_instant(self, wall: datetime) -> datetime:
        """Interpret a naive wall clock as Outlook-local time; aware UTC result."""
        return wall.replace(tzinfo=self.local).astimezone(UTC)

    # --- read side --------------------------------------------------------------------------------------
    @staticmethod
    def label(wall: datetime) -> datetime:
        """pywin32 read: the ``VT_DATE`` wall clock, labelled UTC without conversion."""
        return wall.replace(tzinfo=UTC)

    def local_out(self, instant: datetime) -> datetime:
        """Read of a local-time property: local wall clock labelled UTC (the trap)."""
        return self.label(instant.astimezone(self.local).replace(tzinfo=None))

    @staticmethod
    def utc_out(instant: datetime) -> datetime:
        """Read of a true-UTC property (StartUTC, DASL dates)."""
        return instant.astimezone(UTC)

    def date_out(self, value: date | None) -> datetime:
        """Read of a date-only property; ``None`` is 4501-01-01."""
        if value is None:
            return self.label(OUTLOOK_DATE_NONE)
        return self.label(datetime.combine(value, time()))

    def date_in(self, value: object) -> date | None:
        """Write of a date-only property: the COM wall clock's date; 4501-01-01 (or later) clears it."""
        wall = self.to_wall(value)
        if wall >= OUTLOOK_DATE_NONE - timedelta(days=1):
            # Treat 4500-12-31 onwards as "none" so the trap's shift of a naive 4501-01-01 still clears
            # the date (unverified against real Outlook).
            return None
        return wall.date()

    def local_midnight(self, day: date) -> datetime:
        """Aware UTC instant of local midnight starting ``day``."""
        return datetime.combine(day, time()).replace(tzinfo=self.local).astimezone(UTC)
