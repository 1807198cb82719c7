"""Contract: RecurrencePattern basics (§8, §12.14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncore_outlook import constants as C


def _appointment(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "series"
    item.Start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday, local wall labelled UTC
    item.End = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    return item


def test_pattern_on_single_item_makes_it_recurring_after_save(calendar):
    item = _appointment(calendar)
    item.Save()
    assert item.IsRecurring is False
    assert item.RecurrenceState == C.olApptNotRecurring
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursWeekly
    pattern.DayOfWeekMask = C.olMonday
    pattern.Interval = 1
    pattern.NoEndDate = True
    item.Save()
    assert item.IsRecurring is True
    assert item.RecurrenceState == C.olApptMaster
    assert pattern.PatternStartDate.date().isoformat() == "2026-11-02"


def test_yearly_interval_is_in_months(calendar):
    item = _appointment(calendar)
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursYearly
    assert pattern.Interval == 12
    item.Save()


def test_get_occurrence_raises_when_none_starts_then(calendar, namespace, com_error):
    item = _appointment(calendar)
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursDaily
    pattern.Occurrences = 3
    item.Save()
    master = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    pattern = master.GetRecurrencePattern()
    occurrence = pattern.GetOccurrence(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    assert occurrence.RecurrenceState == C.olApptOccurrence
    assert occurrence.Start == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    with pytest.raises(com_error):
        pattern.GetOccurrence(datetime(2026, 11, 3, 9, 30, tzinfo=UTC))


def test_deleted_occurrence_becomes_exception(calendar, namespace):
    item = _appointment(calendar)
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursDaily
    pattern.Occurrences = 3
    item.Save()
    master = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    master.GetRecurrencePattern().GetOccurrence(datetime(2026, 11, 3, 9, 0, tzinfo=UTC)).Delete()
    # Stale references keep old data: re-open the master to see the exception.
    fresh = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    exceptions = fresh.GetRecurrencePattern().Exceptions
    assert exceptions.Count == 1
    exc = exceptions.Item(1)
    assert exc.Deleted is True
    assert exc.OriginalDate == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _series(calendar, start, end, **pattern_values):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "series"
    item.Start, item.End = start, end
    pattern = item.GetRecurrencePattern()
    for name, value in pattern_values.items():
        setattr(pattern, name, value)
    item.Save()
    return item


def test_day_31_of_the_month_falls_on_the_last_day_of_shorter_months(calendar):
    # "The last day of every month can be represented by the value 31 in monthly recurrences"
    # (CDO RecurrencePattern.DayOfMonth, https://msdn2.microsoft.com/en-us/library/ms528295; MS-OXCICAL imports
    # BYMONTHDAY=-1 as day 31)
    _series(calendar, datetime(2027, 1, 31, 9, 0, tzinfo=UTC), datetime(2027, 1, 31, 10, 0, tzinfo=UTC),
            RecurrenceType=C.olRecursMonthly, Interval=1, DayOfMonth=31, Occurrences=4)
    items = calendar.Items
    items.Sort("[Start]")
    items.IncludeRecurrences = True
    assert [(i.Start.month, i.Start.day) for i in items if i.Subject == "series"] == [(1, 31), (2, 28), (3, 31),
                                                                                     (4, 30)]


def test_get_occurrence_takes_the_local_start_on_both_sides_of_dst(calendar, namespace, berlin):
    # Mondays 09:00 Berlin from 22 March 2027; the clocks go forward on 28 March (outlook_com.md §8:
    # GetOccurrence takes local time, https://learn.microsoft.com/en-us/office/vba/api/outlook.recurrencepattern.getoccurrence)
    item = _series(calendar, datetime(2027, 3, 22, 9, 0, tzinfo=UTC), datetime(2027, 3, 22, 10, 0, tzinfo=UTC),
                   RecurrenceType=C.olRecursWeekly, DayOfWeekMask=C.olMonday, Interval=1, Occurrences=3)
    pattern = namespace.GetItemFromID(item.EntryID, calendar.StoreID).GetRecurrencePattern()
    before = pattern.GetOccurrence(datetime(2027, 3, 22, 9, 0, tzinfo=UTC))
    after = pattern.GetOccurrence(datetime(2027, 3, 29, 9, 0, tzinfo=UTC))
    assert before.StartUTC == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # CET
    assert after.StartUTC == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # CEST: still 09:00 on the wall


def test_a_modified_occurrence_is_an_exception_with_its_original_date(calendar, namespace):
    item = _series(calendar, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
                   RecurrenceType=C.olRecursDaily, Interval=1, Occurrences=3)
    master = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    occurrence = master.GetRecurrencePattern().GetOccurrence(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    occurrence.Subject = "moved"
    occurrence.Start = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    occurrence.End = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    occurrence.Save()
    # read the exceptions from a fresh reference (outlook_com.md §8: old references keep an out-of-date copy)
    exceptions = namespace.GetItemFromID(item.EntryID, calendar.StoreID).GetRecurrencePattern().Exceptions
    assert exceptions.Count == 1
    exception = exceptions.Item(1)
    assert exception.Deleted is False
    assert exception.OriginalDate == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert exception.AppointmentItem.Subject == "moved"
    assert exception.AppointmentItem.Start == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    assert exception.AppointmentItem.RecurrenceState == C.olApptException


def test_an_old_reference_keeps_an_out_of_date_copy_of_the_exceptions(calendar, namespace):
    # "Release every reference to the master … before re-reading; otherwise your new reference will still point
    # to an out-of-date copy" (outlook_com.md §8; AppointmentItem.GetRecurrencePattern, Outlook.Exception)
    item = _series(calendar, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
                   RecurrenceType=C.olRecursDaily, Interval=1, Occurrences=3)
    old = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    old_pattern = old.GetRecurrencePattern()
    assert old_pattern.Exceptions.Count == 0
    other = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    other.GetRecurrencePattern().GetOccurrence(datetime(2026, 11, 3, 9, 0, tzinfo=UTC)).Delete()
    assert old_pattern.Exceptions.Count == 0, "the old reference does not see the deletion"
    del old, old_pattern, other
    fresh = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    assert fresh.GetRecurrencePattern().Exceptions.Count == 1
