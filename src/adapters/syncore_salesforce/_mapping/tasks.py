"""Task <-> syncore Task (reference §1.5).

* ``ActivityDate`` is the due date (a date only).
* ``Status`` and ``Priority`` are org picklists. syncore's statuses map to the default values
  (Not Started, In Progress, Completed, Waiting on someone else, Deferred); when the org lacks one, an open
  status becomes the org's default status and "completed" the first closed status of ``TaskStatus``, with a
  warning. On read, an unknown status is "completed" when ``IsClosed`` says so, else "not started".
* ``CompletedDateTime`` is read-only: Salesforce stamps it when a closed status is saved and clears it for an
  open one, so it is read but never written.
* Reminders: ``IsReminderSet`` + ``ReminderDateTime`` <-> ``reminder_at``.
* Task has no ``IsPrivate``: :func:`represent` makes every task non-private.
* ``contacts`` (the people the task is about) are not a Task field: they become its ``WhoId``, ``WhatId`` and
  ``TaskRelation`` rows (:mod:`.._relations`), so :func:`represent` drops them like an event's attendees.
* Recurring tasks (:mod:`.._task_series`): a repeating task (``RecurrenceRegeneratedType``) maps here row by row;
  a recurring series (``IsRecurrence``) is read from its main record and occurrence rows by
  :class:`.._task_series.TaskSeries` (an occurrence row alone is never a task of its own).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from syncore.errors import UnsupportedRecord
from syncore.models import Kind, Record, Task, TaskPriority, TaskStatus
from syncore.recurrence import Regeneration, TaskRecurrence
from syncore.remote import RemoteRecord, Unsupported
from syncore.results import describe_item

from . import CONVERTER, Mapping, Payload, WriteContext, body, remote, text

SELECT = (
    "Id", "Subject", "ActivityDate", "Status", "Priority", "IsClosed", "CompletedDateTime", "IsReminderSet",
    "ReminderDateTime", "Description", "IsRecurrence", "IsDeleted", "IsArchived", "SystemModstamp",
    "LastModifiedDate", "OwnerId",
    # recurrence (Task object reference): the series' pattern, its occurrences' link, a repeating task's regeneration
    "RecurrenceActivityId", "RecurrenceType", "RecurrenceInterval", "RecurrenceDayOfWeekMask",
    "RecurrenceDayOfMonth", "RecurrenceInstance", "RecurrenceMonthOfYear", "RecurrenceStartDateOnly",
    "RecurrenceEndDateOnly", "RecurrenceRegeneratedType",
)

STATUS_TO_SF = {
    TaskStatus.NOT_STARTED: "Not Started",
    TaskStatus.IN_PROGRESS: "In Progress",
    TaskStatus.COMPLETED: "Completed",
    TaskStatus.WAITING: "Waiting on someone else",
    TaskStatus.DEFERRED: "Deferred",
}
STATUS_FROM_SF = {value: status for status, value in STATUS_TO_SF.items()}
PRIORITY_TO_SF = {TaskPriority.LOW: "Low", TaskPriority.NORMAL: "Normal", TaskPriority.HIGH: "High"}
PRIORITY_FROM_SF = {value: priority for priority, value in PRIORITY_TO_SF.items()}


def label(row: dict[str, Any]) -> str:
    """A Task row as a person knows it, for a report (a row of a series or a repeating task names it so)."""
    recurring = bool(row.get("IsRecurrence") or row.get("RecurrenceActivityId")
                     or row.get("RecurrenceRegeneratedType"))
    return describe_item(Kind.TASK, str(row.get("Subject") or ""), series=recurring)


def from_sf(row: dict[str, Any]) -> RemoteRecord | Unsupported:
    """A wire row as a syncore Task."""
    if row.get("IsRecurrence") or (row.get("RecurrenceActivityId") and row["RecurrenceActivityId"] != row["Id"]):
        # a series is read whole (_task_series.TaskSeries), never row by row
        return Unsupported(id=row["Id"], reason="recurring task series row read on its own; left alone",
                           label=label(row))
    status = STATUS_FROM_SF.get(row.get("Status") or "")
    if status is None:
        status = TaskStatus.COMPLETED if row.get("IsClosed") else TaskStatus.NOT_STARTED
    reminder = None
    if row.get("IsReminderSet") and row.get("ReminderDateTime"):
        reminder = CONVERTER.structure(row["ReminderDateTime"], datetime)
    task = Task(
        subject=text(row, "Subject"),
        due=CONVERTER.structure(row["ActivityDate"], date) if row.get("ActivityDate") else None,
        status=status,
        priority=PRIORITY_FROM_SF.get(row.get("Priority") or "", TaskPriority.NORMAL),
        completed_at=CONVERTER.structure(row["CompletedDateTime"], datetime) if row.get("CompletedDateTime") else None,
        reminder_at=reminder,
        body=body(row),
        recurrence=_repeating(row),
    )
    return remote(row, task)


def _repeating(row: dict[str, Any]) -> TaskRecurrence | None:
    """A repeating task's regeneration (``RecurrenceRegenerated``: one that repeated already reads as single)."""
    from .._recurrence import REGENERATE_AFTER_CLOSE, REGENERATE_AFTER_DUE, task_rule

    if row.get("RecurrenceRegeneratedType") not in (REGENERATE_AFTER_DUE, REGENERATE_AFTER_CLOSE):
        return None
    rule, regenerate = task_rule(row)
    start = row.get("ActivityDate") or row.get("CreatedDate")
    return TaskRecurrence(rule=rule, start=CONVERTER.structure(str(start)[:10], date), regenerate=regenerate)


