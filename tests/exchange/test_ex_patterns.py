"""Every EWS recurrence pattern and range, read and written by the adapter, checked against the emulator's own
expansion (CalendarView read with exchangelib, not through the adapter).

Patterns: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/recurrence-recurrencetype
(DailyRecurrence, WeeklyRecurrence, AbsoluteMonthlyRecurrence, RelativeMonthlyRecurrence, AbsoluteYearlyRecurrence,
RelativeYearlyRecurrence; NoEndRecurrence, EndDateRecurrence, NumberedRecurrence).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.items import CalendarItem
from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    Recurrence,
    RelativeMonthlyPattern,
    RelativeYearlyPattern,
    WeeklyPattern,
)

from syncore.models import Event, Kind
from syncore.recurrence import Recurrence as Rule
from syncore.remote import CreateRequest
from syncore.series import Series

ZONE = "America/New_York"
#: CalendarView spans at most two years (…/web-service-reference/calendarview)
VIEW = (datetime(2031, 3, 1, tzinfo=UTC), datetime(2033, 2, 1, tzinfo=UTC))

# exchangelib's numbering: weekdays 1 = Monday … 7 = Sunday, 9 = Weekday; week_number 5 = Last
PATTERNS = {
    "daily": (DailyPattern(interval=3), "FREQ=DAILY;INTERVAL=3"),
    "weekly": (WeeklyPattern(interval=2, weekdays=[1, 3, 5], first_day_of_week=1),
               "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR"),
    # day 31 means the month's last day in shorter months
    "absolute monthly": (AbsoluteMonthlyPattern(interval=1, day_of_month=31), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    "relative monthly": (RelativeMonthlyPattern(interval=2, weekday=9, week_number=5),
                         "FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    "absolute yearly": (AbsoluteYearlyPattern(day_of_month=29, month=2), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"),
    "relative yearly": (RelativeYearlyPattern(weekday=4, week_number=3, month=11), "FREQ=YEARLY;BYMONTH=11;BYDAY=3TH"),
}
RANGES = {
    "numbered": ({"number": 5}, ";COUNT=5"),
    # the end date is a local day: the rule ends at its last second in the series' zone (05:00Z - 1 s in winter)
    "end date": ({"end": EWSDate(2032, 12, 31)}, ";UNTIL=20330101T045959Z"),
    "no end": ({}, ""),
}


def _view(account, subject):
    """Starts (UTC) of the occurrences called ``subject`` inside VIEW, as CalendarView gives them."""
    tz = EWSTimeZone("UTC")
    items = account.calendar.view(start=EWSDateTime.from_datetime(VIEW[0]).astimezone(tz),
                                  end=EWSDateTime.from_datetime(VIEW[1]).astimezone(tz))
    return [datetime.fromtimestamp(i.start.timestamp(), UTC) for i in items
            if i.type in ("Occurrence", "Exception") and i.subject == subject]


def _expanded(event):
    return [key for key in Series(event).starts(*VIEW) if not Series(event).is_cancelled(key)]


@pytest.fixture
def account(emu):
    return emu.account(default_timezone=EWSTimeZone(ZONE))


@pytest.mark.parametrize("range_name", list(RANGES))
@pytest.mark.parametrize("pattern_name", list(PATTERNS))
def test_every_pattern_and_range_reads_as_the_rule_exchange_expands(emu, account, adapter, pattern_name, range_name):
    pattern, rule = PATTERNS[pattern_name]
    boundary, ending = RANGES[range_name]
    tz = EWSTimeZone(ZONE)
    item = CalendarItem(account=account, folder=account.calendar, subject=pattern_name,
                        start=EWSDateTime(2031, 3, 1, 9, tzinfo=tz), end=EWSDateTime(2031, 3, 1, 10, tzinfo=tz),
                        recurrence=Recurrence(pattern=pattern, start=EWSDate(2031, 3, 1), **boundary))
    item.save()
    series = adapter.fetch(Kind.EVENT, [item.id])[item.id].record
    assert series.recurrence.rule == rule + ending and series.recurrence.zone == ZONE
    occurrences = _view(account, pattern_name)
    assert occurrences and _expanded(series) == occurrences
    assert {o.astimezone(tz).hour for o in occurrences} == {9}, "09:00 New York, summer and winter"

    # written back by the adapter as a new master: Exchange expands it to the same occurrences
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="r", record=series.replace(subject="copy"))])
    assert created.ok, created.error
    assert _view(account, "copy") == occurrences
    assert adapter.fetch(Kind.EVENT, [created.id])[created.id].record.recurrence == series.recurrence


def test_a_yearly_interval_is_written_as_months(emu, account, adapter):
    # EWS yearly patterns have no interval: every two years is the monthly pattern every 24 months
    start = datetime(2031, 9, 1, 13, tzinfo=UTC)  # 09:00 New York (EDT)
    event = Event(subject="Biennial review", start=start, end=start.replace(hour=14),
                  recurrence=Rule(rule="FREQ=YEARLY;INTERVAL=2;BYMONTH=9;BYMONTHDAY=1;COUNT=3", zone=ZONE))
    (created,) = adapter.create(Kind.EVENT, [CreateRequest(ref="r", record=event)])
    assert created.ok, created.error
    stored = emu.get_item(created.id)["fields"]["Recurrence"]  # the XML Exchange keeps
    assert "<t:AbsoluteMonthlyRecurrence><t:Interval>24</t:Interval><t:DayOfMonth>1</t:DayOfMonth>" in stored
    read = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert read.recurrence.rule == "FREQ=MONTHLY;INTERVAL=24;BYMONTHDAY=1;COUNT=3"
    assert list(Series(read).starts()) == [start, start.replace(year=2033), start.replace(year=2035)]
    assert adapter.represent(event).recurrence.rule == read.recurrence.rule


@pytest.mark.parametrize(("rule", "why"), [
    ("FREQ=WEEKLY;INTERVAL=100;BYDAY=TU", "at most every 99 weeks"),
    ("FREQ=DAILY;COUNT=1000", "at most 999 occurrences"),
    ("FREQ=MONTHLY;BYMONTHDAY=4,5", ""),  # no Microsoft pattern gives two days a month
])
def test_what_exchange_cannot_hold_is_named_per_record(adapter, rule, why):
    start = datetime(2031, 3, 4, 8, tzinfo=UTC)
    event = Event(subject="s", start=start, end=start.replace(hour=9), recurrence=Rule(rule=rule, zone="Europe/Berlin"))
    reason = adapter.unfit_reason(event)
    assert reason and why in reason
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="r", record=event)])
    assert type(outcome.error).__name__ == "UnsupportedRecord"


def test_an_occurrence_moved_past_its_neighbour_is_named(adapter):
    from syncore.recurrence import Override

    start = datetime(2031, 3, 4, 8, tzinfo=UTC)
    event = Event(subject="s", start=start, end=start.replace(hour=9), recurrence=Rule(
        rule="FREQ=DAILY;COUNT=3", zone="Europe/Berlin",
        overrides=[Override(original_start=start, start=start.replace(day=6, hour=10),
                            end=start.replace(day=6, hour=11))]))
    assert "neighbour" in adapter.unfit_reason(event)
