"""Field mapping rules, checked before sending, and the describe cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sfadapter_support import T0, make_adapter

from syncore.errors import RecordRejected, UnsupportedRecord
from syncore.models import Body, Contact, Event, Kind, ShowAs, Task, TaskStatus
from syncore.remote import CreateRequest, UpdateRequest
from syncore_salesforce._describe import ObjectInfo, TaskStatusInfo
from syncore_salesforce._mapping import WriteContext, tasks
from syncore_salesforce.emulator import SalesforceEmulator

START = T0 + timedelta(days=3)


def _event(**changes) -> Event:
    return Event(subject="Review", start=START, end=START + timedelta(hours=1)).replace(**changes)


def _create(adapter, kind, *records):
    return adapter.create(kind, [CreateRequest(ref=str(i), record=r) for i, r in enumerate(records)])


def test_tentative_is_stored_as_busy_with_a_warning_and_represented_as_busy(emu):
    adapter = make_adapter(emu)
    (outcome,) = _create(adapter, Kind.EVENT, _event(show_as=ShowAs.TENTATIVE, private=True,
                                                       attendees=("a@example.com",)))
    assert outcome.ok
    assert any("tentative" in w for w in outcome.warnings) and any("attendees" in w for w in outcome.warnings)
    row = emu.get("Event", outcome.id)
    assert row["ShowAs"] == "Busy" and row["IsPrivate"] is True
    stored = adapter.fetch(Kind.EVENT, [outcome.id])[outcome.id].record
    assert stored.show_as is ShowAs.BUSY and stored.attendees == ()
    assert adapter.represent(_event(show_as=ShowAs.TENTATIVE, private=True, attendees=("a@example.com",))) == stored


def test_events_longer_than_14_days_are_refused_before_sending(emu):
    adapter = make_adapter(emu)
    adapter.describe.get("Event")
    emu.reset_log()
    too_long = Event(subject="Sabbatical", start=date(2027, 1, 1), end=date(2027, 1, 16))
    timed = _event().replace(end=START + timedelta(days=14, minutes=1))
    outcomes = _create(adapter, Kind.EVENT, too_long, timed, _event())
    assert [type(o.error) for o in outcomes] == [UnsupportedRecord, UnsupportedRecord, type(None)]
    assert "14 days" in str(outcomes[0].error)
    assert len(emu.all("Event")) == 1


def test_all_day_dates_and_reminders(emu):
    adapter = make_adapter(emu)
    event = Event(subject="Offsite", start=date(2027, 3, 27), end=date(2027, 3, 29), reminder_minutes=24 * 60)
    (outcome,) = _create(adapter, Kind.EVENT, event)
    row = emu.get("Event", outcome.id)
    assert (row["IsAllDayEvent"], row["ActivityDate"], row["DurationInMinutes"]) == (True, "2027-03-27", 2880)
    assert row["EndDateTime"] == "2027-03-28T00:00:00.000+0000"
    assert row["IsReminderSet"] and row["ReminderDateTime"] == "2027-03-26T00:00:00.000+0000"
    assert adapter.fetch(Kind.EVENT, [outcome.id])[outcome.id].record == event
    # moving a timed event moves its reminder with it
    (timed,) = _create(adapter, Kind.EVENT, _event(reminder_minutes=15))
    moved = _event(reminder_minutes=15).replace(start=START + timedelta(hours=3), end=START + timedelta(hours=4))
    (update,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=timed.id, record=moved,
                                                          fields=frozenset({"start", "end"}))])
    assert update.ok
    assert adapter.fetch(Kind.EVENT, [timed.id])[timed.id].record == moved


def test_too_long_values_are_rejected_per_record_naming_field_and_limit(emu):
    adapter = make_adapter(emu)
    outcomes = _create(adapter, Kind.EVENT, _event(subject="x" * 256), _event(body=Body(text="y" * 32001)), _event())
    assert isinstance(outcomes[0].error, RecordRejected)
    assert "Event.Subject is 256 characters, Salesforce allows 255" in str(outcomes[0].error)
    assert "Event.Description is 32001 characters, Salesforce allows 32000" in str(outcomes[1].error)
    assert outcomes[2].ok
    assert [row["Subject"] for row in emu.all("Event")] == ["Review"], "nothing truncated silently"
    (contact,) = _create(adapter, Kind.CONTACT, Contact(last_name="Lovelace", first_name="A" * 41))
    assert "Contact.FirstName is 41 characters, Salesforce allows 40" in str(contact.error)


def test_formatted_body_goes_in_as_its_text(emu):
    adapter = make_adapter(emu)
    body = Body(html="<p><b>Bold</b> plan</p>")
    (outcome,) = _create(adapter, Kind.EVENT, _event(body=body))
    assert emu.get("Event", outcome.id)["Description"] == "Bold plan"
    assert adapter.represent(_event(body=body)).body.html is None


def test_describe_is_called_once_per_object_for_the_adapters_life(emu):
    adapter = make_adapter(emu)
    for _ in range(3):
        _create(adapter, Kind.EVENT, _event())
        _create(adapter, Kind.CONTACT, Contact(last_name="Hopper"))
    assert emu.count("describe", sobject="Event") == 1
    assert emu.count("describe", sobject="Contact") == 1


def test_contact_last_name_fallback_is_reported(emu):
    adapter = make_adapter(emu)
    outcomes = _create(adapter, Kind.CONTACT, Contact(first_name="Grace", company="US Navy"),
                       Contact(first_name="Ada", email="ada.lovelace@example.com"), Contact(first_name="Nobody"))
    assert emu.get("Contact", outcomes[0].id)["LastName"] == "US Navy"
    assert emu.get("Contact", outcomes[1].id)["LastName"] == "ada.lovelace"
    assert all(any("last name missing" in w for w in o.warnings) for o in outcomes[:2])
    assert isinstance(outcomes[2].error, RecordRejected) and "LastName" in str(outcomes[2].error)
    assert adapter.represent(Contact(first_name="Grace", company="US Navy")).last_name == "US Navy"


def test_task_status_priority_and_read_only_completion(emu):
    emu.clock.freeze(T0)  # frozen: this test pins exact SystemModstamp values
    adapter = make_adapter(emu)
    task = Task(subject="Send quote", due=date(2026, 12, 1), status=TaskStatus.COMPLETED,
                completed_at=datetime(2026, 1, 1, tzinfo=UTC), reminder_at=T0 + timedelta(days=1))
    (outcome,) = _create(adapter, Kind.TASK, task)
    row = emu.get("Task", outcome.id)
    assert (row["Status"], row["IsClosed"], row["CompletedDateTime"]) == ("Completed", True,
                                                                          "2026-11-24T15:00:00.000+0000")
    stored = adapter.fetch(Kind.TASK, [outcome.id])[outcome.id].record
    assert stored.completed_at == T0  # Salesforce's own stamp: CompletedDateTime is read-only
    assert stored.reminder_at == task.reminder_at and stored.due == task.due
    reopened = adapter.represent(task.replace(status=TaskStatus.IN_PROGRESS))
    assert reopened.completed_at is None


def test_task_status_falls_back_to_the_orgs_closed_status():
    info = ObjectInfo(name="Task", lengths={}, picklists={"Status": ("Open", "Done")}, defaults={"Status": "Open"},
                      fields=frozenset())
    ctx = WriteContext(info=info, task_statuses=lambda: TaskStatusInfo(closed={"Open": False, "Done": True},
                                                                       default="Open"))
    done = tasks.to_sf(Task(subject="x", status=TaskStatus.COMPLETED), None, ctx)
    assert done.fields["Status"] == "Done" and "completed" in done.warnings[0]
    waiting = tasks.to_sf(Task(subject="x", status=TaskStatus.WAITING), None, ctx)
    assert waiting.fields["Status"] == "Open" and waiting.warnings
    read = tasks.from_sf({"Id": "00T000000000001AAA", "Status": "Done", "IsClosed": True,
                          "SystemModstamp": "2026-11-24T15:00:00.000+0000"})
    assert read.record.status is TaskStatus.COMPLETED


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Tokyo"])
def test_dates_survive_a_salesforce_user_outside_utc(zone):
    """Salesforce derives some dates in the writing user's zone (the emulator: a timed event's ActivityDate, an
    all-day event given by its start instant). The adapter sends all-day dates explicitly and reads timed events
    by their instants, so records round-trip unchanged for a user in Los Angeles or Tokyo: an all-day event on
    the user's day, and timed events that start late or early enough to fall on another day in UTC."""
    with SalesforceEmulator(start_time=T0, time_zone=zone) as emu:
        adapter = make_adapter(emu)
        events = [
            Event(subject="Offsite", start=date(2027, 3, 27), end=date(2027, 3, 29)),
            Event(subject="Late", start=datetime(2027, 3, 27, 23, 30, tzinfo=UTC),
                  end=datetime(2027, 3, 28, 0, 30, tzinfo=UTC)),
            Event(subject="Early", start=datetime(2027, 3, 27, 0, 15, tzinfo=UTC),
                  end=datetime(2027, 3, 27, 1, 0, tzinfo=UTC)),
        ]
        outcomes = _create(adapter, Kind.EVENT, *events)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert emu.get("Event", outcomes[0].id)["ActivityDate"] == "2027-03-27"
        fetched = adapter.fetch(Kind.EVENT, [o.id for o in outcomes])
        assert [fetched[o.id].record for o in outcomes] == [adapter.represent(e) for e in events]
        scanned = {r.id: r.record for r in adapter.full_scan(Kind.EVENT).upserts}
        assert [scanned[o.id] for o in outcomes] == [adapter.represent(e) for e in events]
        assert emu.errors == []
