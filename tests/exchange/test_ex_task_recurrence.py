"""Recurring tasks in Exchange: a fixed pattern and a regeneration, read and written by the adapter, and synced
with a CRM that holds task series. Task recurrence: https://learn.microsoft.com/en-us/exchange/client-developer/
web-service-reference/recurrence-taskrecurrencetype (the patterns plus DailyRegeneration … YearlyRegeneration)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from exchangelib import EWSDate, EWSTimeZone
from exchangelib.items import Task as EwsTask
from exchangelib.recurrence import DailyRegeneration, TaskRecurrence, WeeklyPattern

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Task
from syncore.recurrence import Regeneration
from syncore.recurrence import TaskRecurrence as Rule
from syncore.remote import CreateRequest
from syncore.testing import MemoryAdapter

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def test_recurring_tasks_read_write_and_sync(emu, adapter):
    account = emu.account(default_timezone=EWSTimeZone("Europe/Berlin"))
    weekly = EwsTask(account=account, folder=account.tasks, subject="Weekly report", due_date=EWSDate(2031, 3, 7),
                     recurrence=TaskRecurrence(pattern=WeeklyPattern(interval=1, weekdays=[5]),
                                               start=EWSDate(2031, 3, 7), number=10))
    weekly.save()
    regenerating = EwsTask(account=account, folder=account.tasks, subject="Water plants",
                           due_date=EWSDate(2031, 3, 7),
                           recurrence=TaskRecurrence(pattern=DailyRegeneration(interval=3), start=EWSDate(2031, 3, 7)))
    regenerating.save()
    read = {u.record.subject: u.record.recurrence for u in adapter.full_scan(Kind.TASK).upserts}
    assert read == {
        "Weekly report": Rule(rule="FREQ=WEEKLY;BYDAY=FR;COUNT=10", start=date(2031, 3, 7)),
        "Water plants": Rule(rule="FREQ=DAILY;INTERVAL=3", start=date(2031, 3, 7),
                             regenerate=Regeneration.AFTER_COMPLETION),
    }

    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    engine = SyncEngine(pim=adapter, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    first = engine.sync(Kind.TASK)
    assert first.ok, first.errors
    assert {t.subject: t.recurrence for t in crm.records(Kind.TASK).values()} == read
    assert not {k: n for k, n in engine.sync(Kind.TASK).counts.items() if n}, "a second sync writes nothing"

    # Exchange regenerates only after completion: a task regenerating after its due date is refused per record
    after_due = Task(subject="Follow up", due=date(2031, 3, 7),
                     recurrence=Rule(rule="FREQ=WEEKLY", start=date(2031, 3, 7), regenerate=Regeneration.AFTER_DUE))
    assert "after its due date" in adapter.unfit_reason(after_due)
    crm.put(after_due)
    result = engine.sync(Kind.TASK)
    assert {k: n for k, n in result.counts.items() if n} == {}
    assert any("after its due date" in s for s in result.skipped), result.skipped
    (created,) = adapter.create(Kind.TASK, [CreateRequest(ref="t", record=Task(
        subject="Monthly", due=date(2031, 3, 7), recurrence=Rule(rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
                                                                 start=date(2031, 3, 7))))])
    assert created.ok
    stored = emu.get_item(created.id)["fields"]["Recurrence"]
    assert "<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek>" in stored
