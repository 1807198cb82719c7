"""CreateItem / UpdateItem / DeleteItem with one outcome per record, in order.

* Updates are conditional: ``ConflictResolution="NeverOverwrite"`` with the change key the engine planned
  against (``UpdateRequest.base_version``, which is the version we reported), so someone else's edit turns
  into a :class:`~syncore.errors.VersionMismatch` outcome instead of being overwritten.
* Updates are sent without reading the items first: the change key is ``base_version`` and indexed contact
  entries are written per label (:mod:`._update`). Only an update without a change key, an event's new
  start/end (written in the item's own zones) and a task's in-between status (keeps the item's percentage)
  read the item first.
* Every per-item answer comes back for its item (:mod:`._services`): exchangelib would *raise* most
  per-item errors, and every response code it does not know, for the whole bulk call although the server
  handled each item. Conflicted items are re-read: items that already hold the values we sent are
  successes, items whose change key is still the one we sent are retried one by one, the rest are conflicts.
* A write sent without an answer (lost connection, read timeout, a 5xx that is not an EWS answer) is
  :class:`~syncore.errors.OutcomeUnknown`; creates are never repeated blindly (the engine recovers them by
  link or fingerprint), conditional updates and deletes are safe to repeat.

CreateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation
UpdateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation
DeleteItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from exchangelib import EWSTimeZone
from exchangelib import errors as ews
from exchangelib.properties import ItemId

from syncore.errors import AdapterError, NotFound, UnsupportedRecord, VersionMismatch
from syncore.models import Kind, Record
from syncore.patterns import Unfit
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from ._ews import ITEM_CLASS, apply_values
from ._link import LINK_FIELD
from ._mapping import contact_fields, event_fields, task_fields
from ._mapping.tasks import percent_depends_on_item
from ._read import get_items, to_remote, unsupported_reason
from ._series import (
    delete_occurrences,
    finish_creates,
    is_occurrence_id,
    is_series_write,
    update_occurrences,
    update_series,
)
from ._services import bulk_create, bulk_delete
from ._throttle import Throttle
from ._update import CONFLICT_TYPES, bulk_update
from .errors import item_error

NEVER_OVERWRITE = "NeverOverwrite"


def values_for(kind: Kind, record: Record, fields: frozenset[str] | None, current: Any = None) -> dict[str, Any]:
    """The exchangelib values of ``fields`` of ``record`` (all when None)."""
    if kind is Kind.EVENT:
        return event_fields(record, fields)  # type: ignore[arg-type]
    if kind is Kind.CONTACT:
        return contact_fields(record, fields)  # type: ignore[arg-type]
    return task_fields(record, fields, getattr(current, "percent_complete", None))  # type: ignore[arg-type]


def _bulk(throttle: Throttle, operation: str, call: Callable[[], Any], *, idempotent: bool) -> list[Any]:
    """Run a bulk write: one result (or exception instance) per item."""
    return throttle.call(operation, lambda: list(call()), idempotent=idempotent, write=True)


# -- create -------------------------------------------------------------------------------------------------
def create(account: Any, folder: Any, kind: Kind, requests: Sequence[CreateRequest], throttle: Throttle,
           event_zone: Any) -> list[WriteOutcome]:
    """Create the records in ``folder``; the link goes into the SyncoreLink property. A series is one recurring
    master in its own zone; its cancelled and modified occurrences follow (:func:`._series.finish_creates`)."""
    items, outcomes, sent = [], {}, []
    for position, request in enumerate(requests):
        item = ITEM_CLASS[kind](account=account, folder=folder)
        if kind is Kind.EVENT:
            # new meetings live in the user's zone (what Outlook shows as the meeting's time zone); a series in its own
            recurrence = request.record.recurrence  # type: ignore[attr-defined]
            item._start_timezone = item._end_timezone = EWSTimeZone(recurrence.zone) if recurrence else event_zone
        try:
            apply_values(item, values_for(kind, request.record, None))
            _check(account, item)
        except Unfit as exc:
            outcomes[position] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(
                f"exchange: create {kind.value} {_name(request.record)}: {exc}"))
            continue
        if request.link:
            setattr(item, LINK_FIELD, request.link)
        items.append(item)
        sent.append(position)
    if items:
        # Not repeated after a lost reply: the server may have created the items (the engine's links recover them)
        results = _bulk(throttle, "CreateItem", lambda: bulk_create(account, folder, items), idempotent=False)
        for position, result in zip(sent, results, strict=True):
            outcomes[position] = _create_outcome(kind, requests[position], result)
    created = [outcomes[i] for i in range(len(requests))]
    return finish_creates(account, folder, requests, created, throttle) if kind is Kind.EVENT else created


def _check(account: Any, item: Any, names: Sequence[str] | None = None) -> None:
    """exchangelib's own field checks (e.g. a subject over 255 characters), run per item — of a create the whole
    item, of an update the fields it sends: exchangelib runs them while serializing the request, where one bad
    item would fail the whole CreateItem/UpdateItem call."""
    try:
        if names is None:
            item.clean(version=account.version)
        else:
            fields = {field.name: field for field in item.FIELDS}
            for name in names:
                if name in fields:  # (names exchangelib has no plain field for are checked by their writer)
                    setattr(item, name, fields[name].clean(getattr(item, name), version=account.version))
    except (ValueError, TypeError) as exc:
        too_long = re.match(r"'(\w+)' value .* exceeds length (\d+)$", str(exc), re.DOTALL)
        if too_long:  # (exchangelib's message repeats the whole value)
            raise Unfit(f"{too_long[1]} is longer than {too_long[2]} characters, the most Exchange holds") from exc
        raise Unfit(str(exc)[:200]) from exc


def _create_outcome(kind: Kind, request: CreateRequest, result: Any) -> WriteOutcome:
    if isinstance(result, Exception):
        return WriteOutcome(ref=request.ref, error=item_error(result, f"create {kind.value} {_name(request.record)}"))
    return WriteOutcome(ref=request.ref, id=result.id, version=result.changekey, warnings=_warnings(request.record))


def _name(record: Record) -> str:
    """How a record is named in an error: its subject, or a contact's name ("" when it has none)."""
    name = getattr(record, "subject", None) or " ".join(
        part for part in (getattr(record, "first_name", ""), getattr(record, "last_name", "")) if part)
    if len(name) > 60:
        name = name[:60] + "…"
    return repr(name) if name else "(untitled)"


