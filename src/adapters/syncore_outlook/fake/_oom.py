"""Application, NameSpace, Folder(s) and TimeZones objects of the fake (reference §1, §5)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from syncore.timezones import windows_zone_names

from .. import constants as C
from ._collections import FakeItems
from ._errors import outlook_error
from ._filter import Filter
from ._item_types import ITEM_CLASSES
from ._items import FakeItem
from ._records import FolderData
from ._table import FakeTable
from ._time import FakeTimeZone
from ._userprops import FakeUserDefinedProperties

if TYPE_CHECKING:
    from ._app import FakeOutlook

#: OlDefaultFolders value -> OlItemType of its items.
ITEM_TYPE_OF_FOLDER = {C.olFolderCalendar: C.olAppointmentItem, C.olFolderContacts: C.olContactItem,
                       C.olFolderTasks: C.olTaskItem}


class FakeApplication:
    """``Outlook.Application``."""

    Name = "Outlook"
    Version = "16.0.0.0"

    def __init__(self, fake: FakeOutlook):
        self._fake = fake
        self._session = FakeNameSpace(fake)
        self._timezones = FakeTimeZones(fake)

    @property
    def Session(self) -> FakeNameSpace:
        return self._session

    @property
    def TimeZones(self) -> FakeTimeZones:
        return self._timezones

    def GetNamespace(self, Type: str) -> FakeNameSpace:  # noqa: N803
        if Type.upper() != "MAPI":
            raise outlook_error(C.E_INVALIDARG, f"Unknown namespace {Type!r}.")
        return self._session

    def CreateItem(self, ItemType: int) -> FakeItem:  # noqa: N803
        """Unsaved item that will be saved into the default folder of its type."""
        if ItemType not in ITEM_CLASSES:
            raise outlook_error(C.E_INVALIDARG, f"The fake cannot create item type {ItemType}.")
        return self._fake._new_item(ItemType, None)


class FakeNameSpace:
    """``NameSpace`` ("MAPI")."""

    def __init__(self, fake: FakeOutlook):
        self._fake = fake

    @property
    def Application(self) -> FakeApplication:
        return self._fake.application

    @property
    def CurrentUser(self) -> str:
        return self._fake.user_name

    def GetDefaultFolder(self, FolderType: int) -> FakeFolder:  # noqa: N803
        try:
            return FakeFolder(self._fake, self._fake.store.folders[FolderType])
        except KeyError:
            raise outlook_error(C.E_INVALIDARG, f"The fake has no default folder {FolderType}.") from None

    def GetItemFromID(self, EntryIDItem: str, EntryIDStore: str | None = None) -> FakeItem:  # noqa: N803
        """Open a stored item (counts as an item open); MAPI_E_NOT_FOUND when there is none."""
        self._fake._call("GetItemFromID")
        hit = self._fake._locate(str(EntryIDItem).upper()) if EntryIDItem else None
        if hit is None or (EntryIDStore and EntryIDStore != self._fake.store.store_id):
            raise outlook_error(C.MAPI_E_NOT_FOUND, "The operation failed. An object could not be found.")
        folder, rec = hit
        return self._fake._open(rec, folder)

    def GetFolderFromID(self, EntryIDFolder: str,  # noqa: N803
                        EntryIDStore: str | None = None) -> FakeFolder:  # noqa: N803
        for folder in self._fake._folders:
            if folder.entry_id == EntryIDFolder:
                return FakeFolder(self._fake, folder)
        raise outlook_error(C.MAPI_E_NOT_FOUND, "The operation failed. An object could not be found.")


class FakeFolder:
    """``Folder`` / ``MAPIFolder``. ``Items`` returns a new collection object on every access, as COM does."""

    def __init__(self, fake: FakeOutlook, data: FolderData):
        self._fake = fake
        self._data = data

    EntryID = property(lambda self: self._data.entry_id)
    StoreID = property(lambda self: self._data.store.store_id)
    Name = property(lambda self: self._data.name)
    FolderPath = property(lambda self: self._data.path)
    DefaultItemType = property(lambda self: self._data.default_item_type)

    @property
    def DefaultMessageClass(self) -> str:
        return {C.olAppointmentItem: C.MESSAGE_CLASS_APPOINTMENT, C.olContactItem: C.MESSAGE_CLASS_CONTACT,
                C.olTaskItem: C.MESSAGE_CLASS_TASK}.get(self._data.default_item_type, "IPM.Note")

    @property
    def Items(self) -> FakeItems:
        return FakeItems(self._fake, self._data)

    @property
    def Folders(self) -> FakeFolders:
        return FakeFolders(self._fake, self._data)

    @property
    def UserDefinedProperties(self) -> FakeUserDefinedProperties:
        return FakeUserDefinedProperties(self._data)

    @property
    def Parent(self) -> Any:
        return self._fake._folder_obj(self._data.parent) or self._fake.application.Session

    def GetTable(self, Filter: str = "", TableContents: int = C.olUserItems) -> FakeTable:  # noqa: N803
        """Lightweight rowset with the default columns for this folder type (no item opens)."""
        self._fake._call("GetTable")
        filters = (_parse_filter(self._fake, self._data, Filter),) if Filter else ()
        table = FakeTable(self._fake, self._data, filters)
        if TableContents == C.olHiddenItems:
            table._records = []  # the fake stores no hidden (associated) items
        return table

    def Delete(self) -> None:
        """Move a sub-folder (and its items) under Deleted Items; default folders cannot be deleted."""
        data = self._data
        if data.parent is None:
            raise outlook_error(C.E_FAIL, f"Cannot delete the default folder {data.name!r}.")
        deleted = data.store.folders[C.olFolderDeletedItems]
        data.parent.children.remove(data)
        if data.parent is not deleted:
            data.parent = deleted
            deleted.children.append(data)
        else:
            self._fake._folders.remove(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeFolder) and other._data is self._data

    def __hash__(self) -> int:
        return hash(self._data.entry_id)

    def __repr__(self) -> str:
        return f"<Folder {self._data.path}>"


_parse_filter = Filter  # GetTable's COM parameter name shadows the class


class FakeFolders:
    """``Folder.Folders``."""

    def __init__(self, fake: FakeOutlook, parent: FolderData):
        self._fake = fake
        self._parent = parent

    @property
    def Count(self) -> int:
        return len(self._parent.children)

    def Add(self, Name: str, Type: int | None = None) -> FakeFolder:  # noqa: N803
        """Create a sub-folder; ``Type`` is an OlDefaultFolders value (e.g. olFolderCalendar)."""
        if any(c.name.lower() == Name.lower() for c in self._parent.children):
            raise outlook_error(C.E_FAIL, "Cannot create the folder. A folder with that name already exists.")
        item_type = self._parent.default_item_type if Type is None else ITEM_TYPE_OF_FOLDER[Type]
        child = FolderData(self._fake.store, Name, item_type, self._fake.store.new_entry_id(b"\x03\x00"),
                           parent=self._parent)
        self._parent.children.append(child)
        self._fake._folders.append(child)
        return FakeFolder(self._fake, child)

    def Item(self, Index: int | str) -> FakeFolder:  # noqa: N803
        if isinstance(Index, int):
            return FakeFolder(self._fake, self._parent.children[Index - 1])
        for child in self._parent.children:
            if child.name.lower() == Index.lower():
                return FakeFolder(self._fake, child)
        raise outlook_error(C.MAPI_E_NOT_FOUND, f"The folder {Index!r} cannot be found.")

    def __iter__(self) -> Any:
        return iter([FakeFolder(self._fake, c) for c in self._parent.children])


class FakeTimeZones:
    """``Application.TimeZones``: Windows ids resolved through the CLDR table the core uses."""

    def __init__(self, fake: FakeOutlook):
        self._fake = fake

    @property
    def CurrentTimeZone(self) -> FakeTimeZone:
        return FakeTimeZone(self._fake.local_windows_id)

    @property
    def Count(self) -> int:
        return len(windows_zone_names())

    def Item(self, Index: int | str) -> FakeTimeZone:  # noqa: N803
        if isinstance(Index, int):
            return FakeTimeZone(windows_zone_names()[Index - 1])
        return FakeTimeZone(Index)

    __getitem__ = Item
    __call__ = Item

    def ConvertTime(self, SourceDateTime: datetime, SourceTimeZone: FakeTimeZone,  # noqa: N803
                    DestinationTimeZone: FakeTimeZone) -> datetime:  # noqa: N803
        """Wall clock in the source zone to wall clock in the destination zone (pywin32 rules both ways)."""
        wall = self._fake.time.to_wall(SourceDateTime)
        converted = wall.replace(tzinfo=SourceTimeZone.zone).astimezone(DestinationTimeZone.zone)
        return self._fake.time.label(converted.replace(tzinfo=None))
