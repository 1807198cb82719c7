"""Typed view of the Outlook items syncore reads and writes: appointments, contacts and tasks, with COM names.

What an item holds and the objects hanging off it (custom properties, the property accessor, a recurrence
pattern and its exceptions, recipients, links). The conventions the types cannot express (local time labelled
UTC, the "no date" value, COM errors) are in :mod:`._protocol`, which re-exports every class here: import
them from there.

Kept apart from :mod:`._protocol`, which holds the way *to* items (application, namespace, folders, item
collections, tables, time zones): the field mappings (:mod:`._mapping`) need only the item shapes, the
adapter's folder and scan code only the way to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._protocol import Folder, TimeZone


class UserProperty(Protocol):
    """One custom property on an item (``Outlook.UserProperty``)."""

    @property
    def Name(self) -> str: ...
    @property
    def Type(self) -> int: ...
    Value: Any
    def Delete(self) -> None: ...


class UserProperties(Protocol):
    """``item.UserProperties``. ``Find`` returns ``None`` when absent."""

    @property
    def Count(self) -> int: ...
    def Add(self, Name: str, Type: int, AddToFolderFields: bool = True,
            DisplayFormat: int | None = None) -> UserProperty: ...
    def Find(self, Name: str, Custom: bool = True) -> UserProperty | None: ...
    def Item(self, Index: int | str) -> UserProperty: ...
    def Remove(self, Index: int) -> None: ...
    def __iter__(self) -> Iterator[UserProperty]: ...

class PropertyAccessor(Protocol):
    """``item.PropertyAccessor`` (guard-protected). DASL dates are UTC; binary values are bytes."""

    def GetProperty(self, SchemaName: str) -> Any: ...
    def GetProperties(self, SchemaNames: Any) -> tuple[Any, ...]: ...
    def SetProperty(self, SchemaName: str, Value: Any) -> None: ...
    def SetProperties(self, SchemaNames: Any, Values: Any) -> tuple[Any, ...]: ...
    def DeleteProperty(self, SchemaName: str) -> None: ...
    def BinaryToString(self, Value: bytes) -> str: ...


class _OutlookItem(Protocol):
    """Members shared by appointment, contact and task items."""

    @property
    def EntryID(self) -> str: ...
    @property
    def MessageClass(self) -> str: ...
    @property
    def Class(self) -> int: ...
    @property
    def LastModificationTime(self) -> datetime: ...
    @property
    def CreationTime(self) -> datetime: ...
    @property
    def Saved(self) -> bool: ...
    @property
    def UserProperties(self) -> UserProperties: ...
    @property
    def PropertyAccessor(self) -> PropertyAccessor: ...
    @property
    def Parent(self) -> Folder: ...
    Subject: str
    Body: str
    RTFBody: bytes
    Categories: str
    Importance: int
    Sensitivity: int
    def Save(self) -> None: ...
    def Delete(self) -> None: ...
    def Move(self, DestFldr: Folder) -> _OutlookItem: ...


class RecurrenceException(Protocol):
    """``Outlook.Exception`` (read-only)."""

    @property
    def Deleted(self) -> bool: ...
    @property
    def OriginalDate(self) -> datetime: ...
    @property
    def AppointmentItem(self) -> AppointmentItem: ...


class Exceptions(Protocol):
    """``RecurrencePattern.Exceptions``."""

    @property
    def Count(self) -> int: ...
    def Item(self, Index: int) -> RecurrenceException: ...
    def __iter__(self) -> Iterator[RecurrenceException]: ...


class RecurrencePattern(Protocol):
    """``Outlook.RecurrencePattern``. For yearly types ``Interval`` is in months."""

    RecurrenceType: int
    Interval: int
    DayOfWeekMask: int
    DayOfMonth: int
    MonthOfYear: int
    Instance: int
    PatternStartDate: datetime
    PatternEndDate: datetime
    NoEndDate: bool
    Occurrences: int
    @property
    def StartTime(self) -> datetime: ...
    @property
    def EndTime(self) -> datetime: ...
    @property
    def Duration(self) -> int: ...
    @property
    def Exceptions(self) -> Exceptions: ...
    def GetOccurrence(self, StartDate: datetime) -> AppointmentItem: ...


class ExchangeUser(Protocol):
    """``Outlook.ExchangeUser`` (only what syncore reads)."""

    @property
    def PrimarySmtpAddress(self) -> str: ...


class AddressEntry(Protocol):
    """``Outlook.AddressEntry``: ``AddressEntryUserType`` is an ``OlAddressEntryUserType``."""

    @property
    def AddressEntryUserType(self) -> int: ...
    def GetExchangeUser(self) -> ExchangeUser | None: ...


class Recipient(Protocol):
    """``Outlook.Recipient`` (guard-protected); an appointment's ``Type`` is an ``OlMeetingRecipientType``."""

    @property
    def Name(self) -> str: ...
    @property
    def Address(self) -> str: ...
    @property
    def Type(self) -> int: ...
    @property
    def AddressEntry(self) -> AddressEntry | None: ...


