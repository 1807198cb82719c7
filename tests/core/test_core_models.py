"""Records: Contact, Event, Task — attrs, frozen, keyword-only, normalizing and validating."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncore import (
    Body,
    ConfigurationError,
    Contact,
    Event,
    Kind,
    ShowAs,
    Side,
    Task,
    TaskPriority,
    TaskStatus,
)
from syncore.errors import InvalidRecordError
from syncore.testing.strategies import any_record

BERLIN = ZoneInfo("Europe/Berlin")


def _event(**kw):
    kw.setdefault("subject", "Meeting")
    kw.setdefault("start", datetime(2026, 6, 1, 10, tzinfo=UTC))
    kw.setdefault("end", datetime(2026, 6, 1, 11, tzinfo=UTC))
    return Event(**kw)


def _problem_fields(exc: InvalidRecordError) -> set[str]:
    return {name for name, _ in exc.problems}


# -- shape: attrs, frozen, keyword-only ---------------------------------------------------------------------
@pytest.mark.parametrize("cls", [Contact, Event, Task])
def test_records_are_attrs_classes(cls):
    assert attrs.has(cls)


@pytest.mark.parametrize("record", [
    Contact(last_name="Lee"),
    _event(),
    Task(subject="Call"),
])
def test_records_are_frozen(record):
    name = record.field_names()[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(record, name, "changed")


@pytest.mark.parametrize("cls,arg", [(Contact, "Lee"), (Task, "Call"), (Event, "Meeting")])
def test_records_are_keyword_only(cls, arg):
    with pytest.raises(TypeError):
        cls(arg)


def test_kind_record_type_mapping():
    assert Kind.CONTACT.record_type is Contact
    assert Kind.EVENT.record_type is Event
    assert Kind.TASK.record_type is Task
    assert Contact.kind is Kind.CONTACT and Event.kind is Kind.EVENT and Task.kind is Kind.TASK


def test_side_other():
    assert Side.PIM.other is Side.CRM
    assert Side.CRM.other is Side.PIM


def test_none_text_becomes_empty_string():
    contact = Contact(last_name="Lee", first_name=None, phone=None)
    assert contact.first_name == "" and contact.phone == ""


# -- validation collects every bad field -----------------------------------------------------------------------
def test_event_validation_lists_every_bad_field_at_once():
    with pytest.raises(InvalidRecordError) as info:
        Event(
            subject=5,
            start=datetime(2026, 6, 1, 10),  # naive
            end="tomorrow",
            show_as="maybe",
            private="yes",
            reminder_minutes=-5,
            attendees="a@example.com",  # a single string, not a list
        )
    exc = info.value
    expected = {"subject", "start", "end", "show_as", "private", "reminder_minutes", "attendees"}
    assert _problem_fields(exc) == expected
    for name in expected:
        assert name in str(exc)
    assert exc.record_type == "Event"
    assert "Event" in str(exc)


def test_contact_validation_lists_every_bad_field_at_once():
    with pytest.raises(InvalidRecordError) as info:
        Contact(last_name="Lee", email="not an email", birthday=datetime(1990, 1, 1, tzinfo=UTC), phone=12,
                notes=42)
    assert _problem_fields(info.value) == {"email", "birthday", "phone", "notes"}
    for name in ("email", "birthday", "phone", "notes"):
        assert name in str(info.value)


def test_task_validation_lists_every_bad_field_at_once():
    with pytest.raises(InvalidRecordError) as info:
        Task(subject="x", due=datetime(2026, 1, 1, tzinfo=UTC), status="done", priority="urgent",
             completed_at=datetime(2026, 1, 1), reminder_at="soon", private=1)
    assert _problem_fields(info.value) == {"due", "status", "priority", "completed_at", "reminder_at", "private"}


def test_invalid_record_error_is_a_configuration_error_and_value_error():
    with pytest.raises(ConfigurationError):
        Task(status="nope")
    with pytest.raises(ValueError):
        Task(status="nope")


@pytest.mark.parametrize("bad", ["no-at-sign", "two words@example.com", "a@b c"])
def test_contact_rejects_invalid_email(bad):
    with pytest.raises(InvalidRecordError) as info:
        Contact(last_name="Lee", email=bad)
    assert _problem_fields(info.value) == {"email"}


def test_replace_validates_like_a_new_record():
    event = _event()
    with pytest.raises(InvalidRecordError):
        event.replace(end=datetime(2026, 6, 1, 9, tzinfo=UTC))
    assert event.replace(subject="Other").subject == "Other"


# -- Event ----------------------------------------------------------------------------------------------------
def test_all_day_event_keeps_dates():
    event = Event(subject="Holiday", start=date(2026, 3, 29), end=date(2026, 3, 30))
    assert event.all_day
    assert type(event.start) is date and type(event.end) is date
    assert event.start == date(2026, 3, 29) and event.end == date(2026, 3, 30)


@pytest.mark.parametrize("end", [date(2026, 3, 29), date(2026, 3, 28)])
def test_all_day_end_is_exclusive_and_must_be_after_start(end):
    with pytest.raises(InvalidRecordError) as info:
        Event(subject="Holiday", start=date(2026, 3, 29), end=end)
    assert "end" in _problem_fields(info.value)


def test_timed_event_is_normalized_to_utc():
    start = datetime(2026, 6, 1, 10, 0, 0, 123456, tzinfo=BERLIN)  # CEST, UTC+2
    end = datetime(2026, 6, 1, 11, 30, tzinfo=BERLIN)
    event = Event(subject="x", start=start, end=end)
    assert not event.all_day
    assert event.start.utcoffset() == timedelta(0) and event.end.utcoffset() == timedelta(0)
    assert event.start.replace(tzinfo=None) == datetime(2026, 6, 1, 8, 0, 0, 123456)
    assert event.end.replace(tzinfo=None) == datetime(2026, 6, 1, 9, 30)
    assert event.start == start  # same instant


def test_naive_datetime_is_rejected_with_a_clear_error():
    with pytest.raises(InvalidRecordError) as info:
        Event(subject="x", start=datetime(2026, 6, 1, 10), end=datetime(2026, 6, 1, 11, tzinfo=UTC))
    assert _problem_fields(info.value) == {"start"}
    message = str(info.value).lower()
    assert "naive" in message and "zone" in message


def test_timed_end_before_start_is_an_error():
    with pytest.raises(InvalidRecordError) as info:
        _event(start=datetime(2026, 6, 1, 10, tzinfo=UTC), end=datetime(2026, 6, 1, 9, 59, tzinfo=UTC))
    assert _problem_fields(info.value) == {"end"}


def test_end_before_start_compares_instants_not_wall_times():
    # 10:00 Berlin (08:00 UTC) to 09:30 UTC is 90 minutes long, although its wall-clock end is "earlier"
    event = _event(start=datetime(2026, 6, 1, 10, tzinfo=BERLIN), end=datetime(2026, 6, 1, 9, 30, tzinfo=UTC))
    assert event.end - event.start == timedelta(minutes=90)


@pytest.mark.parametrize("start,end", [
    (date(2026, 6, 1), datetime(2026, 6, 2, tzinfo=UTC)),
    (datetime(2026, 6, 1, tzinfo=UTC), date(2026, 6, 2)),
])
def test_mixing_date_and_datetime_is_an_error(start, end):
    with pytest.raises(InvalidRecordError) as info:
        Event(subject="x", start=start, end=end)
    assert "end" in _problem_fields(info.value) or "start" in _problem_fields(info.value)


def test_event_requires_start_and_end():
    with pytest.raises(InvalidRecordError) as info:
        Event(subject="x")
    assert _problem_fields(info.value) == {"start", "end"}


@pytest.mark.parametrize("value", ["busy", "tentative", "free", "out_of_office"])
def test_show_as_values(value):
    assert _event(show_as=value).show_as is ShowAs(value)


def test_show_as_error_lists_allowed_values():
    with pytest.raises(InvalidRecordError) as info:
        _event(show_as="away")
    message = str(info.value)
    for allowed in ("busy", "tentative", "free", "out_of_office"):
        assert allowed in message


def test_attendees_are_lowercased_unique_and_sorted():
    event = _event(attendees=["Bob@Example.com", "alice@example.com", "bob@example.com", " ALICE@example.com "])
    assert event.attendees == ("alice@example.com", "bob@example.com")


@given(st.lists(st.from_regex(r"[A-Za-z0-9]{1,6}@[A-Za-z]{1,6}\.(com|DE)", fullmatch=True), max_size=8))
def test_attendees_normalization_property(addresses):
    event = _event(attendees=addresses)
    assert event.attendees == tuple(sorted({a.lower() for a in addresses}))


def test_a_tasks_contacts_are_normalized_like_attendees():
    task = Task(subject="Offer", contacts=["Bob@Example.com", " alice@example.com", "bob@example.com"])
    assert task.contacts == ("alice@example.com", "bob@example.com")
    assert Task(subject="Offer").contacts == ()
    with pytest.raises(InvalidRecordError) as info:
        Task(subject="Offer", contacts="alice@example.com")  # a single string, not a list
    assert _problem_fields(info.value) == {"contacts"}
    with pytest.raises(InvalidRecordError) as info:
        Task(subject="Offer", contacts=["Alice <alice@example.com>"])
    assert _problem_fields(info.value) == {"contacts"}


def test_attendee_must_be_an_email():
    with pytest.raises(InvalidRecordError) as info:
        _event(attendees=["alice@example.com", "not an address"])
    assert _problem_fields(info.value) == {"attendees"}


@pytest.mark.parametrize("value", [-1, 1.5, True, "15"])
def test_reminder_minutes_must_be_non_negative_int(value):
    with pytest.raises(InvalidRecordError):
        _event(reminder_minutes=value)


def test_body_accepts_text_and_none():
    assert _event(body="hello").body == Body(text="hello")
    assert _event(body=None).body == Body()


# -- Task -----------------------------------------------------------------------------------------------------
def test_task_due_is_a_date_and_instants_are_utc():
    done = datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)  # after the spring-forward jump: UTC+2
    task = Task(subject="Call", due=date(2026, 4, 1), completed_at=done,
                reminder_at=datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("America/New_York")))
    assert task.due == date(2026, 4, 1)
    assert task.completed_at.utcoffset() == timedelta(0)
    assert task.completed_at.replace(tzinfo=None) == datetime(2026, 3, 29, 1, 30)
    assert task.reminder_at.replace(tzinfo=None) == datetime(2026, 1, 5, 14, 0)


def test_task_defaults():
    task = Task(subject="x")
    assert task.status is TaskStatus.NOT_STARTED and task.priority is TaskPriority.NORMAL
    assert task.due is None and task.completed_at is None and task.body == Body()


def test_task_rejects_naive_instants():
    with pytest.raises(InvalidRecordError) as info:
        Task(subject="x", completed_at=datetime(2026, 1, 1), reminder_at=datetime(2026, 1, 1))
    assert _problem_fields(info.value) == {"completed_at", "reminder_at"}


# -- Contact --------------------------------------------------------------------------------------------------
def test_contact_fields():
    notes = Body(html="<b>VIP</b>")
    contact = Contact(
        first_name="Ann", last_name="Lee", email="ann@example.com", company="ACME",
        mailing_street="1 Main St", mailing_city="Springfield", mailing_state="IL", mailing_postal_code="62701",
        mailing_country="USA", birthday=date(1990, 2, 28), notes=notes,
    )
    assert contact.mailing_city == "Springfield" and contact.mailing_postal_code == "62701"
    assert contact.birthday == date(1990, 2, 28)
    assert contact.notes.html == "<b>VIP</b>" and contact.notes.text == "VIP"
    for name in ("mailing_street", "mailing_city", "mailing_state", "mailing_postal_code", "mailing_country",
                 "birthday", "notes"):
        assert name in Contact.field_names()


def test_changed_fields():
    a = Contact(last_name="Lee", phone="1")
    b = a.replace(phone="2", title="CEO")
    assert a.changed_fields(b) == {"phone", "title"}
    assert a.changed_fields(a) == frozenset()


def test_replace_converts_only_the_changed_fields_and_reports_them_all():
    contact = Contact(last_name="Ng", email="a@example.com")
    moved = contact.replace(phone=None, mailing_city="Oslo")
    assert moved.phone == "" and moved.mailing_city == "Oslo" and moved.email == "a@example.com"
    with pytest.raises(InvalidRecordError) as caught:
        contact.replace(email="not an email", birthday="someday")
    message = str(caught.value)
    assert "email" in message and "birthday" in message
    with pytest.raises(TypeError, match="nickname"):
        contact.replace(nickname="Al")
    assert contact.replace() is contact


@given(any_record())
def test_replace_matches_building_a_new_record(record):
    values = record.values()
    rebuilt = type(record)(**values)
    assert record.replace(**values) == rebuilt
    assert {n: type(v) for n, v in record.replace(**values).values().items()} == {
        n: type(v) for n, v in rebuilt.values().items()}


def test_body_comparison_cache_is_invisible():
    body = Body(text="Hello \r\nworld  ")
    assert body == Body(text="Hello\nworld") and hash(body) == hash(Body(text="Hello\nworld"))
    assert "_normalized" not in repr(body) and "normalized" not in repr(body)
    from syncore.converters import make_converter
    assert make_converter().unstructure(body) == {"text": "Hello \r\nworld  "}
    assert attrs.evolve(body, text="Bye") != body


def test_records_without_a_body_share_one_empty_body_that_no_record_can_change():
    # one shared instance instead of one per record (issue 18, T6: 7 MB of a 100k-contact side)
    first, second = Contact(last_name="A"), Contact(last_name="B", notes=None)
    assert first.notes is second.notes is Task(subject="t").body
    assert Contact(notes="").notes is first.notes
    edited = first.replace(notes="Met at the fair")
    assert edited.notes.text == "Met at the fair"
    assert second.notes.text == "" and not second.notes and second.notes == Body()
