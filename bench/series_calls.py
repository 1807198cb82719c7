"""Series: write calls and records for a series of N occurrences (core, MemoryAdapter sides).

Target (issue 14): a series with N occurrences costs O(1) writes on a side that holds rules. A side that holds
occurrences only gets the occurrences inside the sync window, in batches; moving one occurrence costs one write
there; a no-change sync after either costs one feed call per side.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from syncore import Event, Kind, Recurrence, SqliteStateStore, SyncEngine, SyncSettings
from syncore.remote import RecurrenceSupport
from syncore.testing import MemoryAdapter

from ._common import Config, Section, Table, Target, cpu_timer, fmt_s, ops_text

NAME = "series_calls"
TITLE = "Series: writes per series (core, MemoryAdapter sides)"
NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
BATCH = 200


def _written(adapter: MemoryAdapter) -> dict[str, int]:
    return {op: adapter.calls[op] for op in ("create", "update", "delete") if adapter.calls[op]}


def measure(n: int, holds: RecurrenceSupport) -> dict:
    pim = MemoryAdapter(name="pim", clock=lambda: NOW, batch_size=BATCH)
    crm = MemoryAdapter(name="crm", recurrence=holds, formatted_bodies=False, clock=lambda: NOW, batch_size=BATCH)
    state = SqliteStateStore(":memory:")
    engine = SyncEngine(pim=pim, crm=crm, state=state, settings=SyncSettings(), clock=lambda: NOW)
    start = datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    series_id = pim.put(Event(subject="Stand-up", start=start, end=start + timedelta(minutes=15),
                              recurrence=Recurrence(rule=f"FREQ=DAILY;COUNT={n}", zone="Europe/Berlin")))
    with cpu_timer() as initial:
        assert engine.sync(Kind.EVENT).ok
    first = {"crm": _written(crm), "records": len(crm.records(Kind.EVENT)), "cpu": initial["cpu"]}
    for adapter in (pim, crm):
        adapter.calls.clear()
    assert engine.sync(Kind.EVENT).ok  # the echo of our own writes
    for adapter in (pim, crm):
        adapter.calls.clear()
    assert engine.sync(Kind.EVENT).ok
    quiet = {"pim": dict(pim.calls), "crm": dict(crm.calls)}
    for adapter in (pim, crm):
        adapter.calls.clear()
    key = start.astimezone(UTC) + timedelta(days=2)
    pim.edit_occurrence(series_id, key, start=key + timedelta(hours=1), end=key + timedelta(hours=1, minutes=15))
    assert engine.sync(Kind.EVENT).ok
    moved = _written(crm)
    state.close()
    return {"n": n, "holds": holds.value, "initial": first, "no_change": quiet, "move_one": moved}


def run(cfg: Config) -> Section:
    sizes = [10, 100, 1_000] if cfg.quick else [10, 100, 1_000, 10_000]
    section = Section(name=NAME, title=TITLE)
    rows, results = [], []
    for holds in (RecurrenceSupport.RULES, RecurrenceSupport.OCCURRENCES):
        for n in sizes:
            m = measure(n, holds)
            results.append(m)
            rows.append([holds.value, f"{n:,}", m["initial"]["records"], ops_text(m["initial"]["crm"]),
                         ops_text(m["move_one"]), ops_text(m["no_change"]["crm"]), fmt_s(m["initial"]["cpu"])])
    section.tables.append(Table(
        f"A daily series of N occurrences synced to the CRM side (default window: 30 days back, 365 ahead; "
        f"write batches of {BATCH})",
        ["CRM holds", "N", "CRM records", "CRM write calls", "moving one occurrence", "no-change sync (CRM)",
         "initial sync CPU"], rows))
    rules = [m for m in results if m["holds"] == "rules"]
    constant = all(m["initial"]["crm"] == {"create": 1} and m["initial"]["records"] == 1 for m in rules)
    section.targets.append(Target("a series of N occurrences on a side that holds rules", "1 write call, 1 record",
                                  "; ".join(f"N={m['n']}: {ops_text(m['initial']['crm'])}" for m in rules), constant))
    quiet = all(m["no_change"]["crm"] == {"changes": 1} and m["no_change"]["pim"] == {"changes": 1} for m in results)
    section.targets.append(Target("no-change sync after a series", "1 call per side",
                                  "1 `changes` call per side" if quiet else str([m["no_change"] for m in results]),
                                  quiet))
    section.notes.append(
        "On a side that holds occurrences only, the series is written as its occurrences inside the window (at "
        "most 396 for a daily series), in create batches; later days are added as the window moves forward.")
    section.data = {"results": results}
    return section
