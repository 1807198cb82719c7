"""Recurring tasks: Salesforce's two kinds ⇄ syncore's :class:`~syncore.recurrence.TaskRecurrence`.

Task object reference ("Usage", and the Recurrence* fields;
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm):

* **A recurring series** (``IsRecurrence``): a main record holding the pattern (``RecurrenceType`` …,
  ``RecurrenceStartDateOnly`` to ``RecurrenceEndDateOnly``) and one task per occurrence, each naming the main record
  in ``RecurrenceActivityId``. syncore's task is the main record (its id is the series' id); the occurrence rows are
  read with it, never as tasks of their own. Its ``due`` is the current occurrence: the first open one (Salesforce
  lets the user close occurrences one by one; ``ActivityDate`` cannot be set on the main record). A later ``due``
  written to the series means the occurrences before it are done elsewhere (Exchange and Outlook move a recurring
  task's due date on when one is completed, and keep the completed one as a task of its own): their open rows
  are deleted, so the completed copy that the other side syncs as a single task is not there twice.
* **A repeating task** (``RecurrenceRegeneratedType``, "Repeat This Task"): one task whose next one Salesforce
  creates ``RecurrenceInterval`` *days* after the due date (``RecurrenceRegenerateAfterDueDate``, syncore's
  ``after_due``) or after it was closed (``RecurrenceRegenerateAfterToday``, ``after_completion``). A repeating task
  already closed (``RecurrenceRegenerated``) repeats no more: it reads as a single task.

``IsRecurrence`` is create-only ("After a task is created, it can't be changed from recurring to nonrecurring or
vice versa"), so an edit that would turn a single or repeating task into a series, or a series into anything
else, is refused for that task, naming it.

A series of N occurrences costs O(1) requests: its rows are read with one query per batch of series
(``RecurrenceActivityId IN (…)``), and a create or a due change adds one query and one collections delete per
batch.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from syncore.errors import UnsupportedRecord
from syncore.models import Task, TaskStatus
from syncore.recurrence import Regeneration, TaskRecurrence
from syncore.remote import CreateRequest, RemoteRecord, Unsupported, UpdateRequest, WriteOutcome

from . import _collections
from ._mapping import CONVERTER, tasks
from ._recurrence import REGENERATE_AFTER_CLOSE, REGENERATE_AFTER_DUE, Unfit, task_fields, task_rule
from ._scope import Scope
from .converter import to18

Row = dict[str, Any]
SINGLE, SERIES, REPEATING = "single", "series", "repeating"
_KIND_NAMES = {SINGLE: "a single task", SERIES: "a recurring series", REPEATING: "a repeating task"}


def row_kind(row: Row) -> str:
    """What a Task row is: a series' main record, a repeating task, or a single task (an occurrence row is
    recognised by :func:`is_occurrence`)."""
    if row.get("IsRecurrence"):
        return SERIES
    if row.get("RecurrenceRegeneratedType") in (REGENERATE_AFTER_DUE, REGENERATE_AFTER_CLOSE):
        return REPEATING
    return SINGLE


def record_kind(task: Task) -> str:
    """What a syncore task becomes in Salesforce."""
    if task.recurrence is None:
        return SINGLE
    return SERIES if task.recurrence.regenerate is Regeneration.NONE else REPEATING


def is_occurrence(row: Row) -> bool:
    """One occurrence of a recurring series (not its main record)."""
    series = row.get("RecurrenceActivityId")
    return bool(series) and not row.get("IsRecurrence") and to18(series) != to18(row["Id"])


def _day(value: Any) -> date | None:
    return CONVERTER.structure(value, date) if value else None


def series_task(main: Row, occurrences: Sequence[Row]) -> RemoteRecord | Unsupported:
    """The syncore task of a series' rows (or why it cannot be read)."""
    try:
        rule, _ = task_rule(main)
        anchor = _day(main.get("RecurrenceStartDateOnly"))
        if anchor is None:
            raise Unfit("a recurring task series without RecurrenceStartDateOnly")
        first = _first(rule, anchor)
        recurrence = TaskRecurrence(rule=rule, start=first)
    except (Unfit, ValueError) as exc:
        return Unsupported(id=main["Id"], reason=f"recurring task series syncore cannot read: {exc}",
                           label=tasks.label(main))
    days = sorted((_day(r.get("ActivityDate")), bool(r.get("IsClosed"))) for r in occurrences
                  if r.get("ActivityDate"))
    open_days = [day for day, closed in days if not closed]
    due = open_days[0] if open_days else (days[-1][0] if days else recurrence.start)
    item = tasks.from_sf({**main, "IsRecurrence": False, "ActivityDate": due})
    if not isinstance(item, RemoteRecord):
        return item
    task = item.record.replace(recurrence=recurrence)  # type: ignore[union-attr]
    return tasks.remote(main, task)


