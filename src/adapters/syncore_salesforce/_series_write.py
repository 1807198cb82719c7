"""Writing series to Salesforce: create, change and delete a series or one of its occurrences (reference §1.4).

A series is written as **one** pattern row; Salesforce makes the occurrence rows. Cancelled and modified
occurrences are then deleted and patched, so a series with N occurrences costs a constant number of calls per
batch (create, one read of the rows made, one collections delete, one collections update), never N.

What changes of a series Salesforce lets the API make (its occurrences' ids change on critical edits, so every
step works on rows read just before):

* **classic**: every pattern field is updateable: the main record is patched and Salesforce re-creates the
  occurrences; the cancelled and modified ones are then applied again;
* **Lightning**: ``Recurrence2PatternText`` is create-only. A series that ends earlier is cut with
  ``DELETE …/fromThisEventOnwards``; a new time of day or duration patches the series record (a critical edit);
  any other rule change, and bringing back a cancelled occurrence (no API call restores one), *replaces* the
  series: the new one is created before the old one is deleted, and the write's outcome carries the new id;
* series fields (subject, location, description, free/busy, private, reminder) patch the pattern row; the
  occurrences' own values are then written again where Salesforce overwrote them.

A write naming one occurrence (``<series id>#<original start>``, :mod:`syncore.occurrences`) becomes the whole
series with that occurrence changed or cancelled, and is written the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from syncore.errors import (
    AdapterError,
    InvalidRecordError,
    NotFound,
    RecordRejected,
    TransientError,
    UnsupportedRecord,
)
from syncore.models import Event
from syncore.occurrences import occurrence_record, split_occurrence_id, with_occurrence, without_occurrence
from syncore.recurrence import OVERRIDABLE, Key
from syncore.remote import CreateRequest, DeleteRequest, RemoteRecord, UpdateRequest, WriteOutcome
from syncore.series import Series, same_rule

from . import _collections, _recurrence
from ._mapping import events
from ._mapping.series import CLASSIC, LIGHTNING, ReadSeries, series_version
from ._series_payload import MAX_LENGTH, SeriesPayloads, classic_pattern, instant

if TYPE_CHECKING:
    from .adapter import SalesforceAdapter

log = logging.getLogger(__name__)

#: what a series holds for all its occurrences alike (patched on the pattern row)
SERIES_FIELDS = ("subject", "location", "body", "show_as", "private", "reminder_minutes")
#: Recurrence2 fields are createable from API v52.0 (reference §1.4)
LIGHTNING_API = 52.0
LIGHTNING_FIELDS = ("Recurrence2PatternText", "Recurrence2PatternTimeZone", "Recurrence2PatternVersion")


@attrs.define
class _Job:
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


class SeriesWriter:
    """The series half of the adapter's writes (see the module docstring)."""

    def __init__(self, adapter: SalesforceAdapter, series_form: str) -> None:
        self.adapter = adapter
        self.series_form = series_form
        self.payloads = SeriesPayloads(adapter)

    # -- what this org holds ------------------------------------------------------------------------------------
    def form(self) -> str:
        """The form new series are written in: forced by the setting, else Lightning where the org lets the API
        create one (the describe says the Recurrence2 fields are createable, API v52.0 or later), else classic."""
        if self.series_form in (LIGHTNING, CLASSIC):
            return self.series_form
        return LIGHTNING if self.lightning_allowed() else CLASSIC

    def lightning_allowed(self) -> bool:
        """Whether this org and API version let the API create a Lightning series."""
        sf = self.adapter.transport.sf
        version = float(getattr(sf, "sf_version", "0") or 0) if sf is not None else 0.0
        if sf is not None and version < LIGHTNING_API:
            return False
        info = self.adapter.describe.get("Event")
        return all(name in info.createable for name in LIGHTNING_FIELDS) and (sf is None or version >= LIGHTNING_API)

    def unfit(self, event: Event) -> str | None:
        """Why this org cannot hold the series ``event`` in the form it would be written in."""
        if event.end - event.start > MAX_LENGTH:  # type: ignore[operator]
            return f"Salesforce refuses events longer than {events.MAX_EVENT_DAYS} days"
        form = self.form()
        if form == LIGHTNING:
            if not self.lightning_allowed():
                return "series_form = \"lightning\", but this org does not let the API create Lightning event series"
            info = self.adapter.describe.get("Event")
            return _recurrence.lightning_unfit(event, info.lengths.get("Recurrence2PatternText",
                                                                        _recurrence.LIGHTNING_MAX_TEXT))
        info = self.adapter.describe.get("Event")
        return _recurrence.classic_unfit(event, info.picklists.get("RecurrenceTimeZoneSidKey", ()))

    # -- create ---------------------------------------------------------------------------------------------
    def create(self, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        jobs = [_Job(ref=r.ref, series_id="", desired=_desired(r.record), link=r.link) for r in requests]
        self._create(jobs)
        return [job.outcome for job in jobs]  # type: ignore[misc]

    def _create(self, jobs: list[_Job]) -> None:
        form = self.form()
        ready = []
        for job in jobs:
            try:
                ready.append((job.ref, (self.payloads.pattern(job.desired, job.link, form), tuple(job.warnings))))  # type: ignore[arg-type]
            except (RecordRejected, UnsupportedRecord) as exc:
                job.outcome = WriteOutcome(ref=job.ref, error=exc)
        outcomes: dict[str, WriteOutcome] = {}
        if ready:
            _collections.send_in_batches(
                "Event", ready, outcomes, {}, lambda batch: _collections.create(self.adapter.transport, "Event", batch),
                sleep=self.adapter._sleep, backoff=self.adapter._backoff)
        made = [job for job in jobs if job.outcome is None and outcomes[job.ref].ok]
        for job in jobs:
            if job.outcome is None and not outcomes[job.ref].ok:
                job.outcome = outcomes[job.ref]
        if not made:
            return
        answered = {job.ref: outcomes[job.ref].id for job in made}
        try:
            self._find_made(made, answered, form)
            self._apply(made)
        except AdapterError as exc:
            for job in made:
                if job.outcome is None:
                    self._undo(job, answered[job.ref], exc)
            return
        for job in made:
            if job.outcome is None:
                job.outcome = WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(job.desired),  # type: ignore[arg-type]
                                           warnings=tuple(job.warnings))

    def _find_made(self, made: list[_Job], answered: dict[str, str | None], form: str) -> None:
        """Read the series just created (their occurrences' ids are needed to cancel and modify some)."""
        reader = self.adapter.series_reader
        if form == CLASSIC:
            found, _ = reader.load(classic_ids=[a for a in answered.values() if a])
            by_answer = {sid: sid for sid in found}
        else:
            starts = [instant(job.desired.start) for job in made]  # type: ignore[union-attr]
            found, _ = reader.load(lightning_starts=starts)
            by_answer = {row["Id"]: sid for sid, rows in found.items() for row in rows.occurrences}
        for job in made:
            series_id = by_answer.get(answered[job.ref] or "")
            rows = found.get(series_id) if series_id else None
            if rows is None:
                raise TransientError("Salesforce did not show the series it just created", code="SERIES_NOT_FOUND")
            from ._mapping.series import read

            item = read(rows, job.link)
            if not isinstance(item, ReadSeries):
                raise TransientError(f"Salesforce holds the new series in a form syncore cannot read: {item.reason}")
            job.series_id, job.read = rows.id, item

    def _undo(self, job: _Job, answered: str | None, exc: AdapterError) -> None:
        """A series made but not finished (its cancelled or modified occurrences not written): delete it, so the
        next sync creates it again whole; when even that fails, the outcome is unknown."""
        try:
            if answered:
                _collections.delete(self.adapter.transport, "Event", [answered])
            job.outcome = WriteOutcome(ref=job.ref, error=exc)
        except AdapterError:
            from syncore.errors import OutcomeUnknown

            job.outcome = WriteOutcome(ref=job.ref, error=OutcomeUnknown(
                f"a new series was created but not finished, and could not be removed again ({exc})"))

    # -- update ---------------------------------------------------------------------------------------------
    def update(self, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        jobs = []
        for r in requests:
            split = split_occurrence_id(r.id)
            if split is not None:
                jobs.append(_Job(ref=r.ref, series_id=split[0], occurrence=(r.id, split[1]), link=r.link))
            else:
                jobs.append(_Job(ref=r.ref, series_id=r.id, desired=_desired(r.record), link=r.link))
        self._load(jobs)
        for job, r in zip(jobs, requests, strict=True):
            if job.outcome is None and job.occurrence is not None:
                try:
                    changed = with_occurrence(job.read.event, job.occurrence[1], r.record, r.fields)  # type: ignore[union-attr]
                    job.desired = _desired(changed)
                except (AdapterError, InvalidRecordError) as exc:
                    error = exc if isinstance(exc, AdapterError) else RecordRejected(str(exc))
                    job.outcome = WriteOutcome(ref=job.ref, error=error)
        self._change([job for job in jobs if job.outcome is None])
        return [job.outcome for job in jobs]  # type: ignore[misc]

    def delete(self, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """Deletes of whole series and of single occurrences."""
        jobs = []
        for r in requests:
            split = split_occurrence_id(r.id)
            jobs.append(_Job(ref=r.ref, series_id=split[0] if split else r.id,
                             occurrence=(r.id, split[1]) if split else None))
        self._load(jobs, missing_ok=True)
        whole = []
        singles = []
        for job in jobs:
            if job.outcome is not None:
                continue
            if job.read is None and job.occurrence is None:
                singles.append(job)  # not a series after all (a delete planned without a version)
            elif job.read is None:
                job.outcome = WriteOutcome(ref=job.ref, id=job.occurrence[0])  # its series is gone already
            elif job.occurrence is None:
                whole.append(job)
            else:
                key = job.occurrence[1]
                if job.read.rows.form == LIGHTNING and key == Series(job.read.event).first():
                    job.outcome = WriteOutcome(ref=job.ref, error=UnsupportedRecord(
                        "Salesforce deletes a whole Lightning series with its first occurrence; that occurrence "
                        "cannot be cancelled alone (left as it is)"))
                    continue
                job.desired = without_occurrence(job.read.event, key)
        self._delete_whole(whole)
        self._send([(job, job.series_id) for job in singles], update=False)
        for job in singles:
            job.outcome = job.outcome or WriteOutcome(ref=job.ref, id=job.series_id)
        self._change([job for job in jobs if job.outcome is None and job.desired is not None])
        return [job.outcome for job in jobs]  # type: ignore[misc]

    def _load(self, jobs: list[_Job], *, missing_ok: bool = False) -> None:
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

    def _change(self, jobs: list[_Job]) -> None:
        """Bring each job's series from what it reads to what it wants (see the module docstring)."""
        patches: list[tuple[_Job, dict[str, Any]]] = []
        reread: list[_Job] = []
        for job in jobs:
            current, desired = job.read.event, job.desired  # type: ignore[union-attr]
            assert desired is not None
            fields = [name for name in SERIES_FIELDS if getattr(current, name) != getattr(desired, name)]
            if not _same_shape(current, desired):
                step = self._reshape(job, fields)
                if step is None:
                    continue
                patches += [(job, step)] if step else []
                reread.append(job)
            elif fields:
                patches.append((job, {"Id": job.series_id, **self.payloads.fields(desired, frozenset(fields))}))
                reread.append(job)
        self._send(patches, update=True)
        if reread:
            self._reread([job for job in reread if job.outcome is None])
        self._apply([job for job in jobs if job.outcome is None and job.replace is None])
        self._replace([job for job in jobs if job.outcome is None and job.replace is not None])
        for job in jobs:
            if job.outcome is None:
                job.outcome = self._success(job)

    def _reshape(self, job: _Job, fields: list[str]) -> dict[str, Any] | None:
        """The pattern-row patch for a new rule, start or duration ({} when a cut needs no patch); None when the
        series is replaced instead (``job.replace`` says why)."""
        current, desired = job.read.event, job.desired  # type: ignore[union-attr]
        assert desired is not None and desired.recurrence is not None and current.recurrence is not None
        if job.read.rows.form == CLASSIC:  # type: ignore[union-attr]
            payload = self.payloads.fields(desired, frozenset({"start", "end", *fields}))
            return {"Id": job.series_id, **payload, **classic_pattern(desired, create=False)}
        cut = self._cut(job)
        if cut is not None:
            self._delete_onwards(job, cut)
            return {"Id": job.series_id, **self.payloads.fields(desired, frozenset(fields))} if fields else {}
        if current.recurrence.rule == desired.recurrence.rule and current.recurrence.zone == desired.recurrence.zone \
                and current.all_day == desired.all_day:
            return {"Id": job.series_id, **self.payloads.fields(desired, frozenset({"start", "end", *fields}))}
        job.replace = "Recurrence2PatternText cannot be changed through the API"
        return None

    def _cut(self, job: _Job) -> str | None:
        """The occurrence row ``fromThisEventOnwards`` cuts at when the new rule only ends earlier, else None."""
        current, desired = job.read.event, job.desired  # type: ignore[union-attr]
        assert desired is not None
        if current.start != desired.start or current.end != desired.end or \
                current.recurrence.zone != desired.recurrence.zone:  # type: ignore[union-attr]
            return None
        now = list(Series(current).starts())
        wanted = list(Series(desired).starts())
        if not (0 < len(wanted) < len(now)) or now[: len(wanted)] != wanted:
            return None
        row = job.read.by_key.get(now[len(wanted)])  # type: ignore[union-attr]
        return row["Id"] if row is not None else None

    def _delete_onwards(self, job: _Job, occurrence_id: str) -> None:
        def call(sf: Any) -> Any:
            return sf.restful(f"sobjects/Event/{occurrence_id}/fromThisEventOnwards", method="DELETE")

        try:
            self.adapter.transport.call("Event delete from this event onwards", call, write=True)
        except AdapterError as exc:
            job.outcome = WriteOutcome(ref=job.ref, error=exc)

    def _reread(self, jobs: list[_Job]) -> None:
        read = {job.series_id: job.read for job in jobs}
        self._load(jobs)
        for job in jobs:
            if job.read is None:
                job.read = read[job.series_id]

    def _apply(self, jobs: list[_Job]) -> None:
        """Delete the rows of cancelled occurrences and patch the modified ones (one call each per batch)."""
        deletes: list[tuple[_Job, str]] = []
        patches: list[tuple[_Job, dict[str, Any]]] = []
        for job in jobs:
            if job.outcome is not None:
                continue
            rows_gone, rows_patched, why = self._fixes(job)
            if why is not None:
                job.replace = why
                continue
            deletes += [(job, row_id) for row_id in rows_gone]
            patches += [(job, patch) for patch in rows_patched]
        self._send(deletes, update=False)
        self._send(patches, update=True)

    def _fixes(self, job: _Job) -> tuple[list[str], list[dict[str, Any]], str | None]:
        """Rows to delete and rows to patch so the series matches ``job.desired``; or why it cannot."""
        read, desired = job.read, job.desired
        assert read is not None and desired is not None and desired.recurrence is not None
        if not _same_shape(read.event, desired):
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

    def _replace(self, jobs: list[_Job]) -> None:
        """A new series for each job (created whole), then the old one deleted; the outcome names the new id."""
        if not jobs:
            return
        olds = {job.ref: job.read for job in jobs}
        fresh = [_Job(ref=job.ref, series_id="", desired=job.desired, link=job.link) for job in jobs]
        self._create(fresh)
        done = []
        for job, new in zip(jobs, fresh, strict=True):
            if new.outcome is None or not new.outcome.ok:
                job.outcome = new.outcome
                continue
            log.info("series %s replaced by %s: %s", job.series_id, new.series_id, job.replace)
            done.append((job, new))
        gone = [(job, self._whole_series_row(olds[job.ref])) for job, _ in done]  # type: ignore[arg-type]
        self._send(gone, update=False)
        for job, new in done:
            if job.outcome is not None:  # the old series could not be deleted: take the new one back
                self._send([(new, new.series_id)], update=False)
                continue
            job.series_id, job.read = new.series_id, new.read
            job.warnings.append(f"the series was replaced in Salesforce ({job.replace})")

    def _delete_whole(self, jobs: list[_Job]) -> None:
        self._send([(job, self._whole_series_row(job.read)) for job in jobs], update=False)  # type: ignore[arg-type]
        for job in jobs:
            if job.outcome is None:
                job.outcome = WriteOutcome(ref=job.ref, id=job.series_id)

    @staticmethod
    def _whole_series_row(read: ReadSeries) -> str:
        """The row whose delete takes the whole series: a classic main record, or a Lightning series' first
        occurrence (REST guide, "Delete Lightning Experience Event Series")."""
        if read.rows.form == CLASSIC:
            return read.rows.id
        first = Series(read.event).first()
        row = read.by_key.get(first) if first is not None else None
        # (unverified) without its first occurrence, the series record itself is deleted
        return row["Id"] if row is not None else read.rows.id

    def _success(self, job: _Job) -> WriteOutcome:
        assert job.desired is not None
        if job.occurrence is None:
            return WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(job.desired),
                                warnings=tuple(job.warnings))
        occurrence_id, key = job.occurrence
        series = RemoteRecord(id=job.series_id, version=None, record=job.desired)
        stored = occurrence_record(series, occurrence_id, key)
        return WriteOutcome(ref=job.ref, id=occurrence_id, version=stored.version if stored else None,
                            warnings=tuple(job.warnings))

    # -- calls ----------------------------------------------------------------------------------------------
    def _send(self, items: list[tuple[_Job, Any]], *, update: bool) -> None:
        """Collections updates (payloads) or deletes (ids), 200 per call; a failure is its job's outcome."""
        transport = self.adapter.transport
        for start in range(0, len(items), _collections.MAX_WRITE_BATCH):
            chunk = items[start : start + _collections.MAX_WRITE_BATCH]
            call: Callable[[list[int]], list[dict[str, Any]]]
            if update:
                def call(idx: list[int], chunk: list[tuple[_Job, Any]] = chunk) -> list[dict[str, Any]]:
                    return _collections.update(transport, "Event", [chunk[i][1] for i in idx])
            else:
                def call(idx: list[int], chunk: list[tuple[_Job, Any]] = chunk) -> list[dict[str, Any]]:
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


def _desired(record: Any) -> Event:
    """A series as Salesforce will hold it."""
    return events.represent(record)  # type: ignore[return-value]


def _same_shape(a: Event, b: Event) -> bool:
    """Same occurrences (rule, zone, first start) and the same length: only occurrence-level edits differ."""
    return a.all_day == b.all_day and a.start == b.start and a.end == b.end and \
        a.recurrence is not None and b.recurrence is not None and a.recurrence.zone == b.recurrence.zone and \
        same_rule(a, b)

