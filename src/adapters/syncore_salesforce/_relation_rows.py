"""Reading and writing relation rows: the activities' Who/What, their person rows, and row creates, flag
changes and deletes in collections of 200 (see :mod:`._relations` for what is decided).

Without Shared Activities ``EventRelation`` rows are invitees only and its ``IsParent``, ``IsWhat``,
``IsInvitee`` and ``AccountId`` fields are not visible ("IsParent is visible when Shared Activities is
enabled", Object Reference, EventRelation): no person rows exist, so none are read, and the Who's address
comes from the activity itself (``Who.Email``, the polymorphic Name relationship).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from simple_salesforce import format_soql

from syncore.errors import AdapterError
from syncore.models import Kind

from . import _collections
from ._scope import IN_QUERY_CHUNK
from ._transport import Transport
from .converter import to18
from .errors import GONE_RECORD_CODES


@attrs.frozen(kw_only=True)
class Spec:
    """How one kind relates to people in Salesforce."""

    kind: Kind
    sobject: str
    relation: str
    parent_field: str
    #: the record field holding the people's addresses
    people_field: str
    #: flags of a row syncore creates for a related (not invited) person
    row_flags: dict[str, bool] = attrs.field(factory=dict)
    #: whether rows carry IsParent / IsInvitee (EventRelation) or are all people rows (TaskRelation)
    has_flags: bool = False


#: a relation create refused because the row exists (the event was upserted again): nothing is missing
ALREADY_THERE = frozenset({"DUPLICATE_VALUE"})

SPECS: dict[Kind, Spec] = {
    Kind.EVENT: Spec(
        kind=Kind.EVENT,
        sobject="Event",
        relation="EventRelation",
        parent_field="EventId",
        people_field="attendees",
        row_flags={"IsParent": True, "IsInvitee": False},
        has_flags=True,
    ),
}


class RelationRows:
    """The relation reads and writes of one adapter."""

    def __init__(self, transport: Transport, *, shared_activities: bool, sleep: Callable[[float], None],
                 backoff: float) -> None:
        self.transport = transport
        self.shared_activities = shared_activities
        self._sleep = sleep
        self._backoff = backoff

    def current(self, spec: Spec, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each activity's ``WhoId``, ``WhatId`` and ``Who.Email``, by 18-character id."""
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), IN_QUERY_CHUNK):
            soql = format_soql(
                f"SELECT Id, WhoId, WhatId, Who.Email FROM {spec.sobject} WHERE Id IN {{}}",
                ids[start : start + IN_QUERY_CHUNK],
            )
            for row in self.transport.query_pages(
                soql, include_deleted=False, what=f"{spec.sobject} relations"
            ):
                out[to18(row["Id"])] = row
        return out

    def rows(self, spec: Spec, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each activity's person rows (not its What), by 18-character id; none without Shared Activities."""
        if not self.shared_activities:
            return {}  # rows are invitees only, and their flags are not even visible: no relation of ours
        flags = "IsParent, IsInvitee, " if spec.has_flags else ""
        out: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(ids), IN_QUERY_CHUNK):
            soql = format_soql(
                f"SELECT Id, {spec.parent_field}, RelationId, {flags}Relation.Email FROM {spec.relation} "
                f"WHERE {spec.parent_field} IN {{}} AND IsWhat = false",
                ids[start : start + IN_QUERY_CHUNK],
            )
            for row in self.transport.query_pages(soql, include_deleted=False, what=f"{spec.relation} read"):
                out.setdefault(to18(row[spec.parent_field]), []).append(row)
        return out

    def create(self, spec: Spec, rows: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
        """Create person rows; warnings per ref for those that could not be made."""
        warnings: dict[str, list[str]] = {}
        # a row already there (an upsert that found its event again, or a retry of a create whose answer was
        # lost) is what was wanted: so a create with no answer can be sent again
        for ref, row, problem in self._write(spec, _create_again_if_unanswered, rows, done=ALREADY_THERE):
            warnings.setdefault(ref, []).append(f"{row['RelationId']} not related: {problem}")
        return warnings

    def update(self, spec: Spec, rows: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
        """Change rows' flags; ``(ref, problem)`` for those not changed."""
        return [(ref, f"relation {row['Id']} not changed: {problem}")
                for ref, row, problem in self._write(spec, _collections.update, rows)]

    def delete(self, spec: Spec, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Delete rows by id; ``(ref, problem)`` for those not deleted."""
        # a row already gone is what a delete wants
        failed = self._write(spec, _collections.delete, rows, done=GONE_RECORD_CODES)
        return [(ref, f"relation {row_id} not removed: {problem}") for ref, row_id, problem in failed]

    def _write(self, spec: Spec, call: Callable[[Transport, str, Any], list[dict[str, Any]]],
               items: Sequence[tuple[str, Any]], *,
               done: frozenset[str] = frozenset()) -> list[tuple[str, Any, str]]:
        """Send ``(ref, item)`` items 200 per call; the ``(ref, item, problem)`` of those that failed.

        A whole call that fails is every row's problem; rows refused with a code in ``done`` count as done.
        """
        failed: list[tuple[str, Any, str]] = []
        for start in range(0, len(items), _collections.MAX_WRITE_BATCH):
            chunk = items[start : start + _collections.MAX_WRITE_BATCH]
            send = _sender(call, self.transport, spec.relation, [item for _, item in chunk])
            try:
                results = _collections.with_lock_retries(send, len(chunk), sleep=self._sleep,
                                                         backoff=self._backoff)
            except AdapterError as exc:
                failed += [(ref, item, str(exc)) for ref, item in chunk]
                continue
            for (ref, item), result in zip(chunk, results, strict=True):
                codes = {e.get("statusCode") for e in result.get("errors") or []}
                if not result.get("success") and not codes & done:
                    failed.append((ref, item, str(_collections.error_of(result, spec.relation))))
        return failed


def _sender(call: Callable[[Transport, str, Any], list[dict[str, Any]]], transport: Transport, sobject: str,
            items: Sequence[Any]) -> Callable[[list[int]], list[dict[str, Any]]]:
    """``call`` for the items at the given indexes (what :func:`._collections.with_lock_retries` sends)."""
    return lambda indexes: call(transport, sobject, [items[i] for i in indexes])


def _create_again_if_unanswered(transport: Transport, sobject: str,
                                rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A relation create the transport may repeat after a dropped connection or a 5xx: one row per person and
    activity, so a repeat is refused with DUPLICATE_VALUE (counted as done), never doubled."""
    return _collections.create(transport, sobject, rows, idempotent=True)
