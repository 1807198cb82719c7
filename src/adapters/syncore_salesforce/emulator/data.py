"""Direct data access for tests: another Salesforce user (or an automated process) editing the org."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .ids import to18
from .org import Org
from .schema import FieldDef, SObjectDef
from .store import render_record
from .transactions import LongTransaction


class DirectAccess:
    """Reads and writes that bypass HTTP; save rules still apply (and raise :class:`RecordError`)."""

    org: Org

    def _obj(self, sobject: str) -> SObjectDef:
        obj = self.org.schema.get(sobject)
        if obj is None:
            raise KeyError(f"unknown sObject {sobject!r}")
        return obj

    def insert(
        self, sobject: str, fields: Mapping[str, Any], *, system_modstamp: datetime | None = None
    ) -> str:
        """Create a record as another user (read-only fields allowed); returns the 18-char id.

        *system_modstamp* back-dates the commit (CreatedDate/LastModifiedDate/SystemModstamp).
        """
        return self.org.writer.create(
            self._obj(sobject), dict(fields), self.org.other_user_id, trusted=True, stamp=system_modstamp
        )

    def update(
        self,
        sobject: str,
        record_id: str,
        fields: Mapping[str, Any],
        *,
        system_modstamp: datetime | None = None,
    ) -> None:
        """Update a record as another user."""
        self.org.writer.update(
            self._obj(sobject),
            record_id,
            dict(fields),
            self.org.other_user_id,
            trusted=True,
            stamp=system_modstamp,
        )

    def delete(self, sobject: str, record_id: str, *, system_modstamp: datetime | None = None) -> None:
        """Move a record to the Recycle Bin as another user."""
        self.org.writer.delete(
            self._obj(sobject), record_id, self.org.other_user_id, trusted=True, stamp=system_modstamp
        )

    def long_transaction(self) -> LongTransaction:
        """Open a long-running transaction of another user, starting now (see :mod:`.transactions`).

        Its writes are stamped when made and stay invisible until :meth:`~.LongTransaction.commit`; until it
        ends, ``updated/`` and ``deleted/`` answer a ``latestDateCovered`` no later than its start. Use it as
        ``with emu.long_transaction() as txn:`` (committed at the end of the block) or commit it yourself.
        """
        txn = LongTransaction(self.org.open_transactions, self.org.writer, self.org.clock,
                              self.org.other_user_id, self._obj)
        return self.org.open_transactions.add(txn)

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """The record in REST wire form (deleted rows included), or ``None``."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            rec = self.org.store.get(obj, to18(record_id))
            return render_record(obj, rec, self.org.api_version) if rec is not None else None

    def all(self, sobject: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of *sobject* in wire form, in insertion order."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            return [
                render_record(obj, r, self.org.api_version)
                for r in self.org.store.table(obj).values()
                if include_deleted or not r.get("IsDeleted")
            ]

    def occurrences(self, sobject: str, series_id: str) -> list[dict[str, Any]]:
        """The live occurrence rows of a series (a Lightning series record's or a classic main record's id) in wire
        form, by original start (a value Salesforce keeps to itself; tests read it from here)."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            return [render_record(obj, r, self.org.api_version)
                    for r in self.org.writer.series.occurrences(obj, to18(series_id))]

    def original_starts(self, sobject: str, series_id: str) -> dict[str, Any]:
        """Occurrence id -> original start (an aware UTC datetime, or a date for an all-day series)."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            return {r["Id"]: r["_OriginalStart"] for r in self.org.writer.series.occurrences(obj, to18(series_id))}

    def series_of(self, sobject: str, record_id: str) -> str | None:
        """The series record (Lightning) or main record (classic) an occurrence belongs to."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            rec = self.org.store.get(obj, to18(record_id))
            return rec.get("_SeriesId") if rec is not None else None

    def delete_onwards(self, record_id: str) -> list[str]:
        """``fromThisEventOnwards`` as another user; returns the ids deleted."""
        return self.org.writer.delete_onwards(self._obj("Event"), record_id, self.org.other_user_id, trusted=True)

    def archive(self, sobject: str, record_id: str) -> None:
        """Archive an activity: hidden from ``query``, still in ``queryAll`` with ``IsArchived = true``."""
        obj = self._obj(sobject)
        with self.org.store.lock:
            rec = self.org.writer.find(obj, record_id, allow_deleted=True)
            self.org.store.put(obj, {**rec, "IsArchived": True})

    def purge(self, sobject: str | None = None) -> int:
        """Empty the Recycle Bin (one type or all): rows vanish from queryAll and the delete log."""
        return self.org.store.purge(sobject, self.org.clock.now())

    def add_external_id(
        self, sobject: str, field_name: str, *, unique: bool = True, length: int = 255
    ) -> FieldDef:
        """Register a Text External ID custom field (e.g. ``Syncore_Link__c``) for upsert tests."""
        with self.org.store.lock:
            fdef = self.org.schema.add_external_id(sobject, field_name, unique=unique, length=length)
            for rec in self.org.store.table(self._obj(sobject)).values():
                rec.setdefault(fdef.name, None)
            return fdef
