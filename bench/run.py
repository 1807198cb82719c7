"""Run the benchmarks and write bench/results/report.md and report.json (the Markdown is also printed).

    python -m bench.run                  # everything (full sizes; the core soak runs 10,000 examples)
    python -m bench.run --quick          # smaller N, a smoke check (< 2 minutes)
    python -m bench.run --only no_change --only state_size
    python -m bench.run --only soak --soak 2000 --jobs 2

See bench/README.md for what each benchmark measures and its target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

import attrs

from bench import (
    api_calls_ews,
    api_calls_salesforce,
    e2e,
    no_change,
    series_calls,
    series_ews,
    series_graph,
    server,
    soak,
    state_size,
    throughput,
    vs_vdirsyncer,
)
from bench._common import ROOT, Config, Section, error_section

BENCHMARKS = {
    m.NAME: m
    for m in (e2e, api_calls_salesforce, api_calls_ews, series_ews, series_graph, no_change, series_calls, vs_vdirsyncer,
              state_size, throughput, soak, server)
}
RESULTS = ROOT / "bench" / "results"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(sections: list[Section], meta: dict) -> str:
    out = ["# syncore benchmark report", ""]
    out.append(f"- command: `{meta['command']}`")
    out.append(f"- started: {meta['started']} UTC; wall {meta['wall_s']:.0f} s; CPU {meta['cpu_s']:.0f} s")
    out.append(f"- Python {meta['python']} on {meta['machine']} ({meta['cpus']} CPUs); git {meta['git']}")
    out.append(f"- mode: {'quick' if meta['quick'] else 'full'}")
    out.append("")
    out.append("Times are CPU seconds of the benchmark process (`time.process_time`), not wall-clock: the machine "
               "is shared. Ratios compare runs made in the same process, interleaved.")
    numbered = issue_targets(sections)
    if numbered:
        out += ["", "## Issue 18 targets", "", "| target | goal | measured | verdict |", "|---|---|---|---|"]
        for t in numbered:
            verdict = "not run" if t["pass"] is None else "PASS" if t["pass"] else "MISS"
            out.append(f"| {_cell(t['name'])} | {_cell(t['goal'])} | {_cell(t['measured'])} | **{verdict}** |")
    out += ["", "## Targets", "", "| benchmark | target | limit | measured | verdict |", "|---|---|---|---|---|"]
    for s in sections:
        if not s.targets and s.status != "ok":
            out.append(f"| {s.name} | (whole benchmark) | | {s.status}: {_cell(s.reason)} | {s.status} |")
        for t in s.targets:
            out.append(f"| {s.name} | {_cell(t.name)} | {_cell(t.limit)} | {_cell(t.measured)} | **{t.verdict}** |")
    for s in sections:
        out += ["", f"## {s.title}", "", f"`{s.name}`: {s.status}"
                + (f": {s.reason}" if s.reason else "") + f" (CPU {s.cpu_seconds:.1f} s)"]
        for table in s.tables:
            out += ["", f"**{table.title}**", "", "| " + " | ".join(table.columns) + " |",
                    "|" + "---|" * len(table.columns)]
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
        for note in s.notes:
            out += ["", note]
    return "\n".join(out) + "\n"


def issue_targets(sections: list[Section]) -> list[dict]:
    """The issue's numbered targets (T1 …), in order: ``{name, measured, goal, pass}`` each (pass is None when
    the target could not be measured)."""
    found = [t for s in sections for t in s.targets if t.key]
    found.sort(key=lambda t: int(t.key[1:]))  # type: ignore[index]
    return [{"name": t.name, "measured": t.measured, "goal": t.limit, "pass": t.passed} for t in found]


def _git() -> str:
    head = ROOT / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (ROOT / ".git" / ref[5:]).read_text().strip()[:10]
        return ref[:10]
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke check in under 2 minutes")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--soak", type=int, metavar="N",
                        help="core state-machine examples (default 10,000; 100 with --quick); the e2e machine runs N/10")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the soak (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="report directory (default bench/results)")
    args = parser.parse_args(argv)
    cfg = Config(quick=args.quick, soak=args.soak, jobs=max(1, args.jobs))
    names = args.only or list(BENCHMARKS)
    started = datetime.now(UTC)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    sections: list[Section] = []
    for name in names:
        module = BENCHMARKS[name]
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            section = module.run(cfg)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            section = error_section(name, module.TITLE, exc)
        section.cpu_seconds = time.process_time() - c0
        print(f"[bench] {name}: {section.status} in {time.perf_counter() - w0:.0f} s wall", file=sys.stderr,
              flush=True)
        sections.append(section)
    meta = {
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "started": started.strftime("%Y-%m-%d %H:%M:%S"), "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0, "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "git": _git(), "quick": args.quick,
    }
    markdown = render(sections, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(markdown, encoding="utf-8")
    report = {"meta": meta, "targets": issue_targets(sections), "sections": [attrs.asdict(s) for s in sections]}
    (args.out / "report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(markdown)
    print(f"[bench] wrote {args.out / 'report.md'} and {args.out / 'report.json'}", file=sys.stderr)
    failed = [s.name for s in sections if s.status == "error"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
