"""Fault injection: scripted failures the emulator returns instead of (or inside) normal replies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Fault:
    """One injected failure. ``remaining=None`` means it never runs out."""

    kind: str  # "http", "soap", "message", "item", "latency", "drop", "lose"
    operation: str | None = None
    remaining: int | None = 1
    code: str | None = None
    text: str | None = None
    back_off_ms: int | None = None
    status: int | None = None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    item_ids: frozenset[str] | None = None
    subjects: frozenset[str] | None = None
    match: Callable[[str | None, str | None], bool] | None = None
    fired: int = 0

    def applies(self, operation: str) -> bool:
        return self.operation in (None, operation) and self.remaining != 0

    def matches_item(self, item_id: str | None, subject: str | None) -> bool:
        if self.item_ids is not None and item_id not in self.item_ids:
            return False
        if self.subjects is not None and subject not in self.subjects:
            return False
        return self.match is None or bool(self.match(item_id, subject))

    def consume(self) -> None:
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1


class Faults:
    """The emulator's fault plan (``emu.faults``). Every method returns the :class:`Fault` it registered.

    ``operation`` restricts a fault to one SOAP operation (e.g. ``"SyncFolderItems"``); ``count`` is how many
    times it fires (``None`` = every time until :meth:`clear`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def server_busy(
        self,
        back_off_ms: int | None = 10,
        count: int | None = 1,
        operation: str | None = None,
        in_message: bool = False,
    ) -> Fault:
        """ErrorServerBusy as a SOAP fault (HTTP 500), or with ``in_message`` in each response message."""
        return self._add(
            Fault(
                "message" if in_message else "soap",
                operation,
                count,
                code="ErrorServerBusy",
                back_off_ms=back_off_ms,
            )
        )

    def soap_fault(
        self,
        code: str,
        text: str | None = None,
        count: int | None = 1,
        operation: str | None = None,
        back_off_ms: int | None = None,
    ) -> Fault:
        """Any SOAP fault code, e.g. ``ErrorInternalServerTransientError`` or ``ErrorTimeoutExpired``."""
        return self._add(Fault("soap", operation, count, code=code, text=text, back_off_ms=back_off_ms))

    def message_error(
        self, code: str, text: str | None = None, count: int | None = 1, operation: str | None = None
    ) -> Fault:
        """Answer the whole request with one error ResponseMessage per expected message."""
        return self._add(Fault("message", operation, count, code=code, text=text))

    def http_error(
        self,
        status: int,
        retry_after: int | None = None,
        count: int | None = 1,
        operation: str | None = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """A bare HTTP status (503, 429, 401, 302 ...), optionally with ``Retry-After`` seconds."""
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = str(retry_after)
        return self._add(
            Fault("http", operation, count, status=status, retry_after=retry_after, headers=hdrs, body=body)
        )

    # -- the fault names every emulator shares (n requests, op = the SOAP operation) ----------------------
    def drop_connections(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Close the socket without answering and without processing the next *n* requests."""
        return self._add(Fault("drop", op, n))

    def lose_replies(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Process the next *n* requests (their writes happen), then close the socket without an answer."""
        return self._add(Fault("lose", op, n))

    def server_error(
        self, n: int | None = 1, status: int = 503, op: str | None = None, *, headers: dict[str, str] | None = None
    ) -> Fault:
        """Answer the next *n* requests with HTTP *status* (5xx, an empty body: no EWS answer), unprocessed."""
        if not 500 <= status <= 599:
            raise ValueError("status must be an HTTP 5xx status")
        return self._add(Fault("http", op, n, status=status, headers=dict(headers or {})))

    def drop_connection(self, count: int | None = 1, operation: str | None = None) -> Fault:
        """Close the TCP connection without answering (a connection reset from the client's point of view)."""
        return self._add(Fault("drop", operation, count))

    def latency(self, seconds: float, count: int | None = 1, operation: str | None = None) -> Fault:
        """Delay the reply (then answer normally)."""
        return self._add(Fault("latency", operation, count, seconds=seconds))

    def item_error(
        self,
        code: str,
        item_ids=None,
        subjects=None,
        match=None,
        operation: str | None = None,
        count: int | None = None,
        text: str | None = None,
    ) -> Fault:
        """Per-item error for matching items (by id, by Subject/DisplayName, or ``match(item_id, subject)``).

        Applies to GetItem, CreateItem, UpdateItem and DeleteItem; other items in the same request succeed.
        """
        return self._add(
            Fault(
                "item",
                operation,
                count,
                code=code,
                text=text,
                item_ids=None if item_ids is None else frozenset(item_ids),
                subjects=None if subjects is None else frozenset(subjects),
                match=match,
            )
        )

    def clear(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [f for f in self._faults if f.remaining != 0]

    def take_request_fault(
        self, operation: str, kinds=("http", "soap", "message", "drop", "lose")
    ) -> Fault | None:
        """Consume and return the first request-level fault for ``operation``."""
        with self._lock:
            for f in self._faults:
                if f.kind in kinds and f.applies(operation):
                    f.consume()
                    return f
        return None

    def take_item_error(self, operation: str, item_id: str | None, subject: str | None) -> Fault | None:
        """Consume and return a per-item fault matching this item, if any."""
        with self._lock:
            for f in self._faults:
                if f.kind == "item" and f.applies(operation) and f.matches_item(item_id, subject):
                    f.consume()
                    return f
        return None
