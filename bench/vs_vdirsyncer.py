"""Engine overhead against vdirsyncer: the same N contacts and the same edits, in-memory backends on both sides.

vdirsyncer 0.21 (async): ``MemoryStorage`` ⇄ ``MemoryStorage`` with ``sync()`` and an in-memory
``SqliteStatus``; items are vCards. syncore: ``MemoryAdapter`` ⇄ ``MemoryAdapter`` with ``SyncEngine`` and an
in-memory ``SqliteStateStore``; items are ``Contact`` records. Both run in this process, interleaved, and
each phase's CPU time is divided by N.

Phases (each timed separately):

1. **initial**: N items on side A, side B empty; one sync copies them over.
2. **settle**: the next sync (syncore reads its own creates back from B's feed; vdirsyncer lists both sides).
3. **edits**: 5 % of items edited on A, another 5 % edited on B, 1 % deleted on A, 1 % created on B, then one
   two-way sync. This is the headline case: a routine two-way sync.
4. **next sync**: one more sync with no new user edit (syncore reads the echo of its own writes from the
   edits sync; vdirsyncer lists both sides again).
5. **full scan**: 1 % of the items edited (half on each side), and syncore's change cursors expired on both
   sides (``MemoryAdapter.expire_cursors``: a Salesforce cursor older than 15 days, an EWS sync state Exchange no
   longer accepts), so syncore reads both sides whole, as vdirsyncer does on every sync.

Each runs with the sync state in memory and in a SQLite file (vdirsyncer's ``SqliteStatus`` on a path, syncore's
``SqliteStateStore`` on a path: what a user runs).

Targets: syncore >= 5x faster per item (ratio = vdirsyncer CPU / syncore CPU) on the two-way sync with edits,
state in memory (issue 7) and in a file at 1k and 10k (issue 18, T4); >= 2x on the full-scan sync at 10k, state
in a file (issue 18, T3).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile

from ._common import T0, Config, Section, Table, Target, contact, cpu_timer, fmt_s

NAME = "vs_vdirsyncer"
TITLE = "Engine overhead against vdirsyncer (in-memory backends, same items, same edits)"
RATIO_TARGET = 5.0
FULL_SCAN_TARGET = 2.0
PHASES = ("initial", "settle", "edits", "next sync", "full scan")


def vcard(i: int, *, phone: str | None = None, tag: str = "") -> str:
    c = contact(i, tag=tag)
    return "\r\n".join([
        "BEGIN:VCARD", "VERSION:3.0", f"UID:contact-{i}{tag}", f"FN:{c.first_name} {c.last_name}",
        f"N:{c.last_name};{c.first_name};;;", f"EMAIL:{c.email}", f"TEL:{phone or c.phone}", f"TITLE:{c.title}",
        f"ORG:{c.company}", f"ADR:;;;{c.mailing_city};;;{c.mailing_country}", "END:VCARD",
    ])


def plan_edits(n: int) -> dict[str, range]:
    five, one = max(1, n // 20), max(1, n // 100)
    return {"edit_a": range(five), "edit_b": range(five, 2 * five), "delete_a": range(2 * five, 2 * five + one),
            "create_b": range(n, n + one)}


def full_scan_edits(n: int) -> dict[str, range]:
    """1 % of the items, half edited on each side, none of them touched by the edits phase."""
    start = 2 * max(1, n // 20) + max(1, n // 100)
    half = max(1, n // 200)
    return {"edit_a": range(start, start + half), "edit_b": range(start + half, start + 2 * half)}


def _state_path(state: str, tmp: str, name: str) -> str:
    return ":memory:" if state == "memory" else os.path.join(tmp, name)


def run_vdirsyncer(n: int, state: str = "memory") -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return _run_vdirsyncer(n, _state_path(state, tmp, "status.db"))


def _run_vdirsyncer(n: int, status_path: str) -> dict[str, float]:
    from vdirsyncer.storage.memory import MemoryStorage
    from vdirsyncer.sync import sync
    from vdirsyncer.sync.status import SqliteStatus
    from vdirsyncer.vobject import Item

    loop = asyncio.new_event_loop()
    a, b, status = MemoryStorage(), MemoryStorage(), SqliteStatus(status_path)
    hrefs = {}
    for i in range(n):
        hrefs[i], _ = loop.run_until_complete(a.upload(Item(vcard(i))))
    times = {}

    def one_sync() -> None:
        loop.run_until_complete(sync(a, b, status, conflict_resolution="a wins"))

    for phase in PHASES:
        if phase == "edits":
            edits = plan_edits(n)

            async def edit(edits: dict[str, range] = edits) -> None:
                for i in edits["edit_a"]:
                    _, etag = await a.get(hrefs[i])
                    await a.update(hrefs[i], Item(vcard(i, phone="+1 555 0000000")), etag)
                for i in edits["edit_b"]:
                    _, etag = await b.get(hrefs[i])
                    await b.update(hrefs[i], Item(vcard(i, phone="+1 555 1111111")), etag)
                for i in edits["delete_a"]:
                    _, etag = await a.get(hrefs[i])
                    await a.delete(hrefs[i], etag)
                for i in edits["create_b"]:
                    await b.upload(Item(vcard(i, tag="b")))

            loop.run_until_complete(edit())
        if phase == "full scan":
            scan = full_scan_edits(n)

            async def scan_edit(scan: dict[str, range] = scan) -> None:
                for i in scan["edit_a"]:
                    _, etag = await a.get(hrefs[i])
                    await a.update(hrefs[i], Item(vcard(i, phone="+1 555 2222222")), etag)
                for i in scan["edit_b"]:
                    _, etag = await b.get(hrefs[i])
                    await b.update(hrefs[i], Item(vcard(i, phone="+1 555 3333333")), etag)

            loop.run_until_complete(scan_edit())
        with cpu_timer() as t:
            one_sync()
        times[phase] = t["cpu"]
    assert len(a.items) == len(b.items) == n - len(plan_edits(n)["delete_a"]) + len(plan_edits(n)["create_b"])
    loop.close()
    return times


def run_syncore(n: int, state: str = "memory") -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return _run_syncore(n, _state_path(state, tmp, "state.db"))


def _run_syncore(n: int, state_path: str) -> dict[str, float]:
    from syncore import ConflictPolicy, Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.settings import KindSettings
    from syncore.testing import MemoryAdapter

    clock = lambda: T0
    a = MemoryAdapter(name="a", batch_size=200, clock=clock)
    b = MemoryAdapter(name="b", batch_size=200, clock=clock)
    ids = {i: a.put(contact(i)) for i in range(n)}
    engine = SyncEngine(pim=a, crm=b, state=SqliteStateStore(state_path), clock=clock,
                        # deletions travel both ways, as in vdirsyncer (contacts default to PIM-side deletes only)
                        settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS, max_delete_ratio=1.0,
                                              kinds={Kind.CONTACT: KindSettings()}))
    times = {}
    for phase in PHASES:
        if phase == "edits":
            edits = plan_edits(n)
            partner = {p.pim_id: p.crm_id for p in engine.state.iter_pairs("default", Kind.CONTACT)}
            for i in edits["edit_a"]:
                a.edit(ids[i], phone="+1 555 0000000")
            for i in edits["edit_b"]:
                b.edit(partner[ids[i]], phone="+1 555 1111111")
            for i in edits["delete_a"]:
                a.remove(ids[i])
            for i in edits["create_b"]:
                b.put(contact(i, tag="b"))
        if phase == "full scan":
            scan = full_scan_edits(n)
            partner = {p.pim_id: p.crm_id for p in engine.state.iter_pairs("default", Kind.CONTACT)}
            for i in scan["edit_a"]:
                a.edit(ids[i], phone="+1 555 2222222")
            for i in scan["edit_b"]:
                b.edit(partner[ids[i]], phone="+1 555 3333333")
            a.expire_cursors()
            b.expire_cursors()
        with cpu_timer() as t:
            result = engine.sync(Kind.CONTACT)
        assert result.ok, result.errors
        if phase == "full scan":
            assert result.summary.as_dict()["counts"] == {"crm.update": len(scan["edit_a"]),
                                                          "pim.update": len(scan["edit_b"])}, result.summary
        times[phase] = t["cpu"]
    expected = n - len(plan_edits(n)["delete_a"]) + len(plan_edits(n)["create_b"])
    assert len(a.records(Kind.CONTACT)) == len(b.records(Kind.CONTACT)) == expected
    engine.state.close()
    return times


def run(cfg: Config) -> Section:
    section = Section(name=NAME, title=TITLE)
    t4 = [f"T4 file-backed state on both, edits sync, N = {n}: syncore faster per item" for n in ("1,000", "10,000")]
    t3 = "T3 full-scan sync (cursors expired), N = 10,000, 1 % edits, state in a file: syncore faster per item"
    try:
        import vdirsyncer
    except ImportError:
        reason = "vdirsyncer is not installed (pip install vdirsyncer)"
        section.status, section.reason = "not run", reason
        section.targets.append(Target("syncore ≥ 5× faster per item than vdirsyncer", f"≥ {RATIO_TARGET}×",
                                      f"not run: {reason}", None))
        section.targets += [Target(name, f"≥ {RATIO_TARGET:.0f}×", f"not run: {reason}", None, key="T4")
                            for name in t4]
        section.targets.append(Target(t3, f"≥ {FULL_SCAN_TARGET:.0f}×", f"not run: {reason}", None, key="T3"))
        return section
    # (quick: one run each, and the file-backed 10k case at 5,000 items)
    runs = [("memory", 1_000), ("file", 1_000), ("file", 5_000 if cfg.quick else 10_000)]
    if not cfg.quick:
        runs.insert(1, ("memory", 10_000))
    repeat = 1 if cfg.quick else 3
    tools = ["vdirsyncer", "syncore"]
    rows, raw, med_by = [], {}, {}
    for state, n in runs:
        samples: dict[str, list[dict[str, float]]] = {tool: [] for tool in tools}
        for _ in range(repeat):  # interleaved, so both tools see the same machine load
            samples["vdirsyncer"].append(run_vdirsyncer(n, state))
            samples["syncore"].append(run_syncore(n, state))
        med = {tool: {p: statistics.median(s[p] for s in samples[tool]) for p in PHASES} for tool in tools}
        raw[f"{state} {n}"] = {"samples": samples, "median": med}
        med_by[(state, n)] = med
        for phase in [*PHASES, "all"]:
            v = med["vdirsyncer"][phase] if phase != "all" else sum(med["vdirsyncer"].values())
            s_ = med["syncore"][phase] if phase != "all" else sum(med["syncore"].values())
            rows.append([state, f"{n:,}", phase if phase != "all" else "**all five**", fmt_s(v / n), fmt_s(s_ / n),
                         f"{v / s_:.1f}×"])
    section.tables.append(Table(
        f"CPU per item (median of {repeat}; ratio = vdirsyncer / syncore, > 1 means syncore is faster)",
        ["state", "N", "phase", "vdirsyncer / item", "syncore / item", "ratio"], rows))

    def ratio(state: str, n: int, phase: str) -> float:
        med = med_by[(state, n)]
        return med["vdirsyncer"][phase] / med["syncore"][phase]

    for state, n in runs:
        r = ratio(state, n, "edits")
        if state == "memory":
            section.targets.append(Target(f"two-way sync with edits, N = {n:,}, state in memory: syncore faster "
                                          "per item", f"≥ {RATIO_TARGET:.0f}×", f"{r:.1f}×", r >= RATIO_TARGET))
        else:
            name = t4[0] if n == 1_000 else t4[1] + (f" (quick: N = {n:,})" if cfg.quick else "")
            section.targets.append(Target(name, f"≥ {RATIO_TARGET:.0f}×", f"{r:.1f}×", r >= RATIO_TARGET,
                                          key="T4"))
    big = runs[-1][1]
    r = ratio("file", big, "full scan")
    section.targets.append(Target(t3 + (f" (quick: N = {big:,})" if cfg.quick else ""), f"≥ {FULL_SCAN_TARGET:.0f}×",
                                  f"{r:.1f}×", r >= FULL_SCAN_TARGET, key="T3"))
    section.notes.append(f"vdirsyncer {vdirsyncer.__version__}; per item = phase CPU / N. Deletions travel both "
                         "ways in both tools (syncore's contacts default to deleting in the PIM only).")
    section.data = raw
    return section
