"""Writes naming one occurrence of a Salesforce series (``<series id>#<original start>``), through the real adapter
(simple-salesforce over HTTP) against the emulator, from a PIM that holds single occurrences only: each
occurrence is its own pair, named by the Salesforce series' id and its original start.

Such a write never replaces the series. A Lightning series is replaced (``Recurrence2PatternText`` is
create-only, reference §1.4) only for a new rule, a cancelled first occurrence, or a cancelled occurrence brought
back; an occurrence write is the series *as just read* with that one occurrence changed (an override of
``OVERRIDABLE`` fields) or cancelled, so its rule, zone, start and cancelled occurrences are the ones Salesforce
holds, and cancelling the first occurrence is refused. It is a patch or a delete of that occurrence's row.

That matters because a replacement under one occurrence's pair would leave every other occurrence's pair naming
the old series: while Salesforce still lists the old rows (the REST guide's series deletions finish later, "Wait
for all events to be removed", "Delete Lightning Experience Event Series",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm), the new
series' occurrences would reach the PIM next to the old ones. So these tests run with ``series_delete_lag`` > 0
and under both guesses of what lingering rows hold: a replacement would show as rows pending deletion, a second
series record, and a PIM holding more than the series' occurrences.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_sf_series import BERLIN, FIRST, NOW, WRITE_OPS, adapter, key, lightning, sf_occurrences, wire

from syncore import SyncEngine
from syncore.models import Event, Kind, Side
from syncore.occurrences import occurrence_id
from syncore.remote import RecurrenceSupport, UpdateRequest
from syncore.settings import ConflictPolicy, SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_salesforce.emulator import SalesforceEmulator

#: a deletion doomed by a write stays live for this many further API requests (more than a sync makes here)
LAG = 50


@pytest.fixture(params=[False, True], ids=["as-they-were", "cut-pattern"])
def emu(request):
    with SalesforceEmulator(start_time=NOW, series_delete_lag=LAG, lingering_rows_cut=request.param) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


class OccurrencesWorld:
    """A Lightning series of six Mondays made in Salesforce, synced to a PIM that holds single occurrences."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.series_id = lightning(emu)
        self.pim = MemoryAdapter(name="pim", recurrence=RecurrenceSupport.OCCURRENCES, clock=emu.clock.now)
        self.crm = adapter(emu, series_form="lightning")
        self.state = SqliteStateStore(":memory:")
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, clock=emu.clock.now,
                                 settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS))

    def sync(self):
        self.emu.clock.advance(1)
        self.emu.reset_log()
        return self.engine.sync(Kind.EVENT)

    def writes(self) -> list[str]:
        return [e.operation for e in self.emu.requests if e.operation in WRITE_OPS]

    def pim_by_start(self) -> dict[str, str]:
        """PIM id by local start ("2026-03-16 09:00")."""
        return {e.start.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"): i
                for i, e in self.pim.records(Kind.EVENT).items()}

    def pim_view(self) -> list[tuple[str, str]]:
        return sorted((e.start.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"), e.subject)
                      for e in self.pim.records(Kind.EVENT).values())

    def series_records(self) -> list[str]:
        return [r["Id"] for r in self.emu.all("Event") if r["GroupEventType"] == "3"]

    def crm_pair_ids(self) -> list[str]:
        """The Salesforce ids of the stored pairs: the series' own (the series as read) and its occurrences'."""
        return sorted(p.crm_id for p in self.state.pairs_by_prefix("default", Kind.EVENT, Side.CRM, "00U"))


def test_an_occurrence_update_answers_the_occurrence_it_named_and_replaces_nothing(emu):
    """The adapter alone: moving the first occurrence (the one a Lightning series is deleted by) and renaming
    another patch their rows; the outcomes name the occurrences asked for, with no replacement warning."""
    w = OccurrencesWorld(emu)
    first, third = occurrence_id(w.series_id, key(0)), occurrence_id(w.series_id, key(2))
    moved = FIRST + timedelta(hours=1)
    requests = [
        UpdateRequest(ref="a", id=first, fields=frozenset({"start", "end"}),
                      record=Event(subject="1:1", start=moved, end=moved + timedelta(minutes=30))),
        UpdateRequest(ref="b", id=third, fields=frozenset({"subject"}),
                      record=Event(subject="1:1 (renamed)", start=key(2), end=key(2) + timedelta(minutes=30))),
    ]
    emu.reset_log()
    outcomes = w.crm.update(Kind.EVENT, requests)
    assert [(o.ref, o.id, o.error, o.warnings) for o in outcomes] == [("a", first, None, ()), ("b", third, None, ())]
    assert w.writes() == ["composite_update"]
    assert emu.pending_deletions() == []
    assert w.series_records() == [w.series_id]
    rows = sf_occurrences(emu)
    assert [(r["StartDateTime"], r["Subject"]) for r in rows] == [
        (wire(moved), "1:1"), (wire(key(1)), "1:1"), (wire(key(2)), "1:1 (renamed)"), (wire(key(3)), "1:1"),
        (wire(key(4)), "1:1"), (wire(key(5)), "1:1")]


def test_occurrences_edited_and_cancelled_in_the_pim_keep_their_series_and_their_pairs(emu):
    """End to end: the PIM moves the first occurrence, renames the third and deletes the fourth; Salesforce's
    series keeps its id (one row patched each, one deleted, nothing doomed to linger), every pair still names it,
    and a sync reading Salesforce whole writes nothing and copies nothing back."""
    w = OccurrencesWorld(emu)
    assert w.sync().ok
    mondays = ["2026-03-16 09:00", "2026-03-23 09:00", "2026-03-30 09:00", "2026-04-06 09:00", "2026-04-13 09:00",
               "2026-04-20 09:00"]
    assert w.pim_view() == [(day, "1:1") for day in mondays]
    pairs = [w.series_id, *(occurrence_id(w.series_id, key(n)) for n in range(6))]
    assert w.crm_pair_ids() == pairs
    ids = w.pim_by_start()
    event = w.pim.records(Kind.EVENT)[ids[mondays[0]]]
    w.pim.edit(ids[mondays[0]], start=event.start + timedelta(hours=1), end=event.end + timedelta(hours=1))
    w.pim.edit(ids[mondays[2]], subject="1:1 (renamed)")
    w.pim.remove(ids[mondays[3]])
    result = w.sync()
    assert result.ok, result.errors
    assert {k: v for k, v in result.counts.items() if v} == {(Side.CRM, "update"): 2, (Side.CRM, "delete"): 1}
    assert sorted(w.writes()) == ["composite_delete", "composite_update"], w.writes()
    assert emu.pending_deletions() == [], "no series deletion was asked for"
    assert w.series_records() == [w.series_id]
    assert [r["StartDateTime"] for r in sf_occurrences(emu)] == [
        wire(FIRST + timedelta(hours=1)), wire(key(1)), wire(key(2)), wire(key(4)), wire(key(5))]
    assert w.crm_pair_ids() == [pairs[n] for n in (0, 1, 2, 3, 5, 6)]
    w.state.set_cursor("default", Kind.EVENT, Side.CRM, None)  # the next sync reads Salesforce whole
    result = w.sync()
    assert result.ok and not any(result.counts.values()), result.counts
    assert w.writes() == []
    assert w.pim_view() == [("2026-03-16 10:00", "1:1"), ("2026-03-23 09:00", "1:1"),
                            ("2026-03-30 09:00", "1:1 (renamed)"), ("2026-04-13 09:00", "1:1"),
                            ("2026-04-20 09:00", "1:1")]
    assert w.crm_pair_ids() == [pairs[n] for n in (0, 1, 2, 3, 5, 6)]


def test_cancelling_the_first_occurrence_in_the_pim_is_refused_not_a_replacement(emu):
    """The first occurrence of a Lightning series cannot be cancelled alone (deleting its row deletes the series):
    the deletion is refused for that occurrence, the series is neither deleted nor replaced, the other occurrences
    stay paired with it."""
    w = OccurrencesWorld(emu)
    assert w.sync().ok
    ids = w.pim_by_start()
    w.pim.remove(ids["2026-03-16 09:00"])
    result = w.sync()
    assert [e.message for e in result.errors] == [
        ("Salesforce deletes a whole Lightning series with its first occurrence; that occurrence cannot be "
         "cancelled alone (left as it is)")]
    assert w.writes() == [] and emu.pending_deletions() == []
    assert w.series_records() == [w.series_id]
    assert [r["StartDateTime"] for r in sf_occurrences(emu)] == [wire(key(n)) for n in range(6)]
    assert w.crm_pair_ids() == [w.series_id, *(occurrence_id(w.series_id, key(n)) for n in range(6))]
