"""End to end: recurring series written with exchangelib in Exchange (the emulator) ⇄ MemoryAdapter (CRM).

Issue 14's acceptance for Exchange: a weekly series in Europe/Berlin across the spring DST change (2031-03-30)
reaches the CRM with every occurrence at 09:00 Berlin time; moving one occurrence and cancelling another in Exchange
follows; a second sync writes nothing. Request counts are the emulator's log, as literals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone
from exchangelib.items import CalendarItem
from exchangelib.recurrence import Recurrence, WeeklyPattern

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Side
from syncore.remote import CreateRequest, RecurrenceSupport
from syncore.series import Series
from syncore.state_types import Action
from syncore.testing import MemoryAdapter

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def _engine(pim, crm):
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: NOW)


def _weekly_berlin(account, weeks=8):
    """Tuesdays 09:00-10:00 Berlin from 4 March 2031: the clocks go forward on Sunday 30 March."""
    tz = EWSTimeZone("Europe/Berlin")
    item = CalendarItem(
        account=account, folder=account.calendar, subject="1:1 with Anna",
        start=EWSDateTime(2031, 3, 4, 9, tzinfo=tz), end=EWSDateTime(2031, 3, 4, 10, tzinfo=tz),
        recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[2]), start=EWSDate(2031, 3, 4), number=weeks))
    item.save()
    return item


@pytest.fixture
def account(emu):
    return emu.account(default_timezone=EWSTimeZone("Europe/Berlin"))


@pytest.mark.parametrize("holds", [RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES])
def test_weekly_berlin_series_across_dst_reaches_the_crm_at_nine_every_week(emu, account, make_adapter, holds):
    master = _weekly_berlin(account)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW, recurrence=holds)
    engine = _engine(make_adapter(), crm)

    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert not first.skipped, first.skipped
    starts = _crm_starts(crm, holds)
    # every Tuesday at 09:00 Berlin: 08:00Z while CET (UTC+1), 07:00Z from 1 April on (CEST, UTC+2)
    assert starts == [datetime(2031, 3, 4, 8, tzinfo=UTC), datetime(2031, 3, 11, 8, tzinfo=UTC),
                      datetime(2031, 3, 18, 8, tzinfo=UTC), datetime(2031, 3, 25, 8, tzinfo=UTC),
                      datetime(2031, 4, 1, 7, tzinfo=UTC), datetime(2031, 4, 8, 7, tzinfo=UTC),
                      datetime(2031, 4, 15, 7, tzinfo=UTC), datetime(2031, 4, 22, 7, tzinfo=UTC)]
    assert {s.astimezone(BERLIN).hour for s in starts} == {9}
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"

    # the user moves the 18 March meeting to 14:00 and cancels the 8 April one, in Exchange
    master.refresh()
    moved = master.occurrence(3)
    moved.refresh()
    tz = EWSTimeZone("Europe/Berlin")
    moved.start, moved.end = EWSDateTime(2031, 3, 18, 14, tzinfo=tz), EWSDateTime(2031, 3, 18, 15, tzinfo=tz)
    moved.subject = "1:1 with Anna (afternoon)"
    moved.save(update_fields=["start", "end", "subject"])
    cancelled = master.occurrence(6)
    cancelled.refresh()
    cancelled.delete()

    followed = engine.sync(Kind.EVENT)
    assert followed.ok, followed.errors
    starts = _crm_starts(crm, holds)
    assert datetime(2031, 4, 8, 7, tzinfo=UTC) not in starts
    assert datetime(2031, 3, 18, 13, tzinfo=UTC) in starts and datetime(2031, 3, 18, 8, tzinfo=UTC) not in starts
    assert len(starts) == 7
    subjects = {e.start: e.subject for e in _crm_occurrences(crm, holds)}
    assert subjects[datetime(2031, 3, 18, 13, tzinfo=UTC)] == "1:1 with Anna (afternoon)"
    if holds is RecurrenceSupport.RULES:
        assert _writes(followed) == {(Side.CRM, Action.UPDATE): 1}
    else:
        assert _writes(followed) == {(Side.CRM, Action.UPDATE): 1, (Side.CRM, Action.DELETE): 1}
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"
    assert len(emu.items("calendar")) == 1, "Exchange still holds one master"


def _crm_occurrences(crm, holds):
    events = list(crm.records(Kind.EVENT).values())
    if holds is RecurrenceSupport.OCCURRENCES:
        return sorted(events, key=lambda e: e.start)
    (series,) = events
    assert series.recurrence is not None and series.recurrence.zone == "Europe/Berlin"
    expanded = Series(series)
    return [expanded.occurrence(key) for key in expanded.starts() if not expanded.is_cancelled(key)]


def _crm_starts(crm, holds):
    return sorted(e.start for e in _crm_occurrences(crm, holds))


# -- CRM → Exchange ---------------------------------------------------------------------------------------------------
def _view(account):
    """What Outlook shows: the calendar's occurrences through CalendarView, read with exchangelib."""
    tz = EWSTimeZone("UTC")
    items = account.calendar.view(start=EWSDateTime(2031, 3, 1, tzinfo=tz), end=EWSDateTime(2031, 6, 1, tzinfo=tz))
    return sorted((_utc(i.start), i.subject, i.type) for i in items)


