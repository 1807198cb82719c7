"""The steps every series write is made of, on a series already in Salesforce (reference §1.4).

Read the series a job names (one retrieve, one query per kind of series), send collections deletes and
updates of its rows (200 per call; a row's failure becomes its own job's outcome), cut a Lightning series
``fromThisEventOnwards``, and bring its occurrence rows in line with the wanted series (cancelled ones
deleted, modified ones patched). Every step works on rows read just before it: Salesforce re-creates
occurrence rows, with new ids, on every critical edit.

Kept apart from :mod:`._series_write`, which decides *which* steps a create, change, delete or replacement
needs, because :mod:`._series_cut` is built from the same steps and needs none of those decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from syncore.errors import AdapterError, NotFound
from syncore.models import Event
from syncore.occurrences import occurrence_record
from syncore.recurrence import OVERRIDABLE, Key
from syncore.remote import RemoteRecord, WriteOutcome
from syncore.series import Series, same_rule

from . import _collections
from ._mapping import events
from ._mapping.series import CLASSIC, LIGHTNING, ReadSeries, series_version

if TYPE_CHECKING:
    from ._series_payload import SeriesPayloads
    from .adapter import SalesforceAdapter


@attrs.define
class Job:
    """One request about a series."""

    ref: str
    series_id: str
    desired: Event | None = None
    #: the request names one occurrence: (its occurrence id, original start)
    occurrence: tuple[str, Key] | None = None
    read: ReadSeries | None = None
    link: str | None = None
    outcome: WriteOutcome | None = None
    replace: str | None = None
    warnings: list[str] = attrs.field(factory=list)


class SeriesSteps:
    """The row-level steps of series writes (see the module docstring)."""

    def __init__(self, adapter: SalesforceAdapter, payloads: SeriesPayloads) -> None:
        self.adapter = adapter
        self.payloads = payloads

    def load(self, jobs: list[Job], *, missing_ok: bool = False) -> None:
        """Read the series the jobs name (one retrieve, one query per kind of series)."""
        ids = sorted({job.series_id for job in jobs if self.adapter.is_native_id_of_event(job.series_id)})
        rows = []
        for start in range(0, len(ids), _collections.MAX_RETRIEVE_IDS):
            rows += [row for row in _collections.retrieve(self.adapter.transport, "Event",
                                                          ids[start : start + _collections.MAX_RETRIEVE_IDS],
                                                          self.adapter.event_select()) if row]
        read = self.adapter.series_reader.expand([row for row in rows if self.adapter.scope.owns(row)]).series
        for job in jobs:
            job.read = read.get(job.series_id)
            if job.read is None and not missing_ok:
                job.outcome = WriteOutcome(ref=job.ref, error=NotFound(f"no series {job.series_id} in Salesforce"))

    def reread(self, jobs: list[Job]) -> None:
        read = {job.series_id: job.read for job in jobs}
        self.load(jobs)
        for job in jobs:
            if job.read is None:
                job.read = read[job.series_id]

    def apply(self, jobs: list[Job]) -> None:
        """Delete the rows of cancelled occurrences and patch the modified ones (one call each per batch)."""
        deletes: list[tuple[Job, str]] = []
        patches: list[tuple[Job, dict[str, Any]]] = []
        for job in jobs:
            if job.outcome is not None:
                continue
            rows_gone, rows_patched, why = self.fixes(job)
            if why is not None:
                job.replace = why
                continue
            deletes += [(job, row_id) for row_id in rows_gone]
            patches += [(job, patch) for patch in rows_patched]
        self.send(deletes, update=False)
        self.send(patches, update=True)

    def fixes(self, job: Job) -> tuple[list[str], list[dict[str, Any]], str | None]:
        """Rows to delete and rows to patch so the series matches ``job.desired``; or why it cannot."""
        read, desired = job.read, job.desired
        assert read is not None and desired is not None and desired.recurrence is not None
        if not same_shape(read.event, desired):
            return [], [], "Salesforce did not take the new pattern"
        series = Series(desired)
        exdates = set(desired.recurrence.exdates)
        first = series.first()
        gone: list[str] = []
        patched: list[dict[str, Any]] = []
        for key, row in read.by_key.items():
            if key in exdates:
                if read.rows.form == LIGHTNING and key == first:
                    return [], [], "the first occurrence of a Lightning series cannot be cancelled alone"
                gone.append(row["Id"])
                continue
            want = events.represent(series.occurrence(key))
            have = events.event_of(row)
            fields = frozenset(name for name in OVERRIDABLE if getattr(want, name) != getattr(have, name))
            if fields:
                payload = self.payloads.fields(want, fields)  # type: ignore[arg-type]
                patched.append({"Id": row["Id"], **payload})
        restored = [key for key in read.event.recurrence.exdates if key not in exdates]  # type: ignore[union-attr]
        if restored:
            return gone, patched, "Salesforce cannot bring back a cancelled occurrence"
        return gone, patched, None

    def delete_onwards(self, job: Job, occurrence_id: str) -> None:
        def call(sf: Any) -> Any:
            return sf.restful(f"sobjects/Event/{occurrence_id}/fromThisEventOnwards", method="DELETE")

        try:
            self.adapter.transport.call("Event delete from this event onwards", call, write=True)
        except AdapterError as exc:
            job.outcome = WriteOutcome(ref=job.ref, error=exc)

    @staticmethod
    def whole_series_row(read: ReadSeries) -> str:
        """The row whose delete takes the whole series: a classic main record, or a Lightning series' first
        occurrence (REST guide, "Delete Lightning Experience Event Series")."""
        if read.rows.form == CLASSIC:
            return read.rows.id
        first = Series(read.event).first()
        row = read.by_key.get(first) if first is not None else None
        # (unverified) without its first occurrence, the series record itself is deleted
        return row["Id"] if row is not None else read.rows.id

    def success(self, job: Job) -> WriteOutcome:
        assert job.desired is not None
        if job.occurrence is None:
            return WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(job.desired),
                                warnings=tuple(job.warnings))
        occurrence_id, key = job.occurrence
        series = RemoteRecord(id=job.series_id, version=None, record=job.desired)
        stored = occurrence_record(series, occurrence_id, key)
        return WriteOutcome(ref=job.ref, id=occurrence_id, version=stored.version if stored else None,
                            warnings=tuple(job.warnings))

    def send(self, items: list[tuple[Job, Any]], *, update: bool) -> None:
        """Collections updates (payloads) or deletes (ids), 200 per call; a failure is its job's outcome."""
        transport = self.adapter.transport
        for start in range(0, len(items), _collections.MAX_WRITE_BATCH):
            chunk = items[start : start + _collections.MAX_WRITE_BATCH]
            call: Callable[[list[int]], list[dict[str, Any]]]
            if update:
                def call(idx: list[int], chunk: list[tuple[Job, Any]] = chunk) -> list[dict[str, Any]]:
                    return _collections.update(transport, "Event", [chunk[i][1] for i in idx])
            else:
                def call(idx: list[int], chunk: list[tuple[Job, Any]] = chunk) -> list[dict[str, Any]]:
                    return _collections.delete(transport, "Event", [chunk[i][1] for i in idx])
            try:
                results = _collections.with_lock_retries(call, len(chunk), sleep=self.adapter._sleep,
                                                         backoff=self.adapter._backoff)
            except AdapterError as exc:
                for job, _ in items[start:]:
                    job.outcome = job.outcome or WriteOutcome(ref=job.ref, error=exc)
                return
            for (job, _), result in zip(chunk, results, strict=True):
                codes = {e.get("statusCode") for e in result.get("errors") or []}
                if result.get("success") or (not update and codes & {"ENTITY_IS_DELETED"}):
                    continue
                if job.outcome is None:
                    job.outcome = WriteOutcome(ref=job.ref, error=_collections.error_of(result, "Event"))


def same_shape(a: Event, b: Event) -> bool:
    """Same occurrences (rule, zone, first start) and the same length: only occurrence-level edits differ."""
    return a.all_day == b.all_day and a.start == b.start and a.end == b.end and \
        a.recurrence is not None and b.recurrence is not None and a.recurrence.zone == b.recurrence.zone and \
        same_rule(a, b)

