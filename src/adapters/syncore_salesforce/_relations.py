"""Writing who an activity relates to: ``WhoId``/``WhatId`` and the relation rows, following the attendees.

**What syncore made, and only that, it may undo.** Salesforce keeps no mark of who created a relation row,
so the memory is the pair's base: an update that changes the attendees carries the base before it
(:attr:`~syncore.remote.UpdateRequest.previous`, the core's write-only field contract). A row is syncore's
to remove only when its person's address was an attendee of that base and is not one any more; a row for
anybody else (added by hand in Salesforce) is never touched. Deriving this from the base rather than keeping
a list of row ids needs no storage of the adapter's own, cannot drift from what the engine believes, and
survives a crash like the pair does (the engine retries the same merge from the same base).

Create (:meth:`Relations.create_fields`, :meth:`Relations.after_create`): the Who and What go into the create
payload; the other people become rows once the activity exists (one collections call per 200 rows).

Update (:meth:`Relations.plan_updates`, :meth:`Relations.finish_updates`): one query for the activities'
current ``WhoId``/``WhatId`` and one for their person rows, then, per activity:

* rows of removed attendees are deleted (an invitee's row only loses ``IsParent``, so the invitation stays);
* people newly wanted get a row (or ``IsParent`` on their invitee row);
* the Who is replaced when it was removed (or set when there was none); a Who set by hand stays;
* the What follows when it was syncore's (empty, or the Account the previous attendees gave); one set by hand
  stays;
* an activity made private loses its Who and What, even ones set by hand: Salesforce relates a private
  activity to nobody, so the privacy could not be written otherwise.

Relation failures never fail the activity (it is written); they come back as warnings on its outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from simple_salesforce import format_soql

from syncore.models import Kind, Record
from syncore.remote import RemoteRecord

from ._people import IgnoreList, PeopleDirectory, domain_of
from ._relate import MAX_CONTACTS, Policy, Wanted, unmatched_reason, wanted
from ._relation_rows import SPECS, RelationRows, Spec
from ._scope import Scope
from ._transport import Transport
from .converter import to18

__all__ = ["SPECS", "Relations", "Spec", "UpdatePlan"]


@attrs.frozen(kw_only=True)
class _Post:
    """What to do once one activity's update succeeded."""

    delete: tuple[str, ...] = ()
    unparent: tuple[str, ...] = ()
    reparent: tuple[str, ...] = ()
    create: tuple[str, ...] = ()


@attrs.define
class UpdatePlan:
    """Per request ref: fields to add to the activity's update, and what follows it."""

    fields: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    post: dict[str, tuple[str, _Post]] = attrs.field(factory=dict)
    warnings: dict[str, list[str]] = attrs.field(factory=dict)


