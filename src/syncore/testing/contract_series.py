"""The adapter contract for recurring series and tasks (part of :class:`~syncore.testing.AdapterContract`).

What runs depends on what the adapter declares, the switch being ``capabilities.recurrence`` (and
``capabilities.task_recurrence``):

* ``RULES``: a series (across a DST change, with a cancelled and a moved occurrence) round-trips as one record, a
  feed reports it once (never its occurrences), ``recurrence`` updates as a whole, one occurrence is updated and
  cancelled by its occurrence id, a series it says it cannot hold (``unfit_reason``) is refused for that
  record alone, and, where ``capabilities.cuts_series`` is declared, a series is cut before a date (its earlier
  occurrences, cancelled and moved ones included, kept; a second cut changes nothing);
* ``OCCURRENCES``: a series is refused for that record alone, never stored as a single event;
* ``NONE``: nothing (the engine never sends such a side a series; its own are reported as unsupported);
* recurring tasks round-trip where ``task_recurrence`` is declared (and the engine sends them nowhere else): a
  fixed schedule and a regeneration, a feed reports a recurring task once (never the single tasks a backend may
  store per occurrence, such as Salesforce's), and ``recurrence`` updates as a whole.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ..abc import Adapter
from ..models import Event, Kind, Task
from ..occurrences import occurrence_id
from ..recurrence import Override, Recurrence, TaskRecurrence
from ..remote import CutRequest, DeleteRequest, RecurrenceSupport, UpdateRequest, read_unread
from ..series import Series
from .contract_base import ContractBase


def _first_monday(after: date) -> date:
    return after + timedelta(days=(7 - after.weekday()) % 7 or 7)


class SeriesContract(ContractBase):
    """Series and recurring-task tests of the adapter contract."""

    def weekly_series(self, count: int = 8) -> Event:
        """A weekly 09:00 Berlin series over the next spring DST change after :attr:`now` (starting within a year,
        so that adapters reading a sync window see it), with its third occurrence cancelled and its second moved
        by two hours."""
        berlin = ZoneInfo("Europe/Berlin")
        march = date(self.now.year, 3, 10)
        march = march if self.now.date() < march else march.replace(year=march.year + 1)
        first = datetime.combine(_first_monday(march), datetime.min.time()).replace(hour=9, tzinfo=berlin)
        keys = [first + timedelta(days=7 * n) for n in range(count)]
        return Event(subject="Weekly 1:1", location="Room 1", start=first, end=first + timedelta(hours=1),
                     recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin", exdates=[keys[2]],
                                           overrides=[Override(original_start=keys[1], start=keys[1] + timedelta(hours=2),
                                                               end=keys[1] + timedelta(hours=3), subject="1:1 moved")]))

    def require_rules(self, adapter: Adapter) -> None:
        self.require(adapter, Kind.EVENT)
        if adapter.capabilities.recurrence is not RecurrenceSupport.RULES:
            pytest.skip(f"{adapter.adapter_name} holds no series as rules (capabilities.recurrence)")

    def test_a_series_round_trips_as_one_record(self, adapter: Adapter) -> None:
        self.require_rules(adapter)
        series = self.weekly_series()
        (native_id,) = self.create(adapter, Kind.EVENT, [series])
        stored = self.read(adapter, Kind.EVENT, native_id).record
        self.assert_same(adapter, series, stored)
        # every occurrence at 09:00 Berlin time, across the DST change
        walls = {o.event.start.astimezone(ZoneInfo("Europe/Berlin")).hour for o in Series(stored).expand(
            _whole_year(stored)) if o.original_start != series.recurrence.overrides[0].original_start}
        assert walls == {9}

    def test_a_feed_reports_a_series_once_never_its_occurrences(self, adapter: Adapter) -> None:
        self.require_rules(adapter)
        (native_id,) = self.create(adapter, Kind.EVENT, [self.weekly_series()])
        listed = [item for item in adapter.full_scan(Kind.EVENT).upserts if item.record.start >= self.now]
        assert [item.id for item in listed] == [native_id]

    def test_recurrence_updates_as_a_whole(self, adapter: Adapter) -> None:
        self.require_rules(adapter)
        series = self.weekly_series()
        (native_id,) = self.create(adapter, Kind.EVENT, [series])
        keys = list(Series(series).starts())
        changed = series.replace(recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin",
                                                       exdates=[keys[4]]))
        outcome = self.update(adapter, Kind.EVENT, native_id, changed, {"recurrence"})
        assert outcome.ok, outcome.error
        # (a backend may answer a new id for an update: WriteOutcome.id; Salesforce replaces a Lightning series
        # whose rule the API cannot change, here to bring back a cancelled occurrence)
        self.assert_same(adapter, changed, self.read(adapter, Kind.EVENT, outcome.id or native_id).record)

    def test_one_occurrence_is_updated_and_cancelled_by_its_occurrence_id(self, adapter: Adapter) -> None:
        self.require_rules(adapter)
        series = self.weekly_series()
        (native_id,) = self.create(adapter, Kind.EVENT, [series])
        keys = list(Series(series).starts())
        occurrence = Series(series).occurrence(keys[5])
        moved = occurrence.replace(subject="Moved here", start=occurrence.start + timedelta(hours=1),
                                   end=occurrence.end + timedelta(hours=1))
        (outcome,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="o", id=occurrence_id(native_id, keys[5]),
                                                               record=moved, fields=frozenset({"subject", "start",
                                                                                               "end"}))])
        assert outcome.ok, outcome.error
        (cancelled,) = adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=occurrence_id(native_id, keys[6]))])
        assert cancelled.ok, cancelled.error
        stored = self.read(adapter, Kind.EVENT, native_id).record
        assert keys[6] in stored.recurrence.exdates
        assert Series(stored).occurrence(keys[5]) == adapter.represent(moved)

    def test_a_series_is_cut_before_a_date_and_keeps_its_earlier_occurrences(self, adapter: Adapter) -> None:
        self.require_rules(adapter)
        if not adapter.capabilities.cuts_series:
            pytest.skip(f"{adapter.adapter_name} cuts no series (capabilities.cuts_series)")
        series = self.weekly_series()
        (native_id,) = self.create(adapter, Kind.EVENT, [series])
        keys = list(Series(series).starts())
        (outcome,) = adapter.cut_series(Kind.EVENT, [CutRequest(ref="c", id=native_id, before=keys[5])])
        assert outcome.ok, outcome.error
        stored = self.read(adapter, Kind.EVENT, native_id).record
        assert list(Series(stored).starts()) == keys[:5], "the occurrences before the date, none after"
        assert stored.recurrence.exdates == (keys[2],), "a cancelled occurrence stays cancelled"
        assert Series(stored).occurrence(keys[1]) == adapter.represent(Series(series).occurrence(keys[1])), \
            "a moved occurrence stays moved"
        # idempotent: cutting it again changes nothing; a series that is gone has nothing left to cut
        (again,) = adapter.cut_series(Kind.EVENT, [CutRequest(ref="c", id=native_id, before=keys[5])])
        assert again.ok, again.error
        assert self.read(adapter, Kind.EVENT, native_id).record == stored
        (deleted,) = adapter.delete(Kind.EVENT, [DeleteRequest(ref="d", id=native_id)])
        assert deleted.ok, deleted.error
        (gone,) = adapter.cut_series(Kind.EVENT, [CutRequest(ref="c", id=native_id, before=keys[5])])
        assert gone.ok, gone.error

    def test_a_series_the_side_cannot_hold_is_refused_alone(self, adapter: Adapter) -> None:
        self.require(adapter, Kind.EVENT)
        if adapter.capabilities.recurrence is RecurrenceSupport.NONE:
            pytest.skip(f"{adapter.adapter_name} is never sent a series (capabilities.recurrence is none)")
        daily = Event(subject="Daily", start=self.now + timedelta(days=2), end=self.now + timedelta(days=2, hours=1),
                      recurrence=Recurrence(rule="FREQ=DAILY;COUNT=999", zone="UTC"))
        records = [self.samples(Kind.EVENT, 1)[0], self.weekly_series(), daily]
        fits = [adapter.capabilities.recurrence is RecurrenceSupport.RULES and adapter.unfit_reason(r) is None
                for r in records[1:]]
        outcomes = self.create_outcomes(adapter, Kind.EVENT, records)
        assert outcomes[0].ok, "the single event in the batch is written"
        for outcome, record, fit in zip(outcomes[1:], records[1:], fits, strict=True):
            assert outcome.ok == fit, (record.subject, outcome.error)
            if not fit:
                assert str(outcome.error), "the refusal says why"

    def test_recurring_tasks_round_trip_or_are_refused_alone(self, adapter: Adapter) -> None:
        self.require(adapter, Kind.TASK)
        if not adapter.capabilities.task_recurrence:
            pytest.skip(f"{adapter.adapter_name} is never sent a recurring task (capabilities.task_recurrence)")
        start = self.now.date() + timedelta(days=3)
        fixed = Task(subject="Monthly report", due=start,
                     recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=6", start=start))
        regenerating = Task(subject="Water plants", due=start, recurrence=TaskRecurrence(
            rule="FREQ=WEEKLY;INTERVAL=2", start=start, regenerate="after_completion"))
        tasks = [fixed, regenerating]
        fits = [adapter.unfit_reason(task) is None for task in tasks]
        outcomes = self.create_outcomes(adapter, Kind.TASK, [*tasks, self.samples(Kind.TASK, 1)[0]])
        assert outcomes[-1].ok, "the single task in the batch is written"
        for outcome, task, fit in zip(outcomes, tasks, fits, strict=False):
            if fit:
                assert outcome.ok, outcome.error
                self.assert_same(adapter, task, self.read(adapter, Kind.TASK, outcome.id).record)  # type: ignore[arg-type]
            else:
                assert not outcome.ok and str(outcome.error), "refused, never flattened into one task"


    def require_task_recurrence(self, adapter: Adapter) -> None:
        self.require(adapter, Kind.TASK)
        if not adapter.capabilities.task_recurrence:
            pytest.skip(f"{adapter.adapter_name} is never sent a recurring task (capabilities.task_recurrence)")

    def monthly_task(self) -> Task:
        """A task due on the same day of the month, six times from three days after :attr:`now`."""
        start = self.now.date() + timedelta(days=3)
        return Task(subject="Monthly report", due=start,
                    recurrence=TaskRecurrence(rule="FREQ=MONTHLY;COUNT=6", start=start))

    def test_a_feed_reports_a_recurring_task_once_never_its_occurrences(self, adapter: Adapter, clock: Any) -> None:
        self.require_task_recurrence(adapter)
        task = self.monthly_task()
        if adapter.unfit_reason(task) is not None:
            pytest.skip(f"{adapter.adapter_name} cannot hold {task.recurrence}")
        cursor = adapter.full_scan(Kind.TASK).cursor
        clock.advance(timedelta(seconds=5))
        (native_id,) = self.create(adapter, Kind.TASK, [task])
        listed = [item for item in adapter.full_scan(Kind.TASK).upserts if item.record.subject == task.subject]
        assert [item.id for item in listed] == [native_id]
        assert listed[0].record.recurrence is not None
        # the only record made since the cursor: listed once (a feed may list ids only, without their records)
        feed = read_unread(adapter, Kind.TASK, adapter.changes(Kind.TASK, cursor))  # type: ignore[arg-type]
        assert [item.id for item in feed.upserts] == [native_id]
        assert feed.upserts[0].record.recurrence is not None

    def test_a_recurring_tasks_recurrence_updates_as_a_whole(self, adapter: Adapter) -> None:
        self.require_task_recurrence(adapter)
        task = self.monthly_task()
        if adapter.unfit_reason(task) is not None:
            pytest.skip(f"{adapter.adapter_name} cannot hold {task.recurrence}")
        (native_id,) = self.create(adapter, Kind.TASK, [task])
        changed = task.replace(recurrence=TaskRecurrence(rule="FREQ=WEEKLY;COUNT=4", start=task.due))
        assert adapter.unfit_reason(changed) is None
        outcome = self.update(adapter, Kind.TASK, native_id, changed, {"recurrence"})
        assert outcome.ok, outcome.error
        self.assert_same(adapter, changed, self.read(adapter, Kind.TASK, outcome.id or native_id).record)


def _whole_year(event: Event) -> object:
    from ..series import Window

    first = event.start.date() if isinstance(event.start, datetime) else event.start
    return Window(first, first + timedelta(days=400))
