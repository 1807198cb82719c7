"""Describe metadata, fetched once per sObject for the adapter's life: field lengths and picklists.

Lengths and picklist values are org-configurable (reference §1.6), so they are read from
``GET sobjects/{T}/describe`` instead of being typed in. Task statuses come from the ``TaskStatus`` object,
the only place that says which ``Status`` values close a task (§1.5).
"""

from __future__ import annotations

from typing import Any

import attrs
from simple_salesforce import format_soql

from ._transport import Transport

#: field types whose ``length`` limits the value (describe types)
TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "combobox", "picklist", "multipicklist"})


@attrs.frozen(kw_only=True)
class ObjectInfo:
    """What the adapter needs from one describe."""

    name: str
    lengths: dict[str, int]
    picklists: dict[str, tuple[str, ...]]
    defaults: dict[str, str]
    fields: frozenset[str]
    #: fields the API may set on create (the describe's ``createable``)
    createable: frozenset[str] = frozenset()

    @classmethod
    def from_describe(cls, name: str, describe: dict[str, Any]) -> ObjectInfo:
        lengths, picklists, defaults = {}, {}, {}
        for field in describe.get("fields", []):
            if field.get("type") in TEXT_TYPES and field.get("length"):
                lengths[field["name"]] = int(field["length"])
            values = [p for p in field.get("picklistValues") or [] if p.get("active", True)]
            if values:
                picklists[field["name"]] = tuple(p["value"] for p in values)
                default = next((p["value"] for p in values if p.get("defaultValue")), None)
                if default is not None:
                    defaults[field["name"]] = default
        return cls(name=name, lengths=lengths, picklists=picklists, defaults=defaults,
                   fields=frozenset(f["name"] for f in describe.get("fields", [])),
                   createable=frozenset(f["name"] for f in describe.get("fields", []) if f.get("createable")))

    def too_long(self, payload: dict[str, Any]) -> list[tuple[str, int, int]]:
        """``(field, length, limit)`` for every text value in ``payload`` longer than its field allows."""
        return [
            (name, len(value), self.lengths[name])
            for name, value in payload.items()
            if isinstance(value, str) and name in self.lengths and len(value) > self.lengths[name]
        ]


@attrs.frozen(kw_only=True)
class TaskStatusInfo:
    """The org's Task statuses: API value -> closed?, and the default."""

    closed: dict[str, bool]
    default: str | None


class DescribeCache:
    """One describe call per sObject (and one TaskStatus query), cached for the adapter's life."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._objects: dict[str, ObjectInfo] = {}
        self._task_status: TaskStatusInfo | None = None

    def get(self, sobject: str) -> ObjectInfo:
        """The describe of ``sobject`` (one API call the first time)."""
        if sobject not in self._objects:
            raw = self._transport.call(f"{sobject} describe", lambda sf: sf.restful(f"sobjects/{sobject}/describe"))
            self._objects[sobject] = ObjectInfo.from_describe(sobject, raw or {})
        return self._objects[sobject]

    def task_statuses(self) -> TaskStatusInfo:
        """The TaskStatus rows (one query the first time)."""
        if self._task_status is None:
            soql = format_soql("SELECT ApiName, MasterLabel, IsClosed, IsDefault FROM TaskStatus ORDER BY SortOrder")
            rows = self._transport.query_pages(soql, include_deleted=False, what="TaskStatus query")
            closed = {(row.get("ApiName") or row["MasterLabel"]): bool(row["IsClosed"]) for row in rows}
            default = next((row.get("ApiName") or row["MasterLabel"] for row in rows if row.get("IsDefault")), None)
            self._task_status = TaskStatusInfo(closed=closed, default=default)
        return self._task_status
