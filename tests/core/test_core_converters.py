"""cattrs converters: records <-> JSON-safe dicts, exact round trip."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from cattrs import ClassValidationError, transform_error
from hypothesis import given, settings
from hypothesis import strategies as st

from syncore import Body, Contact, Event, Kind, ShowAs, Task, TaskStatus
from syncore.converters import (
    make_converter,
    structure_record,
    structure_tagged,
    unstructure_record,
    unstructure_tagged,
)
from syncore.recurrence import Override, Recurrence, TaskRecurrence

C = make_converter()


def test_make_converter_returns_a_fresh_converter():
    assert make_converter() is not make_converter()


@settings(max_examples=150)
@given(data=st.data())
def test_tagged_round_trip_is_exact_and_json_safe(core, data):
    record = data.draw(core.records)
    tagged = unstructure_tagged(record, C)
    assert tagged["kind"] == record.kind.value
    text = json.dumps(tagged)  # JSON-safe
    back = structure_tagged(json.loads(text), C)
    assert type(back) is type(record)
    assert back == record
    assert core.exact(back) == core.exact(record)


@pytest.mark.parametrize("strategy", ["contacts", "events", "tasks"])
@settings(max_examples=60)
@given(data=st.data())
def test_untagged_round_trip_per_kind(core, strategy, data):
    record = data.draw(getattr(core, strategy))
    converter = make_converter()
    raw = unstructure_record(record, converter)
    assert "kind" not in raw
    back = structure_record(record.kind, json.loads(json.dumps(raw)), converter)
    assert core.exact(back) == core.exact(record)


def test_event_json_form():
    event = Event(
        subject="Review", start=datetime(2026, 6, 1, 8, 0, 0, 123456, tzinfo=UTC),
        end=datetime(2026, 6, 1, 9, tzinfo=UTC), show_as=ShowAs.TENTATIVE,
        attendees=["b@example.com", "a@example.com"],
        body=Body(text="Hi", html="<b>Hi</b>"),
    )
    raw = unstructure_record(event, C)
    assert raw["start"] == "2026-06-01T08:00:00.123456Z"
    assert raw["end"].startswith("2026-06-01T09:00:00") and raw["end"].endswith("Z")
    assert raw["show_as"] == "tentative"
    assert raw["attendees"] == ["a@example.com", "b@example.com"]
    assert raw["body"] == {"text": "Hi", "html": "<b>Hi</b>"}
    assert raw["private"] is False


def test_series_json_form():
    start = datetime(2026, 3, 16, 8, tzinfo=UTC)
    event = Event(subject="1:1", start=start, end=start + timedelta(hours=1), recurrence=Recurrence(
        rule="RRULE:FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin", exdates=[datetime(2026, 3, 30, 7, tzinfo=UTC)],
        overrides=[Override(original_start=start + timedelta(days=7), subject="Moved")]))
    assert unstructure_record(event, C)["recurrence"] == {
        "rule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5", "zone": "Europe/Berlin",
        "exdates": ["2026-03-30T07:00:00.000000Z"],  # 09:00 in Berlin (CEST)
        "overrides": [{"original_start": "2026-03-23T08:00:00.000000Z", "subject": "Moved"}],  # its own changes only
    }
    all_day = Event(start=date(2026, 1, 1), end=date(2026, 1, 2),
                    recurrence=Recurrence(rule="FREQ=YEARLY", zone="UTC", exdates=[date(2027, 1, 1)]))
    raw = json.loads(json.dumps(unstructure_record(all_day, C)))
    assert raw["recurrence"]["exdates"] == ["2027-01-01"]
    assert structure_record(Kind.EVENT, raw, C) == all_day
    task = Task(subject="Report", recurrence=TaskRecurrence(rule="FREQ=DAILY;INTERVAL=3", start=date(2026, 1, 5),
                                                          regenerate="after_completion"))
    assert unstructure_record(task, C)["recurrence"] == {"rule": "FREQ=DAILY;INTERVAL=3", "start": "2026-01-05",
                                                         "regenerate": "after_completion"}


def test_structuring_a_bad_recurrence_names_the_field():
    raw = unstructure_record(Event(start=date(2026, 1, 1), end=date(2026, 1, 2)), C)
    raw["recurrence"] = {"rule": "FREQ=HOURLY", "zone": "UTC"}
    with pytest.raises(ClassValidationError) as caught:
        structure_record(Kind.EVENT, raw, C)
    assert transform_error(caught.value) == ["invalid value @ $.recurrence"]

    def leaves(error):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)] if hasattr(error, "exceptions") else [error]

    assert [str(leaf) for leaf in leaves(caught.value)] == [
        "invalid Recurrence: rule: FREQ=HOURLY is not supported; syncore syncs calendar rules: DAILY, WEEKLY, "
        "MONTHLY, YEARLY"]


def test_datetimes_are_written_with_full_microsecond_precision():
    # The documented form: UTC, 'Z' suffix, full microsecond precision — so the strings have a fixed width and
    # sort like the instants they stand for (the state store compares them as text).
    converter = make_converter()
    whole = converter.unstructure(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
    assert whole == "2026-01-01T12:00:00.000000Z"
    later = converter.unstructure(datetime(2026, 1, 1, 12, 0, 0, 500000, tzinfo=UTC))
    assert sorted([later, whole]) == [whole, later]


def test_all_day_event_json_form_keeps_dates():
    event = Event(subject="Off", start=date(2026, 3, 29), end=date(2026, 3, 30))
    raw = unstructure_record(event, C)
    assert raw["start"] == "2026-03-29" and raw["end"] == "2026-03-30"
    back = structure_record(Kind.EVENT, raw, C)
    assert type(back.start) is date and back.start == date(2026, 3, 29)


def test_non_utc_datetime_is_written_as_utc():
    tz = timezone(timedelta(hours=5, minutes=30))
    task = Task(subject="x", completed_at=datetime(2026, 1, 1, 12, 0, tzinfo=tz))
    raw = unstructure_record(task, C)
    assert raw["completed_at"].startswith("2026-01-01T06:30:00") and raw["completed_at"].endswith("Z")
    assert raw["status"] == TaskStatus.NOT_STARTED.value
    assert raw["due"] is None


def test_body_form_includes_html_and_rtf_only_when_present():
    contact = Contact(last_name="Lee", notes=Body(text="plain"))
    assert unstructure_record(contact, C)["notes"] == {"text": "plain"}
    contact = Contact(last_name="Lee", notes=Body(text="r", rtf=r"{\rtf1 {\b r}}"))
    assert unstructure_record(contact, C)["notes"] == {"text": "r", "rtf": r"{\rtf1 {\b r}}"}


def test_body_with_formatting_survives_round_trip_exactly():
    body = Body(text="Hello  \r\nWorld", html="<p>Hello</p><p><b>World</b></p>", rtf=r"{\rtf1 Hello\par {\b World}}")
    contact = Contact(last_name="Lee", notes=body)
    back = structure_tagged(json.loads(json.dumps(unstructure_tagged(contact, C))), C)
    assert (back.notes.text, back.notes.html, back.notes.rtf) == (body.text, body.html, body.rtf)


def test_structuring_invalid_data_raises_naming_the_field():
    raw = unstructure_record(Task(subject="x"), C)
    raw["status"] = "exploded"
    with pytest.raises(ClassValidationError) as info:
        structure_record(Kind.TASK, raw, C)
    assert transform_error(info.value) == ["invalid value for type, expected TaskStatus @ $.status"]


def test_microseconds_survive():
    dt = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    task = Task(subject="x", reminder_at=dt, completed_at=dt - timedelta(microseconds=999998))
    back = structure_tagged(json.loads(json.dumps(unstructure_tagged(task, C))), C)
    assert back.reminder_at == dt and back.reminder_at.microsecond == 999999
    assert back.completed_at.microsecond == 1
    assert re.search(r"\.999999Z$", unstructure_record(task, C)["reminder_at"])
