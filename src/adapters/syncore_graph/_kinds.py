"""Per kind: the Graph paths, how a Graph item becomes a RemoteRecord, and what its version is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncore.models import Kind
from syncore.remote import RemoteRecord
from syncore.results import describe_item

from . import _link
from ._mapping.contacts import contact_from_graph
from ._mapping.events import event_from_graph
from ._mapping.recurrence import recurring_reason, task_recurring_reason
from ._mapping.tasks import task_from_graph

#: what a contact delta asks for ($select is supported there, contact-delta): the mapped properties only
CONTACT_SELECT = ("givenName,surname,displayName,emailAddresses,businessPhones,mobilePhone,jobTitle,department,"
                  "companyName,businessAddress,birthday,personalNotes,changeKey,lastModifiedDateTime")


@dataclass(frozen=True)
class KindPaths:
    """Collection paths below the mailbox root for one kind (``container`` resolved: a To Do list id)."""

    kind: Kind
    container: str

    @property
    def collection(self) -> str:
        if self.kind is Kind.EVENT:
            return "/events"
        if self.kind is Kind.CONTACT:
            return f"/contactFolders/{self.container}/contacts"
        return f"/todo/lists/{self.container}/tasks"

    @property
    def delta(self) -> str:
        if self.kind is Kind.EVENT:
            return "/calendarView/delta"
        return f"{self.collection}/delta"

    def item(self, item_id: str) -> str:
        if self.kind is Kind.CONTACT:
            return f"/contacts/{item_id}"
        return f"{self.collection}/{item_id}"

    @property
    def delta_query(self) -> dict[str, str]:
        """What a new delta round of contacts or tasks asks for (the token keeps it for the round's pages)."""
        if self.kind is Kind.CONTACT:
            return {"$select": CONTACT_SELECT}
        if self.kind is Kind.TASK:
            return {"$expand": "linkedResources"}
        return {}

    @property
    def read_query(self) -> dict[str, str]:
        """What a read adds to get the link."""
        if self.kind is Kind.TASK:
            return {"$expand": "linkedResources"}
        return {"$expand": _link.EXPAND}


def version_of(kind: Kind, item: dict[str, Any]) -> str | None:
    """Events and contacts: the change key (as EWS reports it); tasks: the ETag's opaque value."""
    if kind is not Kind.TASK and item.get("changeKey"):
        return item["changeKey"]
    etag = item.get("@odata.etag") or ""
    return etag[3:-1] if etag.startswith('W/"') and etag.endswith('"') else (etag or None)


def unsupported_reason(kind: Kind, item: dict[str, Any]) -> str | None:
    if kind is Kind.EVENT:
        return recurring_reason(item)
    if kind is Kind.TASK:
        return task_recurring_reason(item)
    return None


def label_of(kind: Kind, item: dict[str, Any]) -> str:
    """An item as a person knows it, for a report: an event's subject, a To Do task's title, a contact's
    name; a series (or one of its occurrences) or a recurring task names itself so."""
    if kind is Kind.CONTACT:
        name = " ".join(part for part in (item.get("givenName"), item.get("surname")) if part)
        return describe_item(kind, name or item.get("displayName") or item.get("companyName") or "")
    name = item.get("title") if kind is Kind.TASK else item.get("subject")
    series = bool(item.get("recurrence") or item.get("seriesMasterId") or item.get("type") == "seriesMaster")
    return describe_item(kind, name or "", series=series)


def link_of(kind: Kind, item: dict[str, Any]) -> str | None:
    return _link.read_linked_resource(item) if kind is Kind.TASK else _link.read_property(item)


def modified_at(item: dict[str, Any]) -> datetime | None:
    value = item.get("lastModifiedDateTime")
    if not value:
        return None
    head = value.rstrip("Z").split(".")[0]
    return datetime.fromisoformat(head + "+00:00")


def mapper(kind: Kind, mailbox_zone: str) -> Callable[[dict[str, Any]], Any]:
    if kind is Kind.EVENT:
        return lambda item: event_from_graph(item, mailbox_zone)
    if kind is Kind.CONTACT:
        return contact_from_graph
    return lambda item: task_from_graph(item, mailbox_zone)


def to_remote(kind: Kind, item: dict[str, Any], mailbox_zone: str, link: str | None = None) -> RemoteRecord:
    return RemoteRecord(id=item["id"], version=version_of(kind, item), record=mapper(kind, mailbox_zone)(item),
                        link=link if link is not None else link_of(kind, item), modified_at=modified_at(item))


def is_complete(kind: Kind, item: dict[str, Any]) -> bool:
    """True when a delta entry carries the whole resource (Graph may send only the changed properties)."""
    needed = {Kind.EVENT: ("subject", "start", "end"), Kind.CONTACT: ("givenName", "surname"),
              Kind.TASK: ("title", "status")}[kind]
    return all(name in item for name in needed)
