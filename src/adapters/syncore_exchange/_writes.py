"""CreateItem / UpdateItem / DeleteItem with one outcome per record, in order.

* Updates are conditional: ``ConflictResolution="NeverOverwrite"`` with the change key the engine planned
  against (``UpdateRequest.base_version``, which is the version we reported), so someone else's edit turns
  into a :class:`~syncore.errors.VersionMismatch` outcome instead of being overwritten.
* exchangelib *raises* most per-item errors (ErrorIrresolvableConflict included) and so aborts the whole
  bulk call, although the server has already handled every item of the request. After such an abort the
  batch is re-read: items that already hold the values we sent are successes, items whose change key is
  still the one we sent are retried one by one, the rest are conflicts.

CreateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation
UpdateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation
DeleteItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from exchangelib import errors as ews
from exchangelib.properties import ItemId

from syncore.errors import NotFound, UnsupportedRecord, VersionMismatch
from syncore.models import Kind, Record
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from ._ews import ITEM_CLASS, apply_values
from ._link import LINK_FIELD
from ._mapping import contact_fields, event_fields, task_fields
from ._read import find_ids_by_link, get_items, to_remote, unsupported_reason
from ._throttle import Throttle
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
    """Write the named fields of each record, conditionally on its change key."""
    current = {item.id: item for item in get_items(account, folder, kind, [r.id for r in requests], throttle)}
    outcomes: dict[int, WriteOutcome] = {}
    planned: list[tuple[int, Any, list[str], dict[str, Any]]] = []
    for index, request in enumerate(requests):
        item = current.get(request.id)
        what = f"update {kind.value} {request.id}"
        if item is None:
            outcomes[index] = WriteOutcome(ref=request.ref, error=NotFound(f"exchange: {what}: the item does not exist"))
            continue
        reason = unsupported_reason(kind, item)
        if reason is not None:
            outcomes[index] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(f"exchange: {what}: {reason}"))
            continue
        if request.base_version is not None and request.base_version != item.changekey:
            # Already known to be stale: sending it would abort the whole batch with ErrorIrresolvableConflict.
            outcomes[index] = WriteOutcome(ref=request.ref, error=VersionMismatch(
                f"exchange: {what}: changed since it was read (change key differs)", code="ErrorIrresolvableConflict"))
            continue
        values = values_for(kind, request.record, request.fields, item)
        names = apply_values(item, values, current=item)
        if request.link is not None:
            setattr(item, LINK_FIELD, request.link)
            names.append(LINK_FIELD)
        if request.base_version is not None:
            item.changekey = request.base_version
        if not names:
            outcomes[index] = WriteOutcome(ref=request.ref, id=item.id, version=item.changekey)
            continue
        planned.append((index, item, names, values))
    if planned:
        for index, outcome in zip([p[0] for p in planned], _run_updates(account, folder, kind, requests, planned,
                                                                         throttle), strict=True):
            outcomes[index] = outcome
    return [outcomes[i] for i in range(len(requests))]


def _update_call(account: Any, pairs: list[tuple[Any, list[str]]]) -> Callable[[], Any]:
    return lambda: account.bulk_update(pairs, conflict_resolution=NEVER_OVERWRITE)


def _run_updates(account: Any, folder: Any, kind: Kind, requests: Sequence[UpdateRequest],
                 planned: list[tuple[int, Any, list[str], dict[str, Any]]], throttle: Throttle) -> list[WriteOutcome]:
    pairs = [(item, names) for _, item, names, _ in planned]
    # Conditional updates are safe to repeat: a repeat after a lost reply fails on the change key.
    results, aborted = _bulk(throttle, "UpdateItem", _update_call(account, pairs), idempotent=True)
    if results is not None:
        return [_update_outcome(kind, requests[index], result)
                for (index, *_), result in zip(planned, results, strict=True)]
    # The abort hid the other items' results, and the server may have saved them: look before retrying.
    sent = {item.id: item.changekey for _, item, _, _ in planned}
    now = {item.id: item for item in get_items(account, folder, kind, list(sent), throttle)}
    outcomes = []
    for index, item, names, _ in planned:
        request = requests[index]
        stored = now.get(item.id)
        what = f"update {kind.value} {item.id}"
        if stored is None:
            outcomes.append(WriteOutcome(ref=request.ref, error=NotFound(f"exchange: {what}: the item does not exist")))
        elif stored.changekey == sent[item.id]:
            single, error = _bulk(throttle, "UpdateItem", _update_call(account, [(item, names)]), idempotent=True)
            outcomes.append(_update_outcome(kind, request, single[0] if single is not None else error))
        elif _holds(kind, stored, request):
            outcomes.append(WriteOutcome(ref=request.ref, id=stored.id, version=stored.changekey,
                                         warnings=_warnings(request.record)))
        else:
            outcomes.append(WriteOutcome(ref=request.ref, error=item_error(
                aborted if isinstance(aborted, ews.ErrorIrresolvableConflict) else ews.ErrorIrresolvableConflict(
                    "changed by someone else"), what)))
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
    """Hard-delete items; one already gone is reported as NotFound (the engine counts it as done)."""
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
        if isinstance(result, BaseException):
            outcomes.append(WriteOutcome(ref=request.ref, error=item_error(result, f"delete {kind.value} {request.id}")))
        else:
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
    return outcomes


