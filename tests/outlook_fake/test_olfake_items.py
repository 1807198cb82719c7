"""Contract: item lifecycle, ids, Delete, missing members, Categories, 4501 dates (§2, §6, §12)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from syncore_outlook import constants as C

NONE_DATE = datetime(4501, 1, 1, tzinfo=UTC)


def _subject() -> str:
    return f"syncore contract {uuid.uuid4().hex[:8]}"


def test_entry_id_empty_until_save(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    assert item.EntryID == ""
    item.Subject = _subject()
    item.Save()
    assert item.EntryID != ""
    assert item.GlobalAppointmentID != ""


def test_get_item_from_id_round_trip(calendar, namespace):
    item = calendar.Items.Add(C.olAppointmentItem)
    subject = _subject()
    item.Subject = subject
    item.Save()
    again = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    assert again.Subject == subject
    assert again.EntryID == item.EntryID


def test_get_item_from_unknown_id_raises(namespace, calendar, com_error):
    bogus = "00000000" + "AB" * 40
    with pytest.raises(com_error):
        namespace.GetItemFromID(bogus, calendar.StoreID)


def test_resave_bumps_last_modification_time(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = _subject()
    item.Save()
    first = item.LastModificationTime
    item.Location = "Room 1"
    item.Save()
    assert item.LastModificationTime >= first


def test_delete_moves_to_deleted_items(calendar, deleted_items, namespace):
    subject = _subject()
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = subject
    item.Save()
    goid = item.GlobalAppointmentID
    item.Delete()
    assert [i for i in calendar.Items if i.Subject == subject] == []
    table = calendar.GetTable()
    rows = table.GetArray(1000)
    assert all(row[1] != subject for row in rows)
    in_bin = [i for i in deleted_items.Items.Restrict(f"[Subject] = '{subject}'")]
    assert len(in_bin) == 1
    # GlobalAppointmentID survives the move (it "does not change", reference §2.1).
    assert in_bin[0].GlobalAppointmentID == goid
    in_bin[0].Delete()  # from Deleted Items: permanent
    assert [i for i in deleted_items.Items.Restrict(f"[Subject] = '{subject}'")] == []


def test_no_body_format_on_non_mail_items(calendar, contacts, tasks):
    for folder in (calendar, contacts, tasks):
        item = folder.Items.Add()
        with pytest.raises(AttributeError):
            item.BodyFormat  # noqa: B018 - BodyFormat exists only on MailItem/PostItem/SharingItem


def test_categories_is_one_delimited_string(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = _subject()
    item.Categories = "Red Category, Blue Category"
    item.Save()
    value = item.Categories
    assert isinstance(value, str)
    assert [p.strip() for p in value.split(",")] == ["Red Category", "Blue Category"]


def test_empty_dates_are_4501(tasks, contacts):
    task = tasks.Items.Add(C.olTaskItem)
    task.Subject = _subject()
    task.Save()
    assert task.DueDate == NONE_DATE
    assert task.DateCompleted == NONE_DATE
    contact = contacts.Items.Add(C.olContactItem)
    contact.LastName = _subject()
    contact.Save()
    assert contact.Birthday == NONE_DATE


def test_writing_4501_clears_a_date(tasks):
    task = tasks.Items.Add(C.olTaskItem)
    task.Subject = _subject()
    task.DueDate = datetime(2026, 12, 1, tzinfo=UTC)
    task.Save()
    assert task.DueDate.date().isoformat() == "2026-12-01"
    task.DueDate = NONE_DATE
    task.Save()
    assert task.DueDate == NONE_DATE


def test_contact_and_task_basics(contacts, tasks):
    contact = contacts.Items.Add(C.olContactItem)
    contact.FirstName = "Ada"
    contact.LastName = "Lovelace"
    contact.CompanyName = "Analytical Engines"
    contact.Email1Address = "ada@example.com"
    contact.Save()
    assert contact.FullName == "Ada Lovelace"
    assert contact.Email1Address == "ada@example.com"
    assert contact.Email1AddressType == "SMTP"
    task = tasks.Items.Add(C.olTaskItem)
    task.Subject = _subject()
    task.Complete = True
    task.Save()
    assert task.Status == C.olTaskComplete
    assert task.PercentComplete == 100


def test_items_enumeration_helpers(calendar):
    subjects = {_subject() for _ in range(3)}
    for subject in subjects:
        item = calendar.Items.Add(C.olAppointmentItem)
        item.Subject = subject
        item.Save()
    items = calendar.Items
    assert items.Count == 3
    seen = set()
    item = items.GetFirst()
    while item is not None:
        seen.add(item.Subject)
        item = items.GetNext()
    assert seen == subjects
    target = sorted(subjects)[1]
    assert items.Find(f"[Subject] = '{target}'").Subject == target
    assert items.Item(1).Subject in subjects
