"""Meeting attendees on the Outlook (COM) adapter: required attendees' SMTP addresses are read, never written.

Facts (cited in src/adapters/syncore_outlook/fake/_recipients.py):
* ``AppointmentItem.Recipients``; ``Recipient.Type`` is an ``OlMeetingRecipientType``: olOrganizer 0,
  olRequired 1, olOptional 2, olResource 3
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype).
* An Exchange user's ``Recipient.Address`` is its X.500 DN; its SMTP address is
  ``AddressEntry.GetExchangeUser().PrimarySmtpAddress``
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.addressentry.getexchangeuser).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from olsupport import gid, record_of

from syncore.models import Event, Kind
from syncore.remote import CreateRequest, UpdateRequest
from syncore_outlook import ObjectModelGuardError
from syncore_outlook import constants as C
from syncore_outlook._mapping.calendar import required_attendees
from syncore_outlook.fake import RecipientData, exchange_recipient, smtp_recipient

START = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)


def _meeting(fake, recipients, **props):
    return fake.user_create("calendar", Subject="Pricing", Start=START, End=START + timedelta(hours=1),
                            MeetingStatus=C.olMeeting, Recipients=recipients, **props)


def test_required_attendees_are_read_in_order_as_smtp_addresses(fake, outlook):
    """Required attendees only, in Outlook's order; an Exchange user's SMTP address comes from its
    ExchangeUser, not its X.500 ``Address``; the organizer, optional attendees, resources, an unresolved name
    and a DN without an Exchange user behind are skipped."""
    eid = _meeting(fake, [
        exchange_recipient("Me Myself", "me@mycompany.example", C.olOrganizer),
        smtp_recipient("Zed", "Zed@Customer.example"),
        exchange_recipient("Boss", "boss@mycompany.example"),
        smtp_recipient("Maybe", "maybe@customer.example", C.olOptional),
        smtp_recipient("Room 4", "room4@mycompany.example", C.olResource),
        RecipientData("Ann Unresolved", "Ann Unresolved"),
        RecipientData("Old DN", "/o=ExchangeLabs/cn=Recipients/cn=old", user_type=C.olSmtpAddressEntry),
        smtp_recipient("Ann", "ann@customer.example"),
    ])
    assert fake.record(eid).recipients[2].address.startswith("/o=ExchangeLabs/")  # a DN, not an address
    item = fake.application.Session.GetItemFromID(eid)
    assert required_attendees(item) == [
        "Zed@Customer.example", "boss@mycompany.example", "ann@customer.example"]
    record = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record
    # the core's Event holds them as a set of lower-case addresses
    assert record.attendees == ("ann@customer.example", "boss@mycompany.example", "zed@customer.example")
    # the scan reads them the same way
    (found,) = [u.record for u in outlook.full_scan(Kind.EVENT).upserts if u.id == gid(fake, eid)]
    assert found.attendees == record.attendees
    # held as read: the engine compares this side's attendees as they are
    assert outlook.represent(record) == record


def test_an_appointment_without_recipients_has_no_attendees(fake, outlook):
    eid = fake.user_create("calendar", Subject="Dentist", Start=START, End=START + timedelta(hours=1))
    assert outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)].record.attendees == ()


def test_a_guard_denial_on_recipients_stops_the_call_with_the_fix(outlook, fake):
    """Recipients are guard-protected (reference §7): a denial is the Object Model Guard error."""
    eid = _meeting(fake, [smtp_recipient("Ann", "ann@customer.example")])
    fake.guard = lambda member: member != "Recipients"
    with pytest.raises(ObjectModelGuardError):
        outlook.fetch(Kind.EVENT, [gid(fake, eid)])


def test_attendees_are_a_read_only_field_and_never_written(fake, outlook):
    """Adding recipients makes an appointment a meeting Outlook sends requests for: no write adds any."""
    assert "attendees" in outlook.capabilities.read_only_fields
    assert "attendees" not in outlook.capabilities.write_only_fields
    event = Event(subject="Customer meeting", start=START, end=START + timedelta(hours=1),
                  attendees=("customer@example.org",))
    (created,) = outlook.create(Kind.EVENT, [CreateRequest(ref="1", record=event)])
    assert created.ok and any("send requests" in w for w in created.warnings)
    (updated,) = outlook.update(Kind.EVENT, [UpdateRequest(
        ref="u", id=created.id, record=event.replace(attendees=("customer@example.org", "boss@example.org")),
        fields=frozenset(event.field_names()), base_version=created.version)])
    assert updated.ok and updated.warnings
    # a meeting the user made keeps exactly its recipients when the adapter writes other fields of it
    eid = _meeting(fake, [smtp_recipient("Ann", "ann@customer.example")])
    meeting = outlook.fetch(Kind.EVENT, [gid(fake, eid)])[gid(fake, eid)]
    (moved,) = outlook.update(Kind.EVENT, [UpdateRequest(
        ref="m", id=gid(fake, eid), record=meeting.record.replace(subject="Pricing v2", attendees=()),
        fields=frozenset(event.field_names()), base_version=meeting.version)])
    assert moved.ok
    assert record_of(fake, created.id).recipients == []
    assert [r.address for r in fake.record(eid).recipients] == ["ann@customer.example"]
    assert fake.record(eid).props["Subject"] == "Pricing v2"
    assert fake.calls["Recipients.Add"] == 0 and fake.calls["Send"] == 0
