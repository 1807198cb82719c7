"""Formatted bodies: detected from RTFBody, reported as Body(text, rtf), never overwritten unless asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from olsupport import gid, record_of

from syncore.bodies import rtf_is_formatted
from syncore.models import Body, Kind
from syncore.remote import CreateRequest, UpdateRequest

HTML = "<html><body><p>Agenda</p><ul><li><b>Budget</b></li><li>Hiring</li></ul></body></html>"
START = datetime(2026, 11, 3, 9, tzinfo=UTC)


def _meeting(fake, **props):
    return fake.user_create("calendar", Subject="Review", Start=START, End=START + timedelta(hours=1), **props)


def test_formatted_body_is_reported_with_its_rtf(fake, outlook):
    eid = _meeting(fake)
    fake.set_formatted_body(eid, HTML)
    body = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.body
    assert body.is_formatted
    assert body.rtf == fake.record(eid).props["RTFBody"].decode("latin-1")
    assert "Budget" in body.text and "\r" not in body.text


def test_plain_body_is_not_formatted(fake, outlook):
    eid = _meeting(fake, Body="just text\r\nsecond line")
    body = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.body
    assert not body.is_formatted
    assert body.text == "just text\nsecond line"


def test_update_without_body_field_leaves_the_rtf_untouched(fake, outlook):
    eid = _meeting(fake)
    fake.set_formatted_body(eid, HTML)
    rtf_before = fake.record(eid).props["RTFBody"]
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    proposal = record.replace(subject="Review (moved)", body=Body(text="plain CRM description"),
                              start=START + timedelta(hours=2), end=START + timedelta(hours=3))
    fake.reset_counters()
    (out,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), record=proposal,
                                                       fields=frozenset({"subject", "start", "end"}))])
    assert out.ok, out.error
    stored = fake.record(eid).props
    assert stored["RTFBody"] == rtf_before
    assert stored["Subject"] == "Review (moved)"
    assert stored["start"] == START + timedelta(hours=2)
    assert fake.access_count(prop="Body") == fake.access_count(prop="RTFBody") == 0


def test_body_is_written_when_asked(fake, outlook):
    eid = _meeting(fake)
    fake.set_formatted_body(eid, HTML)
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    (out,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=gid(fake, eid), record=record.replace(body="new text"),
                                                       fields=frozenset({"body"}))])
    assert out.ok
    body = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.body
    assert body.text == "new text" and not body.is_formatted


def test_formatted_html_is_written_as_encapsulated_rtf(fake, outlook):
    start = START
    from syncore.models import Event

    event = Event(subject="x", start=start, end=start + timedelta(hours=1), body=Body(html=HTML))
    (out,) = outlook.create(Kind.EVENT, [CreateRequest(ref="c", record=event)])
    raw = record_of(fake, out.id).props["RTFBody"]
    assert b"\\fromhtml1" in raw and rtf_is_formatted(raw)
    stored = outlook.fetch(Kind.EVENT, [out.id])[out.id].record.body
    assert stored == Body(html=HTML) and stored.is_formatted


def test_rtf_body_round_trips_between_outlook_items(fake, outlook):
    source = fake.user_create("contacts", LastName="Source")
    fake.set_formatted_body(source, HTML)
    notes = outlook.fetch(Kind.CONTACT, [source])[source].record.notes
    from syncore.models import Contact

    (out,) = outlook.create(Kind.CONTACT, [CreateRequest(ref="c", record=Contact(last_name="Copy", notes=notes))])
    assert record_of(fake, out.id).props["RTFBody"] == fake.record(source).props["RTFBody"]