def _warnings(record: Record) -> tuple[str, ...]:
    if getattr(record, "completed_at", None) is not None:
        return ("completed_at is set by Exchange when the task is completed; the given time was not written",)
    return ()


# -- update -------------------------------------------------------------------------------------------------
def update(account: Any, folder: Any, kind: Kind, requests: Sequence[UpdateRequest],
           throttle: Throttle) -> list[WriteOutcome]:
    """Write the named fields of each record, conditionally on its change key.

    Most updates are sent blind: a bare item with the id and ``base_version`` as change key, and only the
    fields to write. The few that need the stored item (:func:`_needs_current`) are read first in one GetItem.
    Writes naming one occurrence of a series, and writes of a series' times or recurrence, take the series path
    (:mod:`._series`).
    """
    if kind is Kind.EVENT:
        routes = _by_route(requests)
        if len(routes) > 1 or "plain" not in routes:
            outcomes: dict[int, WriteOutcome] = {}
            handlers = {"occurrence": update_occurrences, "series": update_series,
                        "plain": lambda *a: update(*a[:2], kind, a[2], a[3])}
            for route, positions in routes.items():
                chosen = [requests[p] for p in positions]
                for position, outcome in zip(positions, handlers[route](account, folder, chosen, throttle),
                                             strict=True):
                    outcomes[position] = outcome
            return [outcomes[i] for i in range(len(requests))]
    reads = [r.id for r in requests if _needs_current(kind, r)]
    current = {item.id: item for item in get_items(account, folder, kind, reads, throttle)}
    outcomes: dict[int, WriteOutcome] = {}
    planned: list[tuple[int, Any, list[str]]] = []
    for index, request in enumerate(requests):
        stored = current.get(request.id)
        if _needs_current(kind, request):
            error = _refusal(kind, request, stored)
            if error is not None:
                outcomes[index] = WriteOutcome(ref=request.ref, error=error)
                continue
        item = _target(account, folder, kind, request, stored)
        try:
            names = apply_values(item, values_for(kind, request.record, request.fields, stored))
            _check(account, item, names)
        except Unfit as exc:
            outcomes[index] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(
                f"exchange: update {kind.value} {request.id}: {exc}"))
            continue
        if request.link is not None:
            setattr(item, LINK_FIELD, request.link)
            names.append(LINK_FIELD)
        if not names:
            outcomes[index] = WriteOutcome(ref=request.ref, id=item.id, version=item.changekey)
            continue
        planned.append((index, item, names))
    if planned:
        for (index, *_), outcome in zip(planned, _run_updates(account, folder, kind, requests, planned, throttle),
                                        strict=True):
            outcomes[index] = outcome
    return [outcomes[i] for i in range(len(requests))]


