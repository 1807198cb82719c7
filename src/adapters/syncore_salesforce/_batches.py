"""Sending a batch of creates, updates or deletes through sObject Collections (200 records per call), with a
contact's Account and an event's Who, What and relation rows around it (:mod:`._writes`); each batch of
updates is checked against the versions it was planned against right before it is sent (:mod:`._conditional`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from syncore.errors import AdapterError
from syncore.models import Kind
from syncore.remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome

from . import _collections
from ._collections import MAX_WRITE_BATCH
from ._conditional import Conditions
from ._describe import DescribeCache
from ._mapping import Mapping as KindMapping
from ._mapping import content_version
from ._transport import Transport
from ._writes import ActivityWrites, ContactWrites, prepare
from .converter import to18


class BatchWrites:
    """The adapter's writes, one batch at a time (kinds are checked by the adapter)."""

    def __init__(self, transport: Transport, describe: DescribeCache, mappings: Mapping[Kind, KindMapping], *,
                 link_field: str | None, contacts: ContactWrites, activities: ActivityWrites,
                 conditions: Conditions, sleep: Callable[[float], None], backoff: float) -> None:
        self.transport = transport
        self.describe = describe
        self.mappings = mappings
        self.link_field = link_field
        self.contacts = contacts
        self.activities = activities
        self.conditions = conditions
        self._sleep = sleep
        self._backoff = backoff

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """Create records (upserts on ``link_field`` when set); events come with their Who, What and
        relations, contacts with their Account (see :mod:`._writes`)."""
        mapping = self.mappings[kind]
        prepared = prepare(mapping, self.describe, self.link_field,
                           [(r.ref, r.record, None, r.link) for r in requests])
        records = {r.ref: r.record for r in requests}
        self.contacts.before(kind, records, None, prepared)
        wants = self.activities.before_create(kind, records, prepared)
        outcomes: dict[str, WriteOutcome] = {ref: item for ref, item in prepared.items() if isinstance(item, WriteOutcome)}
        versions = {r.ref: content_version(mapping.represent(r.record)) for r in requests}
        ready = [(ref, item) for ref, item in prepared.items() if not isinstance(item, WriteOutcome)]
        upserts = [(ref, item) for ref, item in ready if self.link_field and item[0].get(self.link_field)]
        plain = [(ref, item) for ref, item in ready if not (self.link_field and item[0].get(self.link_field))]
        answered = False
        if upserts:
            answered = _collections.send_in_batches(
                mapping.sobject, upserts, outcomes, versions,
                lambda batch: _collections.upsert(self.transport, mapping.sobject, self.link_field, batch),  # type: ignore[arg-type]
                sleep=self._sleep, backoff=self._backoff)
        if plain:
            _collections.send_in_batches(
                mapping.sobject, plain, outcomes, versions,
                lambda batch: _collections.create(self.transport, mapping.sobject, batch),
                sleep=self._sleep, backoff=self._backoff, answered=answered)
        self.activities.after_create(kind, wants, outcomes)
        return [outcomes[r.ref] for r in requests]

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """Write the named fields; an attendee change re-relates the event (only what syncore made is undone:
        the request's ``previous`` base says what that was), a company change moves the contact's Account."""
        mapping = self.mappings[kind]
        prepared = prepare(mapping, self.describe, self.link_field,
                           [(r.ref, r.record, r.fields, r.link) for r in requests])
        self.contacts.before(kind, {r.ref: r.record for r in requests},
                                    {r.ref: r.fields for r in requests}, prepared)
        plan = self.activities.before_update(kind, requests, prepared)
        outcomes: dict[str, WriteOutcome] = {}
        ready = []
        ids = {r.ref: to18(r.id) for r in requests}
        # The record after the write is the engine's record (its unnamed fields are what Salesforce has); when
        # that guess is wrong, the echo differs in version only and the engine compares contents.
        versions = {r.ref: content_version(mapping.represent(r.record)) for r in requests}
        for ref, item in prepared.items():
            if isinstance(item, WriteOutcome):
                outcomes[ref] = item
            elif not item[0]:
                # Nothing the record itself stores changed (e.g. only attendees: rows): no call needed.
                outcomes[ref] = WriteOutcome(ref=ref, id=ids[ref], version=versions[ref], warnings=item[1])
            else:
                ready.append((ref, ({"Id": ids[ref], **item[0]}, item[1])))
        if ready:
            by_ref = {r.ref: r for r in requests}
            _collections.send_in_batches(
                mapping.sobject, ready, outcomes, versions,
                lambda batch: _collections.update(self.transport, mapping.sobject, batch),
                sleep=self._sleep, backoff=self._backoff,
                guard=lambda refs: self.conditions.check(kind, [by_ref[ref] for ref in refs], versions, outcomes))
        self.activities.after_update(kind, plan, outcomes)
        return [outcomes[r.ref] for r in requests]

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        mapping = self.mappings[kind]
        outcomes: dict[str, WriteOutcome] = {}
        ids = [to18(r.id) for r in requests]
        for start in range(0, len(requests), MAX_WRITE_BATCH):
            chunk = list(range(start, min(start + MAX_WRITE_BATCH, len(requests))))
            try:
                results = _collections.with_lock_retries(
                    lambda idx, chunk=chunk: _collections.delete(self.transport, mapping.sobject,
                                                                 [ids[chunk[i]] for i in idx]),
                    len(chunk), sleep=self._sleep, backoff=self._backoff,
                )
            except AdapterError as exc:
                if start == 0:
                    raise  # nothing deleted yet: the whole call failed
                _collections.fail_rest([r.ref for r in requests[start:]], len(chunk), exc, outcomes)
                break
            for i, result in zip(chunk, results, strict=True):
                ref = requests[i].ref
                codes = {e.get("statusCode") for e in result.get("errors") or []}
                if result.get("success") or codes & {"ENTITY_IS_DELETED"}:
                    # Already in the Recycle Bin counts as deleted.
                    outcomes[ref] = WriteOutcome(ref=ref, id=ids[i])
                else:
                    outcomes[ref] = WriteOutcome(ref=ref, error=_collections.error_of(result, mapping.sobject))
        return [outcomes[r.ref] for r in requests]
