"""Writing recurring series and single occurrences through EWS.

A series is one recurring master (CreateItem with a ``Recurrence``). Its cancelled and modified occurrences are
written the way Exchange keeps them: DeleteItem and UpdateItem on the occurrence, named by an ``OccurrenceItemId``
(the master's id and the occurrence's 1-based index among all the pattern's occurrences, deleted ones included):
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-delete-appointments-in-a-recurring-series-by-using-ews-in-exchange
and …/how-to-update-a-recurring-series-by-using-ews. Every step is one request for the whole batch, so a series costs
the same number of requests whatever its number of occurrences:

=========================  =====================================================================================
create                     CreateItem; for series with cancelled or modified occurrences, DeleteItem + UpdateItem
                           on those occurrences and a GetItem for the final change key
update of a series         GetItem (+ its exceptions), UpdateItem of the masters, then what the occurrences need
                           (as for create, after reading the masters again)
update of one occurrence   GetItem (+ exceptions) to check the occurrence's version, UpdateItem, GetItem again
delete of one occurrence   GetItem of the masters (for the index), DeleteItem
=========================  =====================================================================================

A master's change key is every occurrence's ("The ChangeKey is the same for the recurring master and all
occurrences", …/web-service-reference/occurrenceitemid), and changes with every occurrence written. So occurrence
writes carry no change key (a second occurrence of the same series in one request would otherwise conflict with the
first); they are made conditional by comparing the occurrence's version, read just before, with the one planned
against. A series created with exceptions whose occurrence writes fail is deleted again, so nothing half-written
stays behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from exchangelib import EWSTimeZone
from exchangelib.items import CalendarItem
from exchangelib.properties import ItemId, OccurrenceItemId

from syncore.errors import (
    AdapterError,
    NotFound,
    VersionMismatch,
)
from syncore.models import Event, Kind
from syncore.occurrences import occurrence_record, occurrence_update, split_occurrence_id
from syncore.recurrence import OVERRIDABLE, Key
from syncore.remote import CreateRequest, DeleteRequest, RemoteRecord, UpdateRequest, WriteOutcome
from syncore.series import Series

from ._ews import apply_values
from ._link import LINK_FIELD
from ._mapping import event_fields
from ._mapping.recurrence import moved_past_neighbours
from ._read import get_items, read_exceptions, to_remote
from ._services import bulk_delete
from ._throttle import Throttle
from ._update import bulk_update
from .errors import item_error

NEVER_OVERWRITE = "NeverOverwrite"


def is_occurrence_id(native_id: str) -> bool:
    """True for a syncore occurrence id (a series id and an original start), which names one occurrence."""
    return split_occurrence_id(native_id) is not None


def is_series_write(request: UpdateRequest) -> bool:
    """True for an update that needs the series path: the record is (or was made) a series and its times or its
    recurrence change."""
    record = request.record
    return isinstance(record, Event) and bool(request.fields & {"recurrence", "start", "end"}) and (
        record.recurrence is not None or "recurrence" in request.fields)


def instance_index(series: Event, key: Key) -> int | None:
    """The 1-based index of the occurrence ``key`` among all the series' occurrences (None: not one of them)."""
    for index, start in enumerate(Series(series).starts(), start=1):
        if start == key:
            return index
        if start > key:  # type: ignore[operator]
            return None
    return None


@attrs.define
class Reader:
    """Reads recurring masters (with their exceptions) as series records."""

    account: Any
    folder: Any
    throttle: Throttle

    def series(self, ids: Sequence[str]) -> dict[str, tuple[Any, RemoteRecord | None]]:
        """``{id: (item, record)}``; the record is None for an item that cannot be read as a record."""
        items = get_items(self.account, self.folder, Kind.EVENT, sorted(set(ids)), self.throttle)
        exceptions = read_exceptions(self.account, self.folder, items, self.throttle)
        found: dict[str, tuple[Any, RemoteRecord | None]] = {}
        for item in items:
            try:
                found[item.id] = (item, to_remote(Kind.EVENT, item, exceptions))
            except (ValueError, TypeError):
                found[item.id] = (item, None)
        return found

    def changekeys(self, ids: Sequence[str]) -> dict[str, str]:
        """The current change keys of ``ids`` (one IdOnly GetItem)."""
        wanted = [ItemId(id=i) for i in sorted(set(ids))]
        if not wanted:
            return {}
        items = self.throttle.call("GetItem", lambda: list(self.account.fetch(wanted, only_fields=["changekey"])))
        return {item.id: item.changekey for item in items if not isinstance(item, Exception)}


def _zone(event: Event) -> EWSTimeZone:
    return EWSTimeZone(event.recurrence.zone)  # type: ignore[union-attr]


