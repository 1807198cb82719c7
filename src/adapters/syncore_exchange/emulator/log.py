"""The emulator's request log (``emu.requests``)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    """One HTTP request as the emulator saw it.

    ``operation`` is the SOAP operation (``"GetItem"``...), ``mailbox`` the target mailbox, ``folder`` the
    distinguished folder name when the request names one, ``item_count`` the number of items/ids/changes in
    the request, ``returned`` the number of items/changes in the reply, ``status`` the HTTP status, ``codes``
    the ResponseCodes sent back (one per message), ``fault`` the injected fault kind/code if any, ``attrs``
    the operation's XML attributes (ConflictResolution, DeleteType ...) plus extras (MaxChangesReturned ...).
    """

    operation: str
    mailbox: str | None = None
    folder: str | None = None
    item_count: int = 0
    returned: int = 0
    status: int = 200
    codes: list[str] = field(default_factory=list)
    fault: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    timestamp: float = field(default_factory=time.time)
    request_xml: bytes | None = None  # only with EwsEmulator(record_xml=True)
    response_xml: bytes | None = None


class RequestLog:
    """Thread-safe list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()

    def counts(self) -> Counter:
        with self._lock:
            return Counter(r.operation for r in self._records)
