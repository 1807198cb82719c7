"""Hypothesis properties of series through the engine.

For random rules (every frequency, BY parts, COUNT, UNTIL, no end), zones (Lord Howe's 30-minute shift, the
southern hemisphere, clocks that jump at midnight) and random moved and cancelled occurrences:

* a side that holds occurrences only holds exactly the series' occurrences inside the window, at the same
  instants, after a sync; moves, edits and deletions made there come back to the series as overrides and
  cancellations, after which both sides again hold the same occurrences; a second sync writes nothing;
* between sides that hold rules, a round trip PIM -> CRM -> PIM changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from syncore import ConflictPolicy, Event, Kind, Side, SqliteStateStore, SyncEngine, SyncSettings
from syncore.remote import RecurrenceSupport
from syncore.series import Series, Window
from syncore.testing import MemoryAdapter
from syncore.testing.strategies import series_events

UTC = timezone.utc
NOW = datetime(2026, 7, 1, 6, tzinfo=UTC)
RULES, OCCURRENCES = RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES


class Sides:
    def __init__(self, holds: dict[Side, RecurrenceSupport], *, links: bool = True) -> None:
        self.sides = {side: MemoryAdapter(name=side.value, recurrence=holds[side], link_ids=links,
                                          formatted_bodies=side is Side.PIM, clock=lambda: NOW) for side in Side}
        self.state = SqliteStateStore(":memory:")
        self.settings = SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS)
        self.engine = SyncEngine(pim=self.sides[Side.PIM], crm=self.sides[Side.CRM], state=self.state,
                                 settings=self.settings, clock=lambda: NOW)
        job = self.settings.for_kind(Kind.EVENT)
        self.window = Window.around(NOW.date(), job.past_days, job.future_days)

    def sync(self) -> None:
        result = self.engine.sync(Kind.EVENT, force=True)
        assert result.ok, result.errors

    def calm(self) -> None:
        plan = self.engine.plan(Kind.EVENT)
        assert plan.operations == [], [(op.target, op.action, op.reason, sorted(op.fields)) for op in plan.operations]

    def close(self) -> None:
        self.state.close()


def occurrences_of(series: Event, window: Window) -> list[tuple]:
    return sorted((o.event.start, o.event.end, o.event.subject, o.event.location)
                  for o in Series(series).expand(window))


def singles(events) -> list[tuple]:
    return sorted((e.start, e.end, e.subject, e.location) for e in events)


@settings(max_examples=40, deadline=None)
@given(series=series_events(around=NOW, days=40), rules_side=st.sampled_from(list(Side)), links=st.booleans(),
       data=st.data())
def test_occurrence_side_holds_the_same_instants_and_its_edits_come_back(series, rules_side, links, data):
    other = rules_side.other
    world = Sides({rules_side: RULES, other: OCCURRENCES}, links=links)
    try:
        rule_side, occurrence_side = world.sides[rules_side], world.sides[other]
        series_id = rule_side.put(series)
        world.sync()
        assert singles(occurrence_side.records(Kind.EVENT).values()) == occurrences_of(series, world.window)
        world.calm()

        # the user moves, renames and deletes some occurrences where they are single events
        held = sorted(occurrence_side.records(Kind.EVENT).items())
        for native_id, event in held:
            action = data.draw(st.sampled_from(["keep", "move", "rename", "delete"]), label=native_id)
            if action == "move" and not event.all_day:
                occurrence_side.edit(native_id, start=event.start + timedelta(hours=3),
                                     end=event.end + timedelta(hours=3))
            elif action == "move":
                occurrence_side.edit(native_id, start=event.start + timedelta(days=1),
                                     end=event.end + timedelta(days=1))
            elif action == "rename":
                occurrence_side.edit(native_id, subject="Renamed", location="Elsewhere")
            elif action == "delete":
                occurrence_side.remove(native_id)
        world.sync()
        after = rule_side.records(Kind.EVENT)[series_id]
        assert after.recurrence is not None and after.recurrence.rule == series.recurrence.rule
        assert occurrences_of(after, world.window) == singles(occurrence_side.records(Kind.EVENT).values())
        world.calm()
    finally:
        world.close()


@settings(max_examples=40, deadline=None)
@given(series=series_events(around=NOW, days=40), data=st.data())
def test_a_round_trip_between_sides_that_hold_rules_changes_nothing(series, data):
    there = Sides({Side.PIM: RULES, Side.CRM: RULES})
    # (a new series with no occurrence inside the window is not synced: see test_engine_series)
    assume(next(Series(series).starts(*there.window.bounds(series.all_day)), None) is not None)
    try:
        there.sides[Side.PIM].put(series)
        there.sync()
        [copy] = there.sides[Side.CRM].records(Kind.EVENT).values()
        assert copy == series
        # back again: a fresh PIM (and state) syncing with that CRM gets the very same series
        back = Sides({Side.PIM: RULES, Side.CRM: RULES})
        back.sides[Side.CRM] = there.sides[Side.CRM]
        back.engine = SyncEngine(pim=back.sides[Side.PIM], crm=there.sides[Side.CRM], state=back.state,
                                 settings=back.settings, clock=lambda: NOW)
        back.sync()
        assert list(back.sides[Side.PIM].records(Kind.EVENT).values()) == [series]
        assert there.sides[Side.PIM].records(Kind.EVENT) and back.sides[Side.CRM].calls["update"] == 0
        back.calm()
        back.close()
    finally:
        there.close()
