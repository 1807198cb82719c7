"""Item and folder schema knowledge: FieldURI <-> element tag, element order, value types.

Element order comes from the published EWS schema (``ews_schema.json``, see :mod:`.validation`): responses list
an item's elements in schema order, as Exchange does. FieldURI names and value kinds come from exchangelib's
field definitions, so the emulator speaks the vocabulary the client uses; a FieldURI exchangelib does not
model (``calendar:TimeZone``) maps to the element of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from exchangelib.fields import BooleanField, DateTimeField, IndexedField
from exchangelib.items import CalendarItem, Contact, Task

from .validation import effective_content, schema

KIND_CLASSES = {"CalendarItem": CalendarItem, "Contact": Contact, "Task": Task}
_XSD_TYPES = {"CalendarItem": "t:CalendarItemType", "Contact": "t:ContactItemType", "Task": "t:TaskType"}
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
    order = schema_order(kind)
    uri_to_tag, name_to_tag, bools, dts = {}, {}, set(), set()
    for uri in schema().simple["t:UnindexedFieldURIType"][2]:
        if uri.partition(":")[2] in order:
            uri_to_tag[uri] = uri.partition(":")[2]
    for f in cls.FIELDS:
        uri = getattr(f, "field_uri", None)
        if not uri or "}" not in str(f.response_tag()):
            continue
        tag = f.response_tag().rsplit("}", 1)[1]
        uri_to_tag[uri] = tag
        name_to_tag[f.name] = tag
        if isinstance(f, BooleanField):
            bools.add(tag)
        # DateTimeBackedDateField (birthday, due date) is also sent as xs:dateTime.
        if isinstance(f, DateTimeField) or f.name in {"start", "end"} or "DateTimeBacked" in type(f).__name__:
            dts.add(tag)
        if isinstance(f, IndexedField):
            uri_to_tag[uri] = tag
    return KindSchema(kind, order, uri_to_tag, name_to_tag, frozenset(bools), frozenset(dts))


def schema_order(kind: str) -> tuple[str, ...]:
    """The element names of an item type (``ItemType`` then the kind's own), in schema order."""
    names: list[str] = []

    def walk(model) -> None:
        if model is None:
            return
        if model[0] == "el":
            names.append(model[1].partition(":")[2])
        elif model[0] in ("seq", "choice", "all"):
            for part in model[3]:
                walk(part)

    walk(effective_content(_XSD_TYPES[kind]))
    return tuple(dict.fromkeys(names))


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
