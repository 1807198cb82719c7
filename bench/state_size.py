"""State bytes per pair and peak memory at 100k pairs.

Each size runs in a fresh child process (``python -m bench.state_size N``) so that ``ru_maxrss`` is this
scenario's own peak. The child syncs N contacts from a PIM MemoryAdapter to an empty CRM MemoryAdapter into a
SQLite state file, runs the echo sync, and reports:

* the state file size / pairs (as written, and after VACUUM), and the pairs table + its two indexes from
  SQLite's ``dbstat`` (the B-tree pages, so it includes page slack);
* the average encoded base record (the JSON blob in ``pairs.base``);
* peak RSS of the process (VmHWM) (includes both in-memory backends holding N records each) and the RSS the sync
  added above the populated backends; and, in a second run under ``tracemalloc``, the peak Python heap the
  sync allocated above the populated backends (this includes the N records the CRM MemoryAdapter creates).

Targets: <= 500 B per pair; <= 300 MB peak (issue 7); issue 18: T5 <= 450 B per pair, T6 <= 200 MB peak.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import tracemalloc

from ._common import ROOT, Config, Section, Table, Target, cpu_timer, fmt_s, memory_world

NAME = "state_size"
TITLE = "State bytes per pair and peak memory"
BYTES_LIMIT = 500
MEMORY_LIMIT_MB = 300
#: issue 18: T5 with real-format ids (18-character Salesforce ids, long EWS ItemIds), T6
T5_BYTES_LIMIT = 450
T6_MEMORY_LIMIT_MB = 200


def _rss_mb() -> float:
    """Peak RSS of this process in MiB: VmHWM (ru_maxrss would include the parent's peak, as Linux keeps
    it across the fork + exec that started this child)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _rss_now_mb() -> tuple[float, float]:
    """(current RSS, peak RSS so far) in MiB, from /proc/self/status."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def child(n: int, traced: bool) -> dict:
    """Runs in the child process: one initial sync of ``n`` contacts plus the echo sync."""
    from syncore import Kind

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "state.db")
        engine, _pim, _crm = memory_world(n, state_path=path, real_ids=True)
        out: dict = {"n": n, "rss_populated_mb": _rss_mb()}
        if traced:
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
        phases = {}
        with cpu_timer() as t:
            for label in ("initial", "echo"):
                plan = engine.plan(Kind.CONTACT)
                phases[f"{label} plan"] = _rss_now_mb()
                engine.apply(plan, recheck=False)
                del plan
                phases[f"{label} apply"] = _rss_now_mb()
        out["sync_cpu"] = t["cpu"]
        out["rss_by_phase_mb"] = phases
        if traced:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out["heap_peak_above_backends_mb"] = (peak - base) / 2**20
            out["heap_kept_above_backends_mb"] = (current - base) / 2**20
            return out
        out["rss_peak_mb"] = _rss_mb()
        db = engine.state._db
        pairs = db.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        assert pairs == n, (pairs, n)
        out["pairs"] = pairs
        out["file_bytes"] = os.path.getsize(path)
        out["btree_bytes"] = dict(db.execute(
            "SELECT name, SUM(pgsize) FROM dbstat WHERE name IN ('pairs', 'pairs_pim', 'pairs_crm') GROUP BY name"
        ).fetchall())
        out["payload_bytes"] = dict(zip(
            ["ids", "versions", "base", "pair_id"],
            db.execute("SELECT SUM(LENGTH(pim_id) + LENGTH(crm_id)), SUM(LENGTH(pim_version) + "
                       "LENGTH(crm_version)), SUM(LENGTH(base)), SUM(LENGTH(pair_id)) FROM pairs").fetchone(),
            strict=True,
        ))
        out["sample_base"] = db.execute("SELECT base FROM pairs LIMIT 1").fetchone()[0].decode()
        out["sample_ids"] = [repr(v) for v in db.execute(
            "SELECT pair_id, pim_id, crm_id, pim_version, crm_version FROM pairs LIMIT 1").fetchone()]
        out["sample_pair"] = next(engine.state.iter_pairs("default", Kind.CONTACT)).pim_id
        out["id_prefixes"] = db.execute("SELECT col, prefix FROM id_prefixes").fetchall()
        engine.state.close()
        import sqlite3

        con = sqlite3.connect(path)
        con.execute("VACUUM")
        con.close()
        out["file_bytes_vacuumed"] = os.path.getsize(path)
    return out


def _spawn(n: int, traced: bool) -> dict:
    args = [sys.executable, "-m", "bench.state_size", str(n)] + (["--traced"] if traced else [])
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(cfg: Config) -> Section:
    sizes = [5_000] if cfg.quick else [10_000, 100_000]
    section = Section(name=NAME, title=TITLE)
    rows, mem_rows, results = [], [], []
    for n in sizes:
        m = _spawn(n, traced=False)
        m.update({k: v for k, v in _spawn(n, traced=True).items() if k.startswith("heap")})
        results.append(m)
        btree = sum(m["btree_bytes"].values())
        rows.append([f"{n:,}", f"{m['file_bytes'] / n:.0f} B", f"{m['file_bytes_vacuumed'] / n:.0f} B",
                     f"{btree / n:.0f} B", f"{m['btree_bytes'].get('pairs', 0) / n:.0f} B",
                     f"{m['payload_bytes']['base'] / n:.0f} B", f"{m['payload_bytes']['pair_id'] / n:.0f} B",
                     fmt_s(m["sync_cpu"])])
        mem_rows.append([f"{n:,}", f"{m['rss_peak_mb']:.0f} MB", f"{m['rss_populated_mb']:.0f} MB",
                         f"{m['rss_peak_mb'] - m['rss_populated_mb']:.0f} MB",
                         f"{m['heap_peak_above_backends_mb']:.0f} MB",
                         f"{m['heap_kept_above_backends_mb']:.0f} MB"])
    section.tables.append(Table(
        "State size per pair (contacts)",
        ["pairs", "file / pair", "file / pair after VACUUM", "pairs table + indexes / pair",
         "pairs table / pair", "base JSON / pair", "pair_id / pair", "initial + echo sync CPU"], rows))
    phase_rows = []
    for m in results:
        phase_rows.append([f"{m['n']:,}"] + [f"{now:.0f} / {peak:.0f} MB"
                                             for now, peak in m["rss_by_phase_mb"].values()])
    section.tables.append(Table(
        "RSS after each step, current / peak so far (the backends hold N records before the first step)",
        ["pairs", *results[0]["rss_by_phase_mb"]], phase_rows))
    section.tables.append(Table(
        "Peak memory (initial + echo sync)",
        ["pairs", "peak RSS (process)", "RSS with backends populated", "RSS added by the sync",
         "tracemalloc peak above backends", "heap kept after sync"], mem_rows))
    full = sizes[-1] == 100_000
    label = "100k" if full else f"{sizes[-1]:,} (quick)"
    big = results[-1]
    per_pair = big["file_bytes"] / big["n"]
    section.targets.append(Target(f"state bytes per pair at {label}, whole state file", f"≤ {BYTES_LIMIT} B",
                                  f"{per_pair:.0f} B", per_pair <= BYTES_LIMIT if full else None))
    section.targets.append(Target(f"peak memory at {label} pairs, process peak RSS with both backends",
                                  f"≤ {MEMORY_LIMIT_MB} MB", f"{big['rss_peak_mb']:.0f} MB",
                                  big["rss_peak_mb"] <= MEMORY_LIMIT_MB if full else None))
    section.targets.append(Target(
        f"T5 state bytes per pair at {label}, real-format ids, whole state file", f"≤ {T5_BYTES_LIMIT} B",
        f"{per_pair:.0f} B", per_pair <= T5_BYTES_LIMIT if full else None, key="T5"))
    section.targets.append(Target(
        f"T6 peak RSS at {label} pairs (whole process: the core and both in-memory backends)",
        f"≤ {T6_MEMORY_LIMIT_MB} MB", f"{big['rss_peak_mb']:.0f} MB",
        big["rss_peak_mb"] <= T6_MEMORY_LIMIT_MB if full else None, key="T6"))
    section.notes.append(f"Sample base record: `{big['sample_base']}`; ids/versions: `{big['sample_ids']}`.")
    section.notes.append(
        "Peak RSS counts the whole process: the two MemoryAdapters holding N records each, plus the plan "
        "(one operation per record on an initial load). The tracemalloc figure is the Python heap the sync "
        "itself allocated above the populated backends (it includes the N records created in the CRM backend)."
    )
    section.data = {"results": results}
    return section


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), "--traced" in sys.argv[2:])))
