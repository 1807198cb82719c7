"""One mailbox's data: calendar events, contacts, To Do lists and tasks, with the change log delta reads.

Items are kept as Graph properties (``data``) plus what the server owns: ids in every format, the change
key, timestamps, extended properties, and ``seq``, the position of the item's last change in the mailbox's
change log (delta rounds compare positions). Deleted items stay as tombstones so a delta round can report
them under ``@removed``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from . import ids

KINDS = ("event", "contact", "task")
DEFAULT_CALENDAR = "calendar"
DEFAULT_CONTACT_FOLDER = "contacts"
DEFAULT_TASK_LIST = "tasks"


@dataclass
class Item:
    """A stored item. ``container`` is the calendar, contact folder or To Do list id."""

    kind: str
    container: str
    rest_id: str
    immutable_id: str
    data: dict[str, Any]
    created: datetime
    modified: datetime
    change_key: str = field(default_factory=ids.new_change_key)
    #: extended property id (lower case) -> (id as written, value)
    extended: dict[str, tuple[str, str]] = field(default_factory=dict)
    seq: int = 0
    deleted: bool = False
    # events: the UTC span (timed) or the dates (all-day), kept for calendarView and the instances list
    start: datetime | date | None = None
    end: datetime | date | None = None
    start_zone: str = "UTC"
    end_zone: str = "UTC"
    #: series master of an exception or occurrence (its immutable id); occurrences are not stored
    master: str | None = None
    original_start: datetime | None = None
    #: a series master's cancelled occurrence starts and its exceptions (original start -> item id)
    cancelled: set[datetime] = field(default_factory=set)
    exceptions: dict[datetime, str] = field(default_factory=dict)
    #: an exception's properties written on it (the others follow its master)
    own: set[str] = field(default_factory=set)

    @property
    def ews_id(self) -> str:
        return ids.rest_to_ews(self.rest_id)

    def id_for(self, immutable: bool) -> str:
        return self.immutable_id if immutable else self.rest_id

    @property
    def etag(self) -> str:
        return f'W/"{self.change_key}"'


@dataclass
class TaskList:
    id: str
    display_name: str
    wellknown: str = "none"
    seq: int = 0


class Mailbox:
    """Items of one user; every method is called under the emulator's lock."""

    def __init__(self, upn: str, clock) -> None:
        self.upn = upn.lower()
        self.display_name = upn.split("@")[0].title()
        self.clock = clock
        self.items: dict[str, Item] = {}  # by immutable id
        self.by_rest: dict[str, str] = {}
        self.seq = itertools.count(1)
        self.last_seq = 0
        self.calendar_id = ids.new_rest_id()
        self.contact_folder_id = ids.new_rest_id()
        self.task_lists: dict[str, TaskList] = {}
        default = TaskList(ids.new_rest_id(), "Tasks", "defaultList")
        self.task_lists[default.id] = default
        #: transactionId -> event immutable id (event creates are idempotent per transaction id)
        self.transactions: dict[str, str] = {}
        #: occurrence id (either format) -> (master immutable id, original start); occurrences are virtual
        self.occurrences: dict[str, tuple[str, datetime]] = {}
        #: meeting requests Exchange would have sent: (event id, attendee addresses)
        self.invitations: list[tuple[str, list[str]]] = []
        #: meeting cancellations Exchange would have sent (event-delete): (event id, attendee addresses)
        self.cancellations: list[tuple[str, list[str]]] = []

    # -- change log --------------------------------------------------------------------------------------
    def bump(self, item: Item) -> None:
        """Record a change of ``item``: new change key, modified time and log position."""
        item.change_key = ids.new_change_key()
        item.modified = self.clock()
        item.seq = self.last_seq = next(self.seq)

    # -- lookup ------------------------------------------------------------------------------------------
    def resolve(self, any_id: str) -> Item | None:
        """The live item named by an id in any format (``None`` when there is none)."""
        item = self.items.get(any_id)
        if item is None:
            key = self.by_rest.get(any_id) or self.by_rest.get(ids.ews_to_rest(any_id))
            item = self.items.get(key) if key else None
        return None if item is None or item.deleted else item

    def add(self, kind: str, container: str, data: dict[str, Any], *, rest_id: str | None = None) -> Item:
        now = self.clock()
        item = Item(kind=kind, container=container, rest_id=rest_id or ids.new_rest_id(),
                    immutable_id=ids.new_immutable_id(), data=data, created=now, modified=now)
        self.items[item.immutable_id] = item
        self.by_rest[item.rest_id] = item.immutable_id
        self.bump(item)
        return item

    def remove(self, item: Item) -> None:
        item.deleted = True
        self.bump(item)

    def live(self, kind: str, container: str | None = None) -> list[Item]:
        return [i for i in self.items.values()
                if i.kind == kind and not i.deleted and (container is None or i.container == container)]

    def default_task_list(self) -> TaskList:
        return next(t for t in self.task_lists.values() if t.wellknown == "defaultList")


def utc_now() -> datetime:
    return datetime.now(UTC)
