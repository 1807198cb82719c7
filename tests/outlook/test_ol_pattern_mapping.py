"""Outlook RecurrencePattern ⇄ syncore rule (syncore_outlook._mapping.recurrence) against the fake's expansion.

Every Microsoft pattern and range is set through the object model, read back from a fresh reference (stale
references keep old data, outlook_com.md §8), and the rule's occurrences are compared with what Outlook expands
(Items sorted by Start with IncludeRecurrences, §4): same local starts, 09:00 Berlin on both sides of DST.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore.models import Event
from syncore.patterns import Unfit
from syncore.recurrence import Recurrence
from syncore.series import Series
from syncore_outlook import constants as C
from syncore_outlook._mapping.recurrence import apply_pattern, com_values, rule_from_com
from syncore_outlook._time import OutlookClock

BERLIN = ZoneInfo("Europe/Berlin")

RULES = {
    "daily": ("FREQ=DAILY;INTERVAL=3", date(2027, 3, 1)),
    "weekly": ("FREQ=WEEKLY;BYDAY=MO,WE,FR", date(2027, 3, 1)),
    "absolute monthly": ("FREQ=MONTHLY;BYMONTHDAY=-1", date(2027, 3, 31)),
    "relative monthly": ("FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", date(2027, 3, 31)),
    "absolute yearly": ("FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=15", date(2027, 3, 15)),
    "relative yearly": ("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", date(2027, 3, 28)),
}
ENDS = {"numbered": ";COUNT=5", "end date": ";UNTIL=20300101", "no end": ""}


def _event(rule, first):
    start = datetime.combine(first, datetime.min.time().replace(hour=9), tzinfo=BERLIN).astimezone(UTC)
    return Event(subject="series", start=start, end=start + timedelta(hours=1),
                 recurrence=Recurrence(rule=rule, zone="Europe/Berlin"))


def _outlook_starts(fake, limit):
    items = fake.application.GetNamespace("MAPI").GetDefaultFolder(C.olFolderCalendar).Items
    items.Sort("[Start]")
    items.IncludeRecurrences = True
    # Start is Berlin wall time labelled UTC (the pywin32 trap): compare wall times
    return [i.Start.replace(tzinfo=None) for i in itertools.islice(items, limit)]


@pytest.mark.parametrize("end", list(ENDS))
@pytest.mark.parametrize("name", list(RULES))
def test_every_pattern_and_range_round_trips_through_outlook(fake, name, end):
    rule, first = RULES[name]
    event = _event(rule + ENDS[end], first)
    clock = OutlookClock("Europe/Berlin")
    namespace = fake.application.GetNamespace("MAPI")
    item = namespace.GetDefaultFolder(C.olFolderCalendar).Items.Add(C.olAppointmentItem)
    item.Subject = "series"
    item.Start = clock.write_local(event.start)
    item.End = clock.write_local(event.end)
    apply_pattern(item.GetRecurrencePattern(), event, clock)
    item.Save()

    fresh = namespace.GetItemFromID(item.EntryID)
    read_rule, rng = rule_from_com(fresh.GetRecurrencePattern())
    assert rng.start == first
    read = event.replace(recurrence=Recurrence(rule=read_rule, zone="Europe/Berlin"))
    expected = [k.astimezone(BERLIN).replace(tzinfo=None) for k in itertools.islice(Series(event).starts(), 12)]
    assert [k.astimezone(BERLIN).replace(tzinfo=None) for k in itertools.islice(Series(read).starts(), 12)] == expected
    assert _outlook_starts(fake, 12) == expected
    assert {wall.hour for wall in expected} == {9}


def test_the_yearly_interval_is_written_and_read_in_months():
    values = com_values(_event("FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=15;COUNT=3", date(2027, 3, 15)))
    assert values["RecurrenceType"] == C.olRecursYearly and values["Interval"] == 24
    relative = com_values(_event("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", date(2027, 3, 28)))
    assert relative == {"RecurrenceType": C.olRecursYearNth, "Interval": 12, "DayOfWeekMask": C.olSunday,
                        "MonthOfYear": 3, "Instance": 5, "PatternStartDate": date(2027, 3, 28), "NoEndDate": True}


def test_a_yearly_interval_of_odd_months_and_a_rule_no_pattern_gives_are_unfit():
    from types import SimpleNamespace

    from syncore_outlook._mapping.recurrence import pattern_from_com

    odd = SimpleNamespace(RecurrenceType=C.olRecursYearly, Interval=18, DayOfWeekMask=0, DayOfMonth=15,
                          MonthOfYear=3, Instance=0)
    with pytest.raises(Unfit, match="18 months"):
        pattern_from_com(odd)
    with pytest.raises(Unfit):
        com_values(_event("FREQ=MONTHLY;BYMONTHDAY=15,16", date(2027, 3, 15)))


def test_a_master_with_a_moved_and_a_deleted_occurrence_reads_as_one_series(fake):
    from syncore.recurrence import Override
    from syncore_outlook._mapping.series import series_from_appointment

    clock = OutlookClock("Europe/Berlin")
    namespace = fake.application.GetNamespace("MAPI")
    calendar = namespace.GetDefaultFolder(C.olFolderCalendar)
    # Mondays 09:00 Berlin from 22 March 2027, 4 times: the clocks go forward on 28 March
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "Team"
    item.Start, item.End = clock.write_wall(datetime(2027, 3, 22, 9)), clock.write_wall(datetime(2027, 3, 22, 10))
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursWeekly
    pattern.DayOfWeekMask = C.olMonday
    pattern.Occurrences = 4
    item.Save()
    master = namespace.GetItemFromID(item.EntryID)
    moved = master.GetRecurrencePattern().GetOccurrence(clock.write_wall(datetime(2027, 3, 29, 9)))
    moved.Subject = "Team (late)"
    moved.Start, moved.End = clock.write_wall(datetime(2027, 3, 29, 15)), clock.write_wall(datetime(2027, 3, 29, 16))
    moved.Save()
    namespace.GetItemFromID(item.EntryID).GetRecurrencePattern().GetOccurrence(
        clock.write_wall(datetime(2027, 4, 5, 9))).Delete()

    series = series_from_appointment(namespace.GetItemFromID(item.EntryID), clock)  # a fresh reference (§8)
    assert series.start == datetime(2027, 3, 22, 8, tzinfo=UTC)
    assert series.recurrence == Recurrence(
        rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", zone="Europe/Berlin", exdates=[datetime(2027, 4, 5, 7, tzinfo=UTC)],
        overrides=[Override(original_start=datetime(2027, 3, 29, 7, tzinfo=UTC), subject="Team (late)",
                            start=datetime(2027, 3, 29, 13, tzinfo=UTC), end=datetime(2027, 3, 29, 14, tzinfo=UTC))])


def test_a_series_is_written_as_one_master_with_its_exceptions_through_get_occurrence(fake):
    from syncore.recurrence import Override
    from syncore_outlook._mapping.series import series_from_appointment, write_occurrences

    clock = OutlookClock("Europe/Berlin")
    namespace = fake.application.GetNamespace("MAPI")
    start = datetime(2027, 3, 22, 8, tzinfo=UTC)  # Mondays 09:00 Berlin, across the 28 March change
    # (Outlook gives a new appointment a 15-minute reminder)
    wanted = Event(subject="Team", start=start, end=start + timedelta(hours=1), reminder_minutes=15,
                   recurrence=Recurrence(
        rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", zone="Europe/Berlin", exdates=[datetime(2027, 4, 12, 7, tzinfo=UTC)],
        overrides=[Override(original_start=datetime(2027, 3, 29, 7, tzinfo=UTC), subject="Team (late)",
                            start=datetime(2027, 3, 29, 13, tzinfo=UTC), end=datetime(2027, 3, 29, 14, tzinfo=UTC))]))
    item = namespace.GetDefaultFolder(C.olFolderCalendar).Items.Add(C.olAppointmentItem)
    item.Subject = wanted.subject
    item.StartUTC, item.EndUTC = clock.write_utc(wanted.start), clock.write_utc(wanted.end)
    apply_pattern(item.GetRecurrencePattern(), wanted, clock)
    item.Save()
    write_occurrences(lambda: namespace.GetItemFromID(item.EntryID), wanted, None, clock)

    assert series_from_appointment(namespace.GetItemFromID(item.EntryID), clock) == wanted
    assert _outlook_starts(fake, 10) == [datetime(2027, 3, 22, 9), datetime(2027, 3, 29, 15), datetime(2027, 4, 5, 9)]
    # an occurrence edited later: only that one is written again
    edited = wanted.replace(recurrence=Recurrence(rule=wanted.recurrence.rule, zone="Europe/Berlin",
                                                  exdates=wanted.recurrence.exdates,
                                                  overrides=[*wanted.recurrence.overrides, Override(
                                                      original_start=datetime(2027, 4, 5, 7, tzinfo=UTC),
                                                      location="Room 4")]))
    write_occurrences(lambda: namespace.GetItemFromID(item.EntryID), edited, wanted, clock)
    assert series_from_appointment(namespace.GetItemFromID(item.EntryID), clock) == edited
