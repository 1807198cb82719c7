"""In-memory record tables with journalled transactions and the delete log.

Records are plain dicts keyed by schema-cased field names holding Python values (``str``,
``bool``, ``int``, ``float``, ``date``, aware UTC ``datetime`` or ``None``). Callers hold
:attr:`Store.lock` around every read-modify-write; the lock is re-entrant.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .clock import format_date, format_datetime
from .ids import MalformedId, make_id, to18
from .schema import FieldDef, Schema, SObjectDef

# Counter seed: high enough that generated ids mix digits, upper- and lower-case letters, so the
# case-safety checksum is exercised by ordinary test data.
_ID_SEED = 62**6 * 3 + 62**4 * 41 + 62**2 * 17 + 9


@dataclass
class DeletedEntry:
    """One row of the delete log read by ``sobjects/{T}/deleted/``."""

    sobject: str
    id: str
    deleted_date: datetime


class Store:
    """All records of all sObject types, plus the delete log."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.lock = threading.RLock()
        self.tables: dict[str, dict[str, dict[str, Any]]] = {o.name: {} for o in schema.objects.values()}
        self.deleted_log: list[DeletedEntry] = []
        self.last_purge: datetime | None = None
        self._counter = _ID_SEED
        self._journal: list[tuple[str, str, dict[str, Any] | None]] | None = None
        #: what undoes changes kept outside the tables (a deletion deferred), for the open transaction
        self._undo: list[Callable[[], None]] | None = None

    def new_id(self, obj: SObjectDef) -> str:
        """Allocate the next 18-character id for *obj*."""
        with self.lock:
            self._counter += 1
            return make_id(obj.key_prefix, self._counter)

    def table(self, obj: SObjectDef) -> dict[str, dict[str, Any]]:
        """The id -> record mapping for *obj* (insertion ordered)."""
        return self.tables.setdefault(obj.name, {})

    def get(self, obj: SObjectDef, id18: str) -> dict[str, Any] | None:
        """The stored record (not a copy) or ``None``."""
        return self.table(obj).get(id18)

    def lookup(self, raw_id: str) -> tuple[SObjectDef, dict[str, Any]] | None:
        """The live record an id names, in whichever object its key prefix belongs to (relationship fields)."""
        try:
            rid = to18(raw_id)
        except MalformedId:
            return None
        obj = self.schema.by_prefix(rid[:3])
        rec = self.table(obj).get(rid) if obj is not None else None
        if rec is None or rec.get("IsDeleted"):
            return None
        return obj, rec

    def put(self, obj: SObjectDef, record: dict[str, Any]) -> None:
        """Insert or replace a record, journalling the previous version."""
        with self.lock:
            table = self.table(obj)
            rid = record["Id"]
            if self._journal is not None:
                prev = table.get(rid)
                self._journal.append((obj.name, rid, copy.copy(prev) if prev is not None else None))
            table[rid] = record

    def remove(self, obj: SObjectDef, rid: str) -> None:
        """Drop a record outright (no Recycle Bin), journalling it like :meth:`put`."""
        with self.lock:
            table = self.table(obj)
            prev = table.pop(rid, None)
            if self._journal is not None and prev is not None:
                self._journal.append((obj.name, rid, copy.copy(prev)))

    def log_delete(self, obj: SObjectDef, rid: str, when: datetime) -> None:
        """Append to the delete log (journalled via its length)."""
        self.deleted_log.append(DeletedEntry(obj.name, rid, when))

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Call ``undo`` if the open transaction (or one enclosing it) rolls back; nothing outside one."""
        if self._undo is not None:
            self._undo.append(undo)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block: any exception restores every record touched inside it."""
        with self.lock:
            outer, outer_undo = self._journal, self._undo
            self._journal, self._undo = [], []
            log_len = len(self.deleted_log)
            try:
                yield
            except BaseException:
                self.rollback_journal(self._journal)
                del self.deleted_log[log_len:]
                for undo in reversed(self._undo):
                    undo()
                self._journal, self._undo = outer, outer_undo
                raise
            if outer is not None:
                outer.extend(self._journal)
            if outer_undo is not None:
                outer_undo.extend(self._undo)
            self._journal, self._undo = outer, outer_undo

    def rollback_journal(self, journal: list[tuple[str, str, dict[str, Any] | None]]) -> None:
        """Undo journal entries in reverse order."""
        for name, rid, prev in reversed(journal):
            table = self.tables[name]
            if prev is None:
                table.pop(rid, None)
            else:
                table[rid] = prev

    def purge(self, sobject: str | None = None, when: datetime | None = None) -> int:
        """Empty the Recycle Bin: drop deleted rows and the delete log. Returns rows removed."""
        removed = 0
        with self.lock:
            for name, table in self.tables.items():
                if sobject and name.lower() != sobject.lower():
                    continue
                for rid in [rid for rid, rec in table.items() if rec.get("IsDeleted")]:
                    del table[rid]
                    removed += 1
            self.deleted_log = [
                e for e in self.deleted_log if sobject and e.sobject.lower() != sobject.lower()
            ]
            self.last_purge = when
        return removed


def compound_address(record: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """Build the read-only compound address (``MailingAddress``) from its parts."""
    parts = {
        "city": record.get(prefix + "City"),
        "country": record.get(prefix + "Country"),
        "geocodeAccuracy": record.get(prefix + "GeocodeAccuracy"),
        "latitude": record.get(prefix + "Latitude"),
        "longitude": record.get(prefix + "Longitude"),
        "postalCode": record.get(prefix + "PostalCode"),
        "state": record.get(prefix + "State"),
        "street": record.get(prefix + "Street"),
    }
    if all(v is None for v in parts.values()):
        return None
    return parts


def field_value(record: dict[str, Any], fdef: FieldDef) -> Any:
    """The Python value of *fdef* on *record*, computing compound fields."""
    if fdef.type == "address":
        return compound_address(record, fdef.name[: -len("Address")])
    return record.get(fdef.name)


def to_wire(value: Any) -> Any:
    """Render a stored value as JSON the way Salesforce does."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return value


def render_record(
    obj: SObjectDef, record: dict[str, Any], api_version: str, fields: list[FieldDef] | None = None
) -> dict[str, Any]:
    """A record as the REST API returns it: ``attributes`` first, then fields in the given order."""
    out: dict[str, Any] = {
        "attributes": {
            "type": obj.name,
            "url": f"/services/data/v{api_version}/sobjects/{obj.name}/{record['Id']}",
        }
    }
    for fdef in fields if fields is not None else list(obj.fields.values()):
        out[fdef.name] = to_wire(field_value(record, fdef))
    return out
