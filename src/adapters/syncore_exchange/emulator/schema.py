"""Item and folder schema knowledge: FieldURI <-> element tag, element order, value types.

The tables are derived once from exchangelib's own field definitions, so the emulator speaks exactly the
vocabulary the client uses (the EWS schema order is also the order of exchangelib's ``FIELDS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from exchangelib.fields import BooleanField, DateTimeField, IndexedField
from exchangelib.items import CalendarItem, Contact, Task

KIND_CLASSES = {"CalendarItem": CalendarItem, "Contact": Contact, "Task": Task}
ITEM_CLASS = {"CalendarItem": "IPM.Appointment", "Contact": "IPM.Contact", "Task": "IPM.Task"}

# Multi-valued "indexed" contact fields: FieldURI -> container element.
INDEXED_CONTAINERS = {
    "contacts:EmailAddress": "EmailAddresses",
    "contacts:PhoneNumber": "PhoneNumbers",
    "contacts:PhysicalAddress": "PhysicalAddresses",
    "contacts:ImAddress": "ImAddresses",
}
# Indexed entries whose value is a set of sub-elements rather than text.
COMPOUND_CONTAINERS = {"PhysicalAddresses"}

# Never part of SyncFolderItems/FindItem results (MS docs: use GetItem for these).
HEAVY_TAGS = {"Body", "Attachments", "MimeContent", "TextBody", "UniqueBody"}
# Values the server computes; client writes are ignored.
COMPUTED_TAGS = {
    "ItemId",
    "ParentFolderId",
    "ItemClass",
    "TextBody",
    "DateTimeCreated",
    "LastModifiedTime",
    "Size",
    "HasAttachments",
    "CalendarItemType",
    "IsRecurring",
    "UID",
    "IsComplete",
    "DateTimeReceived",
}


@dataclass(frozen=True)
class KindSchema:
    """Per item type: field order and lookup tables."""

    kind: str
    order: tuple[str, ...]
    uri_to_tag: dict[str, str] = field(default_factory=dict)
    name_to_tag: dict[str, str] = field(default_factory=dict)
    bool_tags: frozenset[str] = frozenset()
    datetime_tags: frozenset[str] = frozenset()

    def position(self, tag: str) -> int:
        """Schema position of a tag; ExtendedProperty sits after HasAttachments as in ItemType."""
        if tag == "ExtendedProperty":
            tag = "HasAttachments"
        try:
            return self.order.index(tag)
        except ValueError:
            return len(self.order)


@cache
def kind_schema(kind: str) -> KindSchema:
    """Build (once) the schema tables for ``CalendarItem``, ``Contact`` or ``Task``."""
    cls = KIND_CLASSES[kind]
    order, uri_to_tag, name_to_tag, bools, dts = [], {}, {}, set(), set()
    for f in cls.FIELDS:
        uri = getattr(f, "field_uri", None)
        if not uri or "}" not in str(f.response_tag()):
            continue
        tag = f.response_tag().rsplit("}", 1)[1]
        order.append(tag)
        uri_to_tag[uri] = tag
        name_to_tag[f.name] = tag
        if isinstance(f, BooleanField):
            bools.add(tag)
        # DateTimeBackedDateField (birthday, due date) is also sent as xs:dateTime.
        if isinstance(f, DateTimeField) or f.name in {"start", "end"} or "DateTimeBacked" in type(f).__name__:
            dts.add(tag)
        if isinstance(f, IndexedField):
            uri_to_tag[uri] = tag
    return KindSchema(kind, tuple(order), uri_to_tag, name_to_tag, frozenset(bools), frozenset(dts))


def kind_for_tag(tag: str) -> str | None:
    """Map an item element name (``CalendarItem``...) to a supported kind."""
    return tag if tag in KIND_CLASSES else None


@dataclass(frozen=True)
class FolderDef:
    """A distinguished folder the emulator provides in every mailbox."""

    name: str
    element: str
    folder_class: str | None
    display_name: str
    kind: str | None
    parent: str | None


FOLDERS = {
    "root": FolderDef("root", "Folder", None, "Root", None, None),
    "msgfolderroot": FolderDef(
        "msgfolderroot", "Folder", "IPF.Note", "Top of Information Store", None, "root"
    ),
    "calendar": FolderDef(
        "calendar", "CalendarFolder", "IPF.Appointment", "Calendar", "CalendarItem", "msgfolderroot"
    ),
    "contacts": FolderDef(
        "contacts", "ContactsFolder", "IPF.Contact", "Contacts", "Contact", "msgfolderroot"
    ),
    "tasks": FolderDef("tasks", "TasksFolder", "IPF.Task", "Tasks", "Task", "msgfolderroot"),
    "inbox": FolderDef("inbox", "Folder", "IPF.Note", "Inbox", None, "msgfolderroot"),
    "deleteditems": FolderDef("deleteditems", "Folder", "IPF.Note", "Deleted Items", None, "msgfolderroot"),
    # The dumpster: SoftDelete moves items here, and exchangelib's soft_delete() looks the folder up.
    "recoverableitemsroot": FolderDef(
        "recoverableitemsroot", "Folder", None, "Recoverable Items", None, "root"
    ),
    "recoverableitemsdeletions": FolderDef(
        "recoverableitemsdeletions", "Folder", None, "Deletions", None, "recoverableitemsroot"
    ),
    "recoverableitemspurges": FolderDef(
        "recoverableitemspurges", "Folder", None, "Purges", None, "recoverableitemsroot"
    ),
}
FOLDER_FOR_KIND = {"CalendarItem": "calendar", "Contact": "contacts", "Task": "tasks"}
