"""Long-running transactions: writes stamped when they are made, visible only when the transaction commits.

This is the hazard Salesforce's replication API names: "If Salesforce executes a long-running transaction on
your instance, the value in this field [``latestDateCovered``] is the start time of that long-running
transaction until it completes"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm).
While one is open, its rows are invisible to every read (queries, ``updated/``, record GETs), and
``sobjects/{T}/updated/`` and ``/deleted/`` answer a ``latestDateCovered`` no later than its start. At commit
its rows appear with the ``SystemModstamp`` of the moment each write was made: earlier than rows other
transactions committed meanwhile, so a client that polls ``SystemModstamp > watermark`` alone misses them.

The writes are kept aside and applied at commit (the row's stamp is the write's time, never the commit's), so
nothing of the transaction is readable before it commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self

from .clock import Clock
from .records import RecordWriter
from .schema import SObjectDef


class LongTransaction:
    """One open transaction of another user (see the module docstring). Use :meth:`commit` once."""

    def __init__(self, registry: OpenTransactions, writer: RecordWriter, clock: Clock, user_id: str,
                 resolve: Callable[[str], SObjectDef]) -> None:
        self._registry = registry
        self._writer = writer
        self._clock = clock
        self._user_id = user_id
        self._resolve = resolve
        #: when the transaction began (``latestDateCovered`` stays at or before it until it ends)
        self.started = clock.now()
        self._ops: list[Callable[[], None]] = []
        self.open = True

    def insert(self, sobject: str, fields: dict[str, Any]) -> str:
        """Create a record inside the transaction, stamped now; returns the id it will have."""
        obj, stamp = self._resolve(sobject), self._stamp()
        rid = self._writer.store.new_id(obj)
        payload = {**fields, "Id": rid}
        self._ops.append(lambda: self._writer.create(obj, payload, self._user_id, trusted=True, stamp=stamp))
        return rid

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """Update a record inside the transaction, stamped now."""
        obj, stamp = self._resolve(sobject), self._stamp()
        payload = dict(fields)
        self._ops.append(lambda: self._writer.update(obj, record_id, payload, self._user_id, trusted=True,
                                                     stamp=stamp))

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record inside the transaction, stamped now."""
        obj, stamp = self._resolve(sobject), self._stamp()
        self._ops.append(lambda: self._writer.delete(obj, record_id, self._user_id, trusted=True, stamp=stamp))

    def commit(self) -> None:
        """Make every write visible at once, each with the stamp of the moment it was made."""
        self._check_open()
        try:
            with self._writer.store.lock, self._writer.store.transaction():
                for op in self._ops:
                    op()
        finally:
            self._end()

    def rollback(self) -> None:
        """End the transaction without writing anything."""
        self._check_open()
        self._end()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        """Commit at the end of a ``with`` block; roll back when the block raised."""
        if self.open:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()

    def _stamp(self) -> datetime:
        self._check_open()
        return self._clock.now()

    def _check_open(self) -> None:
        if not self.open:
            raise RuntimeError("the transaction has ended")

    def _end(self) -> None:
        self.open = False
        self._registry.remove(self)


class OpenTransactions:
    """The org's open long-running transactions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[LongTransaction] = []

    def add(self, txn: LongTransaction) -> LongTransaction:
        with self._lock:
            self._open.append(txn)
        return txn

    def remove(self, txn: LongTransaction) -> None:
        with self._lock:
            if txn in self._open:
                self._open.remove(txn)

    def earliest_start(self) -> datetime | None:
        """The start of the oldest open transaction, or ``None`` when none is open."""
        with self._lock:
            return min((t.started for t in self._open), default=None)

    def clear(self) -> None:
        with self._lock:
            self._open.clear()

