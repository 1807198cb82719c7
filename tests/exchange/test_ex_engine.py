"""End to end: ExchangeAdapter (PIM, over the emulator) ⇄ MemoryAdapter (CRM: plain bodies, no links).

The scenarios every pair shares (formatted body kept while the meeting moves, DST, deletions both ways,
request counts) are in syncore.testing.EngineContract (tests/engine/test_engine_contract.py); these are
Exchange's own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import EWSDate
from exchangelib.recurrence import Recurrence, WeeklyPattern

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Body, Event, Kind, Side
from syncore.remote import RecurrenceSupport
from syncore.state_types import Action
from syncore.testing import MemoryAdapter

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _at(day, hour, minutes=60):
    start = datetime(2031, 3, day, hour, tzinfo=UTC)
    return start, start + timedelta(minutes=minutes)


@pytest.fixture
def crm():
    return MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)


@pytest.fixture
def pim(make_adapter):
    return make_adapter()


def _engine(pim, crm, state=None):
    return SyncEngine(pim=pim, crm=crm, state=state or SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: NOW)


def _pim_events(emu):
    return {i["id"]: i["fields"] for i in emu.items("calendar")}


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def test_first_sync_matches_then_edits_sync_both_ways(emu, pim, crm):
    start, end = _at(4, 9)
    shared = emu.create_item(folder="calendar", fields={"Subject": "Kick-off", "Start": start, "End": end})
    # Exchange gives a new appointment the mailbox's default reminder (15 minutes): the same event, in step.
    crm_shared = crm.put(Event(subject="Kick-off", start=start, end=end, reminder_minutes=15))
    s2, e2 = _at(5, 10)
    pim_only = emu.create_item(folder="calendar", fields={"Subject": "Dentist", "Start": s2, "End": e2,
                                                          "Body": ("HTML", "<p><b>bring</b> card</p>")})
    s3, e3 = _at(6, 11)
    crm_only = crm.put(Event(subject="Call ACME", start=s3, end=e3, body=Body(text="quote 42")))
    engine = _engine(pim, crm)

    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert _writes(first) == {(Side.CRM, Action.CREATE): 1, (Side.PIM, Action.CREATE): 1}
    assert len(crm.records(Kind.EVENT)) == 3 and len(emu.items("calendar")) == 3
    created_in_crm = [r for i, r in crm.records(Kind.EVENT).items() if i not in (crm_shared, crm_only)]
    assert [r.subject for r in created_in_crm] == ["Dentist"] and created_in_crm[0].body.text == "bring card"
    (created_in_pim,) = [f for i, f in _pim_events(emu).items() if i not in (shared, pim_only)]
    assert created_in_pim["Subject"] == "Call ACME" and created_in_pim["ExtendedProperty"] == {"SyncoreLink": crm_only}
    assert not _writes(engine.sync(Kind.EVENT)), "a second sync writes nothing (echoes are recognised)"

    # incremental, Exchange → CRM
    emu.update_item(pim_only, {"Subject": "Dentist (moved)", "Location": "Main St"})
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.CRM, Action.UPDATE): 1}
    assert {r.subject for r in crm.records(Kind.EVENT).values()} >= {"Dentist (moved)"}
    # incremental, CRM → Exchange
    crm.edit(crm_only, subject="Call ACME re: quote")
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}
    assert "Call ACME re: quote" in {f["Subject"] for f in _pim_events(emu).values()}
    assert not _writes(engine.sync(Kind.EVENT))


def test_lost_state_re_pairs_without_duplicates(emu, pim, crm):
    for day in (4, 5):
        start, end = _at(day, 9)
        emu.create_item(folder="calendar", fields={"Subject": f"Ex {day}", "Start": start, "End": end})
        start, end = _at(day, 14)
        crm.put(Event(subject=f"CRM {day}", start=start, end=end))
    assert _engine(pim, crm).sync(Kind.EVENT).ok
    assert len(emu.items("calendar")) == 4 and len(crm.records(Kind.EVENT)) == 4
    # the state store is lost: a brand-new engine re-pairs (links on the Exchange side, matching for the rest)
    again = _engine(pim, crm).sync(Kind.EVENT)
    assert again.ok and not _writes(again)
    assert len(emu.items("calendar")) == 4 and len(crm.records(Kind.EVENT)) == 4


def test_expired_sync_state_falls_back_to_a_full_scan_without_duplicates(emu, pim, crm):
    start, end = _at(4, 9)
    emu.create_item(folder="calendar", fields={"Subject": "Ex", "Start": start, "End": end})
    engine = _engine(pim, crm)
    assert engine.sync(Kind.EVENT).ok
    emu.invalidate_sync_states()
    later_start, later_end = _at(7, 9)
    emu.create_item(folder="calendar", fields={"Subject": "New", "Start": later_start, "End": later_end})
    result = engine.sync(Kind.EVENT)
    assert result.ok and any("full scan" in w for w in result.warnings)
    assert sorted(r.subject for r in crm.records(Kind.EVENT).values()) == ["Ex", "New"]
    assert len(emu.items("calendar")) == 2


def test_recurring_series_is_left_untouched_and_never_copied_to_a_side_without_series(emu, pim):
    # a CRM that holds no series: Exchange's series is reported and left alone (never flattened); series that
    # do travel are in test_ex_series.py
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW,
                        recurrence=RecurrenceSupport.NONE)
    start, end = _at(4, 9)
    master = emu.create_item(folder="calendar", fields={
        "Subject": "Weekly", "Start": start, "End": end,
        "Recurrence": Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[2]), start=EWSDate(2031, 3, 4), number=5)})
    before = emu.get_item(master)
    engine = _engine(pim, crm)
    result = engine.sync(Kind.EVENT)
    assert result.ok and not _writes(result)
    assert any("event series 'Weekly'" in skip and "recurring" in skip for skip in result.skipped), result.skipped
    assert not _writes(engine.sync(Kind.EVENT))
    emu.update_item(master, {"Location": "Room 2"})  # edited by the user: reported again, still not copied
    result = engine.sync(Kind.EVENT)
    assert not _writes(result) and crm.records(Kind.EVENT) == {}
    assert any("event series 'Weekly'" in skip for skip in result.skipped)
    assert emu.get_item(master)["fields"]["Subject"] == before["fields"]["Subject"]
    assert [i["id"] for i in emu.items("calendar")] == [master]


def test_throttled_sync_stops_cleanly_and_the_next_one_finishes_without_duplicates(emu, make_adapter, crm, sleeps):
    pim = make_adapter(max_attempts=2)
    for day in (4, 5, 6):
        start, end = _at(day, 9)
        crm.put(Event(subject=f"CRM {day}", start=start, end=end))
    engine = _engine(pim, crm)
    pim.folder(Kind.EVENT)
    emu.faults.http_error(429, retry_after=5, n=None, op="CreateItem")
    result = engine.sync(Kind.EVENT)
    assert result.stopped and "429" in result.stopped and sleeps == [5.0]
    assert emu.items("calendar") == []
    emu.faults.clear()
    result = engine.sync(Kind.EVENT)
    assert result.ok and _writes(result) == {(Side.PIM, Action.CREATE): 3}
    assert sorted(i["fields"]["Subject"] for i in emu.items("calendar")) == ["CRM 4", "CRM 5", "CRM 6"]
    assert not _writes(engine.sync(Kind.EVENT))


def test_exchange_edit_between_plan_and_apply_is_a_conflict_not_an_overwrite(emu, pim, crm):
    start, end = _at(4, 9)
    item = emu.create_item(folder="calendar", fields={"Subject": "Plan", "Start": start, "End": end})
    clock = [NOW]
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: clock[0])
    assert engine.sync(Kind.EVENT).ok
    (crm_id,) = crm.records(Kind.EVENT)
    crm.edit(crm_id, subject="Plan (from CRM)")
    plan = engine.plan(Kind.EVENT)
    emu.update_item(item, {"Location": "Room 9"})  # the user edits in Outlook meanwhile
    result = engine.apply(plan)
    assert not result.ok and result.errors[0].code == "ErrorIrresolvableConflict"
    assert emu.get_item(item)["fields"]["Subject"] == "Plan"  # nothing overwritten
    clock[0] += timedelta(minutes=10)  # the failed pair is retried after the engine's back-off
    result = engine.sync(Kind.EVENT)
    assert result.ok
    fields = emu.get_item(item)["fields"]
    assert (fields["Subject"], fields["Location"]) == ("Plan (from CRM)", "Room 9")
    assert crm.records(Kind.EVENT)[crm_id].location == "Room 9"
    assert len(emu.items("calendar")) == 1 and len(crm.records(Kind.EVENT)) == 1
