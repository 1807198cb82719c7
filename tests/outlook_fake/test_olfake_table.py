"""Contract: Folder.GetTable columns, value representation, truncation, paging (§5, §12.12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore_outlook import constants as C


def _saved_appointment(calendar, subject="table", body=None):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = subject
    item.Start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    item.End = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    if body is not None:
        item.Body = body
    item.Save()
    return item


def _columns(table):
    return [table.Columns.Item(i).Name for i in range(1, table.Columns.Count + 1)]


def test_default_columns_per_folder_type(calendar, contacts, tasks):
    common = ["EntryID", "Subject", "CreationTime", "LastModificationTime", "MessageClass"]
    assert _columns(calendar.GetTable()) == common + ["Start", "End", "IsRecurring"]
    assert _columns(contacts.GetTable()) == common + ["FirstName", "LastName", "CompanyName"]
    assert _columns(tasks.GetTable()) == common + ["DueDate", "PercentComplete", "IsRecurring"]


def test_last_modification_time_by_name_is_local_by_dasl_is_utc(calendar, local_zone):
    item = _saved_appointment(calendar)
    table = calendar.GetTable()
    table.Columns.RemoveAll()
    table.Columns.Add("LastModificationTime")
    table.Columns.Add(C.PR_LAST_MODIFICATION_TIME)
    table.Columns.Add("EntryID")
    rows = [r for r in table.GetArray(100) if r[2] == item.EntryID]
    assert len(rows) == 1
    by_name, by_dasl, _ = rows[0]
    local_wall = by_dasl.astimezone(local_zone).replace(tzinfo=None)
    assert abs(by_name.replace(tzinfo=None) - local_wall) < timedelta(seconds=1)
    assert by_dasl.utcoffset() == timedelta(0)


def test_binary_by_name_is_hex_string_by_dasl_is_bytes(calendar):
    item = _saved_appointment(calendar)
    table = calendar.GetTable()
    table.Columns.RemoveAll()
    table.Columns.Add("EntryID")
    table.Columns.Add(C.PR_ENTRYID)
    table.Columns.Add(C.PID_GLOBAL_OBJECT_ID)
    row = table.GetNextRow()
    while row is not None and row.Item(1) != item.EntryID:
        row = table.GetNextRow()
    assert row is not None
    assert isinstance(row.Item(1), str)
    assert isinstance(row.Item(2), bytes)
    assert row.BinaryToString(2) == item.EntryID
    assert row.BinaryToString(3) == item.GlobalAppointmentID


def test_string_and_body_columns_are_truncated_to_255(calendar):
    long_subject = "S" * 300
    long_body = "B" * 1000
    item = _saved_appointment(calendar, long_subject, body=long_body)
    table = calendar.GetTable()
    table.Columns.RemoveAll()
    table.Columns.Add("EntryID")
    table.Columns.Add("Subject")
    table.Columns.Add("Body")
    row = next(r for r in table.GetArray(100) if r[0] == item.EntryID)
    assert row[1] == long_subject[:255]
    assert row[2] == long_body[:255]
    assert item.Subject == long_subject  # the item itself is not truncated


@pytest.mark.parametrize("name", ["BodyFormat", "RecurrenceState", "Saved", "RTFBody", "UserProperties"])
def test_blocked_columns_raise(calendar, com_error, name):
    table = calendar.GetTable()
    with pytest.raises(com_error):
        table.Columns.Add(name)


def test_get_array_pages_and_end_of_table(calendar):
    entry_ids = {_saved_appointment(calendar, f"page {i}").EntryID for i in range(5)}
    table = calendar.GetTable()
    table.Columns.RemoveAll()
    table.Columns.Add("EntryID")
    seen = []
    while not table.EndOfTable:
        chunk = table.GetArray(2)
        assert 1 <= len(chunk) <= 2
        assert all(isinstance(row, tuple) and len(row) == 1 for row in chunk)
        seen.extend(row[0] for row in chunk)
    assert entry_ids <= set(seen)
    assert table.GetNextRow() is None


def test_one_row_per_recurring_master(calendar):
    item = _saved_appointment(calendar, "daily")
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursDaily
    pattern.Occurrences = 5
    item.Save()
    table = calendar.GetTable()
    rows = [r for r in table.GetArray(100) if r[0] == item.EntryID]
    assert len(rows) == 1
    assert rows[0][7] is True  # IsRecurring


def test_user_property_column_needs_folder_field_or_type_suffix(calendar, com_error):
    item = _saved_appointment(calendar, "with sfid")
    prop = item.UserProperties.Add("SalesforceId", C.olText, False)
    prop.Value = "003000000000001"
    item.Save()
    table = calendar.GetTable()
    table.Columns.RemoveAll()
    table.Columns.Add("EntryID")
    with pytest.raises(com_error):
        table.Columns.Add("SalesforceId")  # not a folder field (AddToFolderFields=False)
    table.Columns.Add(C.PS_PUBLIC_STRINGS + "SalesforceId" + C.PT_UNICODE_SUFFIX)
    row = next(r for r in table.GetArray(100) if r[0] == item.EntryID)
    assert row[1] == "003000000000001"


def test_get_table_filter_and_table_restrict(calendar):
    early = _saved_appointment(calendar, "early")
    late = calendar.Items.Add(C.olAppointmentItem)
    late.Subject = "late"
    late.Start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    late.End = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    late.Save()
    table = calendar.GetTable("[Start] >= '11/24/2026 2:00 PM'")
    assert [row[0] for row in table.GetArray(100)] == [late.EntryID]
    narrowed = calendar.GetTable().Restrict("[Subject] = 'early'")
    row = narrowed.GetNextRow()
    assert row.Item("EntryID") == early.EntryID
    assert narrowed.GetNextRow() is None
