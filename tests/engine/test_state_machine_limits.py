"""The limited CRM side of the series state machine (test_state_machine_series.past_the_limits): a series of more
than 8 occurrences is refused however its end is spelled, so a cut (which only shortens) never leaves the side a
rule it refuses. Found by the cutting machine at soak seed 13: a daily series to 2028 was accepted for its ``UNTIL``,
its switch cut the rule copy to ``COUNT=27`` as history, and a new PIM series matched to that history then read
as a switch waiting, though both sides held the same 27 occurrences."""

from __future__ import annotations

from datetime import date

from test_state_machine_series import past_the_limits

from syncore.models import Event
from syncore.occurrences import ended_before
from syncore.recurrence import Recurrence


def daily(rule: str) -> Event:
    return Event(subject="", start=date(2026, 9, 28), end=date(2026, 9, 29),
                 recurrence=Recurrence(rule=f"FREQ=DAILY;{rule}", zone="Europe/Berlin"))


def test_a_series_ended_by_until_is_judged_by_its_occurrences() -> None:
    assert past_the_limits(daily("UNTIL=20261005")) is None  # 28 Sep to 5 Oct: 8 days
    assert past_the_limits(daily("UNTIL=20261006")) == "more than 8 occurrences"  # 9
    assert past_the_limits(daily("UNTIL=20280501")) == "more than 8 occurrences"  # the seed-13 series


def test_a_series_the_side_accepts_stays_accepted_once_cut() -> None:
    cut = ended_before(daily("UNTIL=20261005"), date(2026, 10, 3))
    assert cut.recurrence.rule == "FREQ=DAILY;COUNT=5"
    assert past_the_limits(cut) is None
