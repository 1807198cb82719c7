"""Contract: the pywin32 time trap, UTC properties, DST, all-day events, time zones (§9.1, §12.3-5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from syncore_outlook import constants as C

BERLIN = ZoneInfo("Europe/Berlin")


def _appointment(calendar, subject="syncore contract time"):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = subject
    return item


def test_local_wall_labelled_utc_round_trips(calendar, local_zone):
    item = _appointment(calendar)
    # To write local 10:00, pass the wall clock labelled UTC (reference §9.1 rules).
    item.Start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    item.End = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    item.Save()
    assert item.Start == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert item.Start.tzinfo is not None and item.Start.utcoffset() == timedelta(0)
    expected_utc = datetime(2026, 11, 24, 10, 0, tzinfo=local_zone).astimezone(UTC)
    assert item.StartUTC == expected_utc


def test_aware_local_datetime_is_shifted_by_pywin32(calendar, berlin):
    item = _appointment(calendar)
    # The trap: an aware 10:00 Berlin is converted to 09:00 UTC and stored as 09:00 *local*.
    item.Start = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    item.Save()
    assert item.Start == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert item.StartUTC == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_start_utc_offset_follows_dst(calendar, berlin):
    summer = _appointment(calendar, "summer")
    summer.StartUTC = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # after the 29 March switch: CEST
    summer.EndUTC = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    summer.Save()
    winter = _appointment(calendar, "winter")
    winter.StartUTC = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # before: CET
    winter.EndUTC = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    winter.Save()
    assert summer.Start - summer.StartUTC == timedelta(hours=2)
    assert winter.Start - winter.StartUTC == timedelta(hours=1)
    assert summer.Start == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert winter.Start == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)


def test_all_day_event_spans_local_midnights_with_exclusive_end(calendar, local_zone):
    item = _appointment(calendar, "all day")
    item.Start = datetime(2026, 7, 14, 0, 0, tzinfo=UTC)
    item.End = datetime(2026, 7, 15, 0, 0, tzinfo=UTC)
    item.AllDayEvent = True
    item.Save()
    assert item.AllDayEvent is True
    assert item.Start == datetime(2026, 7, 14, 0, 0, tzinfo=UTC)  # local midnight, labelled UTC
    assert item.End == datetime(2026, 7, 15, 0, 0, tzinfo=UTC)  # exclusive end: next midnight
    assert item.StartUTC == datetime(2026, 7, 14, tzinfo=local_zone).astimezone(UTC)


def test_start_time_zone_has_windows_id(outlook_app, calendar):
    item = _appointment(calendar)
    item.Save()
    assert item.StartTimeZone.ID == outlook_app.TimeZones.CurrentTimeZone.ID
    assert "/" not in item.StartTimeZone.ID  # a Windows id, not IANA


def test_changing_start_time_zone_recalculates_start_utc(outlook_app, calendar):
    item = _appointment(calendar)
    eastern = outlook_app.TimeZones.Item("Eastern Standard Time")
    assert eastern.ID == "Eastern Standard Time"
    item.StartTimeZone = eastern
    item.EndTimeZone = eastern
    item.StartInStartTimeZone = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    item.EndInEndTimeZone = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    item.Save()
    assert item.StartUTC == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 EST = 14:00 UTC
    assert item.StartInStartTimeZone == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    item.StartTimeZone = outlook_app.TimeZones.Item("Pacific Standard Time")
    # The wall clock in the item's zone is kept; StartUTC moves with the zone.
    assert item.StartUTC == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_time_zones_convert_time(outlook_app):
    tzs = outlook_app.TimeZones
    converted = tzs.ConvertTime(datetime(2026, 11, 24, 9, 0, tzinfo=UTC), tzs.Item("Eastern Standard Time"),
                                tzs.Item("UTC"))
    assert converted == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
