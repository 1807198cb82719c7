"""Items through the emulator: bodies, zones kept on update, indexed contact entries, tasks, links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from exchangelib import EWSTimeZone

from syncore.models import Body, Contact, Event, Kind, ShowAs, Task, TaskPriority, TaskStatus
from syncore.remote import CreateRequest, UpdateRequest

TOKYO = EWSTimeZone("Asia/Tokyo")


def _update(adapter, kind, native_id, record, *fields, base_version=None):
    (outcome,) = adapter.update(kind, [UpdateRequest(ref="u", id=native_id, record=record, fields=frozenset(fields),
                                                     base_version=base_version)])
    assert outcome.ok, outcome.error
    return outcome


def test_event_fields_are_written_as_exchange_expects(emu, adapter):
    event = Event(subject="Review", start=datetime(2031, 6, 2, 7, tzinfo=UTC), end=datetime(2031, 6, 2, 8, tzinfo=UTC),
                  location="Room 1", body=Body(html="<p>See <b>notes</b></p>"), show_as=ShowAs.TENTATIVE, private=True,
                  reminder_minutes=10, attendees=("ann@example.com", "bob@example.com"))
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=event, link="00U1")])
    fields = emu.get_item(outcome.id)["fields"]
    assert fields["BodyType"] == "HTML" and "<b>notes</b>" in fields["Body"]
    assert fields["LegacyFreeBusyStatus"] == "Tentative" and fields["Sensitivity"] == "Private"
    assert fields["ReminderIsSet"] == "true" and fields["ReminderMinutesBeforeStart"] == "10"
    assert fields["Start"] == "2031-06-02T07:00:00Z" and fields["StartTimeZone"] == "W. Europe Standard Time"
    assert fields["ExtendedProperty"] == {"SyncoreLink": "00U1"}
    assert "ann@example.com" in fields["RequiredAttendees"] and "bob@example.com" in fields["RequiredAttendees"]
    stored = adapter.fetch(Kind.EVENT, [outcome.id])[outcome.id]
    assert stored.record == event and stored.record.body.is_formatted and stored.link == "00U1"
    assert stored.version == emu.get_item(outcome.id)["changekey"]


def test_formatted_body_is_kept_when_other_fields_change(emu, adapter):
    item_id = emu.create_item(folder="calendar", fields={
        "Subject": "Board", "Start": datetime(2031, 6, 2, 7, tzinfo=UTC), "End": datetime(2031, 6, 2, 8, tzinfo=UTC),
        "Body": ("HTML", "<html><body><p style='color:red'>Red <i>text</i></p></body></html>")})
    current = adapter.fetch(Kind.EVENT, [item_id])[item_id]
    moved = current.record.replace(start=current.record.start + timedelta(hours=2), end=current.record.end + timedelta(hours=2),
                                   body=Body(text="Red text"))  # the CRM's plain copy, not in fields
    _update(adapter, Kind.EVENT, item_id, moved, "start", "end", base_version=current.version)
    fields = emu.get_item(item_id)["fields"]
    assert fields["Start"] == "2031-06-02T09:00:00Z" and fields["BodyType"] == "HTML"
    assert "color:red" in fields["Body"]


def test_update_keeps_the_items_own_time_zones(emu, adapter):
    item_id = emu.create_item(folder="calendar", fields={
        "Subject": "Tokyo call", "Start": datetime(2031, 6, 2, 1, tzinfo=UTC), "End": datetime(2031, 6, 2, 2, tzinfo=UTC),
        "StartTimeZone": TOKYO, "EndTimeZone": TOKYO})
    current = adapter.fetch(Kind.EVENT, [item_id])[item_id]
    later = current.record.replace(start=datetime(2031, 6, 3, 1, tzinfo=UTC), end=datetime(2031, 6, 3, 3, tzinfo=UTC))
    _update(adapter, Kind.EVENT, item_id, later, "start", "end")
    fields = emu.get_item(item_id)["fields"]
    assert fields["StartTimeZone"] == "Tokyo Standard Time" and fields["EndTimeZone"] == "Tokyo Standard Time"
    assert (fields["Start"], fields["End"]) == ("2031-06-03T01:00:00Z", "2031-06-03T03:00:00Z")
    # all-day moves use the item's zone for the local midnights too
    allday = later.replace(start=date(2031, 6, 10), end=date(2031, 6, 12))
    _update(adapter, Kind.EVENT, item_id, allday, "start", "end")
    fields = emu.get_item(item_id)["fields"]
    assert fields["IsAllDayEvent"] == "true"
    assert (fields["Start"], fields["End"]) == ("2031-06-09T15:00:00Z", "2031-06-11T15:00:00Z")  # Tokyo midnights
    assert adapter.fetch(Kind.EVENT, [item_id])[item_id].record.end == date(2031, 6, 12)


def test_updating_the_business_phone_keeps_the_mobile_and_other_entries(emu, adapter):
    item_id = emu.create_item(folder="contacts", fields={
        "DisplayName": "Ann Lee", "GivenName": "Ann", "Surname": "Lee",
        "PhoneNumbers": {"BusinessPhone": "+1 111", "MobilePhone": "+1 222", "HomePhone": "+1 333"},
        "EmailAddresses": {"EmailAddress1": "ann@example.com", "EmailAddress2": "ann@home.example"},
        "PhysicalAddresses": {"Business": {"Street": "Main 1", "City": "Oslo"}, "Home": {"City": "Bergen"}}})
    current = adapter.fetch(Kind.CONTACT, [item_id])[item_id].record
    assert (current.phone, current.mobile_phone, current.email) == ("+1 111", "+1 222", "ann@example.com")
    _update(adapter, Kind.CONTACT, item_id, current.replace(phone="+1 999"), "phone")
    _update(adapter, Kind.CONTACT, item_id, current.replace(mailing_city="Trondheim", email="ann@work.example"),
            "mailing_city", "email")
    fields = emu.get_item(item_id)["fields"]
    assert fields["PhoneNumbers"] == {"BusinessPhone": "+1 999", "MobilePhone": "+1 222", "HomePhone": "+1 333"}
    assert fields["EmailAddresses"] == {"EmailAddress1": "ann@work.example", "EmailAddress2": "ann@home.example"}
    assert fields["PhysicalAddresses"]["Business"] == {"Street": "Main 1", "City": "Trondheim"}
    assert fields["PhysicalAddresses"]["Home"] == {"City": "Bergen"}


def test_contact_names_company_title_birthday_notes(emu, adapter):
    contact = Contact(first_name="Grace", last_name="Hopper", company="Navy", title="Admiral", department="R&D",
                      birthday=date(1906, 12, 9), notes=Body(text="COBOL"), mobile_phone="+1 444")
    (outcome,) = adapter.create(Kind.CONTACT, [CreateRequest(ref="c", record=contact)])
    fields = emu.get_item(outcome.id)["fields"]
    assert fields["DisplayName"] == "Grace Hopper" and fields["CompanyName"] == "Navy"
    assert fields["JobTitle"] == "Admiral" and fields["Department"] == "R&D"
    assert fields["PhoneNumbers"] == {"MobilePhone": "+1 444"}
    assert adapter.fetch(Kind.CONTACT, [outcome.id])[outcome.id].record == contact
    renamed = contact.replace(last_name="Murray Hopper")
    _update(adapter, Kind.CONTACT, outcome.id, renamed, "last_name")
    assert emu.get_item(outcome.id)["fields"]["DisplayName"] == "Grace Murray Hopper"


def test_task_status_importance_due_completion_and_percent(emu, adapter):
    task = Task(subject="Call back", due=date(2031, 1, 15), status=TaskStatus.IN_PROGRESS, priority=TaskPriority.LOW)
    (outcome,) = adapter.create(Kind.TASK, [CreateRequest(ref="c", record=task)])
    fields = emu.get_item(outcome.id)["fields"]
    assert fields["Status"] == "InProgress" and fields["Importance"] == "Low" and fields["PercentComplete"] == "0"
    assert fields["DueDate"].startswith("2031-01-15")
    emu.update_item(outcome.id, {"PercentComplete": 40})
    fetched = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id]
    # still in progress: the user's 40 % stays
    _update(adapter, Kind.TASK, outcome.id, fetched.record.replace(priority=TaskPriority.HIGH, status=TaskStatus.WAITING),
            "priority", "status")
    assert emu.get_item(outcome.id)["fields"]["PercentComplete"] == "40"
    done = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id].record.replace(status=TaskStatus.COMPLETED)
    outcome2 = _update(adapter, Kind.TASK, outcome.id, done, "status")
    fields = emu.get_item(outcome.id)["fields"]
    assert fields["Status"] == "Completed" and fields["PercentComplete"] == "100" and "CompleteDate" in fields
    stored = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id]
    assert stored.record.status is TaskStatus.COMPLETED and stored.record.completed_at is not None
    assert stored.version == outcome2.version
