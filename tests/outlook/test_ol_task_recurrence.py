"""Outlook desktop recurring tasks are not synced yet (docs/recurrence.md, "What each side syncs today"): a task
whose IsRecurring is true ("True if the task is a recurring task",
https://learn.microsoft.com/en-us/office/vba/api/outlook.taskitem.isrecurring) is reported for that task and never
read, written or deleted as a single task; the adapter declares no ``task_recurrence``, so the engine never sends
it one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from olsupport import gid

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Task
from syncore.remote import DeleteRequest, UpdateRequest
from syncore.testing import MemoryAdapter
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
    # reported as a person knows it, never by its id (the table's Subject column)
    assert [u.label for u in scan.unsupported] == ["recurring task 'Weekly report'"]
    engine = SyncEngine(pim=outlook, crm=MemoryAdapter(name="crm"), state=SqliteStateStore(":memory:"),
                        settings=SyncSettings(), clock=lambda: datetime(2026, 10, 20, tzinfo=UTC))
    result = engine.sync(Kind.TASK)
    assert result.skipped == ["pim recurring task 'Weekly report': recurring task: Outlook task recurrences "
                              "are not synced yet (left untouched)"]
    saves = fake.saves
    (update,) = outlook.update(Kind.TASK, [UpdateRequest(ref="u", id=gid(fake, recurring),
                                                         record=Task(subject="Flattened"),
                                                         fields=frozenset({"subject"}))])
    (delete,) = outlook.delete(Kind.TASK, [DeleteRequest(ref="d", id=gid(fake, recurring))])
    assert not update.ok and not delete.ok
    assert fake.saves == saves and fake.record(recurring).props["Subject"] == "Weekly report"


def _com_task(fake, subject, due, **pattern):
    """A task made the way the RecurrencePattern.Regenerate page's "Oil Change" example makes one: through
    TaskItem.GetRecurrencePattern, the type first."""
    item = fake.application.CreateItem(C.olTaskItem)
    item.Subject = subject
    item.DueDate = fake.time.date_out(due)  # a date crosses COM as its local midnight
    found = item.GetRecurrencePattern()
    for name, value in pattern.items():
        setattr(found, name, value)
    item.Save()
    return item.EntryID


def test_with_the_option_a_recurring_task_reads_with_its_pattern_and_regeneration(fake):
    from syncore.recurrence import TaskRecurrence
    from syncore_outlook import OutlookComAdapter

    oil = _com_task(fake, "Oil change", date(2026, 10, 23), RecurrenceType=C.olRecursMonthly, Regenerate=True,
                    Interval=3)
    weekly = _com_task(fake, "Weekly report", date(2026, 10, 23), RecurrenceType=C.olRecursWeekly,
                       DayOfWeekMask=C.olFriday, Occurrences=10)
    yearly = _com_task(fake, "Tax return", date(2027, 5, 31), RecurrenceType=C.olRecursYearly, Interval=12)
    outlook = OutlookComAdapter(fake.application, task_recurrence=True)
    assert outlook.capabilities.task_recurrence is True
    read = {item.id: item.record for item in outlook.full_scan(Kind.TASK).upserts}
    assert read[oil].recurrence == TaskRecurrence(rule="FREQ=MONTHLY;INTERVAL=3", start=date(2026, 10, 23),
                                                  regenerate="after_completion")
    assert read[weekly].recurrence == TaskRecurrence(rule="FREQ=WEEKLY;BYDAY=FR;COUNT=10", start=date(2026, 10, 23))
    # the yearly Interval is in months (12 = every year)
    assert read[yearly].recurrence == TaskRecurrence(rule="FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=31",
                                                     start=date(2027, 5, 31))
    after_due = Task(subject="Follow up", due=date(2026, 10, 23), recurrence=TaskRecurrence(
        rule="FREQ=WEEKLY", start=date(2026, 10, 23), regenerate="after_due"))
    assert outlook.unfit_reason(after_due) == ("Outlook regenerates a task only after the previous one is completed, "
                                               "not after its due date")


def test_any_recurring_task_outlook_can_hold_reads_back_as_represented(fake):
    """Hypothesis: a random fixed or regenerating task Outlook says it can hold is written through its
    RecurrencePattern and read back as ``represent`` says; one it cannot hold is refused, never written."""
    from datetime import UTC, datetime

    from hypothesis import HealthCheck, given, settings

    from syncore.remote import CreateRequest
    from syncore.testing.strategies import recurring_tasks
    from syncore_outlook import OutlookComAdapter

    outlook = OutlookComAdapter(fake.application, task_recurrence=True)

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much])
    @given(task=recurring_tasks(around=datetime(2026, 11, 1, tzinfo=UTC)))
    def round_trip(task):
        fits = outlook.unfit_reason(task) is None
        [outcome] = outlook.create(Kind.TASK, [CreateRequest(ref="t", record=task)])
        assert outcome.ok == fits, (task.recurrence, outcome.error)
        if fits:
            stored = outlook.fetch(Kind.TASK, [outcome.id])[outcome.id]
            assert stored.record == outlook.represent(task)
            assert stored.version == outcome.version

    round_trip()