def _occurrence_item(account: Any, folder: Any, series_id: str, index: int, zone: EWSTimeZone) -> Any:
    item = CalendarItem(account=account, folder=folder,
                        _id=OccurrenceItemId(id=series_id, changekey=None, instance_index=index))
    item._start_timezone = item._end_timezone = zone
    return item


def _write(throttle: Throttle, operation: str, call: Callable[[], Any]) -> list[Any]:
    # occurrence writes are safe to repeat: an update sets the same values, a delete of a deleted one is NotFound
    return throttle.call(operation, lambda: list(call()), idempotent=True, write=True)


# -- the occurrences a series needs ------------------------------------------------------------------------------
@attrs.frozen
class _Step:
    """One occurrence write: which series (by request position), the index, and what to set (None: delete)."""

    position: int
    series_id: str
    index: int
    key: Key
    occurrence: Event | None
    fields: frozenset[str]


def _steps(position: int, series_id: str, wanted: Event, current: Event | None) -> list[_Step]:
    """The occurrence writes that turn ``current`` (None: a master without exceptions) into ``wanted``."""
    want = wanted.recurrence
    assert want is not None
    have_exdates = set(current.recurrence.exdates) if current is not None and current.recurrence else set()
    have = Series(current) if current is not None and current.recurrence is not None else Series(
        wanted.replace(recurrence=attrs.evolve(want, exdates=(), overrides=())))  # type: ignore[arg-type]
    series = Series(wanted)
    steps = []
    for key in sorted(set(want.exdates) - have_exdates):  # type: ignore[type-var]
        index = instance_index(wanted, key)
        if index is not None:
            steps.append(_Step(position, series_id, index, key, None, frozenset()))
    keys = {o.original_start for o in want.overrides}
    if current is not None and current.recurrence is not None:
        keys |= {o.original_start for o in current.recurrence.overrides}
    for key in sorted(keys - set(want.exdates)):  # type: ignore[type-var]
        target, now = series.occurrence(key), have.occurrence(key)
        fields = frozenset(name for name in OVERRIDABLE if getattr(target, name) != getattr(now, name))
        index = instance_index(wanted, key)
        if fields and index is not None:
            steps.append(_Step(position, series_id, index, key, target, fields))
    return steps


def _restores(wanted: Event, current: Event | None) -> bool:
    """True when a cancelled occurrence must come back: EWS has no way to undo one but to set the pattern anew."""
    if current is None or current.recurrence is None or wanted.recurrence is None:
        return False
    return bool(set(current.recurrence.exdates) - set(wanted.recurrence.exdates))


def _run_steps(account: Any, folder: Any, steps: list[_Step], zones: dict[str, EWSTimeZone],
               throttle: Throttle) -> dict[int, AdapterError]:
    """DeleteItem, then UpdateItem, for the steps of every series; the first error per request position."""
    errors: dict[int, AdapterError] = {}
    deletes = [s for s in steps if s.occurrence is None]
    if deletes:
        ids = [OccurrenceItemId(id=s.series_id, changekey=None, instance_index=s.index) for s in deletes]
        for step, result in zip(deletes, _write(throttle, "DeleteItem", lambda: bulk_delete(account, ids)),
                                strict=True):
            error = item_error(result, f"cancel the occurrence of {step.key.isoformat()}") \
                if isinstance(result, BaseException) else None
            if error is not None and not isinstance(error, NotFound):
                errors.setdefault(step.position, error)
    updates = [s for s in steps if s.occurrence is not None]
    if updates:
        pairs = []
        for step in updates:
            item = _occurrence_item(account, folder, step.series_id, step.index, zones[step.series_id])
            names = apply_values(item, event_fields(step.occurrence, step.fields))  # type: ignore[arg-type]
            pairs.append((item, names))
        results = _write(throttle, "UpdateItem", lambda: bulk_update(account, pairs, NEVER_OVERWRITE))
        for step, result in zip(updates, results, strict=True):
            if isinstance(result, BaseException):
                errors.setdefault(step.position, item_error(result, f"change the occurrence of {step.key.isoformat()}"))
    return errors