def _first(rule: str, anchor: date) -> date:
    from datetime import datetime, time

    from syncore.rrules import walls

    found = next(walls(rule, datetime.combine(anchor, time())), None)
    if found is None:
        raise Unfit(f"the pattern gives no due date from {anchor.isoformat()}")
    return found.date()


class TaskSeries:
    """Reads Task rows into single, repeating and recurring tasks; writes what a recurring task needs besides its
    payload (:mod:`._mapping.tasks` builds that)."""

    def __init__(self, transport: Any, scope: Scope, select: Callable[[], tuple[str, ...]],
                 with_link: Callable[[Row], Row], *, enabled: bool = True) -> None:
        """``enabled`` False: recurring and repeating tasks are reported, never read (``task_recurrence`` off)."""
        self.enabled = enabled
        self.transport = transport
        self.scope = scope
        self.select = select
        self.with_link = with_link

    # -- reading ------------------------------------------------------------------------------------------
    def resolve(self, rows: Iterable[Row]) -> tuple[list[RemoteRecord], list[str], list[Unsupported]]:
        """Feed or lookup rows -> records, deletions and what cannot be read. A series any of whose rows is in
        ``rows`` is read whole (one query per 200 series)."""
        upserts: list[RemoteRecord] = []
        deletions: list[str] = []
        unsupported: list[Unsupported] = []
        wanted: set[str] = set()
        for row in rows:
            if not self.enabled and not row.get("IsDeleted") and (is_occurrence(row) or row_kind(row) != SINGLE):
                unsupported.append(Unsupported(id=row["Id"], reason="recurring task: not synced "
                                                                    "(task_recurrence is off)",
                                               label=tasks.label(row)))
                continue
            if is_occurrence(row):
                wanted.add(to18(row["RecurrenceActivityId"]))  # one occurrence changed or went: its series did
            elif row.get("IsDeleted"):
                deletions.append(row["Id"])  # a single task, or a whole series, in the Recycle Bin
            elif row_kind(row) == SERIES:
                wanted.add(to18(row["Id"]))
            else:
                item = tasks.from_sf(self.with_link(row))
                (upserts if isinstance(item, RemoteRecord) else unsupported).append(item)  # type: ignore[arg-type]
        found, orphans = self.load(wanted)
        for main, occurrences in found.values():
            item = series_task(self.with_link(main), occurrences)
            (upserts if isinstance(item, RemoteRecord) else unsupported).append(item)  # type: ignore[arg-type]
        orphaned = "occurrence of a recurring task series whose main record syncore cannot read; left alone"
        unsupported += [Unsupported(id=orphan["Id"], reason=orphaned, label=tasks.label(orphan))
                        for orphan in orphans]
        return upserts, deletions, unsupported

    def load(self, series_ids: Iterable[str]) -> tuple[dict[str, tuple[Row, list[Row]]], list[Row]]:
        """The live rows of the named series (main record, occurrences), and occurrences found without their main
        record (out of scope, or gone)."""
        ids = sorted(set(series_ids))
        by_series: dict[str, list[Row]] = defaultdict(list)
        mains: dict[str, Row] = {}
        if ids:
            for row in self.scope.query("Task", self.select(), "RecurrenceActivityId", ids, "series rows"):
                if row.get("IsRecurrence"):
                    mains[to18(row["Id"])] = row
                else:
                    by_series[to18(row["RecurrenceActivityId"])].append(row)
        found = {sid: (main, by_series.get(sid, [])) for sid, main in mains.items()}
        orphans = sorted((rows[0] for sid, rows in by_series.items() if sid not in mains and rows),
                         key=lambda row: row["Id"])
        return found, orphans

    # -- writing ------------------------------------------------------------------------------------------
    def refuse_kind_changes(self, requests: Sequence[UpdateRequest]) -> dict[str, WriteOutcome]:
        """Updates Salesforce cannot make (single ⇄ series, repeating ⇄ series), by ref; one query per 200."""
        asked = [r for r in requests if "recurrence" in r.fields and isinstance(r.record, Task)]
        if not asked:
            return {}
        current = {to18(row["Id"]): row_kind(row) for row in self.scope.query(
            "Task", ("Id", "IsRecurrence", "RecurrenceRegeneratedType"), "Id", [to18(r.id) for r in asked],
            "recurrence kinds")}
        refused: dict[str, WriteOutcome] = {}
        for request in asked:
            now, wanted = current.get(to18(request.id)), record_kind(request.record)  # type: ignore[arg-type]
            if now is not None and now != wanted and SERIES in (now, wanted):
                refused[request.ref] = WriteOutcome(ref=request.ref, error=UnsupportedRecord(
                    f"Salesforce cannot turn {_KIND_NAMES[now]} into {_KIND_NAMES[wanted]} (IsRecurrence is set "
                    f"when a task is created); {_subject(request.record)!r} keeps its Salesforce form"))
        return refused

    def close_before_due(self, written: Sequence[tuple[str, Task]]) -> dict[str, list[str]]:
        """Delete the open occurrences before each series' ``due`` (done on the other side, see the module
        docstring); returns warnings by series id for those that could not be deleted."""
        due = {to18(sid): task.due for sid, task in written if task.due is not None and task.recurrence is not None
               and task.recurrence.regenerate is Regeneration.NONE and task.due > task.recurrence.start}
        if not due:
            return {}
        doomed: list[tuple[str, str]] = []
        for row in self.scope.query("Task", ("Id", "RecurrenceActivityId", "ActivityDate", "IsClosed",
                                             "IsRecurrence"), "RecurrenceActivityId", sorted(due), "occurrences"):
            sid, day = to18(row["RecurrenceActivityId"]), _day(row.get("ActivityDate"))
            if not row.get("IsRecurrence") and not row.get("IsClosed") and day is not None and day < due[sid]:  # type: ignore[operator]
                doomed.append((sid, row["Id"]))
        warnings: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(doomed), _collections.MAX_WRITE_BATCH):
            chunk = doomed[start : start + _collections.MAX_WRITE_BATCH]
            results = _collections.delete(self.transport, "Task", [rid for _, rid in chunk])
            for (sid, rid), result in zip(chunk, results, strict=True):
                if not result.get("success"):
                    warnings[sid].append(f"occurrence {rid} before the due date could not be removed: "
                                         f"{_collections.error_of(result, 'Task')}")
        return dict(warnings)


