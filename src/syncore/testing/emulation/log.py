"""One request-log vocabulary for every emulator: records, ``count(op, **filters)``, ``reset_log()``.

Tests count API calls (the currency of a sync) and pin what went over the wire, so every emulator logs each
request as a :class:`RequestRecord` (an emulator subclasses it to add its own fields) in a
:class:`RequestLog`, and exposes the log through :class:`RequestLogAccess`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class RequestRecord:
    """One request as an emulator received it.

    ``operation`` names what was asked (an EWS SOAP operation, a Salesforce REST resource ...; ``"unknown"``
    until routed); ``status`` is the HTTP status answered (``None`` when the connection was closed without an
    answer); ``user`` who was authenticated (``None`` if nobody); ``codes`` the error or response codes sent
    back; ``fault`` the injected fault that shaped the answer (``"drop"``, ``"lose"``, ``"status:503"`` ...).
    """

    operation: str = "unknown"
    method: str = ""
    path: str = ""
    status: int | None = None
    user: str | None = None
    codes: list[str] = field(default_factory=list)
    fault: str | None = None
    time: datetime = field(default_factory=lambda: datetime.now(UTC))


#: A filter value: compared with ``==``, or called with the attribute's value when callable.
Filter = Any | Callable[[Any], bool]


def matches(record: RequestRecord, op: str | None, filters: dict[str, Filter]) -> bool:
    """True when *record* is operation *op* (any if ``None``) and passes every filter."""
    if op is not None and record.operation != op:
        return False
    for name, wanted in filters.items():
        try:
            value = getattr(record, name)
        except AttributeError:
            raise TypeError(f"{type(record).__name__} has no field {name!r} to filter on") from None
        if callable(wanted) and not isinstance(wanted, type):
            if not wanted(value):
                return False
        elif value != wanted:
            return False
    return True


class RequestLog:
    """Thread-safe, append-only list of request records."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        """A copy of the list, oldest first (the records themselves are live)."""
        with self._lock:
            return list(self._records)

    def reset(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    def count(self, op: str | None = None, /, **filters: Filter) -> int:
        """How many records are operation *op* (any if ``None``) and pass every filter.

        ``count("query", status=200)`` compares fields with ``==``; a callable filter is a predicate:
        ``count(path=lambda p: "composite" in p)``.
        """
        return sum(1 for r in self.records() if matches(r, op, filters))

    def counts(self) -> Counter[str]:
        """Requests per operation name."""
        return Counter(r.operation for r in self.records())


class RequestLogAccess:
    """The request-log part of an emulator's public API; the emulator sets ``self.log``."""

    log: RequestLog

    @property
    def requests(self) -> list[Any]:
        """Every request received so far, oldest first."""
        return self.log.records()

    def count(self, op: str | None = None, /, **filters: Filter) -> int:
        """Number of logged requests of operation *op* passing *filters* (see :meth:`RequestLog.count`)."""
        return self.log.count(op, **filters)

    def request_counts(self) -> Counter[str]:
        """Requests per operation name."""
        return self.log.counts()

    def reset_log(self) -> None:
        """Forget logged requests (faults, data and sessions are kept)."""
        self.log.reset()
