"""Contract: an appointment's Recipients (reference §2.1, §7).

* ``AppointmentItem.Recipients`` "returns a Recipients collection that represents all the recipients for the
  Outlook item. Read-only."
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.appointmentitem.recipients)
* ``Recipients.Add`` / ``Item`` (1-based) / ``Count``
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.recipients.add,
  https://learn.microsoft.com/en-us/office/vba/api/outlook.recipients.item).
* ``Recipient.Type`` on a meeting is an ``OlMeetingRecipientType``: olOrganizer 0, olRequired 1, olOptional 2,
  olResource 3 (https://learn.microsoft.com/en-us/office/vba/api/outlook.recipient.type,
  https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype); the documented samples
  add attendees and set their ``Type``:
  https://learn.microsoft.com/en-us/office/client-developer/outlook/pia/how-to-specify-different-recipient-types-for-an-appointment-item
* ``AddressEntry.AddressEntryUserType``: olExchangeUserAddressEntry 0, olSmtpAddressEntry 30
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.oladdressentryusertype);
  ``AddressEntry.GetExchangeUser()`` gives the ExchangeUser, Nothing for an entry that is no Exchange user
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.addressentry.getexchangeuser);
  ``ExchangeUser.PrimarySmtpAddress``:
  https://learn.microsoft.com/en-us/office/vba/api/outlook.exchangeuser.primarysmtpaddress
* Recipient(s) are guard-protected (reference §7, ``outlook/How-to/Security``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from syncore_outlook import constants as C
from syncore_outlook.fake import FakeComError, FakeOutlook, exchange_recipient, smtp_recipient

START = datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_recipients_are_added_typed_kept_in_order_and_one_based(calendar, namespace):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = f"syncore contract {uuid.uuid4().hex[:8]}"
    assert item.Recipients.Count == 0
    item.MeetingStatus = C.olMeeting
    required = item.Recipients.Add("ann@customer.example")
    required.Type = C.olRequired
    optional = item.Recipients.Add("maybe@customer.example")
    optional.Type = C.olOptional
    item.Save()  # saved, never sent
    again = namespace.GetItemFromID(item.EntryID)
    recipients = again.Recipients
    assert recipients.Count == 2
    assert [(recipients.Item(i).Address, recipients.Item(i).Type) for i in (1, 2)] == [
        ("ann@customer.example", C.olRequired), ("maybe@customer.example", C.olOptional)]


def test_recipient_types_follow_the_enumeration():
    assert (C.olOrganizer, C.olRequired, C.olOptional, C.olResource) == (0, 1, 2, 3)
    assert C.olExchangeUserAddressEntry == 0 and C.olExchangeRemoteUserAddressEntry == 5
    assert C.olSmtpAddressEntry == 30


@pytest.fixture
def fake_only():
    return FakeOutlook(local_zone="Europe/Berlin")


def test_exchange_users_address_is_a_dn_and_smtp_comes_from_the_exchange_user(fake_only):
    eid = fake_only.user_create("calendar", Subject="m", Start=START, End=START + timedelta(hours=1),
                                MeetingStatus=C.olMeeting, Recipients=[
                                    exchange_recipient("Boss", "boss@mycompany.example"),
                                    smtp_recipient("Ann", "ann@customer.example", C.olOptional)])
    recipients = fake_only.application.Session.GetItemFromID(eid).Recipients
    boss, ann = recipients.Item(1), recipients.Item(2)
    assert boss.Address.startswith("/o=") and boss.Name == "Boss"
    assert boss.AddressEntry.AddressEntryUserType == C.olExchangeUserAddressEntry
    assert boss.AddressEntry.GetExchangeUser().PrimarySmtpAddress == "boss@mycompany.example"
    assert ann.Address == "ann@customer.example" and ann.Type == C.olOptional
    assert ann.AddressEntry.AddressEntryUserType == C.olSmtpAddressEntry
    assert ann.AddressEntry.GetExchangeUser() is None
    # the attendee strings Outlook derives from the recipients: display names by type
    item = fake_only.application.Session.GetItemFromID(eid)
    assert (item.RequiredAttendees, item.OptionalAttendees) == ("Boss", "Ann")


def test_recipients_are_guarded(fake_only):
    eid = fake_only.user_create("calendar", Subject="m", Start=START, End=START + timedelta(hours=1),
                                Recipients=[smtp_recipient("Ann", "ann@customer.example")])
    fake_only.guard = "deny"
    item = fake_only.application.Session.GetItemFromID(eid)
    with pytest.raises(FakeComError) as info:
        item.Recipients  # noqa: B018
    assert info.value.excepinfo[5] == C.MAPI_E_NOT_SUPPORTED


def test_recipients_add_is_counted_and_send_refused(fake_only):
    """Test support: the sync must never add a recipient or send: ``calls["Recipients.Add"]`` counts adds, and
    ``Send()`` fails the test."""
    item = fake_only.application.Session.GetDefaultFolder(C.olFolderCalendar).Items.Add(C.olAppointmentItem)
    item.Recipients.Add("ann@customer.example")
    assert fake_only.calls["Recipients.Add"] == 1
    with pytest.raises(AssertionError):
        item.Send()
