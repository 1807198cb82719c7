"""Microsoft calendar patterns ⇄ RRULEs (syncore.patterns): every pattern both ways, the "last day of the month"
rule, day sets, ranges, and the rules no pattern gives (reported, never approximated)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncore import Event, Recurrence
from syncore.patterns import Pattern, PatternKind, Range, Unfit, pattern_for, rule_for
from syncore.rrules import walls
from syncore.series import Series

BERLIN = ZoneInfo("Europe/Berlin")


def series(rule: str, start: datetime, zone: str = "Europe/Berlin") -> Event:
    return Event(subject="s", start=start, end=start + timedelta(hours=1), recurrence=Recurrence(rule=rule, zone=zone))


def local_days(event: Event, limit: int = 30) -> list[date]:
    return [key.astimezone(BERLIN).date() for key in itertools.islice(Series(event).starts(), limit)]


@pytest.mark.parametrize("pattern, rule", [
    (Pattern(kind=PatternKind.DAILY, interval=3), "FREQ=DAILY;INTERVAL=3"),
    (Pattern(kind=PatternKind.WEEKLY, interval=2, weekdays=(0, 3), first_day_of_week=6),
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU"),
    (Pattern(kind=PatternKind.ABSOLUTE_MONTHLY, day_of_month=15), "FREQ=MONTHLY;BYMONTHDAY=15"),
    # a day past the month's end is the month's last day (learn.microsoft.com .../dayofmonth)
    (Pattern(kind=PatternKind.ABSOLUTE_MONTHLY, day_of_month=31), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    (Pattern(kind=PatternKind.ABSOLUTE_MONTHLY, day_of_month=30, interval=2),
     "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=28,29,30;BYSETPOS=-1"),
    (Pattern(kind=PatternKind.RELATIVE_MONTHLY, weekdays=(1,), index=2), "FREQ=MONTHLY;BYDAY=2TU"),
    (Pattern(kind=PatternKind.RELATIVE_MONTHLY, weekdays=(4,), index=-1), "FREQ=MONTHLY;BYDAY=-1FR"),
    (Pattern(kind=PatternKind.RELATIVE_MONTHLY, weekdays=(0, 1, 2, 3, 4), index=1),
     "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"),
    (Pattern(kind=PatternKind.ABSOLUTE_YEARLY, day_of_month=1, month=9), "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1"),
    (Pattern(kind=PatternKind.ABSOLUTE_YEARLY, day_of_month=29, month=2), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"),
    (Pattern(kind=PatternKind.RELATIVE_YEARLY, weekdays=(0,), index=1, month=8, interval=2),
     "FREQ=YEARLY;INTERVAL=2;BYMONTH=8;BYDAY=1MO"),
])
def test_every_pattern_is_a_rule_and_back(pattern, rule):
    assert rule_for(pattern) == rule
    first = first_at(rule, date(2026, 1, 1))
    event = series(rule, first)
    found, rng = pattern_for(event)
    assert rule_for(found) == rule_for(pattern) or local_days(series(rule_for(found), first)) == local_days(event)
    assert rng == Range(start=first.astimezone(BERLIN).date())


def first_at(rule: str, day: date) -> datetime:
    """The rule's first 09:00 Berlin occurrence from ``day`` on (a series must start on an occurrence)."""
    wall = next(walls(rule, datetime.combine(day, time(9))))
    return wall.replace(tzinfo=BERLIN)


