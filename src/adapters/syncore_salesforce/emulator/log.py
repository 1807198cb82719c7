"""The request log tests use to pin wire calls and count API requests (reference §7.6)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

# Headers worth asserting on; everything else is dropped from the log.
LOGGED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Sforce-Query-Options",
    "SOAPAction",
    "Sforce-Call-Options",
)


@dataclass
class RequestLogEntry:
    """One HTTP request as the emulator received it.

    ``operation`` classifies the call: ``login``, ``oauth``, ``query``, ``queryAll``, ``query_more``,
    ``sobject_create``, ``sobject_get``, ``sobject_update``, ``sobject_delete``, ``upsert``,
    ``get_by_external_id``, ``describe``, ``describe_global``, ``updated``, ``deleted``, ``limits``,
    ``composite_create``, ``composite_update``, ``composite_delete``, ``composite_upsert``,
    ``composite_retrieve``, ``versions``, ``resources``, ``sobject_info`` or ``unknown``.
    """

    method: str
    path: str  # URL path without the query string
    query: dict[str, str]  # decoded query-string parameters (first value of each)
    q: str | None  # decoded SOQL for query/queryAll, else None
    headers: dict[str, str]  # LOGGED_HEADERS present on the request; Authorization redacted
    body_size: int
    time: datetime  # emulator clock at arrival
    operation: str = "unknown"
    status: int | None = None  # HTTP status answered (None if the connection was dropped)
    counted: bool = False  # True when the call counted against the daily API limit
    sobject: str | None = None  # sObject named in the path or the SOQL FROM clause


def redact(name: str, value: str) -> str:
    """Keep the scheme of an Authorization header, hide the token."""
    if name.lower() == "authorization":
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} <redacted>".strip()
    return value


class RequestLog:
    """Thread-safe append-only list of :class:`RequestLogEntry`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestLogEntry] = []

    def append(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(
        self,
        operation: str | None = None,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        sobject: str | None = None,
        counted_only: bool = False,
    ) -> int:
        """Count entries matching every given filter."""
        n = 0
        for e in self.entries():
            if operation is not None and e.operation != operation:
                continue
            if method is not None and e.method != method.upper():
                continue
            if path_contains is not None and path_contains not in e.path:
                continue
            if sobject is not None and (e.sobject or "").lower() != sobject.lower():
                continue
            if counted_only and not e.counted:
                continue
            n += 1
        return n
