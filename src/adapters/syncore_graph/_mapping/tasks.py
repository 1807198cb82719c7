"""Microsoft To Do ``todoTask`` ⇄ :class:`~syncore.models.Task`.

* ``due``: ``dueDateTime`` is a midnight; written in the mailbox's zone, read back as the user's date.
* ``status`` and ``importance`` map one to one; ``completedDateTime`` is read while the task is completed and
  written with a completion; ``reminderDateTime`` (with ``isReminderOn``) ⇄ ``reminder_at``.
* To Do has no sensitivity: ``private`` cannot be kept (reported as a warning, and represented as False).
"""

from __future__ import annotations

from typing import Any

from syncore.models import Task, TaskPriority, TaskStatus

from .values import body_from_graph, body_to_graph, instant, local_date, midnight_of, text

_STATUS_FROM = {"notStarted": TaskStatus.NOT_STARTED, "inProgress": TaskStatus.IN_PROGRESS,
                "completed": TaskStatus.COMPLETED, "waitingOnOthers": TaskStatus.WAITING,
                "deferred": TaskStatus.DEFERRED}
_STATUS_TO = {value: key for key, value in _STATUS_FROM.items()}
_PRIORITY_FROM = {"low": TaskPriority.LOW, "normal": TaskPriority.NORMAL, "high": TaskPriority.HIGH}
_PRIORITY_TO = {value: key for key, value in _PRIORITY_FROM.items()}
PRIVATE_NOT_KEPT = "To Do tasks cannot be private; the task was written without that flag"


def task_from_graph(task: dict[str, Any], mailbox_zone: str) -> Task:
    status = _STATUS_FROM.get(task.get("status") or "notStarted", TaskStatus.NOT_STARTED)
    return Task(
        subject=text(task.get("title")),
        due=local_date(task.get("dueDateTime"), mailbox_zone),
        status=status,
        priority=_PRIORITY_FROM.get(task.get("importance") or "normal", TaskPriority.NORMAL),
        completed_at=instant(task.get("completedDateTime")) if status is TaskStatus.COMPLETED else None,
        reminder_at=instant(task.get("reminderDateTime")) if task.get("isReminderOn") else None,
        body=body_from_graph(task.get("body")),
    )


def task_to_graph(task: Task, fields: frozenset[str] | None, mailbox_zone: str) -> dict[str, Any]:
    names = set(Task.field_names()) if fields is None else set(fields)
    out: dict[str, Any] = {}
    if "subject" in names:
        out["title"] = task.subject
    if "due" in names:
        out["dueDateTime"] = midnight_of(task.due, mailbox_zone) if task.due else None
    if "status" in names:
        out["status"] = _STATUS_TO[task.status]
        if task.status is TaskStatus.COMPLETED and task.completed_at is not None:
            out["completedDateTime"] = {"dateTime": task.completed_at.replace(tzinfo=None).isoformat(
                timespec="seconds"), "timeZone": "UTC"}
    if "priority" in names:
        out["importance"] = _PRIORITY_TO[task.priority]
    if "reminder_at" in names:
        out["isReminderOn"] = task.reminder_at is not None
        out["reminderDateTime"] = ({"dateTime": task.reminder_at.replace(tzinfo=None).isoformat(timespec="seconds"),
                                    "timeZone": "UTC"} if task.reminder_at else None)
    if "body" in names:
        out["body"] = body_to_graph(task.body)
    return out
