"""Field mapping of appointments, contacts and tasks, in both directions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from olsupport import gid, record_of

from syncore.models import Body, Contact, Event, Kind, ShowAs, Task, TaskPriority, TaskStatus
from syncore.remote import CreateRequest
from syncore_outlook import constants as C

START = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(("busy", "show_as"), [
    (C.olFree, ShowAs.FREE), (C.olTentative, ShowAs.TENTATIVE), (C.olBusy, ShowAs.BUSY),
    (C.olOutOfOffice, ShowAs.OUT_OF_OFFICE), (C.olWorkingElsewhere, ShowAs.BUSY),
])
def test_busy_status_is_read(fake, outlook, busy, show_as):
    eid = fake.user_create("calendar", Subject="s", Start=START, End=START + timedelta(hours=1), BusyStatus=busy)
    assert outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.show_as is show_as


def test_event_fields_are_read(fake, outlook):
    eid = fake.user_create("calendar", Subject="Lunch", Location="Cafe", Start=START,
                           End=START + timedelta(minutes=45), Sensitivity=C.olPrivate, ReminderSet=False,
                           Body="see you")
    event = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    assert event == Event(subject="Lunch", location="Cafe", start=START, end=START + timedelta(minutes=45),
                          private=True, reminder_minutes=None, body=Body(text="see you"))


def test_event_fields_are_written(fake, outlook):
    event = Event(subject="Demo", location="Room 1", start=START, end=START + timedelta(hours=2),
                  show_as=ShowAs.TENTATIVE, private=True, reminder_minutes=30, body=Body(text="bring laptop"),
                  attendees=("ada@example.com",))
    (out,) = outlook.create(Kind.EVENT, [CreateRequest(ref="e", record=event)])
    assert out.ok and any("attendees" in w for w in out.warnings)
    props = record_of(fake, out.id).props
    assert (props["Subject"], props["Location"], props["BusyStatus"], props["Sensitivity"]) == (
        "Demo", "Room 1", C.olTentative, C.olPrivate)
    assert (props["ReminderSet"], props["ReminderMinutesBeforeStart"]) == (True, 30)
    assert props["Body"] == "bring laptop"
    assert "RequiredAttendees" not in props, "never turned into a meeting"
    assert record_of(fake, out.id).recipients == []
    # everything but the (read-only) attendees is held as written
    assert outlook.fetch(Kind.EVENT, [out.id])[out.id].record == event.replace(attendees=())


def test_contact_fields_round_trip(fake, outlook):
    contact = Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="+44 1",
                      mobile_phone="+44 2", title="Countess", department="Maths", company="Engines Ltd",
                      mailing_street="1 St James's Square", mailing_city="London", mailing_state="",
                      mailing_postal_code="SW1", mailing_country="UK", birthday=date(1815, 12, 10),
                      notes=Body(text="first programmer"))
    (out,) = outlook.create(Kind.CONTACT, [CreateRequest(ref="c", record=contact)])
    props = fake.record(out.id).props
    assert props["BusinessTelephoneNumber"] == "+44 1" and props["BusinessAddressCity"] == "London"
    assert props["Email1Address"] == "ada@example.com" and props["JobTitle"] == "Countess"
    assert outlook.fetch(Kind.CONTACT, [out.id])[out.id].record == contact


def test_exchange_address_is_read_as_smtp(fake, outlook):
    eid = fake.user_create("contacts", LastName="Hopper", Email1AddressType="EX",
                           Email1Address="/o=Navy/ou=Exchange/cn=Recipients/cn=ghopper",
                           Email1SmtpAddress="grace@navy.example")
    assert outlook.fetch(Kind.CONTACT, [eid])[eid].record.email == "grace@navy.example"


@pytest.mark.parametrize(("status", "ol_status"), [
    (TaskStatus.NOT_STARTED, C.olTaskNotStarted), (TaskStatus.IN_PROGRESS, C.olTaskInProgress),
    (TaskStatus.WAITING, C.olTaskWaiting), (TaskStatus.DEFERRED, C.olTaskDeferred),
])
def test_task_status_round_trip(fake, outlook, status, ol_status):
    (out,) = outlook.create(Kind.TASK, [CreateRequest(ref="t", record=Task(subject="s", status=status))])
    assert fake.record(out.id).props["Status"] == ol_status
    assert outlook.fetch(Kind.TASK, [out.id])[out.id].record.status is status


@pytest.mark.parametrize(("priority", "importance"), [
    (TaskPriority.LOW, C.olImportanceLow), (TaskPriority.NORMAL, C.olImportanceNormal),
    (TaskPriority.HIGH, C.olImportanceHigh),
])
def test_task_priority_round_trip(fake, outlook, priority, importance):
    (out,) = outlook.create(Kind.TASK, [CreateRequest(ref="t", record=Task(subject="s", priority=priority,
                                                                           private=True))])
    props = fake.record(out.id).props
    assert (props["Importance"], props["Sensitivity"]) == (importance, C.olPrivate)
    stored = outlook.fetch(Kind.TASK, [out.id])[out.id].record
    assert stored.priority is priority and stored.private
