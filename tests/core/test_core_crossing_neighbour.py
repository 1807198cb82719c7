"""syncore.series.crossing_neighbour: the move Exchange refuses (EWS, Graph and Outlook all keep an occurrence
between its neighbours: ErrorOccurrenceCrossingBoundary,
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncore import Event, Override, Recurrence
from syncore.series import crossing_neighbour

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 9, tzinfo=BERLIN)  # a Monday; weekly, so neighbours are 7 days apart
WEEK = [START + timedelta(days=7 * n) for n in range(6)]


def weekly(*overrides: Override, exdates=()) -> Event:
    return Event(subject="1:1", start=START, end=START + timedelta(hours=1),
                 recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin", exdates=exdates,
                                       overrides=overrides))


def moved_to(n: int, when: datetime) -> Override:
    return Override(original_start=WEEK[n], start=when, end=when + timedelta(hours=1))


def test_a_move_between_the_neighbours_is_allowed():
    assert crossing_neighbour(weekly(moved_to(2, WEEK[2] + timedelta(days=3)))) is None
    assert crossing_neighbour(weekly()) is None


def test_a_move_onto_or_past_the_next_occurrence_names_both():
    assert crossing_neighbour(weekly(moved_to(2, WEEK[3]))) == (WEEK[2], WEEK[3], WEEK[3])
    assert crossing_neighbour(weekly(moved_to(2, WEEK[3] + timedelta(days=1)))) == (
        WEEK[2], WEEK[3] + timedelta(days=1), WEEK[3])


def test_a_move_before_the_previous_occurrence_is_refused():
    assert crossing_neighbour(weekly(moved_to(2, WEEK[1] - timedelta(hours=1))))[2] == WEEK[1]


def test_a_cancelled_neighbour_does_not_count_and_a_moved_one_counts_where_it_is():
    # week 3 is cancelled: week 2 may move into its week
    assert crossing_neighbour(weekly(moved_to(2, WEEK[3] + timedelta(days=1)), exdates=(WEEK[3],))) is None
    # week 3 moved two days later: week 2 may take week 3's original time, but not its new one
    later = WEEK[3] + timedelta(days=2)
    assert crossing_neighbour(weekly(moved_to(2, WEEK[3]), moved_to(3, later))) is None
    assert crossing_neighbour(weekly(moved_to(2, later), moved_to(3, later))) is not None
