"""Task ⇄ :class:`~syncore.models.Task`.

* ``status`` ⇄ EWS status; ``priority`` ⇄ ``importance``; ``due`` ⇄ ``due_date``; ``private`` ⇄
  ``sensitivity``; ``reminder_at`` ⇄ ``reminder_is_set`` + ``reminder_due_by``.
* ``percent_complete`` is derived from the status so exchangelib's ``clean()`` never "fixes" it behind our
  back: Completed → 100, NotStarted → 0, otherwise the item's own percentage when it is strictly between.
* ``complete_date`` is server-owned ("set, but ignored by the server, which sets it to now()"), so
  ``completed_at`` is read, never written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from syncore.models import Task, TaskPriority, TaskStatus

from .recurrence import ews_task_pattern, task_recurrence_from_ews
from .values import body_from_item, body_value, plain_date, plain_utc, text

_STATUS_FROM_EWS = {
    "NotStarted": TaskStatus.NOT_STARTED,
    "InProgress": TaskStatus.IN_PROGRESS,
    "Completed": TaskStatus.COMPLETED,
    "WaitingOnOthers": TaskStatus.WAITING,
    "Deferred": TaskStatus.DEFERRED,
}
_STATUS_TO_EWS = {value: key for key, value in _STATUS_FROM_EWS.items()}
_PRIORITY_FROM_EWS = {"Low": TaskPriority.LOW, "Normal": TaskPriority.NORMAL, "High": TaskPriority.HIGH}
_PRIORITY_TO_EWS = {value: key for key, value in _PRIORITY_FROM_EWS.items()}


def task_from_item(item: Any) -> Task:
    """Map an exchangelib ``Task`` to a syncore Task (a recurring one with its :class:`TaskRecurrence`)."""
    completed = item.complete_date if item.status == "Completed" else None
    recurrence = getattr(item, "recurrence", None)
    return Task(
        subject=text(item.subject),
        due=plain_date(item.due_date),
        status=_STATUS_FROM_EWS.get(item.status or "NotStarted", TaskStatus.NOT_STARTED),
        priority=_PRIORITY_FROM_EWS.get(item.importance or "Normal", TaskPriority.NORMAL),
        completed_at=plain_utc(completed) if completed is not None else None,
        reminder_at=plain_utc(item.reminder_due_by) if item.reminder_is_set and item.reminder_due_by else None,
        body=body_from_item(item.body, getattr(item, "text_body", None)),
        private=item.sensitivity in ("Private", "Confidential"),
        recurrence=task_recurrence_from_ews(recurrence) if recurrence is not None else None,
    )


def percent_depends_on_item(status: TaskStatus) -> bool:
    """True when the percentage written with ``status`` depends on the item's own (an in-between status)."""
    return status not in (TaskStatus.COMPLETED, TaskStatus.NOT_STARTED)


def percent_for(status: TaskStatus, current: Decimal | int | None) -> Decimal:
    """The percentage consistent with ``status``, keeping the item's own one when it already fits."""
    if status is TaskStatus.COMPLETED:
        return Decimal(100)
    if status is TaskStatus.NOT_STARTED:
        return Decimal(0)
    if current is not None and 0 < Decimal(current) < 100:
        return Decimal(current)
    return Decimal(0)


def task_fields(task: Task, fields: frozenset[str] | None = None, current_percent: Any = None) -> dict[str, Any]:
    """exchangelib values for ``fields`` of ``task`` (all when None). ``completed_at`` is never written."""
    names = set(Task.field_names()) if fields is None else set(fields)
    out: dict[str, Any] = {}
    if "subject" in names:
        out["subject"] = task.subject
    if "due" in names:
        out["due_date"] = task.due
    if "status" in names:
        out["status"] = _STATUS_TO_EWS[task.status]
        out["percent_complete"] = percent_for(task.status, current_percent)
    if "priority" in names:
        out["importance"] = _PRIORITY_TO_EWS[task.priority]
    if "reminder_at" in names:
        out["reminder_is_set"] = task.reminder_at is not None
        out["reminder_due_by"] = task.reminder_at
    if "body" in names:
        out["body"] = body_value(task.body)
    if "private" in names:
        out["sensitivity"] = "Private" if task.private else "Normal"
    if "recurrence" in names:
        out["recurrence"] = ews_task_pattern(task) if task.recurrence is not None else None
    return out
