"""One side of an end-to-end scenario (:class:`~syncore.testing.EngineContract`): an adapter on its emulator,
and a user working on the emulator directly.

A :class:`Backend` is what the engine contract needs from each adapter + emulator pair: the adapter the engine
syncs through, a user who creates, moves and deletes events the way another client would (never through the
adapter under test), a view of what the backend stores read from the emulator itself, and the emulator's
request log with the protocol's limits stated as literals. Each adapter package ships one next to its emulator
(``syncore_exchange.emulator.backend``, ``syncore_salesforce.emulator.backend``,
``syncore_outlook.fake.backend``);
:class:`~syncore.testing.memory_backend.MemoryBackend` is the in-memory one.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Self

import attrs

from ..abc import Adapter
from ..models import Event


@attrs.frozen(kw_only=True)
class RequestLimits:
    """A backend's request log vocabulary and its protocol's limits, written down as literals by the backend.

    Never derive these from the adapter's own constants: the contract checks the adapter against them.

    :ivar write: records one write request may carry (Salesforce collections: 200; Graph ``$batch``: 20);
        None when writes are not batched by the protocol
    :ivar feed_page: changes one change-feed request may return (Salesforce query page: 2,000; EWS
        SyncFolderItems: 512); None when one request returns every change
    :ivar fetch: ids one read-by-id request may name; None when unbatched
    :ivar write_ops, feed_ops, fetch_ops: the request log's operation names of each sort
    :ivar quiet: the requests, by operation, of a sync in which nothing changed on either side
    :ivar uncounted_ops: operations that are part of another request and not counted on their own (the row
        reads of one Outlook table scan)
    """

    write: int | None
    feed_page: int | None
    fetch: int | None
    write_ops: frozenset[str]
    feed_ops: frozenset[str]
    fetch_ops: frozenset[str]
    quiet: Mapping[str, int]
    uncounted_ops: frozenset[str] = frozenset()


def requests_for(records: int, per_request: int | None) -> int:
    """The fewest requests that carry ``records`` when one carries at most ``per_request`` (at least one)."""
    if per_request is None or records <= 0:
        return 1
    return math.ceil(records / per_request)


@attrs.frozen(kw_only=True)
class StoredEvent:
    """An event as the backend stores it, read from the emulator (not through the adapter).

    :ivar start, end: aware UTC datetimes, or dates (end exclusive) for an all-day event
    :ivar text: the body's plain text
    :ivar formatted: the stored formatted body exactly as the backend keeps it (HTML text, RTF bytes), or None
    """

    subject: str
    start: date | datetime
    end: date | datetime
    location: str = ""
    text: str = ""
    formatted: Any = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


class Backend(ABC):
    """An adapter on its emulator, plus a user of that emulator. Use as a context manager (or call close)."""

    #: the protocol's limits and the request log's operation names (see :class:`RequestLimits`)
    limits: ClassVar[RequestLimits]
    #: the adapter the engine syncs through
    adapter: Adapter

    # -- the user, working on the backend directly --------------------------------------------------------
    @abstractmethod
    def user_create_event(self, event: Event) -> str:
        """Create ``event`` as another client would (a formatted body stays formatted); returns the adapter's
        id."""

    @abstractmethod
    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        """Change ``subject``, ``start`` and ``end`` (together), or ``text`` (the body, as plain text)."""

    @abstractmethod
    def user_delete_event(self, native_id: str) -> None:
        """Delete the event as a user would."""

    @abstractmethod
    def events(self) -> dict[str, StoredEvent]:
        """Every event the backend stores, by the adapter's id, read from the emulator."""

    # -- the request log ---------------------------------------------------------------------------------
    @abstractmethod
    def request_counts(self) -> Counter[str]:
        """Requests by operation name since the last :meth:`reset_requests`."""

    @abstractmethod
    def reset_requests(self) -> None:
        """Start counting afresh."""

    def counted_requests(self) -> Counter[str]:
        """:meth:`request_counts` without the :attr:`RequestLimits.uncounted_ops`."""
        uncounted = self.limits.uncounted_ops
        return Counter({op: n for op, n in self.request_counts().items() if op not in uncounted})

    def count(self, operations: frozenset[str]) -> int:
        """Requests of any of ``operations`` since the last reset."""
        counts = self.request_counts()
        return sum(counts[op] for op in operations)

    # -- time and lifetime -------------------------------------------------------------------------------
    def advance(self, delta: timedelta) -> None:
        """Move the backend's clock (backends that stamp modification times keep one; the default has
        none)."""

    def close(self) -> None:
        """Stop the emulator (the default has nothing to stop)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
