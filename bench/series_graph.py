"""Graph calls for recurring series (issues 14 and 16): a series costs O(1) requests whatever its number of
occurrences.

World: the real GraphAdapter (msal + httpx over HTTPS to the in-repo Graph emulator) as the PIM ⇄ a CRM
MemoryAdapter that holds rules. S weekly series in Europe/Berlin, each with N occurrences, one cancelled and one
moved occurrence, are created in the CRM and synced to Graph (the create sync); then one occurrence of each is
edited and one more cancelled in the CRM (the edit sync); then nothing changes (the quiet sync).

Expected per sync, independent of N (json-batching: 20 sub-requests per $batch): create: the POSTs, the instances
to change, their DELETE/PATCH and the change keys, one round of $batch requests each (plus the feed's delta);
edit: the series read (master + instances), the instances found, written, the change keys; echo: the next sync reads
the echo of those writes (a calendarView delta lists every occurrence of a changed series, so its pages grow with
N as ⌈occurrences / page⌉) and writes nothing; quiet: 1 delta request. Target: the write requests are the same for
every N.
"""

from __future__ import annotations

from ._common import Config, Section, Table, Target, adapter_available, cpu_timer, fmt_s, not_run, ops_text

# the same series as the EWS bench, so the two sides' counts compare
from .series_ews import NOW, NS, SERIES, _series

NAME = "series_graph"
TITLE = "Graph calls for recurring series (N occurrences each)"


def _measure(n: int) -> dict:
    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.testing import MemoryAdapter
    from syncore_graph import GraphAdapter
    from syncore_graph.emulator import GraphEmulator

    emu = GraphEmulator(clock=lambda: NOW).start()
    pim = GraphAdapter.for_emulator(emu, auth="app", timezone="Europe/Berlin", clock=lambda: NOW,
                                    sleep=lambda s: None)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    ids = [crm.put(_series(i, n)) for i in range(SERIES)]

    def sync() -> dict:
        emu.reset_log()
        with cpu_timer() as t:
            result = engine.sync(Kind.EVENT)
        counts: dict[str, int] = {}
        for record in emu.requests:
            op = record.operation
            if op == "batch":
                methods = {str(r.get("method", "")).upper() for r in (record.body or {}).get("requests", [])}
                op = "batch (writes)" if methods & {"POST", "PATCH", "DELETE"} else "batch (reads)"
            if op != "token":
                counts[op] = counts.get(op, 0) + 1
        return {"ok": result.ok, "calls": sum(counts.values()), "writes": counts.get("batch (writes)", 0),
                "by_op": counts, "cpu": t["cpu"]}

    try:
        out = {"create": sync()}
        for i, crm_id in enumerate(ids):
            crm.edit(crm_id, recurrence=_series(i, n, extra_exdate=True, extra_override=True).recurrence)
        out["edit"] = sync()
        out["echo"] = sync()  # the delta shows every occurrence of the series just written: read, never written
        out["quiet"] = sync()
        out["masters"] = len([e for e in emu.items("event") if e["type"] == "seriesMaster"])
        return out
    finally:
        pim.close()
        emu.stop()


def run(cfg: Config) -> Section:
    reason = adapter_available("syncore_graph", ("GraphAdapter",))
    targets = ["series writes independent of the number of occurrences"]
    if reason:
        return not_run(NAME, TITLE, reason, targets)
    section = Section(name=NAME, title=TITLE)
    results = {n: _measure(n) for n in NS}
    rows = []
    phases = ("create", "edit", "echo", "quiet")
    for n, r in results.items():
        rows.append([n, r["masters"], *(f"{r[p]['calls']} ({ops_text(r[p]['by_op'])})" for p in phases),
                     fmt_s(r["create"]["cpu"])])
    section.tables.append(Table(f"{SERIES} weekly series, Europe/Berlin, CRM → Graph",
                                ["occurrences each", "masters", "create sync", "edit sync", "echo sync", "quiet sync",
                                 "create CPU"], rows))
    same = len({tuple(r[p]["writes"] for p in phases) for r in results.values()}) == 1
    ok = same and all(r["create"]["ok"] and r["edit"]["ok"] and r["masters"] == SERIES and r["quiet"]["calls"] == 1
                      for r in results.values())
    section.targets.append(Target(targets[0], "the same write requests for every N; a quiet sync is 1 request",
                                  ", ".join(f"N={n}: " + "/".join(str(r[p]["writes"]) for p in phases)
                                            for n, r in results.items()), ok))
    section.data = {str(n): r for n, r in results.items()}
    return section
