"""Recurring series as Salesforce stores them: one record per occurrence (reference §1.4).

**Lightning** (``IsRecurrence2``, created with ``Recurrence2PatternText`` from API v52): a *series record*
(``GroupEventType = '3'``, the pattern) plus one Event per occurrence (``GroupEventType = '0'``), every row
carrying the pattern fields (Change Data Capture guide, "Recurring Activities": the series record and the first
occurrence of a new series both carry ``Recurrence2PatternText``;
https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_task_event_recurring.htm).
"Lightning Experience event series have no series ID" (reference §1.4): no field links an occurrence to its
series record; rows of one series share their pattern fields and owner.

* Creating one answers the id of its **first occurrence** (unverified: the REST guide deletes a whole series "by
  the event ID of the first occurrence", which only a client that created it would hold).
* Editing an occurrence makes it an exception (``IsRecurrence2Exception``). Editing the series record's non-
  critical fields (subject, location ...) reaches the occurrences that still had the series' value (unverified).
* A *critical* edit (the series' start, end, duration, all-day flag; the pattern and zone, which only the user
  interface can change) deletes and re-creates the occurrences, so their ids change; the series record keeps its
  id (CDC guide, "Updating Recurring Calendar Events": "the series is deleted and re-created").
* ``DELETE sobjects/Event/{id}`` deletes one occurrence, or the whole series when it names the first occurrence;
  ``DELETE sobjects/Event/{id}/fromThisEventOnwards`` deletes that occurrence and the later ones (REST guide,
  "Delete Lightning Experience Event Series",
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm); the
  pattern then ends before it (unverified: ``UNTIL`` set to the second before that occurrence). The guide's answer
  says the events are removed later; with ``series_delete_lag`` the emulator keeps the doomed rows live for a while
  (:mod:`.deferred`).

**Classic** (``IsRecurrence``, Event and Task): a *main record* (``IsRecurrence = true``, ``RecurrenceActivityId``
its own id) plus children (``IsRecurrence = false``, ``RecurrenceActivityId`` the main record's id; CDC guide, API
41 example). Deleting the main record deletes the series (reference §1.4). A change to the pattern or timing re-
creates the children; a change to another field of the main record reaches every child, overriding the child's own
change (Salesforce Help, "Considerations for Using Events and Calendars in Salesforce Classic": "If you change a
field in a single event and then change that field in the series, the series change overrides the change to the
single event"). A Task series differs (Task object reference, "Usage"; :mod:`.task_series`): a change to its
start or pattern re-creates the *open* occurrences only (closed ones stay, and no open one is made on a closed one's
date: unverified), and a change to another field reaches the open occurrences only (unverified).

Occurrence bookkeeping the API never shows lives in underscore keys of the stored rows (rendering and SOQL only
see schema fields): ``_Role``, ``_SeriesId``, ``_OriginalStart`` and, on a Lightning series record, ``_FirstStart``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import patterns
from .errors import RecordError
from .schema import SObjectDef
from .store import Store

LIGHTNING_SERIES, LIGHTNING_OCCURRENCE, CLASSIC_MAIN, CLASSIC_CHILD = "series2", "occurrence2", "main", "child"
#: fields every occurrence takes from its series
COPIED = ("Subject", "Location", "Description", "ShowAs", "IsPrivate", "WhoId", "WhatId", "OwnerId", "Type",
          "IsReminderSet", "Status", "Priority")
PATTERN2 = ("Recurrence2PatternText", "Recurrence2PatternVersion", "Recurrence2PatternStartDate",
            "Recurrence2PatternTimeZone")
CLASSIC_PATTERN = ("RecurrenceType", "RecurrenceInterval", "RecurrenceDayOfWeekMask", "RecurrenceDayOfMonth",
                   "RecurrenceInstance", "RecurrenceMonthOfYear", "RecurrenceStartDateTime",
                   "RecurrenceStartDateOnly", "RecurrenceEndDateOnly", "RecurrenceTimeZoneSidKey",
                   "RecurrenceRegeneratedType")
#: a change to these re-creates the occurrences (ActivityDate follows StartDateTime, so it is not listed: its value
#: for a timed event depends on the writing user's zone)
TIMING = ("StartDateTime", "EndDateTime", "DurationInMinutes", "IsAllDayEvent")
MINUTES_PER_DAY = 1440


def role(rec: dict[str, Any]) -> str | None:
    """What a stored row is in a series (None: a single record)."""
    return rec.get("_Role")


class SeriesKeeper:
    """Keeps the occurrence rows of every series in step with their series record (see the module docstring)."""

    def __init__(self, store: Store, zone_of: Callable[[str], str]) -> None:
        self.store = store
        self.zone_of = zone_of

    # -- create ---------------------------------------------------------------------------------------------
    def prepare_create(self, obj: SObjectDef, rec: dict[str, Any], written: set[str], user_id: str) -> None:
        """Check and complete a new series record before it is stored (raises :class:`RecordError`)."""
        if obj.name == "Event" and "Recurrence2PatternText" in written and rec.get("Recurrence2PatternText"):
            self._prepare_lightning(rec, user_id)
        elif obj.name in ("Event", "Task") and rec.get("IsRecurrence"):
            self._prepare_classic(obj, rec, user_id)

    def _prepare_lightning(self, rec: dict[str, Any], user_id: str) -> None:
        if rec.get("IsRecurrence"):
            raise RecordError("FIELD_INTEGRITY_EXCEPTION", "IsRecurrence2 can't be combined with IsRecurrence.",
                              ["Recurrence2PatternText"])
        rec["Recurrence2PatternText"] = patterns.normalize_rrule(rec["Recurrence2PatternText"])
        rec["Recurrence2PatternVersion"] = rec.get("Recurrence2PatternVersion") or "1"
        rec["Recurrence2PatternTimeZone"] = rec.get("Recurrence2PatternTimeZone") or self.zone_of(user_id)
        rec["Recurrence2PatternStartDate"] = rec["StartDateTime"]
        rec.update(IsRecurrence2=True, GroupEventType="3", _Role=LIGHTNING_SERIES)
        starts = self._starts(rec)
        if not starts:
            raise RecordError("FIELD_INTEGRITY_EXCEPTION", "The recurrence pattern gives no occurrence",
                              ["Recurrence2PatternText"])  # (unverified)
        if len(starts) > patterns.MAX_COUNT:
            # (unverified) the same bound as COUNT, for a series ended by UNTIL
            raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                              f"An event series can't have more than {patterns.MAX_COUNT} occurrences",
                              ["Recurrence2PatternText"])
        rec["_FirstStart"] = starts[0]

    def _prepare_classic(self, obj: SObjectDef, rec: dict[str, Any], user_id: str) -> None:
        rec["RecurrenceTimeZoneSidKey"] = rec.get("RecurrenceTimeZoneSidKey") or self.zone_of(user_id)
        if obj.name == "Event":
            if rec.get("RecurrenceStartDateTime") is None:
                # (unverified) which field Salesforce names
                raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [RecurrenceStartDateTime]",
                                  ["RecurrenceStartDateTime"])
            if not rec.get("IsAllDayEvent") and (rec.get("DurationInMinutes") or 0) > MINUTES_PER_DAY:
                # reference §1.2: a classic series requires a duration of at most 24 h (message unverified)
                raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                                  "Recurring events can't last longer than 24 hours", ["DurationInMinutes"])
        elif rec.get("RecurrenceStartDateOnly") is None:
            raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [RecurrenceStartDateOnly]",
                              ["RecurrenceStartDateOnly"])
        starts = self._starts(rec, obj)
        if obj.name == "Event":
            patterns.check_classic_limit(rec, len(starts))
        elif not starts:
            raise RecordError("FIELD_INTEGRITY_EXCEPTION", "The recurrence pattern gives no occurrence",
                              ["RecurrenceEndDateOnly"])  # (unverified)
        rec["_Role"] = CLASSIC_MAIN

    def after_create(self, obj: SObjectDef, rec: dict[str, Any], now: datetime, user_id: str) -> str:
        """Store the occurrences of a new series; returns the id the create call answers."""
        kind = role(rec)
        if kind == CLASSIC_MAIN:
            rec["RecurrenceActivityId"] = rec["Id"]
            self._generate(obj, rec, now, user_id)
            return rec["Id"]
        if kind == LIGHTNING_SERIES:
            first = self._generate(obj, rec, now, user_id)
            return first[0] if first else rec["Id"]
        return rec["Id"]

    # -- update ---------------------------------------------------------------------------------------------
    def prepare_update(self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any], written: set[str]) -> None:
        """Check an update of a series row before it is stored."""
        kind = role(old)
        if kind == LIGHTNING_OCCURRENCE and written:
            rec["IsRecurrence2Exception"] = True
        elif kind == LIGHTNING_SERIES and self._critical(rec, old, TIMING + PATTERN2):
            if rec.get("Recurrence2PatternText") != old.get("Recurrence2PatternText"):
                rec["Recurrence2PatternText"] = patterns.normalize_rrule(rec["Recurrence2PatternText"])
            rec["Recurrence2PatternStartDate"] = rec["StartDateTime"]
            starts = self._starts(rec)
            if not starts:
                raise RecordError("FIELD_INTEGRITY_EXCEPTION", "The recurrence pattern gives no occurrence",
                                  ["Recurrence2PatternText"])  # (unverified)
            rec["_FirstStart"] = starts[0]
        elif kind == CLASSIC_MAIN and self._critical(rec, old, TIMING + CLASSIC_PATTERN):
            if obj.name == "Event" and not rec.get("IsAllDayEvent") and \
                    (rec.get("DurationInMinutes") or 0) > MINUTES_PER_DAY:
                raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                                  "Recurring events can't last longer than 24 hours", ["DurationInMinutes"])
            starts = self._starts(rec, obj)
            if obj.name == "Event":
                patterns.check_classic_limit(rec, len(starts))

    def after_update(self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any], written: set[str],
                     now: datetime, user_id: str) -> None:
        """Regenerate or update the occurrences after their series record changed."""
        kind = role(old)
        if kind == LIGHTNING_SERIES:
            if self._critical(rec, old, TIMING + PATTERN2):
                self.delete_rows(obj, self.occurrences(obj, rec["Id"]), now, user_id)
                self._generate(obj, rec, now, user_id)
            else:
                self._propagate(obj, rec, old, written, now, user_id, keep_exceptions=True)
        elif kind == CLASSIC_MAIN:
            # a Task series keeps its closed occurrences through every change (Task object reference, "Usage")
            keep = (lambda row: bool(row.get("IsClosed"))) if obj.name == "Task" else (lambda row: False)
            if self._critical(rec, old, TIMING + CLASSIC_PATTERN):
                kept = [row for row in self.occurrences(obj, rec["Id"]) if keep(row)]
                self.delete_rows(obj, [row for row in self.occurrences(obj, rec["Id"]) if not keep(row)], now,
                                  user_id)
                self._generate(obj, rec, now, user_id, skip={row["_OriginalStart"] for row in kept})
            else:
                self._propagate(obj, rec, old, written, now, user_id, keep_exceptions=False, keep=keep)

    @staticmethod
    def _critical(rec: dict[str, Any], old: dict[str, Any], names: tuple[str, ...]) -> bool:
        return any(rec.get(name) != old.get(name) for name in names)

    def _propagate(self, obj: SObjectDef, rec: dict[str, Any], old: dict[str, Any], written: set[str],
                   now: datetime, user_id: str, *, keep_exceptions: bool,
                   keep: Callable[[dict[str, Any]], bool] = lambda row: False) -> None:
        names = [name for name in COPIED if name in written and rec.get(name) != old.get(name)]
        reminder = "ReminderDateTime" in written or "IsReminderSet" in written
        for row in self.occurrences(obj, rec["Id"]):
            if keep(row):
                continue
            changed = copy.copy(row)
            for name in names:
                # Lightning keeps an occurrence's own value (unverified); classic overrides it (Help, Classic)
                if not keep_exceptions or row.get(name) == old.get(name):
                    changed[name] = rec.get(name)
            if "Status" in names and "IsClosed" in rec:
                changed.update(IsClosed=rec["IsClosed"], CompletedDateTime=rec.get("CompletedDateTime"))
            if reminder and obj.name == "Task":
                changed.update(IsReminderSet=rec.get("IsReminderSet"), ReminderDateTime=rec.get("ReminderDateTime"))
            elif reminder:
                changed["ReminderDateTime"] = self._reminder(rec, changed)
            if changed != row:
                self._stamp(changed, now, user_id)
                self.store.put(obj, changed)

    # -- delete ---------------------------------------------------------------------------------------------
    def rows_deleted_with(self, obj: SObjectDef, rec: dict[str, Any]) -> list[dict[str, Any]]:
        """The other rows a delete of ``rec`` takes with it (the whole series, or nothing)."""
        kind = role(rec)
        if kind in (LIGHTNING_SERIES, CLASSIC_MAIN):
            return self.occurrences(obj, rec["Id"])
        if kind == LIGHTNING_OCCURRENCE and rec.get("_OriginalStart") == self._series(obj, rec).get("_FirstStart"):
            series = self._series(obj, rec)
            return [series, *(row for row in self.occurrences(obj, series["Id"]) if row["Id"] != rec["Id"])]
        return []

    def delete_onwards(self, obj: SObjectDef, rec: dict[str, Any], now: datetime, user_id: str, *,
                       cut_doomed: bool = False) -> list[dict[str, Any]]:
        """``DELETE …/fromThisEventOnwards``: the pattern of what is kept ends before this occurrence; returns the
        rows the request deletes (this occurrence and the later ones, or the whole series from its first), for the
        caller to delete now or later (:mod:`.deferred`). ``cut_doomed``: the doomed occurrences take the new
        pattern too (they will linger; see :mod:`.deferred`)."""
        if role(rec) != LIGHTNING_OCCURRENCE or rec.get("IsRecurrence2Exclusion") or rec.get("IsChild"):
            # (unverified) code and message; the guide: "IsRecurrence2 must be true and IsRecurrence2Exclusion
            # must be false", and child events are not supported
            raise RecordError("INVALID_OPERATION",
                              "Deleting from this event onwards needs an occurrence of a Lightning event series", [])
        series = self._series(obj, rec)
        key = rec["_OriginalStart"]
        if key == series.get("_FirstStart"):
            doomed = [series, *self.occurrences(obj, series["Id"])]
        else:
            doomed = [row for row in self.occurrences(obj, series["Id"]) if row["_OriginalStart"] >= key]
            text = patterns.replace_end(series["Recurrence2PatternText"], patterns.until_before(key))
            for row in [series, *(r for r in self.occurrences(obj, series["Id"])
                                  if cut_doomed or r["_OriginalStart"] < key)]:
                changed = {**row, "Recurrence2PatternText": text}
                self._stamp(changed, now, user_id)
                self.store.put(obj, changed)
        return doomed

    def is_lightning(self, rec: dict[str, Any]) -> bool:
        """A row of a Lightning series (its series record or an occurrence)."""
        return role(rec) in (LIGHTNING_SERIES, LIGHTNING_OCCURRENCE)

    def delete_rows(self, obj: SObjectDef, rows: list[dict[str, Any]], now: datetime, user_id: str) -> None:
        """Delete series rows as ``fromThisEventOnwards`` and a critical edit do: ``IsDeleted``, stamped, logged."""
        for row in rows:
            gone = {**row, "IsDeleted": True}
            self._stamp(gone, now, user_id)
            self.store.put(obj, gone)
            self.store.log_delete(obj, row["Id"], now)

    # -- rows -----------------------------------------------------------------------------------------------
    def occurrences(self, obj: SObjectDef, series_id: str) -> list[dict[str, Any]]:
        """The live occurrence rows of a series, by original start."""
        rows = [row for row in self.store.table(obj).values()
                if row.get("_SeriesId") == series_id and not row.get("IsDeleted")]
        return sorted(rows, key=lambda row: _sortable(row["_OriginalStart"]))

    def _series(self, obj: SObjectDef, rec: dict[str, Any]) -> dict[str, Any]:
        return self.store.table(obj)[rec["_SeriesId"]]

    def _starts(self, rec: dict[str, Any], obj: SObjectDef | None = None) -> list[datetime | date]:
        if role(rec) == LIGHTNING_SERIES:
            all_day = bool(rec.get("IsAllDayEvent"))
            start = rec["ActivityDate"] if all_day else rec["StartDateTime"]
            return patterns.lightning(rec["Recurrence2PatternText"], start, rec.get("Recurrence2PatternTimeZone"),
                                      all_day).starts()
        if obj is not None and obj.name == "Task":
            return patterns.classic(rec, rec["RecurrenceStartDateOnly"], all_day=True).starts()
        all_day = bool(rec.get("IsAllDayEvent"))
        start = rec["ActivityDate"] if all_day else rec["RecurrenceStartDateTime"]
        return patterns.classic(rec, start, all_day).starts()

    def _generate(self, obj: SObjectDef, rec: dict[str, Any], now: datetime, user_id: str,
                  skip: set[Any] = frozenset()) -> list[str]:  # type: ignore[assignment]
        """Store one row per occurrence of the series record ``rec`` (but those in ``skip``); returns their ids in
        order."""
        lightning = role(rec) == LIGHTNING_SERIES
        ids = []
        for key in self._starts(rec, obj):
            if key in skip:
                continue
            row = {f.name: rec.get(f.name) for f in obj.fields.values() if f.name in rec}
            row.update(IsDeleted=False, _SeriesId=rec["Id"], _OriginalStart=key)
            if lightning:
                row.update(GroupEventType="0", IsRecurrence2=True, IsRecurrence2Exception=False,
                           IsRecurrence2Exclusion=False, _Role=LIGHTNING_OCCURRENCE)
            else:
                row.update({name: None for name in CLASSIC_PATTERN if obj.field(name) is not None})
                row.update(IsRecurrence=False, RecurrenceActivityId=rec["Id"], _Role=CLASSIC_CHILD)
            for fdef in obj.fields.values():
                if fdef.raw.get("custom"):
                    # (unverified) custom fields stay on the series record: a unique external id could not repeat
                    row[fdef.name] = None
            if obj.name == "Event":
                self._timing(row, rec, key, user_id)
            else:
                row["ActivityDate"] = key
            row["Id"] = self.store.new_id(obj)
            row["CreatedDate"] = now
            row["CreatedById"] = user_id
            self._stamp(row, now, user_id)
            self.store.put(obj, row)
            ids.append(row["Id"])
        return ids

    def _timing(self, row: dict[str, Any], series: dict[str, Any], key: datetime | date, user_id: str) -> None:
        minutes = series.get("DurationInMinutes") or 0
        if isinstance(key, datetime):
            end = key + timedelta(minutes=minutes)
            zone = ZoneInfo(self.zone_of(user_id))
            row.update(StartDateTime=key, ActivityDateTime=key, EndDateTime=end,
                       ActivityDate=key.astimezone(zone).date(), EndDate=end.astimezone(zone).date())
        else:
            days = max(1, minutes // MINUTES_PER_DAY)
            start = datetime.combine(key, time(), tzinfo=UTC)
            end = start + timedelta(days=days - 1)
            row.update(ActivityDate=key, StartDateTime=start, ActivityDateTime=None, EndDateTime=end,
                       EndDate=end.date(), DurationInMinutes=days * MINUTES_PER_DAY)
        row["ReminderDateTime"] = self._reminder(series, row)

    @staticmethod
    def _reminder(series: dict[str, Any], row: dict[str, Any]) -> datetime | None:
        """The occurrence's reminder: as long before its start as the series' is before the series' start."""
        if not series.get("IsReminderSet") or series.get("ReminderDateTime") is None:
            return None
        before = series["StartDateTime"] - series["ReminderDateTime"]
        return row["StartDateTime"] - before

    @staticmethod
    def _stamp(row: dict[str, Any], now: datetime, user_id: str) -> None:
        row["LastModifiedDate"] = now
        row["SystemModstamp"] = now
        row["LastModifiedById"] = user_id


def _sortable(key: datetime | date) -> datetime:
    return key if isinstance(key, datetime) else datetime.combine(key, time(), tzinfo=UTC)