def represent(record: Record) -> Record:
    """As Salesforce stores it: plain-text body, never private, no completion time on an open task, no
    contacts (they are relations, not fields)."""
    assert isinstance(record, Task)
    changes: dict[str, Any] = {}
    if record.body.html is not None or record.body.rtf is not None:
        changes["body"] = record.body.plain()
    if record.private:
        changes["private"] = False
    if record.status is not TaskStatus.COMPLETED and record.completed_at is not None:
        changes["completed_at"] = None
    if record.contacts:
        changes["contacts"] = ()
    record = record.replace(**changes) if changes else record
    from .._task_series import represent as recurring

    return recurring(record)


def _status_value(status: TaskStatus, ctx: WriteContext) -> tuple[str, list[str]]:
    wanted = STATUS_TO_SF[status]
    allowed = ctx.info.picklists.get("Status")
    if not allowed or wanted in allowed:
        return wanted, []
    info = ctx.task_statuses() if ctx.task_statuses else None
    if status is TaskStatus.COMPLETED and info is not None:
        closed = [value for value, is_closed in info.closed.items() if is_closed]
        if closed:
            return closed[0], [f"status completed stored as {closed[0]!r}: the org has no {wanted!r}"]
    fallback = (info.default if info else None) or ctx.info.defaults.get("Status") or allowed[0]
    return fallback, [f"status {status.value} stored as {fallback!r}: the org has no {wanted!r}"]


def to_sf(record: Record, fields: frozenset[str] | None, ctx: WriteContext) -> Payload:
    """The payload writing ``fields`` (None: everything) of ``record``."""
    assert isinstance(record, Task)
    wanted = set(Task.field_names()) if fields is None else set(fields)
    payload: dict[str, Any] = {}
    warnings: list[str] = []
    if "subject" in wanted:
        payload["Subject"] = record.subject
    series = record.recurrence is not None and record.recurrence.regenerate is Regeneration.NONE
    if "due" in wanted and not series:
        # a series' due dates are its occurrences' ("ActivityDate can't be set or updated for a recurring task")
        payload["ActivityDate"] = CONVERTER.unstructure(record.due, date) if record.due else None
    if "recurrence" in wanted:
        payload.update(_recurrence_fields(record, creating=fields is None))
    if "status" in wanted:
        payload["Status"], lost = _status_value(record.status, ctx)
        warnings += lost
    if "priority" in wanted:
        payload["Priority"] = PRIORITY_TO_SF[record.priority]
    if "reminder_at" in wanted:
        if record.reminder_at is None:
            payload.update(IsReminderSet=False, ReminderDateTime=None)
        else:
            payload.update(IsReminderSet=True,
                           ReminderDateTime=CONVERTER.unstructure(record.reminder_at, datetime))
    if "body" in wanted:
        payload["Description"] = record.body.text
    if record.private and "private" in wanted:
        warnings.append("private flag not stored: Salesforce tasks have no IsPrivate")
    return Payload(fields=payload, warnings=tuple(warnings))


def _recurrence_fields(record: Task, *, creating: bool) -> dict[str, Any]:
    """The Task fields of ``record.recurrence`` (see :mod:`.._task_series`); ``IsRecurrence`` only on create (it
    is create-only: a change of kind is refused before the payload is sent)."""
    from .. import _recurrence

    if record.recurrence is None:
        return {} if creating else {"RecurrenceRegeneratedType": None, "RecurrenceInterval": None}
    try:
        fields = _recurrence.task_fields(record.recurrence)
    except _recurrence.Unfit as exc:
        raise UnsupportedRecord(f"Salesforce cannot hold this recurring task: {exc}") from None
    if record.recurrence.regenerate is Regeneration.NONE and creating:
        fields["IsRecurrence"] = True
    return fields


MAPPING = Mapping(kind=Kind.TASK, sobject="Task", select=SELECT, from_sf=from_sf, to_sf=to_sf,
                  represent=represent)


def recurrence_unfit(record: Record) -> str | None:
    """Why Salesforce cannot hold this recurring task (None: it can)."""
    from .._task_series import unfit

    assert isinstance(record, Task) and record.recurrence is not None
    return unfit(record)
