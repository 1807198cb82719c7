"""No-change sync: calls per kind and side, and CPU time, at 10k and 100k pairs (MemoryAdapter sides).

Target: one change-feed call per kind and side (no fetch, no write), and <= 0.2 s CPU at 100k pairs.
Issue 18, T2: the echo sync (the first after a load) grows linearly: at 100k pairs <= 12x its 10k time. One
echo is one sample of a few tens of milliseconds on a shared machine, so the echo is run again
(ECHO_REPEAT times, its CRM cursor put back to where the initial load left it: the same feed against the same
state, and it writes nothing but that cursor) and T2 compares the medians; the first echo is reported too.
The Salesforce/EWS call counts of a no-change sync are measured over the emulators in
``api_calls_salesforce`` and ``api_calls_ews``.
"""

from __future__ import annotations

import os
import statistics
import tempfile

from syncore import Kind, Side

from ._adaptertime import AdapterClock
from ._common import Config, Section, Table, Target, cpu_timer, fmt_s, memory_world, ops_text

NAME = "no_change"
TITLE = "No-change sync (core, MemoryAdapter sides, SQLite state file)"
CPU_LIMIT = 0.2
#: T2: the echo sync at 10× the pairs may take at most 12× the time (linear, with slack)
ECHO_GROWTH_LIMIT = 12
#: echo syncs measured per size (the first one and repeats of it)
ECHO_REPEAT = 5


def measure(n: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        engine, pim, crm = memory_world(n, state_path=os.path.join(tmp, "state.db"))
        with cpu_timer() as initial:
            engine.sync(Kind.CONTACT)
        clock = AdapterClock(pim, crm)
        loaded = engine.state.get_cursor(engine.settings.profile, Kind.CONTACT, Side.CRM)
        echo_samples, echo_adapter_samples = [], []
        for _ in range(ECHO_REPEAT):
            engine.state.set_cursor(engine.settings.profile, Kind.CONTACT, Side.CRM, loaded)  # (a no-op the first time)
            clock.reset()
            with cpu_timer() as echo:
                result = engine.sync(Kind.CONTACT)  # reads our own creates back from the CRM feed: versions match
            assert result.ok and not result.summary.as_dict()["counts"], result.summary.as_dict()
            echo_samples.append(echo["cpu"])
            echo_adapter_samples.append(clock.seconds)
        samples, adapter_samples, calls = [], [], {}
        for _ in range(repeat):
            pim.calls.clear()
            crm.calls.clear()
            clock.reset()
            with cpu_timer() as t:
                result = engine.sync(Kind.CONTACT)
            assert result.ok and result.summary.as_dict() is not None
            samples.append(t["cpu"])
            adapter_samples.append(clock.seconds)
            calls = {"pim": dict(pim.calls), "crm": dict(crm.calls)}
        per_kind = {}
        for kind in (Kind.EVENT, Kind.TASK):
            engine.sync(kind)  # empty kinds: the first sync is a full scan that hands out cursors
        for kind in Kind:
            pim.calls.clear()
            crm.calls.clear()
            engine.sync(kind)
            per_kind[kind.value] = {"pim": dict(pim.calls), "crm": dict(crm.calls)}
        engine.state.close()
    return {
        "n": n, "initial_cpu": initial["cpu"], "echo_cpu": statistics.median(echo_samples),
        "echo_cpu_samples": echo_samples, "first_echo_cpu": echo_samples[0],
        "echo_adapter_cpu": statistics.median(echo_adapter_samples),
        "cpu": statistics.median(samples), "cpu_samples": samples,
        "adapter_cpu": statistics.median(adapter_samples), "calls": calls, "calls_per_kind": per_kind,
    }


def run(cfg: Config) -> Section:
    sizes = [1_000, 10_000] if cfg.quick else [10_000, 100_000]
    section = Section(name=NAME, title=TITLE)
    rows, results = [], []
    for n in sizes:
        m = measure(n, repeat=3 if cfg.quick else 5)
        results.append(m)
        rows.append([f"{n:,}", fmt_s(m["cpu"]), fmt_s(m["cpu"] - m["adapter_cpu"]), ops_text(m["calls"]["pim"]),
                     ops_text(m["calls"]["crm"]), fmt_s(m["echo_cpu"]), fmt_s(m["echo_cpu"] - m["echo_adapter_cpu"]),
                     fmt_s(m["first_echo_cpu"]), fmt_s(m["initial_cpu"])])
    section.tables.append(Table(
        "No-change sync of contacts (median CPU)",
        ["pairs", "CPU", "of which engine", "PIM calls", "CRM calls", f"echo sync CPU (median of {ECHO_REPEAT})",
         "of which engine", "first echo", "initial sync CPU"], rows))
    big = results[-1]
    kind_rows = []
    for kind, c in big["calls_per_kind"].items():
        kind_rows.append([kind, ops_text(c["pim"]), ops_text(c["crm"])])
    section.tables.append(Table(f"Calls per kind, no-change sync at {sizes[-1]:,} contact pairs",
                                ["kind", "PIM calls", "CRM calls"], kind_rows))
    one_call = all(c["pim"] == {"changes": 1} and c["crm"] == {"changes": 1}
                   for c in big["calls_per_kind"].values())
    section.targets.append(Target("no-change sync: 1 call per kind and side (MemoryAdapter)", "1 per kind/side",
                                  "1 `changes` call per kind and side" if one_call
                                  else str(big["calls_per_kind"]), one_call))
    full = sizes[-1] == 100_000
    label = "100k" if full else f"{sizes[-1]:,} (quick)"
    section.targets.append(Target(f"no-change sync CPU at {label} pairs", f"≤ {CPU_LIMIT} s", fmt_s(big["cpu"]),
                                  big["cpu"] <= CPU_LIMIT if full else None))
    small, big_echo = results[0], results[-1]
    growth = big_echo["echo_cpu"] / small["echo_cpu"]
    first_growth = big_echo["first_echo_cpu"] / small["first_echo_cpu"]
    size_ratio = big_echo["n"] // small["n"]
    section.targets.append(Target(
        f"T2 echo sync at {big_echo['n']:,} pairs vs {small['n']:,}, state in a file (median of {ECHO_REPEAT})"
        + ("" if full else " (quick: reduced sizes)"),
        f"≤ {ECHO_GROWTH_LIMIT * size_ratio // 10}× (linear)",
        f"{fmt_s(small['echo_cpu'])} → {fmt_s(big_echo['echo_cpu'])}: {growth:.1f}× (first echo: {first_growth:.1f}×)",
        growth <= ECHO_GROWTH_LIMIT * size_ratio / 10, key="T2"))
    section.notes.append(
        "The *echo sync* is the first sync after an initial load: the CRM feed reports the records the engine "
        "just created; their versions are compared with the stored ones from the state's version column, "
        "without loading their pairs (no writes). It is O(records created), paid once; every later no-change "
        "sync touches no pair."
    )
    section.data = {"results": results}
    return section
