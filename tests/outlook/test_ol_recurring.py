"""Recurring appointments in the Outlook adapter: a master is read as one series, occurrences are never records
of their own, and a single event that became a series is never overwritten or deleted on an out-of-date plan."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from olsupport import gid

from syncore.models import Event, Kind
from syncore.remote import DeleteRequest, UpdateRequest
from syncore_outlook import constants as C

START = datetime(2026, 11, 2, 9, tzinfo=UTC)  # the fake's helper takes Berlin wall times labelled UTC


def _series(fake) -> str:
    return fake.user_create("calendar", Subject="Weekly", Start=START, End=START + timedelta(hours=1),
                            Recurrence={"RecurrenceType": C.olRecursWeekly, "DayOfWeekMask": C.olMonday,
                                        "Occurrences": 10})


def test_a_master_is_read_as_one_series(fake, outlook):
    series = _series(fake)
    single = fake.user_create("calendar", Subject="Once", Start=START, End=START + timedelta(hours=1))
    scan = outlook.full_scan(Kind.EVENT)
    records = {item.id: item.record for item in scan.upserts}
    assert set(records) == {gid(fake, series), gid(fake, single)} and scan.unsupported == ()
    weekly = records[gid(fake, series)]
    assert weekly.recurrence.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=10" and weekly.recurrence.zone == "Europe/Berlin"
    assert records[gid(fake, single)].recurrence is None


def test_unchanged_series_is_not_reported_again_but_an_edited_one_is(fake, outlook):
    series = _series(fake)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.upserts == () and feed.deletions == ()
    fake.user_edit(series, Subject="Weekly (renamed)")
    feed = outlook.changes(Kind.EVENT, feed.cursor)
    assert [(u.id, u.record.subject) for u in feed.upserts] == [(gid(fake, series), "Weekly (renamed)")]


def test_single_event_that_became_a_series_is_never_written_on_an_old_plan(fake, outlook):
    eid = fake.user_create("calendar", Subject="Once", Start=START, End=START + timedelta(hours=1))
    read = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)]
    fake.user_edit(eid, Recurrence={"RecurrenceType": C.olRecursDaily, "Occurrences": 3})
    before = copy.deepcopy(fake.record(eid))
    assert isinstance(read.record, Event)
    (upd,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), fields=frozenset({"subject"}),
                                                       record=read.record.replace(subject="CRM"),
                                                       base_version=read.version)])
    (dele,) = outlook.delete(Kind.EVENT, [DeleteRequest(ref="d", id=gid(fake, eid), base_version=read.version)])
    assert type(upd.error).__name__ == "VersionMismatch"
    assert type(dele.error).__name__ == "VersionMismatch"
    assert fake.record(eid) == before
    assert fake.saves == 0