# -- create ---------------------------------------------------------------------------------------------------------
def finish_creates(account: Any, folder: Any, requests: Sequence[CreateRequest], outcomes: list[WriteOutcome],
                   throttle: Throttle) -> list[WriteOutcome]:
    """Write the cancelled and modified occurrences of the series just created; a series whose occurrences could
    not all be written is deleted again and reported."""
    steps, zones = [], {}
    for position, (request, outcome) in enumerate(zip(requests, outcomes, strict=True)):
        record = request.record
        if outcome.ok and isinstance(record, Event) and record.recurrence is not None and (
                record.recurrence.exdates or record.recurrence.overrides):
            zones[outcome.id] = _zone(record)
            steps += _steps(position, outcome.id, record, None)  # type: ignore[arg-type]
    if not steps:
        return outcomes
    errors = _run_steps(account, folder, steps, zones, throttle)
    failed = {position: outcomes[position].id for position in errors}
    if failed:
        ids = [ItemId(id=i) for i in failed.values()]
        _write(throttle, "DeleteItem", lambda: bulk_delete(account, ids))
    keys = Reader(account, folder, throttle).changekeys([outcomes[s.position].id for s in steps  # type: ignore[misc]
                                                         if s.position not in errors])
    finished = list(outcomes)
    for position in {s.position for s in steps}:
        outcome = outcomes[position]
        if position in errors:
            finished[position] = WriteOutcome(ref=outcome.ref, error=errors[position])
        else:
            finished[position] = attrs.evolve(outcome, version=keys.get(outcome.id, outcome.version))  # type: ignore[arg-type]
    return finished



# -- update of whole series --------------------------------------------------------------------------------------
def update_series(account: Any, folder: Any, requests: Sequence[UpdateRequest],
                  throttle: Throttle) -> list[WriteOutcome]:
    """Updates that change a series' rule, zone, times or occurrences (see the module docstring)."""
    reader = Reader(account, folder, throttle)
    current = reader.series([r.id for r in requests])
    outcomes: dict[int, WriteOutcome] = {}
    masters: list[tuple[int, Any, list[str]]] = []
    for position, request in enumerate(requests):
        found = current.get(request.id)
        what = f"update event {request.id}"
        if found is None:
            outcomes[position] = WriteOutcome(ref=request.ref, error=NotFound(f"exchange: {what}: the item does not exist"))
            continue
        item, remote = found
        if request.base_version is not None and request.base_version != item.changekey:
            outcomes[position] = WriteOutcome(ref=request.ref, error=VersionMismatch(
                f"exchange: {what}: changed since it was read (change key differs)", code="ErrorIrresolvableConflict"))
            continue
        record: Event = request.record  # type: ignore[assignment]
        target = CalendarItem(account=account, folder=folder, id=item.id, changekey=item.changekey)
        zone = _zone(record) if record.recurrence is not None else item._start_timezone
        target._start_timezone = target._end_timezone = zone
        have = remote.record if remote is not None else None
        fields = set(request.fields)
        if record.recurrence is not None and have is not None and getattr(have, "recurrence", None) is not None \
                and (have.recurrence.rule, have.recurrence.zone, have.start, have.end) == (  # type: ignore[union-attr]
                    record.recurrence.rule, record.recurrence.zone, record.start, record.end):
            fields -= {"recurrence", "start", "end"}  # the pattern stands: only occurrences change
        elif fields & {"recurrence", "start", "end"}:
            fields |= {"recurrence", "start", "end"}  # a pattern is written whole, with the times it runs at
        names = apply_values(target, event_fields(record, frozenset(fields)))
        if request.link is not None:
            setattr(target, LINK_FIELD, request.link)
            names.append(LINK_FIELD)
        masters.append((position, target, names))
    if masters:
        results = _write(throttle, "UpdateItem",
                         lambda: bulk_update(account, [(t, n) for _, t, n in masters if n], NEVER_OVERWRITE))
        sent = iter(results)
        for position, _, names in masters:
            result = next(sent) if names else None
            if isinstance(result, BaseException):
                outcomes[position] = WriteOutcome(ref=requests[position].ref,
                                                  error=item_error(result, f"update event {requests[position].id}"))
    pending = [position for position, _, _ in masters if position not in outcomes]
    if pending:
        # a master written changed its occurrences (a new pattern drops the exceptions): read it again
        written = any(names for _, _, names in masters)
        _reconcile(reader, account, folder, requests, pending, outcomes, throttle, None if written else current)
    return [outcomes[i] for i in range(len(requests))]


