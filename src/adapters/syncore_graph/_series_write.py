"""Writing recurring series and single occurrences through Graph.

A series is one master created with a ``patternedRecurrence`` (https://learn.microsoft.com/en-us/graph/api/
user-post-events, "Create a recurring event"): its start and end in the series' zone and the range's
``recurrenceTimeZone`` the same zone, by its Windows name where it has one (what Outlook stores; Graph takes Windows
and IANA names, https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone). Its cancelled and modified
occurrences are written the way Graph keeps them: on the occurrence's own id, found among the master's
``/instances`` (https://learn.microsoft.com/en-us/graph/api/event-list-instances) by ``originalStart``. A PATCH
of an occurrence makes it an exception; a DELETE cancels it. ``POST /events/{id}/cancel`` is never used: it is
the organizer's way to *send* a cancellation (https://learn.microsoft.com/en-us/graph/api/event-cancel). DELETE
sends one too when the event is a meeting ("If the event is a meeting, deleting the event on the organizer's
calendar sends a cancellation message to the meeting attendees", https://learn.microsoft.com/en-us/graph/api/
event-delete), so one occurrence of a series with attendees is never cancelled by syncore: that request is refused
for that record, and says why.

Every step is one ``$batch`` round for all the series of a call, so a series costs the same number of requests
whatever its number of occurrences:

=========================  ===================================================================================
create                     POST; for series with cancelled or modified occurrences: the instances at those
                           starts, DELETE/PATCH of those instances, and a GET of the masters' change keys
update of a series         read the series (master + instances in the window), PATCH the masters (a new pattern
                           or times drop every exception: the pattern is written whole and the occurrences
                           again), then the occurrence steps as for a create
update of one occurrence   read the series, find the instance, PATCH it, read the series again (its version)
                           (:mod:`._occurrence_write`)
cancel one occurrence      read the series, find the instance, DELETE it
=========================  ===================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from syncore.errors import (
    AdapterError,
    NotFound,
    OutcomeUnknown,
    UnsupportedRecord,
    VersionMismatch,
)
from syncore.models import Event, Kind
from syncore.recurrence import OVERRIDABLE, Key, Recurrence
from syncore.remote import UpdateRequest, WriteOutcome
from syncore.series import Series
from syncore.timezones import zone as iana_zone

from . import _link
from ._client import GraphClient, LostReply, Sub
from ._kinds import version_of
from ._mapping.events import event_to_graph
from ._mapping.series import (
    original_start,
    recurrence_to_graph,
    stored_series,
    unfit_reason,
)
from ._series_read import read_series
from .errors import record_error

ONE_SECOND = timedelta(seconds=1)
#: what an occurrence without a value of its own shows of its master
SERIES_VALUES = frozenset({"subject", "location", "body", "show_as"})


def is_series_write(request: UpdateRequest) -> bool:
    """An update that needs the series path: the record is (or was made) a series and its times or its
    recurrence change."""
    record = request.record
    return isinstance(record, Event) and bool(request.fields & {"recurrence", "start", "end"}) and (
        record.recurrence is not None or "recurrence" in request.fields)


def series_body(event: Event, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """The properties of a series master: times in the series' zone and its pattern."""
    assert event.recurrence is not None
    zone_name = event.recurrence.zone
    body = event_to_graph(event, fields, zone_name)
    body["recurrence"] = recurrence_to_graph(event)
    return body


# -- the occurrence writes a series needs ------------------------------------------------------------------------
@attrs.frozen
class Step:
    """One occurrence write: the request's position, the series, the occurrence (its key and where it is now),
    and what to set (None: cancel it)."""

    position: int
    series_id: str
    key: Key
    now: Event
    zone: str
    target: Event | None
    fields: frozenset[str]
    #: where the occurrence can be: from the original start two occurrences before to two after (Exchange keeps a
    #: moved occurrence between its neighbours); outside the sync window the series' exceptions are not known
    around: tuple[Key, Key] = (date.min, date.min)
    #: False for an occurrence outside the window the series was read over (its state there is not known)
    known: bool = True


def around(series: Event, key: Key) -> tuple[Key, Key]:
    """The original starts two occurrences before and two after ``key`` (``key`` itself at either end when there
    are none)."""
    before: list[Key] = []
    after: list[Key] = []
    for start in Series(series).starts():
        if start < key:  # type: ignore[operator]
            before = [*before, start][-2:]
        elif start > key:  # type: ignore[operator]
            after.append(start)
            if len(after) == 2:
                break
    return (before[0] if before else key), (after[-1] if after else key)