def _by_route(requests: Sequence[UpdateRequest]) -> dict[str, list[int]]:
    routes: dict[str, list[int]] = {}
    for position, request in enumerate(requests):
        route = "occurrence" if is_occurrence_id(request.id) else "series" if is_series_write(request) else "plain"
        routes.setdefault(route, []).append(position)
    return routes


def _needs_current(kind: Kind, request: UpdateRequest) -> bool:
    """True when the update needs something only the stored item knows, so the item is read first.

    A pair only exists for an item that was supported when it was read; one that became a recurring series
    since has a new change key, so a blind update of it comes back as a conflict (see :func:`_settle`).
    """
    if request.base_version is None:
        return True  # no change key to make the write conditional on
    if kind is Kind.EVENT:
        # exchangelib writes new times in the item's own start/end zones (all-day: their local midnights)
        return bool(request.fields & {"start", "end"})
    if kind is Kind.TASK:
        # an in-between status keeps the item's own percentage
        status = request.record.status  # type: ignore[attr-defined]
        return "status" in request.fields and percent_depends_on_item(status)
    # contacts: indexed entries are written per label (see _update), nothing else depends on the item
    return False


def _refusal(kind: Kind, request: UpdateRequest, stored: Any) -> AdapterError | None:
    """Why a pre-read item is not updated at all (gone, unsupported, known stale), or None."""
    what = f"update {kind.value} {request.id}"
    if stored is None:
        return NotFound(f"exchange: {what}: the item does not exist")
    reason = unsupported_reason(kind, stored)
    if reason is not None:
        return UnsupportedRecord(f"exchange: {what}: {reason}")
    if request.base_version is not None and request.base_version != stored.changekey:
        # Already known to be stale: no need to send it.
        return VersionMismatch(f"exchange: {what}: changed since it was read (change key differs)",
                               code="ErrorIrresolvableConflict")
    return None


def _target(account: Any, folder: Any, kind: Kind, request: UpdateRequest, stored: Any) -> Any:
    """A bare item naming what to update: the id, the change key to update against, an event's own zones."""
    item = ITEM_CLASS[kind](account=account, folder=folder, id=request.id,
                            changekey=request.base_version or getattr(stored, "changekey", None))
    if kind is Kind.EVENT and stored is not None:
        item._start_timezone, item._end_timezone = stored._start_timezone, stored._end_timezone
    return item


def _update_call(account: Any, pairs: list[tuple[Any, list[str]]]) -> Callable[[], Any]:
    return lambda: bulk_update(account, pairs, conflict_resolution=NEVER_OVERWRITE)


def _run_updates(account: Any, folder: Any, kind: Kind, requests: Sequence[UpdateRequest],
                 planned: list[tuple[int, Any, list[str]]], throttle: Throttle) -> list[WriteOutcome]:
    pairs = [(item, names) for _, item, names in planned]
    # Conditional updates are safe to repeat: a repeat after a lost reply fails on the change key.
    results = _bulk(throttle, "UpdateItem", _update_call(account, pairs), idempotent=True)
    unsure = [n for n, result in enumerate(results) if isinstance(result, CONFLICT_TYPES)]
    outcomes = [_update_outcome(kind, requests[index], result)
                for (index, *_), result in zip(planned, results, strict=True)]
    if unsure:
        settled = _settle(account, folder, kind, requests, [planned[n] for n in unsure],
                          [results[n] for n in unsure], throttle)
        for n, outcome in zip(unsure, settled, strict=True):
            outcomes[n] = outcome
    return outcomes


