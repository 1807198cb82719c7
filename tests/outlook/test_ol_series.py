"""End to end: recurring series in Outlook (the fake, Europe/Berlin) ⇄ MemoryAdapter (CRM), through SyncEngine.

Issue 14's acceptance on the Outlook side: a weekly series across the spring DST change (2027-03-28) reaches the
CRM with every occurrence at 09:00 Berlin; moving one occurrence and cancelling another in Outlook follows; a CRM
series reaches Outlook as one master at the right local times with its exceptions; a second sync writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Event, Kind, Side
from syncore.recurrence import Override, Recurrence
from syncore.remote import RecurrenceSupport
from syncore.series import Series
from syncore.state_types import Action
from syncore.testing import MemoryAdapter
from syncore_outlook import constants as C
from syncore_outlook._time import OutlookClock

NOW = datetime(2027, 3, 20, 8, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
CLOCK = OutlookClock("Europe/Berlin")
#: Mondays 09:00 Berlin from 22 March 2027: 08:00Z, then 07:00Z once the clocks go forward on 28 March
STARTS = [datetime(2027, 3, 22, 8, tzinfo=UTC), *(datetime(2027, 3, 29, 7, tzinfo=UTC) + timedelta(weeks=w)
                                                for w in range(5))]


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def _engine(outlook, crm):
    return SyncEngine(pim=outlook, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: NOW)


def _calendar(fake):
    return fake.application.GetNamespace("MAPI").GetDefaultFolder(C.olFolderCalendar)


def _outlook_series(fake):
    """Created through the object model as a user would: a master with a weekly pattern, 6 times."""
    item = _calendar(fake).Items.Add(C.olAppointmentItem)
    item.Subject = "Team"
    item.Start, item.End = CLOCK.write_wall(datetime(2027, 3, 22, 9)), CLOCK.write_wall(datetime(2027, 3, 22, 10))
    pattern = item.GetRecurrencePattern()
    pattern.RecurrenceType = C.olRecursWeekly
    pattern.DayOfWeekMask = C.olMonday
    pattern.Occurrences = 6
    item.Save()
    return item.EntryID


def _occurrence(fake, entry_id, local_start):
    master = fake.application.GetNamespace("MAPI").GetItemFromID(entry_id)  # a fresh reference (§8)
    return master.GetRecurrencePattern().GetOccurrence(CLOCK.write_wall(local_start))


def _crm_occurrences(crm, holds):
    events = list(crm.records(Kind.EVENT).values())
    if holds is RecurrenceSupport.OCCURRENCES:
        return sorted(events, key=lambda e: e.start)
    (series,) = events
    expanded = Series(series)
    return [expanded.occurrence(k) for k in expanded.starts() if not expanded.is_cancelled(k)]


def _outlook_view(fake):
    items = _calendar(fake).Items
    items.Sort("[Start]")
    items.IncludeRecurrences = True
    return [(CLOCK.read_local(i.Start), i.Subject) for i in items]


@pytest.mark.parametrize("holds", [RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES])
def test_outlook_series_across_dst_reaches_the_crm_and_its_exceptions_follow(fake, outlook, holds):
    entry_id = _outlook_series(fake)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW, recurrence=holds)
    engine = _engine(outlook, crm)
    first = engine.sync(Kind.EVENT)
    assert first.ok and not first.skipped, (first.errors, first.skipped)
    assert [e.start for e in _crm_occurrences(crm, holds)] == STARTS
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"

    moved = _occurrence(fake, entry_id, datetime(2027, 3, 29, 9))
    moved.Subject = "Team (late)"
    moved.Start, moved.End = CLOCK.write_wall(datetime(2027, 3, 29, 15)), CLOCK.write_wall(datetime(2027, 3, 29, 16))
    moved.Save()
    _occurrence(fake, entry_id, datetime(2027, 4, 12, 9)).Delete()
    followed = engine.sync(Kind.EVENT)
    assert followed.ok, followed.errors
    occurrences = {e.start: e.subject for e in _crm_occurrences(crm, holds)}
    assert datetime(2027, 4, 12, 7, tzinfo=UTC) not in occurrences and len(occurrences) == 5
    assert occurrences[datetime(2027, 3, 29, 13, tzinfo=UTC)] == "Team (late)"
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"


def test_crm_series_reaches_outlook_as_one_master_and_occurrence_edits_follow(fake, outlook):
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    start = STARTS[0]
    crm_id = crm.put(Event(subject="Pipeline", start=start, end=start + timedelta(hours=1), recurrence=Recurrence(
        rule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", zone="Europe/Berlin", exdates=[STARTS[3]],
        overrides=[Override(original_start=STARTS[1], start=STARTS[1] + timedelta(hours=6),
                            end=STARTS[1] + timedelta(hours=7), subject="Pipeline (late)")])))
    engine = _engine(outlook, crm)
    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert _writes(first) == {(Side.PIM, Action.CREATE): 1}
    assert len(fake.entry_ids("calendar")) == 1, "one master"
    view = _outlook_view(fake)
    assert [(s.astimezone(BERLIN).strftime("%m-%d %H:%M"), subject) for s, subject in view] == [
        ("03-22 09:00", "Pipeline"), ("03-29 15:00", "Pipeline (late)"), ("04-05 09:00", "Pipeline"),
        ("04-19 09:00", "Pipeline"), ("04-26 09:00", "Pipeline")]
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"

    series = crm.records(Kind.EVENT)[crm_id]
    crm.edit(crm_id, recurrence=Recurrence(rule=series.recurrence.rule, zone="Europe/Berlin",
                                           exdates=[*series.recurrence.exdates, STARTS[5]],
                                           overrides=[*series.recurrence.overrides,
                                                      Override(original_start=STARTS[2], location="Room 4")]))
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}
    assert [s for s, _ in _outlook_view(fake)] == [STARTS[0], STARTS[1] + timedelta(hours=6), STARTS[2], STARTS[4]]
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"


def test_occurrence_edits_from_a_crm_of_single_events_reach_those_occurrences(fake, outlook):
    entry_id = _outlook_series(fake)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW,
                        recurrence=RecurrenceSupport.OCCURRENCES)
    engine = _engine(outlook, crm)
    assert engine.sync(Kind.EVENT).ok
    by_start = {e.start: i for i, e in crm.records(Kind.EVENT).items()}
    crm.edit(by_start[STARTS[2]], subject="Team (hiring)", location="Room 4")
    crm.remove(by_start[STARTS[4]])
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1, (Side.PIM, Action.DELETE): 1}
    assert fake.entry_ids("calendar") == [entry_id], "still one master"
    view = dict(_outlook_view(fake))
    assert view[STARTS[2]] == "Team (hiring)" and STARTS[4] not in view and len(view) == 5
    exceptions = fake.application.GetNamespace("MAPI").GetItemFromID(entry_id).GetRecurrencePattern().Exceptions
    assert sorted((e.Deleted, CLOCK.read_local(e.OriginalDate)) for e in exceptions) == [
        (False, STARTS[2]), (True, STARTS[4])]
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing"


def test_a_single_event_becomes_a_series_its_rule_changes_and_it_becomes_single_again(fake, outlook):
    from syncore.remote import CreateRequest, UpdateRequest

    start = STARTS[0]
    single = Event(subject="Sync", start=start, end=start + timedelta(hours=1), reminder_minutes=15)
    (made,) = outlook.create(Kind.EVENT, [CreateRequest(ref="c", record=single)])

    def update(record, version):
        (outcome,) = outlook.update(Kind.EVENT, [UpdateRequest(ref="u", id=made.id, record=record,
                                                               base_version=version, fields=frozenset({"recurrence"}))])
        assert outcome.ok, outcome.error
        stored = outlook.fetch(Kind.EVENT, [made.id])[made.id]
        assert stored.version == outcome.version
        return stored

    moved = Override(original_start=STARTS[1], subject="Sync (moved)", start=STARTS[1] + timedelta(hours=5),
                     end=STARTS[1] + timedelta(hours=6))
    series = single.replace(recurrence=Recurrence(rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", zone="Europe/Berlin",
                                                  overrides=[moved]))
    stored = update(series, made.version)
    assert stored.record == series
    longer = series.replace(recurrence=Recurrence(rule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", zone="Europe/Berlin",
                                                  overrides=[moved]))
    stored = update(longer, stored.version)
    assert stored.record == longer and len(fake.entry_ids("calendar")) == 1
    stored = update(single, stored.version)
    assert stored.record == single and len(_outlook_view(fake)) == 1


def test_a_series_in_another_zone_and_an_unfit_rule(fake, outlook):
    from syncore.remote import CreateRequest

    start = datetime(2027, 3, 8, 14, tzinfo=UTC)  # Mondays 09:00 New York (EST), a zone other than Outlook's
    series = Event(subject="NY standup", start=start, end=start + timedelta(minutes=15), reminder_minutes=15,
                   recurrence=Recurrence(rule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", zone="America/New_York"))
    (made,) = outlook.create(Kind.EVENT, [CreateRequest(ref="c", record=series)])
    assert made.ok, made.error
    assert outlook.fetch(Kind.EVENT, [made.id])[made.id].record == series
    # 09:00 New York each week: 14:00Z, then 13:00Z after the US change of 14 March
    assert [s for s, _ in _outlook_view(fake)] == [start, datetime(2027, 3, 15, 13, tzinfo=UTC),
                                                   datetime(2027, 3, 22, 13, tzinfo=UTC)]
    unfit = series.replace(recurrence=Recurrence(rule="FREQ=MONTHLY;BYMONTHDAY=8,15", zone="America/New_York"))
    assert outlook.unfit_reason(unfit) is not None
