"""Thread-safe in-memory mailbox store with a per-folder change log (the basis of SyncFolderItems)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import threading
import uuid
from dataclasses import dataclass, field

from lxml import etree

from .schema import FOLDERS
from .xmlns import now_utc


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _unb64(text: str) -> str | None:
    try:
        return base64.b64decode(text.encode(), validate=True).decode()
    except Exception:  # noqa: BLE001 - any garbage id is simply "not ours"
        return None


@dataclass
class StoredItem:
    """One item as the server stores it: normalised XML property elements plus bookkeeping."""

    id: str
    kind: str
    mailbox: str
    folder: str
    props: dict[str, etree._Element] = field(default_factory=dict)
    extended: list[etree._Element] = field(default_factory=list)
    version: int = 1
    created: dt.datetime = field(default_factory=now_utc)
    modified: dt.datetime = field(default_factory=now_utc)
    #: a recurring master's modified occurrences: original start (UTC text) -> the properties that differ
    exceptions: dict[str, dict[str, etree._Element]] = field(default_factory=dict)
    #: a recurring master's deleted occurrences, by original start (UTC text)
    deleted: set[str] = field(default_factory=set)
    #: for an occurrence (never stored, made on demand from its master): the master and the original start
    master: StoredItem | None = None
    original_start: dt.datetime | None = None

    @property
    def changekey(self) -> str:
        # "The ChangeKey is the same for the recurring master and all occurrences" (.../occurrenceitemid)
        if self.master is not None:
            return self.master.changekey
        # Per-item and per-version, so a key from another item or an older version is always stale.
        return _b64(f"CK{self.version}:{self.id[-12:]}")

    @property
    def is_exception(self) -> bool:
        """True for an occurrence that was modified."""
        return self.master is not None and _stamp(self.original_start) in self.master.exceptions  # type: ignore[arg-type]

    def clone(self) -> StoredItem:
        """Deep copy, for snapshots handed out to tests."""
        return StoredItem(
            self.id,
            self.kind,
            self.mailbox,
            self.folder,
            {k: copy.deepcopy(v) for k, v in self.props.items()},
            [copy.deepcopy(e) for e in self.extended],
            self.version,
            self.created,
            self.modified,
            {key: {k: copy.deepcopy(v) for k, v in props.items()} for key, props in self.exceptions.items()},
            set(self.deleted),
            self.master,
            self.original_start,
        )


@dataclass
class FolderState:
    """A folder's items and append-only change log (seq is 1-based and equals log index + 1)."""

    mailbox: str
    name: str
    items: dict[str, StoredItem] = field(default_factory=dict)
    log: list[tuple[int, str, str]] = field(default_factory=list)
    created_seq: dict[str, int] = field(default_factory=dict)
    epoch: int = 0

    @property
    def id(self) -> str:
        return folder_id(self.mailbox, self.name)

    @property
    def last_seq(self) -> int:
        return len(self.log)

    def record(self, item_id: str, op: str) -> None:
        seq = len(self.log) + 1
        self.log.append((seq, item_id, op))
        if op == "create":
            self.created_seq[item_id] = seq


def folder_id(mailbox: str, name: str) -> str:
    """Opaque FolderId for a distinguished folder of a mailbox."""
    return _b64(f"F:{mailbox}:{name}")


def parse_folder_id(value: str) -> tuple[str, str] | None:
    """Inverse of :func:`folder_id`; None when the id is not one of ours."""
    text = _unb64(value or "")
    if not text or not text.startswith("F:"):
        return None
    mailbox, _, name = text[2:].rpartition(":")
    return mailbox, name


class Store:
    """All mailboxes. Every access happens under ``lock`` (an RLock; operations hold it throughout)."""

    def __init__(self, mailboxes: list[str]):
        self.lock = threading.RLock()
        self._counter = itertools.count(1)
        self.token = uuid.uuid4().hex[:8]  # distinguishes sync states of different emulator instances
        self.items: dict[str, StoredItem] = {}
        self.folders: dict[tuple[str, str], FolderState] = {}
        self.mailboxes: list[str] = []
        for mb in mailboxes:
            self.add_mailbox(mb)

    def add_mailbox(self, mailbox: str) -> None:
        """Create a mailbox with all distinguished folders."""
        with self.lock:
            mailbox = mailbox.lower()
            if mailbox in self.mailboxes:
                return
            self.mailboxes.append(mailbox)
            for name in FOLDERS:
                self.folders[(mailbox, name)] = FolderState(mailbox, name)

    def folder(self, mailbox: str, name: str) -> FolderState | None:
        """Look a folder up by mailbox and distinguished name."""
        return self.folders.get((mailbox.lower(), name))

    def new_item_id(self, mailbox: str) -> str:
        # Real ids are long base64 blobs; keep the shape (and a little entropy) without the length.
        return _b64(f"EMU:{mailbox}:{next(self._counter):08d}:{uuid.uuid4().hex[:8]}")

    def add(self, item: StoredItem) -> None:
        """Insert a new item and log its creation."""
        with self.lock:
            f = self.folders[(item.mailbox, item.folder)]
            f.items[item.id] = item
            self.items[item.id] = item
            f.record(item.id, "create")

    def touch(self, item: StoredItem) -> None:
        """Bump change key and modification time and log an update."""
        with self.lock:
            item.version += 1
            item.modified = max(now_utc(), item.modified + dt.timedelta(seconds=1))
            self.folders[(item.mailbox, item.folder)].record(item.id, "update")

    def remove(self, item: StoredItem, to_folder: str | None = None) -> None:
        """Delete an item (or move it to another folder, e.g. Deleted Items) and log it."""
        with self.lock:
            f = self.folders[(item.mailbox, item.folder)]
            f.items.pop(item.id, None)
            f.record(item.id, "delete")
            self.items.pop(item.id, None)
            if to_folder:
                item.folder = to_folder
                self.add(item)

    def get(self, item_id: str) -> StoredItem | None:
        """Item by id, or None."""
        return self.items.get(item_id)


def is_item_id(value: str | None) -> bool:
    """True when ``value`` has the shape of an item id this server issues (known or not): an item's, or an
    occurrence's (its master's id plus the original start).

    Exchange tells a malformed id (ErrorInvalidIdMalformed) from a well-formed one that names nothing
    (ErrorItemNotFound): https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
    """
    text = _unb64(value or "")
    if not text or not text.startswith("EMU:"):
        return False
    parts = text.split(":")
    if len(parts) == 5 and _unstamp(parts[4]) is None:
        return False
    return len(parts) in (4, 5) and parts[2].isdigit() and len(parts[3]) == 8


def _stamp(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _unstamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def stamp(instant: dt.datetime) -> str:
    """The key of an occurrence on its master (``exceptions``, ``deleted``): its original start as UTC text."""
    return _stamp(instant)


def occurrence_id(master_id: str, original_start: dt.datetime) -> str:
    """The ItemId of one occurrence of a master: stable, and the same once the occurrence is an exception."""
    return _b64(f"{_unb64(master_id)}:{_stamp(original_start)}")


def parse_occurrence_id(value: str) -> tuple[str, dt.datetime] | None:
    """(master id, original start) of an occurrence id, or None for any other id."""
    text = _unb64(value or "")
    if not text or not is_item_id(value) or text.count(":") != 4:
        return None
    master, _, when = text.rpartition(":")
    return _b64(master), _unstamp(when)  # type: ignore[return-value]
