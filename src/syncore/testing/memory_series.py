"""Recurring series in the memory adapter: what each :class:`~syncore.remote.RecurrenceSupport` mode holds, writes
naming one occurrence, and the user-side API for occurrences (:class:`SeriesMemory`, mixed into MemoryAdapter)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from ..errors import (
    AdapterError,
    InvalidRecordError,
    NotFound,
    RecordRejected,
    UnsupportedRecord,
    VersionMismatch,
)
from ..models import Event, Kind, Record, Task
from ..occurrences import (
    ended_before,
    occurrence_record,
    split_occurrence_id,
    with_occurrence,
    without_occurrence,
)
from ..remote import CutRequest, RecurrenceSupport, RemoteRecord, UpdateRequest, WriteOutcome

#: what a memory side says when it is asked to hold a series it cannot (its ``unfit`` predicate aside)
NO_SERIES = {
    RecurrenceSupport.NONE: "this side syncs no recurring series",
    RecurrenceSupport.OCCURRENCES: "this side holds single occurrences only, not a series",
}


class SeriesMemory:
    """The series half of the memory adapter. Expects ``_caps``, ``_stores``, ``_unfit``, ``_write`` and
    ``_remote`` from :class:`~syncore.testing.memory.MemoryAdapter`."""

    _caps: Any
    _stores: dict[Kind, Any]
    _unfit: Callable[[Record], str | None] | None
    _write: Callable[..., str]
    _remote: Callable[..., RemoteRecord]

    def unfit_reason(self, record: Record) -> str | None:
        if isinstance(record, Event) and record.recurrence is not None:
            if self._caps.recurrence is not RecurrenceSupport.RULES:
                return NO_SERIES[self._caps.recurrence]
        if isinstance(record, Task) and record.recurrence is not None and not self._caps.task_recurrence:
            return "this side syncs no recurring tasks"
        return self._unfit(record) if self._unfit is not None else None

    def _unsupported_reason(self, record: Record) -> str | None:
        """Why a stored record is reported as unsupported instead of synced (as real adapters report series)."""
        if isinstance(record, Event) and record.recurrence is not None and \
                self._caps.recurrence is not RecurrenceSupport.RULES:
            return "recurring series not supported"
        if isinstance(record, Task) and record.recurrence is not None and not self._caps.task_recurrence:
            return "recurring task not supported"
        return None

    def _holds_series(self, kind: Kind) -> bool:
        return kind is Kind.EVENT and self._caps.recurrence is RecurrenceSupport.RULES

    def _occurrence_update(self, kind: Kind, request: UpdateRequest) -> WriteOutcome | None:
        """The outcome of an update naming one occurrence (None: the request names a whole record)."""
        split = split_occurrence_id(request.id) if self._holds_series(kind) else None
        if split is None:
            return None
        series_id, original_start = split
        item = self._stores[kind].items.get(series_id)
        current = occurrence_record(self._remote(series_id, item), request.id, original_start) if item else None
        if current is None:
            return WriteOutcome(ref=request.ref, error=NotFound(f"no occurrence {request.id}"))
        if request.base_version is not None and request.base_version != current.version:
            return WriteOutcome(ref=request.ref, error=VersionMismatch(f"{request.id} changed since "
                                                                       f"{request.base_version}"))
        try:
            updated = with_occurrence(item.record, original_start, request.record, request.fields)  # type: ignore[arg-type]
        except (AdapterError, InvalidRecordError) as exc:
            error = exc if isinstance(exc, AdapterError) else RecordRejected(str(exc))
            return WriteOutcome(ref=request.ref, error=error)
        self._write(kind, series_id, updated, item.link)
        stored = occurrence_record(self._remote(series_id, self._stores[kind].items[series_id]), request.id,
                                   original_start)
        return WriteOutcome(ref=request.ref, id=request.id, version=stored.version if stored else None)

    def _occurrence_delete(self, kind: Kind, native_id: str) -> bool:
        """Cancel the occurrence ``native_id`` names; False when it names a whole record."""
        split = split_occurrence_id(native_id) if self._holds_series(kind) else None
        if split is None:
            return False
        series_id, original_start = split
        item = self._stores[kind].items.get(series_id)
        if item is not None and isinstance(item.record, Event) and item.record.recurrence is not None:
            cancelled = without_occurrence(item.record, original_start)
            if cancelled is not item.record:
                self._write(kind, series_id, cancelled, item.link)
        return True  # (already gone is what a delete wants)

    def cut_series(self, kind: Kind, requests: Sequence[CutRequest]) -> list[WriteOutcome]:
        """End series before a date (``cuts_series``): the occurrences from there on go, the earlier ones stay; a
        series already cut, or gone, is a success."""
        self._enter("cut_series")  # type: ignore[attr-defined]
        outcomes = []
        for request in requests:
            self._count_write()  # type: ignore[attr-defined]
            item = self._stores[kind].items.get(request.id)
            if item is None:
                outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
                continue
            if not isinstance(item.record, Event) or item.record.recurrence is None:
                outcomes.append(WriteOutcome(ref=request.ref, error=RecordRejected(f"{request.id} is no series")))
                continue
            cut = ended_before(item.record, request.before)
            if cut is None:
                outcomes.append(WriteOutcome(ref=request.ref, error=RecordRejected(
                    f"cutting {request.id} before {request.before.isoformat()} would leave no occurrence")))
                continue
            if cut is not item.record:
                self._write(kind, request.id, cut, item.link)
                self._written()  # type: ignore[attr-defined]
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id,
                                         version=self._remote(request.id, self._stores[kind].items[request.id]).version))
        return self._reply(outcomes, "cut_series")  # type: ignore[attr-defined]

    def _refusal(self, record: Record) -> AdapterError | None:
        reason = self.unfit_reason(record)
        return UnsupportedRecord(f"{getattr(self, 'name', 'memory')}: {reason}") if reason else None

    # -- user-side API ---------------------------------------------------------------------------------------
    def edit_occurrence(self, series_id: str, original_start: date | datetime, **fields: Any) -> Event:
        """Change one occurrence of a series as a user would (it becomes an override); returns the series."""
        item = self._stores[Kind.EVENT].items[series_id]
        occurrence = item.record.replace(recurrence=None, **fields)
        updated = with_occurrence(item.record, original_start, occurrence, fields)
        self._write(Kind.EVENT, series_id, updated, item.link)
        return updated

    def cancel_occurrence(self, series_id: str, original_start: date | datetime) -> Event:
        """Delete one occurrence of a series as a user would (it becomes an EXDATE); returns the series."""
        item = self._stores[Kind.EVENT].items[series_id]
        updated = without_occurrence(item.record, original_start)
        self._write(Kind.EVENT, series_id, updated, item.link)
        return updated
