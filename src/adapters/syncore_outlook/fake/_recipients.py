"""An appointment's ``Recipients`` collection (reference §2.1, §7).

* ``AppointmentItem.Recipients``: "all the recipients for the Outlook item", read-only
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.appointmentitem.recipients);
  guard-protected, as is every member of ``Recipient(s)`` (reference §7), which the item-level guard covers.
* ``Recipients.Count`` / ``Item(Index)`` are 1-based; ``Recipients.Add(Name)`` adds a recipient
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.recipients.add);
  an appointment's recipient ``Type`` is an ``OlMeetingRecipientType``: olOrganizer 0, olRequired 1,
  olOptional 2, olResource 3
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype).
* ``Recipient.Address`` is the address of the entry: the SMTP address of an SMTP entry, the X.500 DN of an
  Exchange user; ``Recipient.AddressEntry.AddressEntryUserType`` tells them apart
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.addressentry.addressentryusertype), and
  ``AddressEntry.GetExchangeUser()`` returns the ``ExchangeUser`` (whose ``PrimarySmtpAddress`` is the SMTP
  address) or Nothing when the entry is no Exchange user
  (https://learn.microsoft.com/en-us/office/vba/api/outlook.addressentry.getexchangeuser,
  https://learn.microsoft.com/en-us/office/vba/api/outlook.exchangeuser.primarysmtpaddress).
* Items saved with recipients only from the legacy ``RequiredAttendees`` / ``OptionalAttendees`` strings
  (names separated by ";") list them as unresolved SMTP entries named and addressed by that text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error
from ._records import RecipientData

if TYPE_CHECKING:
    from ._items import FakeItem

_EXCHANGE_USERS = frozenset({C.olExchangeUserAddressEntry, C.olExchangeRemoteUserAddressEntry})


class FakeExchangeUser:
    """``ExchangeUser`` (only what syncore reads)."""

    def __init__(self, data: RecipientData):
        self.Name = data.name
        self.Address = data.address
        self.PrimarySmtpAddress = data.smtp
        self.AddressEntryUserType = data.user_type


class FakeAddressEntry:
    """``AddressEntry`` behind a recipient."""

    def __init__(self, data: RecipientData):
        self._data = data
        self.Name = data.name
        self.Address = data.address
        self.AddressEntryUserType = data.user_type

    def GetExchangeUser(self) -> FakeExchangeUser | None:
        return FakeExchangeUser(self._data) if self._data.user_type in _EXCHANGE_USERS else None


class FakeRecipient:
    """``Recipient``: ``Name``, ``Address``, ``Type`` (read/write) and ``AddressEntry``."""

    def __init__(self, item: FakeItem, data: RecipientData):
        self._item = item
        self._data = data

    @property
    def Name(self) -> str:
        return self._data.name

    @property
    def Address(self) -> str:
        return self._data.address

    @property
    def Type(self) -> int:
        return self._data.type

    @Type.setter
    def Type(self, value: int) -> None:
        self._data.type = int(value)
        object.__setattr__(self._item, "_dirty", True)

    @property
    def AddressEntry(self) -> FakeAddressEntry:
        return FakeAddressEntry(self._data)


def legacy_recipients(rec: Any) -> list[RecipientData]:
    return [RecipientData(name.strip(), name.strip(), rtype)
            for key, rtype in (("RequiredAttendees", C.olRequired), ("OptionalAttendees", C.olOptional),
                               ("Resources", C.olResource))
            for name in (rec.props.get(key) or "").split(";") if name.strip()]


class FakeRecipients:
    """``Recipients`` of one appointment object."""

    def __init__(self, item: FakeItem):
        self._item = item
        self._list = item._rec.recipients or legacy_recipients(item._rec)

    @property
    def Count(self) -> int:
        return len(self._list)

    def Item(self, Index: int) -> FakeRecipient:
        if not 1 <= int(Index) <= len(self._list):
            raise outlook_error(C.E_FAIL, "Array index out of bounds.")
        return FakeRecipient(self._item, self._list[int(Index) - 1])

    def __iter__(self) -> Any:
        return iter([FakeRecipient(self._item, data) for data in self._list])

    def Add(self, Name: str) -> FakeRecipient:
        """Adds a required attendee (``Type`` olRequired until changed), counted in
        ``calls["Recipients.Add"]`` (syncore must never call it)."""
        self._item._fake._call("Recipients.Add")
        data = RecipientData(str(Name), str(Name), C.olRequired)
        self._list.append(data)
        self._item._rec.recipients = self._list
        object.__setattr__(self._item, "_dirty", True)
        return FakeRecipient(self._item, data)
