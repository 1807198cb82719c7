"""Contract: RecurrencePattern basics (§8, §12.14)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from syncore_outlook import constants as C

UTC = timezone.utc


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
