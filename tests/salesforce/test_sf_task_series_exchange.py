"""Recurring tasks end to end through both real adapters and both emulators (exchangelib ⇄ EWS emulator, simple-
salesforce ⇄ Salesforce emulator; no MemoryAdapter):

* a fixed-schedule task made with exchangelib reaches Salesforce as one recurring series (main record + one task per
  occurrence), and a regenerating one ("regenerate 3 days after completion": EWS DailyRegeneration) as a repeating
  task (RecurrenceRegenerateAfterToday, 3 days); what Salesforce cannot hold is reported for that task alone, by
  subject; a second sync writes nothing;
* an edit of the pattern in Exchange follows; a series and a repeating task made in Salesforce reach Exchange as one
  recurring task each, and a second sync writes nothing.

Expected values are written out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

from exchangelib import EWSDate, EWSTimeZone
from exchangelib.items import Task as EwsTask
from exchangelib.recurrence import DailyRegeneration, MonthlyRegeneration, TaskRecurrence, WeeklyPattern
from sfadapter_support import Sleeps

from pair_emulators import exchange_emulator, salesforce_emulator_at
from syncore import SyncEngine
from syncore.models import Kind
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore_exchange import ExchangeAdapter
from syncore_salesforce import SalesforceAdapter

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)
BERLIN = EWSTimeZone("Europe/Berlin")
FRIDAYS = ["2031-03-07", "2031-03-14", "2031-03-21", "2031-03-28", "2031-04-04", "2031-04-11"]


sf = salesforce_emulator_at(NOW)


ews = exchange_emulator()


def engine_for(sf, ews):
    account = ews.account(default_timezone=BERLIN)
    crm = SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=Sleeps())
    engine = SyncEngine(pim=ExchangeAdapter(account, sleep=lambda s: None), crm=crm,
                        state=SqliteStateStore(":memory:"), settings=SyncSettings(), clock=sf.clock.now)
    return engine, account


def sync(sf, engine):
    sf.clock.advance(2)
    result = engine.sync(Kind.TASK)
    assert result.ok, result.errors
    return result


def writes(result) -> dict[str, int]:
    """Non-zero write counts as "side action" ("crm update")."""
    return {f"{side.value} {action.value}": n for (side, action), n in result.counts.items() if n}


def sf_tasks(sf) -> dict[str, list]:
    """Per main record or single task: its subject, kind and (series) its occurrences' due dates."""
    rows = sf.all("Task")
    out = {}
    for row in rows:
        if row["IsRecurrence"]:
            out[row["Subject"]] = ["series", [r["ActivityDate"] for r in rows
                                              if r["RecurrenceActivityId"] == row["Id"] and not r["IsRecurrence"]]]
        elif not row["RecurrenceActivityId"]:
            out[row["Subject"]] = [row["RecurrenceRegeneratedType"], row["RecurrenceInterval"], row["ActivityDate"]]
    return out


