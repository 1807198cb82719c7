"""The pywin32 time trap, handled in _time.py only, across the Europe/Berlin DST changes of 2026."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from olsupport import gid, record_of

import syncore_outlook
from syncore.models import Event, Kind, Task
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import OutlookComAdapter
from syncore_outlook._time import OutlookClock
from syncore_outlook.fake import FakeOutlook

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
FALL = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


def trap(wall: datetime) -> datetime:
    """What pywin32 returns for a local-time property: the local wall clock labelled UTC."""
    return wall.replace(tzinfo=UTC)


@pytest.fixture
def clock() -> OutlookClock:
    return OutlookClock("Europe/Berlin")


def test_local_property_is_read_as_berlin_time_not_utc(clock):
    assert clock.read_local(trap(datetime(2026, 7, 1, 10, 0))) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert clock.read_local(trap(datetime(2026, 1, 15, 10, 0))) == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_gap_and_fold_have_explicit_policies(clock):
    # 02:30 does not exist on the spring-forward day: shifted forward like Outlook (= 03:30 CEST)
    assert clock.read_local(trap(datetime(2026, 3, 29, 2, 30))) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on the fall-back day: the first (summer-time) one
    assert clock.read_local(trap(datetime(2026, 10, 25, 2, 30))) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_no_date_is_none_both_ways(clock):
    assert clock.read_local(trap(datetime(4501, 1, 1))) is None
    assert clock.read_date(trap(datetime(4501, 1, 1))) is None
    assert clock.write_date(None) == datetime(4501, 1, 1, tzinfo=UTC)
    assert clock.write_local(None) == datetime(4501, 1, 1, tzinfo=UTC)


def test_writes_label_local_wall_time_utc(clock):
    instant = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert clock.write_local(instant) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert clock.write_date(date(2026, 7, 1)) == datetime(2026, 7, 1, tzinfo=UTC)
    assert clock.write_utc(instant.astimezone(BERLIN)) == instant


def test_zone_comes_from_outlook_windows_id():
    assert OutlookComAdapter(FakeOutlook(local_zone="Europe/Berlin").application).clock.zone_name == "Europe/Berlin"
    ny = OutlookComAdapter(FakeOutlook(local_zone="America/New_York").application)
    assert ny.clock.zone_name == "America/New_York"


def test_timed_event_in_the_repeated_hour_keeps_its_instant(fake, outlook):
    # the *second* 02:30 on the fall-back day (CET, 01:30 UTC): Start alone could not tell which one it is
    start = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    eid = fake.user_create("calendar", Subject="fold", Start=start, End=start + timedelta(minutes=30))
    event = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    assert event.start == start and event.end == start + timedelta(minutes=30)


def test_all_day_event_across_dst_is_dates_with_exclusive_end(fake, outlook):
    eid = fake.user_create("calendar", Subject="Trip", Start=date(2026, 10, 24), End=date(2026, 10, 27),
                           AllDayEvent=True)
    event = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    assert (event.start, event.end) == (date(2026, 10, 24), date(2026, 10, 27))
    assert event.all_day


def test_written_events_land_on_berlin_wall_clock(fake, outlook):
    timed = Event(subject="Spring", start=datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN),
                  end=datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN))
    all_day = Event(subject="Holiday", start=SPRING - timedelta(days=1), end=SPRING + timedelta(days=1))
    ids = [o.id for o in outlook.create(Kind.EVENT, [CreateRequest(ref="t", record=timed),
                                                      CreateRequest(ref="a", record=all_day)])]
    stored_timed, stored_all_day = (record_of(fake, i).props for i in ids)
    assert stored_timed["start"] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert stored_timed["end"] == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    # local midnights: CET before the change, CEST after it
    assert stored_all_day["AllDayEvent"] is True
    assert stored_all_day["start"] == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    assert stored_all_day["end"] == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_event_switches_between_timed_and_all_day(fake, outlook):
    start = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    eid = fake.user_create("calendar", Subject="x", Start=start, End=start + timedelta(hours=1))
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    to_all_day = record.replace(start=date(2026, 10, 26), end=date(2026, 10, 27))
    (out,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), record=to_all_day,
                                                       fields=frozenset({"start", "end"}))])
    assert out.ok, out.error
    assert outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.start == date(2026, 10, 26)
    (out,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), record=record,
                                                       fields=frozenset({"start", "end"}))])
    assert out.ok, out.error
    back = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    assert (back.start, back.end) == (start, start + timedelta(hours=1))


def test_task_dates_and_reminder(fake, outlook):
    task = Task(subject="Renew", due=FALL, reminder_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    (out,) = outlook.create(Kind.TASK, [CreateRequest(ref="t", record=task)])
    props = record_of(fake, out.id).props
    assert props["DueDate"] == FALL
    stored = outlook.fetch(Kind.TASK, [out.id])[out.id].record
    assert stored.due == FALL
    # ReminderTime is local wall time: the repeated 02:30 can only come back as its first occurrence
    assert stored.reminder_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert outlook.represent(task) == stored, "represent() shows the loss, so it is not taken for an edit"
    (out2,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id=out.id, record=stored.replace(due=None),
                                                      fields=frozenset({"due"}))])
    assert out2.ok
    assert record_of(fake, out.id).props["DueDate"] is None
    assert outlook.fetch(Kind.TASK, [out.id])[out.id].record.due is None


def test_completed_task_keeps_the_day(fake, outlook):
    done = Task(subject="Done", status="completed", completed_at=datetime(2026, 10, 20, 15, 0, tzinfo=UTC))
    (out,) = outlook.create(Kind.TASK, [CreateRequest(ref="t", record=done)])
    assert out.warnings and "date" in out.warnings[0]
    stored = outlook.fetch(Kind.TASK, [out.id])[out.id].record
    assert stored.completed_at == datetime(2026, 10, 19, 22, 0, tzinfo=UTC)  # Berlin midnight of Oct 20
    assert outlook.represent(done) == stored


def test_contact_birthday_none_and_date(fake, outlook):
    with_day = fake.user_create("contacts", LastName="A", Birthday=date(1990, 3, 29))
    without = fake.user_create("contacts", LastName="B")
    found = outlook.fetch(Kind.CONTACT, [with_day, without])
    assert found[with_day].record.birthday == date(1990, 3, 29)
    assert found[without].record.birthday is None


def test_only_time_module_handles_the_trap():
    """The labelled-UTC rules and the 4501 sentinel live in _time.py alone (the fake aside)."""
    root = Path(syncore_outlook.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("fake/") or rel in ("_time.py", "constants.py", "_protocol.py"):
            continue
        text = path.read_text()
        if re.search(r"tzinfo\s*=|OUTLOOK_DATE_NONE|datetime\(4501", text):
            offenders.append(rel)
    assert offenders == []