class Relations:
    """The adapter's relating of events to people (see the module docstring)."""

    def __init__(
        self,
        transport: Transport,
        scope: Scope,
        *,
        enabled: bool,
        leads: bool,
        policy: Policy,
        ignore: Sequence[str],
        ignore_own_domain: bool,
        sleep: Callable[[float], None],
        backoff: float,
    ) -> None:
        self.transport = transport
        self.scope = scope
        self.enabled = enabled
        self.policy = policy
        self.people = PeopleDirectory(transport, leads=leads)
        self._ignore_entries = tuple(ignore)
        self._ignore_own_domain = ignore_own_domain
        self._ignore: IgnoreList | None = None
        self.io = RelationRows(transport, shared_activities=policy.shared_activities, sleep=sleep,
                               backoff=backoff)

    def spec(self, kind: Kind) -> Spec | None:
        """How ``kind`` relates to people, or None when it does not (contacts; relating switched off)."""
        return SPECS.get(Kind(kind)) if self.enabled else None

    def forget(self) -> None:
        """A new sync: people are looked up again."""
        self.people.forget()

    # -- who ------------------------------------------------------------------------------------------------
    def ignore_list(self) -> IgnoreList:
        """The ignore list with the user's own domain (read once: ``SELECT Email FROM User``)."""
        if self._ignore is None:
            own = None
            if self._ignore_own_domain:
                soql = format_soql("SELECT Email FROM User WHERE Id = {}", self.scope.owner_id)
                rows = self.transport.query_pages(soql, include_deleted=False, what="own email lookup")
                own = domain_of(str(rows[0].get("Email") or "")) if rows else None
            self._ignore = IgnoreList(self._ignore_entries, own)
        return self._ignore

    def wanted(self, spec: Spec, records: Sequence[Record]) -> list[Wanted]:
        """Who each record relates to; every address of the batch is looked up together."""
        emails = [tuple(getattr(r, spec.people_field, ())) for r in records]
        # the own domain costs a query: only asked for when some record has an address to check
        ignore = self.ignore_list() if any(emails) else IgnoreList(())
        lookups = {a for group in emails for a in group if not ignore.ignores(a)}
        people = self.people.resolve(lookups) if lookups else {}
        return [
            wanted(
                group,
                private=bool(getattr(r, "private", False)),
                people=people,
                ignore=ignore,
                policy=self.policy,
            )
            for group, r in zip(emails, records, strict=True)
        ]

    def unmatched(self, kind: Kind, records: Sequence[Record]) -> list[str | None]:
        """For ``require_match``: why each record relates to nobody (None: it relates to someone)."""
        spec = self.spec(kind)
        if Kind(kind) is Kind.CONTACT:
            return [None] * len(records)
        if spec is None:
            # nothing relates this kind to anybody (tasks carry no people yet; or relating is off)
            why = ("relate_activities is off" if not self.enabled
                   else f"syncore relates no {Kind(kind).value} to Salesforce people yet")
            return [f"{why}: nothing relates it to a Salesforce contact or lead (require_match)"] * len(records)
        return [
            unmatched_reason(w, private=bool(getattr(r, "private", False)), noun=spec.people_field)
            for w, r in zip(self.wanted(spec, records), records, strict=True)
        ]

    # -- create ---------------------------------------------------------------------------------------------
    @staticmethod
    def create_fields(want: Wanted) -> dict[str, Any]:
        """The Who and What a new activity is created with."""
        fields: dict[str, Any] = {}
        if want.who is not None:
            fields["WhoId"] = want.who.id
        if want.what is not None:
            fields["WhatId"] = want.what
        return fields

    def after_create(self, spec: Spec, created: Sequence[tuple[str, str, Wanted]]) -> dict[str, list[str]]:
        """Rows for everybody but the Who (Salesforce keeps the Who's own); warnings per ref."""
        rows = [
            (ref, {spec.parent_field: activity, "RelationId": person.id, **spec.row_flags})
            for ref, activity, want in created
            for person in want.people[1:]
        ]
        return self.io.create(spec, rows)

    # -- update ---------------------------------------------------------------------------------------------
    def plan_updates(self, spec: Spec, items: Sequence[tuple[str, str, Record, Record]]) -> UpdatePlan:
        """For ``(ref, activity id, record, previous)`` items: fields to add and rows to change afterwards."""
        plan = UpdatePlan()
        if not items:
            return plan
        new = self.wanted(spec, [record for _, _, record, _ in items])
        old = self.wanted(spec, [previous for _, _, _, previous in items])
        ids = [to18(activity) for _, activity, _, _ in items]
        current = self.io.current(spec, ids)
        rows = self.io.rows(spec, ids)
        for (ref, activity, record, previous), want, before in zip(items, new, old, strict=True):
            fields, post, warnings = self._reconcile(
                spec,
                record,
                previous,
                want,
                before,
                current.get(to18(activity), {}),
                rows.get(to18(activity), []),
            )
            if fields:
                plan.fields[ref] = fields
            if post != _Post():
                plan.post[ref] = (to18(activity), post)
            if warnings:
                plan.warnings[ref] = warnings
        return plan

    def _reconcile(
        self,
        spec: Spec,
        record: Record,
        previous: Record,
        want: Wanted,
        before: Wanted,
        current: dict[str, Any],
        rows: list[dict[str, Any]],
    ) -> tuple[dict[str, Any], _Post, list[str]]:
        now_emails = {a.lower() for a in getattr(record, spec.people_field, ())}
        if getattr(record, "private", False):
            now_emails = set()  # a private item keeps nobody syncore related
        removed = {a.lower() for a in getattr(previous, spec.people_field, ())} - now_emails
        by_relation = {to18(r["RelationId"]): r for r in rows if r.get("RelationId")}
        people_rows = [r for r in rows if not spec.has_flags or r.get("IsParent")]
        delete: list[str] = []
        unparent: list[str] = []
        for row in people_rows:
            email = str((row.get("Relation") or {}).get("Email") or "").lower()
            if email in removed and to18(row["RelationId"]) not in want.ids:
                # syncore related this attendee, who left the meeting: the relation goes (an invitation stays)
                (unparent if spec.has_flags and row.get("IsInvitee") else delete).append(row["Id"])
        gone = {to18(r["RelationId"]) for r in people_rows if r["Id"] in delete or r["Id"] in unparent}
        fields: dict[str, Any] = {}
        warnings = list(want.warnings)
        who = to18(current["WhoId"]) if current.get("WhoId") else None
        who_email = str((current.get("Who") or {}).get("Email") or "").lower()
        if who is not None and who_email in removed and who not in want.ids:
            gone.add(who)  # the Who is a removed attendee (the only way to tell without Shared Activities)
        new_who = want.who.id if want.who is not None else None
        private = bool(getattr(record, "private", False))
        if private and who is not None:
            # Salesforce relates a private activity to nobody: the Who goes, even one set by hand
            fields["WhoId"] = None
        elif (who is None or who in gone) and new_who is not None and new_who != who:
            # no Who, or syncore's Who left: the first wanted person takes the place (when nobody is wanted,
            # deleting the row lets Salesforce promote another Who, a hand-made one included)
            fields["WhoId"] = new_who
        elif who in gone and new_who is None and not self.policy.shared_activities:
            # syncore's Who left and nobody replaces it: without Shared Activities it has no row whose delete
            # would promote another, so the field itself is cleared
            fields["WhoId"] = None
        what = to18(current["WhatId"]) if current.get("WhatId") else None
        if what is None or what == before.what:
            # the What was syncore's (or empty): it follows the attendees; one set by hand stays
            if want.what != what:
                fields["WhatId"] = want.what
        elif private:
            fields["WhatId"] = None  # private: no What either, even one set by hand
        elif want.who is not None and want.who.is_lead and fields.get("WhoId") == want.who.id:
            fields.pop("WhoId")
            warnings.append(
                "the lead was not made the Who: the activity is related to a record set by hand, and "
                "Salesforce relates a lead only to activities without one"
            )
        kept_people = [r for r in people_rows if r["Id"] not in delete and r["Id"] not in unparent]
        room = (
            MAX_CONTACTS
            - len(kept_people)
            - (1 if fields.get("WhoId") and fields["WhoId"] not in by_relation else 0)
        )
        create: list[str] = []
        reparent: list[str] = []
        for person in want.people:
            if person.id == fields.get("WhoId"):
                continue  # Salesforce keeps the Who's own row
            existing = by_relation.get(person.id)
            if existing is None:
                create.append(person.id)
            elif spec.has_flags and not existing.get("IsParent"):
                reparent.append(existing["Id"])
        if len(create) > max(room, 0):
            warnings.append(
                f"{len(create) - max(room, 0)} attendee(s) not related: the activity already relates "
                f"to {len(kept_people)} people (Salesforce allows {MAX_CONTACTS} contacts)"
            )
            create = create[: max(room, 0)]
        post = _Post(
            delete=tuple(delete), unparent=tuple(unparent), reparent=tuple(reparent), create=tuple(create)
        )
        return fields, post, warnings

    def finish_updates(self, spec: Spec, plan: UpdatePlan, written: set[str]) -> dict[str, list[str]]:
        """The row changes of the activities whose update succeeded; warnings per ref."""
        warnings: dict[str, list[str]] = {ref: list(w) for ref, w in plan.warnings.items() if ref in written}
        done = {ref: post for ref, post in plan.post.items() if ref in written}
        deletions = [(ref, row_id) for ref, (_, post) in done.items() for row_id in post.delete]
        for ref, message in self.io.delete(spec, deletions):
            warnings.setdefault(ref, []).append(message)
        flags = [
            (ref, {"Id": row_id, "IsParent": False})
            for ref, (_, post) in done.items()
            for row_id in post.unparent
        ]
        flags += [
            (ref, {"Id": row_id, "IsParent": True})
            for ref, (_, post) in done.items()
            for row_id in post.reparent
        ]
        for ref, message in self.io.update(spec, flags):
            warnings.setdefault(ref, []).append(message)
        rows = [
            (ref, {spec.parent_field: activity, "RelationId": person, **spec.row_flags})
            for ref, (activity, post) in done.items()
            for person in post.create
        ]
        for ref, messages in self.io.create(spec, rows).items():
            warnings.setdefault(ref, []).extend(messages)
        return warnings

    def with_attendees(self, kind: Kind, items: Sequence[RemoteRecord]) -> list[RemoteRecord]:
        """Events carrying the addresses of the people they relate to (one query per 200 events). The version
        is left as it was: it never counts attendees (see the mapping's ``represent``)."""
        spec = self.spec(kind)
        if spec is None or not items:
            return list(items)
        emails = self.related_emails(spec, [item.id for item in items])
        return [attrs.evolve(item, record=item.record.replace(**{spec.people_field: emails[to18(item.id)]}))
                if emails.get(to18(item.id)) else item for item in items]

    def related_emails(self, spec: Spec, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The addresses of the people each activity relates to (its Who among them), by 18-character id."""
        if not self.policy.shared_activities:
            # one person per activity: the Who
            whos = self.io.current(spec, [to18(i) for i in ids])
            return {
                activity: (email,)
                for activity, row in whos.items()
                if (email := str((row.get("Who") or {}).get("Email") or "").lower())
            }
        rows = self.io.rows(spec, [to18(i) for i in ids])
        out: dict[str, tuple[str, ...]] = {}
        for activity, group in rows.items():
            emails = {
                str((r.get("Relation") or {}).get("Email") or "").lower()
                for r in group
                if not spec.has_flags or r.get("IsParent")
            }
            emails.discard("")
            if emails:
                out[activity] = tuple(sorted(emails))
        return out
