"""Contract: Items.Restrict Jet/DASL subsets, blocked properties, recurrence expansion (§4, §12.10-11)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from syncore_outlook import constants as C


def _add(calendar, subject, local_hour, day=24):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = subject
    item.Start = datetime(2026, 11, day, local_hour, 0, tzinfo=UTC)  # local wall labelled UTC
    item.End = datetime(2026, 11, day, local_hour + 1, 0, tzinfo=UTC)
    item.Save()
    return item


def _subjects(items):
    return sorted(i.Subject for i in items)


def test_jet_date_filter_compares_local_time(calendar):
    _add(calendar, "early", 9)
    _add(calendar, "late", 11)
    hits = calendar.Items.Restrict("[Start] >= '11/24/2026 10:00 AM'")
    assert _subjects(hits) == ["late"]


def test_dasl_date_filter_compares_utc(calendar, berlin):
    _add(calendar, "early", 9)  # 08:00 UTC in Berlin winter
    _add(calendar, "late", 11)  # 10:00 UTC
    hits = calendar.Items.Restrict(f"@SQL=\"{C.DASL_DTSTART}\" >= '11/24/2026 9:30 AM'")
    assert _subjects(hits) == ["late"]


def test_jet_string_and_boolean_conditions(calendar):
    _add(calendar, "Alpha", 9)
    _add(calendar, "Beta", 11)
    either = calendar.Items.Restrict("[Subject] = 'Alpha' Or [Subject] = 'Beta'")
    assert _subjects(either) == ["Alpha", "Beta"]
    assert _subjects(calendar.Items.Restrict("[IsRecurring] = False And [Subject] <> 'Alpha'")) == ["Beta"]


@pytest.mark.parametrize("condition", ["[Body] = 'x'", "[EntryID] = 'x'", "[Categories] = 'x'",
                                       "[RecurrenceState] = 1"])
def test_restrict_on_blocked_property_raises(calendar, com_error, condition):
    with pytest.raises(com_error):
        calendar.Items.Restrict(condition)


def test_user_field_must_be_defined_in_folder(calendar, com_error):
    item = _add(calendar, "sf", 9)
    with pytest.raises(com_error):
        calendar.Items.Restrict("[SalesforceId] = '003A'")
    item.UserProperties.Add("SalesforceId", C.olText, True).Value = "003A"
    item.Save()
    assert _subjects(calendar.Items.Restrict("[SalesforceId] = '003A'")) == ["sf"]


def test_recurrences_expand_only_with_sort_and_include_recurrences(calendar):
    master = _add(calendar, "daily", 9, day=2)
    pattern = master.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursDaily
    pattern.Occurrences = 3
    master.Save()
    _add(calendar, "single", 12, day=3)

    plain = calendar.Items
    assert _subjects(plain) == ["daily", "single"]

    items = calendar.Items
    items.Sort("[Start]")
    items.IncludeRecurrences = True
    window = items.Restrict("[Start] >= '11/1/2026 12:00 AM' And [Start] < '12/1/2026 12:00 AM'")
    got = [(i.Subject, i.Start.day, i.RecurrenceState) for i in itertools.islice(window, 10)]
    assert got == [("daily", 2, C.olApptOccurrence), ("daily", 3, C.olApptOccurrence),
                   ("single", 3, C.olApptNotRecurring), ("daily", 4, C.olApptOccurrence)]
