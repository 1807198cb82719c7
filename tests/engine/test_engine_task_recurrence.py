"""Recurring tasks through the engine: a recurring task goes as one record to a side that holds it, and what a side
cannot hold is reported for that task alone — never flattened into a single task, never blocking the others."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncore import ConflictPolicy, Kind, SqliteStateStore, SyncEngine, SyncSettings, Task, TaskRecurrence
from syncore.recurrence import Regeneration
from syncore.testing import MemoryAdapter

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
DUE = date(2026, 3, 31)


def world(*, crm_tasks: bool = True, unfit=None):
    pim = MemoryAdapter(name="pim", clock=lambda: NOW)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, clock=lambda: NOW, task_recurrence=crm_tasks, unfit=unfit)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"),
                        settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS), clock=lambda: NOW)
    return pim, crm, engine


def no_regeneration_after_due(record):
    recurrence = getattr(record, "recurrence", None)
    if isinstance(record, Task) and recurrence is not None and recurrence.regenerate is Regeneration.AFTER_DUE:
        return "no regeneration after the due date"
    return None


def test_a_recurring_task_the_other_side_cannot_hold_is_reported_alone_and_the_others_travel():
    pim, crm, engine = world(unfit=no_regeneration_after_due)
    fixed = Task(subject="Monthly report", due=DUE, recurrence=TaskRecurrence(rule="FREQ=MONTHLY", start=DUE))
    after_due = Task(subject="Pipeline review", due=DUE, recurrence=TaskRecurrence(
        rule="FREQ=WEEKLY;INTERVAL=2", start=DUE, regenerate="after_due"))
    single = Task(subject="Call Ada", due=DUE)
    pim.put(fixed)
    refused = pim.put(after_due)
    pim.put(single)
    plan = engine.plan(Kind.TASK)
    [skip] = [s for s in plan.skipped if s.native_id == refused]
    assert skip.reason == "left alone: the CRM side cannot hold this recurring task: no regeneration after the due date"
    result = engine.apply(plan)
    assert result.ok, result.errors
    # named by its subject, as the plan review names it
    assert f"pim recurring task 'Pipeline review': {skip.reason}" in result.skipped
    assert sorted(crm.records(Kind.TASK).values(), key=lambda t: t.subject) == [single, fixed]
    assert engine.plan(Kind.TASK).operations == []


def test_a_task_made_recurring_where_the_other_side_holds_no_recurring_tasks_is_reported_not_flattened():
    pim, crm, engine = world(crm_tasks=False)
    pim_id = pim.put(Task(subject="Report", due=DUE))
    assert engine.sync(Kind.TASK).ok
    [(crm_id, copy)] = crm.records(Kind.TASK).items()
    pim.edit(pim_id, recurrence=TaskRecurrence(rule="FREQ=MONTHLY", start=DUE), subject="Monthly report")
    plan = engine.plan(Kind.TASK)
    assert plan.operations == []
    [skip] = [s for s in plan.skipped if s.native_id == pim_id]
    assert skip.reason == "not written to the CRM: a recurring task; the CRM side syncs no recurring tasks"
    assert engine.sync(Kind.TASK).ok
    assert crm.records(Kind.TASK) == {crm_id: copy}, "the CRM task is neither flattened nor half-updated"
    # made single again: the waiting edit travels
    pim.edit(pim_id, recurrence=None)
    assert engine.sync(Kind.TASK).ok
    assert crm.records(Kind.TASK)[crm_id].subject == "Monthly report"
    assert crm.records(Kind.TASK)[crm_id].recurrence is None
