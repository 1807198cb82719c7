"""AppointmentItem ↔ :class:`~syncore.models.Event`.

Timed events use ``StartUTC``/``EndUTC`` (true UTC); all-day events use local ``Start``/``End`` midnights with
an exclusive end ("Outlook's AllDayEvent relates to Start and not StartUtc", reference §9.1).

``attendees`` are read, never written (as the Exchange and Graph adapters do): the SMTP addresses of the
appointment's ``Recipients`` of ``Type`` olRequired, in Outlook's order; the organizer (olOrganizer), optional
attendees and resources are left alone
(https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype). A recipient's SMTP address
is ``Recipient.Address`` except for an Exchange user, whose ``Address`` is an X.500 DN: then
``AddressEntry.GetExchangeUser().PrimarySmtpAddress``
(https://learn.microsoft.com/en-us/office/vba/api/outlook.addressentry.getexchangeuser). A recipient without
an SMTP address (unresolved, a distribution list) is skipped. Never written because adding recipients makes an
appointment a meeting whose requests Outlook sends: the adapter declares ``attendees`` read-only
(``Capabilities.read_only_fields``), so the engine never asks for it; an explicit request gets a warning.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from syncore.models import Event, Record, ShowAs

from .. import constants as C
from .._bodies import read_body, write_body
from .._time import OutlookClock

if TYPE_CHECKING:
    from .._protocol import AppointmentItem, Recipient

_SHOW_AS = {C.olFree: ShowAs.FREE, C.olTentative: ShowAs.TENTATIVE, C.olBusy: ShowAs.BUSY,
            C.olOutOfOffice: ShowAs.OUT_OF_OFFICE, C.olWorkingElsewhere: ShowAs.BUSY}
_BUSY_STATUS = {ShowAs.FREE: C.olFree, ShowAs.TENTATIVE: C.olTentative, ShowAs.BUSY: C.olBusy,
                ShowAs.OUT_OF_OFFICE: C.olOutOfOffice}


_EXCHANGE_USERS = frozenset({C.olExchangeUserAddressEntry, C.olExchangeRemoteUserAddressEntry})
ATTENDEES_NOT_WRITTEN = ("attendees are not written to Outlook (adding recipients would make the appointment "
                         "a meeting and send requests to them)")


def smtp_address(recipient: Recipient) -> str:
    """The recipient's SMTP address, or "" when it has none (a DN without an Exchange user behind it)."""
    entry = recipient.AddressEntry
    if entry is not None and entry.AddressEntryUserType in _EXCHANGE_USERS:
        # an Exchange user's Address is its X.500 DN; GetExchangeUser gives Nothing for other entries
        user = entry.GetExchangeUser()
        address = (user.PrimarySmtpAddress if user is not None else "") or ""
    else:
        address = recipient.Address or ""
    address = address.strip()
    # an unresolved name or a leftover DN is not an address Salesforce can match: input to verify
    return address if "@" in address and not address.startswith("/") else ""


def required_attendees(item: AppointmentItem) -> list[str]:
    """The SMTP addresses of the required attendees (``Recipients`` of ``Type`` olRequired), in order."""
    recipients = item.Recipients
    found = []
    for index in range(1, recipients.Count + 1):
        recipient = recipients.Item(index)
        if recipient.Type != C.olRequired:
            continue  # the organizer, optional attendees and resources are not the meeting's people
        address = smtp_address(recipient)
        if address:
            found.append(address)
    return found


def read(item: AppointmentItem, clock: OutlookClock) -> Event:
    """The event an appointment holds, with its required attendees (read, never written back)."""
    start: Any
    end: Any
    if item.AllDayEvent:
        start, end = clock.read_date(item.Start), clock.read_date(item.End)
        if end is None or end <= start:  # type: ignore[operator]
            end = start + timedelta(days=1)
    else:
        start, end = clock.read_utc(item.StartUTC), clock.read_utc(item.EndUTC)
    return Event(
        subject=item.Subject,
        start=start,
        end=end,
        location=item.Location,
        body=read_body(item),
        show_as=_SHOW_AS.get(item.BusyStatus, ShowAs.BUSY),
        private=item.Sensitivity == C.olPrivate,
        reminder_minutes=item.ReminderMinutesBeforeStart if item.ReminderSet else None,
        attendees=required_attendees(item),
    )


def write(item: AppointmentItem, record: Record, fields: frozenset[str], clock: OutlookClock) -> list[str]:
    """Write the named ``fields`` of ``record``; returns what could not be kept."""
    assert isinstance(record, Event)
    warnings: list[str] = []
    if "subject" in fields:
        item.Subject = record.subject
    if "location" in fields:
        item.Location = record.location
    if "start" in fields or "end" in fields:
        if record.all_day:
            assert isinstance(record.start, date) and isinstance(record.end, date)
            item.AllDayEvent = True
            item.Start = clock.write_date(record.start)
            item.End = clock.write_date(record.end)
        else:
            if item.AllDayEvent:
                item.AllDayEvent = False
            item.StartUTC = clock.write_utc(record.start)  # type: ignore[arg-type]
            item.EndUTC = clock.write_utc(record.end)  # type: ignore[arg-type]
    if "body" in fields:
        write_body(item, record.body)
    if "show_as" in fields:
        item.BusyStatus = _BUSY_STATUS[record.show_as]
    if "private" in fields:
        item.Sensitivity = C.olPrivate if record.private else C.olNormal
    if "reminder_minutes" in fields:
        item.ReminderSet = record.reminder_minutes is not None
        if record.reminder_minutes is not None:
            item.ReminderMinutesBeforeStart = record.reminder_minutes
    if "attendees" in fields and record.attendees:
        warnings.append(ATTENDEES_NOT_WRITTEN)
    return warnings


def represent(record: Record, clock: OutlookClock) -> Record:
    """An event is held as it is: its attendees are a read-only field, not compared with what was written."""
    assert isinstance(record, Event)
    return record
