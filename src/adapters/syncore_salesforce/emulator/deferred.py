"""Lightning series deletions Salesforce finishes after it has answered (``SalesforceEmulator(series_delete_lag=…)``).

The REST guide answers ``DELETE sobjects/Event/{id}/fromThisEventOnwards`` with ``{success: We're deleting the
selected events from the series. Wait for all events to be removed.}`` ("Delete Lightning Experience Event Series",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm): the events
are removed *after* the answer. Earlier versions of the page (v45.0, v53.0) show the same answer for a whole series
deleted by its first occurrence, which this module defers too.

What the emulator does with a lag (every detail below is a guess; the guide says only "wait"):

* the request answers at once, as without a lag; the changes Salesforce makes to the rows it keeps (a cut series'
  pattern ending before the occurrence named) are made at once too;
* the rows the request dooms stay live (``IsDeleted`` false) in queries, ``queryAll``, record reads and
  ``updated/``, absent from ``deleted/``; a client may still write them. They stay exactly as they were, or, with
  ``lingering_rows_cut``, the occurrences a cut dooms take the cut pattern (``Recurrence2PatternText`` ending before
  them) with the rows it keeps, stamped like them: which of the two Salesforce does is not documented;
* after ``series_delete_lag`` further API requests (or when a test calls ``finish_pending_deletions()``) they are
  deleted exactly as without a lag (``IsDeleted``, stamped with the moment they go, in the delete log); rows deleted
  meanwhile are left as they are, and a doomed series record takes the occurrences it has by then.

How long Salesforce takes, and whether the doomed rows are visible at all while it works, is not documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import Clock
from .schema import SObjectDef
from .series import LIGHTNING_SERIES, role
from .store import Store

#: deletes one doomed row, as an undelayed request would, at the given moment
DeleteRow = Callable[[dict[str, Any], datetime], None]
#: the live occurrence rows of a series record, when the deletion finishes
Occurrences = Callable[[SObjectDef, str], list[dict[str, Any]]]


@dataclass
class PendingDeletion:
    """The rows one request doomed, and how many further API requests they stay for."""

    obj: SObjectDef
    ids: list[str]
    remaining: int | None
    delete_row: DeleteRow


class DeferredDeletions:
    """The org's pending series deletions (see the module docstring).

    :param lag: ``0`` deletes at once (Salesforce's behaviour as the emulator modelled it before); ``N`` keeps the
        doomed rows through N further API requests; ``None`` keeps them until :meth:`finish` is called.
    :param cut_doomed: the occurrences a cut dooms take the cut pattern while they linger.
    """

    def __init__(self, store: Store, clock: Clock, lag: int | None, occurrences: Occurrences, *,
                 cut_doomed: bool = False) -> None:
        if lag is not None and lag < 0:
            raise ValueError("series_delete_lag must be 0 or more, or None")
        self.store = store
        self.clock = clock
        self.lag = lag
        #: the occurrences a cut dooms take the cut pattern while they linger (see the module docstring)
        self.cut_doomed = cut_doomed
        self.occurrences = occurrences
        self._pending: list[PendingDeletion] = []

    @property
    def active(self) -> bool:
        """Whether deletions of Lightning series rows are deferred at all."""
        return self.lag != 0

    def defer(self, obj: SObjectDef, rows: list[dict[str, Any]], delete_row: DeleteRow) -> None:
        """Doom ``rows`` (they stay as they are for now); rows another request already doomed are not counted
        twice (a repeated request does not put their end off)."""
        with self.store.lock:
            doomed = {rid for item in self._pending for rid in item.ids}
            ids = [row["Id"] for row in rows if row["Id"] not in doomed]
            if ids:
                item = PendingDeletion(obj, ids, self.lag, delete_row)
                self._pending.append(item)
                # a request that fails as a whole after this (allOrNone) dooms nothing
                self.store.on_rollback(lambda: self._drop(item))

    def pending_ids(self) -> list[str]:
        """The ids of the doomed rows that are still live, in the order they were doomed."""
        with self.store.lock:
            return [rid for item in self._pending for rid in item.ids if self._live(item.obj, rid) is not None]

    def tick(self) -> None:
        """One API request is about to be served: deletions whose lag has run out finish first."""
        with self.store.lock:
            due = [item for item in self._pending if item.remaining == 0]
            for item in self._pending:
                if item.remaining:
                    item.remaining -= 1
            if due:
                self._finish(due)

    def finish(self) -> int:
        """Finish every pending deletion now; returns the number of rows deleted."""
        with self.store.lock:
            return self._finish(list(self._pending))

    def clear(self) -> None:
        with self.store.lock:
            self._pending.clear()

    def _finish(self, items: list[PendingDeletion]) -> int:
        count = 0
        with self.store.transaction():
            now = self.clock.now()
            for item in items:
                self._drop(item)
                rows = [row for row in (self._live(item.obj, rid) for rid in item.ids) if row is not None]
                # a series record still live takes the occurrences it has now (a critical edit meanwhile made new
                # ones), as a delete made now would
                taken = {row["Id"] for row in rows}
                for series in [row for row in rows if role(row) == LIGHTNING_SERIES]:
                    rows += [row for row in self.occurrences(item.obj, series["Id"]) if row["Id"] not in taken]
                for row in rows:
                    item.delete_row(row, now)
                count += len(rows)
        return count

    def _drop(self, item: PendingDeletion) -> None:
        self._pending = [other for other in self._pending if other is not item]

    def _live(self, obj: SObjectDef, rid: str) -> dict[str, Any] | None:
        row = self.store.get(obj, rid)
        return row if row is not None and not row.get("IsDeleted") else None
