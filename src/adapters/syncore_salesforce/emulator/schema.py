"""sObject schemas loaded from the checked-in describe fixtures, with case-insensitive lookup."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .ids import KEY_PREFIXES

FIXTURE_OBJECTS = (
    "Event", "Task", "Contact", "TaskStatus", "Account", "User", "Lead", "EventRelation", "TaskRelation",
)

# Field types whose values are text and therefore subject to `length`.
TEXT_TYPES = frozenset(
    {"string", "textarea", "combobox", "picklist", "multipicklist", "email", "phone", "url"}
)


@dataclass
class FieldDef:
    """One field of a describe result (the raw describe entry is kept in ``raw``)."""

    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return self.raw["name"]

    @property
    def label(self) -> str:
        return self.raw["label"]

    @property
    def type(self) -> str:
        return self.raw["type"]

    @property
    def length(self) -> int:
        return int(self.raw.get("length") or 0)

    def __getattr__(self, key: str) -> Any:
        # Gives read access to the remaining describe keys (nillable, createable, ...).
        try:
            return self.raw[key]
        except KeyError as exc:
            raise AttributeError(key) from exc

    def picklist_values(self, active_only: bool = True) -> list[str]:
        """The picklist API values."""
        return [p["value"] for p in self.raw.get("picklistValues", []) if p["active"] or not active_only]

    def picklist_default(self) -> str | None:
        """The default picklist value, if the describe names one."""
        for p in self.raw.get("picklistValues", []):
            if p.get("defaultValue"):
                return p["value"]
        return None


@dataclass
class SObjectDef:
    """An sObject type: its describe and its fields in describe order."""

    describe: dict[str, Any]
    fields: dict[str, FieldDef] = field(default_factory=dict)  # lower-cased name -> field

    @classmethod
    def from_describe(cls, describe: dict[str, Any]) -> SObjectDef:
        obj = cls(describe=describe)
        for raw in describe["fields"]:
            obj.fields[raw["name"].lower()] = FieldDef(raw)
        return obj

    @property
    def name(self) -> str:
        return self.describe["name"]

    @property
    def key_prefix(self) -> str:
        return self.describe["keyPrefix"]

    def field(self, name: str) -> FieldDef | None:
        """Case-insensitive field lookup; ``None`` if unknown."""
        return self.fields.get(name.lower())

    def field_names(self) -> list[str]:
        """All field names in schema casing and describe order."""
        return [f.name for f in self.fields.values()]

    def add_field(self, raw: dict[str, Any]) -> FieldDef:
        """Register a field (e.g. a custom External ID) on this object."""
        fdef = FieldDef(raw)
        self.fields[fdef.name.lower()] = fdef
        self.describe["fields"].append(raw)
        return fdef

    def drop_fields(self, names: tuple[str, ...]) -> None:
        """Hide fields an org setting makes invisible: unknown to describe, queries and writes."""
        hidden = {n.lower() for n in names}
        for name in hidden:
            self.fields.pop(name, None)
        self.describe["fields"] = [f for f in self.describe["fields"] if f["name"].lower() not in hidden]


def load_fixture(name: str) -> dict[str, Any]:
    """Read ``describe/<name>.json`` shipped with the package."""
    text = resources.files(__package__).joinpath("describe", f"{name}.json").read_text("utf-8")
    return json.loads(text)


#: Recurrence2PatternText and its companions are createable from API v52.0 (reference §1.4; read-only v44-v51)
LIGHTNING_SERIES_API = 52.0
LIGHTNING_PATTERN_FIELDS = ("Recurrence2PatternText", "Recurrence2PatternVersion", "Recurrence2PatternTimeZone",
                            "Recurrence2PatternStartDate")


def _read_only(describe: dict[str, Any], names: tuple[str, ...]) -> None:
    for fdef in describe["fields"]:
        if fdef["name"] in names:
            fdef["createable"] = False


class Schema:
    """All sObject types the emulator serves, looked up case-insensitively."""

    def __init__(self, api_version: str, *, lightning_series: bool = True) -> None:
        self.api_version = api_version
        self.objects: dict[str, SObjectDef] = {}
        for name in FIXTURE_OBJECTS:
            describe = load_fixture(name)
            self._retarget_urls(describe)
            if name == "Event" and (float(api_version) < LIGHTNING_SERIES_API or not lightning_series):
                _read_only(describe, LIGHTNING_PATTERN_FIELDS)
            self.objects[name.lower()] = SObjectDef.from_describe(describe)

    def _retarget_urls(self, describe: dict[str, Any]) -> None:
        # Fixtures are recorded against v59.0; rewrite to the emulator's version.
        describe["urls"] = {
            k: v.replace("/v59.0/", f"/v{self.api_version}/") for k, v in describe.get("urls", {}).items()
        }

    def get(self, name: str) -> SObjectDef | None:
        """Case-insensitive object lookup; ``None`` if unknown."""
        return self.objects.get(name.lower())

    def by_prefix(self, prefix: str) -> SObjectDef | None:
        """The object whose key prefix is *prefix*."""
        for obj in self.objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None

    def describe(self, name: str) -> dict[str, Any]:
        """A deep copy of the describe result for *name*."""
        obj = self.get(name)
        assert obj is not None
        return copy.deepcopy(obj.describe)

    def add_external_id(
        self,
        sobject: str,
        field_name: str,
        *,
        unique: bool = True,
        length: int = 255,
        label: str | None = None,
    ) -> FieldDef:
        """Register a Text External ID custom field such as ``Syncore_Link__c``."""
        obj = self.get(sobject)
        if obj is None:
            raise KeyError(sobject)
        if not field_name.endswith("__c"):
            raise ValueError("custom field names end in __c")
        raw = {
            "aggregatable": True,
            "autoNumber": False,
            "byteLength": length * 3,
            "calculated": False,
            "caseSensitive": False,
            "createable": True,
            "custom": True,
            "defaultValue": None,
            "defaultedOnCreate": False,
            "digits": 0,
            "externalId": True,
            "filterable": True,
            "groupable": True,
            "idLookup": True,
            "label": label or field_name[:-3].replace("_", " "),
            "length": length,
            "name": field_name,
            "nameField": False,
            "nillable": True,
            "picklistValues": [],
            "precision": 0,
            "referenceTo": [],
            "relationshipName": None,
            "restrictedPicklist": False,
            "scale": 0,
            "soapType": "xsd:string",
            "sortable": True,
            "type": "string",
            "unique": unique,
            "updateable": True,
        }
        return obj.add_field(raw)


def reference_prefixes(fdef: FieldDef) -> set[str]:
    """Key prefixes a reference field may point at (unknown targets are not checked)."""
    out = set()
    for target in fdef.raw.get("referenceTo", []):
        if target == "Calendar":
            out.add("023")
        elif target in KEY_PREFIXES:
            out.add(KEY_PREFIXES[target])
        else:
            return set()
    return out
