"""Request counts of series (issue 14): a series of N occurrences costs O(1) writes on a side that holds rules: one
create call holding one record whatever N, one update call to move one occurrence, and a no-change sync reads
one feed page per side and writes nothing. A side that holds occurrences only gets the window's occurrences, in
write batches. The numbers are literals worked out by hand (bench/series_calls.py measures the same at larger N).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore import Event, Kind, Recurrence, SqliteStateStore, SyncEngine, SyncSettings
from syncore.remote import RecurrenceSupport
from syncore.testing import MemoryAdapter

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
START = datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Europe/Berlin"))  # 08:00 UTC; Berlin springs forward on 29 March
WRITES = ("create", "update", "delete")


def synced(n: int, holds: RecurrenceSupport):
    pim = MemoryAdapter(name="pim", clock=lambda: NOW, batch_size=200)
    crm = MemoryAdapter(name="crm", recurrence=holds, formatted_bodies=False, clock=lambda: NOW, batch_size=200)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    series_id = pim.put(Event(subject="Stand-up", start=START, end=START + timedelta(minutes=15),
                              recurrence=Recurrence(rule=f"FREQ=DAILY;COUNT={n}", zone="Europe/Berlin")))
    assert engine.sync(Kind.EVENT).ok
    return pim, crm, engine, series_id


def reset(*adapters: MemoryAdapter) -> None:
    for adapter in adapters:
        adapter.calls.clear()


def writes(adapter: MemoryAdapter) -> dict[str, int]:
    return {op: adapter.calls[op] for op in WRITES if adapter.calls[op]}


@pytest.mark.parametrize("n", [1, 52, 1000, 10_000])
def test_a_series_of_n_occurrences_costs_one_write_on_a_side_that_holds_rules(n):
    pim, crm, engine, series_id = synced(n, RecurrenceSupport.RULES)
    assert writes(crm) == {"create": 1} and len(crm.records(Kind.EVENT)) == 1
    assert writes(pim) == {}
    reset(pim, crm)
    assert engine.sync(Kind.EVENT).ok  # the echo of our own create
    reset(pim, crm)
    assert engine.sync(Kind.EVENT).ok
    assert dict(pim.calls) == {"changes": 1} and dict(crm.calls) == {"changes": 1}, "no change: one read per side"
    if n > 1:
        key = START.astimezone(UTC) + timedelta(days=1)
        pim.edit_occurrence(series_id, key, start=key + timedelta(hours=1), end=key + timedelta(hours=1, minutes=15))
        reset(pim, crm)
        assert engine.sync(Kind.EVENT).ok
        assert writes(crm) == {"update": 1} and writes(pim) == {}, "moving one occurrence: one update"


@pytest.mark.parametrize(("n", "records", "create_calls"), [
    (10, 10, 1),
    (200, 200, 1),
    (201, 201, 2),
    # a daily series from today: the window (30 days back, 365 ahead, today included) holds 366 of them
    (1000, 366, 2),
])
def test_a_side_that_holds_occurrences_gets_the_windows_occurrences_in_batches_of_200(n, records, create_calls):
    pim, crm, engine, series_id = synced(n, RecurrenceSupport.OCCURRENCES)
    assert len(crm.records(Kind.EVENT)) == records
    assert writes(crm) == {"create": create_calls} and writes(pim) == {}
    reset(pim, crm)
    assert engine.sync(Kind.EVENT).ok  # the echo
    reset(pim, crm)
    assert engine.sync(Kind.EVENT).ok
    assert dict(pim.calls) == {"changes": 1} and dict(crm.calls) == {"changes": 1}
    key = START.astimezone(UTC) + timedelta(days=2)
    pim.edit_occurrence(series_id, key, start=key + timedelta(hours=1), end=key + timedelta(hours=1, minutes=15))
    reset(pim, crm)
    assert engine.sync(Kind.EVENT).ok
    assert writes(crm) == {"update": 1} and writes(pim) == {}, "moving one occurrence: one update of that occurrence"