def _inside(key: Key, window: tuple[datetime, datetime] | None, zone_name: str) -> bool:
    if window is None:
        return True
    moment = key if isinstance(key, datetime) else datetime(key.year, key.month, key.day, tzinfo=iana_zone(zone_name))
    return window[0] <= moment < window[1]


def steps_between(position: int, series_id: str, wanted: Event, current: Event,
                  window: tuple[datetime, datetime] | None = None) -> list[Step]:
    """The occurrence writes that turn the stored series ``current`` (read over ``window``; None: all known) into
    ``wanted`` (same pattern)."""
    want, have = wanted.recurrence, current.recurrence
    assert want is not None and have is not None
    expanded, stored = Series(wanted), Series(current)
    steps = []
    for key in sorted(set(want.exdates) - set(have.exdates)):  # type: ignore[type-var]
        if not stored.not_occurrences([key]):
            steps.append(Step(position, series_id, key, stored.occurrence(key), want.zone, None, frozenset(),
                              around(current, key), _inside(key, window, want.zone)))
    keys = {o.original_start for o in want.overrides} | {o.original_start for o in have.overrides}
    for key in sorted(keys - set(want.exdates)):  # type: ignore[type-var]
        if stored.not_occurrences([key]) or stored.is_cancelled(key):
            continue
        target, now = expanded.occurrence(key), stored.occurrence(key)
        fields = frozenset(name for name in OVERRIDABLE if getattr(target, name) != getattr(now, name))
        if fields:
            steps.append(Step(position, series_id, key, now, want.zone, target, fields, around(current, key),
                              _inside(key, window, want.zone)))
    return steps


def bare(event: Event) -> Event:
    """``event`` as a master just written with its pattern holds it: no cancelled or modified occurrence."""
    assert event.recurrence is not None
    return event.replace(recurrence=Recurrence(rule=event.recurrence.rule, zone=event.recurrence.zone))  # type: ignore[return-value]


def _instant(value: Key, zone_name: str) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=iana_zone(zone_name)).astimezone(UTC)


def _narrow(step: Step) -> str:
    """An instances query over where the occurrence can be (:attr:`Step.around`) and where it is now, a second
    more either side (an occurrence of no duration overlaps it too)."""
    moments = [_instant(value, step.zone) for value in (*step.around, step.now.start)]  # type: ignore[arg-type]
    begin, end = min(moments) - ONE_SECOND, max(moments) + ONE_SECOND
    return _link.query(startDateTime=begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       endDateTime=end.strftime("%Y-%m-%dT%H:%M:%SZ"))


def in_order(steps: list[Step]) -> list[Step]:
    """The steps of each series in an order that never crosses an occurrence over a neighbour on the way (Exchange
    refuses each intermediate state that would, ErrorOccurrenceCrossingBoundary): cancellations first, then the
    occurrences moved later from the last to the first, then those moved earlier from the first to the last, then
    the other edits."""
    series: dict[tuple[int, str], list[Step]] = {}
    for step in steps:
        series.setdefault((step.position, step.series_id), []).append(step)
    ordered = []
    for group in series.values():
        later = [s for s in group if s.target is not None and s.target.start > s.now.start]  # type: ignore[operator]
        earlier = [s for s in group if s.target is not None and s.target.start < s.now.start]  # type: ignore[operator]
        ordered += [s for s in group if s.target is None]
        ordered += sorted(later, key=lambda s: s.key, reverse=True)  # type: ignore[arg-type, return-value]
        ordered += sorted(earlier, key=lambda s: s.key)  # type: ignore[arg-type, return-value]
        ordered += [s for s in group if s.target is not None and s not in later and s not in earlier]
    return ordered


@attrs.frozen
class Ran:
    """What the occurrence writes gave: the first error per request position, and notes (warnings) per position."""

    errors: dict[int, AdapterError]
    notes: dict[int, tuple[str, ...]]


