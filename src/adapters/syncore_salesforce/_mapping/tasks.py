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
* Recurring task series (``IsRecurrence``) are reported as unsupported.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from syncore.models import Kind, Record, Task, TaskPriority, TaskStatus
from syncore.remote import RemoteRecord, Unsupported

from . import CONVERTER, Mapping, Payload, WriteContext, body, remote, text

SELECT = (
    "Id", "Subject", "ActivityDate", "Status", "Priority", "IsClosed", "CompletedDateTime", "IsReminderSet",
    "ReminderDateTime", "Description", "IsRecurrence", "IsDeleted", "IsArchived", "SystemModstamp",
    "LastModifiedDate", "OwnerId",
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


def from_sf(row: dict[str, Any]) -> RemoteRecord | Unsupported:
    """A wire row as a syncore Task."""
    if row.get("IsRecurrence"):
        return Unsupported(id=row["Id"], reason="recurring task series: not synced")
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
    )
    return remote(row, task)


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
    return record.replace(**changes) if changes else record


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
    if "due" in wanted:
        payload["ActivityDate"] = CONVERTER.unstructure(record.due, date) if record.due else None
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


MAPPING = Mapping(kind=Kind.TASK, sobject="Task", select=SELECT, from_sf=from_sf, to_sf=to_sf,
                  represent=represent)


def recurrence_unfit(record: Record) -> str | None:
    """Why a Salesforce task series cannot hold this recurring task (None: it can)."""
    from .. import _recurrence

    assert isinstance(record, Task) and record.recurrence is not None
    try:
        _recurrence.task_fields(record.recurrence)
    except _recurrence.Unfit as exc:
        return str(exc)
    return None
