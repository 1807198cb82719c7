"""The switch of a series whose Salesforce copy has occurrences before the sync window, through the real adapter
(simple-salesforce over HTTP) and the emulator: the window's occurrences are created as single events, then the
Salesforce series is *cut* before the window (Lightning: ``DELETE …/fromThisEventOnwards``; classic: a new
``RecurrenceEndDateOnly``) and its earlier occurrences stay, as history (docs/recurrence.md, "Switching a series to
its occurrences"). With the emulator's faults at the cut: a reply lost after the cut landed, a connection dropped
before it was processed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sfadapter_support import make_adapter
from test_sf_series import BERLIN, NOW, World, key, weekly

from syncore.models import Kind
from syncore.recurrence import Override, Recurrence
from syncore.remote import CreateRequest, CutRequest
from syncore.series import Series
from syncore_salesforce.emulator import SalesforceEmulator

#: 60 days after NOW: the window (30 days back, 365 ahead) runs from 9 April 2026 to 9 May 2027 included
LATER = timedelta(days=60)
HISTORY = [key(n) for n in range(4)]  # Mondays 16 March to 6 April 2026: before the window


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=NOW) as server:  # 10 March 2026
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def start_of(row: dict) -> datetime:
    return datetime.strptime(row["StartDateTime"], "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def lightning_rows(emu) -> tuple[list[dict], list[dict]]:
    """The Lightning series records, and their occurrence rows by start."""
    rows = [r for r in emu.all("Event") if r["IsRecurrence2"] or r["GroupEventType"] == "3"]
    return ([r for r in rows if r["GroupEventType"] == "3"],
            sorted((r for r in rows if r["GroupEventType"] != "3"), key=start_of))


def classic_rows(emu) -> tuple[list[dict], list[dict]]:
    """The classic main records, and their occurrence rows by start."""
    rows = [r for r in emu.all("Event") if r["IsRecurrence"] or r["RecurrenceActivityId"]]
    return [r for r in rows if r["IsRecurrence"]], sorted((r for r in rows if not r["IsRecurrence"]), key=start_of)


def singles(emu) -> list[datetime]:
    return sorted(start_of(r) for r in emu.all("Event")
                  if not (r["IsRecurrence2"] or r["GroupEventType"] == "3" or r["IsRecurrence"]
                          or r["RecurrenceActivityId"]))


def held_with_history(emu, form: str) -> tuple[World, str]:
    """A weekly series of 8 written to Salesforce as one series on 10 March; 60 days later, its first four
    occurrences are before the window."""
    w = World(emu, series_form=form)
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    emu.clock.advance(LATER)
    w.sync()
    return w, pim_id


def test_a_lightning_series_without_its_end_is_cut_before_the_window_and_its_past_kept(emu):
    w, pim_id = held_with_history(emu, "lightning")
    [series_before], rows_before = lightning_rows(emu)
    history_rows = {r["Id"]: r for r in rows_before[:4]}
    # the PIM's series loses its end: a Lightning series needs one
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    # the window's occurrences in one collections create, then the cut: one request, no delete of the series
    assert w.writes() == ["composite_create", "delete_from_this_event_onwards"], w.writes()
    [series], rows = lightning_rows(emu)
    assert series["Id"] == series_before["Id"]
    assert [start_of(r) for r in rows] == HISTORY, "the occurrences before the window, kept"
    assert {r["Id"]: (r["Subject"], r["StartDateTime"], r["EndDateTime"], r["Location"]) for r in rows} == {
        i: (r["Subject"], r["StartDateTime"], r["EndDateTime"], r["Location"]) for i, r in history_rows.items()}, \
        "the same rows, unchanged"
    # Mondays 13 April 2026 to 3 May 2027: the 56 in the window, each once, single events
    starts = singles(emu)
    assert len(starts) == len(set(starts)) == 56
    assert starts[0] == key(4) and starts[-1] == key(59)
    assert {start_of(r).astimezone(BERLIN).strftime("%a %H:%M") for r in emu.all("Event")} == {"Mon 09:00"}
    assert list(w.pim.records(Kind.EVENT)) == [pim_id], "nothing copied back to the PIM"
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.rule == "FREQ=WEEKLY;BYDAY=MO"
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    # the next sync: the change feed (one composite request) and the series it lists, read whole (one query)
    assert [e.operation for e in emu.requests] == ["composite", "query"]


def test_a_classic_series_lengthened_past_its_limit_is_cut_before_the_window_and_its_past_kept(emu):
    w, pim_id = held_with_history(emu, "classic")
    [main_before], _ = classic_rows(emu)
    # 60 weekly occurrences: past classic's 53 (Knowledge Article 000212481)
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=60", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    [main], rows = classic_rows(emu)
    assert main["Id"] == main_before["Id"]
    assert main["RecurrenceEndDateOnly"] == "2026-04-06", "ends on the last occurrence before the window"
    assert [start_of(r) for r in rows] == HISTORY
    assert {r["Subject"] for r in rows} == {"1:1"}
    starts = singles(emu)
    assert len(starts) == len(set(starts)) == 56, "Mondays 13 April 2026 to 3 May 2027, each once"
    assert starts[0] == key(4) and starts[-1] == key(59)
    # the occurrences in one collections create, then the main record's new end in one collections update
    assert w.writes() == ["composite_create", "composite_update"], w.writes()
    assert list(w.pim.records(Kind.EVENT)) == [pim_id]
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []


@pytest.mark.parametrize("fault", ["lose_replies", "drop_connections"])
def test_a_fault_at_the_cut_is_retried_and_the_switch_completes(emu, fault):
    """The cut is idempotent: the adapter sends it again on a dropped connection. After a lost reply the row it
    names is gone (404): the series, read again (one retrieve, one query), shows the cut landed."""
    w, pim_id = held_with_history(emu, "lightning")
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY", zone="Europe/Berlin"))
    getattr(emu.faults, fault)(1, op="delete_from_this_event_onwards")
    emu.reset_log()
    w.sync()
    assert w.writes() == ["composite_create", "delete_from_this_event_onwards", "delete_from_this_event_onwards"]
    assert_cut(emu, w, pim_id)
    w.calm()


def test_a_cut_whose_replies_never_come_is_recognised_by_the_next_sync(emu):
    """Every retry's reply lost too (the cut landed at the first): the sync ends with the cut's outcome unknown;
    the next sync finds the series already cut before the window, writes nothing more and completes the switch."""
    w, pim_id = held_with_history(emu, "lightning")
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY", zone="Europe/Berlin"))
    emu.faults.lose_replies(4, op="delete_from_this_event_onwards")
    emu.clock.advance(1)
    emu.reset_log()
    result = w.engine.sync(Kind.EVENT)
    assert not result.ok and result.errors[0].code == "NO_ANSWER", result.errors
    assert w.writes() == ["composite_create", *["delete_from_this_event_onwards"] * 4]
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    assert_cut(emu, w, pim_id)
    w.calm()


def assert_cut(emu, w: World, pim_id: str) -> None:
    [_], rows = lightning_rows(emu)
    assert [start_of(r) for r in rows] == HISTORY
    starts = singles(emu)
    assert len(starts) == len(set(starts)) == 56
    assert list(w.pim.records(Kind.EVENT)) == [pim_id]
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.rule == "FREQ=WEEKLY;BYDAY=MO", "the PIM's series kept"


def test_a_classic_cut_applies_the_kept_cancelled_and_moved_occurrences_again(emu):
    """Salesforce re-creates a classic series' occurrences on a new end date (emulator, CDC "Recurring
    Activities"): the adapter cancels and moves the kept ones again, and a second cut writes nothing."""
    adapter = make_adapter(emu, series_form="classic")
    moved = key(1) + timedelta(hours=2)
    series = weekly(count=8).replace(recurrence=Recurrence(
        rule="FREQ=WEEKLY;COUNT=8", zone="Europe/Berlin", exdates=[key(2)],
        overrides=[Override(original_start=key(1), start=moved, end=moved + timedelta(minutes=30),
                            subject="moved")]))
    [created] = adapter.create(Kind.EVENT, [CreateRequest(ref="c", record=series)])
    emu.reset_log()
    [outcome] = adapter.cut_series(Kind.EVENT, [CutRequest(ref="x", id=created.id, before=key(5))])
    assert outcome.ok, outcome.error
    # read the series (retrieve, query), its new end, read again, the cancelled row deleted, the moved one patched
    assert [e.operation for e in emu.requests] == ["composite_retrieve", "query", "composite_update",
                                                   "composite_retrieve", "query", "composite_delete",
                                                   "composite_update"]
    stored = adapter.fetch(Kind.EVENT, [created.id])[created.id].record
    assert list(Series(stored).starts()) == [key(n) for n in range(5)]
    assert stored.recurrence.exdates == (key(2),)
    assert Series(stored).occurrence(key(1)).start == moved
    emu.reset_log()
    [again] = adapter.cut_series(Kind.EVENT, [CutRequest(ref="x", id=created.id, before=key(5))])
    assert again.ok
    assert [e.operation for e in emu.requests] == ["composite_retrieve", "query"], "read, nothing written"


def test_a_classic_series_whose_rule_changes_in_the_pim_is_patched_without_its_create_only_flag(emu):
    """Reference §1.4: ``IsRecurrence`` is create-only. A new rule patches the main record's pattern fields (the
    emulator refuses the flag in a patch, as Salesforce refuses a field that cannot be updated); before, the patch
    carried it and every classic rule change was refused."""
    w = World(emu, series_form="classic")
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=8", zone="Europe/Berlin"))
    w.sync()
    [main], rows = classic_rows(emu)
    assert main["RecurrenceEndDateOnly"] == "2026-05-04"
    assert [start_of(r) for r in rows] == [key(n) for n in range(8)]
    w.calm()
