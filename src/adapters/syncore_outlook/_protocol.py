"""Typed view of the Outlook object model (OOM) subset syncore uses, with COM names.

Both ``win32com.client.Dispatch("Outlook.Application")`` and :mod:`syncore_outlook.fake` satisfy these
protocols structurally; adapter logic depends only on this module (reference §10).

Conventions that the types cannot express (reference §9.1):

* Local-time properties (``Start``, ``End``, ``LastModificationTime``, ``DueDate``, ...) come back as
  ``datetime`` objects labelled UTC whose wall clock is Outlook's *local* time. ``StartUTC``/``EndUTC`` are
  true UTC. On write every datetime is converted with ``astimezone(UTC)`` (naive means system-local) and the
  resulting wall clock is stored, so pass local wall time labelled UTC to a local-time property.
* "No date" is 4501-01-01 (:data:`syncore_outlook.constants.OUTLOOK_DATE_NONE`).
* Errors raised by Outlook are ``com_error``-like: ``args == (hresult, strerror, excepinfo, argerror)`` where
  ``excepinfo[5]`` carries the scode (e.g. ``MAPI_E_NOT_SUPPORTED`` for a guard denial). Properties that an
  item type does not have raise ``AttributeError`` (pywin32 dynamic dispatch).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from typing import Protocol


class TimeZone(Protocol):
    """``Outlook.TimeZone``; ``ID`` is the Windows registry key name, e.g. ``"W. Europe Standard Time"``."""

    @property
    def ID(self) -> str: ...
    @property
    def Name(self) -> str: ...
    @property
    def Bias(self) -> int: ...


class TimeZones(Protocol):
    """``Application.TimeZones``: lookup by Windows id and time conversion."""

    @property
    def CurrentTimeZone(self) -> TimeZone: ...
    @property
    def Count(self) -> int: ...
    def Item(self, Index: int | str) -> TimeZone: ...
    def ConvertTime(self, SourceDateTime: datetime, SourceTimeZone: TimeZone,
                    DestinationTimeZone: TimeZone) -> datetime: ...


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


class UserDefinedProperty(Protocol):
    """A field defined in a folder (needed for Restrict / GetTable by name)."""

    @property
    def Name(self) -> str: ...
    @property
    def Type(self) -> int: ...


class UserDefinedProperties(Protocol):
    """``Folder.UserDefinedProperties``."""

    @property
    def Count(self) -> int: ...
    def Add(self, Name: str, Type: int, DisplayFormat: int | None = None,
            Formula: str | None = None) -> UserDefinedProperty: ...
    def Find(self, Name: str) -> UserDefinedProperty | None: ...
    def Item(self, Index: int | str) -> UserDefinedProperty: ...


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


class Items(Protocol):
    """``Folder.Items`` or a Restrict result. Indexes are 1-based."""

    @property
    def Count(self) -> int: ...
    IncludeRecurrences: bool
    def Item(self, Index: int) -> Any: ...
    def Add(self, Type: int | None = None) -> Any: ...
    def Restrict(self, Filter: str) -> Items: ...
    def Sort(self, Property: str, Descending: bool = False) -> None: ...
    def Find(self, Filter: str) -> Any | None: ...
    def FindNext(self) -> Any | None: ...
    def GetFirst(self) -> Any | None: ...
    def GetNext(self) -> Any | None: ...
    def GetLast(self) -> Any | None: ...
    def GetPrevious(self) -> Any | None: ...
    def __iter__(self) -> Iterator[Any]: ...


class Column(Protocol):
    """One ``Table`` column."""

    @property
    def Name(self) -> str: ...


class Columns(Protocol):
    """``Table.Columns``. ``Add`` is guard-protected; by name vs by DASL changes value representation."""

    @property
    def Count(self) -> int: ...
    def Add(self, Name: str) -> Column: ...
    def Remove(self, Index: int | str) -> None: ...
    def RemoveAll(self) -> None: ...
    def Item(self, Index: int | str) -> Column: ...


class Row(Protocol):
    """``Outlook.Row``; indexes are 1-based column positions or column names."""

    def Item(self, Index: int | str) -> Any: ...
    def GetValues(self) -> tuple[Any, ...]: ...
    def BinaryToString(self, Index: int | str) -> str: ...
    def UTCToLocalTime(self, Index: int | str) -> datetime: ...
    def LocalTimeToUTC(self, Index: int | str) -> datetime: ...


class Table(Protocol):
    """``Folder.GetTable`` result: read-only rowset, one row per item (one per recurring master)."""

    @property
    def Columns(self) -> Columns: ...
    @property
    def EndOfTable(self) -> bool: ...
    def GetArray(self, MaxRows: int) -> tuple[tuple[Any, ...], ...]: ...
    def GetNextRow(self) -> Row | None: ...
    def GetRowCount(self) -> int: ...
    def MoveToStart(self) -> None: ...
    def Restrict(self, Filter: str) -> Table: ...
    def Sort(self, SortProperty: str, Descending: bool = False) -> None: ...


class Folders(Protocol):
    """``Folder.Folders`` (sub-folders)."""

    @property
    def Count(self) -> int: ...
    def Add(self, Name: str, Type: int | None = None) -> Folder: ...
    def Item(self, Index: int | str) -> Folder: ...
    def __iter__(self) -> Iterator[Folder]: ...


class Folder(Protocol):
    """``Outlook.Folder`` / ``MAPIFolder``."""

    @property
    def EntryID(self) -> str: ...
    @property
    def StoreID(self) -> str: ...
    @property
    def Name(self) -> str: ...
    @property
    def FolderPath(self) -> str: ...
    @property
    def DefaultItemType(self) -> int: ...
    @property
    def DefaultMessageClass(self) -> str: ...
    @property
    def Items(self) -> Items: ...
    @property
    def Folders(self) -> Folders: ...
    @property
    def UserDefinedProperties(self) -> UserDefinedProperties: ...
    def GetTable(self, Filter: str = "", TableContents: int = 0) -> Table: ...
    def Delete(self) -> None: ...


MAPIFolder = Folder


class NameSpace(Protocol):
    """``Application.GetNamespace("MAPI")``."""

    def GetDefaultFolder(self, FolderType: int) -> Folder: ...
    def GetItemFromID(self, EntryIDItem: str, EntryIDStore: str | None = None) -> Any: ...
    def GetFolderFromID(self, EntryIDFolder: str, EntryIDStore: str | None = None) -> Folder: ...


class Application(Protocol):
    """``Outlook.Application``."""

    @property
    def Session(self) -> NameSpace: ...
    @property
    def TimeZones(self) -> TimeZones: ...
    @property
    def Version(self) -> str: ...
    def GetNamespace(self, Type: str) -> NameSpace: ...
    def CreateItem(self, ItemType: int) -> Any: ...