def test_day_31_falls_on_the_last_day_of_shorter_months():
    event = series(rule_for(Pattern(kind=PatternKind.ABSOLUTE_MONTHLY, day_of_month=31)),
                   datetime(2026, 1, 31, 9, tzinfo=BERLIN))
    assert local_days(event, 4) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize("rule, start, why", [
    ("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 1, 31, 9, tzinfo=BERLIN), "skips shorter months"),
    ("FREQ=MONTHLY;BYDAY=5MO", datetime(2026, 3, 30, 9, tzinfo=BERLIN), "fifth weekday"),
    ("FREQ=MONTHLY;BYDAY=1MO,3MO", datetime(2026, 3, 2, 9, tzinfo=BERLIN), "several numbered weekdays"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", datetime(2028, 2, 29, 9, tzinfo=BERLIN), "skips shorter months"),
    ("FREQ=MONTHLY;BYDAY=MO,WE;BYSETPOS=2", datetime(2026, 3, 4, 9, tzinfo=BERLIN), ""),
    ("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", datetime(2026, 7, 1, 9, tzinfo=BERLIN), "several months"),
    ("FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU", datetime(2026, 3, 2, 9, tzinfo=BERLIN), ""),
])
def test_a_rule_no_pattern_gives_is_unfit_with_a_reason(rule, start, why):
    event = series(rule, start)
    with pytest.raises(Unfit) as caught:
        pattern_for(event)
    assert why in str(caught.value)


def test_every_weekday_daily_rule_is_a_weekly_pattern():
    event = series("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 3, 2, 9, tzinfo=BERLIN))
    pattern, _ = pattern_for(event)
    assert pattern == Pattern(kind=PatternKind.WEEKLY, weekdays=(0, 1, 2, 3, 4))


def test_ranges_count_end_date_and_no_end():
    start = datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    assert pattern_for(series("FREQ=WEEKLY;COUNT=5", start))[1] == Range(start=date(2026, 3, 16), count=5)
    assert pattern_for(series("FREQ=WEEKLY", start))[1] == Range(start=date(2026, 3, 16))
    # a date UNTIL is that local day
    assert pattern_for(series("FREQ=WEEKLY;UNTIL=20260420", start))[1].end == date(2026, 4, 20)
    # an UNTIL instant before that day's 09:00 (CEST: 07:00Z) ends the series the week before
    assert pattern_for(series("FREQ=WEEKLY;UNTIL=20260420T065959Z", start))[1].end == date(2026, 4, 19)
    assert pattern_for(series("FREQ=WEEKLY;UNTIL=20260420T070000Z", start))[1].end == date(2026, 4, 20)


def test_all_day_series_range_is_its_dates():
    event = Event(subject="s", start=date(2026, 3, 16), end=date(2026, 3, 17),
                  recurrence=Recurrence(rule="FREQ=MONTHLY;UNTIL=20261231", zone="Europe/Berlin"))
    pattern, rng = pattern_for(event)
    assert pattern == Pattern(kind=PatternKind.ABSOLUTE_MONTHLY, day_of_month=16)
    assert rng == Range(start=date(2026, 3, 16), end=date(2026, 12, 31))


patterns = st.one_of(
    st.builds(Pattern, kind=st.just(PatternKind.DAILY), interval=st.integers(1, 30)),
    st.builds(Pattern, kind=st.just(PatternKind.WEEKLY), interval=st.integers(1, 4),
              weekdays=st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s))),
              first_day_of_week=st.sampled_from([0, 6])),
    st.builds(Pattern, kind=st.just(PatternKind.ABSOLUTE_MONTHLY), interval=st.integers(1, 12),
              day_of_month=st.integers(1, 31)),
    st.builds(Pattern, kind=st.just(PatternKind.RELATIVE_MONTHLY), interval=st.integers(1, 6),
              weekdays=st.sampled_from([(0,), (3,), (6,), (0, 1, 2, 3, 4), (5, 6), tuple(range(7))]),
              index=st.sampled_from([1, 2, 3, 4, -1])),
    st.builds(Pattern, kind=st.just(PatternKind.ABSOLUTE_YEARLY), interval=st.integers(1, 3),
              month=st.integers(1, 12), day_of_month=st.integers(1, 31)),
    st.builds(Pattern, kind=st.just(PatternKind.RELATIVE_YEARLY), interval=st.integers(1, 3),
              month=st.integers(1, 12), weekdays=st.sampled_from([(1,), (4,), (0, 1, 2, 3, 4)]),
              index=st.sampled_from([1, 2, 4, -1])),
)


@settings(max_examples=60, deadline=None)
@given(pattern=patterns, day=st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_any_pattern_survives_rule_and_back_with_the_same_days(pattern, day):
    rule = rule_for(pattern)
    first = first_at(rule, day)
    event = series(rule, first)
    found, _ = pattern_for(event)
    assert local_days(series(rule_for(found), first), 60) == local_days(event, 60)
