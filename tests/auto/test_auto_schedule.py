"""Properties of the pure auto-sync policy over random zones, windows, frequencies and DST days."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncore.config import AutoSync, Config, Frequencies, Job, Jobs, Window
from syncore.models import Kind
from syncore.schedule import Decision, Schedule, decide, in_window, next_window_open

ZONES = sorted(z for z in available_timezones() if "/" in z or z == "UTC")


@cache
def _transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    tz = ZoneInfo(zone_name)
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t.year == year:
        t += timedelta(hours=3)
        off = t.astimezone(tz).utcoffset()
        if off != prev:
            found.append(t)
            prev = off
    return tuple(found)


@st.composite
def instants(draw: st.DrawFn, zone_name: str) -> datetime:
    """Any instant 2000-2037, or one within a day and a half of one of the zone's DST changes."""
    year = draw(st.integers(2000, 2037))
    transitions = _transitions(zone_name, year)
    if transitions and draw(st.booleans()):
        base = draw(st.sampled_from(transitions))
        return base + timedelta(seconds=draw(st.integers(-36 * 3600, 36 * 3600)))
    start = datetime(year, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=draw(st.integers(0, 365 * 86400)))


# wall times around where DST changes usually happen, plus any minute of the day
wall_times = st.one_of(
    st.sampled_from([time(0, 0), time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30), time(3, 0),
                     time(3, 30), time(23, 0), time(23, 30)]),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