def run_steps(client: GraphClient, steps: list[Step]) -> Ran:
    """Find each step's instance, then DELETE the cancelled ones (one round, in any order: a cancellation only
    frees room) and PATCH the changed ones (a second round, each series' in :func:`in_order` and chained with
    ``dependsOn``)."""
    errors: dict[int, AdapterError] = {}
    notes: dict[int, tuple[str, ...]] = {}
    if not steps:
        return Ran(errors, notes)
    steps = in_order(steps)
    found = client.batch([Sub("GET", f"/events/{s.series_id}/instances?{_narrow(s)}") for s in steps],
                         operation="find occurrences")
    cancels: list[tuple[Step, Sub]] = []
    changes: list[tuple[Step, Sub]] = []
    for step, answer in zip(steps, found, strict=True):
        what = f"{'cancel' if step.target is None else 'change'} the occurrence of {step.key.isoformat()}"
        if isinstance(answer, Exception):
            raise answer
        if not answer.ok:
            errors.setdefault(step.position, record_error(answer.error(), what))
            continue
        all_day = not isinstance(step.key, datetime)
        instance = next((i for i in (answer.body or {}).get("value") or ()
                         if i.get("originalStart") and original_start(i, all_day, step.zone) == step.key), None)
        if instance is None:
            if step.target is not None and step.known:
                errors.setdefault(step.position, NotFound(f"graph: {what}: the series has no such occurrence"))
            elif step.target is not None:
                # outside the window the series was read over: cancelled in Outlook, which syncore did not know
                notes[step.position] = (*notes.get(step.position, ()), (
                    f"{what}: left as it is, the occurrence is cancelled in Outlook and lies outside the sync window"))
            continue  # a cancellation of an occurrence already gone is done
        if step.target is None:
            cancels.append((step, Sub("DELETE", f"/events/{instance['id']}", idempotent=True)))
            continue
        # after the series' previous change, if any (the order matters, and a $batch keeps none of its own)
        previous = next((n for n in range(len(changes) - 1, -1, -1) if changes[n][0].series_id == step.series_id
                         and changes[n][0].position == step.position), None)
        body = event_to_graph(step.target, step.fields, step.zone)
        changes.append((step, Sub("PATCH", f"/events/{instance['id']}", body, idempotent=True, after=previous)))
    for writes in (cancels, changes):
        results = client.batch([sub for _, sub in writes], operation="write occurrences") if writes else []
        for (step, sub), result in zip(writes, results, strict=True):
            what = f"{'cancel' if sub.method == 'DELETE' else 'change'} the occurrence of {step.key.isoformat()}"
            if isinstance(result, LostReply):
                errors.setdefault(step.position, OutcomeUnknown(f"graph: {what}: no answer came; it may have been made"))
            elif isinstance(result, Exception):
                raise result
            elif not result.ok and not (sub.method == "DELETE" and result.status == 404):
                errors.setdefault(step.position, record_error(result.error(), what))
    return Ran(errors, notes)


def change_keys(client: GraphClient, ids: Sequence[str]) -> dict[str, str]:
    """The masters' current change keys (one GET each, in $batch)."""
    wanted = list(dict.fromkeys(ids))
    answers = client.batch([Sub("GET", f"/events/{i}?$select=id,changeKey") for i in wanted],
                           operation="read change keys") if wanted else []
    keys = {}
    for master_id, answer in zip(wanted, answers, strict=True):
        if isinstance(answer, Exception):
            raise answer
        version = version_of(Kind.EVENT, answer.body) if answer.ok and isinstance(answer.body, dict) else None
        if version:
            keys[master_id] = version
    return keys


# -- create -----------------------------------------------------------------------------------------------------
def finish_creates(client: GraphClient, records: Sequence[Any], outcomes: list[WriteOutcome]) -> list[WriteOutcome]:
    """Write the cancelled and modified occurrences of the series just created; a series whose occurrences could
    not all be written is deleted again and reported, so nothing half-written stays behind."""
    steps = []
    for position, (record, outcome) in enumerate(zip(records, outcomes, strict=True)):
        if outcome.ok and isinstance(record, Event) and record.recurrence is not None and (
                record.recurrence.exdates or record.recurrence.overrides):
            steps += steps_between(position, outcome.id, record, bare(record))  # type: ignore[arg-type]
    if not steps:
        return outcomes
    ran = run_steps(client, steps)
    errors = ran.errors
    if errors:
        client.batch([Sub("DELETE", f"/events/{outcomes[p].id}") for p in errors], operation="delete series")
    keys = change_keys(client, [outcomes[s.position].id for s in steps if s.position not in errors])  # type: ignore[misc]
    finished = list(outcomes)
    for position in {s.position for s in steps}:
        outcome = outcomes[position]
        finished[position] = WriteOutcome(ref=outcome.ref, error=errors[position]) if position in errors else \
            attrs.evolve(outcome, version=keys.get(outcome.id, outcome.version))  # type: ignore[arg-type]
    return finished


