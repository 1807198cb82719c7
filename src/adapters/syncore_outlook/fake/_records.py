"""Stored state of the fake: stores, folders and item records (what MAPI would hold on disk)."""

from __future__ import annotations

import copy
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .. import constants as C


@dataclass
class UserPropData:
    """A custom property value on one item."""

    name: str
    type: int
    value: Any


@dataclass
class RecipientData:
    """One recipient of an appointment (``Recipient``): what Outlook shows and the address entry behind it.

    ``address`` is ``Recipient.Address``: the SMTP address of an SMTP entry, the X.500 DN of an Exchange user
    (whose SMTP address is ``ExchangeUser.PrimarySmtpAddress``, here ``smtp``).
    """

    name: str
    address: str
    type: int = C.olRequired
    user_type: int = C.olSmtpAddressEntry
    smtp: str = ""


def smtp_recipient(name: str, address: str, rtype: int = C.olRequired) -> RecipientData:
    """A recipient resolved to an SMTP address entry (an outside attendee)."""
    return RecipientData(name, address, rtype)


def exchange_recipient(name: str, smtp: str, rtype: int = C.olRequired) -> RecipientData:
    """A recipient resolved to an Exchange user of the same forest: ``Address`` is the user's X.500 DN."""
    group = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
    dn = f"{group}/cn=Recipients/cn={smtp.split('@')[0]}"
    return RecipientData(name, dn, rtype, C.olExchangeUserAddressEntry, smtp)


@dataclass
class ExceptionData:
    """One modified or deleted occurrence of a recurring master, keyed by its original local date."""

    original_start: datetime  # aware UTC start of the occurrence as the pattern generated it
    deleted: bool
    overrides: dict[str, Any] = field(default_factory=dict)  # Record.props keys -> values


@dataclass
class PatternData:
    """Stored recurrence pattern (``RecurrencePattern`` fields)."""

    RecurrenceType: int = C.olRecursWeekly
    Interval: int = 1
    DayOfWeekMask: int = 0
    DayOfMonth: int = 0
    MonthOfYear: int = 0
    Instance: int = 0
    PatternStartDate: date | None = None
    PatternEndDate: date | None = None
    NoEndDate: bool = True
    Occurrences: int = 0
    #: tasks only: the next task falls due ``Interval`` units after the previous one is completed
    Regenerate: bool = False
    exceptions: dict[date, ExceptionData] = field(default_factory=dict)


@dataclass
class Record:
    """One stored item. ``props`` holds canonical values: str/int/bool, aware UTC instants, ``date``."""

    item_type: int
    props: dict[str, Any]
    user_props: dict[str, UserPropData] = field(default_factory=dict)  # keyed by name.lower()
    named_props: dict[str, Any] = field(default_factory=dict)  # PropertyAccessor-only PublicStrings values
    pattern: PatternData | None = None
    recipients: list[RecipientData] = field(default_factory=list)  # appointments' Recipients, in order
    links: list[str] = field(default_factory=list)  # tasks' Links: EntryIDs of the linked contacts, in order
    entry_id: str = ""
    global_object_id: bytes = b""

    def clone(self) -> Record:
        return copy.deepcopy(self)


@dataclass
class FolderData:
    """One folder: its records keyed by EntryID and its user-defined fields (name.lower() -> (name, type))."""

    store: StoreData
    name: str
    default_item_type: int
    entry_id: str
    parent: FolderData | None = None
    records: dict[str, Record] = field(default_factory=dict)
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    children: list[FolderData] = field(default_factory=list)

    @property
    def path(self) -> str:
        return (self.parent.path if self.parent else "\\\\" + self.store.display_name) + "\\" + self.name


@dataclass
class StoreData:
    """One message store (mailbox / PST). EntryIDs embed the store's provider UID."""

    display_name: str
    store_uid: bytes = field(default_factory=lambda: uuid.uuid4().bytes)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    folders: dict[int, FolderData] = field(default_factory=dict)  # default folder kind -> folder

    @property
    def store_id(self) -> str:
        return ("0000000038A1BB1005E5101AA1BB08002B2A56C20000" + "454D534D44422E444C4C00000000"
                + self.store_uid.hex().upper())

    def new_entry_id(self, kind: bytes = b"\x07\x00") -> str:
        """A fresh 70-byte-style EntryID (flags + provider UID + type + counter), hex upper case."""
        counter = next(self._counter)
        raw = (b"\x00\x00\x00\x00" + self.store_uid + kind + uuid.uuid4().bytes[:16]
               + counter.to_bytes(6, "big") + b"\x00\x00")
        return raw.hex().upper()


def new_global_object_id(created: datetime) -> bytes:
    """PidLidGlobalObjectId layout ([MS-OXOCAL] 2.2.1.27) with a random UID payload; instance date zero."""
    filetime = int((created.timestamp() + 11644473600) * 10_000_000)
    payload = b"vCal-Uid\x01\x00\x00\x00" + str(uuid.uuid4()).upper().encode() + b"\x00"
    return (bytes.fromhex("040000008200E00074C5B7101A82E008") + b"\x00\x00\x00\x00"
            + filetime.to_bytes(8, "little") + b"\x00" * 8 + len(payload).to_bytes(4, "little") + payload)


def occurrence_global_object_id(master: bytes, original: date) -> bytes:
    """GlobalObjectId of one occurrence: the master's with the instance date filled in (bytes 16-19)."""
    inst = original.year.to_bytes(2, "big") + bytes([original.month, original.day])
    return master[:16] + inst + master[20:]