windows = st.one_of(
    st.none(),
    st.tuples(wall_times, wall_times).filter(lambda p: p[0] != p[1]).map(lambda p: Window(start=p[0], end=p[1])),
)
frequencies = st.integers(1, 2 * 24 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Schedule, dict[Kind, datetime | None], datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    now = draw(instants(zone_name))
    schedule = Schedule(
        enabled=True,
        kinds=frozenset(draw(st.sets(st.sampled_from(list(Kind)), min_size=1))),
        frequencies={kind: draw(frequencies) for kind in Kind},
        window=draw(windows),
        zone=zone_name,
    )
    last_runs: dict[Kind, datetime | None] = {}
    for kind in Kind:
        last_runs[kind] = draw(st.one_of(
            st.none(),
            st.integers(-600, 3 * 86400).map(lambda s: now - timedelta(seconds=s)),
        ))
    return schedule, last_runs, now


# Raise SYNCORE_PROPERTY_EXAMPLES for a longer run (e.g. 5000 before a release).
PROPERTY = settings(max_examples=int(os.environ.get("SYNCORE_PROPERTY_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_due_kinds_are_eligible_elapsed_and_inside_the_window(scenario):
    schedule, last_runs, now = scenario
    decision = decide(schedule, last_runs, now)
    for kind in decision.due:
        assert kind in schedule.kinds
        last = last_runs[kind]
        assert last is None or now - last >= schedule.frequencies[kind]
        assert in_window(schedule, now)
    assert len(set(decision.due)) == len(decision.due)


@PROPERTY
@given(scenarios())
def test_not_due_means_not_elapsed_or_outside_the_window(scenario):
    schedule, last_runs, now = scenario
    decision = decide(schedule, last_runs, now)
    for kind in schedule.kinds - set(decision.due):
        last = last_runs[kind]
        elapsed = last is None or now - last >= schedule.frequencies[kind]
        assert not (elapsed and in_window(schedule, now))


@PROPERTY
@given(scenarios(), st.lists(st.floats(0.0, 1.0, exclude_min=True, exclude_max=True), min_size=1, max_size=6))
def test_next_run_is_later_in_the_window_and_nothing_is_due_before_it(scenario, fractions):
    schedule, last_runs, now = scenario
    decision = decide(schedule, last_runs, now)
    assert decision.next_run is not None
    assert decision.next_run > now
    assert in_window(schedule, decision.next_run)
    after = {**last_runs, **{kind: now for kind in decision.due}}  # the due kinds ran at ``now``
    gap = decision.next_run - now
    probes = [now + gap * f for f in fractions] + [decision.next_run - timedelta(microseconds=1)]
    for probe in probes:
        if now < probe < decision.next_run:
            assert decide(schedule, after, probe).due == ()
    assert decide(schedule, after, decision.next_run).due != ()


@PROPERTY
@given(st.sampled_from(ZONES).flatmap(lambda z: st.tuples(st.just(z), instants(z))), windows.filter(bool))
def test_window_opening_is_the_first_instant_inside(zone_and_now, window):
    zone_name, now = zone_and_now
    schedule = Schedule(enabled=True, kinds=frozenset(Kind), frequencies={k: timedelta(hours=1) for k in Kind},
                        window=window, zone=zone_name)
    opening = next_window_open(schedule, now)
    assert opening >= now
    assert in_window(schedule, opening)
    if opening > now:
        # one second earlier it was still closed (window boundaries are on whole minutes or DST changes)
        assert not in_window(schedule, opening - timedelta(seconds=1))


def test_spring_forward_gap_opens_window_at_the_end_of_the_gap():
    # Berlin 2026-03-29: 02:00 local jumps to 03:00 at 01:00 UTC; a window starting 02:30 opens at the jump.
    schedule = Schedule(enabled=True, kinds=frozenset({Kind.EVENT}), frequencies={k: timedelta(hours=1) for k in Kind},
                        window=Window(start=time(2, 30), end=time(4, 0)), zone="Europe/Berlin")
    assert next_window_open(schedule, datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_fall_back_hour_is_inside_a_window_twice():
    # New York 2026-11-01: 01:00-02:00 EDT, then 01:00-02:00 EST again.
    schedule = Schedule(enabled=True, kinds=frozenset({Kind.EVENT}), frequencies={k: timedelta(hours=1) for k in Kind},
                        window=Window(start=time(1, 0), end=time(1, 30)), zone="America/New_York")
    first = datetime(2026, 11, 1, 5, 10, tzinfo=UTC)   # 01:10 EDT
    second = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST
    between = datetime(2026, 11, 1, 5, 40, tzinfo=UTC)  # 01:40 EDT
    assert in_window(schedule, first) and in_window(schedule, second) and not in_window(schedule, between)
    assert next_window_open(schedule, between) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_window_crossing_midnight():
    schedule = Schedule(enabled=True, kinds=frozenset(Kind), frequencies={k: timedelta(hours=1) for k in Kind},
                        window=Window(start=time(22, 0), end=time(6, 0)), zone="UTC")
    assert in_window(schedule, datetime(2026, 1, 1, 23, tzinfo=UTC))
    assert in_window(schedule, datetime(2026, 1, 2, 5, 59, tzinfo=UTC))
    assert not in_window(schedule, datetime(2026, 1, 2, 6, 0, tzinfo=UTC))
    assert next_window_open(schedule, datetime(2026, 1, 2, 12, tzinfo=UTC)) == datetime(2026, 1, 2, 22, tzinfo=UTC)


def test_frequency_is_measured_in_absolute_time_across_dst():
    # 1h frequency across Berlin's fall-back night: due exactly one real hour after the last run.
    schedule = Schedule(enabled=True, kinds=frozenset({Kind.EVENT}),
                        frequencies={k: timedelta(hours=1) for k in Kind}, zone="Europe/Berlin")
    last = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert decide(schedule, {Kind.EVENT: last}, last + timedelta(minutes=59)).due == ()
    decision = decide(schedule, {Kind.EVENT: last}, last + timedelta(minutes=1))
    assert decision.next_run == last + timedelta(hours=1)


@pytest.mark.parametrize("enabled,background", [(False, True), (True, False)])
def test_disabled_or_excluded_kinds_are_never_due(enabled, background):
    config = Config(auto_sync=AutoSync(enabled=True),
                    jobs=Jobs(event=Job(enabled=enabled, background=background)))
    schedule = Schedule.from_config(config, system_zone="UTC")
    decision = decide(schedule, {}, datetime(2026, 5, 1, tzinfo=UTC))
    assert Kind.EVENT not in decision.due and set(decision.due) == {Kind.CONTACT, Kind.TASK}


def test_auto_sync_off_means_nothing_due_and_no_next_run():
    schedule = Schedule.from_config(Config(), system_zone="UTC")
    assert decide(schedule, {}, datetime(2026, 5, 1, tzinfo=UTC)) == Decision(due=(), next_run=None)


def test_backoff_delays_a_kind_and_sets_next_run():
    schedule = Schedule.from_config(Config(auto_sync=AutoSync(enabled=True, frequency=Frequencies())), system_zone="UTC")
    now = datetime(2026, 5, 1, tzinfo=UTC)
    later = now + timedelta(minutes=7)
    decision = decide(schedule, {Kind.CONTACT: now, Kind.TASK: now}, now, not_before={Kind.EVENT: later})
    assert decision.due == ()
    assert decision.next_run == later


def test_longest_waiting_kind_runs_first():
    schedule = Schedule.from_config(Config(auto_sync=AutoSync(enabled=True)), system_zone="UTC")
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    runs = {Kind.EVENT: now - timedelta(hours=1), Kind.CONTACT: now - timedelta(days=1), Kind.TASK: None}
    assert decide(schedule, runs, now).due == (Kind.TASK, Kind.CONTACT, Kind.EVENT)
