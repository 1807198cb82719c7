"""Create/get/update/delete of calendar items, contacts and tasks through the real exchangelib client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from exchangelib import (
    UTC,
    Attendee,
    Body,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
    HTMLBody,
    Mailbox,
)
from exchangelib.errors import ErrorInvalidIdMalformed, ErrorIrresolvableConflict, ErrorItemNotFound
from exchangelib.fields import MONDAY
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import (
    ALWAYS_OVERWRITE,
    AUTO_RESOLVE,
    NEVER_OVERWRITE,
    CalendarItem,
    Contact,
    Task,
)
from exchangelib.recurrence import NumberedPattern, Recurrence, WeeklyPattern

BERLIN = EWSTimeZone("Europe/Berlin")


def test_calendar_item_round_trip(emu, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Kick-off",
        location="Room 1",
        start=EWSDateTime(2025, 3, 10, 9, 0, tzinfo=BERLIN),
        end=EWSDateTime(2025, 3, 10, 10, 0, tzinfo=BERLIN),
        legacy_free_busy_status="Tentative",
        sensitivity="Private",
        reminder_is_set=True,
        reminder_minutes_before_start=15,
        body="plain notes",
        required_attendees=[
            Attendee(mailbox=Mailbox(email_address="bob@example.com"), response_type="Unknown")
        ],
        sf_id="00U000000000001AAA",
    )
    item.save()
    assert item.id and item.changekey
    got = account.calendar.get(id=item.id)
    assert got.subject == "Kick-off" and got.location == "Room 1"
    # Stored and returned in UTC, as Exchange does.
    assert got.start == EWSDateTime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert got.end.astimezone(BERLIN).hour == 10
    assert got.legacy_free_busy_status == "Tentative" and got.sensitivity == "Private"
    assert got.reminder_is_set is True and got.reminder_minutes_before_start == 15
    assert got.is_all_day is False and got.type == "Single" and got.is_recurring is False
    assert got.uid and got.last_modified_time and got.datetime_created
    assert got.required_attendees[0].mailbox.email_address == "bob@example.com"
    assert got.organizer.email_address == "user@example.com" and got.is_meeting is True
    assert got.my_response_type == "Organizer" and got.is_cancelled is False
    assert isinstance(got.body, Body) and not isinstance(got.body, HTMLBody) and got.body == "plain notes"
    assert got.sf_id == "00U000000000001AAA"
    assert got._start_timezone == BERLIN

    old_ck = got.changekey
    got.subject = "Kick-off (moved)"
    got.start = EWSDateTime(2025, 3, 11, 9, 0, tzinfo=BERLIN)
    got.end = EWSDateTime(2025, 3, 11, 10, 0, tzinfo=BERLIN)
    got.save(update_fields=["subject", "start", "end"])
    assert got.changekey != old_ck
    again = account.calendar.get(id=item.id)
    assert again.subject == "Kick-off (moved)" and again.start.day == 11
    assert again.last_modified_time >= got.last_modified_time

    again.delete()
    assert emu.items("calendar") == []
    with pytest.raises(ErrorItemNotFound):
        account.calendar.get(id=item.id)


def test_wire_format_booleans_and_utc(emu, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="x",
        is_all_day=False,
        start=EWSDateTime(2025, 6, 1, 12, 0, tzinfo=BERLIN),
        end=EWSDateTime(2025, 6, 1, 13, 0, tzinfo=BERLIN),
        reminder_is_set=False,
    )
    item.save()
    fields = emu.get_item(item.id)["fields"]
    # exchangelib sends 1/0 and local offsets; the store holds Exchange's response spelling.
    assert fields["IsAllDayEvent"] == "false" and fields["ReminderIsSet"] == "false"
    assert fields["Start"] == "2025-06-01T10:00:00Z" and fields["End"] == "2025-06-01T11:00:00Z"


def test_all_day_event_round_trip(emu):
    account = emu.account(default_timezone=BERLIN)
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Holiday",
        is_all_day=True,
        start=EWSDate(2025, 3, 12),
        end=EWSDate(2025, 3, 12),
    )
    item.save()
    stored = emu.get_item(item.id)["fields"]
    assert stored["Start"] == "2025-03-11T23:00:00Z" and stored["End"] == "2025-03-12T23:00:00Z"
    assert stored["IsAllDayEvent"] == "true" and stored["StartTimeZone"] == "W. Europe Standard Time"
    got = account.calendar.get(id=item.id)
    assert got.is_all_day is True
    assert (got.start, got.end) == (EWSDate(2025, 3, 12), EWSDate(2025, 3, 12))  # inclusive end
    # Move across the DST switch (last Sunday of March) and read back.
    got.start, got.end = EWSDate(2025, 3, 30), EWSDate(2025, 3, 31)
    got.save(update_fields=["start", "end"])
    stored = emu.get_item(item.id)["fields"]
    assert stored["Start"] == "2025-03-29T23:00:00Z" and stored["End"] == "2025-03-31T22:00:00Z"
    got = account.calendar.get(id=item.id)
    assert (got.start, got.end) == (EWSDate(2025, 3, 30), EWSDate(2025, 3, 31))


def test_html_body_and_text_body(emu, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="b",
        start=EWSDateTime(2025, 1, 1, 9, tzinfo=BERLIN),
        end=EWSDateTime(2025, 1, 1, 10, tzinfo=BERLIN),
        body=HTMLBody("<html><body><p>Hello <b>World</b></p><p>Line 2</p></body></html>"),
    )
    item.save()
    got = next(iter(account.fetch([item], only_fields=["body", "text_body"])))
    assert isinstance(got.body, HTMLBody) and "<b>World</b>" in got.body
    assert got.text_body == "Hello World\nLine 2"
    # A direct edit by "another client" with a plain body reads back as Body, not HTMLBody.
    emu.update_item(item.id, {"Body": "plain"})
    got = next(iter(account.fetch([item], only_fields=["body", "text_body"])))
    assert type(got.body) is Body and got.body == "plain" and got.text_body == "plain"


def test_recurring_master(emu, account):
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Weekly",
        start=EWSDateTime(2025, 3, 10, 9, tzinfo=BERLIN),
        end=EWSDateTime(2025, 3, 10, 10, tzinfo=BERLIN),
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[MONDAY]), start=EWSDate(2025, 3, 10), number=5
        ),
    )
    item.save()
    got = account.calendar.get(id=item.id)
    assert got.type == "RecurringMaster" and got.is_recurring is True
    assert isinstance(got.recurrence.pattern, WeeklyPattern)
    assert isinstance(got.recurrence.boundary, NumberedPattern) and got.recurrence.boundary.number == 5


def test_contact_round_trip_and_indexed_merge(emu, account):
    contact = Contact(
        account=account,
        folder=account.contacts,
        display_name="Ann Lee",
        given_name="Ann",
        surname="Lee",
        company_name="ACME",
        job_title="CTO",
        department="R&D",
        birthday=EWSDate(1980, 5, 1),
        email_addresses=[EmailAddress(label="EmailAddress1", email="ann@acme.test")],
        phone_numbers=[
            PhoneNumber(label="MobilePhone", phone_number="+1 555"),
            PhoneNumber(label="BusinessPhone", phone_number="+1 777"),
        ],
        physical_addresses=[
            PhysicalAddress(
                label="Business", street="1 Main St", city="Springfield", zipcode="12345", country="US"
            )
        ],
        sf_id="003000000000001AAA",
    )
    contact.save()
    got = account.contacts.get(id=contact.id)
    assert (got.given_name, got.surname, got.company_name, got.job_title, got.department) == (
        "Ann",
        "Lee",
        "ACME",
        "CTO",
        "R&D",
    )
    assert got.birthday == EWSDate(1980, 5, 1)
    assert {p.label: p.phone_number for p in got.phone_numbers} == {
        "MobilePhone": "+1 555",
        "BusinessPhone": "+1 777",
    }
    assert got.physical_addresses[0].city == "Springfield"
    assert got.sf_id == "003000000000001AAA"

    # exchangelib replaces indexed fields as a whole: SetItemField per label, DeleteItemField for the others.
    got.phone_numbers = [PhoneNumber(label="MobilePhone", phone_number="+1 556")]
    got.physical_addresses = [PhysicalAddress(label="Business", street="2 Main St", city="Springfield")]
    got.save(update_fields=["phone_numbers", "physical_addresses"])
    again = account.contacts.get(id=contact.id)
    assert [(p.label, p.phone_number) for p in again.phone_numbers] == [("MobilePhone", "+1 556")]
    addr = again.physical_addresses[0]
    assert (addr.street, addr.city, addr.zipcode, addr.country) == ("2 Main St", "Springfield", None, None)
    assert again.email_addresses[0].email == "ann@acme.test"  # untouched field survives

    # Another client adds a home phone: merged per entry, nothing else lost.
    emu.update_item(contact.id, {"PhoneNumbers": {"HomePhone": "+1 999"}})
    again = account.contacts.get(id=contact.id)
    assert {p.label for p in again.phone_numbers} == {"MobilePhone", "HomePhone"}


def test_task_round_trip(emu, account):
    task = Task(
        account=account,
        folder=account.tasks,
        subject="Call back",
        importance="High",
        status="InProgress",
        percent_complete=Decimal(50),
        due_date=EWSDate(2025, 4, 1),
        reminder_is_set=True,
        reminder_due_by=EWSDateTime(2025, 3, 31, 9, tzinfo=BERLIN),
    )
    task.save()
    got = account.tasks.get(id=task.id)
    assert (got.subject, got.importance, got.status, got.percent_complete) == (
        "Call back",
        "High",
        "InProgress",
        50,
    )
    assert got.due_date == EWSDate(2025, 4, 1) and got.is_complete is False
    assert got.reminder_due_by == EWSDateTime(2025, 3, 31, 7, tzinfo=UTC)
    got.status, got.percent_complete = "Completed", Decimal(100)
    got.save(update_fields=["status", "percent_complete"])
    done = account.tasks.get(id=task.id)
    assert done.status == "Completed" and done.is_complete is True and done.complete_date is not None
    done.delete()
    assert emu.items("tasks") == []


def test_extended_property_update_and_delete(emu, account):
    task = Task(account=account, folder=account.tasks, subject="x", sf_id="A")
    task.save()
    task.sf_id = "B"
    task.save(update_fields=["sf_id"])
    assert emu.get_item(task.id)["fields"]["ExtendedProperty"] == {"SalesforceId": "B"}
    assert account.tasks.get(id=task.id).sf_id == "B"
    task.sf_id = None
    task.save(update_fields=["sf_id"])
    assert account.tasks.get(id=task.id).sf_id is None
    # Properties written by another client are readable too.
    emu.update_item(task.id, {"ExtendedProperty": {"SalesforceId": "C"}})
    assert account.tasks.get(id=task.id).sf_id == "C"


def test_stale_changekey_conflict_modes(emu, account):
    item = Contact(account=account, folder=account.contacts, display_name="A", given_name="A")
    item.save()
    stale_ck = item.changekey
    emu.update_item(item.id, {"GivenName": "Changed elsewhere"})
    item.given_name = "Mine"
    with pytest.raises(ErrorIrresolvableConflict):
        item.save(update_fields=["given_name"], conflict_resolution=NEVER_OVERWRITE)
    assert emu.get_item(item.id)["fields"]["GivenName"] == "Changed elsewhere"
    assert item.changekey == stale_ck
    # AutoResolve / AlwaysOverwrite overwrite.
    item.save(update_fields=["given_name"], conflict_resolution=AUTO_RESOLVE)
    assert emu.get_item(item.id)["fields"]["GivenName"] == "Mine"
    item.changekey = stale_ck
    item.given_name = "Mine again"
    item.save(update_fields=["given_name"], conflict_resolution=ALWAYS_OVERWRITE)
    assert emu.get_item(item.id)["fields"]["GivenName"] == "Mine again"
    # A spontaneous change-key bump is also a conflict under NeverOverwrite.
    emu.bump_changekey(item.id)
    with pytest.raises(ErrorIrresolvableConflict):
        item.save(update_fields=["given_name"], conflict_resolution=NEVER_OVERWRITE)


def test_bulk_operations_per_item_outcomes(emu, account):
    items = [Task(account=account, folder=account.tasks, subject=f"t{i}") for i in range(5)]
    created = account.bulk_create(folder=account.tasks, items=items)
    assert len(created) == 5 and all(c.id and c.changekey for c in created)
    assert emu.count("CreateItem") == 1

    gone = emu.create_item(folder="tasks", fields={"Subject": "gone"})
    emu.delete_item(gone)
    fetched = list(
        account.fetch(
            [(c.id, c.changekey) for c in created] + [(gone, None), ("bogus-id", None)],
            only_fields=["subject", "status"],
        )
    )
    assert [f.subject for f in fetched[:5]] == [f"t{i}" for i in range(5)]
    # A well-formed id that names nothing is "not found"; a malformed one is not an id at all.
    assert isinstance(fetched[5], ErrorItemNotFound)
    assert isinstance(fetched[6], ErrorInvalidIdMalformed)

    for f in fetched[:5]:
        f.subject = f.subject.upper()
    updated = account.bulk_update([(f, ["subject"]) for f in fetched[:5]])
    assert all(isinstance(u, tuple) and u[1] != f.changekey for u, f in zip(updated, fetched, strict=False))
    assert sorted(i["fields"]["Subject"] for i in emu.items("tasks")) == [f"T{i}" for i in range(5)]

    # The abort pitfall: a stale item in a NeverOverwrite batch raises, after earlier items were saved.
    fresh = list(account.fetch([(u[0], u[1]) for u in updated[:2]], only_fields=["subject"]))
    emu.update_item(fresh[1].id, {"Subject": "elsewhere"})
    fresh[0].subject, fresh[1].subject = "first", "second"
    with pytest.raises(ErrorIrresolvableConflict):
        account.bulk_update(
            [(fresh[0], ["subject"]), (fresh[1], ["subject"])], conflict_resolution=NEVER_OVERWRITE
        )
    assert emu.get_item(fresh[0].id)["fields"]["Subject"] == "first"
    assert emu.get_item(fresh[1].id)["fields"]["Subject"] == "elsewhere"

    result = account.bulk_delete([(c.id, c.changekey) for c in created[:3]] + [(gone, None), ("missing", None)])
    assert result[:3] == [True, True, True] and isinstance(result[3], ErrorItemNotFound)
    assert isinstance(result[4], ErrorInvalidIdMalformed)
    assert len(emu.items("tasks")) == 2


def test_delete_types(emu, account):
    ids = [
        emu.create_item(
            folder="calendar",
            fields={
                "Subject": f"e{i}",
                "Start": dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC),
                "End": dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC),
            },
        )
        for i in range(3)
    ]
    # Plain string ids would be splatted into ItemId(*"..."); pass (id, changekey) tuples.
    items = list(account.fetch([(i, None) for i in ids], only_fields=["subject"]))
    items[0].delete()
    items[1].soft_delete()
    items[2].move_to_trash()
    assert emu.items("calendar") == []
    assert [r.attrs["DeleteType"] for r in emu.requests if r.operation == "DeleteItem"] == [
        "HardDelete",
        "SoftDelete",
        "MoveToDeletedItems",
    ]
    assert [i["fields"]["Subject"] for i in emu.items("deleteditems")] == ["e2"]
    assert [i["fields"]["Subject"] for i in emu.items("recoverableitemsdeletions")] == ["e1"]


def test_finditem_paging_and_calendar_view(emu, account):
    for i in range(7):
        emu.create_item(
            folder="calendar",
            fields={
                "Subject": f"e{i}",
                "Start": dt.datetime(2025, 1, 1 + i, 9, tzinfo=dt.UTC),
                "End": dt.datetime(2025, 1, 1 + i, 10, tzinfo=dt.UTC),
            },
        )
    qs = account.calendar.all().only("subject")
    qs.page_size = 3
    assert sorted(i.subject for i in qs) == [f"e{i}" for i in range(7)]
    assert emu.count("FindItem") == 3
    view = account.calendar.view(
        start=EWSDateTime(2025, 1, 2, tzinfo=UTC), end=EWSDateTime(2025, 1, 4, tzinfo=UTC)
    ).only("subject")
    assert sorted(i.subject for i in view) == ["e1", "e2"]


def test_delegate_access_to_second_mailbox(emu):
    other = emu.account("other@example.com", credentials=emu.credentials("user@example.com"))
    item = Task(account=other, folder=other.tasks, subject="theirs")
    item.save()
    assert [i["fields"]["Subject"] for i in emu.items("tasks", "other@example.com")] == ["theirs"]
    assert emu.items("tasks") == []


def test_finditem_restriction_and_sort(emu, account):
    for i, sf in enumerate(["003A", "003B", None, "003C"]):
        fields = {
            "DisplayName": f"Person {i}",
            "GivenName": f"p{i}",
            "CompanyName": "ACME" if i % 2 else "Other",
        }
        if sf:
            fields["ExtendedProperty"] = {"SalesforceId": sf}
        emu.create_item(folder="contacts", fields=fields)
    # Look an item up by its Salesforce id (extended property restriction).
    assert [c.display_name for c in account.contacts.filter(sf_id="003B").only("display_name")] == [
        "Person 1"
    ]
    assert [
        c.display_name
        for c in account.contacts.filter(company_name="acme").order_by("-display_name").only("display_name")
    ] == ["Person 3", "Person 1"]
    assert sorted(
        c.given_name for c in account.contacts.filter(display_name__contains="son 2").only("given_name")
    ) == ["p2"]
    assert account.contacts.filter(sf_id__exists=False).count() == 1
    from exchangelib import Q

    assert account.contacts.filter(Q(given_name="p0") | ~Q(company_name="Other")).count() == 3


def test_finditem_datetime_restriction(emu, account):
    for day in (1, 5, 9):
        emu.create_item(
            folder="calendar",
            fields={
                "Subject": f"d{day}",
                "Start": dt.datetime(2025, 1, day, 9, tzinfo=dt.UTC),
                "End": dt.datetime(2025, 1, day, 10, tzinfo=dt.UTC),
            },
        )
    qs = account.calendar.filter(
        start__gte=EWSDateTime(2025, 1, 4, tzinfo=UTC), start__lt=EWSDateTime(2025, 1, 9, tzinfo=UTC)
    ).only("subject")
    assert [i.subject for i in qs] == ["d5"]


def test_append_to_item_field(emu):
    import requests

    item_id = emu.create_item(folder="tasks", fields={"Subject": "a", "Body": "one", "Categories": ["x"]})
    changekey = emu.get_item(item_id)["changekey"]
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>
  <m:UpdateItem ConflictResolution="NeverOverwrite" MessageDisposition="SaveOnly">
    <m:ItemChanges><t:ItemChange><t:ItemId Id="{item_id}" ChangeKey="{changekey}"/><t:Updates>
      <t:AppendToItemField><t:FieldURI FieldURI="item:Body"/>
        <t:Task><t:Body BodyType="Text">+two</t:Body></t:Task></t:AppendToItemField>
      <t:AppendToItemField><t:FieldURI FieldURI="item:Categories"/>
        <t:Task><t:Categories><t:String>y</t:String></t:Categories></t:Task></t:AppendToItemField>
    </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>
</s:Body></s:Envelope>"""
    reply = requests.post(emu.url, data=body.encode(), auth=("user@example.com", "secret"), timeout=10)
    assert reply.status_code == 200 and b"NoError" in reply.content
    fields = emu.get_item(item_id)["fields"]
    assert fields["Body"] == "one+two" and fields["Categories"].count("<t:String>") == 2


def test_malformed_changekey(emu, account):
    from exchangelib.errors import ErrorInvalidChangeKey

    task = Task(account=account, folder=account.tasks, subject="x")
    task.save()
    task.changekey, task.subject = "not-a-key", "y"
    with pytest.raises(ErrorInvalidChangeKey):
        task.save(update_fields=["subject"])
    # In a bulk call it is returned, not raised.
    assert isinstance(account.bulk_update([(task, ["subject"])])[0], ErrorInvalidChangeKey)
    assert emu.get_item(task.id)["fields"]["Subject"] == "x"
