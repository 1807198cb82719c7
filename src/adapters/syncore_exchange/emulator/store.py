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

    @property
    def changekey(self) -> str:
        # Per-item and per-version, so a key from another item or an older version is always stale.
        return _b64(f"CK{self.version}:{self.id[-12:]}")

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
    """True when ``value`` has the shape of an item id this server issues (known or not).

    Exchange tells a malformed id (ErrorInvalidIdMalformed) from a well-formed one that names nothing
    (ErrorItemNotFound): https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
    """
    text = _unb64(value or "")
    if not text or not text.startswith("EMU:"):
        return False
    parts = text.split(":")
    return len(parts) == 4 and parts[2].isdigit() and len(parts[3]) == 8
