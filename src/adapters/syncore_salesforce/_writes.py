"""A batch of writes before and after it is sent: the payloads (:func:`prepare`), a contact's Account, an
event's Who, What and relations.

:class:`ContactWrites` and :class:`ActivityWrites` work on the batch as :func:`prepare` made it (per request
ref, the payload and its warnings, or the error outcome of a record refused before sending) and change it in
place, so the records go out in the same single collections call as before, with a few fields more:

* :class:`ContactWrites` puts the ``AccountId`` of each contact's company into its payload (one lookup for the
  batch, Accounts created as needed: :mod:`._accounts`); a contact whose Account could not be had fails alone;
* :class:`ActivityWrites` puts the ``WhoId``/``WhatId`` into new events and, once they exist, relates the
  others; on update it reconciles the relations with the attendees (:mod:`._relations`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from syncore.errors import RecordRejected, UnsupportedRecord
from syncore.models import Contact, Kind, Record
from syncore.remote import UpdateRequest, WriteOutcome

from ._accounts import AccountDirectory, name_key
from ._describe import DescribeCache
from ._mapping import Mapping as Mapping_
from ._mapping import WriteContext
from ._relate import Wanted
from ._relations import Relations, Spec, UpdatePlan

Prepared = dict[str, WriteOutcome | tuple[dict[str, Any], tuple[str, ...]]]


def prepare(mapping: Mapping_, describe: DescribeCache, link_field: str | None,
            items: list[tuple[str, Record, frozenset[str] | None, str | None]]) -> Prepared:
    """Payloads, or an error outcome for records Salesforce cannot take (checked before sending)."""
    prepared: Prepared = {}
    info = None
    for ref, record, fields, link in items:
        try:
            if info is None:
                info = describe.get(mapping.sobject)
            ctx = WriteContext(info=info, task_statuses=describe.task_statuses)
            payload = mapping.to_sf(record, fields, ctx)
            data = dict(payload.fields)
            if link is not None and link_field:
                data[link_field] = link
            too_long = info.too_long(data)
            if too_long:
                raise RecordRejected(
                    "; ".join(f"{mapping.sobject}.{name} is {size} characters, Salesforce allows {limit}"
                              for name, size, limit in too_long) + " (not truncated)",
                    code="STRING_TOO_LONG",
                )
            prepared[ref] = (data, payload.warnings)
        except (RecordRejected, UnsupportedRecord) as exc:
            prepared[ref] = WriteOutcome(ref=ref, error=exc)
    return prepared


def _add(prepared: Prepared, ref: str, fields: Mapping[str, Any], warnings: Sequence[str] = ()) -> None:
    item = prepared[ref]
    if isinstance(item, tuple):
        prepared[ref] = ({**item[0], **fields}, item[1] + tuple(warnings))


def _warn(outcomes: dict[str, WriteOutcome], warnings: Mapping[str, Sequence[str]]) -> None:
    for ref, messages in warnings.items():
        outcome = outcomes.get(ref)
        if outcome is not None and outcome.ok and messages:
            outcomes[ref] = attrs.evolve(outcome, warnings=outcome.warnings + tuple(messages))


class ContactWrites:
    """A contact's company as its ``AccountId``."""

    def __init__(self, accounts: AccountDirectory) -> None:
        self.accounts = accounts

    def before(
        self,
        kind: Kind,
        records: Mapping[str, Record],
        fields: Mapping[str, frozenset[str]] | None,
        prepared: Prepared,
    ) -> None:
        """Add ``AccountId`` to the contacts whose company is written (all of them on create)."""
        if kind is not Kind.CONTACT:
            return
        refs = [
            ref
            for ref, item in prepared.items()
            if isinstance(item, tuple) and (fields is None or "company" in fields[ref])
        ]
        companies = {ref: record.company for ref in refs if isinstance(record := records[ref], Contact)}
        choices = self.accounts.accounts_for(companies.values())
        for ref, company in companies.items():
            if not company.strip():
                if fields is not None:
                    _add(prepared, ref, {"AccountId": None})  # the company was cleared: so is the Account
                continue
            choice = choices[name_key(company)]
            if choice.error is not None:
                prepared[ref] = WriteOutcome(ref=ref, error=choice.error)
            elif choice.account_id is None and fields is not None:
                # a company that is no Account (create_accounts off): the old Account goes too, or its name
                # would read back and overwrite the new company on the other side
                _add(prepared, ref, {"AccountId": None}, [choice.warning] if choice.warning else [])
            else:
                _add(
                    prepared,
                    ref,
                    {"AccountId": choice.account_id} if choice.account_id else {},
                    [choice.warning] if choice.warning else [],
                )


class ActivityWrites:
    """An event's Who, What and relation rows around its create or update."""

    def __init__(self, relations: Relations) -> None:
        self.relations = relations

    def before_create(
        self, kind: Kind, records: Mapping[str, Record], prepared: Prepared
    ) -> dict[str, Wanted]:
        """Put the Who and What into the new records' payloads; what to relate once they exist, per ref."""
        spec = self.relations.spec(kind)
        if spec is None:
            return {}
        refs = [ref for ref, item in prepared.items() if isinstance(item, tuple)]
        wants = dict(zip(refs, self.relations.wanted(spec, [records[ref] for ref in refs]), strict=True))
        for ref, want in wants.items():
            _add(prepared, ref, self.relations.create_fields(want), want.warnings)
        return wants

    def after_create(
        self, kind: Kind, wants: Mapping[str, Wanted], outcomes: dict[str, WriteOutcome]
    ) -> None:
        """Relate the other people of the events that were created."""
        spec = self.relations.spec(kind)
        if spec is None:
            return
        created = [
            (ref, outcomes[ref].id, want)
            for ref, want in wants.items()
            if outcomes[ref].ok and outcomes[ref].id and len(want.people) > 1
        ]
        _warn(outcomes, self.relations.after_create(spec, created))  # type: ignore[arg-type]

    def before_update(
        self, kind: Kind, requests: Sequence[UpdateRequest], prepared: Prepared
    ) -> UpdatePlan | None:
        """Reconcile the relations of events whose attendees (or privacy) changed; their Who/What go into the
        payload, the row changes wait for :meth:`after_update`."""
        spec = self.relations.spec(kind)
        if spec is None:
            return None
        items = [
            (r.ref, r.id, r.record, r.previous or r.record)
            for r in requests
            if r.fields & {spec.people_field, "private"} and isinstance(prepared[r.ref], tuple)
        ]
        plan = self.relations.plan_updates(spec, items)
        for ref, fields in plan.fields.items():
            _add(prepared, ref, fields)
        return plan

    def after_update(self, kind: Kind, plan: UpdatePlan | None, outcomes: dict[str, WriteOutcome]) -> None:
        """The relation rows of the events whose update went through."""
        spec: Spec | None = self.relations.spec(kind)
        if spec is None or plan is None:
            return
        written = {ref for ref, outcome in outcomes.items() if outcome.ok}
        _warn(outcomes, self.relations.finish_updates(spec, plan, written))
