"""Relationship fields in SOQL: ``Account.Name``, ``Owner.Name``, ``Who.Email``, ``What.Type`` (reference §7.3).

https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm
A path walks child-to-parent relationships by their ``relationshipName`` (up to five levels). A polymorphic
relationship (``Who``, ``What``, ``Owner`` of an activity: several ``referenceTo`` objects) leads to the
``Name`` object, whose few fields (``Name``, ``Type``, ``Email`` ...) are read from whichever record the id
names; ``Type`` is that record's object name. In query results a relationship is a nested record with its own
``attributes``, or ``null`` when the reference is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .schema import FieldDef, Schema, SObjectDef
from .soql_lexer import SoqlError
from .store import field_value

MAX_DEPTH = 5  # "you can traverse up to five levels" (relationship query limits)

# The Name object's fields a polymorphic relationship exposes (Object Reference, "Name").
_NAME_FIELDS = {
    "Id": "id",
    "Name": "string",
    "Type": "picklist",
    "Alias": "string",
    "Email": "email",
    "FirstName": "string",
    "LastName": "string",
    "IsActive": "boolean",
    "Phone": "phone",
    "Title": "string",
    "Username": "string",
}
NAME_OBJECT = SObjectDef.from_describe(
    {
        "name": "Name",
        "keyPrefix": None,
        "fields": [
            {"name": n, "label": n, "type": t, "length": 255, "filterable": True, "sortable": True}
            for n, t in _NAME_FIELDS.items()
        ],
    }
)

#: id -> (object, stored record) or None; the store's lookup across all objects.
Lookup = Callable[[str], "tuple[SObjectDef, dict[str, Any]] | None"]


@dataclass(frozen=True)
class Hop:
    """One relationship step: the reference field followed and the object it leads to (NAME_OBJECT if several)."""

    reference: FieldDef
    target: SObjectDef

    @property
    def name(self) -> str:
        return self.reference.raw["relationshipName"]


@dataclass(frozen=True)
class FieldPath:
    """A resolved field reference: relationship hops, then a field of the last object."""

    hops: tuple[Hop, ...]
    field: FieldDef

    @property
    def is_simple(self) -> bool:
        return not self.hops

    def value(self, rec: dict[str, Any], lookup: Lookup) -> Any:
        """The field's value on *rec*, following the hops (``None`` past an empty or dangling reference)."""
        current_obj: SObjectDef | None = None
        current = rec
        for hop in self.hops:
            target = lookup(current.get(hop.reference.name) or "")
            if target is None:
                return None
            current_obj, current = target
        if self.hops and self.hops[-1].target is NAME_OBJECT:
            return name_value(current_obj, current, self.field.name)
        return field_value(current, self.field)


def name_value(obj: SObjectDef | None, rec: dict[str, Any], field_name: str) -> Any:
    """A Name-object field of a record of any object."""
    if field_name == "Type":
        return obj.name if obj is not None else None
    fdef = obj.field(field_name) if obj is not None else None
    return rec.get(fdef.name) if fdef is not None else None


def resolve(schema: Schema, obj: SObjectDef, dotted: str, soql: str, pos: int) -> FieldPath:
    """Resolve ``Account.Owner.Name`` on *obj*; INVALID_FIELD names what does not exist."""
    *rels, last = dotted.split(".")
    if rels and rels[0].lower() == obj.name.lower():
        rels = rels[1:]  # a path may start with the queried object's own name
    if len(rels) > MAX_DEPTH:
        raise SoqlError("MALFORMED_QUERY", f"relationship path too deep: {dotted}", soql, pos)
    hops: list[Hop] = []
    current = obj
    for rel in rels:
        reference = next(
            (
                f
                for f in current.fields.values()
                if f.type == "reference" and (f.raw.get("relationshipName") or "").lower() == rel.lower()
            ),
            None,
        )
        if reference is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom "
                f"relationship, be sure to append the '__r' after the custom relationship name. Please reference "
                f"your WSDL or the describe call for the appropriate names.",
                soql,
                pos,
            )
        targets = reference.raw.get("referenceTo") or []
        target = schema.get(targets[0]) if len(targets) == 1 else NAME_OBJECT
        if target is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"The emulator has no {targets[0]} object behind relationship '{rel}'",
                soql,
                pos,
            )
        hops.append(Hop(reference, target))
        current = target
    fdef = current.field(last)
    if fdef is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{last}' on entity '{current.name}'. If you are attempting to use a custom field, "
            f"be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe "
            f"call for the appropriate names.",
            soql,
            pos,
        )
    return FieldPath(tuple(hops), fdef)