def unfit(task: Task) -> str | None:
    """Why Salesforce cannot hold this recurring task (None: it can)."""
    assert task.recurrence is not None
    try:
        task_fields(task.recurrence)
    except Unfit as exc:
        return str(exc)
    if task.recurrence.regenerate is not Regeneration.NONE and task.due is None:
        return "Salesforce counts a repeating task's next due date from its due date; this task has none"
    return None


def represent(task: Task) -> Task:
    """The recurring task as Salesforce stores it: a series ends on its last due date (``RecurrenceEndDateOnly``,
    whether the rule ended by a count or on a later date)
    and is due on its first occurrence from ``due`` on; a repeating task starts on its due date and counts days."""
    recurrence = task.recurrence
    if recurrence is None:
        return task
    if recurrence.regenerate is not Regeneration.NONE:
        try:
            rule, _ = task_rule({"RecurrenceRegeneratedType": REGENERATE_AFTER_CLOSE,
                                 "RecurrenceInterval": task_fields(recurrence)["RecurrenceInterval"]})
        except Unfit:
            return task
        start = task.due or recurrence.start
        return task.replace(recurrence=TaskRecurrence(rule=rule, start=start, regenerate=recurrence.regenerate))
    dates = list(itertools.islice(recurrence.due_dates(), 10_000))
    if not dates or not recurrence.parts.ends:
        return task
    parts = recurrence.parts
    rule = _with_until(parts, dates[-1])  # RecurrenceEndDateOnly is written as the last due date
    # a completed series has no open occurrence: it is due on its last one (as Exchange's is once its last
    # occurrence is completed); an open one on its first occurrence from ``due`` on
    due = dates[-1] if task.status is TaskStatus.COMPLETED else \
        next((day for day in dates if task.due is None or day >= task.due), dates[-1])
    return task.replace(recurrence=TaskRecurrence(rule=rule, start=recurrence.start), due=due)


def _with_until(parts: Any, last: date) -> str:
    import attrs

    from ._recurrence import same_weeks_from_sunday

    # a classic weekly pattern reads back with its weeks from Sunday (classic_rule), where that gives the same
    # dates
    from_sunday = parts.freq == "WEEKLY" and same_weeks_from_sunday(parts.wkst, list(parts.by_day))
    wkst = "SU" if from_sunday else parts.wkst
    return attrs.evolve(parts, count=None, until=last, wkst=wkst).text()


def _subject(task: Any) -> str:
    subject = str(getattr(task, "subject", "") or "")
    return subject if len(subject) <= 60 else subject[:57] + "…"


def creates_series(requests: Sequence[CreateRequest]) -> list[CreateRequest]:
    """The creates that make a recurring series (their occurrences before ``due`` are removed afterwards)."""
    return [r for r in requests if isinstance(r.record, Task) and record_kind(r.record) == SERIES]
