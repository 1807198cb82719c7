"""Recurring tasks between Outlook desktop (the fake Outlook, option ``task_recurrence``) and Salesforce (the
emulator through simple-salesforce): a fixed schedule becomes a series, a regeneration after completion a repeating
task in days, what Salesforce cannot hold is reported by subject, a Salesforce series reaches Outlook as one
recurring TaskItem, and second syncs write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sfadapter_support import Sleeps

from syncore import SyncEngine
from syncore.models import Kind
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore_outlook import OutlookComAdapter
from syncore_outlook import constants as C
from syncore_outlook.fake import FakeClock, FakeOutlook
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

NOW = datetime(2026, 10, 20, 9, tzinfo=UTC)


def _com_task(fake, subject, due, **pattern):
    item = fake.application.CreateItem(C.olTaskItem)
    item.Subject = subject
    item.DueDate = fake.time.date_out(due)
    found = item.GetRecurrencePattern()
    for name, value in pattern.items():
        setattr(found, name, value)
    item.Save()
    return item.EntryID


def _writes(result) -> dict[str, int]:
    return {f"{side.value} {action.value}": n for (side, action), n in result.counts.items() if n}


def test_outlook_recurring_tasks_and_salesforce_series_meet():
    fake = FakeOutlook(local_zone="Europe/Berlin", clock=FakeClock(NOW))
    with SalesforceEmulator(start_time=NOW) as sf:
        _com_task(fake, "Weekly report", date(2026, 10, 23), RecurrenceType=C.olRecursWeekly,
                  DayOfWeekMask=C.olFriday, Occurrences=4)
        _com_task(fake, "Water plants", date(2026, 10, 23), RecurrenceType=C.olRecursWeekly, Regenerate=True,
                  Interval=2)
        _com_task(fake, "Oil change", date(2026, 10, 23), RecurrenceType=C.olRecursMonthly, Regenerate=True,
                  Interval=3)
        for subject, day in (("Monthly review", 15), ("Month-end close", 30)):
            sf.insert("Task", {"Subject": subject, "OwnerId": sf.user_id, "IsRecurrence": True,
                               "RecurrenceType": "RecursMonthly", "RecurrenceInterval": 1, "RecurrenceDayOfMonth": day,
                               "RecurrenceStartDateOnly": "2026-10-21", "RecurrenceEndDateOnly": "2027-03-31"})
        engine = SyncEngine(
            pim=OutlookComAdapter(fake.application, task_recurrence=True),
            crm=SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=Sleeps()),
            state=SqliteStateStore(":memory:"), settings=SyncSettings(), clock=sf.clock.now)
        sf.clock.advance(2)
        plan = engine.plan(Kind.TASK)
        # Salesforce cannot count months from a completion; Outlook's day 30 is February's last day, where the
        # Salesforce series (as an RFC 5545 rule) skips February: each is reported for that task alone
        assert sorted((s.label, s.reason) for s in plan.skipped) == [
            ("task 'Month-end close'", ("left alone: the PIM side cannot hold this recurring task: "
                                       "FREQ=MONTHLY;BYMONTHDAY=30 has no Microsoft pattern: BYMONTHDAY=30 skips "
                                       "shorter months; Microsoft's day of month falls on the last day instead")),
            ("task 'Oil change'", ("left alone: the CRM side cannot hold this recurring task: Salesforce repeats a "
                                  "task a number of days later; this one repeats monthly"))]
        result = engine.apply(plan)
        assert result.ok, result.errors
        rows = sf.all("Task")
        main = next(r for r in rows if r["Subject"] == "Weekly report" and r["IsRecurrence"])
        assert sorted(r["ActivityDate"] for r in rows if r["RecurrenceActivityId"] == main["Id"]
                      and not r["IsRecurrence"]) == ["2026-10-23", "2026-10-30", "2026-11-06", "2026-11-13"]
        plants = next(r for r in rows if r["Subject"] == "Water plants")
        assert (plants["RecurrenceRegeneratedType"], plants["RecurrenceInterval"]) == (
            "RecurrenceRegenerateAfterToday", 14)
        review = next(t for t in fake.application.Session.GetDefaultFolder(C.olFolderTasks).Items
                      if t.Subject == "Monthly review")
        pattern = review.GetRecurrencePattern()
        assert (review.IsRecurring, pattern.RecurrenceType, pattern.DayOfMonth, pattern.Regenerate) == (
            True, C.olRecursMonthly, 15, False)
        assert fake.time.date_in(review.DueDate) == date(2026, 11, 15)
        sf.clock.advance(2)
        assert _writes(engine.sync(Kind.TASK)) == {}, "a second sync writes nothing"
