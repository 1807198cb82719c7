"""Writes naming one occurrence of a series (``syncore.occurrences.occurrence_id``: the series and its original
start), from a side that holds single events: an update makes the occurrence's fields its own (a PATCH of its
instance, an exception), a delete cancels it (a DELETE of its instance, refused for a meeting: Graph would mail its
attendees a cancellation). See :mod:`._series_write` for how instances are found and written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncore.errors import (
    AdapterError,
    UnsupportedRecord,
)
from syncore.models import Event
from syncore.occurrences import occurrence_record, occurrence_update, split_occurrence_id
from syncore.recurrence import Key
from syncore.remote import DeleteRequest, UpdateRequest, WriteOutcome
from syncore.series import Series

from ._client import GraphClient
from ._mapping.series import moved_past_neighbours
from ._series_read import SeriesRead, read_series
from ._series_write import Step, around, run_steps, steps_between


def is_occurrence_id(native_id: str) -> bool:
    return split_occurrence_id(native_id) is not None


def _series_of(requests: Sequence[Any]) -> list[tuple[str, Key]]:
    return [split_occurrence_id(r.id) for r in requests]  # type: ignore[misc]


def update_occurrences(client: GraphClient, requests: Sequence[UpdateRequest], window: tuple[datetime, datetime],
                       mailbox_zone: str) -> list[WriteOutcome]:
    """Updates naming one occurrence each (``syncore.occurrences``): the fields become the occurrence's own."""
    split = _series_of(requests)
    series = read_series(client, [s for s, _ in split], window, mailbox_zone)
    outcomes: dict[int, WriteOutcome] = {}
    steps: list[Step] = []
    for position, (request, (series_id, key)) in enumerate(zip(requests, split, strict=True)):
        remote = series.records.get(series_id)
        wanted = occurrence_update(remote, request, key, side="graph", refuse=moved_past_neighbours)
        if isinstance(wanted, AdapterError):
            outcomes[position] = WriteOutcome(ref=request.ref, error=wanted)
            continue
        steps += [s for s in steps_between(position, series_id, wanted, remote.record, window)  # type: ignore[union-attr, arg-type]
                  if s.key == key]
    ran = run_steps(client, steps)
    written = [p for p in range(len(requests)) if p not in outcomes]
    after = read_series(client, [split[p][0] for p in written], window, mailbox_zone) if steps else series
    for position in written:
        request = requests[position]
        series_id, key = split[position]
        if position in ran.errors:
            outcomes[position] = WriteOutcome(ref=request.ref, error=ran.errors[position])
            continue
        remote = after.records.get(series_id)
        stored = occurrence_record(remote, request.id, key) if remote is not None else None
        outcomes[position] = WriteOutcome(ref=request.ref, id=request.id,
                                          version=stored.version if stored is not None else None,
                                          warnings=ran.notes.get(position, ()))
    return [outcomes[i] for i in range(len(requests))]


def _has_attendees(read: SeriesRead, series_id: str) -> bool:
    return bool((read.masters.get(series_id) or {}).get("attendees"))


def delete_occurrences(client: GraphClient, requests: Sequence[DeleteRequest], window: tuple[datetime, datetime],
                       mailbox_zone: str) -> list[WriteOutcome]:
    """Deletes naming one occurrence each: the occurrence is cancelled with a DELETE of its instance (an
    occurrence already gone is a success); one of a meeting is refused (a DELETE would mail its attendees)."""
    split = _series_of(requests)
    series = read_series(client, [s for s, _ in split], window, mailbox_zone)
    outcomes: dict[int, WriteOutcome] = {}
    steps: list[Step] = []
    for position, (request, (series_id, key)) in enumerate(zip(requests, split, strict=True)):
        remote = series.records.get(series_id)
        record = remote.record if remote is not None else None
        if not isinstance(record, Event) or record.recurrence is None or key in record.recurrence.exdates or \
                Series(record).not_occurrences([key]):
            outcomes[position] = WriteOutcome(ref=request.ref, id=request.id)  # already gone
            continue
        if _has_attendees(series, series_id):
            outcomes[position] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(
                f"graph: cancel the occurrence {request.id}: the series is a meeting, and Graph sends its attendees "
                "a cancellation when an occurrence is deleted (syncore never mails attendees)"))
            continue
        steps.append(Step(position, series_id, key, Series(record).occurrence(key), record.recurrence.zone, None,
                          frozenset(), around(record, key)))
    errors = run_steps(client, steps).errors
    for step in steps:
        request = requests[step.position]
        outcomes[step.position] = WriteOutcome(ref=request.ref, error=errors[step.position]) \
            if step.position in errors else WriteOutcome(ref=request.ref, id=request.id)
    return [outcomes[i] for i in range(len(requests))]
