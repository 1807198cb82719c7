"""Outlook desktop recurring tasks are not synced yet (docs/recurrence.md, "What each side syncs today"): a task
whose IsRecurring is true ("True if the task is a recurring task",
https://learn.microsoft.com/en-us/office/vba/api/outlook.taskitem.isrecurring) is reported for that task and never
read, written or deleted as a single task; the adapter declares no ``task_recurrence``, so the engine never sends
it one."""

from __future__ import annotations

from datetime import date

from olsupport import gid

from syncore.models import Kind, Task
from syncore.remote import DeleteRequest, UpdateRequest
from syncore_outlook import constants as C


def test_a_recurring_task_is_reported_never_flattened(fake, outlook):
    assert outlook.capabilities.task_recurrence is False
    recurring = fake.user_create("tasks", Subject="Weekly report", DueDate=date(2026, 10, 23),
                                 Recurrence={"RecurrenceType": C.olRecursWeekly, "DayOfWeekMask": C.olFriday,
                                             "PatternStartDate": date(2026, 10, 23)})
    single = fake.user_create("tasks", Subject="Call Ada", DueDate=date(2026, 10, 23))
    scan = outlook.full_scan(Kind.TASK)
    assert [item.id for item in scan.upserts] == [gid(fake, single)]
    assert [(u.id, u.reason) for u in scan.unsupported] == [
        (gid(fake, recurring), "recurring task: Outlook task recurrences are not synced yet (left untouched)")]
    saves = fake.saves
    (update,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id=gid(fake, recurring),
                                                         record=Task(subject="Flattened"),
                                                         fields=frozenset({"subject"}))])
    (delete,) = outlook.delete(Kind.TASK, [DeleteRequest(ref="d", id=gid(fake, recurring))])
    assert not update.ok and not delete.ok
    assert fake.saves == saves and fake.record(recurring).props["Subject"] == "Weekly report"
