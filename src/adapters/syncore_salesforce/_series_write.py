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

This module decides which steps each write needs; the steps themselves (reading a series, the collections
calls, bringing occurrence rows in line) are in :mod:`._series_steps`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from syncore.errors import (
    AdapterError,
    InvalidRecordError,
    RecordRejected,
    TransientError,
    UnsupportedRecord,
)
from syncore.models import Event
from syncore.occurrences import split_occurrence_id, with_occurrence, without_occurrence
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome
from syncore.series import Series

from . import _collections, _recurrence
from ._mapping import events
from ._mapping.series import CLASSIC, LIGHTNING, ReadSeries, series_version
from ._series_payload import MAX_LENGTH, SeriesPayloads, classic_pattern, instant
from ._series_steps import Job, SeriesSteps, same_shape

if TYPE_CHECKING:
    from .adapter import SalesforceAdapter

log = logging.getLogger(__name__)

#: what a series holds for all its occurrences alike (patched on the pattern row)
SERIES_FIELDS = ("subject", "location", "body", "show_as", "private", "reminder_minutes")
#: Recurrence2 fields are createable from API v52.0 (reference §1.4)
LIGHTNING_API = 52.0
LIGHTNING_FIELDS = ("Recurrence2PatternText", "Recurrence2PatternTimeZone", "Recurrence2PatternVersion")


