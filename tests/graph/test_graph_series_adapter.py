"""Series through GraphAdapter and the Graph emulator: what is read and written, and what it costs.

* a series is one record (the master) with its moved and cancelled occurrences, in full scans, change feeds and
  fetches; a cancelled occurrence and a deleted series are found from their ``@removed`` occurrence ids;
* writes cost a constant number of requests per call whatever the number of occurrences (literals: one $batch
  per step, https://learn.microsoft.com/en-us/graph/json-batching);
* nobody is ever mailed: an occurrence of a meeting is not cancelled (a DELETE would send a cancellation,
  https://learn.microsoft.com/en-us/graph/api/event-delete).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore.models import Event, Kind
from syncore.occurrences import occurrence_id
from syncore.recurrence import Override, Recurrence
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest
from syncore.series import Series, Window

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def _monday_nine(weeks_ahead: int = 1) -> datetime:
    day = NOW.astimezone(BERLIN).date() + timedelta(days=7 * weeks_ahead - NOW.astimezone(BERLIN).weekday())
    return datetime(day.year, day.month, day.day, 9, tzinfo=BERLIN)


def _series(count: int, subject: str = "Weekly 1:1") -> Event:
    first = _monday_nine()
    keys = [first + timedelta(days=7 * n) for n in range(count)]
    return Event(subject=subject, start=first, end=first + timedelta(hours=1),
                 recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin", exdates=[keys[2]],
                                       overrides=[Override(original_start=keys[1], start=keys[1] + timedelta(hours=2),
                                                           end=keys[1] + timedelta(hours=3))]))


def _graph_calls(emu) -> int:
    return len([r for r in emu.requests if "/v1.0/" in r.path])


@pytest.fixture
def adapter(make_adapter):
    adapter = make_adapter()
    adapter.client.tokens.token()  # signed in before counting
    return adapter


@pytest.mark.parametrize("count", [5, 40])
def test_a_series_costs_the_same_requests_whatever_its_number_of_occurrences(emu, adapter, count):
    emu.reset_log()
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=_series(count))])
    assert created.ok, created.error
    # POST, the two instances to change, the DELETE, the PATCH, the change key: one $batch each
    assert _graph_calls(emu) == 5
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id]
    assert stored.version == created.version
    assert stored.record == adapter.represent(_series(count))

    keys = list(Series(_series(count)).starts())
    emu.reset_log()
    changed = _series(count).replace(subject="Weekly 1:1", recurrence=Recurrence(
        rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin", exdates=[keys[3]]))
    (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=changed,
                                                           fields=frozenset({"recurrence"}),
                                                           base_version=created.version)])
    assert updated.ok, updated.error
    # read the series (master + instances in one $batch), PATCH the master, find and cancel, change key
    assert _graph_calls(emu) == 5
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(changed)

    emu.reset_log()
    occurrence = Series(changed).occurrence(keys[4])
    (moved,) = adapter.update(Kind.EVENT, [UpdateRequest(
        ref="o", id=occurrence_id(created.id, keys[4]), record=occurrence.replace(subject="Moved"),
        fields=frozenset({"subject"}))])
    (gone,) = adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(created.id, keys[0]))])
    assert moved.ok and gone.ok, (moved.error, gone.error)
    # occurrence update: read, find, PATCH, read again; cancel: read, find, DELETE
    assert _graph_calls(emu) == 7
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert set(stored.recurrence.exdates) == {keys[0], keys[3]}
    assert Series(stored).occurrence(keys[4]).subject == "Moved"
    assert emu.invitations() == [] and emu.cancellations() == []


def test_a_series_is_one_record_in_scans_feeds_and_fetches(emu, adapter):
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=_series(6), link="00U000000000001AAA")])
    scan = adapter.full_scan(Kind.EVENT)
    assert [(u.id, u.link) for u in scan.upserts] == [(created.id, "00U000000000001AAA")]
    assert scan.upserts[0].record == adapter.represent(_series(6))
    assert adapter.find_by_link(Kind.EVENT, ["00U000000000001AAA"])["00U000000000001AAA"].id == created.id

    # cancelled in Outlook: the feed names only the removed occurrence; the series comes back with it cancelled
    keys = list(Series(_series(6)).starts())
    instances = emu.get(created.id)  # the master exists
    assert instances["type"] == "seriesMaster"
    occurrence = Series(_series(6)).occurrence(keys[4])
    assert adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(created.id, keys[4]))])[0].ok
    feed = adapter.changes(Kind.EVENT, scan.cursor)
    assert [u.id for u in feed.upserts] == [created.id]
    assert keys[4] in feed.upserts[0].record.recurrence.exdates and occurrence.start == keys[4]

    emu.delete(created.id)
    gone = adapter.changes(Kind.EVENT, feed.cursor)
    assert created.id in gone.deletions and not gone.upserts


def test_an_occurrence_of_a_meeting_is_never_cancelled_nobody_is_mailed(emu, adapter):
    first = _monday_nine()
    wall = lambda t: {"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "W. Europe Standard Time"}
    master = emu.create("event", {
        "subject": "Team", "start": wall(first), "end": wall(first + timedelta(hours=1)),
        "attendees": [{"emailAddress": {"address": "anna@example.org"}, "type": "required"}],
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                       "range": {"type": "numbered", "startDate": first.date().isoformat(),
                                 "numberOfOccurrences": 4, "recurrenceTimeZone": "W. Europe Standard Time"}}})
    invitations = emu.invitations()
    (outcome,) = adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(master["id"], first))])
    assert not outcome.ok and "attendees" in str(outcome.error)
    assert emu.cancellations() == [] and emu.invitations() == invitations
    assert [i["type"] for i in emu.items("event")] == ["seriesMaster"]


def test_a_rule_outlook_cannot_hold_is_refused_alone(adapter):
    # a recurrencePattern has one dayOfMonth (https://learn.microsoft.com/en-us/graph/api/resources/recurrencepattern)
    first = datetime(NOW.year + 1, 1, 1, 9, tzinfo=UTC)
    twice = Event(subject="Payroll", start=first, end=first + timedelta(minutes=30),
                  recurrence=Recurrence(rule="FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=6", zone="UTC"))
    reason = adapter.unfit_reason(twice)
    assert reason is not None and "BYMONTHDAY" in reason
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="p", record=twice)])
    assert not outcome.ok and emu_has_no_events(adapter)


def emu_has_no_events(adapter) -> bool:
    return adapter.full_scan(Kind.EVENT).upserts == ()


def test_an_all_day_series_round_trips_with_dates(emu, adapter):
    from datetime import date

    first = NOW.date() + timedelta(days=10)
    days = [first + timedelta(days=14 * n) for n in range(5)]
    series = Event(subject="Fortnightly offsite", start=first, end=first + timedelta(days=1),
                   recurrence=Recurrence(rule="FREQ=WEEKLY;INTERVAL=2;COUNT=5", zone="Europe/Berlin",
                                         exdates=[days[3]],
                                         overrides=[Override(original_start=days[1], subject="Offsite (Lisbon)")]))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=series)])
    assert created.ok, created.error
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert stored == adapter.represent(series)
    assert all(isinstance(o.event.start, date) for o in Series(stored).expand(Window(first, first + timedelta(days=80))))


def test_an_occurrence_moved_out_of_the_window_is_still_an_exception_not_a_cancellation(emu, make_adapter):
    adapter = make_adapter(past_days=7, future_days=30)
    first = _monday_nine(2)
    keys = [first + timedelta(days=7 * n) for n in range(3)]
    series = Event(subject="Weekly", start=first, end=first + timedelta(hours=1),
                   recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=3", zone="Europe/Berlin"))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series)])
    window_end = adapter.window()[1]
    moved_to = window_end + timedelta(days=10)  # the last occurrence, moved past the window's end
    (moved,) = adapter.update(Kind.EVENT, [UpdateRequest(
        ref="m", id=occurrence_id(created.id, keys[2]), record=Series(series).occurrence(keys[2]).replace(
            start=moved_to, end=moved_to + timedelta(hours=1)), fields=frozenset({"start", "end"}))])
    assert moved.ok, moved.error
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert stored.recurrence.exdates == ()
    assert [(o.original_start, o.start) for o in stored.recurrence.overrides] == [(keys[2], moved_to)]


def test_lost_occurrence_writes_are_sent_again_and_nothing_is_doubled(emu, adapter, sleeps):
    # an occurrence's PATCH and DELETE are safe to repeat: the $batch whose answer was lost (after Graph made
    # both writes) is sent again
    emu.faults.lose_in_batch(op="event_update")
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=_series(6))])
    assert created.ok, created.error
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(_series(6))
    assert sorted(i["type"] for i in emu.items("event")) == ["exception", "seriesMaster"]
    assert sleeps, "the batch was sent again after a pause"


def test_a_series_whose_occurrences_cannot_be_written_is_removed_again_and_reported(emu, adapter):
    emu.faults.reject_items(lambda properties: properties.get("start", {}).get("dateTime", "").endswith("11:00:00"),
                            op="event_update")
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=_series(6))])
    assert not created.ok and "occurrence" in str(created.error)
    assert emu.items("event") == [], "nothing half-written stays behind"


def test_a_single_event_becomes_a_series_and_back(emu, adapter):
    first = _monday_nine()
    single = Event(subject="1:1", start=first, end=first + timedelta(hours=1))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="e", record=single)])
    series = _series(4).replace(subject="1:1")
    (made,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="s", id=created.id, record=series,
                                                        fields=frozenset({"recurrence"}),
                                                        base_version=created.version)])
    assert made.ok, made.error
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(series)
    assert sorted(i["type"] for i in emu.items("event")) == ["exception", "seriesMaster"]

    (back,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="b", id=created.id, record=single,
                                                        fields=frozenset({"recurrence"}), base_version=made.version)])
    assert back.ok, back.error
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id]
    assert stored.record == single and stored.version == back.version
    assert [i["type"] for i in emu.items("event")] == ["singleInstance"]


def test_an_event_cursor_from_before_series_were_synced_starts_a_full_round(emu, adapter):
    import json

    from syncore.errors import CursorExpired

    # a round of the previous version left series alone: its cursor must not hide the series it saw
    old = json.loads(adapter.full_scan(Kind.EVENT).cursor)
    old["v"] = 1
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.EVENT, json.dumps(old))
    contacts = json.loads(adapter.full_scan(Kind.CONTACT).cursor)
    contacts["v"] = 1
    assert adapter.changes(Kind.CONTACT, json.dumps(contacts)).upserts == ()


def test_an_occurrence_edit_of_a_series_in_an_aliased_zone_keeps_the_pattern(emu, adapter):
    # Europe/Zurich is stored under the Windows zone of Europe/Berlin: the same wall times, so changing one
    # occurrence must not rewrite the pattern (which would drop and rewrite every exception)
    series = _series(6)
    zurich = series.replace(recurrence=Recurrence(rule=series.recurrence.rule, zone="Europe/Zurich",
                                                  exdates=series.recurrence.exdates,
                                                  overrides=series.recurrence.overrides))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="z", record=zurich)])
    keys = list(Series(zurich).starts())
    changed = zurich.replace(recurrence=Recurrence(rule=zurich.recurrence.rule, zone="Europe/Zurich",
                                                   exdates=[*zurich.recurrence.exdates, keys[5]],
                                                   overrides=zurich.recurrence.overrides))
    emu.reset_log()
    (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=changed,
                                                           fields=frozenset({"recurrence"}),
                                                           base_version=created.version)])
    assert updated.ok, updated.error
    assert not [r for r in emu.subrequests if r.operation == "event_update"], "the master is not rewritten"
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(changed)


def test_a_renamed_series_keeps_its_moved_occurrence_without_a_subject_of_its_own(emu, adapter):
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=_series(5))])
    renamed = _series(5, subject="Weekly sync")
    (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=renamed,
                                                           fields=frozenset({"subject"}),
                                                           base_version=created.version)])
    assert updated.ok, updated.error
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id]
    assert stored.record == adapter.represent(renamed) and stored.version == updated.version


def test_an_occurrence_moved_past_its_neighbour_is_refused_alone(emu, adapter):
    series = _series(6)
    keys = list(Series(series).starts())
    crossing = series.replace(recurrence=Recurrence(
        rule=series.recurrence.rule, zone="Europe/Berlin", overrides=[Override(
            original_start=keys[3], start=keys[4] + timedelta(hours=1), end=keys[4] + timedelta(hours=2))]))
    assert "neighbouring occurrence" in adapter.unfit_reason(crossing)
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=series)])
    occurrence = Series(series).occurrence(keys[0])
    (moved,) = adapter.update(Kind.EVENT, [UpdateRequest(
        ref="m", id=occurrence_id(created.id, keys[0]), fields=frozenset({"start", "end"}),
        record=occurrence.replace(start=keys[3] + timedelta(hours=1), end=keys[3] + timedelta(hours=2)))])
    assert not moved.ok and "neighbouring occurrence" in str(moved.error)


def test_a_meeting_ending_in_the_repeated_hour_of_a_dst_fall_back_keeps_its_length(emu, adapter):
    # Havana falls back from 01:00 to 00:00 on 1 November 2026: 00:00-01:00 happens twice. A series at 23:30
    # lasting 90 minutes ends at the second 00:00, which a wall time names as the first (Graph's dateTimeTimeZone
    # is a wall time): the end is written in UTC instead (found by the property test below)
    start = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
    series = Event(subject="Late call", start=start, end=start + timedelta(minutes=90),
                   recurrence=Recurrence(rule="FREQ=DAILY;COUNT=3", zone="America/Havana"))
    single = Event(subject="Late call once", start=start, end=start + timedelta(minutes=90))
    created = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series),
                                          CreateRequest(ref="e", record=single)])
    assert all(o.ok for o in created), [o.error for o in created]
    stored = adapter.fetch(Kind.EVENT, [o.id for o in created])
    assert stored[created[0].id].record.end == start + timedelta(minutes=90)
    assert stored[created[1].id].record == single


def test_neighbouring_occurrences_moved_the_same_way_are_written_in_an_order_that_never_crosses(emu, adapter):
    # a daily series whose 27th moves to the 28th and 28th to the 29th (cancelled): written 27th first, the
    # 27th would cross the 28th still in place (found by the property test). The writes of a series go in order,
    # chained with dependsOn (https://learn.microsoft.com/en-us/graph/json-batching)
    first = NOW.date() + timedelta(days=5)
    days = [first + timedelta(days=n) for n in range(6)]
    series = Event(subject="Daily", start=days[0], end=days[0] + timedelta(days=1), recurrence=Recurrence(
        rule="FREQ=DAILY;COUNT=6", zone="Europe/Berlin", exdates=[days[4]],
        overrides=[Override(original_start=days[2], start=days[3], end=days[4]),
                   Override(original_start=days[3], start=days[4], end=days[5])]))
    assert adapter.unfit_reason(series) is None
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="d", record=series)])
    assert created.ok, created.error
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(series)
    chained = [r for r in emu.subrequests if r.operation == "event_update"]
    assert len(chained) == 2


def test_a_throttled_change_is_sent_again_with_the_changes_chained_after_it(emu, adapter, sleeps):
    # the first of two chained PATCHes answered 429 inside its $batch: the second fails its dependency (424,
    # https://learn.microsoft.com/en-us/graph/json-batching) and both go again after Retry-After
    first = NOW.date() + timedelta(days=5)
    days = [first + timedelta(days=n) for n in range(6)]
    series = Event(subject="Daily", start=days[0], end=days[0] + timedelta(days=1), recurrence=Recurrence(
        rule="FREQ=DAILY;COUNT=6", zone="Europe/Berlin", exdates=[days[4]],
        overrides=[Override(original_start=days[2], start=days[3], end=days[4]),
                   Override(original_start=days[3], start=days[4], end=days[5])]))
    emu.faults.throttle(op="event_update", in_batch=True, retry_after=2)
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="d", record=series)])
    assert created.ok, created.error
    assert 2 in sleeps
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record == adapter.represent(series)


def test_a_series_value_moved_to_one_occurrence_stays_on_that_occurrence(emu, adapter):
    # the series loses its location while its first occurrence keeps it: the master's new value reaches the
    # occurrences without values of their own, so the first one is written its own (found by the property test)
    series = _series(4).replace(location="Room 1")
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series)])
    keys = list(Series(series).starts())
    kept = _series(4).replace(location="", recurrence=Recurrence(
        rule=series.recurrence.rule, zone="Europe/Berlin", exdates=series.recurrence.exdates,
        overrides=[*series.recurrence.overrides, Override(original_start=keys[0], location="Room 1")]))
    (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=kept,
                                                           fields=frozenset({"location", "recurrence"}),
                                                           base_version=created.version)])
    assert updated.ok, updated.error
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert stored == adapter.represent(kept)


def test_an_occurrence_cancelled_outside_the_window_is_left_with_a_warning_not_a_failure(emu, make_adapter):
    adapter = make_adapter(past_days=7, future_days=30)
    series = Event(subject="Monthly", start=_monday_nine(1), end=_monday_nine(1) + timedelta(hours=1),
                   recurrence=Recurrence(rule="FREQ=WEEKLY;INTERVAL=8;COUNT=4", zone="Europe/Berlin"))
    keys = list(Series(series).starts())  # the last ones lie months past the 30-day window
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="s", record=series.replace(recurrence=Recurrence(
        rule=series.recurrence.rule, zone="Europe/Berlin", exdates=[keys[3]])))])
    assert created.ok, created.error
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record.recurrence.exdates == ()  # not known here
    wanted = series.replace(recurrence=Recurrence(rule=series.recurrence.rule, zone="Europe/Berlin",
                                                  overrides=[Override(original_start=keys[3], location="Far")]))
    (updated,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=created.id, record=wanted,
                                                           fields=frozenset({"recurrence"}))])
    assert updated.ok, updated.error
    assert any("outside the sync window" in w for w in updated.warnings)
