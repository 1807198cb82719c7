"""Recurring tasks through the Salesforce adapter (option ``task_recurrence``, on by default) against the emulator,
through the real simple-salesforce over HTTP.

* a recurring series (main record + one task per occurrence) reads as ONE syncore task with its rule, never its
  occurrences as tasks of their own, with O(1) queries; its due date is the first open occurrence;
* a repeating task (``RecurrenceRegeneratedType``) reads as a regenerating task, counted in days;
* what Salesforce cannot hold is refused for that task alone, and so is a change Salesforce cannot make (a single
  task made recurring: ``IsRecurrence`` is create-only);
* option off: every row of a recurring or repeating task is reported and left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sfadapter_support import Sleeps

from syncore.models import Kind, Task, TaskStatus
from syncore.recurrence import TaskRecurrence
from syncore.remote import CreateRequest, UpdateRequest
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
QUERIES = ("composite", "query", "queryAll", "query_more")


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=NOW) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def adapter(emu, **options) -> SalesforceAdapter:
    return SalesforceAdapter(emu.client(), clock=emu.clock.now, sleep=Sleeps(), **options)


def monthly_series(emu, subject="Monthly report") -> str:
    """Made in Salesforce by another user's client: day 15, January to April 2027 (four occurrences)."""
    return emu.insert("Task", {"Subject": subject, "OwnerId": emu.user_id, "IsRecurrence": True,
                               "RecurrenceType": "RecursMonthly", "RecurrenceInterval": 1, "RecurrenceDayOfMonth": 15,
                               "RecurrenceStartDateOnly": "2027-01-10", "RecurrenceEndDateOnly": "2027-04-30"})


def occurrences(emu, main_id):
    return sorted((r for r in emu.all("Task") if r["RecurrenceActivityId"] == main_id and not r["IsRecurrence"]),
                  key=lambda r: r["ActivityDate"])


def test_a_series_reads_as_one_task_with_its_rule_never_its_occurrences(emu):
    main_ids = [monthly_series(emu, f"Report {n}") for n in range(3)]
    emu.reset_log()
    scan = adapter(emu).full_scan(Kind.TASK)
    assert scan.unsupported == ()
    assert sorted(item.id for item in scan.upserts) == sorted(main_ids), "12 occurrence rows, 3 tasks"
    task = next(item.record for item in scan.upserts if item.id == main_ids[0])
    # the pattern starts on 10 January; its first due date is the 15th
    assert task.recurrence == TaskRecurrence(rule="FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20270430",
                                             start=date(2027, 1, 15))
    assert task.due == date(2027, 1, 15) and task.subject == "Report 0"
    # the scan (one Composite request: Get Updated and the queryAll) and one query for the three series'
    # rows: O(1) in the number of series and occurrences
    assert [e.operation for e in emu.requests if e.operation in QUERIES] == ["composite", "query"]


def test_closing_an_occurrence_in_salesforce_moves_the_series_due_date_on(emu):
    main_id = monthly_series(emu)
    sf = adapter(emu)
    scan = sf.full_scan(Kind.TASK)
    emu.clock.advance(timedelta(seconds=5))
    emu.update("Task", occurrences(emu, main_id)[0]["Id"], {"Status": "Completed"})
    [item] = sf.changes(Kind.TASK, scan.cursor).upserts
    assert item.id == main_id and item.record.due == date(2027, 2, 15)
    assert item.version != scan.upserts[0].version


def test_a_repeating_task_reads_as_a_regenerating_task_in_days(emu):
    emu.insert("Task", {"Subject": "Water plants", "OwnerId": emu.user_id, "ActivityDate": "2027-01-06",
                        "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterToday", "RecurrenceInterval": 14})
    emu.insert("Task", {"Subject": "Invoice", "OwnerId": emu.user_id, "ActivityDate": "2027-01-07",
                        "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterDueDate", "RecurrenceInterval": 3})
    tasks = {item.record.subject: item.record for item in adapter(emu).full_scan(Kind.TASK).upserts}
    assert tasks["Water plants"].recurrence == TaskRecurrence(rule="FREQ=WEEKLY;INTERVAL=2",
                                                              start=date(2027, 1, 6), regenerate="after_completion")
    assert tasks["Invoice"].recurrence == TaskRecurrence(rule="FREQ=DAILY;INTERVAL=3", start=date(2027, 1, 7),
                                                         regenerate="after_due")


