"""Cutting a Salesforce series before a date (:meth:`syncore.abc.Adapter.cut_series`): the occurrences from that
date on go, the earlier ones stay (the engine keeps them as history when it switches a series to single events).

* **Lightning**: ``DELETE sobjects/Event/{id}/fromThisEventOnwards`` on the series' first occurrence row at or after
  the date (REST guide, "Delete Lightning Experience Event Series",
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm: "all
  events following and including a specific event"; the row must be an occurrence, ``IsRecurrence2`` true and
  ``IsRecurrence2Exclusion`` false). The rows before it are not touched.
* **classic**: the main record gets the new end, ``RecurrenceEndDateOnly`` alone (reference §1.4: the series'
  end; ``IsRecurrence`` is create-only and is not sent); Salesforce re-creates the occurrences from the pattern, so
  the kept ones get new row ids (unverified for an end-date-only change: the emulator re-creates on every pattern
  change), and their cancelled and modified occurrences are applied again.

A cut is idempotent: a series that already ends before the date is left alone (no write), one that is gone is a
success. Costs one retrieve and one query per batch to read the series, then one call per Lightning series (the
resource takes one row), or the classic update's collections calls for all classic ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from syncore.errors import NotFound, RecordRejected, TransientError
from syncore.occurrences import ended_before
from syncore.remote import CutRequest, WriteOutcome

from . import _recurrence
from ._mapping.series import CLASSIC, series_version
from ._series_steps import Job, SeriesSteps

if TYPE_CHECKING:
    from syncore.recurrence import Key

    from ._mapping.series import ReadSeries


def cut_series(steps: SeriesSteps, requests: Sequence[CutRequest]) -> list[WriteOutcome]:
    """One outcome per request, in order (see the module docstring)."""
    jobs = [Job(ref=r.ref, series_id=r.id) for r in requests]
    steps.load(jobs, missing_ok=True)
    classic: list[Job] = []
    for job, request in zip(jobs, requests, strict=True):
        if job.read is None:
            # gone: nothing is left to cut (a delete of a deleted record is a success too)
            job.outcome = WriteOutcome(ref=job.ref, id=job.series_id)
            continue
        current = job.read.event
        kept = ended_before(current, request.before)
        if kept is None:
            # never asked by the engine (it cuts only series with occurrences before the date): refused, kept
            job.outcome = WriteOutcome(ref=job.ref, error=RecordRejected(
                f"cutting series {job.series_id} before {request.before.isoformat()} would leave no occurrence"))
        elif kept is current:
            # already ends before the date (a cut whose reply was lost): nothing to write
            job.outcome = WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(current))
        elif job.read.rows.form == CLASSIC:
            job.desired = kept
            classic.append(job)
        else:
            _cut_lightning(steps, job, request.before, kept)
    _cut_classic(steps, classic)
    return [job.outcome for job in jobs]  # type: ignore[misc]


def _cut_classic(steps: SeriesSteps, jobs: list[Job]) -> None:
    """The main records' new end (one collections update); Salesforce re-creates the occurrences, so their
    cancelled and modified ones are applied again, as after any pattern change."""
    if not jobs:
        return
    steps.send([(job, {"Id": job.series_id,
                        "RecurrenceEndDateOnly": _recurrence.last_day(job.desired).isoformat()})  # type: ignore[arg-type]
                for job in jobs], update=True)
    done = [job for job in jobs if job.outcome is None]
    steps.reread(done)
    steps.apply(done)
    for job in done:
        if job.outcome is None and job.replace is not None:
            job.outcome = WriteOutcome(ref=job.ref, error=TransientError(
                f"series {job.series_id} was not cut as asked: {job.replace}", code="SERIES_NOT_CUT"))
        elif job.outcome is None:
            job.outcome = steps.success(job)


def _cut_lightning(steps: SeriesSteps, job: Job, before: Key, kept: object) -> None:
    row = _first_row_from(job.read, before)  # type: ignore[arg-type]
    if row is not None:
        steps.delete_onwards(job, row)
    if job.outcome is not None and isinstance(job.outcome.error, NotFound):
        # the row is gone: the cut landed (a retry after a reply lost on the way), or that one occurrence was
        # deleted meanwhile; the series read again says which (never a success taken on trust: its later
        # occurrences would stay next to their single events)
        job.outcome = None
        steps.load([job], missing_ok=True)
        if job.read is not None and ended_before(job.read.event, before) is not job.read.event:
            job.outcome = WriteOutcome(ref=job.ref, error=TransientError(
                f"series {job.series_id} was not cut: the occurrence it was to be cut at is gone",
                code="SERIES_NOT_CUT"))
    if job.outcome is None:
        # (no row from the date on: the occurrences there are all cancelled already, nothing shows them)
        job.outcome = WriteOutcome(ref=job.ref, id=job.series_id, version=series_version(kept))  # type: ignore[arg-type]


def _first_row_from(read: ReadSeries, before: Key) -> str | None:
    """The id of the series' first occurrence row whose original start is ``before`` or later, if any."""
    rows = sorted(((key, row) for key, row in read.by_key.items()
                   if key >= before and not row.get("IsRecurrence2Exclusion")),  # type: ignore[operator]
                  key=lambda item: item[0])  # type: ignore[arg-type, return-value]
    return rows[0][1]["Id"] if rows else None
