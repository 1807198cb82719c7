"""The pywin32 time trap (reference §9.1), handled here and nowhere else.

pywin32 hands every ``VT_DATE`` back labelled UTC *without converting it*: local-time properties (``Start``,
``End``, ``DueDate``, ``ReminderTime``, ``LastModificationTime``, by-name table columns) arrive as Outlook's local
wall clock wearing a false UTC label, while ``StartUTC``/``EndUTC``, DASL table columns and ``PropertyAccessor``
dates are true UTC. On the way in pywin32 applies ``astimezone(UTC)`` first, so a local wall time must be handed
over *labelled* UTC to survive unchanged. Outlook's "no date" is 4501-01-01.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from syncore.timezones import UTC, FoldPolicy, GapPolicy, local_to_utc, utc_to_local, windows_to_iana

from .constants import OUTLOOK_DATE_NONE

# Outlook itself moves a wall time inside a spring-forward gap forward; in the repeated autumn hour we take the
# first (summer-time) instant, which is what Outlook shows first too.
GAP_POLICY = GapPolicy.SHIFT_FORWARD
FOLD_POLICY = FoldPolicy.EARLIER
# Some stores hand out 4500-12-31 for "none" after a zone shift of 4501-01-01; anything this late is "no date".
_NONE_THRESHOLD = OUTLOOK_DATE_NONE - timedelta(days=1)


class OutlookClock:
    """Conversions between syncore's values (UTC instants, dates) and what COM gives and takes.

    :param zone_name: Outlook's local zone as an IANA name (see :meth:`for_application`)
    """

    def __init__(self, zone_name: str) -> None:
        self.zone_name = zone_name

    @classmethod
    def for_application(cls, application: object) -> OutlookClock:
        """The clock of Outlook's ``Application.TimeZones.CurrentTimeZone`` (a Windows zone id)."""
        windows_id = application.TimeZones.CurrentTimeZone.ID  # type: ignore[attr-defined]
        return cls(windows_to_iana(windows_id))

    # -- reading ---------------------------------------------------------------------------------------------
    @staticmethod
    def wall(value: datetime) -> datetime | None:
        """The naive local wall clock behind a local-time property; None for "no date"."""
        naive = value.replace(tzinfo=None)
        return None if naive >= _NONE_THRESHOLD else naive

    def read_local(self, value: datetime) -> datetime | None:
        """A local-time property (falsely labelled UTC) as a true UTC instant; None for "no date"."""
        naive = self.wall(value)
        if naive is None:
            return None
        return local_to_utc(naive, self.zone_name, on_gap=GAP_POLICY, on_fold=FOLD_POLICY)

    def read_date(self, value: datetime) -> date | None:
        """A date-only local property (``DueDate``, ``Birthday``, ``Start`` of an all-day event)."""
        naive = self.wall(value)
        return None if naive is None else naive.date()

    @staticmethod
    def read_utc(value: datetime) -> datetime:
        """A true-UTC value (``StartUTC``, DASL columns, ``PropertyAccessor``) as an aware UTC datetime."""
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # -- writing ---------------------------------------------------------------------------------------------
    @staticmethod
    def write_wall(naive: datetime) -> datetime:
        """What to assign to a local-time property so Outlook stores ``naive`` as its local wall clock."""
        return naive.replace(tzinfo=UTC)

    def write_local(self, instant: datetime | None) -> datetime:
        """Assign a UTC instant to a local-time property (None writes "no date")."""
        if instant is None:
            return self.write_wall(OUTLOOK_DATE_NONE)
        return self.write_wall(utc_to_local(instant, self.zone_name).replace(tzinfo=None))

    def write_date(self, day: date | None) -> datetime:
        """Assign a date (or "no date") to a date-only or all-day local property."""
        if day is None:
            return self.write_wall(OUTLOOK_DATE_NONE)
        return self.write_wall(datetime.combine(day, time()))

    @staticmethod
    def write_utc(instant: datetime) -> datetime:
        """Assign to a true-UTC property (``StartUTC``/``EndUTC``): pywin32's own conversion is then a no-op."""
        return instant.astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        """The local calendar day of an instant (for date-only properties fed from instants)."""
        return utc_to_local(instant, self.zone_name).date()

    def local_midnight(self, day: date) -> datetime:
        """The UTC instant of local midnight starting ``day``."""
        return local_to_utc(datetime.combine(day, time()), self.zone_name, on_gap=GAP_POLICY, on_fold=FOLD_POLICY)
