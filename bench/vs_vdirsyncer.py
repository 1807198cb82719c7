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

Target: syncore >= 5x faster per item (ratio = vdirsyncer CPU / syncore CPU) on the two-way sync with edits.
"""

from __future__ import annotations

import asyncio
import statistics

from ._common import T0, Config, Section, Table, Target, contact, cpu_timer, fmt_s

NAME = "vs_vdirsyncer"
TITLE = "Engine overhead against vdirsyncer (in-memory backends, same items, same edits)"
RATIO_TARGET = 5.0
PHASES = ("initial", "settle", "edits", "next sync")


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


def run_vdirsyncer(n: int) -> dict[str, float]:
    from vdirsyncer.storage.memory import MemoryStorage
    from vdirsyncer.sync import sync
    from vdirsyncer.sync.status import SqliteStatus
    from vdirsyncer.vobject import Item

    loop = asyncio.new_event_loop()
    a, b, status = MemoryStorage(), MemoryStorage(), SqliteStatus(":memory:")
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
        with cpu_timer() as t:
            one_sync()
        times[phase] = t["cpu"]
    assert len(a.items) == len(b.items) == n - len(plan_edits(n)["delete_a"]) + len(plan_edits(n)["create_b"])
    loop.close()
    return times


def run_syncore(n: int) -> dict[str, float]:
    from syncore import ConflictPolicy, Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.settings import KindSettings
    from syncore.testing import MemoryAdapter

    clock = lambda: T0
    a = MemoryAdapter(name="a", batch_size=200, clock=clock)
    b = MemoryAdapter(name="b", batch_size=200, clock=clock)
    ids = {i: a.put(contact(i)) for i in range(n)}
    engine = SyncEngine(pim=a, crm=b, state=SqliteStateStore(":memory:"), clock=clock,
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
        with cpu_timer() as t:
            result = engine.sync(Kind.CONTACT)
        assert result.ok, result.errors
        times[phase] = t["cpu"]
    expected = n - len(plan_edits(n)["delete_a"]) + len(plan_edits(n)["create_b"])
    assert len(a.records(Kind.CONTACT)) == len(b.records(Kind.CONTACT)) == expected
    engine.state.close()
    return times


def run(cfg: Config) -> Section:
    section = Section(name=NAME, title=TITLE)
    try:
        import vdirsyncer
    except ImportError:
        section.status = "not run"
        section.reason = "vdirsyncer is not installed (pip install vdirsyncer)"
        section.targets.append(Target("syncore ≥ 5× faster per item than vdirsyncer", f"≥ {RATIO_TARGET}×",
                                      "not run: vdirsyncer missing", None))
        return section
    sizes = [1_000] if cfg.quick else [1_000, 10_000]
    repeat = 1 if cfg.quick else 3
    tools = ["vdirsyncer", "syncore"]
    rows, raw = [], {}
    verdicts = []
    for n in sizes:
        samples: dict[str, list[dict[str, float]]] = {tool: [] for tool in tools}
        for _ in range(repeat):  # interleaved, so both tools see the same machine load
            samples["vdirsyncer"].append(run_vdirsyncer(n))
            samples["syncore"].append(run_syncore(n))
        med = {tool: {p: statistics.median(s[p] for s in samples[tool]) for p in PHASES} for tool in tools}
        raw[n] = {"samples": samples, "median": med}
        for phase in [*PHASES, "all four"]:
            v = med["vdirsyncer"][phase] if phase != "all four" else sum(med["vdirsyncer"].values())
            s_ = med["syncore"][phase] if phase != "all four" else sum(med["syncore"].values())
            rows.append([f"{n:,}", phase if phase != "all four" else "**all four**", fmt_s(v / n), fmt_s(s_ / n),
                         f"{v / s_:.1f}×"])
        verdicts.append((n, med["vdirsyncer"]["edits"] / med["syncore"]["edits"]))
    section.tables.append(Table(
        f"CPU per item (median of {repeat}; ratio = vdirsyncer / syncore, > 1 means syncore is faster)",
        ["N", "phase", "vdirsyncer / item", "syncore / item", "ratio"], rows))
    for n, ratio in verdicts:
        section.targets.append(Target(f"two-way sync with edits, N = {n:,}: syncore faster per item",
                                      f"≥ {RATIO_TARGET:.0f}×", f"{ratio:.1f}×", ratio >= RATIO_TARGET))
    section.notes.append(f"vdirsyncer {vdirsyncer.__version__}; per item = phase CPU / N.")
    section.data = {str(k): v for k, v in raw.items()}
    return section