def test_what_salesforce_cannot_hold_is_refused_for_that_task_alone(emu):
    sf = adapter(emu)
    start = date(2027, 1, 15)
    records = {
        "fits": Task(subject="Monthly", due=start, recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=3", start=start)),
        "no end": Task(subject="Forever", due=start, recurrence=TaskRecurrence(rule="FREQ=MONTHLY", start=start)),
        "bysetpos": Task(subject="Last workday", due=date(2027, 1, 29), recurrence=TaskRecurrence(
            rule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", start=date(2027, 1, 29))),
        "monthly regeneration": Task(subject="Haircut", due=start, recurrence=TaskRecurrence(
            rule="FREQ=MONTHLY", start=start, regenerate="after_completion")),
        "regeneration with an end": Task(subject="Pills", due=start, recurrence=TaskRecurrence(
            rule="FREQ=DAILY;COUNT=5", start=start, regenerate="after_completion")),
        "single": Task(subject="Call Ada", due=start),
    }
    reasons = {name: sf.unfit_reason(task) for name, task in records.items() if task.recurrence is not None}
    assert reasons["fits"] is None
    assert reasons["no end"] == "a Salesforce task series needs an end date"
    assert reasons["bysetpos"] == "the classic pattern has no BYSETPOS"
    assert reasons["monthly regeneration"] == "Salesforce repeats a task a number of days later; this one repeats monthly"
    assert reasons["regeneration with an end"] == ("a repeating Salesforce task has no end (this one ends after a "
                                                   "count or on a date)")
    outcomes = sf.create(Kind.TASK, [CreateRequest(ref=name, record=task) for name, task in records.items()])
    assert {o.ref: o.ok for o in outcomes} == {"fits": True, "no end": False, "bysetpos": False,
                                               "monthly regeneration": False, "regeneration with an end": False,
                                               "single": True}
    assert "needs an end date" in str(next(o for o in outcomes if o.ref == "no end").error)
    assert sorted(r["Subject"] for r in emu.all("Task") if r["IsRecurrence"] or not r["RecurrenceActivityId"]) == [
        "Call Ada", "Monthly"]


def test_a_series_written_with_a_later_due_date_keeps_only_the_occurrences_from_there(emu):
    """A PIM's recurring task whose earlier occurrences were completed there (and kept there as completed tasks)."""
    sf = adapter(emu)
    task = Task(subject="Monthly", due=date(2027, 3, 15),
                recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=4", start=date(2027, 1, 15)))
    [outcome] = sf.create(Kind.TASK, [CreateRequest(ref="m", record=task)])
    assert outcome.ok, outcome.error
    assert [r["ActivityDate"] for r in occurrences(emu, outcome.id)] == ["2027-03-15", "2027-04-15"]
    assert sf.fetch(Kind.TASK, [outcome.id])[outcome.id].record == sf.represent(task)
    # the next occurrence completed on the PIM: its due date moves on, and so does Salesforce's open occurrence
    moved = task.replace(due=date(2027, 4, 15))
    [updated] = sf.update(Kind.TASK, [UpdateRequest(ref="u", id=outcome.id, record=moved, fields=frozenset({"due"}))])
    assert updated.ok, updated.error
    assert [r["ActivityDate"] for r in occurrences(emu, outcome.id)] == ["2027-04-15"]
    assert sf.fetch(Kind.TASK, [outcome.id])[outcome.id].record == sf.represent(moved)


def test_a_change_salesforce_cannot_make_is_refused_naming_the_task(emu):
    """Task reference: "After a task is created, it can't be changed from recurring to nonrecurring or vice versa"."""
    sf = adapter(emu)
    start = date(2027, 1, 15)
    single = Task(subject="Call Ada", due=start)
    series = Task(subject="Monthly", due=start, recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=3", start=start))
    ids = [o.id for o in sf.create(Kind.TASK, [CreateRequest(ref="a", record=single),
                                               CreateRequest(ref="b", record=series)])]
    made_recurring = single.replace(recurrence=series.recurrence)
    made_single = series.replace(recurrence=None, subject="Monthly (once)")
    repeating = single.replace(subject="Call Ada weekly", recurrence=TaskRecurrence(
        rule="FREQ=WEEKLY", start=start, regenerate="after_due"))
    outcomes = sf.update(Kind.TASK, [
        UpdateRequest(ref="a", id=ids[0], record=made_recurring, fields=frozenset({"recurrence"})),
        UpdateRequest(ref="b", id=ids[1], record=made_single, fields=frozenset({"recurrence", "subject"})),
    ])
    assert [o.ok for o in outcomes] == [False, False]
    assert str(outcomes[0].error) == ("Salesforce cannot turn a single task into a recurring series (IsRecurrence is "
                                      "set when a task is created); 'Call Ada' keeps its Salesforce form")
    assert str(outcomes[1].error).startswith("Salesforce cannot turn a recurring series into a single task")
    assert "'Monthly (once)'" in str(outcomes[1].error)
    # a single task may become a repeating one: that is a field of the task
    [ok] = sf.update(Kind.TASK, [UpdateRequest(ref="c", id=ids[0], record=repeating,
                                               fields=frozenset({"recurrence", "subject"}))])
    assert ok.ok, ok.error
    assert sf.fetch(Kind.TASK, [ids[0]])[ids[0]].record.recurrence == TaskRecurrence(
        rule="FREQ=WEEKLY", start=start, regenerate="after_due")
    assert sf.fetch(Kind.TASK, [ids[1]])[ids[1]].record.subject == "Monthly", "nothing of a refused edit is written"


def test_closing_a_repeating_task_in_salesforce_reads_as_a_completed_task_and_a_new_repeating_one(emu):
    task_id = emu.insert("Task", {"Subject": "Water plants", "OwnerId": emu.user_id, "ActivityDate": "2027-01-06",
                                  "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterDueDate",
                                  "RecurrenceInterval": 7})
    emu.update("Task", task_id, {"Status": "Completed"})
    tasks = {item.id: item.record for item in adapter(emu).full_scan(Kind.TASK).upserts}
    assert tasks.pop(task_id).recurrence is None and len(tasks) == 1
    [nxt] = tasks.values()
    assert (nxt.due, nxt.status, nxt.recurrence.regenerate.value) == (date(2027, 1, 13), TaskStatus.NOT_STARTED,
                                                                      "after_due")


def test_with_the_option_off_recurring_and_repeating_tasks_are_reported_never_flattened(emu):
    main_id = monthly_series(emu)
    emu.insert("Task", {"Subject": "Water plants", "OwnerId": emu.user_id, "ActivityDate": "2027-01-06",
                        "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterToday", "RecurrenceInterval": 14})
    single = emu.insert("Task", {"Subject": "Call Ada", "OwnerId": emu.user_id, "ActivityDate": "2027-01-06"})
    sf = adapter(emu, task_recurrence=False)
    assert sf.capabilities.task_recurrence is False
    scan = sf.full_scan(Kind.TASK)
    assert [item.id for item in scan.upserts] == [single]
    assert len(scan.unsupported) == 6, "the main record, its four occurrences and the repeating task"
    assert main_id in {u.id for u in scan.unsupported}
    assert {u.reason for u in scan.unsupported} == {"recurring task: not synced (task_recurrence is off)"}
    # named as a person knows them, never by id
    assert sorted(u.label for u in scan.unsupported) == ["recurring task 'Monthly report'"] * 5 + [
        "recurring task 'Water plants'"]


def test_a_batch_of_series_costs_a_constant_number_of_requests(emu):
    """Three series of four occurrences each, due from their third: one collections create, one query for their
    occurrences, one collections delete for the six done before the due date — not one request per occurrence
    (the describe is read once per adapter)."""
    sf = adapter(emu)
    sf.full_scan(Kind.TASK)  # the running user, read once
    tasks = [Task(subject=f"Report {n}", due=date(2027, 3, 15),
                  recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=4", start=date(2027, 1, 15))) for n in range(3)]
    emu.reset_log()
    outcomes = sf.create(Kind.TASK, [CreateRequest(ref=str(n), record=t) for n, t in enumerate(tasks)])
    assert all(o.ok for o in outcomes)
    assert [e.operation for e in emu.requests] == ["describe", "composite_create", "query", "composite_delete"]
    assert sorted(r["ActivityDate"] for r in emu.all("Task") if r["RecurrenceActivityId"] and not r["IsRecurrence"]) \
        == ["2027-03-15"] * 3 + ["2027-04-15"] * 3


def test_occurrences_that_cannot_be_removed_leave_the_series_written_with_a_warning(emu):
    sf = adapter(emu)
    sf.full_scan(Kind.TASK)
    emu.faults.server_error(n=5, status=503, op="query")
    task = Task(subject="Monthly", due=date(2027, 3, 15),
                recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=4", start=date(2027, 1, 15)))
    [outcome] = sf.create(Kind.TASK, [CreateRequest(ref="m", record=task)])
    assert outcome.ok and outcome.id
    assert len(outcome.warnings) == 1
    assert outcome.warnings[0].startswith("the occurrences before the due date could not be removed")


@pytest.mark.parametrize("link_field", [None, "Syncore_Link__c"], ids=["journal", "link field"])
def test_a_series_whose_create_reply_was_lost_is_found_never_made_twice(emu, link_field):
    """The create of a recurring series is sent, Salesforce makes it, the reply is lost: the next sync finds the
    series (by its link, or by the journal's fingerprint) and pairs it; nothing is created twice."""
    from syncore import SyncEngine
    from syncore.settings import SyncSettings
    from syncore.state import SqliteStateStore
    from syncore.testing import MemoryAdapter

    if link_field:
        emu.add_external_id("Task", link_field)
    pim = MemoryAdapter(name="pim", clock=emu.clock.now)
    pim.put(Task(subject="Monthly report", due=date(2027, 1, 15),
                 recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=3", start=date(2027, 1, 15))))
    engine = SyncEngine(pim=pim, crm=adapter(emu, link_field=link_field), state=SqliteStateStore(":memory:"),
                        settings=SyncSettings(), clock=emu.clock.now)
    emu.faults.lose_replies(1, op="composite_upsert" if link_field else "composite_create")
    emu.clock.advance(2)
    assert not engine.sync(Kind.TASK).ok, "the lost reply is an unknown outcome"
    emu.clock.advance(2)
    second = engine.sync(Kind.TASK)
    assert second.ok, second.errors
    mains = [r for r in emu.all("Task") if r["IsRecurrence"]]
    assert len(mains) == 1 and len(occurrences(emu, mains[0]["Id"])) == 3
    emu.clock.advance(2)
    assert not {k: n for k, n in engine.sync(Kind.TASK).counts.items() if n}, "then nothing more is written"


def test_any_recurring_task_salesforce_can_hold_reads_back_as_represented(emu):
    """Hypothesis: for random fixed and regenerating tasks, a task Salesforce says it can hold (``unfit_reason`` is
    None) is written and read back as ``represent`` says; one it cannot hold is refused, never written."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from syncore.testing.strategies import recurring_tasks

    sf = adapter(emu)
    sf.full_scan(Kind.TASK)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much])
    @given(task=recurring_tasks(around=datetime(2027, 3, 1, tzinfo=UTC)), closed=st.booleans())
    def round_trip(task, closed):
        task = task.replace(body="")  # bodies are another test's business
        if closed:
            task = task.replace(status=TaskStatus.COMPLETED, completed_at=None)
        fits = sf.unfit_reason(task) is None
        [outcome] = sf.create(Kind.TASK, [CreateRequest(ref="t", record=task)])
        assert outcome.ok == fits, (task.recurrence, outcome.error)
        if fits:
            stored = sf.fetch(Kind.TASK, [outcome.id])[outcome.id]
            expected = sf.represent(task)
            assert stored.record.replace(completed_at=None) == expected.replace(completed_at=None)
            if not closed:  # (a closed task's CompletedDateTime is Salesforce's own stamp: see the contract's note)
                assert stored.version == outcome.version

    round_trip()
