"""Record writes: the save pipeline shared by REST, collections and the direct-access API.

Order of checks for one record (first failure wins): row-lock fault, field decoding, read-only
fields, values (length, picklist, reference, e-mail), required fields, object rules, custom
validation rules, unique external ids. Then system fields are stamped and the row is stored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .activities import ActivityRelations
from .clock import Clock
from .deferred import DeferredDeletions
from .errors import RecordError, entity_is_deleted
from .faults import Faults
from .ids import MalformedId, to18
from .rules import RULES, RuleSettings, local_date
from .schema import SObjectDef
from .series import SeriesKeeper
from .store import Store
from .task_series import check_task, next_repeat
from .validation import check_required, check_values, decode_payload, defaults

SYSTEM_STAMPS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


class RecordWriter:
    """Creates, updates and deletes records with Salesforce's save semantics."""

    def __init__(self, store: Store, clock: Clock, faults: Faults, settings: RuleSettings, *,
                 series_delete_lag: int | None = 0, lingering_rows_cut: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.faults = faults
        self.settings = settings
        #: user id -> the user's TimeZoneSidKey (dates Salesforce derives are the writing user's dates)
        self.zone_of: Callable[[str], str] = lambda user_id: "GMT"
        #: the occurrence rows of recurring series
        self.series = SeriesKeeper(store, lambda user_id: self.zone_of(user_id))
        #: Lightning series deletions finished after the request answered (none with a lag of 0)
        self.deferred = DeferredDeletions(store, clock, series_delete_lag, self.series.occurrences,
                                          cut_doomed=lingering_rows_cut)
        #: the rules that read or write other records (activities and their relations, leads)
        self.relations = ActivityRelations(store, store.schema, settings,
                                           lambda obj, payload, user_id: self.create(obj, payload, user_id,
                                                                                    trusted=True))

    # -- lookups ----------------------------------------------------------------------------------
    def find(self, obj: SObjectDef, raw_id: str, *, allow_deleted: bool = False) -> dict[str, Any]:
        """The live record for *raw_id* (15 or 18 chars); NOT_FOUND / ENTITY_IS_DELETED otherwise."""
        try:
            rid = to18(raw_id)
        except MalformedId:
            raise RecordError("MALFORMED_ID", f"malformed id {raw_id}", ["Id"]) from None
        rec = self.store.get(obj, rid) if rid[:3] == obj.key_prefix else None
        if rec is None:
            raise RecordError("NOT_FOUND", "The requested resource does not exist", [], status=404)
        if rec.get("IsDeleted") and not allow_deleted:
            raise entity_is_deleted()
        return rec

    def find_by_external_id(self, obj: SObjectDef, field_name: str, value: str) -> list[dict[str, Any]]:
        """Live records whose external id equals *value* (case-insensitive, secondary source)."""
        fdef = obj.field(field_name)
        needle = value.lower()
        return [
            r
            for r in self.store.table(obj).values()
            if not r.get("IsDeleted") and isinstance(r.get(fdef.name), str) and r[fdef.name].lower() == needle
        ]

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self,
        obj: SObjectDef,
        payload: dict[str, Any],
        user_id: str,
        *,
        trusted: bool = False,
        stamp: datetime | None = None,
    ) -> str:
        """Insert one record; returns its 18-character id (a new Lightning series: its first occurrence's).
        Raises :class:`RecordError`.

        The record and what its save changes elsewhere (relation rows, a series' occurrences) are stored together
        or not at all."""
        with self.store.lock, self.store.transaction():
            self._check_object(obj, "createable", "inserted", trusted)
            if not trusted and self.faults.take_row_lock():
                raise RecordError(
                    "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", []
                )
            values = decode_payload(obj, payload, creating=True, trusted=trusted)
            values = check_values(obj, values)
            rec = defaults(obj)
            rec.update(values)
            check_required(obj, rec)
            now = stamp or self._stamp()
            self._rules(obj, rec, set(values), None, now, user_id)
            if obj.name == "Task":
                check_task(rec, None, set(values))
            self.series.prepare_create(obj, rec, set(values), user_id)
            self.relations.check(obj, rec, None, set(values))
            self._custom_validation(obj, rec, trusted)
            rid = to18(values["Id"]) if trusted and values.get("Id") else self.store.new_id(obj)
            rec["Id"] = rid
            self._unique(obj, rec)
            for name in SYSTEM_STAMPS:
                if not (trusted and values.get(name)):
                    rec[name] = now
            for name in ("CreatedById", "LastModifiedById", "OwnerId"):
                if not rec.get(name) and obj.field(name) is not None:
                    rec[name] = user_id
            rec["IsDeleted"] = bool(rec.get("IsDeleted"))
            self.store.put(obj, rec)
            self.relations.after_save(obj, rec, None, user_id)
            return self.series.after_create(obj, rec, now, user_id)

    def update(
        self,
        obj: SObjectDef,
        raw_id: str,
        payload: dict[str, Any],
        user_id: str,
        *,
        trusted: bool = False,
        stamp: datetime | None = None,
    ) -> str:
        """Update one record; returns its id. Raises :class:`RecordError`."""
        with self.store.lock, self.store.transaction():
            old = self.find(obj, raw_id)
            self._check_object(obj, "updateable", "updated", trusted)
            self._check_row_lock(old["Id"], trusted)
            values = decode_payload(obj, payload, creating=False, trusted=trusted)
            values = check_values(obj, values)
            rec = copy.copy(old)
            rec.update(values)
            check_required(obj, rec)
            now = stamp or self._stamp()
            self._rules(obj, rec, set(values), old, now, user_id)
            if obj.name == "Task":
                check_task(rec, old, set(values))
            self.series.prepare_update(obj, rec, old, set(values))
            self.relations.check(obj, rec, old, set(values))
            self._custom_validation(obj, rec, trusted)
            self._unique(obj, rec)
            for name in ("LastModifiedDate", "SystemModstamp"):
                if not (trusted and values.get(name)):
                    rec[name] = now
            rec["LastModifiedById"] = user_id
            repeat = next_repeat(rec, old, local_date(now, self.zone_of(user_id)),
                                 defaults(obj).get("Status") or "Not Started") if obj.name == "Task" else None
            self.store.put(obj, rec)
            if repeat is not None:
                self._store_repeat(obj, repeat, now, user_id)
            self.series.after_update(obj, rec, old, set(values), now, user_id)
            self.relations.after_save(obj, rec, old, user_id)
            return rec["Id"]

    def _store_repeat(self, obj: SObjectDef, row: dict[str, Any], now: datetime, user_id: str) -> None:
        """The next task of a repeating task that was just closed (see :mod:`.task_series`)."""
        row["Id"] = self.store.new_id(obj)
        for name in SYSTEM_STAMPS:
            row[name] = now
        row["CreatedById"] = row["LastModifiedById"] = user_id
        self.store.put(obj, row)

    def _check_row_lock(self, record_id: str, trusted: bool) -> None:
        """An injected lock contention refuses a client's write of one record (never a direct edit)."""
        if not trusted and self.faults.take_row_lock():
            raise RecordError(
                "UNABLE_TO_LOCK_ROW",
                f"unable to obtain exclusive access to this record or 1 records: {record_id}",
                [],
            )

    def delete(
        self,
        obj: SObjectDef,
        raw_id: str,
        user_id: str,
        *,
        trusted: bool = False,
        stamp: datetime | None = None,
    ) -> str:
        """Soft-delete one record (Recycle Bin); returns its id. Raises :class:`RecordError`.

        A series' main record, or the first occurrence of a Lightning series, takes the whole series with it.
        """
        with self.store.lock, self.store.transaction():
            old = self.find(obj, raw_id)
            self._check_object(obj, "deletable", "deleted", trusted)
            self._check_row_lock(old["Id"], trusted)
            now = stamp or self._stamp()
            rows = [old, *self.series.rows_deleted_with(obj, old)]
            if len(rows) > 1 and self.series.is_lightning(old) and self.deferred.active:
                # a whole Lightning series: Salesforce may remove it after answering (see :mod:`.deferred`)
                self.deferred.defer(obj, rows, lambda row, when: self._soft_delete(obj, row, when, user_id))
                return old["Id"]
            for row in rows:
                self._soft_delete(obj, row, now, user_id)
            return old["Id"]

    def delete_onwards(self, obj: SObjectDef, raw_id: str, user_id: str, *, trusted: bool = False) -> list[str]:
        """``DELETE sobjects/Event/{id}/fromThisEventOnwards``: returns the ids it deletes (now, or later with a
        ``series_delete_lag``: see :mod:`.deferred`)."""
        with self.store.lock, self.store.transaction():
            old = self.find(obj, raw_id)
            self._check_object(obj, "deletable", "deleted", trusted)
            self._check_row_lock(old["Id"], trusted)
            now = self._stamp()
            doomed = self.series.delete_onwards(obj, old, now, user_id,
                                                cut_doomed=self.deferred.active and self.deferred.cut_doomed)
            if self.deferred.active:
                self.deferred.defer(obj, doomed,
                                    lambda row, when: self.series.delete_rows(obj, [row], when, user_id))
            else:
                self.series.delete_rows(obj, doomed, now, user_id)
            return [row["Id"] for row in doomed]

    def _soft_delete(self, obj: SObjectDef, old: dict[str, Any], now: datetime, user_id: str) -> None:
        rec = copy.copy(old)
        rec["IsDeleted"] = True
        # (unverified) Salesforce is assumed to bump SystemModstamp on delete; replication tools rely
        # on it (reference §2, strategy step 3).
        rec["SystemModstamp"] = now
        rec["LastModifiedDate"] = now
        rec["LastModifiedById"] = user_id
        self.store.put(obj, rec)
        self.store.log_delete(obj, rec["Id"], now)
        self.relations.after_delete(obj, rec, now, user_id)

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    def _check_object(obj: SObjectDef, flag: str, verb: str, trusted: bool) -> None:
        # Object-level permissions from the describe (e.g. TaskStatus is read-only).
        if not trusted and not obj.describe.get(flag, True):
            raise RecordError("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {verb}: {obj.name}", [])

    def _stamp(self) -> datetime:
        back = self.faults.take_backdate()
        now = self.clock.now()
        return now - back if back else now

    def _rules(
        self,
        obj: SObjectDef,
        rec: dict[str, Any],
        written: set[str],
        old: dict[str, Any] | None,
        now: datetime,
        user_id: str,
    ) -> None:
        rule = RULES.get(obj.name)
        if rule is not None:
            rule(rec, written, old, now, self.settings, self.zone_of(user_id))

    def _custom_validation(self, obj: SObjectDef, rec: dict[str, Any], trusted: bool) -> None:
        if trusted:
            return
        rule = self.faults.matching_rule(obj.name, rec)
        if rule is not None:
            raise RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, rule.fields)

    def _unique(self, obj: SObjectDef, rec: dict[str, Any]) -> None:
        for fdef in obj.fields.values():
            if not (fdef.raw.get("unique") and fdef.raw.get("externalId")):
                continue
            value = rec.get(fdef.name)
            if value is None:
                continue
            for other in self.find_by_external_id(obj, fdef.name, value):
                if other["Id"] != rec["Id"]:
                    raise RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {fdef.name} duplicates value on record with id: "
                        f"{other['Id']}",
                        [],
                    )