def _reconcile(reader: Reader, account: Any, folder: Any, requests: Sequence[UpdateRequest], positions: list[int],
               outcomes: dict[int, WriteOutcome], throttle: Throttle,
               unchanged: dict[str, tuple[Any, RemoteRecord | None]] | None) -> None:
    """Bring the occurrences of the updated masters in line with the requests, and record the outcomes.
    ``unchanged``: the masters as read before, when no master was written since."""
    now = dict(unchanged) if unchanged is not None else reader.series([requests[p].id for p in positions])
    resets = [p for p in positions if _restores(requests[p].record, _series_record(now, requests[p].id))]  # type: ignore[arg-type]
    if resets:
        # clearing the pattern and setting it again is the only way back for a cancelled occurrence
        pairs = []
        for position in resets:
            record: Event = requests[position].record  # type: ignore[assignment]
            for values in ({"recurrence": None}, event_fields(record, frozenset({"recurrence"}))):
                item = CalendarItem(account=account, folder=folder, id=requests[position].id)
                item._start_timezone = item._end_timezone = _zone(record)
                pairs.append((item, apply_values(item, values)))
        _write(throttle, "UpdateItem", lambda: bulk_update(account, pairs, "AlwaysOverwrite"))
        now.update(reader.series([requests[p].id for p in resets]))
    steps, zones = [], {}
    for position in positions:
        record = requests[position].record
        if isinstance(record, Event) and record.recurrence is not None:
            zones[requests[position].id] = _zone(record)
            steps += _steps(position, requests[position].id, record, _series_record(now, requests[position].id))
    errors = _run_steps(account, folder, steps, zones, throttle) if steps else {}
    keys = reader.changekeys([requests[p].id for p in positions]) if steps or resets else {
        requests[p].id: now[requests[p].id][0].changekey for p in positions if requests[p].id in now}
    for position in positions:
        request = requests[position]
        if position in errors:
            outcomes[position] = WriteOutcome(ref=request.ref, error=errors[position])
        elif request.id not in keys:
            outcomes[position] = WriteOutcome(ref=request.ref, error=NotFound(
                f"exchange: update event {request.id}: the item does not exist"))
        else:
            outcomes[position] = WriteOutcome(ref=request.ref, id=request.id, version=keys[request.id])


def _series_record(found: dict[str, tuple[Any, RemoteRecord | None]], native_id: str) -> Event | None:
    remote = found.get(native_id, (None, None))[1]
    return remote.record if remote is not None else None  # type: ignore[return-value]


# -- one occurrence --------------------------------------------------------------------------------------------------
def update_occurrences(account: Any, folder: Any, requests: Sequence[UpdateRequest],
                       throttle: Throttle) -> list[WriteOutcome]:
    """Updates naming one occurrence each (``syncore.occurrences``): the fields become the occurrence's own."""
    reader = Reader(account, folder, throttle)
    split = [split_occurrence_id(r.id) for r in requests]
    series = reader.series([s[0] for s in split if s is not None])
    outcomes: dict[int, WriteOutcome] = {}
    steps, zones = [], {}
    for position, (request, (series_id, key)) in enumerate(zip(requests, split, strict=True)):  # type: ignore[misc]
        remote = series.get(series_id, (None, None))[1]
        wanted = occurrence_update(remote, request, key, side="exchange", refuse=moved_past_neighbours)
        if isinstance(wanted, AdapterError):
            outcomes[position] = WriteOutcome(ref=request.ref, error=wanted)
            continue
        zones[series_id] = _zone(wanted)
        steps += _steps(position, series_id, wanted, remote.record)  # type: ignore[union-attr, arg-type]
    errors = _run_steps(account, folder, steps, zones, throttle) if steps else {}
    written = [p for p in range(len(requests)) if p not in outcomes]
    after = reader.series([split[p][0] for p in written]) if steps else series  # type: ignore[index]
    for position in written:
        request = requests[position]
        series_id, key = split[position]  # type: ignore[misc]
        if position in errors:
            outcomes[position] = WriteOutcome(ref=request.ref, error=errors[position])
            continue
        remote = after.get(series_id, (None, None))[1]
        stored = occurrence_record(remote, request.id, key) if remote is not None else None
        outcomes[position] = WriteOutcome(ref=request.ref, id=request.id,
                                          version=stored.version if stored is not None else None)
    return [outcomes[i] for i in range(len(requests))]


def delete_occurrences(account: Any, folder: Any, requests: Sequence[DeleteRequest],
                       throttle: Throttle) -> list[WriteOutcome]:
    """Deletes naming one occurrence each: the occurrence is cancelled (an occurrence already gone is a success)."""
    split = [split_occurrence_id(r.id) for r in requests]
    series = Reader(account, folder, throttle).series([s[0] for s in split if s is not None])
    outcomes: dict[int, WriteOutcome] = {}
    steps, zones = [], {}
    for position, (request, (series_id, key)) in enumerate(zip(requests, split, strict=True)):  # type: ignore[misc]
        remote = series.get(series_id, (None, None))[1]
        record = remote.record if remote is not None else None
        index = instance_index(record, key) if isinstance(record, Event) and record.recurrence is not None else None
        if index is None or key in record.recurrence.exdates:  # type: ignore[union-attr]
            outcomes[position] = WriteOutcome(ref=request.ref, id=request.id)  # already gone
            continue
        zones[series_id] = _zone(record)  # type: ignore[arg-type]
        steps.append(_Step(position, series_id, index, key, None, frozenset()))
    errors = _run_steps(account, folder, steps, zones, throttle) if steps else {}
    for step in steps:
        request = requests[step.position]
        outcomes[step.position] = WriteOutcome(ref=request.ref, error=errors[step.position]) \
            if step.position in errors else WriteOutcome(ref=request.ref, id=request.id)
    return [outcomes[i] for i in range(len(requests))]