class Recipients(Protocol):
    """``Outlook.Recipients``: 1-based ``Item``. syncore never calls ``Add`` (it would make a meeting)."""

    @property
    def Count(self) -> int: ...
    def Item(self, Index: int) -> Recipient: ...


class AppointmentItem(_OutlookItem, Protocol):
    """``Outlook.AppointmentItem``. ``Start``/``End`` are local; ``StartUTC``/``EndUTC`` true UTC."""

    @property
    def GlobalAppointmentID(self) -> str: ...
    @property
    def IsRecurring(self) -> bool: ...
    @property
    def RecurrenceState(self) -> int: ...
    @property
    def Organizer(self) -> str: ...
    Location: str
    Start: datetime
    End: datetime
    StartUTC: datetime
    EndUTC: datetime
    StartInStartTimeZone: datetime
    EndInEndTimeZone: datetime
    StartTimeZone: TimeZone
    EndTimeZone: TimeZone
    AllDayEvent: bool
    Duration: int
    BusyStatus: int
    ReminderSet: bool
    ReminderMinutesBeforeStart: int
    RequiredAttendees: str
    OptionalAttendees: str
    Resources: str
    MeetingStatus: int
    @property
    def Recipients(self) -> Recipients: ...
    def GetRecurrencePattern(self) -> RecurrencePattern: ...
    def ClearRecurrencePattern(self) -> None: ...


class ContactItem(_OutlookItem, Protocol):
    """``Outlook.ContactItem``. ``Email*`` members are guard-protected; ``Birthday`` "none" is 4501-01-01."""

    FirstName: str
    LastName: str
    FullName: str
    FileAs: str
    CompanyName: str
    JobTitle: str
    Email1Address: str
    Email1AddressType: str
    Email1DisplayName: str
    Email2Address: str
    Email3Address: str
    BusinessTelephoneNumber: str
    MobileTelephoneNumber: str
    HomeTelephoneNumber: str
    BusinessAddressStreet: str
    BusinessAddressCity: str
    BusinessAddressState: str
    BusinessAddressPostalCode: str
    BusinessAddressCountry: str
    MailingAddressStreet: str
    Birthday: datetime
    Anniversary: datetime


class Link(Protocol):
    """``Outlook.Link``: ``Type`` is an ``OlObjectClass``; ``Item`` the linked item (only contacts, since
    Outlook 2000)."""

    @property
    def Type(self) -> int: ...
    @property
    def Item(self) -> Any: ...


class Links(Protocol):
    """``Outlook.Links``: 1-based ``Item``. syncore never calls ``Add``/``Remove`` (links are read-only to
    it)."""

    @property
    def Count(self) -> int: ...
    def Item(self, Index: int) -> Link: ...


class TaskItem(_OutlookItem, Protocol):
    """``Outlook.TaskItem``. Dates are local date-only values; "none" is 4501-01-01."""

    @property
    def Links(self) -> Links: ...

    @property
    def IsRecurring(self) -> bool: ...
    StartDate: datetime
    DueDate: datetime
    DateCompleted: datetime
    Status: int
    Complete: bool
    PercentComplete: int
    ReminderSet: bool
    ReminderTime: datetime
