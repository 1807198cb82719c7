"""One fault-injection object for every emulator (``emu.faults``).

The request-level faults and their names are shared so a test reads the same against any emulator:

- :meth:`Faults.drop_connections` closes the socket without answering and without processing the request;
- :meth:`Faults.lose_replies` processes the request (writes happen) and then closes the socket without an
  answer: the client cannot know whether its write was made;
- :meth:`Faults.server_error` answers an HTTP 5xx instead of processing;
- :meth:`Faults.latency` delays the answer.

``n`` is how many requests a fault affects (``None``: every one until :meth:`Faults.clear`); ``op`` restricts it
to one operation, named as in the request log (``"CreateItem"``, ``"composite_create"`` ...), so "503 only on
one endpoint" is expressible. An emulator routes a request first (to know its operation), then lets
:meth:`Faults.serve` decide. Emulators subclass :class:`Faults` for their own faults and consume them with
:meth:`Faults.take`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .log import RequestRecord
from .server import HttpReply

#: Fault kinds :meth:`Faults.serve` applies: "drop" and "status" before processing a request, "lose" after it.
REQUEST_KINDS = ("drop", "lose", "status")


@dataclass
class Fault:
    """One armed failure. ``remaining=None`` means it never runs out; ``fired`` counts uses."""

    kind: str
    op: str | None = None
    remaining: int | None = 1
    status: int | None = None
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    params: dict[str, Any] = field(default_factory=dict)  # emulator-specific details
    fired: int = 0

    def applies(self, op: str | None) -> bool:
        """True while the fault has uses left and is not restricted to another operation."""
        return self.remaining != 0 and self.op in (None, op)

    def consume(self) -> None:
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def label(self) -> str:
        """How the request log names this fault (``"drop"``, ``"lose"``, ``"status:503"`` ...)."""
        return f"{self.kind}:{self.status}" if self.status is not None else self.kind


def _count(n: int | None) -> int | None:
    if n is not None and n < 1:
        raise ValueError("n must be a positive number of requests, or None for every request")
    return n


class Faults:
    """Faults armed by tests; every arming method returns the :class:`Fault` it registered.

    All methods are thread-safe: arm a fault, then drive a client from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    # -- arming ---------------------------------------------------------------------------------------
    def add(self, fault: Fault) -> Fault:
        """Arm *fault* (faults fire in arming order)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def drop_connections(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Close the socket without answering and without processing the next *n* requests."""
        return self.add(Fault("drop", op, _count(n)))

    def lose_replies(self, n: int | None = 1, op: str | None = None) -> Fault:
        """Process the next *n* requests (their writes happen), then close the socket without an answer."""
        return self.add(Fault("lose", op, _count(n)))

    def server_error(
        self,
        n: int | None = 1,
        status: int = 503,
        op: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer the next *n* requests with HTTP *status* (5xx) in the emulator's error shape, unprocessed."""
        if not 500 <= status <= 599:
            raise ValueError("status must be an HTTP 5xx status")
        return self.add(Fault("status", op, _count(n), status=status, headers=dict(headers or {})))

    def latency(self, seconds: float, n: int | None = None, op: str | None = None) -> Fault:
        """Delay the answer to the next *n* requests (``None``: every request) by *seconds*."""
        return self.add(Fault("latency", op, _count(n), seconds=float(seconds)))

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by *seconds* (0 removes every latency fault)."""
        with self._lock:
            self._faults = [f for f in self._faults if f.kind != "latency"]
        if seconds:
            self.latency(seconds)

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [f for f in self._faults if f.remaining != 0]

    # -- consumption (emulator side) ------------------------------------------------------------------
    def take(
        self, op: str | None, kinds: tuple[str, ...], match: Callable[[Fault], bool] | None = None
    ) -> Fault | None:
        """Consume and return the first armed fault of one of *kinds* that applies to *op* (and *match*)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.applies(op) and (match is None or match(fault)):
                    fault.consume()
                    return fault
        return None

    def serve(
        self,
        op: str | None,
        process: Callable[[], HttpReply],
        error_reply: Callable[[Fault], HttpReply],
        record: RequestRecord | None = None,
    ) -> HttpReply | None:
        """Answer one routed request, applying latency and the request-level faults armed for *op*.

        *process* runs the request; *error_reply* renders a ``status`` fault in the emulator's error shape.
        ``None`` means "close the connection without answering". The fault used is noted on *record*. A
        ``lose`` fault is looked up once the request has been processed (a test may arm it from inside the
        request's processing, to lose exactly that reply).
        """
        delay = self.take(op, ("latency",))
        if delay is not None:
            time.sleep(delay.seconds)
        fault = self.take(op, ("drop", "status"))
        if fault is not None and record is not None:
            record.fault = fault.label
        if fault is not None and fault.kind == "drop":
            return None
        if fault is not None:
            return error_reply(fault)
        reply = process()
        # Looked up after the work is done, so a fault armed while the request runs applies to it too.
        lost = self.take(op, ("lose",))
        if lost is None:
            return reply
        if record is not None:
            record.fault = lost.label
        return None
