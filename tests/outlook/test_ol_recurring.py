"""Recurring series are not expanded yet: reported as unsupported, never opened, written, duplicated or deleted."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from olsupport import gid

from syncore.models import Event, Kind
from syncore.remote import DeleteRequest, UpdateRequest
from syncore_outlook import constants as C

START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _series(fake) -> str:
    return fake.user_create("calendar", Subject="Weekly", Start=START, End=START + timedelta(hours=1),
                            Recurrence={"RecurrenceType": C.olRecursWeekly, "DayOfWeekMask": C.olMonday,
                                        "Occurrences": 10})


def test_series_is_unsupported_with_a_reason_and_never_opened(fake, outlook):
    series = _series(fake)
    single = fake.user_create("calendar", Subject="Once", Start=START, End=START + timedelta(hours=1))
    fake.reset_counters()
    scan = outlook.full_scan(Kind.EVENT)
    assert [item.id for item in scan.upserts] == [gid(fake, single)]
    assert [(u.id, "recurring" in u.reason) for u in scan.unsupported] == [(gid(fake, series), True)]
    assert fake.access_count(entry_id=series) == 0
    assert fake.item_opens == 1


def test_unchanged_series_is_not_reported_again_but_an_edited_one_is(fake, outlook):
    series = _series(fake)
    cursor = outlook.full_scan(Kind.EVENT).cursor
    feed = outlook.changes(Kind.EVENT, cursor)
    assert feed.unsupported == () and feed.deletions == ()
    fake.user_edit(series, Subject="Weekly (renamed)")
    feed = outlook.changes(Kind.EVENT, feed.cursor)
    assert [u.id for u in feed.unsupported] == [gid(fake, series)] and feed.upserts == ()


def test_single_event_that_became_a_series_is_never_written(fake, outlook):
    eid = fake.user_create("calendar", Subject="Once", Start=START, End=START + timedelta(hours=1))
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    fake.user_edit(eid, Recurrence={"RecurrenceType": C.olRecursDaily, "Occurrences": 3})
    before = copy.deepcopy(fake.record(eid))
    assert isinstance(record, Event)
    (upd,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), record=record.replace(subject="CRM"),
                                                       fields=frozenset({"subject"}))])
    (dele,) = outlook.delete(Kind.EVENT, [DeleteRequest(ref="d", id=gid(fake, eid))])
    assert type(upd.error).__name__ == "UnsupportedRecord" and "recurring" in str(upd.error)
    assert type(dele.error).__name__ == "UnsupportedRecord"
    assert fake.record(eid) == before
    assert fake.saves == 0
