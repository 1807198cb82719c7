"""Hypothesis properties of series through the engine.

For random rules (every frequency, BY parts, COUNT, UNTIL, no end), zones (Lord Howe's 30-minute shift, the
southern hemisphere, clocks that jump at midnight) and random moved and cancelled occurrences:

* a side that holds occurrences only holds exactly the series' occurrences inside the window, at the same
  instants, after a sync; moves, edits and deletions made there come back to the series as overrides and
  cancellations, after which both sides again hold the same occurrences; a second sync writes nothing;
* between sides that hold rules, a round trip PIM -> CRM -> PIM changes nothing;
* across the DST changes of Lord Howe (30 minutes), Sydney, Santiago and Havana (clocks jump at midnight), the
  occurrence side holds exactly the instants an oracle built from dateutil and zoneinfo alone expects;
* an occurrence moved on one side that the other side's new rule no longer has is reported as a conflict naming
  it, and nothing is written until the policy or a reviewer decides it; when the new rule still has it, both
  changes are kept on both sides.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from syncore import (
    ConflictPolicy,
    Event,
    Kind,
    Override,
    Recurrence,
    Side,
    SqliteStateStore,
    SyncEngine,
    SyncSettings,
)
from syncore.remote import RecurrenceSupport
from syncore.series import Series, Window
from syncore.testing import MemoryAdapter
from syncore.testing.strategies import SERIES_TIMES, series_events

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
        # the round trip: the occurrences read back from the other side change nothing on the series
        assert rule_side.records(Kind.EVENT)[series_id] == series and rule_side.calls["update"] == 0
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


# -- zones whose clocks jump: an oracle built from dateutil and zoneinfo alone -----------------------------------------
#: Lord Howe (30-minute shift), Sydney (southern hemisphere), Santiago and Havana (clocks jump at midnight)
DST_ZONES = ("Australia/Lord_Howe", "Australia/Sydney", "America/Santiago", "America/Havana")


def dst_days(zone: str, window: Window) -> list[date]:
    """The local days inside ``window`` on which ``zone`` changes its UTC offset (found by comparing noons)."""
    tz = ZoneInfo(zone)
    days = [window.first + timedelta(days=n) for n in range((window.end - window.first).days)]
    offsets = [datetime.combine(day, time(12), tzinfo=tz).utcoffset() for day in days]
    return [day for day, before, after in zip(days[1:], offsets, offsets[1:], strict=False) if before != after]


def expected_instant(day: date, wall: time, zone: str) -> datetime:
    """RFC 5545 §3.3.5 by PEP 495: fold=0 reads a skipped wall time with the offset from before the gap (it lands
    after the gap by the gap's length) and a repeated one as the first of the two."""
    return datetime.combine(day, wall, tzinfo=ZoneInfo(zone)).replace(fold=0).astimezone(UTC)


@st.composite
def series_across_a_dst_change(draw):
    """A daily or weekly timed series in ``DST_ZONES`` that starts up to ten days before one of the zone's DST
    changes inside the window, at a wall time that a change skips or repeats in some zone (or an ordinary one),
    with random cancelled and moved occurrences. Returns (event, wall time, local days of the rule)."""
    zone = draw(st.sampled_from(DST_ZONES))
    job = SyncSettings().for_kind(Kind.EVENT)
    window = Window.around(NOW.date(), job.past_days, job.future_days)
    change = draw(st.sampled_from(dst_days(zone, window)))
    wall = draw(st.sampled_from(SERIES_TIMES))
    first_day = change - timedelta(days=draw(st.integers(1, 10)))
    freq, count = draw(st.sampled_from(["DAILY", "WEEKLY"])), draw(st.integers(2, 16))
    days = [d.date() for d in du.rrule(du.DAILY if freq == "DAILY" else du.WEEKLY, count=count,
                                        dtstart=datetime.combine(first_day, time()))]
    keys = [expected_instant(day, wall, zone) for day in days]
    changed = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=min(4, count - 1)))
    cancelled = {keys[i] for i in changed[: len(changed) // 2]}
    moved = [Override(original_start=keys[i], start=keys[i] + timedelta(minutes=90),
                      end=keys[i] + timedelta(minutes=135), subject="Moved") for i in changed[len(changed) // 2:]]
    event = Event(subject="Across DST", start=keys[0], end=keys[0] + timedelta(minutes=45),
                  recurrence=Recurrence(rule=f"FREQ={freq};COUNT={count}", zone=zone, exdates=sorted(cancelled),
                                        overrides=moved))
    return event, wall, days


@settings(max_examples=60, deadline=None)
@given(drawn=series_across_a_dst_change(), rules_side=st.sampled_from(list(Side)))
def test_across_dst_changes_the_occurrence_side_holds_the_instants_an_independent_oracle_expects(drawn, rules_side):
    series, wall, days = drawn
    zone = series.recurrence.zone
    world = Sides({rules_side: RULES, rules_side.other: OCCURRENCES})
    try:
        series_id = world.sides[rules_side].put(series)
        world.sync()
        moved = {o.original_start: o for o in series.recurrence.overrides}
        low, high = world.window.bounds(False)
        expected = []
        for day in days:
            key = expected_instant(day, wall, zone)
            if key in series.recurrence.exdates or not low <= key < high:
                continue
            start = moved[key].start if key in moved else key
            end = moved[key].end if key in moved else key + timedelta(minutes=45)
            expected.append((start, end, "Moved" if key in moved else "Across DST"))
        held = sorted((e.start, e.end, e.subject) for e in world.sides[rules_side.other].records(Kind.EVENT).values())
        assert held == sorted(expected)
        # the rule side is left as it was, and a second sync writes nothing
        assert world.sides[rules_side].records(Kind.EVENT)[series_id] == series
        assert world.sides[rules_side].calls["update"] == 0
        world.calm()
    finally:
        world.close()


# -- an override the new rule no longer has ----------------------------------------------------------------------------
WEEKLY_START = datetime(2026, 7, 6, 9, tzinfo=ZoneInfo("Europe/Berlin"))  # a Monday


def berlin_weekly_keys(rule: str) -> list[datetime]:
    """The occurrences' original starts of ``rule`` from WEEKLY_START, by dateutil alone (09:00 Berlin)."""
    walls = du.rrulestr(rule, dtstart=WEEKLY_START.replace(tzinfo=None))
    return [wall.replace(tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC) for wall in walls]


@settings(max_examples=40, deadline=None)
@given(count=st.integers(4, 12), new_rule=st.sampled_from(["FREQ=WEEKLY;COUNT={short}", "FREQ=WEEKLY;INTERVAL=2;COUNT=6",
                                                           "FREQ=WEEKLY;BYDAY=MO,TH;COUNT={count}",
                                                           "FREQ=DAILY;COUNT={count}"]),
       data=st.data(), policy=st.sampled_from([ConflictPolicy.MANUAL, ConflictPolicy.PIM_WINS,
                                               ConflictPolicy.CRM_WINS]))
def test_an_override_the_other_sides_new_rule_no_longer_has_is_reported_never_dropped_silently(count, new_rule, data,
                                                                                                  policy):
    rule = f"FREQ=WEEKLY;COUNT={count}"
    new_rule = new_rule.format(short=data.draw(st.integers(1, count - 1), label="short"), count=count)
    world = Sides({Side.PIM: RULES, Side.CRM: RULES})
    world.settings = SyncSettings(conflict_policy=policy)
    world.engine = SyncEngine(pim=world.sides[Side.PIM], crm=world.sides[Side.CRM], state=world.state,
                              settings=world.settings, clock=lambda: NOW)
    pim, crm = world.sides[Side.PIM], world.sides[Side.CRM]
    try:
        pim_id = pim.put(Event(subject="1:1", start=WEEKLY_START, end=WEEKLY_START + timedelta(hours=1),
                               recurrence=Recurrence(rule=rule, zone="Europe/Berlin")))
        world.sync()
        [crm_id] = crm.records(Kind.EVENT)
        # the PIM's user moves one occurrence while the CRM's user changes the rule
        key = data.draw(st.sampled_from(berlin_weekly_keys(rule)), label="moved")
        pim_series = pim.edit_occurrence(pim_id, key, start=key + timedelta(hours=2), end=key + timedelta(hours=3))
        crm_series = crm.edit(crm_id, recurrence=Recurrence(rule=new_rule, zone="Europe/Berlin"))
        still_there = key in berlin_weekly_keys(new_rule)

        plan = world.engine.plan(Kind.EVENT)
        named = [c for c in plan.conflicts if key.isoformat() in c.reason and "no longer fall" in c.reason]
        if still_there:
            # compatible: the new rule and the moved occurrence are both kept on both sides
            assert named == [] and plan.conflicts == []
            world.sync()
            for side in (pim, crm):
                [series] = side.records(Kind.EVENT).values()
                assert berlin_weekly_keys(series.recurrence.rule) == berlin_weekly_keys(new_rule)
                assert [(o.original_start, o.start) for o in series.recurrence.overrides] == [
                    (key, key + timedelta(hours=2))]
            world.calm()
            return
        assert named, f"the moved occurrence {key} is not reported: {[c.reason for c in plan.conflicts]}"
        result = world.engine.sync(Kind.EVENT)
        assert result.conflicts >= 1
        after = {side: list(adapter.records(Kind.EVENT).values()) for side, adapter in world.sides.items()}
        if policy is ConflictPolicy.MANUAL:
            # left for review: each side keeps what its user made
            assert after == {Side.PIM: [pim_series], Side.CRM: [crm_series]}
            assert result.unresolved_conflicts >= 1
        else:
            # the policy decided, after reporting it: the winner's whole series on both sides
            winner = pim_series if policy is ConflictPolicy.PIM_WINS else crm_series
            assert after == {Side.PIM: [winner], Side.CRM: [crm.represent(winner)]}
            world.calm()
    finally:
        world.close()
