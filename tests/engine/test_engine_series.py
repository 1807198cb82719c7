"""Series through the engine, over memory sides in each mode: a side that holds rules gets one series record, a side
that holds occurrences only gets the window's occurrences (paired by series and original start), edits travel both
ways, and a second sync writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore import (
    ConflictPolicy,
    Event,
    Kind,
    KindSettings,
    Override,
    Recurrence,
    Side,
    SqliteStateStore,
    SyncEngine,
    SyncSettings,
    Task,
    TaskRecurrence,
)
from syncore.occurrences import occurrence_id, series_marker
from syncore.remote import RecurrenceSupport
from syncore.series import Series, Window
from syncore.settings import UnfitSeries
from syncore.state_types import Action
from syncore.testing import MemoryAdapter
from syncore.testing.invariants import assert_in_step

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
FIRST = datetime(2026, 3, 16, 9, tzinfo=BERLIN)  # a Monday; Berlin springs forward on 29 March


class World:
    def __init__(self, crm_holds=RecurrenceSupport.OCCURRENCES, pim_holds=RecurrenceSupport.RULES, *,
                 crm_links=True, settings=None, crm_unfit=None, crm_tasks=True, crm_cuts=False) -> None:
        self.now = NOW
        self.pim = MemoryAdapter(name="pim", recurrence=pim_holds, clock=self.clock)
        self.crm = MemoryAdapter(name="crm", recurrence=crm_holds, formatted_bodies=False, link_ids=crm_links,
                                 clock=self.clock, unfit=crm_unfit, task_recurrence=crm_tasks, cuts_series=crm_cuts)
        self.state = SqliteStateStore(":memory:")
        self.settings = settings or SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS)
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                 clock=self.clock)

    def clock(self) -> datetime:
        return self.now

    def sync(self, kind=Kind.EVENT):
        result = self.engine.sync(kind)
        assert result.ok, result.errors
        return result

    def calm(self, kind=Kind.EVENT) -> None:
        """A second sync plans no write at all."""
        plan = self.engine.plan(kind)
        assert plan.operations == [], [(op.target, op.action, op.reason, op.fields) for op in plan.operations]

    def crm_events(self) -> dict[str, Event]:
        return self.crm.records(Kind.EVENT)

    def writes(self, adapter) -> int:
        return sum(adapter.calls[op] for op in ("create", "update", "delete"))


def weekly(count=6, **recurrence) -> Event:
    return Event(subject="1:1", location="Room 1", start=FIRST, end=FIRST + timedelta(hours=1),
                 recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin", **recurrence))


def keys(n: int = 6) -> list[datetime]:
    return [(FIRST + timedelta(days=7 * i)).astimezone(UTC) for i in range(n)]


def local_starts(events) -> list[str]:
    return sorted(e.start.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %z") for e in events)


# -- a side that holds rules ------------------------------------------------------------------------------------------
def test_a_series_reaches_a_side_that_holds_rules_as_one_record_and_a_second_sync_writes_nothing():
    w = World(crm_holds=RecurrenceSupport.RULES)
    series = weekly(count=40)  # 40 occurrences cost one write
    w.pim.put(series)
    w.sync()
    [(crm_id, copy)] = w.crm_events().items()
    assert copy == series and w.crm.calls["create"] == 1
    assert w.writes(w.crm) == 1 and w.writes(w.pim) == 0
    w.calm()


def test_moved_and_cancelled_occurrences_travel_between_sides_that_hold_rules():
    w = World(crm_holds=RecurrenceSupport.RULES)
    pim_id = w.pim.put(weekly())
    w.sync()
    [crm_id] = w.crm_events()
    k = keys()
    w.pim.edit_occurrence(pim_id, k[2], start=k[2] + timedelta(hours=2), end=k[2] + timedelta(hours=3))
    w.crm.cancel_occurrence(crm_id, k[4])
    w.sync()
    expected = weekly(exdates=[k[4]], overrides=[
        Override(original_start=k[2], start=k[2] + timedelta(hours=2), end=k[2] + timedelta(hours=3))]).recurrence
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence == expected == w.crm_events()[crm_id].recurrence
    w.calm()


# -- a side that holds occurrences only --------------------------------------------------------------------------------
def test_a_side_that_holds_occurrences_gets_each_one_at_its_local_time_across_dst():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    crm = w.crm_events()
    assert local_starts(crm.values()) == [
        "2026-03-16 09:00 +0100", "2026-03-23 09:00 +0100", "2026-03-30 09:00 +0200", "2026-04-06 09:00 +0200",
        "2026-04-13 09:00 +0200", "2026-04-20 09:00 +0200"]
    assert all(e.recurrence is None and e.subject == "1:1" and e.end - e.start == timedelta(hours=1)
               for e in crm.values())
    # each occurrence is tied to the series and its original start
    assert sorted(w.crm.link_of(i) for i in crm) == sorted(occurrence_id(pim_id, k) for k in keys())
    assert w.crm.calls["create"] == 1, "one batch"
    w.calm()


def test_occurrences_edited_and_deleted_on_the_occurrence_side_become_overrides_and_exdates():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    by_key = {w.crm.link_of(i): i for i in w.crm_events()}
    k = keys()
    moved = by_key[occurrence_id(pim_id, k[1])]
    w.crm.edit(moved, subject="1:1 (moved)", start=k[1] + timedelta(days=1), end=k[1] + timedelta(days=1, hours=1))
    w.crm.remove(by_key[occurrence_id(pim_id, k[3])])
    w.sync()
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.exdates == (k[3],)
    assert series.recurrence.overrides == (Override(original_start=k[1], subject="1:1 (moved)",
                                                    start=k[1] + timedelta(days=1),
                                                    end=k[1] + timedelta(days=1, hours=1)),)
    assert series.subject == "1:1", "the series keeps its own subject"
    w.calm()


def test_series_edits_on_the_rule_side_follow_on_the_occurrence_side():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    k = keys()
    w.pim.edit_occurrence(pim_id, k[0], location="Room 2")
    w.pim.cancel_occurrence(pim_id, k[5])
    w.sync()
    crm = w.crm_events()
    assert len(crm) == 5
    by_key = {w.crm.link_of(i): e for i, e in crm.items()}
    assert by_key[occurrence_id(pim_id, k[0])].location == "Room 2"
    assert {e.location for key, e in by_key.items() if key != occurrence_id(pim_id, k[0])} == {"Room 1"}
    w.pim.edit(pim_id, subject="Weekly", recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=3", zone="Europe/Berlin"))
    w.sync()
    assert sorted(e.subject for e in w.crm_events().values()) == ["Weekly"] * 3
    w.calm()


def test_a_deleted_series_takes_its_occurrences_with_it():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    w.pim.remove(pim_id)
    w.sync()
    assert w.crm_events() == {}
    assert list(w.state.iter_pairs("default", Kind.EVENT)) == []
    w.calm()


def test_only_the_window_is_materialised_and_the_window_moves_forward():
    w = World(settings=SyncSettings(kinds={Kind.EVENT: KindSettings(past_days=0, future_days=13)}))
    start = datetime(2026, 3, 10, 9, tzinfo=BERLIN)
    pim_id = w.pim.put(Event(subject="Stand-up", start=start, end=start + timedelta(minutes=15),
                             recurrence=Recurrence(rule="FREQ=DAILY", zone="Europe/Berlin")))
    w.sync()
    assert len(w.crm_events()) == 14, "today and the 13 days after it"
    pairs = {p.pim_id: p for p in w.state.iter_pairs("default", Kind.EVENT)}
    assert pairs[pim_id].crm_id == series_marker(pim_id)
    w.now += timedelta(days=3)
    w.sync()
    days = sorted(e.start.astimezone(BERLIN).date() for e in w.crm_events().values())
    assert days[0] == date(2026, 3, 10) and days[-1] == date(2026, 3, 26) and len(days) == 17
    assert w.pim.calls["update"] == 0
    w.calm()


def test_occurrences_are_paired_by_series_and_original_start_after_the_state_is_lost():
    w = World()
    w.pim.put(weekly())
    w.sync()
    before = dict(w.crm_events())
    w.engine.rebuild(Kind.EVENT)
    w.sync()
    assert w.crm_events() == before, "re-paired by link, nothing created twice"
    w.calm()


def test_a_single_event_that_becomes_a_series_keeps_its_copy_as_the_first_occurrence():
    w = World()
    pim_id = w.pim.put(Event(subject="1:1", location="Room 1", start=FIRST, end=FIRST + timedelta(hours=1)))
    w.sync()
    [single] = w.crm_events()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=3", zone="Europe/Berlin"))
    w.sync()
    crm = w.crm_events()
    assert len(crm) == 3 and single in crm
    w.calm()


# -- what a side cannot hold ---------------------------------------------------------------------------------------
def test_a_series_past_the_other_sides_limits_is_expanded_or_skipped_as_the_settings_say():
    def unfit(record):
        rule = getattr(record, "recurrence", None)
        return "more than 4 occurrences" if rule is not None and rule.parts.count and rule.parts.count > 4 else None

    w = World(crm_holds=RecurrenceSupport.RULES, crm_unfit=unfit)
    w.pim.put(weekly(count=6))
    w.pim.put(weekly(count=3).replace(subject="Short"))
    w.sync()
    crm = w.crm_events()
    assert sorted((e.subject, e.recurrence is not None) for e in crm.values()) == [("1:1", False)] * 6 + [
        ("Short", True)]
    w.calm()

    w = World(crm_holds=RecurrenceSupport.RULES, crm_unfit=unfit,
              settings=SyncSettings(unfit_series=UnfitSeries.SKIP))
    pim_id = w.pim.put(weekly(count=6))
    plan = w.engine.plan(Kind.EVENT)
    [skip] = [s for s in plan.skipped if s.native_id == pim_id]
    assert "cannot hold this series (more than 4 occurrences)" in skip.reason and plan.operations == []


def test_a_side_without_series_support_leaves_series_alone_and_says_why():
    w = World(crm_holds=RecurrenceSupport.NONE)
    pim_id = w.pim.put(weekly())
    crm_id = w.crm.put(weekly().replace(subject="CRM series"))
    plan = w.engine.plan(Kind.EVENT)
    reasons = {s.native_id: s.reason for s in plan.skipped}
    assert "the CRM side syncs no recurring series" in reasons[pim_id]
    assert reasons[crm_id] == "recurring series not supported"
    assert plan.operations == []


def test_recurring_tasks_travel_only_to_a_side_that_holds_them():
    task = Task(subject="Report", due=date(2026, 3, 31),
                recurrence=TaskRecurrence(rule="FREQ=MONTHLY", start=date(2026, 3, 31)))
    w = World(crm_tasks=True)
    w.pim.put(task)
    w.sync(Kind.TASK)
    assert list(w.crm.records(Kind.TASK).values()) == [task]
    w.calm(Kind.TASK)
    w = World(crm_tasks=False)
    pim_id = w.pim.put(task)
    plan = w.engine.plan(Kind.TASK)
    assert plan.operations == []
    assert "the CRM side syncs no recurring tasks" in {s.native_id: s.reason for s in plan.skipped}[pim_id]


def test_an_occurrence_edit_the_series_cannot_hold_is_reported_not_lost_silently():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    by_key = {w.crm.link_of(i): i for i in w.crm_events()}
    w.crm.edit(by_key[occurrence_id(pim_id, keys()[2])], reminder_minutes=30, subject="Prep")
    plan = w.engine.plan(Kind.EVENT)
    [op] = plan.operations
    assert (op.target, op.action, op.fields) == (Side.PIM, Action.UPDATE, frozenset({"subject"}))
    assert any("cannot have its own reminder_minutes" in s.reason for s in plan.skipped)


def test_a_crm_event_matched_to_an_occurrence_keeps_a_reminder_the_occurrence_cannot_hold_and_says_so():
    """First-sync matching (no links) pairs a CRM user's own single event with the PIM series' occurrence it
    looks like (not a duplicate). Under crm_wins its reminder would go to the PIM, but one occurrence cannot
    have its own: the documented outcome is a report for that pair, the CRM event keeps its reminder, the
    series keeps its, and the next sync plans nothing (found by the series state machine, seed 123)."""
    settings = SyncSettings(conflict_policy=ConflictPolicy.CRM_WINS)
    w = World(crm_links=False, settings=settings)
    pim_id = w.pim.put(weekly().replace(reminder_minutes=10))
    third = FIRST + timedelta(days=14)
    crm_id = w.crm.put(Event(subject="1:1", location="Room 1", start=third, end=third + timedelta(hours=1),
                             reminder_minutes=45))
    plan = w.engine.plan(Kind.EVENT)
    occurrence = occurrence_id(pim_id, keys()[2])
    reported = {(s.side, s.native_id): s.reason for s in plan.skipped}
    assert reported[(Side.PIM, occurrence)] == ("not written: one occurrence of a PIM series cannot have its "
                                                "own reminder_minutes; the series keeps its value")
    w.sync()
    [pair] = w.state.pairs_for(settings.profile, Kind.EVENT, crm_ids=[crm_id])
    assert pair.pim_id == occurrence
    assert len(w.crm_events()) == 6, "the other five occurrences copied, the matched one not twice"
    assert w.crm_events()[crm_id].reminder_minutes == 45
    assert w.pim.records(Kind.EVENT)[pim_id].reminder_minutes == 10
    w.calm()


@pytest.mark.parametrize("crm_links", [True, False])
def test_a_crash_while_creating_occurrences_creates_none_twice(crm_links):
    w = World(crm_links=crm_links)
    w.pim.put(weekly(count=8))
    w.crm.crash_after(3)
    with pytest.raises(BaseException):
        w.engine.sync(Kind.EVENT)
    w.sync()
    assert len(w.crm_events()) == 8
    assert len({e.start for e in w.crm_events().values()}) == 8
    w.calm()


def test_series_occurrences_on_both_sides_hold_the_same_instants():
    w = World()
    k = keys()
    pim_id = w.pim.put(weekly(exdates=[k[1]], overrides=[Override(original_start=k[2], start=k[2] + timedelta(hours=5),
                                                                 end=k[2] + timedelta(hours=6))]))
    w.sync()
    occurrences = Series(w.pim.records(Kind.EVENT)[pim_id]).expand(Window(date(2026, 1, 1), date(2027, 1, 1)))
    assert len(occurrences) == 5
    assert sorted((e.start, e.end) for e in w.crm_events().values()) == sorted(
        (o.event.start, o.event.end) for o in occurrences)


def test_a_rule_respelled_on_one_side_with_the_same_occurrences_is_no_edit_and_the_sides_are_in_step():
    w = World(crm_holds=RecurrenceSupport.RULES)
    pim_id = w.pim.put(weekly(count=3))
    w.sync()
    [crm_id] = w.crm_events()
    last = keys(3)[2].astimezone(BERLIN)
    w.crm.edit(crm_id, recurrence=Recurrence(rule=f"FREQ=WEEKLY;UNTIL={last:%Y%m%d}", zone="Europe/Berlin"))
    w.calm()
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=3"
    assert_in_step(w.state, "default", Kind.EVENT, {Side.PIM: w.pim.records(Kind.EVENT),
                                                   Side.CRM: w.crm.records(Kind.EVENT)}, w.crm.represent)
