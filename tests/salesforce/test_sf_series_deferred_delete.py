"""Syncs while Salesforce is still removing the rows of a Lightning series deletion, through the real adapter
(simple-salesforce over HTTP) and the emulator with ``series_delete_lag=None``: the REST guide answers ``DELETE
…/fromThisEventOnwards`` (and, in its earlier versions, a whole series deleted by its first occurrence) with "We're
deleting the selected events from the series. Wait for all events to be removed." ("Delete Lightning Experience
Event Series",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm). The
emulator keeps the doomed rows live, as they were, until the test finishes the deletion (emulator/deferred.py:
that they are visible meanwhile is the conservative guess).

Each scenario: the write that dooms rows, a sync while they linger, then the deletion finished and a sync again.
Nothing may be copied or re-created from the lingering rows, nothing lost, and the sync after the finish writes
nothing.
"""

from __future__ import annotations

import pytest
from test_sf_series import (
    BERLIN,
    MONDAYS,
    NOW,
    World,
    adapter,
    key,
    lightning,
    local_starts,
    sf_occurrences,
    weekly,
    wire,
)
from test_sf_series_cut import HISTORY, LATER, lightning_rows, singles, start_of

from syncore.models import Kind, Side
from syncore.recurrence import Recurrence
from syncore.series import Series
from syncore_salesforce.emulator import SalesforceEmulator


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=NOW, series_delete_lag=None) as server:  # 10 March 2026
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def full_scan_next(w: World) -> None:
    """The next sync reads Salesforce whole (as after an expired change cursor)."""
    w.engine.state.set_cursor("default", Kind.EVENT, Side.CRM, None)


def settle(w: World, emu, *, full_scan: bool) -> None:
    """A sync while the doomed rows linger, then the deletion finished and a sync that must write nothing."""
    assert emu.pending_deletions(), "the rows the deletion dooms are still there"
    if full_scan:
        full_scan_next(w)
    emu.reset_log()
    result = w.sync()
    assert w.writes() == [], w.writes()
    assert not any(result.counts.values()), f"nothing written on either side: {result.counts}"
    assert not [s for s in result.skipped if "cannot read" in s], "the lingering rows are no records to report"
    assert emu.pending_deletions(), "still lingering"
    emu.finish_pending_deletions()
    emu.reset_log()
    result = w.sync()
    assert w.writes() == [], w.writes()
    assert not any(result.counts.values()), f"nothing written on either side: {result.counts}"
    w.calm()


@pytest.mark.parametrize("full_scan", [False, True], ids=["feed", "full-scan"])
def test_a_series_cut_before_the_window_while_its_later_rows_linger(emu, full_scan):
    """(a) The switch of a series with history: the window's occurrences become single events and the Lightning
    series is cut before the window; its four rows in the window linger next to the new single events."""
    w = World(emu, series_form="lightning")
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    emu.clock.advance(LATER)
    w.sync()
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    assert w.writes() == ["composite_create", "delete_from_this_event_onwards"], w.writes()
    assert len(emu.pending_deletions()) == 4, "the series' four rows in the window"
    settle(w, emu, full_scan=full_scan)
    [_], rows = lightning_rows(emu)
    assert [start_of(r) for r in rows] == HISTORY, "the history kept, the rest gone"
    starts = singles(emu)
    assert len(starts) == len(set(starts)) == 56, "each occurrence in the window once, as a single event"
    assert list(w.pim.records(Kind.EVENT)) == [pim_id], "nothing copied to the PIM"
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.rule == "FREQ=WEEKLY;BYDAY=MO"


@pytest.mark.parametrize("full_scan", [False, True], ids=["feed", "full-scan"])
def test_a_series_shortened_in_the_pim_while_its_cut_rows_linger(emu, full_scan):
    """(b) "This and following" deleted in the PIM: a Lightning series of 10 shortened to 4 is cut
    ``fromThisEventOnwards`` at its fifth occurrence; its last six rows linger."""
    w = World(emu)
    series_id = w.pim.put(weekly(count=10))
    w.sync()
    w.pim.edit(series_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=4", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    assert "delete_from_this_event_onwards" in w.writes(), w.writes()
    assert len(emu.pending_deletions()) == 6
    settle(w, emu, full_scan=full_scan)
    assert [r["StartDateTime"] for r in sf_occurrences(emu)] == [wire(key(n)) for n in range(4)]
    assert list(w.pim.records(Kind.EVENT)) == [series_id]
    event = w.pim.records(Kind.EVENT)[series_id]
    assert list(Series(event).starts()) == [key(n) for n in range(4)] and event.recurrence.exdates == ()


@pytest.mark.parametrize("full_scan", [False, True], ids=["feed", "full-scan"])
def test_a_series_deleted_in_the_pim_while_its_rows_linger(emu, full_scan):
    """(c) The whole series deleted in the PIM: its first occurrence is deleted in Salesforce, and every row of the
    series lingers. The lingering series is not brought back to the PIM."""
    w = World(emu)
    series_id = w.pim.put(weekly())
    w.sync()
    w.pim.remove(series_id)
    emu.reset_log()
    w.sync()
    assert len(w.writes()) == 1, w.writes()
    assert len(emu.pending_deletions()) == 7, "the series record and its six occurrences"
    settle(w, emu, full_scan=full_scan)
    assert emu.all("Event") == []
    assert w.pim.records(Kind.EVENT) == {}


def test_rows_of_a_cut_still_being_removed_are_neither_occurrences_nor_records_to_report(emu):
    """Regression: the rows a cut dooms keep the pattern they had (emulator/deferred.py), so they matched no series
    record and each was reported as "recurring series occurrence whose series record syncore cannot read". They lie
    past the end of the series whose owner, pattern start and zone they share: the series reads as cut, and they
    are not reported, by a full scan or by the change feed."""
    lightning(emu)
    sf = adapter(emu)
    cursor = sf.full_scan(Kind.EVENT).cursor
    rows = sf_occurrences(emu)
    emu.clock.advance(60)
    emu.delete_onwards(rows[3]["Id"])
    emu.update("Event", rows[4]["Id"], {"Subject": "1:1 (edited while it goes)"})  # a lingering row in the feed
    emu.clock.advance(60)
    for changes in (sf.full_scan(Kind.EVENT), sf.changes(Kind.EVENT, cursor)):
        assert changes.unsupported == ()
        [item] = changes.upserts
        assert local_starts(item.record) == MONDAYS[:3]
        assert item.record.recurrence.exdates == () and item.record.recurrence.overrides == ()
    assert len(emu.pending_deletions()) == 3


@pytest.mark.parametrize("full_scan", [False, True], ids=["feed", "full-scan"])
def test_a_series_replaced_for_a_new_rule_while_the_old_one_lingers(emu, full_scan):
    """(d) Recurrence2PatternText is create-only: a new rule creates a new series, then deletes the old one by its
    first occurrence; the old series lingers whole. It is not brought back to the PIM as a series of its own."""
    w = World(emu)
    series_id = w.pim.put(weekly())
    w.sync()
    w.pim.edit(series_id, recurrence=Recurrence(rule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", zone="Europe/Berlin"))
    w.sync()
    assert len(emu.pending_deletions()) == 7, "the old series record and its six occurrences"
    settle(w, emu, full_scan=full_scan)
    assert len([r for r in emu.all("Event") if r["GroupEventType"] == "3"]) == 1
    starts = [start_of(r).astimezone(BERLIN).strftime("%a %H:%M") for r in sf_occurrences(emu)]
    assert starts == ["Mon 09:00", "Wed 09:00"] * 3
    assert list(w.pim.records(Kind.EVENT)) == [series_id]