def _utc(value):
    return datetime.fromtimestamp(value.timestamp(), UTC)


def _crm_series(weeks=8, exdates=(), overrides=()):
    from syncore.models import Event
    from syncore.recurrence import Recurrence as Rule

    start = datetime(2031, 3, 4, 8, tzinfo=UTC)  # 09:00 Berlin
    return Event(subject="Pipeline review", start=start, end=start + timedelta(hours=1),
                 recurrence=Rule(rule=f"FREQ=WEEKLY;BYDAY=TU;COUNT={weeks}", zone="Europe/Berlin",
                                 exdates=exdates, overrides=overrides))


def test_crm_series_reaches_exchange_as_one_master_at_nine_berlin(emu, account, make_adapter):
    from syncore.recurrence import Override

    moved = Override(original_start=datetime(2031, 3, 18, 8, tzinfo=UTC), start=datetime(2031, 3, 18, 13, tzinfo=UTC),
                     end=datetime(2031, 3, 18, 14, tzinfo=UTC), subject="Pipeline review (late)")
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    crm_id = crm.put(_crm_series(exdates=[datetime(2031, 4, 8, 7, tzinfo=UTC)], overrides=[moved]))
    engine = _engine(make_adapter(), crm)
    emu.reset_log()

    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert _writes(first) == {(Side.PIM, Action.CREATE): 1}
    # the master (CreateItem), the cancelled occurrence (DeleteItem), the moved one (UpdateItem), and one GetItem for
    # the master's final change key; plus the sync's own reads (GetFolder, SyncFolderItems)
    assert emu.request_counts() == {"GetFolder": 2, "SyncFolderItems": 1, "CreateItem": 1, "DeleteItem": 1,
                                    "UpdateItem": 1, "GetItem": 1}
    (master,) = emu.items("calendar")
    assert "Recurrence" in master["fields"] and master["fields"]["StartTimeZone"]
    assert _view(account) == [
        (datetime(2031, 3, 4, 8, tzinfo=UTC), "Pipeline review", "Occurrence"),
        (datetime(2031, 3, 11, 8, tzinfo=UTC), "Pipeline review", "Occurrence"),
        (datetime(2031, 3, 18, 13, tzinfo=UTC), "Pipeline review (late)", "Exception"),
        (datetime(2031, 3, 25, 8, tzinfo=UTC), "Pipeline review", "Occurrence"),
        (datetime(2031, 4, 1, 7, tzinfo=UTC), "Pipeline review", "Occurrence"),
        (datetime(2031, 4, 15, 7, tzinfo=UTC), "Pipeline review", "Occurrence"),
        (datetime(2031, 4, 22, 7, tzinfo=UTC), "Pipeline review", "Occurrence"),
    ]
    emu.reset_log()
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"
    assert emu.request_counts() == {"SyncFolderItems": 1}

    # one occurrence edited and one cancelled in the CRM: written to those occurrences, the master stays
    series = crm.records(Kind.EVENT)[crm_id]
    later = Override(original_start=datetime(2031, 4, 1, 7, tzinfo=UTC), location="Room 4")
    crm.edit(crm_id, recurrence=attrs.evolve(series.recurrence, exdates=[*series.recurrence.exdates,
                                                           datetime(2031, 4, 22, 7, tzinfo=UTC)],
                                          overrides=[*series.recurrence.overrides, later]))
    emu.reset_log()
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}
    # the master and its exceptions read (GetItem x2), the occurrences written (one DeleteItem, one UpdateItem) and
    # the master's new change key (GetItem); the master itself is not rewritten
    assert emu.request_counts() == {"SyncFolderItems": 1, "GetItem": 3, "DeleteItem": 1, "UpdateItem": 1}
    view = _view(account)
    assert datetime(2031, 4, 22, 7, tzinfo=UTC) not in [start for start, _, _ in view] and len(view) == 6
    assert len(emu.items("calendar")) == 1
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"


