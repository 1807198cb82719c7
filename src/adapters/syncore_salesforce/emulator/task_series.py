"""Recurring and repeating tasks as Salesforce stores them (the Task object reference, "Usage").

Task object reference (API 16.0+ for recurring tasks;
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm):

* **A recurring series** (``IsRecurrence`` true, "Create Recurring Series of Tasks") is a main record plus one open
  task per occurrence (:mod:`.series` stores them like a classic event series). "If IsRecurrence is true, then
  RecurrenceStartDateOnly, RecurrenceEndDateOnly, RecurrenceType, and any properties associated with the given
  recurrence type must be populated." ``ActivityDate`` "can't be set or updated for a recurring task
  (IsRecurrence is true)". "After a task is created, it can't be changed from recurring to nonrecurring or vice
  versa" (``IsRecurrence`` is create-only in the describe). "When you change the RecurrenceStartDateOnly field or
  the recurrence pattern, all open tasks occurrences in the series are deleted and new open task occurrences are
  created based on the new recurrence pattern" (closed ones stay). "When you delete a recurring task series
  through the API, all open and closed task occurrences in the series are removed."
* **A repeating task** (``RecurrenceRegeneratedType``, label "Repeat This Task"): "Represents what triggers a
  repeating task to repeat. [...] the RecurrenceInterval field [...] determines the number of days between the
  triggering date (due date or close date) and the due date of the next repeating task in the series." Values:
  ``RecurrenceRegenerateAfterDueDate`` ("After due date"), ``RecurrenceRegenerateAfterToday`` ("After date
  completed"), ``RecurrenceRegenerated`` ("(Task Closed)").

(unverified) what the pages do not say, modelled as Salesforce Classic's task edit page shows it: a repeating task
is a single task (not a recurring series: the edit page offers one or the other), so combining
``RecurrenceRegeneratedType`` with ``IsRecurrence`` is refused; closing a repeating task stores the next one (a
copy, open, due ``RecurrenceInterval`` days after the closed one's due date or its close date) and marks the closed
one ``RecurrenceRegenerated``; the error codes (``FIELD_INTEGRITY_EXCEPTION``) and messages.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from .errors import RecordError

AFTER_DUE = "RecurrenceRegenerateAfterDueDate"
AFTER_CLOSE = "RecurrenceRegenerateAfterToday"
REGENERATED = "RecurrenceRegenerated"
REPEATING = (AFTER_DUE, AFTER_CLOSE)


def _integrity(message: str, field: str) -> RecordError:
    # (unverified) code and message: the page states the rule, not the answer
    return RecordError("FIELD_INTEGRITY_EXCEPTION", message, [field])


def check_task(rec: dict[str, Any], old: dict[str, Any] | None, written: set[str]) -> None:
    """Refuse what a Task save may not do with recurrence (raises :class:`RecordError`)."""
    recurring = bool(rec.get("IsRecurrence"))
    if recurring and "ActivityDate" in written and rec.get("ActivityDate") is not None:
        raise _integrity("You can't set the due date of a recurring task series (IsRecurrence is true)",
                         "ActivityDate")
    if rec.get("RecurrenceRegeneratedType") in REPEATING:
        if recurring:
            raise _integrity("A recurring series of tasks can't also repeat (RecurrenceRegeneratedType)",
                             "RecurrenceRegeneratedType")
        interval = rec.get("RecurrenceInterval")
        if not isinstance(interval, int) or interval < 1:
            raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [RecurrenceInterval]",
                              ["RecurrenceInterval"])


def next_repeat(rec: dict[str, Any], old: dict[str, Any], today: date, open_status: str) -> dict[str, Any] | None:
    """The next task of a repeating task closed by this save, without its id and stamps (None: nothing to store);
    marks ``rec`` regenerated.

    ``today``: the closing user's date, the "date completed" of ``RecurrenceRegenerateAfterToday``."""
    if rec.get("RecurrenceRegeneratedType") not in REPEATING or not rec.get("IsClosed") or old.get("IsClosed"):
        return None
    base = today if rec["RecurrenceRegeneratedType"] == AFTER_CLOSE else (rec.get("ActivityDate") or today)
    nxt = copy.copy(rec)
    for name in ("Id", "CreatedDate", "CreatedById"):
        nxt.pop(name, None)
    nxt.update(ActivityDate=base + timedelta(days=int(rec["RecurrenceInterval"])), IsClosed=False,
               CompletedDateTime=None, Status=open_status)
    rec["RecurrenceRegeneratedType"] = REGENERATED
    return nxt
