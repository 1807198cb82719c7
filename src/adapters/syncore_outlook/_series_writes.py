"""Writes to recurring appointments, mixed into :class:`~syncore_outlook.adapter.OutlookComAdapter`.

Kept apart so the adapter module stays small; the rules are in :mod:`._series` (outlook_com.md §8).
"""

from __future__ import annotations

from typing import Any

from syncore.errors import NotFound, VersionMismatch
from syncore.models import Event, Kind
from syncore.occurrences import occurrence_record, split_occurrence_id
from syncore.remote import UpdateRequest, WriteOutcome

from . import _series
from ._link import write_link
from .converter import version_text


class SeriesWrites:
    """Series updates and writes naming one occurrence; uses the adapter's item helpers."""

    # The helpers these methods call (_existing, _open, _open_entry, _version, _remote, _save, _mapping, clock,
    # _app, link_property) are OutlookComAdapter's own: the mixin serves that class only.

    def _series_update(self, kind: Kind, request: UpdateRequest) -> WriteOutcome:
        """An update of a series (or of an item becoming or leaving one): the pattern is written whole when it
        changes, then the occurrences the series needs."""
        item = self._existing(kind, request.id)
        if request.base_version is not None and version_text(self._version(item)) != request.base_version:
            raise VersionMismatch(f"Outlook: {request.id} changed since version {request.base_version}")
        record: Event = request.record  # type: ignore[assignment]
        current = _series.read(item, self.clock) if item.IsRecurring else None
        fields = set(request.fields)
        # the pattern stands unless it changes, or a cancelled occurrence comes back: Outlook cannot undo a
        # deletion but by setting the pattern anew (which drops every exception; the wanted ones are written after)
        keep = _series.same_pattern(current, record) and not _series.restores(current, record)
        if current is not None and (record.recurrence is None or not keep):
            item.ClearRecurrencePattern()
        if keep:
            fields -= {"recurrence", "start", "end"}
        else:
            if record.recurrence is not None:
                _series.set_zone(self._app, item, record)
            fields |= {"start", "end"}
        warnings = self._mapping(kind).write(item, record, frozenset(fields - {"recurrence"}), self.clock)
        if record.recurrence is not None and not keep:
            _series.write_pattern(item, record, self.clock)
        if request.link is not None:
            write_link(item, self.link_property, request.link)
        native_id, version = self._save(kind, item)
        if record.recurrence is not None:
            entry_id = str(item.EntryID)
            del item
            reopen = lambda: self._open_entry(kind, entry_id)
            _series.finish(reopen, record, _series.read(reopen(), self.clock), self.clock)
            version = self._version(reopen())
        return WriteOutcome(ref=request.ref, id=native_id, version=version_text(version), warnings=tuple(warnings))

    def _occurrence_write(self, kind: Kind, request: Any, record: Event | None) -> WriteOutcome:
        """A write naming one occurrence (``record`` None: cancel it); a gone occurrence is deleted already."""
        series_id, key = split_occurrence_id(request.id)  # type: ignore[misc]
        item = self._open(kind, series_id)
        if item is None or not item.IsRecurring:
            if record is None:
                return WriteOutcome(ref=request.ref, id=request.id)
            raise NotFound(f"Outlook: no series {series_id} in the synced folder")
        entry_id = str(item.EntryID)
        remote = self._remote(kind, series_id, item, self._version(item))
        del item
        now = occurrence_record(remote, request.id, key)
        if now is None:
            if record is None:
                return WriteOutcome(ref=request.ref, id=request.id)
            raise NotFound(f"Outlook: the series {series_id} has no occurrence {key.isoformat()} (any more)")
        if record is not None and request.base_version is not None and now.version != request.base_version:
            raise VersionMismatch(f"Outlook: the occurrence {request.id} changed since it was read")
        fields = request.fields if record is not None else frozenset()
        wanted = _series.occurrence_target(remote.record, request.id, record, fields)  # type: ignore[arg-type]
        reopen = lambda: self._open_entry(kind, entry_id)
        _series.finish(reopen, wanted, remote.record, self.clock)  # type: ignore[arg-type]
        if record is None:
            return WriteOutcome(ref=request.ref, id=request.id)
        after = occurrence_record(self._remote(kind, series_id, reopen(), self._version(reopen())), request.id, key)
        return WriteOutcome(ref=request.ref, id=request.id, version=after.version if after is not None else None)

