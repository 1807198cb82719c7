"""DST and all-day round trips in Europe/Berlin, America/New_York, Australia/Lord_Howe, Pacific/Kiritimati.

Lord Howe moves its clocks by 30 minutes; Kiritimati (UTC+14) has no DST but its dates are a day ahead of
UTC, so any zone slip shows as a wrong date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from exchangelib import EWSTimeZone

from syncore.models import Event, Kind
from syncore.remote import CreateRequest, UpdateRequest, read_unread

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati"]
YEAR = 2031


def _day_length(day: date, tz: ZoneInfo) -> timedelta:
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return (start + timedelta(days=1)).astimezone(UTC) - start.astimezone(UTC)


def _transition_days(zone: str) -> list[date]:
    tz = ZoneInfo(zone)
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    found = [d for d in days if _day_length(d, tz) != timedelta(days=1)]
    return found or [date(YEAR, 3, 30), date(YEAR, 10, 26)]  # no DST: any two days


def _midnight_utc(day: date, zone: str) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _events(zone: str) -> list[Event]:
    tz = ZoneInfo(zone)
    events = []
    for day in _transition_days(zone):
        for hour in (1, 2, 3):  # around the usual switch hours, gap and fold included
            start = datetime(day.year, day.month, day.day, hour, 30, tzinfo=tz)
            events.append(Event(subject=f"timed {day} {hour}", start=start, end=start + timedelta(minutes=90)))
        events.append(Event(subject=f"all day {day}", start=day, end=day + timedelta(days=1)))
        events.append(Event(subject=f"span {day}", start=day - timedelta(days=1), end=day + timedelta(days=2)))
        events.append(Event(subject=f"ends on {day}", start=day - timedelta(days=2), end=day))
        events.append(Event(subject=f"ends after {day}", start=day - timedelta(days=1), end=day + timedelta(days=1)))
    return events


@pytest.mark.parametrize("zone", ZONES)
def test_create_fetch_update_and_feed_round_trip(emu, make_adapter, zone):
    adapter = make_adapter(zone=zone)
    events = _events(zone)
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=e) for i, e in enumerate(events)])
    assert all(o.ok for o in outcomes)
    ids = [o.id for o in outcomes]
    fetched = adapter.fetch(Kind.EVENT, ids)
    for native_id, event in zip(ids, events, strict=True):
        assert fetched[native_id].record == event, event.subject
        if event.all_day:
            stored = emu.get_item(native_id)["fields"]
            # EWS holds local midnights with an exclusive end, in the item's zone
            assert (stored["Start"], stored["End"]) == (_midnight_utc(event.start, zone), _midnight_utc(event.end, zone))
            assert stored["StartTimeZone"] == EWSTimeZone(zone).ms_id
    scan = adapter.full_scan(Kind.EVENT)
    assert {u.id: u.record for u in scan.upserts} == {i: e for i, e in zip(ids, events, strict=True)}
    # move every event by one day through the adapter; the feed reports exactly the moved values
    moved = [e.replace(start=e.start + timedelta(days=1), end=e.end + timedelta(days=1)) for e in events]
    results = adapter.update(Kind.EVENT, [
        UpdateRequest(ref=str(i), id=native_id, record=m, fields=frozenset({"start", "end"}), base_version=o.version)
        for i, (native_id, m, o) in enumerate(zip(ids, moved, outcomes, strict=True))])
    assert all(r.ok for r in results)
    feed = read_unread(adapter, Kind.EVENT, adapter.changes(Kind.EVENT, scan.cursor))
    assert {u.id: u.record for u in feed.upserts} == {i: m for i, m in zip(ids, moved, strict=True)}


@pytest.mark.parametrize("zone", ZONES)
def test_all_day_items_made_by_another_client_read_with_exclusive_ends(emu, make_adapter, zone):
    adapter = make_adapter(zone="UTC")  # the item's own zone counts, not the account's
    tz = ZoneInfo(zone)
    expected = {}
    for day in _transition_days(zone):
        for start_day, end_day in ((day, day + timedelta(days=1)), (day - timedelta(days=1), day + timedelta(days=1)),
                                   (day - timedelta(days=1), day)):
            item = emu.create_item(folder="calendar", fields={
                "Subject": f"{start_day}-{end_day}", "IsAllDayEvent": True,
                "Start": datetime.combine(start_day, datetime.min.time(), tz),
                "End": datetime.combine(end_day, datetime.min.time(), tz),
                "StartTimeZone": EWSTimeZone(zone), "EndTimeZone": EWSTimeZone(zone)})
            expected[item] = (start_day, end_day)
    fetched = adapter.fetch(Kind.EVENT, list(expected))
    assert {i: (r.record.start, r.record.end) for i, r in fetched.items()} == expected
