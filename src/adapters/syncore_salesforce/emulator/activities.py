"""Save rules that need the rest of the org: who an activity relates to, and the rows that say so.

Object Reference pages this module follows (cited again by the fidelity tests):

* EventRelation: https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-eventrelation.html
  - with Shared Activities a row is an invitee (``IsInvitee``), a related contact or lead (``IsParent``), or a
    related record such as an account (``IsWhat``); an event relates to **up to 50 contacts or one lead**,
    and a person who is both has one row with both flags;
  - a non-recurring event has **up to 1,000 invitees**, a recurring one up to 100;
  - without Shared Activities rows are invitees only, and an event relates to one contact or lead (its WhoId);
  - deleting the row of the event's WhoId **promotes another Who** of the event; deleting an event deletes its
    relations; "An EventRelation object can't be created for a child event".
* TaskRelation: https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-taskrelation.html
  - only with Shared Activities; one lead or up to 50 contacts, plus one What; ``IsWhat`` "is false if
    RelationId is a contact or lead and true otherwise"; a directly deleted row is not in the Recycle Bin.
* Event / Task ``AccountId``: "If the value of WhatId is [an] Account, Opportunity, Contract [...]
  Salesforce uses that object's AccountId [...] If the value of the WhatId field is any other object, and the
  value of the WhoId field is a Contact object, then Salesforce uses that contact's AccountId [...]
  Otherwise [...] null"
  (https://developer.salesforce.com/docs/atlas.en-us.224.0.object_reference.meta/object_reference/sforce_api_objects_event.htm).
* Event / Task ``WhatId``: a lead as the Who leaves no room for a What (Object Reference, Task and Event
  WhatId; secondary: https://rioeducation.com/salesforce-activity-whatid-whoid/).
* Lead: ``LastName`` and ``Company`` required (describe); a converted lead cannot be updated
  (``CANNOT_UPDATE_CONVERTED_LEAD`` in the API's StatusCode list).

The error codes of the limits and of a Who/What mix are not documented: those carry an ``(unverified)``
comment, as do the defaults of a row created with no flag, the row Salesforce keeps for the WhoId itself, and
which Who is promoted (the oldest remaining row here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .errors import RecordError
from .ids import MalformedId, to18
from .rules import RuleSettings
from .schema import Schema, SObjectDef
from .store import Store

#: "An event can be related to up to 50 contacts or one lead" (EventRelation, TaskRelation)
MAX_RELATED_CONTACTS = 50
MAX_RELATED_LEADS = 1
#: "A non-recurring event can have up to 1,000 invitees. A recurring event can have up to 100 invitees."
MAX_INVITEES = 1000
MAX_RECURRING_INVITEES = 100

PEOPLE = frozenset({"Contact", "Lead"})
#: the objects whose id an invitee row may hold
INVITEES = frozenset({"Contact", "Lead", "User", "Calendar"})
#: each relation object: its parent activity and the field naming it
RELATION_OBJECTS = {"EventRelation": ("Event", "EventId"), "TaskRelation": ("Task", "TaskId")}
ACTIVITY_RELATIONS = {activity: relation for relation, (activity, _) in RELATION_OBJECTS.items()}


def _integrity(message: str, fields: list[str]) -> RecordError:
    return RecordError("FIELD_INTEGRITY_EXCEPTION", message, fields)


class ActivityRelations:
    """The org-wide save rules of Lead, Event, Task, EventRelation and TaskRelation.

    ``check`` runs before a record is stored (it may derive fields and raises :class:`RecordError`),
    ``after_save`` and ``after_delete`` keep the relation rows and the activity's Who in step. Rows it writes
    go through ``create`` (the writer's own pipeline, trusted), so every rule applies to them as well.
    """

    def __init__(
        self,
        store: Store,
        schema: Schema,
        settings: RuleSettings,
        create: Callable[[SObjectDef, dict[str, Any], str], str],
    ) -> None:
        self.store = store
        self.schema = schema
        self.settings = settings
        self.create = create

    # -- lookups ---------------------------------------------------------------------------------------------
    def _live(self, raw_id: Any) -> tuple[SObjectDef, dict[str, Any]] | None:
        if not raw_id:
            return None
        return self.store.lookup(str(raw_id))

    def _type(self, raw_id: Any) -> str | None:
        try:
            obj = self.schema.by_prefix(to18(str(raw_id))[:3]) if raw_id else None
        except MalformedId:
            return None
        if obj is None and raw_id and str(raw_id).startswith("023"):
            return "Calendar"
        return obj.name if obj is not None else None

    def _rows(self, relation: str, parent_field: str, parent_id: str) -> list[dict[str, Any]]:
        obj = self.schema.get(relation)
        if obj is None:
            return []
        return [
            r
            for r in self.store.table(obj).values()
            if r.get(parent_field) == parent_id and not r.get("IsDeleted")
        ]

    def _account_of(self, raw_id: Any) -> str | None:
        """The Account an id leads to: itself for an Account, the AccountId of a record that has one."""
        found = self._live(raw_id)
        if found is None:
            return None
        obj, rec = found
        if obj.name == "Account":
            return rec["Id"]
        return rec.get("AccountId") if obj.field("AccountId") is not None and obj.name != "Event" else None

    # -- before the save -------------------------------------------------------------------------------------
    def check(
        self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any] | None, written: set[str]
    ) -> None:
        if obj.name == "Lead" and old is not None and old.get("IsConverted") and written - {"Id"}:
            # "CANNOT_UPDATE_CONVERTED_LEAD" (StatusCode list); the message is (unverified)
            raise RecordError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
        if obj.name == "Lead":
            rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
        elif obj.name in ACTIVITY_RELATIONS:
            self._check_activity(rec, old, written)
        elif obj.name in RELATION_OBJECTS:
            self._check_relation(obj, rec, old, written)

    def _check_activity(self, rec: dict[str, Any], old: dict[str, Any] | None, written: set[str]) -> None:
        for name in ("WhoId", "WhatId"):
            if name in written and rec.get(name) and self._live(rec[name]) is None:
                # (unverified) code and message for a Who/What naming no live record
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {rec[name]}", [name]
                )
        if rec.get("WhatId") and self._type(rec.get("WhoId")) == "Lead" and written & {"WhoId", "WhatId"}:
            # a lead as the Who leaves the What empty (Object Reference, WhatId); code, message (unverified)
            raise _integrity(
                "Lead cannot be related to a What record (WhatId must be empty when WhoId is a lead).",
                ["WhatId"],
            )
        if old is None or written & {"WhoId", "WhatId"}:
            # Object Reference, AccountId: the What's account first, then the (primary) contact's
            account = self._account_of(rec.get("WhatId")) if rec.get("WhatId") else None
            if account is None and self._type(rec.get("WhoId")) == "Contact":
                account = self._account_of(rec.get("WhoId"))
            rec["AccountId"] = account

    def _check_relation(
        self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any] | None, written: set[str]
    ) -> None:
        activity, parent_field = RELATION_OBJECTS[obj.name]
        parent = self._live(rec.get(parent_field))
        if parent is None or parent[0].name != activity:
            # (unverified) code and message for a relation to no live activity
            raise RecordError(
                "INVALID_CROSS_REFERENCE_KEY",
                f"invalid cross reference id: {rec.get(parent_field)}",
                [parent_field],
            )
        event = parent[1]
        if event.get("IsChild"):
            # "An EventRelation object can't be created for a child event"; the code is (unverified)
            raise _integrity("An EventRelation can't be created for a child event.", [parent_field])
        kind = self._type(rec.get("RelationId"))
        if kind != "Calendar" and self._live(rec.get("RelationId")) is None:
            raise RecordError(
                "INVALID_CROSS_REFERENCE_KEY",
                f"invalid cross reference id: {rec.get('RelationId')}",
                ["RelationId"],
            )
        person = kind in INVITEES
        if old is None:
            # TaskRelation: "Value is false if RelationId is a contact or lead and true otherwise"
            rec["IsWhat"] = not person
            if (
                obj.name == "EventRelation"
                and person
                and "IsParent" not in written
                and "IsInvitee" not in written
            ):
                # (unverified) a row given no flag is an invitation, the object's first meaning
                rec["IsInvitee"] = True
        is_parent = obj.name == "TaskRelation" or bool(rec.get("IsParent"))
        if not self.settings.shared_activities and (
            rec.get("IsWhat") or (obj.name == "EventRelation" and rec.get("IsParent"))
        ):
            # without Shared Activities, rows only represent invitees; the code is (unverified)
            raise RecordError(
                "FUNCTIONALITY_NOT_ENABLED",
                "Relating several records to an activity requires Shared Activities.",
                ["IsParent" if rec.get("IsParent") else "RelationId"],
            )
        if obj.name == "EventRelation" and rec.get("IsParent") and kind not in PEOPLE:
            raise _integrity("Only a contact or a lead can be related to an event as a Name.", ["IsParent"])
        siblings = [
            r for r in self._rows(obj.name, parent_field, rec[parent_field]) if r.get("Id") != rec.get("Id")
        ]
        relation_id = to18(str(rec["RelationId"])) if kind != "Calendar" else None
        if relation_id is not None and any(r.get("RelationId") == relation_id for r in siblings):
            # one row per person and activity; the code is (unverified)
            raise RecordError(
                "DUPLICATE_VALUE",
                "duplicate value found: RelationId duplicates a relation of this activity",
                ["RelationId"],
            )
        if is_parent and kind in PEOPLE and not rec.get("IsWhat"):
            self._check_who_limits(obj, rec, siblings, kind)
        if obj.name == "EventRelation" and rec.get("IsInvitee"):
            recurring = bool(event.get("IsRecurrence") or event.get("IsRecurrence2"))
            limit = MAX_RECURRING_INVITEES if recurring else MAX_INVITEES
            if 1 + sum(1 for r in siblings if r.get("IsInvitee")) > limit:
                # the limit is documented; the code is (unverified)
                raise RecordError(
                    "LIMIT_EXCEEDED",
                    f"An event can't have more than {limit} invitees"
                    f"{' (recurring event)' if recurring else ''}.",
                    ["RelationId"],
                )
        rec["AccountId"] = self._account_of(rec.get("RelationId"))

    def _check_who_limits(
        self, obj: SObjectDef, rec: dict[str, Any], siblings: list[dict[str, Any]], kind: str | None
    ) -> None:
        whos = [
            self._type(r.get("RelationId"))
            for r in siblings
            if (obj.name == "TaskRelation" or r.get("IsParent")) and not r.get("IsWhat")
        ]
        contacts = whos.count("Contact") + (kind == "Contact")
        leads = whos.count("Lead") + (kind == "Lead")
        if leads and contacts:
            # "up to 50 contacts or one lead": never both; the code is (unverified)
            raise _integrity(
                "An activity can be related to up to 50 contacts or one lead, not both.", ["RelationId"]
            )
        if contacts > MAX_RELATED_CONTACTS or leads > MAX_RELATED_LEADS:
            raise _integrity("An activity can be related to up to 50 contacts or one lead.", ["RelationId"])

    # -- after the save --------------------------------------------------------------------------------------
    def after_save(
        self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any] | None, user_id: str
    ) -> None:
        if (
            obj.name == "EventRelation"
            and old is not None
            and old.get("IsParent")
            and not rec.get("IsParent")
        ):
            self._promote(obj, old, user_id)  # the Who's row stopped being a Name: as if it went
            return
        relation = ACTIVITY_RELATIONS.get(obj.name)
        if relation is None or not self.settings.shared_activities or self.schema.get(relation) is None:
            return
        _, parent_field = RELATION_OBJECTS[relation]
        rel_obj = self.schema.get(relation)
        assert rel_obj is not None
        rows = self._rows(relation, parent_field, rec["Id"])
        who, old_who = rec.get("WhoId"), (old or {}).get("WhoId")
        if who and who != old_who:
            # (unverified, implied by "the EventRelation record representing the WhoId") the Who has a row
            existing = next((r for r in rows if r.get("RelationId") == who), None)
            if existing is None:
                payload = {parent_field: rec["Id"], "RelationId": who}
                if relation == "EventRelation":
                    payload.update(IsParent=True, IsInvitee=False)
                self.create(rel_obj, payload, user_id)
            elif relation == "EventRelation" and not existing.get("IsParent"):
                self.store.put(rel_obj, {**existing, "IsParent": True})
        what, old_what = rec.get("WhatId"), (old or {}).get("WhatId")
        if what != old_what:
            # one What per activity (WhatCount <= 1): its row follows the field (unverified)
            for row in rows:
                if row.get("IsWhat") and row.get("RelationId") != what:
                    self.store.remove(rel_obj, row["Id"])
            if what and not any(r.get("RelationId") == what for r in rows):
                self.create(rel_obj, {parent_field: rec["Id"], "RelationId": what}, user_id)

    def after_delete(self, obj: SObjectDef, rec: dict[str, Any], now: datetime, user_id: str) -> None:
        relation = ACTIVITY_RELATIONS.get(obj.name)
        if relation is not None and self.schema.get(relation) is not None:
            # "If you delete an event, then relations between the event and [...] are also deleted" (cascade:
            # they go to the Recycle Bin with it)
            rel_obj = self.schema.get(relation)
            assert rel_obj is not None
            for row in self._rows(relation, RELATION_OBJECTS[relation][1], rec["Id"]):
                self.store.put(rel_obj, {**row, "IsDeleted": True, "SystemModstamp": now})
            return
        if obj.name not in RELATION_OBJECTS:
            return
        # a relation deleted by itself is not kept in the Recycle Bin (TaskRelation, IsDeleted)
        self.store.remove(obj, rec["Id"])
        self._promote(obj, rec, user_id)

    def _promote(self, obj: SObjectDef, row: dict[str, Any], user_id: str) -> None:
        """The activity's Who or What after its row went: another Who is promoted, a What is cleared."""
        _, parent_field = RELATION_OBJECTS[obj.name]
        found = self._live(row.get(parent_field))
        if found is None:
            return
        activity_obj, activity = found
        changes: dict[str, Any] = {}
        if activity.get("WhoId") == row.get("RelationId"):
            # "another Who, if any, from the event's EventWhoIds field will be promoted to the WhoId"; which
            # one is (unverified): the oldest remaining row here
            whos = sorted(
                (
                    r
                    for r in self._rows(obj.name, parent_field, activity["Id"])
                    if self._type(r.get("RelationId")) in PEOPLE
                    and not r.get("IsWhat")
                    and (obj.name == "TaskRelation" or r.get("IsParent"))
                ),
                key=lambda r: (r.get("CreatedDate") or datetime.min, r["Id"]),
            )
            changes["WhoId"] = whos[0]["RelationId"] if whos else None
        if activity.get("WhatId") == row.get("RelationId") and row.get("IsWhat"):
            changes["WhatId"] = None  # "the corresponding relation field may be cleared on the event"
        if changes:
            updated = {**activity, **changes}
            self._check_activity(updated, activity, set(changes))
            self.store.put(activity_obj, updated)
