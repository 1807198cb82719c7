"""Creates, updates and deletes of single items, mixed into :class:`~syncore_outlook.adapter.OutlookComAdapter`.

Kept apart so the adapter module stays small; writes naming a series or one of its occurrences are in
:mod:`._series_writes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from syncore.errors import AdapterError, InvalidRecordError, NotFound, UnsupportedRecord, VersionMismatch
from syncore.models import Event, Kind, Record, Task
from syncore.occurrences import split_occurrence_id
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from . import _series
from ._link import write_link
from ._mapping import task_recurrence
from .converter import version_text
from .errors import ObjectModelGuardError, is_com_error, translate

RECURRING_REASON = "recurring task: Outlook task recurrences are not synced yet (left untouched)"


class ItemWrites:
    """create/update/delete of the adapter; every call runs on the COM thread through the adapter's ``_call``."""

    # The helpers these methods call (_call, _open, _open_entry, _version, _mapping, _folder, _locators,
    # _recurring_ok, _task_recurrence, _occurrence_write, _series_update, clock, _app, link_property) are
    # OutlookComAdapter's own: the mixin serves that class only.

    def _outcome(self, ref: str, exc: Exception, what: str) -> WriteOutcome:
        """A per-record failure outcome; a guard denial stops the whole call instead."""
        if is_com_error(exc):
            error: AdapterError = translate(exc, what)
            if isinstance(error, ObjectModelGuardError):
                raise error from exc
            error.__cause__ = exc
            return WriteOutcome(ref=ref, error=error)
        if isinstance(exc, (AdapterError, InvalidRecordError)):
            return WriteOutcome(ref=ref, error=exc if isinstance(exc, AdapterError) else UnsupportedRecord(str(exc)))
        raise exc

    def _save(self, kind: Kind, item: Any) -> tuple[str, int]:
        """Save; returns the item's native id (re-read: a first Save assigns it) and its new version."""
        item.Save()
        entry_id = str(item.EntryID)
        native_id = (str(item.GlobalAppointmentID) or entry_id) if self._mapping(kind).calendar else entry_id
        self._locators.setdefault(kind, {})[native_id] = entry_id
        return native_id, self._version(item)

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """Add, fill and save one item per request in the synced folder (never sends anything)."""
        return self._call("create", self._each, Kind(kind), requests, self._create_one)

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """Write only ``request.fields`` of each item (a body the engine keeps is never touched)."""
        return self._call("update", self._each, Kind(kind), requests, self._update_one)

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """Delete items (Outlook moves them to Deleted Items); an item already gone counts as deleted."""
        return self._call("delete", self._each, Kind(kind), requests, self._delete_one)

    def _each(self, kind: Kind, requests: Iterable[Any], one: Callable[[Kind, Any], WriteOutcome]) -> list[WriteOutcome]:
        outcomes = []
        for request in requests:
            try:
                outcomes.append(one(kind, request))
            except Exception as exc:  # noqa: BLE001 - sorted into per-record outcomes or re-raised
                outcomes.append(self._outcome(request.ref, exc, f"{kind.value} {getattr(request, 'id', '')}"))
        return outcomes

    def _create_one(self, kind: Kind, request: CreateRequest) -> WriteOutcome:
        mapping = self._mapping(kind)
        record = request.record
        series = isinstance(record, Event) and record.recurrence is not None
        item = self._folder(kind).Items.Add(mapping.item_type)
        if series:
            _series.set_zone(self._app, item, record)  # type: ignore[arg-type]
        warnings = mapping.write(item, record, frozenset(record.field_names()), self.clock)
        self._write_task_recurrence(kind, item, record, frozenset({"recurrence"}))
        if series:
            _series.write_pattern(item, record, self.clock)  # type: ignore[arg-type]
        if request.link is not None:
            write_link(item, self.link_property, request.link)
        native_id, version = self._save(kind, item)
        if series:
            entry_id = str(item.EntryID)
            del item
            _series.finish(lambda: self._open_entry(kind, entry_id), record, None, self.clock)  # type: ignore[arg-type]
            version = self._version(self._open_entry(kind, entry_id))
        return WriteOutcome(ref=request.ref, id=native_id, version=version_text(version), warnings=tuple(warnings))

    def _existing(self, kind: Kind, native_id: str) -> Any:
        item = self._open(kind, native_id)
        if item is None:
            raise NotFound(f"Outlook: no {kind.value} {native_id} in the synced folder")
        if self._mapping(kind).has_recurrence and not self._recurring_ok(kind) and item.IsRecurring:
            raise UnsupportedRecord(f"Outlook: {native_id} is a {RECURRING_REASON}")
        return item

    def _update_one(self, kind: Kind, request: UpdateRequest) -> WriteOutcome:
        if self._mapping(kind).calendar and split_occurrence_id(request.id) is not None:
            return self._occurrence_write(kind, request, request.record)  # type: ignore[arg-type]
        if self._mapping(kind).calendar and (request.record.recurrence is not None  # type: ignore[attr-defined]
                                             or "recurrence" in request.fields):
            return self._series_update(kind, request)
        item = self._existing(kind, request.id)
        if request.base_version is not None and version_text(self._version(item)) != request.base_version:
            raise VersionMismatch(f"Outlook: {request.id} changed since version {request.base_version}")
        warnings = self._mapping(kind).write(item, request.record, request.fields, self.clock)
        self._write_task_recurrence(kind, item, request.record, request.fields)
        if request.link is not None:
            write_link(item, self.link_property, request.link)
        native_id, version = self._save(kind, item)
        return WriteOutcome(ref=request.ref, id=native_id, version=version_text(version), warnings=tuple(warnings))

    def _write_task_recurrence(self, kind: Kind, item: Any, record: Record, fields: frozenset[str]) -> None:
        """A task's recurrence (with the option): its pattern set, or cleared (before the item is saved)."""
        if kind is not Kind.TASK or not self._task_recurrence or "recurrence" not in fields:
            return
        assert isinstance(record, Task)
        if record.recurrence is None:
            if item.IsRecurring:
                item.ClearRecurrencePattern()
            return
        problem = task_recurrence.unfit(record.recurrence)
        if problem is not None:
            raise UnsupportedRecord(f"Outlook cannot hold this recurring task: {problem}")
        task_recurrence.apply(item.GetRecurrencePattern(), record.recurrence, self.clock)

    def _delete_one(self, kind: Kind, request: DeleteRequest) -> WriteOutcome:
        if self._mapping(kind).calendar and split_occurrence_id(request.id) is not None:
            return self._occurrence_write(kind, request, None)
        try:
            item = self._existing(kind, request.id)
        except NotFound:
            return WriteOutcome(ref=request.ref, id=request.id)  # already gone: the goal is reached
        if self._mapping(kind).calendar and item.IsRecurring and request.base_version is not None \
                and version_text(self._version(item)) != request.base_version:
            # a whole series is never deleted on an out-of-date plan (a single event may have become one)
            raise VersionMismatch(f"Outlook: {request.id} changed since version {request.base_version}")
        item.Delete()
        return WriteOutcome(ref=request.ref, id=request.id)