class SeriesWriter:
    """The series half of the adapter's writes (see the module docstring)."""

    def __init__(self, adapter: SalesforceAdapter, series_form: str) -> None:
        self.adapter = adapter
        self.series_form = series_form
        self.payloads = SeriesPayloads(adapter)
        self.steps = SeriesSteps(adapter, self.payloads)

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
        jobs = [Job(ref=r.ref, series_id="", desired=_desired(r.record), link=r.link) for r in requests]
        self._create(jobs)
        return [job.outcome for job in jobs]  # type: ignore[misc]

    def _create(self, jobs: list[Job], leaving: frozenset[str] = frozenset()) -> None:
        """Create each job's series whole; ``leaving``: rows of the series these replace (see :meth:`_replace`)."""
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
            self._find_made(made, answered, form, leaving)
            self.steps.apply(made)
        except AdapterError as exc:
            for job in made:
                if job.outcome is None:
                    self._undo(job, answered[job.ref], exc)
            return
        for job in made:
            if job.outcome is None:
                job.outcome = WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(job.desired),  # type: ignore[arg-type]
                                           warnings=tuple(job.warnings))

    def _find_made(self, made: list[Job], answered: dict[str, str | None], form: str,
                   leaving: frozenset[str]) -> None:
        """Read the series just created (their occurrences' ids are needed to cancel and modify some), without the
        rows of the series they replace (still there: deleted after, and Salesforce finishes that later)."""
        reader = self.adapter.series_reader
        if form == CLASSIC:
            found, _ = reader.load(classic_ids=[a for a in answered.values() if a])
            by_answer = {sid: sid for sid in found}
        else:
            starts = [instant(job.desired.start) for job in made]  # type: ignore[union-attr]
            found, _ = reader.load(lightning_starts=starts, leaving=leaving)
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

    def _undo(self, job: Job, answered: str | None, exc: AdapterError) -> None:
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
                jobs.append(Job(ref=r.ref, series_id=split[0], occurrence=(r.id, split[1]), link=r.link))
            else:
                jobs.append(Job(ref=r.ref, series_id=r.id, desired=_desired(r.record), link=r.link))
        self.steps.load(jobs)
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
            jobs.append(Job(ref=r.ref, series_id=split[0] if split else r.id,
                             occurrence=(r.id, split[1]) if split else None))
        self.steps.load(jobs, missing_ok=True)
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
        self.steps.send([(job, job.series_id) for job in singles], update=False)
        for job in singles:
            job.outcome = job.outcome or WriteOutcome(ref=job.ref, id=job.series_id)
        self._change([job for job in jobs if job.outcome is None and job.desired is not None])
        return [job.outcome for job in jobs]  # type: ignore[misc]

    def _change(self, jobs: list[Job]) -> None:
        """Bring each job's series from what it reads to what it wants (see the module docstring)."""
        patches: list[tuple[Job, dict[str, Any]]] = []
        reread: list[Job] = []
        for job in jobs:
            current, desired = job.read.event, job.desired  # type: ignore[union-attr]
            assert desired is not None
            fields = [name for name in SERIES_FIELDS if getattr(current, name) != getattr(desired, name)]
            if not same_shape(current, desired):
                step = self._reshape(job, fields)
                if step is None:
                    continue
                patches += [(job, step)] if step else []
                reread.append(job)
            elif fields:
                patches.append((job, {"Id": job.series_id, **self.payloads.fields(desired, frozenset(fields))}))
                reread.append(job)
        self.steps.send(patches, update=True)
        if reread:
            self.steps.reread([job for job in reread if job.outcome is None])
        self.steps.apply([job for job in jobs if job.outcome is None and job.replace is None])
        self._replace([job for job in jobs if job.outcome is None and job.replace is not None])
        for job in jobs:
            if job.outcome is None:
                job.outcome = self.steps.success(job)

    def _reshape(self, job: Job, fields: list[str]) -> dict[str, Any] | None:
        """The pattern-row patch for a new rule, start or duration ({} when a cut needs no patch); None when the
        series is replaced instead (``job.replace`` says why)."""
        current, desired = job.read.event, job.desired  # type: ignore[union-attr]
        assert desired is not None and desired.recurrence is not None and current.recurrence is not None
        if job.read.rows.form == CLASSIC:  # type: ignore[union-attr]
            payload = self.payloads.fields(desired, frozenset({"start", "end", *fields}))
            return {"Id": job.series_id, **payload, **classic_pattern(desired, create=False)}
        cut = self._cut(job)
        if cut is not None:
            self.steps.delete_onwards(job, cut)
            return {"Id": job.series_id, **self.payloads.fields(desired, frozenset(fields))} if fields else {}
        if current.recurrence.rule == desired.recurrence.rule and current.recurrence.zone == desired.recurrence.zone \
                and current.all_day == desired.all_day:
            return {"Id": job.series_id, **self.payloads.fields(desired, frozenset({"start", "end", *fields}))}
        job.replace = "Recurrence2PatternText cannot be changed through the API"
        return None

    def _cut(self, job: Job) -> str | None:
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

    def _replace(self, jobs: list[Job]) -> None:
        """A new series for each job (created whole), then the old one deleted; the outcome names the new id."""
        if not jobs:
            return
        olds = {job.ref: job.read for job in jobs}
        fresh = [Job(ref=job.ref, series_id="", desired=job.desired, link=job.link) for job in jobs]
        self._create(fresh, leaving=frozenset(row["Id"] for read in olds.values() if read is not None
                                              for row in (read.rows.pattern, *read.rows.occurrences)))
        done = []
        for job, new in zip(jobs, fresh, strict=True):
            if new.outcome is None or not new.outcome.ok:
                job.outcome = new.outcome
                continue
            log.info("series %s replaced by %s: %s", job.series_id, new.series_id, job.replace)
            done.append((job, new))
        gone = [(job, self.steps.whole_series_row(olds[job.ref])) for job, _ in done]  # type: ignore[arg-type]
        self.steps.send(gone, update=False)
        for job, new in done:
            if job.outcome is not None:  # the old series could not be deleted: take the new one back
                self.steps.send([(new, new.series_id)], update=False)
                continue
            job.series_id, job.read = new.series_id, new.read
            job.warnings.append(f"the series was replaced in Salesforce ({job.replace})")

    def _delete_whole(self, jobs: list[Job]) -> None:
        rows = [(job, self.steps.whole_series_row(job.read)) for job in jobs]  # type: ignore[arg-type]
        self.steps.send(rows, update=False)
        for job in jobs:
            if job.outcome is None:
                job.outcome = WriteOutcome(ref=job.ref, id=job.series_id)


def _desired(record: Any) -> Event:
    """A series as Salesforce will hold it."""
    return events.represent(record)  # type: ignore[return-value]


