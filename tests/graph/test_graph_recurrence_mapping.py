"""patternedRecurrence ⇄ RFC 5545 rules, ready for the core's series model (no series are synced yet).

Patterns from https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence (examples: daily every
3 days, weekly on Monday and Wednesday, "absoluteMonthly" day 15, "relativeMonthly" first Thursday, yearly on
the last Monday of May); each rule is also checked against the Graph emulator's expansion of the same pattern.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule

from syncore_graph._mapping.recurrence import recurrence_from_rrule, rrule_from_recurrence
from syncore_graph.emulator.recurrence import original_starts

ZONE = "Europe/Berlin"
FIRST = date(2026, 3, 5)  # a Thursday


def _rec(pattern: dict, rng: dict | None = None) -> dict:
    return {"pattern": {"interval": 1, **pattern},
            "range": rng or {"type": "numbered", "startDate": FIRST.isoformat(), "numberOfOccurrences": 6}}


CASES = [
    (_rec({"type": "daily", "interval": 3}), "FREQ=DAILY;INTERVAL=3;COUNT=6"),
    (_rec({"type": "weekly", "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "sunday"}),
     "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;COUNT=6"),
    (_rec({"type": "absoluteMonthly", "dayOfMonth": 15}), "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6"),
    (_rec({"type": "relativeMonthly", "daysOfWeek": ["thursday"], "index": "first"}),
     "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1;COUNT=6"),
    (_rec({"type": "relativeYearly", "daysOfWeek": ["monday"], "index": "last", "month": 5}),
     "FREQ=YEARLY;BYMONTH=5;BYDAY=MO;BYSETPOS=-1;COUNT=6"),
    (_rec({"type": "absoluteYearly", "dayOfMonth": 5, "month": 3},
          {"type": "endDate", "startDate": FIRST.isoformat(), "endDate": "2030-03-05"}),
     "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5;UNTIL=20300305T225959Z"),
]


@pytest.mark.parametrize(("recurrence", "rule"), CASES)
def test_patterns_map_to_rules_and_back(recurrence, rule):
    assert rrule_from_recurrence(recurrence, ZONE) == rule
    back = recurrence_from_rrule(rule, FIRST, ZONE)
    assert rrule_from_recurrence(back, ZONE) == rule


def _expand(rule: str, local_start: datetime) -> list[datetime]:
    """dateutil's expansion of ``rule`` from a local wall-clock start (a UTC UNTIL read in the same zone)."""
    parts = []
    for part in rule.split(";"):
        if part.startswith("UNTIL="):
            until = datetime.strptime(part[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE))
            part = f"UNTIL={until.replace(tzinfo=None):%Y%m%dT%H%M%S}"
        parts.append(part)
    return list(rrule.rrulestr(";".join(parts), dtstart=local_start))


@pytest.mark.parametrize(("recurrence", "rule"), CASES)
def test_the_rule_expands_to_the_occurrences_the_emulator_shows(recurrence, rule):
    start = datetime(2026, 3, 5, 9, tzinfo=UTC)
    shown = original_starts(recurrence, start, ZONE, datetime(2036, 1, 1, tzinfo=UTC))
    local_start = start.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)
    assert shown and [s.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None) for s in shown] == _expand(rule, local_start)


def test_rules_outlook_cannot_hold_are_refused():
    for rule in ("FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9", "FREQ=MONTHLY;BYDAY=MO"):
        with pytest.raises(ValueError):
            recurrence_from_rrule(rule, FIRST, ZONE)
