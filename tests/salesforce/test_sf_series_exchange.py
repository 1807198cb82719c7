"""Issue 14's acceptance, end to end through both real adapters and both emulators (no MemoryAdapter):

* a weekly series written with exchangelib in Europe/Berlin across the spring DST change (29 March 2026) reaches
  Salesforce with every occurrence at 09:00 Berlin time; moving one occurrence and cancelling another in Exchange
  follows; a second sync writes nothing;
* a series created in Salesforce (Lightning and classic) reaches Exchange as one series (one master), not as
  separate meetings, at 09:00 Berlin on both sides of the DST change.

Expected instants are written out by hand (08:00Z while CET, 07:00Z from 29 March, CEST).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.items import CalendarItem
from exchangelib.recurrence import Recurrence, WeeklyPattern
from sfadapter_support import Sleeps

from pair_emulators import exchange_emulator, salesforce_emulator_at
from syncore import SyncEngine
from syncore.models import Kind
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore_exchange import ExchangeAdapter
from syncore_salesforce import SalesforceAdapter

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
BERLIN = EWSTimeZone("Europe/Berlin")
# Mondays 16 March … 20 April 2026 at 09:00 Berlin: CET (UTC+1) until Sunday 29 March, then CEST (UTC+2)
MONDAYS_UTC = ["2026-03-16T08:00", "2026-03-23T08:00", "2026-03-30T07:00", "2026-04-06T07:00",
               "2026-04-13T07:00", "2026-04-20T07:00"]


sf = salesforce_emulator_at(NOW)


ews = exchange_emulator()


def engine_for(sf, ews, **crm_options):
    account = ews.account(default_timezone=BERLIN)
    crm = SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=Sleeps(), **crm_options)
    engine = SyncEngine(pim=ExchangeAdapter(account, sleep=lambda s: None), crm=crm,
                        state=SqliteStateStore(":memory:"), settings=SyncSettings(), clock=sf.clock.now)
    return engine, account


def sync(sf, engine):
    sf.clock.advance(2)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert not result.skipped, result.skipped
    return result


def writes(result) -> int:
    return sum(result.counts.values())


def sf_occurrences(sf) -> list[tuple[str, str]]:
    """(UTC start to the minute, subject) of the Salesforce rows that are occurrences of a series."""
    rows = [r for r in sf.all("Event") if r.get("GroupEventType") != "3" and not r.get("IsDeleted")]
    return sorted((r["StartDateTime"][:16], r["Subject"]) for r in rows)


def exchange_view(account) -> list[tuple[str, str, str]]:
    utc = EWSTimeZone("UTC")
    items = account.calendar.view(start=EWSDateTime(2026, 3, 1, tzinfo=utc), end=EWSDateTime(2026, 6, 1, tzinfo=utc))
    return sorted((datetime.fromtimestamp(i.start.timestamp(), UTC).strftime("%Y-%m-%dT%H:%M"), i.subject, i.type)
                  for i in items)


def test_a_weekly_exchange_series_across_dst_reaches_salesforce_at_nine_berlin_and_follows_edits(sf, ews):
    engine, account = engine_for(sf, ews)
    master = CalendarItem(
        account=account, folder=account.calendar, subject="1:1 with Anna",
        start=EWSDateTime(2026, 3, 16, 9, tzinfo=BERLIN), end=EWSDateTime(2026, 3, 16, 9, 30, tzinfo=BERLIN),
        recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[1]), start=EWSDate(2026, 3, 16), number=6))
    master.save()

    sync(sf, engine)
    series_rows = [r for r in sf.all("Event") if r.get("GroupEventType") == "3"]
    assert len(series_rows) == 1, "one Lightning series record"
    assert sf_occurrences(sf) == [(start, "1:1 with Anna") for start in MONDAYS_UTC]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"

    # in Exchange: the 23 March meeting moves to 14:00 and the 13 April one is cancelled
    master.refresh()
    moved = master.occurrence(2)
    moved.refresh()
    moved.start = EWSDateTime(2026, 3, 23, 14, tzinfo=BERLIN)
    moved.end = EWSDateTime(2026, 3, 23, 14, 30, tzinfo=BERLIN)
    moved.save(update_fields=["start", "end"])
    cancelled = master.occurrence(5)
    cancelled.refresh()
    cancelled.delete()

    sync(sf, engine)
    assert sf_occurrences(sf) == [(start, "1:1 with Anna") for start in
                                  ["2026-03-16T08:00", "2026-03-23T13:00", "2026-03-30T07:00", "2026-04-06T07:00",
                                   "2026-04-20T07:00"]]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"
    assert len(ews.items("calendar")) == 1, "Exchange still holds one master"


def _lightning(sf) -> None:
    sf.insert("Event", {"Subject": "Pipeline review", "StartDateTime": "2026-03-16T08:00:00.000+0000",
                        "EndDateTime": "2026-03-16T09:00:00.000+0000", "OwnerId": sf.user_id,
                        "Recurrence2PatternText": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                        "Recurrence2PatternTimeZone": "Europe/Berlin"})


def _classic(sf) -> None:
    sf.insert("Event", {"Subject": "Pipeline review", "StartDateTime": "2026-03-16T08:00:00.000+0000",
                        "DurationInMinutes": 60, "OwnerId": sf.user_id, "IsRecurrence": True,
                        "RecurrenceStartDateTime": "2026-03-16T08:00:00.000+0000",
                        "RecurrenceEndDateOnly": "2026-04-20", "RecurrenceType": "RecursWeekly",
                        "RecurrenceInterval": 1, "RecurrenceDayOfWeekMask": 2,
                        "RecurrenceTimeZoneSidKey": "Europe/Berlin"})


@pytest.mark.parametrize("make_series", [_lightning, _classic], ids=["lightning", "classic"])
def test_a_salesforce_series_reaches_exchange_as_one_master_at_nine_berlin(sf, ews, make_series):
    make_series(sf)
    engine, account = engine_for(sf, ews)
    sync(sf, engine)
    masters = ews.items("calendar")
    assert len(masters) == 1, "one series in Exchange, not separate meetings"
    assert exchange_view(account) == [(start, "Pipeline review", "Occurrence") for start in MONDAYS_UTC]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"
