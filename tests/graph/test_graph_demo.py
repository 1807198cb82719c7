"""``syncore demo --pim graph``: the demo's Outlook side is the Graph emulator, reached by the real adapter,
found through the ``syncore.emulators`` entry points."""

from __future__ import annotations

import io

from syncore.cli import main
from syncore.demo import build_demo_sides
from syncore.models import Kind


def test_demo_runs_on_the_graph_emulator():
    out = io.StringIO()
    assert main(["demo", "--pim", "graph", "--yes"], out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert text.startswith("Backends: Microsoft Graph emulator at https://127.0.0.1:")
    assert "errors: 0" in text and "in-memory" not in text


def test_demo_sides_seed_the_graph_mailbox():
    sides = build_demo_sides(pim="graph")
    try:
        assert type(sides.pim).__name__ == "GraphAdapter"
        subjects = {u.record.subject for u in sides.pim.full_scan(Kind.EVENT).upserts}
        assert "Weekly pipeline review" in subjects
    finally:
        sides.close()
