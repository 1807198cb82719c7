"""The pure mapping (no exchangelib): all-day end conversion, enums, indexed labels, task percentages."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as NS

import syncore_exchange._mapping as mapping_pkg
from syncore.models import Body, Contact, Event, ShowAs, Task, TaskPriority, TaskStatus
from syncore_exchange._mapping import (
    BodyValue,
    contact_fields,
    contact_from_item,
    event_fields,
    event_from_item,
    recurring_reason,
    task_fields,
    task_from_item,
)


def _calendar_item(**kw):
    base = {"subject": "S", "start": None, "end": None, "is_all_day": False, "location": None, "body": None, "text_body": None,
                "legacy_free_busy_status": "Busy", "sensitivity": "Normal", "reminder_is_set": False,
                "reminder_minutes_before_start": 0, "required_attendees": None, "type": "Single", "is_recurring": False}
    base.update(kw)
    return NS(**base)


def test_mapping_modules_do_not_import_exchangelib():
    for path in Path(mapping_pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.startswith("exchangelib")], path.name


def test_all_day_end_is_inclusive_in_exchangelib_and_exclusive_in_syncore():
    # exchangelib reads an all-day item on 12 March as start 12, end 12 (inclusive)
    event = event_from_item(_calendar_item(start=date(2025, 3, 12), end=date(2025, 3, 12), is_all_day=True))
    assert (event.start, event.end, event.all_day) == (date(2025, 3, 12), date(2025, 3, 13), True)
    fields = event_fields(Event(subject="x", start=date(2025, 3, 12), end=date(2025, 3, 15)))
    assert (fields["start"], fields["end"], fields["is_all_day"]) == (date(2025, 3, 12), date(2025, 3, 14), True)


def test_timed_items_are_utc_and_start_end_travel_together():
    berlin = timezone(timedelta(hours=1))
    item = _calendar_item(start=datetime(2025, 3, 12, 9, tzinfo=berlin), end=datetime(2025, 3, 12, 10, tzinfo=berlin))
    event = event_from_item(item)
    assert event.start == datetime(2025, 3, 12, 8, tzinfo=UTC) and event.start.tzinfo is UTC
    fields = event_fields(event, frozenset({"start"}))
    assert set(fields) == {"start", "end", "is_all_day"} and fields["is_all_day"] is False


def test_event_enums_reminders_privacy_attendees_and_body():
    item = _calendar_item(
        start=datetime(2025, 1, 1, 9, tzinfo=UTC), end=datetime(2025, 1, 1, 10, tzinfo=UTC),
        legacy_free_busy_status="OOF", sensitivity="Private", reminder_is_set=True, reminder_minutes_before_start=30,
        required_attendees=[NS(mailbox=NS(email_address="Bob@Example.com"))],
        body=type("HTMLBody", (str,), {})("<p><b>Hi</b> there</p>"),
    )
    event = event_from_item(item)
    assert event.show_as is ShowAs.OUT_OF_OFFICE and event.private and event.reminder_minutes == 30
    assert event.attendees == ("bob@example.com",)
    assert event.body.html == "<p><b>Hi</b> there</p>" and event.body.text == "Hi there"
    assert event_from_item(_calendar_item(start=item.start, end=item.end, legacy_free_busy_status="WorkingElsewhere",
                                          sensitivity="Personal")).show_as is ShowAs.BUSY
    fields = event_fields(event.replace(show_as=ShowAs.TENTATIVE, reminder_minutes=None, private=False))
    assert fields["legacy_free_busy_status"] == "Tentative" and fields["sensitivity"] == "Normal"
    assert fields["reminder_is_set"] is False
    assert fields["body"] == BodyValue(text="Hi there", html="<p><b>Hi</b> there</p>")
    assert event_fields(event.replace(body=Body(text="plain")), frozenset({"body"})) == {"body": BodyValue("plain")}


def test_occurrences_are_left_to_their_series():
    # a master is read as a series; its occurrences and exceptions never as records of their own
    assert recurring_reason(_calendar_item(type="RecurringMaster")) is None
    assert recurring_reason(_calendar_item(type="Occurrence")) is not None
    assert recurring_reason(_calendar_item(type="Exception")) is not None
    assert recurring_reason(_calendar_item()) is None


def test_contact_fields_touch_only_the_labels_syncore_owns():
    contact = Contact(first_name="Ann", last_name="Lee", phone="+1 555", email="ann@example.com", mailing_city="Oslo")
    fields = contact_fields(contact, frozenset({"phone"}))
    assert fields == {"phone_numbers": {"BusinessPhone": "+1 555"}}
    all_fields = contact_fields(contact)
    assert all_fields["display_name"] == "Ann Lee"
    assert all_fields["phone_numbers"] == {"BusinessPhone": "+1 555", "MobilePhone": None}
    assert all_fields["physical_addresses"]["Business"]["city"] == "Oslo"
    item = NS(given_name="Ann", surname="Lee", company_name=None, job_title="CTO", department=None,
              email_addresses=[NS(label="EmailAddress2", email="x@y.z"), NS(label="EmailAddress1", email="ann@example.com")],
              phone_numbers=[NS(label="HomePhone", phone_number="1"), NS(label="MobilePhone", phone_number="2")],
              physical_addresses=[NS(label="Business", street="Main 1", city="Oslo", state=None, zipcode="0150",
                                     country="Norway")],
              birthday=datetime(1990, 5, 17, 11, 59, tzinfo=UTC), body=None, text_body=None)
    read = contact_from_item(item)
    assert read.email == "ann@example.com" and read.mobile_phone == "2" and read.phone == ""
    assert read.mailing_street == "Main 1" and read.mailing_postal_code == "0150" and read.birthday == date(1990, 5, 17)


def test_task_percent_follows_the_status():
    task = Task(subject="t", status=TaskStatus.COMPLETED, priority=TaskPriority.HIGH, due=date(2025, 5, 1))
    fields = task_fields(task)
    assert fields["percent_complete"] == Decimal(100) and fields["importance"] == "High"
    assert fields["due_date"] == date(2025, 5, 1) and "complete_date" not in fields
    assert task_fields(task.replace(status=TaskStatus.NOT_STARTED), frozenset({"status"}))["percent_complete"] == 0
    assert task_fields(task.replace(status=TaskStatus.IN_PROGRESS), frozenset({"status"}),
                       Decimal(40))["percent_complete"] == Decimal(40)
    done = datetime(2025, 4, 1, 12, tzinfo=UTC)
    item = NS(subject="t", due_date=date(2025, 5, 1), status="WaitingOnOthers", importance="Low", complete_date=done,
              reminder_is_set=False, reminder_due_by=None, body=None, text_body=None, sensitivity="Normal")
    read = task_from_item(item)
    assert read.status is TaskStatus.WAITING and read.priority is TaskPriority.LOW and read.completed_at is None
    item.status = "Completed"
    assert task_from_item(item).completed_at == done
