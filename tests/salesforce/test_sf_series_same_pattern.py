"""Lightning series of the same pattern side by side, through the real adapter (simple-salesforce over HTTP)
against the emulator.

"Lightning Experience event series have no series ID" (reference §1.4): the adapter groups a series' rows by
owner and pattern (start, zone, rule text). Two series share all four when one replaces the other without a new
rule — bringing back a cancelled occurrence, which no API call does in place — while Salesforce has not finished
deleting the old one ("Wait for all events to be removed", REST guide, "Delete Lightning Experience Event Series",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm), and when a
user makes the same series twice. Salesforce makes a series' occurrence rows with it or after it (a critical edit
re-creates them, CDC guide, "Updating Recurring Calendar Events"), never before it: each row belongs to the latest
series record of its pattern created at or before it (``CreatedDate``). A replacement also reads the series it
made without the rows it is replacing (it knows them), which holds when the two were made in the same instant.

Before, every row went to one series record (the last read): the other series read with every occurrence
cancelled, and the old series' rows took the new series' occurrences, so writes meant for the new rows were
judged against, or made on, rows about to be deleted — and lost with them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_sf_series import (
    FIRST,
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
from test_sf_series_deferred_delete import replaced_to_bring_back_an_occurrence

from syncore.models import Kind, Side
from syncore.recurrence import Recurrence
from syncore_salesforce.emulator import SalesforceEmulator


@pytest.fixture(params=[False, True], ids=["as-they-were", "cut-pattern"])
def lingering_rows_cut(request) -> bool:
    """What the doomed rows of a cut hold while they linger (emulator/deferred.py: either is a guess)."""
    return request.param


@pytest.fixture
def emu(lingering_rows_cut):
    """Series deletions linger until the test finishes them."""
    with SalesforceEmulator(start_time=NOW, series_delete_lag=None, lingering_rows_cut=lingering_rows_cut) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def test_the_same_series_made_twice_reads_as_two_series_with_their_own_occurrences(emu):
    """A user makes the same weekly series twice, a minute apart, and moves an occurrence of the second: two
    series, six occurrences each, the move on the second only (one read as every occurrence cancelled, before)."""
    first = lightning(emu)
    emu.clock.advance(60)
    emu.insert("Event", {"Subject": "1:1", "StartDateTime": wire(FIRST),
                         "EndDateTime": wire(FIRST + timedelta(minutes=30)), "OwnerId": emu.user_id,
                         "Recurrence2PatternText": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                         "Recurrence2PatternTimeZone": "Europe/Berlin"})
    second = next(r["Id"] for r in emu.all("Event") if r["GroupEventType"] == "3" and r["Id"] != first)
    emu.clock.advance(60)
    row = next(r for r in sf_occurrences(emu) if r["StartDateTime"] == wire(key(1)) and r["CreatedDate"] != min(
        o["CreatedDate"] for o in sf_occurrences(emu)))
    moved = FIRST + timedelta(days=7, hours=2)
    emu.update("Event", row["Id"], {"StartDateTime": wire(moved), "EndDateTime": wire(moved + timedelta(minutes=30))})
    scan = adapter(emu).full_scan(Kind.EVENT)
    assert scan.unsupported == ()
    read = {item.id: item.record for item in scan.upserts}
    assert sorted(read) == sorted([first, second])
    assert local_starts(read[first]) == MONDAYS and read[first].recurrence.overrides == ()
    assert local_starts(read[second]) == MONDAYS and read[second].recurrence.exdates == ()
    assert [(o.original_start, o.start) for o in read[second].recurrence.overrides] == [(key(1), moved)]


def test_bringing_back_an_occurrence_keeps_a_modified_one_when_salesforce_deletes_at_once(lingering_rows_cut):
    """Scenario (e) without a lag: the old series is deleted after the new one is created and read, so its rows
    were there to be taken for the new series' rows whatever Salesforce's deletion does."""
    with SalesforceEmulator(start_time=NOW, lingering_rows_cut=lingering_rows_cut) as emu:
        w, check = replaced_to_bring_back_an_occurrence(emu)
        assert emu.pending_deletions() == []
        emu.reset_log()
        w.sync()
        assert w.writes() == []
        w.calm()
        check()


def test_an_occurrence_edited_while_a_series_of_the_same_pattern_lingers_is_written_to_the_live_series(emu):
    """After scenario (e), the old series' rows linger with the new series' owner, start, zone and rule. The PIM
    renames an occurrence meanwhile: the rename goes to the new series' row (grouped with the new series, the old
    rows took its occurrences' places, the rename landed on a doomed row and was lost when the deletion finished:
    Salesforce then held the old name, and the next sync put it back in the PIM)."""
    w, _ = replaced_to_bring_back_an_occurrence(emu)
    [series_id] = w.pim.records(Kind.EVENT)
    w.pim.edit_occurrence(series_id, key(1), subject="1:1 (renamed)")
    emu.reset_log()
    result = w.sync()
    assert w.writes() == ["composite_update"] and emu.pending_deletions(), w.writes()
    assert not any(result.counts[k] for k in result.counts if k[0] is Side.PIM), result.counts
    emu.finish_pending_deletions()
    emu.reset_log()
    result = w.sync()
    assert w.writes() == [] and not any(result.counts.values()), result.counts
    w.calm()
    names = {1: "1:1 (renamed)", 4: "1:1 (Room 2)"}
    assert [(r["StartDateTime"], r["Subject"]) for r in sf_occurrences(emu)] == [
        (wire(key(n)), names.get(n, "1:1")) for n in range(6)]
    event = w.pim.records(Kind.EVENT)[series_id]
    assert event.recurrence.exdates == ()
    assert [(o.original_start, o.subject) for o in event.recurrence.overrides] == sorted(
        (key(n), name) for n, name in names.items())


def test_a_series_replaced_within_the_second_it_was_made_keeps_its_modified_occurrence(emu):
    """Scenario (e) with Salesforce's clock standing still: the two series have the same ``CreatedDate``, so it
    cannot tell their rows apart; the replacement still reads the new series without the rows it is replacing."""
    emu.clock.freeze()
    w = World(emu)
    series_id = w.pim.put(weekly())
    w.pim.cancel_occurrence(series_id, key(2))
    w.pim.edit_occurrence(series_id, key(4), subject="1:1 (Room 2)")
    assert w.engine.sync(Kind.EVENT).ok
    w.pim.edit(series_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin",
                                                overrides=w.pim.records(Kind.EVENT)[series_id].recurrence.overrides))
    emu.reset_log()
    assert w.engine.sync(Kind.EVENT).ok
    assert w.writes() == ["composite_create", "composite_update", "composite_delete"], w.writes()
    emu.finish_pending_deletions()
    assert [(r["StartDateTime"], r["Subject"]) for r in sf_occurrences(emu)] == [
        (wire(key(n)), "1:1 (Room 2)" if n == 4 else "1:1") for n in range(6)]