# -- a CRM that holds single occurrences: its edits reach the occurrence by its id -------------------------------
def test_occurrence_edits_from_a_crm_of_single_events_reach_those_occurrences(emu, account, make_adapter):
    master = _weekly_berlin(account)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW,
                        recurrence=RecurrenceSupport.OCCURRENCES)
    engine = _engine(make_adapter(), crm)
    assert engine.sync(Kind.EVENT).ok
    by_start = {e.start: i for i, e in crm.records(Kind.EVENT).items()}
    assert len(by_start) == 8
    crm.edit(by_start[datetime(2031, 4, 1, 7, tzinfo=UTC)], subject="1:1 (agenda: hiring)", location="Room 4")
    crm.remove(by_start[datetime(2031, 4, 15, 7, tzinfo=UTC)])
    emu.reset_log()

    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1, (Side.PIM, Action.DELETE): 1}
    # the cancellation: the master read for the occurrence's index (GetItem), one DeleteItem on its OccurrenceItemId;
    # the edit: the master read to check the occurrence's version (GetItem; no exceptions yet), one UpdateItem, the
    # master and its new exception read for the new version (GetItem x2). No request per occurrence of the series.
    assert emu.request_counts() == {"SyncFolderItems": 1, "GetItem": 4, "DeleteItem": 1, "UpdateItem": 1}
    assert len(emu.items("calendar")) == 1
    view = {start: (subject, kind) for start, subject, kind in _view(account)}
    assert view[datetime(2031, 4, 1, 7, tzinfo=UTC)] == ("1:1 (agenda: hiring)", "Exception")
    assert datetime(2031, 4, 15, 7, tzinfo=UTC) not in view and len(view) == 7
    master.refresh()
    assert [o.start.date() for o in master.deleted_occurrences] == [datetime(2031, 4, 15).date()]
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"


@pytest.mark.parametrize("weeks", [5, 52])
def test_a_series_costs_the_same_requests_whatever_its_length(emu, make_adapter, weeks):
    from syncore.recurrence import Override

    adapter = make_adapter()
    exdates = [datetime(2031, 3, 11, 8, tzinfo=UTC)]
    overrides = [Override(original_start=datetime(2031, 3, 18, 8, tzinfo=UTC), subject="moved"),
                 Override(original_start=datetime(2031, 3, 25, 8, tzinfo=UTC), location="Room 9")]
    records = [_crm_series(weeks=weeks, exdates=exdates, overrides=overrides).replace(subject=f"S{i}")
               for i in range(3)]
    adapter.folder(Kind.EVENT)
    emu.reset_log()
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref=str(i), record=r) for i, r in enumerate(records)])
    assert all(o.ok for o in outcomes), outcomes
    # three series, six exceptions, three cancellations: one request of each kind
    assert emu.request_counts() == {"CreateItem": 1, "DeleteItem": 1, "UpdateItem": 1, "GetItem": 1}
    emu.reset_log()
    fetched = adapter.fetch(Kind.EVENT, [o.id for o in outcomes])
    assert emu.request_counts() == {"GetItem": 2}  # the masters, then their exceptions
    assert [fetched[o.id].record.recurrence for o in outcomes] == [r.recurrence for r in records]
    assert [fetched[o.id].version for o in outcomes] == [o.version for o in outcomes]


