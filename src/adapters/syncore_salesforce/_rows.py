"""Rows read from Salesforce as the engine's records: an event series with its occurrences (the series reader),
a recurring task as one task (the task series), everything else one row, one record; a row in the Recycle Bin
is a deletion."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from syncore.models import Kind
from syncore.remote import RemoteRecord, Unsupported

from ._mapping import Mapping
from ._series_read import SeriesReader
from ._task_series import TaskSeries


class RowMapper:
    """Maps rows of every synced kind; ``series_reader`` is None when series are not synced as series."""

    def __init__(self, mappings: dict[Kind, Mapping], series_reader: SeriesReader | None, task_series: TaskSeries,
                 with_link: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self._mappings = mappings
        self._series_reader = series_reader
        self._task_series = task_series
        self._with_link = with_link

    def map_rows(self, kind: Kind, rows: list[dict[str, Any]]) -> list[RemoteRecord]:
        """Rows read by id or link as records (an event series read with its occurrences)."""
        if Kind(kind) is Kind.EVENT and self._series_reader is not None:
            return list(self._series_reader.expand(rows).upserts)
        if Kind(kind) is Kind.TASK:
            return self._task_series.resolve(rows)[0]
        mapping = self._mappings[Kind(kind)]
        items = [mapping.from_sf(self._with_link(row)) for row in rows]
        return [item for item in items if isinstance(item, RemoteRecord)]

    def split(self, kind: Kind, rows: Iterable[dict[str, Any]]) -> tuple[
            tuple[RemoteRecord, ...], tuple[str, ...], tuple[Unsupported, ...]]:
        if Kind(kind) is Kind.EVENT and self._series_reader is not None:
            resolved = self._series_reader.resolve(rows)
            return resolved.upserts, resolved.deletions, resolved.unsupported
        if Kind(kind) is Kind.TASK:
            upserts_, deletions_, unsupported_ = self._task_series.resolve(rows)
            return tuple(upserts_), tuple(deletions_), tuple(unsupported_)
        mapping = self._mappings[kind]
        upserts: list[RemoteRecord] = []
        deletions: list[str] = []
        unsupported: list[Unsupported] = []
        for row in rows:
            if row.get("IsDeleted"):
                # In the Recycle Bin: a deletion. (Archived rows are not deleted: they map as records.)
                deletions.append(row["Id"])
                continue
            item = mapping.from_sf(self._with_link(row))
            (upserts if isinstance(item, RemoteRecord) else unsupported).append(item)  # type: ignore[arg-type]
        return tuple(upserts), tuple(deletions), tuple(unsupported)