def _settle(account: Any, folder: Any, kind: Kind, requests: Sequence[UpdateRequest],
            planned: list[tuple[int, Any, list[str]]], errors: list[Any], throttle: Throttle) -> list[WriteOutcome]:
    """Outcomes of updates that conflicted or whose batch aborted, from the items as they are now.

    Items that already hold the values are successes, items whose change key is still the one sent are
    retried alone (a spurious conflict), an item that became a recurring series is unsupported, the rest
    are conflicts.
    """
    now = {item.id: item for item in get_items(account, folder, kind, [item.id for _, item, _ in planned], throttle)}
    outcomes = []
    for (index, item, names), error in zip(planned, errors, strict=True):
        request = requests[index]
        stored = now.get(item.id)
        what = f"update {kind.value} {item.id}"
        if stored is None:
            outcomes.append(WriteOutcome(ref=request.ref, error=NotFound(f"exchange: {what}: the item does not exist")))
        elif (reason := unsupported_reason(kind, stored)) is not None:
            outcomes.append(WriteOutcome(ref=request.ref, error=UnsupportedRecord(f"exchange: {what}: {reason}")))
        elif stored.changekey == item.changekey:
            (single,) = _bulk(throttle, "UpdateItem", _update_call(account, [(item, names)]), idempotent=True)
            outcomes.append(_update_outcome(kind, request, single))
        elif _holds(kind, stored, request):
            outcomes.append(WriteOutcome(ref=request.ref, id=stored.id, version=stored.changekey,
                                         warnings=_warnings(request.record)))
        else:
            conflict = error if isinstance(error, CONFLICT_TYPES) else ews.ErrorIrresolvableConflict(
                "changed by someone else")
            outcomes.append(WriteOutcome(ref=request.ref, error=item_error(conflict, what)))
    return outcomes


def _holds(kind: Kind, stored: Any, request: UpdateRequest) -> bool:
    """True when the stored item already has the requested values (our write went through)."""
    record = to_remote(kind, stored).record
    return all(getattr(record, name) == getattr(request.record, name) for name in request.fields) and (
        request.link is None or getattr(stored, LINK_FIELD, None) == request.link
    )


def _update_outcome(kind: Kind, request: UpdateRequest, result: Any) -> WriteOutcome:
    if isinstance(result, BaseException):
        return WriteOutcome(ref=request.ref, error=item_error(result, f"update {kind.value} {request.id}"))
    new_id, changekey = result
    # Updating a task can change its id: report the id the server returned.
    return WriteOutcome(ref=request.ref, id=new_id, version=changekey, warnings=_warnings(request.record))


# -- delete -------------------------------------------------------------------------------------------------
def delete(account: Any, folder: Any, kind: Kind, requests: Sequence[DeleteRequest],
           throttle: Throttle) -> list[WriteOutcome]:
    """Hard-delete items; one already gone (ErrorItemNotFound) is a success. A request naming one occurrence of a
    series cancels that occurrence (:func:`._series.delete_occurrences`)."""
    occurrences = [p for p, r in enumerate(requests) if kind is Kind.EVENT and is_occurrence_id(r.id)]
    if occurrences:
        outcomes = dict(zip(occurrences, delete_occurrences(account, folder, [requests[p] for p in occurrences],
                                                            throttle), strict=True))
        rest = [p for p in range(len(requests)) if p not in outcomes]
        outcomes.update(zip(rest, delete(account, folder, kind, [requests[p] for p in rest], throttle), strict=True))
        return [outcomes[i] for i in range(len(requests))]
    if not requests:
        return []
    ids = [ItemId(id=r.id, changekey=r.base_version) for r in requests]
    # Deleting twice is harmless (the second attempt finds nothing), so lost replies are retried.
    results = _bulk(throttle, "DeleteItem", lambda: bulk_delete(account, ids), idempotent=True)
    outcomes = []
    for request, result in zip(requests, results, strict=True):
        error = None
        if isinstance(result, BaseException):
            error = item_error(result, f"delete {kind.value} {request.id}")
        if error is None or isinstance(error, NotFound):
            # already gone is what a delete asks for (syncore.abc.Adapter.delete)
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
        else:
            outcomes.append(WriteOutcome(ref=request.ref, error=error))
    return outcomes