def test_a_single_event_becomes_a_series_its_rule_changes_and_it_becomes_single_again(emu, make_adapter):
    from syncore.models import Event
    from syncore.recurrence import Override
    from syncore.recurrence import Recurrence as Rule
    from syncore.remote import UpdateRequest

    adapter = make_adapter()
    start = datetime(2031, 3, 4, 8, tzinfo=UTC)
    single = Event(subject="Sync", start=start, end=start + timedelta(hours=1))
    (made,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=single)])

    def update(record, version):
        (outcome,) = adapter.update(Kind.EVENT, [UpdateRequest(ref="u", id=made.id, record=record, base_version=version,
                                                               fields=frozenset({"recurrence"}))])
        assert outcome.ok, outcome.error
        stored = adapter.fetch(Kind.EVENT, [made.id])[made.id]
        assert stored.version == outcome.version
        return stored

    moved = Override(original_start=start + timedelta(days=7), subject="Sync (moved)",
                     start=start + timedelta(days=7, hours=5), end=start + timedelta(days=7, hours=6))
    series = single.replace(recurrence=Rule(rule="FREQ=WEEKLY;BYDAY=TU;COUNT=4", zone="Europe/Berlin",
                                            overrides=[moved]))
    stored = update(series, made.version)
    assert stored.record == series
    # a new pattern drops Exchange's exceptions; the adapter writes the ones the series keeps again
    longer = series.replace(recurrence=attrs.evolve(series.recurrence, rule="FREQ=WEEKLY;BYDAY=TU;COUNT=6"))
    stored = update(longer, stored.version)
    assert stored.record == longer and len(emu.items("calendar")) == 1
    stored = update(single, stored.version)
    assert stored.record == single and "Recurrence" not in emu.get_item(made.id)["fields"]


def test_an_all_day_series_keeps_its_dates(emu, make_adapter):
    from datetime import date

    from syncore.models import Event
    from syncore.recurrence import Recurrence as Rule

    adapter = make_adapter(zone="America/New_York")
    # the last day of each month in Berlin, one cancelled: dates, never shifted by the mailbox's zone
    series = Event(subject="Month end", start=date(2031, 3, 31), end=date(2031, 4, 1),
                   recurrence=Rule(rule="FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", zone="Europe/Berlin",
                                   exdates=[date(2031, 4, 30)]))
    (made,) = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=series)])
    assert made.ok, made.error
    assert adapter.fetch(Kind.EVENT, [made.id])[made.id].record == series


@pytest.mark.parametrize("op", ["CreateItem", "DeleteItem", "UpdateItem"])
def test_a_lost_reply_while_writing_a_series_converges_without_duplicates(emu, account, make_adapter, op):
    from syncore.recurrence import Override

    moved = Override(original_start=datetime(2031, 3, 18, 8, tzinfo=UTC), subject="Pipeline review (late)")
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    crm_id = crm.put(_crm_series(exdates=[datetime(2031, 4, 8, 7, tzinfo=UTC)], overrides=[moved]))
    engine = _engine(make_adapter(), crm)
    # the server writes, then the connection closes before the answer (every retry of it too)
    emu.faults.lose_replies(n=None, op=op)
    interrupted = engine.sync(Kind.EVENT)
    assert interrupted.errors and any(r.operation == op for r in emu.requests)
    emu.faults.clear()
    for _ in range(2):
        engine.sync(Kind.EVENT)
    assert len(emu.items("calendar")) == 1, "one master, never a duplicate"
    view = _view(account)
    assert len(view) == 7 and ("Pipeline review (late)" in {subject for _, subject, _ in view})
    assert datetime(2031, 4, 8, 7, tzinfo=UTC) not in {start for start, _, _ in view}
    assert crm.records(Kind.EVENT)[crm_id].recurrence.exdates == (datetime(2031, 4, 8, 7, tzinfo=UTC),)
    assert not _writes(engine.sync(Kind.EVENT)), "in step: a further sync writes nothing"


def test_an_occurrence_the_feed_lists_is_reported_by_its_series_subject(emu, account, make_adapter):
    """SyncFolderItems lists masters and single items only, so the adapter's guard against an occurrence in the feed
    never fires against Exchange; called with one, it names it as every unsupported item is named (by subject)."""
    from syncore_exchange import _sync

    master = _weekly_berlin(account)
    occurrence = master.occurrence(2)
    occurrence.refresh()
    adapter = make_adapter()
    gone = "AAMkAGI2TG93AAA="  # shaped like an ItemId, names nothing in the mailbox
    records, reported = _sync.name_early(account, account.calendar, Kind.EVENT,
                                         {occurrence.id: "an occurrence", gone: "an occurrence"}, adapter.throttle)
    assert records == []
    assert [(u.id, u.label) for u in reported] == [(occurrence.id, "event series '1:1 with Anna'"), (gone, "")]
    assert "occurrence of a recurring series" in reported[0].reason
    assert _sync.name_early(account, account.calendar, Kind.EVENT, {}, adapter.throttle) == ([], [])
