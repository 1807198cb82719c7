"""Creates, updates and deletes in ``$batch`` requests of at most 20, one outcome per record, in order.

* Event creates carry a ``transactionId`` derived from the request, so sending one again (after a lost reply
  or a 5xx) never makes a second event ("to avoid redundant POST operations in case of client retries",
  https://learn.microsoft.com/en-us/graph/api/resources/event). Contact and task creates are not idempotent: a
  lost answer is :class:`~syncore.errors.OutcomeUnknown` for that record (the engine looks for it by link).
* Updates are conditional: ``If-Match`` with the version the engine planned against, so another client's edit
  comes back as that record's VersionMismatch (412). A lost answer is OutcomeUnknown.
* Deletes are safe to repeat; an item already gone counts as deleted (a success).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from syncore.errors import NotFound, OutcomeUnknown, UnsupportedRecord
from syncore.models import Event, Kind, Task
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from . import _link
from ._client import GraphClient, LostReply, Sub
from ._kinds import KindPaths, version_of
from ._mapping.contacts import LIST_FIELDS, contact_to_graph
from ._mapping.events import ATTENDEES_NOT_WRITTEN, event_to_graph
from ._mapping.tasks import PRIVATE_NOT_KEPT, task_to_graph
from ._read import fetch_items
from .errors import record_error


def transaction_id(root: str, request: CreateRequest) -> str:
    """The same create always gets the same id (within a plan: the same op, link and subject)."""
    subject = getattr(request.record, "subject", "")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"syncore:{root}:{request.ref}:{request.link or ''}:{subject}"))


def properties(kind: Kind, record: Any, fields: frozenset[str] | None, zone: str,
               current: dict[str, Any] | None = None) -> dict[str, Any]:
    if kind is Kind.EVENT:
        return event_to_graph(record, fields, zone, current)
    if kind is Kind.CONTACT:
        return contact_to_graph(record, fields, current)
    return task_to_graph(record, fields, zone)


def warnings_for(kind: Kind, record: Any, fields: frozenset[str] | None) -> tuple[str, ...]:
    names = set(record.field_names()) if fields is None else set(fields)
    found = []
    if isinstance(record, Event) and "attendees" in names and record.attendees:
        found.append(ATTENDEES_NOT_WRITTEN)
    if isinstance(record, Task) and "private" in names and record.private:
        found.append(PRIVATE_NOT_KEPT)
    if isinstance(record, Task) and "status" in names and record.completed_at is not None and (
            record.status.value != "completed"):
        found.append("completed_at is kept by To Do only while the task is completed")
    return tuple(found)


def _outcome(kind: Kind, ref: str, result: Any, what: str, warnings: tuple[str, ...] = ()) -> WriteOutcome:
    if isinstance(result, LostReply):
        return WriteOutcome(ref=ref, error=OutcomeUnknown(f"graph: {what}: no answer came; it may have been made"))
    if isinstance(result, Exception):
        raise result
    if not result.ok:
        return WriteOutcome(ref=ref, error=record_error(result.error(), what))
    body = result.body if isinstance(result.body, dict) else {}
    return WriteOutcome(ref=ref, id=body.get("id"), version=version_of(kind, body), warnings=warnings)


def create(client: GraphClient, paths: KindPaths, requests: Sequence[CreateRequest], zone: str) -> list[WriteOutcome]:
    from ._mapping.series import unfit_reason
    from ._series_write import finish_creates, series_body

    subs: list[Sub] = []
    sent: list[int] = []
    refused: dict[int, WriteOutcome] = {}
    for index, request in enumerate(requests):
        record = request.record
        recurring = isinstance(record, Event) and record.recurrence is not None
        reason = unfit_reason(record) if recurring else None
        if reason is not None:
            # refused for this record alone, never flattened into a single event
            refused[index] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(f"graph: {reason}"))
            continue
        body = series_body(record) if recurring else properties(paths.kind, record, None, zone)  # type: ignore[arg-type]
        sent.append(index)
        if paths.kind is Kind.TASK:
            body["linkedResources"] = [_link.linked_resource(request.link)] if request.link else []
            subs.append(Sub("POST", paths.collection, body, idempotent=False))
            continue
        if request.link:
            body["singleValueExtendedProperties"] = _link.property_value(request.link)
        if paths.kind is Kind.EVENT:
            body["transactionId"] = transaction_id(client.root, request)
            subs.append(Sub("POST", "/events", body, idempotent=True))
        else:
            subs.append(Sub("POST", "/contacts", body, idempotent=False))
    results = dict(zip(sent, client.batch(subs, operation=f"create {paths.kind.value}s"), strict=True)) if subs \
        else {}
    outcomes = [refused[i] if i in refused else
                _outcome(paths.kind, r.ref, results[i], f"create {paths.kind.value}",
                         warnings_for(paths.kind, r.record, None)) for i, r in enumerate(requests)]
    if paths.kind is Kind.EVENT:
        # a series' cancelled and modified occurrences are written on its instances (_series_write)
        outcomes = finish_creates(client, [r.record for r in requests], outcomes)
    return outcomes


def _if_match(version: str | None) -> dict[str, str]:
    return {"If-Match": f'W/"{version}"'} if version else {}


def _needs_current(kind: Kind, request: UpdateRequest) -> bool:
    """True when the write depends on the stored item, which is then read first ($batch GETs of 20)."""
    if kind is Kind.CONTACT:
        return bool(request.fields & LIST_FIELDS)  # emailAddresses and businessPhones are written whole
    if kind is Kind.EVENT:
        return bool(request.fields & {"start", "end"})  # new times go in the event's own zones
    return False


def update(client: GraphClient, paths: KindPaths, requests: Sequence[UpdateRequest], zone: str) -> list[WriteOutcome]:
    needs_current = [r.id for r in requests if _needs_current(paths.kind, r)]
    current = fetch_items(client, paths, needs_current) if needs_current else {}
    subs: list[Sub] = []
    planned: list[tuple[int, int]] = []  # (request index, sub index)
    outcomes: dict[int, WriteOutcome] = {}
    for index, request in enumerate(requests):
        body = properties(paths.kind, request.record, request.fields, zone, current.get(request.id))
        if request.link and paths.kind is not Kind.TASK:
            body["singleValueExtendedProperties"] = _link.property_value(request.link)
        warnings = warnings_for(paths.kind, request.record, request.fields)
        if not body:
            outcomes[index] = WriteOutcome(ref=request.ref, id=request.id, version=request.base_version,
                                           warnings=warnings)
            continue
        planned.append((index, len(subs)))
        subs.append(Sub("PATCH", paths.item(request.id), body, _if_match(request.base_version), idempotent=False))
        if request.link and paths.kind is Kind.TASK:
            subs.append(Sub("POST", f"{paths.item(request.id)}/linkedResources",
                            _link.linked_resource(request.link), idempotent=False))
    results = client.batch(subs, operation=f"update {paths.kind.value}s") if subs else []
    for index, sub_index in planned:
        request = requests[index]
        outcomes[index] = _outcome(paths.kind, request.ref, results[sub_index],
                                   f"update {paths.kind.value} {request.id}",
                                   warnings_for(paths.kind, request.record, request.fields))
    return [outcomes[i] for i in range(len(requests))]


def delete(client: GraphClient, paths: KindPaths, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
    subs = [Sub("DELETE", paths.item(r.id), None, _if_match(r.base_version), idempotent=True) for r in requests]
    results = client.batch(subs, operation=f"delete {paths.kind.value}s")
    outcomes = []
    for request, result in zip(requests, results, strict=True):
        outcome = _outcome(paths.kind, request.ref, result, f"delete {paths.kind.value} {request.id}")
        # an item already gone (deleted by someone else, or by our own repeated delete) is deleted: a success
        gone = isinstance(outcome.error, NotFound)
        outcomes.append(WriteOutcome(ref=request.ref, id=request.id) if outcome.ok or gone else outcome)
    return outcomes
