"""patternedRecurrence ⇄ the core's rules (through syncore.patterns, the translation Exchange and Outlook share).

Patterns from https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence (examples: daily every
3 days, weekly on Monday and Wednesday, "absoluteMonthly" day 15, "relativeMonthly" first Thursday, yearly on
the last Monday of May) and Microsoft's own meanings (a day past the month's end is its last day; the last
weekday is the last of the set); each rule is also checked against the Graph emulator's expansion of the same
pattern (dateutil over the JSON, independent of the core's translation).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule

from syncore.models import Event
from syncore.patterns import Unfit
from syncore.recurrence import Recurrence
from syncore.rrules import walls
from syncore_graph._mapping.recurrence import recurrence_to_graph, rrule_from_recurrence
from syncore_graph.emulator.recurrence import original_starts

ZONE = "Europe/Berlin"
FIRST = date(2026, 3, 5)  # a Thursday


def _rec(pattern: dict, rng: dict | None = None) -> dict:
    return {"pattern": {"interval": 1, **pattern},
            "range": rng or {"type": "numbered", "startDate": FIRST.isoformat(), "numberOfOccurrences": 6}}


CASES = [
    (_rec({"type": "daily", "interval": 3}), "FREQ=DAILY;INTERVAL=3;COUNT=6"),
    # the week's first day matters only every other week and more (the core's normal form drops it otherwise)
    (_rec({"type": "weekly", "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "sunday"}),
     "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"),
    (_rec({"type": "weekly", "interval": 2, "daysOfWeek": ["monday", "sunday"], "firstDayOfWeek": "sunday"}),
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=SU;COUNT=6"),
    (_rec({"type": "absoluteMonthly", "dayOfMonth": 15}), "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6"),
    (_rec({"type": "absoluteMonthly", "dayOfMonth": 31}), "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=6"),
    (_rec({"type": "relativeMonthly", "daysOfWeek": ["thursday"], "index": "first"}),
     "FREQ=MONTHLY;BYDAY=1TH;COUNT=6"),
    (_rec({"type": "relativeMonthly", "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
           "index": "last"}), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6"),
    (_rec({"type": "relativeYearly", "daysOfWeek": ["monday"], "index": "last", "month": 5}),
     "FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO;COUNT=6"),
    (_rec({"type": "absoluteYearly", "dayOfMonth": 5, "month": 3},
          {"type": "endDate", "startDate": FIRST.isoformat(), "endDate": "2030-03-05"}),
     "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;UNTIL=20300305"),
]


def _event(rule: str) -> Event:
    # a series starts on its rule's first occurrence from 5 March 2026, 09:00 Berlin
    start = next(walls(rule, datetime(2026, 3, 5, 9))).replace(tzinfo=ZoneInfo(ZONE))
    return Event(subject="s", start=start, end=start + timedelta(hours=1), recurrence=Recurrence(rule=rule, zone=ZONE))


@pytest.mark.parametrize(("recurrence", "rule"), CASES)
def test_patterns_map_to_rules_and_back(recurrence, rule):
    assert rrule_from_recurrence(recurrence) == rule
    back = recurrence_to_graph(_event(rule), "W. Europe Standard Time")
    assert back["range"]["recurrenceTimeZone"] == "W. Europe Standard Time"
    assert rrule_from_recurrence(back) == rule


def _expand(rule: str, local_start: datetime) -> list[datetime]:
    """dateutil's expansion of ``rule`` from a local wall-clock start (an UNTIL date: to that day's end)."""
    parts = []
    for part in rule.split(";"):
        if part.startswith("UNTIL=") and "T" not in part[6:]:
            part = f"{part}T235959"
        parts.append(part)
    return list(rrule.rrulestr(";".join(parts), dtstart=local_start))


@pytest.mark.parametrize(("recurrence", "rule"), CASES)
def test_the_rule_expands_to_the_occurrences_the_emulator_shows(recurrence, rule):
    start = datetime(2026, 3, 5, 9, tzinfo=UTC)
    shown = original_starts(recurrence, start, ZONE, datetime(2036, 1, 1, tzinfo=UTC))
    local_start = start.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)
    assert shown and [s.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None) for s in shown] == _expand(rule, local_start)


@pytest.mark.parametrize("rule", ["FREQ=DAILY;BYMONTH=3", "FREQ=MONTHLY;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=1,15",
                                  "FREQ=MONTHLY;BYDAY=5TH"])
def test_rules_outlook_cannot_hold_are_refused(rule):
    with pytest.raises(Unfit):
        recurrence_to_graph(_event(rule), ZONE)
