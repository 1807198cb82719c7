"""CreateItem / UpdateItem / DeleteItem with one outcome per record, in order.

* Updates are conditional: ``ConflictResolution="NeverOverwrite"`` with the change key the engine planned
  against (``UpdateRequest.base_version``, which is the version we reported), so someone else's edit turns
  into a :class:`~syncore.errors.VersionMismatch` outcome instead of being overwritten.
* Updates are sent without reading the items first: the change key is ``base_version`` and indexed contact
  entries are written per label (:mod:`._update`). Only an update without a change key, an event's new
  start/end (written in the item's own zones) and a task's in-between status (keeps the item's percentage)
  read the item first.
* A conflict comes back per item (:class:`._update.EntryUpdateItem`); exchangelib *raises* most other
  per-item errors and so aborts the whole bulk call, although the server has already handled every item of
  the request. Conflicted items, or the whole batch after such an abort, are re-read: items that already
  hold the values we sent are successes, items whose change key is still the one we sent are retried one by
  one, the rest are conflicts.

CreateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation
UpdateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation
DeleteItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from exchangelib import errors as ews
from exchangelib.properties import ItemId

from syncore.errors import AdapterError, NotFound, UnsupportedRecord, VersionMismatch
from syncore.models import Kind, Record
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from ._ews import ITEM_CLASS, apply_values
from ._link import LINK_FIELD
from ._mapping import contact_fields, event_fields, task_fields
from ._mapping.tasks import percent_depends_on_item
from ._read import find_ids_by_link, get_items, to_remote, unsupported_reason
from ._throttle import Throttle
from ._update import CONFLICT_TYPES, bulk_update
from .errors import TRANSIENT_TYPES, item_error

NEVER_OVERWRITE = "NeverOverwrite"


def values_for(kind: Kind, record: Record, fields: frozenset[str] | None, current: Any = None) -> dict[str, Any]:
    """The exchangelib values of ``fields`` of ``record`` (all when None)."""
    if kind is Kind.EVENT:
        return event_fields(record, fields)  # type: ignore[arg-type]
    if kind is Kind.CONTACT:
        return contact_fields(record, fields)  # type: ignore[arg-type]
    return task_fields(record, fields, getattr(current, "percent_complete", None))  # type: ignore[arg-type]


def _aborts(exc: BaseException) -> bool:
    # A per-item error exchangelib raised instead of returning: the server did answer every item.
    return isinstance(exc, ews.ResponseMessageError) and not isinstance(
        exc, (ews.ErrorServerBusy, *TRANSIENT_TYPES)
    )


def _bulk(throttle: Throttle, operation: str, call: Callable[[], Any], *, idempotent: bool) -> tuple[list | None, BaseException | None]:
    """Run a bulk call; returns (results, None) or (None, the per-item error that aborted it)."""

    def attempt() -> tuple[list | None, BaseException | None]:
        try:
            return list(call()), None
        except ews.ResponseMessageError as exc:
            if _aborts(exc):
                return None, exc
            raise

    return throttle.call(operation, attempt, idempotent=idempotent)


# -- create -------------------------------------------------------------------------------------------------
def create(account: Any, folder: Any, kind: Kind, requests: Sequence[CreateRequest], throttle: Throttle,
           event_zone: Any) -> list[WriteOutcome]:
    """Create the records in ``folder``; the link goes into the SyncoreLink property."""
    items = []
    for request in requests:
        item = ITEM_CLASS[kind](account=account, folder=folder)
        if kind is Kind.EVENT:
            # new meetings live in the user's zone (what Outlook shows as the meeting's time zone)
            item._start_timezone = item._end_timezone = event_zone
        apply_values(item, values_for(kind, request.record, None))
        if request.link:
            setattr(item, LINK_FIELD, request.link)
        items.append(item)
    # Not repeated after a lost reply: the server may have created the items (the engine's links recover them)
    results, aborted = _bulk(throttle, "CreateItem", lambda: account.bulk_create(folder, items), idempotent=False)
    if results is None:
        return _recover_creates(account, folder, kind, requests, items, throttle, aborted)  # type: ignore[arg-type]
    return [_create_outcome(kind, request, result) for request, result in zip(requests, results, strict=True)]


def _create_outcome(kind: Kind, request: CreateRequest, result: Any) -> WriteOutcome:
    if isinstance(result, Exception):
        return WriteOutcome(ref=request.ref, error=item_error(result, f"create {kind.value}"))
    return WriteOutcome(ref=request.ref, id=result.id, version=result.changekey, warnings=_warnings(request.record))


def _recover_creates(account: Any, folder: Any, kind: Kind, requests: Sequence[CreateRequest], items: list[Any],
                     throttle: Throttle, aborted: BaseException) -> list[WriteOutcome]:
    # Find what the aborted request created through the links; create the rest one by one.
    links = [r.link for r in requests if r.link]
    found: dict[str, Any] = {}
    if links:
        for item in get_items(account, folder, kind, find_ids_by_link(folder, links, throttle), throttle):
            found[getattr(item, LINK_FIELD)] = item
    outcomes = []
    for request, item in zip(requests, items, strict=True):
        if request.link and request.link in found:
            done = found[request.link]
            outcomes.append(WriteOutcome(ref=request.ref, id=done.id, version=done.changekey,
                                         warnings=_warnings(request.record)))
            continue
        if not request.link:
            outcomes.append(WriteOutcome(ref=request.ref, error=item_error(aborted, f"create {kind.value}")))
            continue
        results, error = _bulk(throttle, "CreateItem", lambda item=item: account.bulk_create(folder, [item]),
                               idempotent=False)
        result = results[0] if results is not None else error
        outcomes.append(_create_outcome(kind, request, result))
    return outcomes


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
    """
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
        names = apply_values(item, values_for(kind, request.record, request.fields, stored))
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
    results, aborted = _bulk(throttle, "UpdateItem", _update_call(account, pairs), idempotent=True)
    if results is None:
        # The abort hid every item's result, and the server may have saved them: look at all of them.
        results = [aborted] * len(planned)
        unsure = list(range(len(planned)))
    else:
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
            single, failure = _bulk(throttle, "UpdateItem", _update_call(account, [(item, names)]), idempotent=True)
            outcomes.append(_update_outcome(kind, request, single[0] if single is not None else failure))
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
def delete(account: Any, kind: Kind, requests: Sequence[DeleteRequest], throttle: Throttle) -> list[WriteOutcome]:
    """Hard-delete items; one already gone (ErrorItemNotFound) is a success."""
    ids = [ItemId(id=r.id, changekey=r.base_version) for r in requests]
    # Deleting twice is harmless (the second attempt finds nothing), so lost replies are retried.
    results, _ = _bulk(throttle, "DeleteItem", lambda: account.bulk_delete(ids), idempotent=True)
    if results is None:
        results = []
        for item_id in ids:
            single, error = _bulk(throttle, "DeleteItem", lambda item_id=item_id: account.bulk_delete([item_id]),
                                  idempotent=True)
            results.append(single[0] if single is not None else error)
    outcomes = []
    for request, result in zip(requests, results, strict=True):
        error = item_error(result, f"delete {kind.value} {request.id}") if isinstance(result, BaseException) else None
        if error is None or isinstance(error, NotFound):
            # already gone is what a delete asks for (syncore.abc.Adapter.delete)
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
        else:
            outcomes.append(WriteOutcome(ref=request.ref, error=error))
    return outcomes


