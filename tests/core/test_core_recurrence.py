"""The recurrence model: RRULE normal form, validation, normalization, and expansion across DST changes.

DST facts used below (tzdata; each test first asserts the offset change it relies on):
Europe/Berlin springs forward 2026-03-29 02:00 -> 03:00; Australia/Lord_Howe moves by 30 minutes, forward on
2026-10-04 02:00 -> 02:30 and back on 2026-04-05 02:00 -> 01:30; America/Santiago jumps at midnight on
2026-09-06 (00:00 -> 01:00); Australia/Sydney (southern hemisphere) springs forward 2026-10-04 02:00 -> 03:00.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from syncore.errors import InvalidRecordError
from syncore.models import Body, Event, ShowAs, Task
from syncore.recurrence import Override, Recurrence, Regeneration, TaskRecurrence
from syncore.rrules import RuleParts, normalize_rule
from syncore.series import Series, Window, same_series
from syncore.testing.strategies import series_events

BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SANTIAGO = ZoneInfo("America/Santiago")
SYDNEY = ZoneInfo("Australia/Sydney")


def series(start: datetime, rule: str, zone: str, minutes: int = 60, **recurrence: object) -> Event:
    return Event(subject="Weekly", start=start, end=start + timedelta(minutes=minutes),
                 recurrence=Recurrence(rule=rule, zone=zone, **recurrence))  # type: ignore[arg-type]


def local(instant: datetime | date, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M %z")  # type: ignore[union-attr]


# -- the rule's normal form ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "normal"), [
    # Salesforce's stored form (salesforce.md §1.4): reordered parts, INTERVAL=1 and WKST=SU inserted
    ("RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13", "FREQ=WEEKLY;BYDAY=MO;COUNT=13"),
    ("freq=weekly;byday=fr,mo,mo;interval=2;wkst=su", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=SU"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),  # one day: WKST changes nothing
    ("FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=2TU"),
    ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR,MO,TU,WE,TH", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    ("FREQ=YEARLY;BYMONTH=12,3;BYMONTHDAY=-1;UNTIL=20301231T230000Z;",
     "FREQ=YEARLY;BYMONTH=3,12;BYMONTHDAY=-1;UNTIL=20301231T230000Z"),
    ("FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231"),
])
def test_rules_are_kept_in_one_normal_form(text, normal):
    assert normalize_rule(text) == normal
    assert normalize_rule(normal) == normal


@pytest.mark.parametrize(("text", "says"), [
    ("FREQ=HOURLY", "FREQ=HOURLY is not supported"),
    ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"),
    ("INTERVAL=2", "FREQ is required"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "COUNT and UNTIL cannot both be given"),
    ("FREQ=DAILY;UNTIL=20261231T120000", "UNTIL=20261231T120000: expected a date"),
    ("FREQ=WEEKLY;BYDAY=2MO", "a numbered weekday (2MO) needs FREQ=MONTHLY or YEARLY"),
    ("FREQ=MONTHLY;BYDAY=6MO", "6MO is outside 1..5"),
    ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
    ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs another BYxxx part"),
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0: expected a whole number >= 1"),
    ("FREQ=DAILY;COUNT=2;COUNT=3", "COUNT is given twice"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "32 is outside 1..31"),
    ("FREQ=YEARLY;BYMONTH=0", "0 is outside 1..12"),
])
def test_unsupported_or_malformed_rules_are_refused_naming_the_part(text, says):
    with pytest.raises(ValueError, match=None) as caught:
        RuleParts.parse(text)
    assert says in str(caught.value)


def test_a_bad_recurrence_reports_every_bad_field_at_once():
    with pytest.raises(InvalidRecordError) as caught:
        Recurrence(rule="FREQ=SECONDLY", zone="Mars/Olympus", exdates=[datetime(2026, 1, 1, 9)],  # naive
                   overrides=["not an override"])
    assert [name for name, _ in caught.value.problems] == ["rule", "zone", "exdates", "overrides"]
    assert "naive datetime" in dict(caught.value.problems)["exdates"]


def test_an_override_reports_every_bad_field():
    with pytest.raises(InvalidRecordError) as caught:
        Override(original_start="2026-01-01", start=datetime(2026, 1, 1, 9), show_as="maybe")
    assert [name for name, _ in caught.value.problems] == ["original_start", "start", "show_as"]


# -- the series and its event -------------------------------------------------------------------------------------
def test_a_series_starts_on_its_first_occurrence():
    with pytest.raises(InvalidRecordError) as caught:
        series(datetime(2026, 3, 16, 9, tzinfo=BERLIN), "FREQ=WEEKLY;BYDAY=TU", "Europe/Berlin")  # a Monday
    assert caught.value.problems[0][0] == "start"
    assert "2026-03-17T08:00:00+00:00" in caught.value.problems[0][1]


def test_a_rule_without_occurrences_is_refused():
    with pytest.raises(InvalidRecordError, match="gives no occurrence"):
        series(datetime(2026, 3, 16, 9, tzinfo=BERLIN), "FREQ=WEEKLY;UNTIL=20260301", "Europe/Berlin")


def test_keys_must_be_occurrences_of_the_same_kind_as_the_series():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    with pytest.raises(InvalidRecordError, match="not an occurrence of FREQ=WEEKLY in Europe/Berlin: 2026-03-17T08:00"):
        series(start, "FREQ=WEEKLY", "Europe/Berlin", exdates=[start + timedelta(days=1)])
    with pytest.raises(InvalidRecordError, match="must be aware datetimes"):
        series(start, "FREQ=WEEKLY", "Europe/Berlin", exdates=[date(2026, 3, 23)])
    with pytest.raises(InvalidRecordError, match="mixes dates and datetimes"):
        Recurrence(rule="FREQ=WEEKLY", zone="UTC", exdates=[date(2026, 3, 23), start])


def test_building_a_series_writes_out_what_the_rule_takes_from_its_start():
    monday = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    assert series(monday, "FREQ=WEEKLY", "Europe/Berlin").recurrence.rule == "FREQ=WEEKLY;BYDAY=MO"
    assert series(monday, "FREQ=MONTHLY", "Europe/Berlin").recurrence.rule == "FREQ=MONTHLY;BYMONTHDAY=16"
    assert series(monday, "FREQ=YEARLY", "Europe/Berlin").recurrence.rule == "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=16"
    # the same series written either way is the same value
    assert series(monday, "FREQ=WEEKLY", "Europe/Berlin") == series(monday, "FREQ=WEEKLY;BYDAY=MO", "Europe/Berlin")


def test_an_until_date_ends_a_timed_series_after_that_local_day():
    start = datetime(2026, 3, 16, 23, 30, tzinfo=BERLIN)
    event = series(start, "FREQ=DAILY;UNTIL=20260318", "Europe/Berlin")
    # the last second of 18 March in Berlin (CET, UTC+1) is 22:59:59Z
    assert event.recurrence.rule == "FREQ=DAILY;UNTIL=20260318T225959Z"
    assert [local(k, BERLIN) for k in Series(event).starts()] == [
        "2026-03-16 23:30 +0100", "2026-03-17 23:30 +0100", "2026-03-18 23:30 +0100"]


def test_an_until_time_of_an_all_day_series_becomes_its_local_date():
    event = Event(subject="Trip", start=date(2026, 5, 1), end=date(2026, 5, 2),
                  recurrence=Recurrence(rule="FREQ=DAILY;UNTIL=20260502T220000Z", zone="Europe/Berlin"))
    # 22:00Z on 2 May is already 3 May in Berlin (CEST, UTC+2)
    assert event.recurrence.rule == "FREQ=DAILY;UNTIL=20260503"
    assert list(Series(event).starts()) == [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)]


def test_an_override_keeps_only_its_own_differences():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    second = start + timedelta(days=7)
    event = Event(subject="1:1", location="Room 1", start=start, end=start + timedelta(hours=1),
                  recurrence=Recurrence(rule="FREQ=WEEKLY", zone="Europe/Berlin", overrides=[
                      Override(original_start=second, start=second, end=second + timedelta(hours=2), subject="1:1",
                               location="Room 2", show_as=ShowAs.BUSY, body=""),
                      Override(original_start=second + timedelta(days=7), subject="1:1"),  # nothing of its own
                  ]))
    assert event.recurrence.overrides == (
        Override(original_start=second, end=second + timedelta(hours=2), location="Room 2"),)


def test_cancelling_an_occurrence_wins_over_changing_it():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    second = start + timedelta(days=7)
    event = series(start, "FREQ=WEEKLY", "Europe/Berlin", exdates=[second],
                   overrides=[Override(original_start=second, subject="Moved")])
    assert event.recurrence.overrides == () and event.recurrence.exdates == (second,)


def test_an_override_may_not_end_before_it_starts():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    with pytest.raises(InvalidRecordError, match="would end"):
        series(start, "FREQ=WEEKLY", "Europe/Berlin",
               overrides=[Override(original_start=start, start=start + timedelta(hours=3))])


def test_naive_datetimes_are_an_error_everywhere_in_a_series():
    with pytest.raises(InvalidRecordError, match="naive datetime"):
        Override(original_start=datetime(2026, 3, 16, 9))


# -- expansion across DST ------------------------------------------------------------------------------------------
def test_a_weekly_berlin_meeting_stays_at_nine_across_the_spring_change():
    assert datetime(2026, 3, 28, 12, tzinfo=BERLIN).utcoffset() != datetime(2026, 3, 30, 12, tzinfo=BERLIN).utcoffset()
    event = series(datetime(2026, 3, 16, 9, tzinfo=BERLIN), "FREQ=WEEKLY;COUNT=4", "Europe/Berlin")
    starts = list(Series(event).starts())
    assert [local(k, BERLIN) for k in starts] == [
        "2026-03-16 09:00 +0100", "2026-03-23 09:00 +0100", "2026-03-30 09:00 +0200", "2026-04-06 09:00 +0200"]
    assert starts[2] == datetime(2026, 3, 30, 7, tzinfo=UTC)


def test_a_southern_hemisphere_series_keeps_its_wall_time_when_clocks_go_forward_in_october():
    assert datetime(2026, 10, 3, 12, tzinfo=SYDNEY).utcoffset() == timedelta(hours=10)
    assert datetime(2026, 10, 5, 12, tzinfo=SYDNEY).utcoffset() == timedelta(hours=11)
    event = series(datetime(2026, 9, 28, 9, tzinfo=SYDNEY), "FREQ=WEEKLY;COUNT=2", "Australia/Sydney")
    assert list(Series(event).starts()) == [datetime(2026, 9, 27, 23, tzinfo=UTC), datetime(2026, 10, 4, 22, tzinfo=UTC)]


def test_lord_howe_skipped_wall_time_moves_forward_by_the_thirty_minute_gap():
    # 02:00 -> 02:30 on 4 October 2026: 02:15 does not exist that night
    assert datetime(2026, 10, 3, 12, tzinfo=LORD_HOWE).utcoffset() == timedelta(hours=10, minutes=30)
    assert datetime(2026, 10, 5, 12, tzinfo=LORD_HOWE).utcoffset() == timedelta(hours=11)
    event = series(datetime(2026, 10, 3, 2, 15, tzinfo=LORD_HOWE), "FREQ=DAILY;COUNT=3", "Australia/Lord_Howe")
    starts = list(Series(event).starts())
    # RFC 5545 §3.3.5: read with the offset from before the gap (+10:30): 02:45 in the new offset (+11:00)
    assert [local(k, LORD_HOWE) for k in starts] == [
        "2026-10-03 02:15 +1030", "2026-10-04 02:45 +1100", "2026-10-05 02:15 +1100"]
    assert starts[1] == datetime(2026, 10, 3, 15, 45, tzinfo=UTC)


def test_lord_howe_repeated_wall_time_is_its_first_pass():
    # 02:00 -> 01:30 on 5 April 2026: 01:45 happens twice, first at +11:00
    event = series(datetime(2026, 4, 4, 1, 45, tzinfo=LORD_HOWE), "FREQ=DAILY;COUNT=2", "Australia/Lord_Howe", 30)
    starts = list(Series(event).starts())
    assert starts[1] == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)  # 01:45 +11:00, not 01:45 +10:30 (15:15Z)
    occurrence = Series(event).occurrence(starts[1])
    assert occurrence.end - occurrence.start == timedelta(minutes=30), "every occurrence lasts as long as the first"


def test_a_midnight_series_happens_at_one_where_clocks_jump_at_midnight():
    assert datetime(2026, 9, 5, 12, tzinfo=SANTIAGO).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 9, 7, 12, tzinfo=SANTIAGO).utcoffset() == timedelta(hours=-3)
    event = series(datetime(2026, 9, 5, 0, 0, tzinfo=SANTIAGO), "FREQ=DAILY;COUNT=3", "America/Santiago")
    assert [local(k, SANTIAGO) for k in Series(event).starts()] == [
        "2026-09-05 00:00 -0400", "2026-09-06 01:00 -0300", "2026-09-07 00:00 -0300"]
    # an adapter finds the key of the skipped occurrence from its local date alone
    assert Series(event).occurrence_on(date(2026, 9, 6)) == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert Series(event).occurrence_on(date(2026, 9, 8)) is None  # COUNT=3 has ended


def test_an_all_day_series_is_dates_whatever_the_zone_does_at_midnight():
    event = Event(subject="Holiday", start=date(2026, 9, 5), end=date(2026, 9, 6),
                  recurrence=Recurrence(rule="FREQ=DAILY;COUNT=3", zone="America/Santiago"))
    occurrences = Series(event).expand(Window(date(2026, 1, 1), date(2027, 1, 1)))
    assert [(o.event.start, o.event.end) for o in occurrences] == [
        (date(2026, 9, 5), date(2026, 9, 6)), (date(2026, 9, 6), date(2026, 9, 7)), (date(2026, 9, 7), date(2026, 9, 8))]
    assert all(o.event.recurrence is None and o.event.all_day for o in occurrences)


def test_expand_applies_overrides_leaves_out_cancelled_ones_and_keeps_to_the_window():
    start = datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    keys = [start + timedelta(days=7 * n) for n in range(6)]
    event = series(start, "FREQ=WEEKLY", "Europe/Berlin", exdates=[keys[2]], overrides=[
        Override(original_start=keys[3], start=keys[3] + timedelta(hours=2), end=keys[3] + timedelta(hours=3),
                 subject="Moved", body=Body(text="new room"))])
    window = Window(date(2026, 3, 9), date(2026, 3, 30))  # 9 March to 29 March, UTC days
    found = Series(event).expand(window)
    assert [o.original_start for o in found] == [keys[1], keys[3]]
    moved = found[1].event
    assert (moved.subject, moved.body, local(moved.start, BERLIN)) == ("Moved", Body(text="new room"),
                                                                       "2026-03-23 11:00 +0100")
    assert window.contains(keys[1].astimezone(UTC)) and not window.contains(keys[5].astimezone(UTC))


def test_window_around_today_includes_the_last_future_day():
    window = Window.around(date(2026, 6, 10), past_days=2, future_days=3)
    assert (window.first, window.end) == (date(2026, 6, 8), date(2026, 6, 14))
    assert window.contains(date(2026, 6, 13)) and not window.contains(date(2026, 6, 14))


# -- comparing series ---------------------------------------------------------------------------------------------
def test_rules_spelled_differently_that_give_the_same_occurrences_are_the_same_series():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    by_count = series(start, "FREQ=WEEKLY;COUNT=3", "Europe/Berlin")
    by_until = series(start, "FREQ=WEEKLY;UNTIL=20260330", "Europe/Berlin")
    assert by_count != by_until and same_series(by_count, by_until)
    alias = series(start, "FREQ=WEEKLY;COUNT=3", "Europe/Berlin").replace(
        recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=3", zone="Europe/Busingen"))  # same rules as Berlin
    assert same_series(by_count, alias)
    assert not same_series(by_count, series(start, "FREQ=WEEKLY;COUNT=4", "Europe/Berlin"))
    assert not same_series(by_count, series(start, "FREQ=WEEKLY", "Europe/Berlin"))
    assert not same_series(by_count, by_count.replace(recurrence=None))


@settings(max_examples=150, deadline=None)
@given(series_events())
def test_expansion_is_ordered_and_cancelled_occurrences_never_appear(event):
    found = Series(event).expand(Window(date(2025, 12, 1), date(2028, 1, 1)))
    keys = [o.original_start for o in found]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert not set(keys) & set(event.recurrence.exdates)
    for occurrence in found:
        assert occurrence.event.recurrence is None and occurrence.event.all_day == event.all_day
    # every key the series names is one of its occurrences, and a built series is in normal form
    assert not Series(event).not_occurrences(event.recurrence.keys())
    assert Event(**event.values()) == event


@settings(max_examples=150, deadline=None)
@given(series_events(zones=("Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Australia/Sydney")))
def test_timed_occurrences_keep_the_wall_time_of_the_first_unless_dst_skips_it(event):
    if event.all_day:
        return
    tz = ZoneInfo(event.recurrence.zone)
    first = event.start.astimezone(tz)
    for key in itertools.islice(Series(event).starts(), 40):
        wall = key.astimezone(tz)
        if (wall.hour, wall.minute) != (first.hour, first.minute):
            # only where the wall time does not exist that day: it is moved forward by the gap
            skipped = datetime.combine(wall.date(), first.time())
            assert skipped.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != skipped
            assert wall.replace(tzinfo=None) > skipped


# -- recurring tasks ----------------------------------------------------------------------------------------------
def test_a_fixed_task_series_follows_its_rule_from_its_start():
    task = Task(subject="Report", due=date(2026, 1, 31),
                recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=3", start=date(2026, 1, 31)))
    assert task.recurrence.rule == "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3"
    assert list(task.recurrence.due_dates()) == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]


def test_a_regenerating_task_series_is_an_interval_only():
    task = TaskRecurrence(rule="FREQ=WEEKLY;INTERVAL=2", start=date(2026, 1, 5), regenerate="after_completion")
    assert task.regenerate is Regeneration.AFTER_COMPLETION and list(task.due_dates()) == []
    with pytest.raises(InvalidRecordError, match="FREQ and INTERVAL only"):
        TaskRecurrence(rule="FREQ=WEEKLY;BYDAY=MO", start=date(2026, 1, 5), regenerate="after_completion")
    with pytest.raises(InvalidRecordError) as caught:
        TaskRecurrence(rule="FREQ=DAILY;UNTIL=20260101T000000Z", start=datetime(2026, 1, 5, tzinfo=UTC),
                       regenerate="sometimes")
    assert [name for name, _ in caught.value.problems] == ["start", "regenerate", "rule"]


# -- occurrence ids ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("series_id", ["crm-7", "AAMkAD#ex==", "00U5e00000AbCdEFGH"])
@pytest.mark.parametrize("key", [datetime(2026, 3, 30, 7, 0, 0, 5, tzinfo=UTC), date(2026, 3, 30)])
def test_occurrence_ids_name_series_and_original_start(series_id, key):
    from syncore.occurrences import occurrence_id, split_occurrence_id

    made = occurrence_id(series_id, key)
    assert split_occurrence_id(made) == (series_id, key)
    assert type(split_occurrence_id(made)[1]) is type(key)


@pytest.mark.parametrize(("native_id", "series"), [
    ("crm-7#2026-03-30T07:00:00.000000Z", "crm-7"), ("AAMkAD#ex==#2026-03-30", "AAMkAD#ex=="),
    ("crm-7", None), ("C#notes", None), ("#2026-03-30", None), ("crm-7#2026-03-30T07:00:00", None), ("", None),
    (None, None)])
def test_the_series_an_id_names_an_occurrence_of(native_id, series):
    from syncore.occurrences import series_of

    assert series_of(native_id) == series


def test_an_occurrence_id_is_the_same_for_the_same_instant_in_any_zone():
    from syncore.occurrences import occurrence_id, split_occurrence_id

    assert occurrence_id("s", datetime(2026, 3, 30, 9, tzinfo=BERLIN)) == "s#2026-03-30T07:00:00.000000Z"
    for value in ("crm-7", "", "#2026-03-30", "x#2026-03-30T07:00:00", "x#monday", "series:crm-7"):
        assert split_occurrence_id(value) is None
