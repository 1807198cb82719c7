"""The demo: its sides, its sample week, and the manual-sync flow with scripted answers."""

from __future__ import annotations

import re
from datetime import date, datetime

from syncore import Event, Kind, SqliteStateStore, SyncEngine
from syncore.config import Config
from syncore.demo import build_demo_sides, run_demo, sample_data
from syncore.review import render_plan, review_plan
from syncore.testing import DemoFileAdapter


def test_sample_week_has_what_the_demo_promises():
    data = sample_data(date(2026, 3, 26), "Europe/Berlin")  # a week with a DST change
    everything = [*data.pim_only, *data.crm_only, *data.both]
    events = [r for r in everything if isinstance(r, Event)]
    assert any(e.all_day for e in events)
    assert any(e.body.is_formatted for e in events)
    assert any(e.private for e in events)
    assert {r.kind for r in data.both} == set(Kind)  # some records of each kind already on both sides
    assert {r.kind for r in data.pim_only} >= {Kind.EVENT, Kind.CONTACT, Kind.TASK}
    starts = {e.start.date() for e in events if isinstance(e.start, datetime)}
    assert len(starts) == 5  # Monday to Friday


def test_memory_fallback_keeps_formatting_only_on_the_outlook_side():
    sides = build_demo_sides(prefer_emulators=False)
    assert sides.pim.capabilities.formatted_bodies and not sides.crm.capabilities.formatted_bodies
    assert "in-memory" in sides.description
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                        settings=Config().sync_settings())
    for kind in Kind:
        engine.sync(kind)
    for kind in Kind:
        assert engine.plan(kind).is_empty  # a second sync has nothing to do
    bodies = [e.body for e in sides.pim.records(Kind.EVENT).values() if e.body]
    assert any(body.is_formatted for body in bodies)


def test_the_emulators_are_found_through_the_registry():
    sides = build_demo_sides(today=date(2026, 6, 3))
    try:
        assert "Exchange emulator at http://127.0.0.1:" in sides.description
        assert "Salesforce emulator at http://127.0.0.1:" in sides.description
        assert (sides.pim.adapter_name, sides.crm.adapter_name) == ("exchange", "salesforce")
    finally:
        sides.close()


def test_without_emulators_the_memory_sides_say_why(monkeypatch):
    import syncore.emulated

    monkeypatch.setattr(syncore.emulated, "emulator_names", list)  # an installation without adapters
    sides = build_demo_sides(today=date(2026, 6, 3))
    assert "in-memory sides" in sides.description
    assert "no emulator installed for the pim and crm side" in sides.description


def test_the_demo_tells_the_truth():
    shown: list[str] = []
    assert run_demo(yes=True, show=shown.append, prefer_emulators=False, zone_name="Europe/Berlin") == 0
    text = "\n".join(shown)
    assert "Run it again and nothing is left to do" not in text
    assert "Nothing was saved" in text and "starts again from the same sample week" in text
    # the records that start on both sides are paired, not copied, and said so per kind
    assert "paired instead of copied: Team standup, Board prep" in text
    assert "paired instead of copied: Ada Lovelace" in text
    assert "paired instead of copied: Prepare QBR deck" in text
    # skipped by what the user calls it, not by a native id
    assert re.search(r"Outlook-like, in memory: event 'Dentist': private item", text)
    # sides named by their adapters, times in the zone asked for
    assert "Outlook-like, in memory (PIM)" in text and "Salesforce-like, in memory (CRM)" in text
    assert re.search(r"\d\d:\d\d CE[S]?T", text)


def test_interactive_review_excludes_and_cancels():
    sides = build_demo_sides(prefer_emulators=False)  # this week: inside the default date range
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                        settings=Config().sync_settings())
    plan = engine.plan(Kind.CONTACT)
    answers = iter(["n"] + ["y"] * len(plan.operations))
    assert review_plan(plan, ask=lambda prompt: next(answers), show=lambda text: None)
    assert [op.excluded for op in plan.operations].count(True) == 1
    assert "[excluded]" in render_plan(plan)
    crm_before = len(sides.crm.records(Kind.CONTACT)) + len(sides.pim.records(Kind.CONTACT))
    result = engine.apply(plan)
    assert sum(result.counts.values()) == len(plan.operations) - 1
    assert len(sides.crm.records(Kind.CONTACT)) + len(sides.pim.records(Kind.CONTACT)) == crm_before + len(plan.operations) - 1
    plan = engine.plan(Kind.TASK)
    assert plan.operations
    assert review_plan(plan, ask=lambda prompt: "q", show=lambda text: None) is False


def test_run_demo_interactive_all_and_yes():
    shown = []
    assert run_demo(ask=lambda prompt: "a", show=shown.append, prefer_emulators=False) == 0
    assert any("Backends:" in line for line in shown)
    assert run_demo(yes=True, show=lambda text: None) == 0


def test_file_adapter_persists_between_instances(tmp_path):
    first = DemoFileAdapter(path=str(tmp_path / "side.json"), side="crm", seed=True)
    new_id = first.put(Event(subject="Added", start=date(2026, 6, 1), end=date(2026, 6, 2)))
    second = DemoFileAdapter(path=str(tmp_path / "side.json"), side="crm")
    assert second.records(Kind.EVENT) == first.records(Kind.EVENT)
    assert second.full_scan(Kind.EVENT).cursor == first.full_scan(Kind.EVENT).cursor
    assert second.put(Event(subject="Next", start=date(2026, 6, 2), end=date(2026, 6, 3))) != new_id


def test_the_demo_shows_reads_and_writes_on_the_same_progress_line():
    import io

    from syncore.progress import Progress

    stream = io.StringIO()
    assert run_demo(yes=True, show=lambda text: None, prefer_emulators=False,
                    progress=Progress(stream, enabled=True)) == 0
    drawn = stream.getvalue()
    assert "Outlook-like, in memory (PIM): reading event records (full scan)" in drawn
    assert re.search(r"event: writing \[#+\] 6/6", drawn)