def test_exchange_recurring_tasks_reach_salesforce_and_what_it_cannot_hold_is_reported(sf, ews):
    engine, account = engine_for(sf, ews)
    weekly = EwsTask(account=account, folder=account.tasks, subject="Weekly report", due_date=EWSDate(2031, 3, 7),
                     recurrence=TaskRecurrence(pattern=WeeklyPattern(interval=1, weekdays=[5]),
                                               start=EWSDate(2031, 3, 7), number=6))
    weekly.save()
    EwsTask(account=account, folder=account.tasks, subject="Water plants", due_date=EWSDate(2031, 3, 7),
            recurrence=TaskRecurrence(pattern=DailyRegeneration(interval=3), start=EWSDate(2031, 3, 7))).save()
    EwsTask(account=account, folder=account.tasks, subject="Haircut", due_date=EWSDate(2031, 3, 7),
            recurrence=TaskRecurrence(pattern=MonthlyRegeneration(interval=1), start=EWSDate(2031, 3, 7))).save()
    EwsTask(account=account, folder=account.tasks, subject="Stand-up notes", due_date=EWSDate(2031, 3, 7),
            recurrence=TaskRecurrence(pattern=WeeklyPattern(interval=1, weekdays=[5]),
                                      start=EWSDate(2031, 3, 7))).save()

    sf.clock.advance(2)
    plan = engine.plan(Kind.TASK)
    assert sorted((s.label, s.reason) for s in plan.skipped) == [
        ("recurring task 'Haircut'", ("left alone: the CRM side cannot hold this recurring task: Salesforce repeats a task a "
                           "number of days later; this one repeats monthly")),
        ("recurring task 'Stand-up notes'", ("left alone: the CRM side cannot hold this recurring task: a Salesforce task "
                                  "series needs an end date")),
    ]
    first = engine.apply(plan)
    assert first.ok, first.errors
    assert sf_tasks(sf) == {
        "Weekly report": ["series", FRIDAYS],
        "Water plants": ["RecurrenceRegenerateAfterToday", 3, "2031-03-07"],
    }
    assert len(first.skipped) == 2, first.skipped
    assert writes(sync(sf, engine)) == {}, "a second sync writes nothing"

    # the pattern edited in Exchange: every other Friday, three times
    weekly.refresh()
    weekly.recurrence = TaskRecurrence(pattern=WeeklyPattern(interval=2, weekdays=[5]), start=EWSDate(2031, 3, 7),
                                       number=3)
    weekly.save(update_fields=["recurrence"])
    assert writes(sync(sf, engine)) == {"crm update": 1}
    assert sf_tasks(sf)["Weekly report"] == ["series", ["2031-03-07", "2031-03-21", "2031-04-04"]]
    assert writes(sync(sf, engine)) == {}, "a second sync writes nothing"
    assert len(ews.items("tasks")) == 4, "Exchange still holds one item per recurring task"

    # and back: in Salesforce the series is renamed and its first occurrence closed; the repeating task now
    # repeats a week after it is closed
    main = next(r for r in sf.all("Task") if r["IsRecurrence"])
    first_open = min((r for r in sf.all("Task") if r["RecurrenceActivityId"] == main["Id"] and not r["IsRecurrence"]),
                     key=lambda r: r["ActivityDate"])
    sf.update("Task", main["Id"], {"Subject": "Team report"})
    sf.update("Task", first_open["Id"], {"Status": "Completed"})
    plants = next(r for r in sf.all("Task") if r["Subject"] == "Water plants")
    sf.update("Task", plants["Id"], {"RecurrenceInterval": 7})
    assert writes(sync(sf, engine)) == {"pim update": 2}
    weekly.refresh()
    assert (weekly.subject, weekly.due_date) == ("Team report", EWSDate(2031, 3, 21))
    assert (type(weekly.recurrence.pattern).__name__, weekly.recurrence.pattern.interval) == ("WeeklyPattern", 2)
    plants_item = next(t for t in account.tasks.all() if t.subject == "Water plants")
    assert (type(plants_item.recurrence.pattern).__name__, plants_item.recurrence.pattern.interval) == (
        "WeeklyRegeneration", 1)
    assert writes(sync(sf, engine)) == {}, "a second sync writes nothing"


def test_salesforce_recurring_tasks_reach_exchange_as_recurring_tasks(sf, ews):
    sf.insert("Task", {"Subject": "Monthly review", "OwnerId": sf.user_id, "IsRecurrence": True,
                       "RecurrenceType": "RecursMonthlyNth", "RecurrenceInstance": "Last", "RecurrenceInterval": 1,
                       "RecurrenceDayOfWeekMask": 32, "RecurrenceStartDateOnly": "2031-03-01",
                       "RecurrenceEndDateOnly": "2031-06-30"})
    sf.insert("Task", {"Subject": "Invoice check", "OwnerId": sf.user_id, "ActivityDate": "2031-03-05",
                       "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterToday", "RecurrenceInterval": 14})
    sf.insert("Task", {"Subject": "Pay rent", "OwnerId": sf.user_id, "ActivityDate": "2031-03-05",
                       "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterDueDate", "RecurrenceInterval": 30})
    engine, account = engine_for(sf, ews)
    first = sync(sf, engine)
    tasks = {t.subject: t for t in account.tasks.all()}
    # 28 March, 25 April, 30 May, 27 June 2031: the last Friday of each month
    monthly = tasks["Monthly review"]
    assert (type(monthly.recurrence.pattern).__name__, monthly.recurrence.pattern.weekday,
            monthly.recurrence.pattern.week_number) == ("RelativeMonthlyPattern", 5, 5)
    assert monthly.due_date == EWSDate(2031, 3, 28)
    invoice = tasks["Invoice check"]
    assert (type(invoice.recurrence.pattern).__name__, invoice.recurrence.pattern.interval) == ("WeeklyRegeneration", 2)
    # Exchange regenerates only after completion: a task repeating after its due date is reported there
    assert "Pay rent" not in tasks
    assert any("after its due date" in s for s in first.skipped), first.skipped
    assert len(ews.items("tasks")) == 2, "one Exchange task per recurring task, never one per occurrence"
    assert writes(sync(sf, engine)) == {}, "a second sync writes nothing"