# -- update of whole series ---------------------------------------------------------------------------------------
def update_series(client: GraphClient, requests: Sequence[UpdateRequest], window: tuple[datetime, datetime],
                  mailbox_zone: str) -> list[WriteOutcome]:
    """Updates that change a series' pattern, zone, times or occurrences (see the module docstring)."""
    current = read_series(client, [r.id for r in requests], window, mailbox_zone)
    outcomes: dict[int, WriteOutcome] = {}
    masters: list[tuple[int, Sub]] = []
    steps: list[Step] = []
    for position, request in enumerate(requests):
        what = f"update event {request.id}"
        stored = current.records.get(request.id)
        if stored is None:
            outcomes[position] = WriteOutcome(ref=request.ref, error=NotFound(f"graph: {what}: the item does not exist"))
            continue
        if request.base_version is not None and request.base_version != stored.version:
            outcomes[position] = WriteOutcome(ref=request.ref, error=VersionMismatch(
                f"graph: {what}: changed since it was read (change key differs)", code="ErrorIrresolvableConflict"))
            continue
        record: Event = request.record  # type: ignore[assignment]
        have: Event = stored.record  # type: ignore[assignment]
        reason = unfit_reason(record)
        if reason is not None:
            outcomes[position] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(f"graph: {what}: {reason}"))
            continue
        headers = {"If-Match": f'W/"{stored.version}"'} if stored.version else {}
        if record.recurrence is None:
            body = event_to_graph(record, request.fields | {"start", "end"}, mailbox_zone,
                                  current.masters.get(request.id))
            body["recurrence"] = None
        else:
            # compared as Graph would hold it (the zone of its Windows zone, the rule its pattern reads back as)
            held = stored_series(record).recurrence
            assert held is not None
            same = have.recurrence is not None and (have.recurrence.rule, have.recurrence.zone, have.start,
                                                    have.end) == (held.rule, held.zone, record.start, record.end)
            # a cancelled occurrence comes back only with the pattern written anew
            restores = have.recurrence is not None and bool(set(have.recurrence.exdates)
                                                            - set(record.recurrence.exdates))
            if same and not restores:
                body = event_to_graph(record, request.fields - {"recurrence", "start", "end"}, record.recurrence.zone)
                # the occurrences without values of their own follow what the master is given
                follows = have.replace(**{name: getattr(record, name) for name in set(request.fields)
                                          & SERIES_VALUES})
                steps += steps_between(position, request.id, record, follows, window)
            else:
                body = series_body(record, request.fields | {"start", "end"})
                steps += steps_between(position, request.id, record, bare(record))
        if request.link is not None:
            body["singleValueExtendedProperties"] = _link.property_value(request.link)
        if body:
            masters.append((position, Sub("PATCH", f"/events/{request.id}", body, headers, idempotent=False)))
    results = client.batch([sub for _, sub in masters], operation="update series") if masters else []
    for (position, _), result in zip(masters, results, strict=True):
        if isinstance(result, LostReply):
            outcomes[position] = WriteOutcome(ref=requests[position].ref, error=OutcomeUnknown(
                f"graph: update event {requests[position].id}: no answer came; it may have been made"))
        elif isinstance(result, Exception):
            raise result
        elif not result.ok:
            outcomes[position] = WriteOutcome(ref=requests[position].ref,
                                              error=record_error(result.error(), f"update event {requests[position].id}"))
    ran = run_steps(client, [s for s in steps if s.position not in outcomes])
    pending = [p for p in range(len(requests)) if p not in outcomes]
    keys = change_keys(client, [requests[p].id for p in pending])
    for position in pending:
        request = requests[position]
        if position in ran.errors:
            outcomes[position] = WriteOutcome(ref=request.ref, error=ran.errors[position])
        elif request.id not in keys:
            outcomes[position] = WriteOutcome(ref=request.ref, error=NotFound(
                f"graph: update event {request.id}: the item does not exist"))
        else:
            outcomes[position] = WriteOutcome(ref=request.ref, id=request.id, version=keys[request.id],
                                              warnings=ran.notes.get(position, ()))
    return [outcomes[i] for i in range(len(requests))]
