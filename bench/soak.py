"""Soak: run the state machines for many examples from one command and report examples run and failures.

* ``core``: the engine's own Hypothesis state machine (tests/engine/test_state_machine.py::SyncMachine, loaded
  by path): two MemoryAdapters, random edits on both sides, random faults and crashes, invariants after every
  clean sync. Default 10,000 examples (``--soak N`` to change; ``--quick`` runs 100).
* ``e2e``: a smaller machine over the Salesforce emulator (bench/_e2e_machine.py): a PIM MemoryAdapter against
  the real SalesforceAdapter, random edits on both sides (Salesforce edits through the emulator as another
  user), random injected emulator faults. Default 1,000 examples (N/10 with ``--soak N``; 20 with --quick).

Examples run in chunks (fresh random seeds, no example database); a failing chunk is shrunk by Hypothesis and
its minimal failing example is reported, then the soak goes on with the next chunk. ``--jobs N`` runs chunks
in N processes.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor

from ._common import ROOT, Config, Section, Table, Target, adapter_available

NAME = "soak"
TITLE = "Soak: state machines, many examples"
CORE_DEFAULT = 10_000
E2E_DEFAULT = 1_000
CHUNK = 250


def _load_core_machine() -> type:
    path = ROOT / "tests" / "engine" / "test_state_machine.py"
    # its rules live in modules beside it (state_machine_review, engine_world, ...), imported as pytest's rootdir
    # insertion makes them importable there
    for folder in (path.parent, path.parent.parent):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("_bench_core_state_machine", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.SyncMachine


def _load_e2e_machine() -> type:
    from ._e2e_machine import E2EMachine

    return E2EMachine


def run_chunk(which: str, examples: int, steps: int | None) -> dict:
    """Runs in a worker: ``examples`` examples of one machine; returns counts and any failure."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    base = _load_core_machine() if which == "core" else _load_e2e_machine()
    stats = sys.modules[base.__module__].__dict__.get("STATS")
    count = {"machines": 0}

    class Counted(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            count["machines"] += 1
            super().__init__()

    Counted.__name__ = base.__name__
    options = {"max_examples": examples, "deadline": None, "database": None, "derandomize": False,
               "suppress_health_check": list(HealthCheck), "print_blob": True}
    if steps:
        options["stateful_step_count"] = steps
    started = time.process_time()
    failure = None
    try:
        run_state_machine_as_test(Counted, settings=settings(**options))
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, BaseExceptionGroup):  # Hypothesis found several distinct failures
            error += "".join(f"\n- {type(e).__name__}: {e}" for e in exc.exceptions)
        where = [f"{frame.filename}:{frame.lineno}" for frame in traceback.extract_tb(exc.__traceback__)
                 if "/src/" in frame.filename or "/tests/" in frame.filename or "/bench/" in frame.filename]
        failure = (f"{error[:1500]}\nraised at: {' <- '.join(reversed(where[-4:]))}\n\n"
                   + "".join(traceback.format_exception(exc))[-3000:])
    return {"machines": count["machines"], "failure": failure, "cpu": time.process_time() - started,
            "stats": dict(stats or {})}


def soak(which: str, total: int, jobs: int, steps: int | None = None) -> dict:
    chunks = [CHUNK] * (total // CHUNK) + ([total % CHUNK] if total % CHUNK else [])
    results = []
    started = time.perf_counter()
    if jobs <= 1:
        results = [run_chunk(which, n, steps) for n in chunks]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(run_chunk, [which] * len(chunks), chunks, [steps] * len(chunks)))
    failures = [r["failure"] for r in results if r["failure"]]
    stats: dict[str, int] = {}
    for r in results:
        for key, value in r["stats"].items():
            stats[key] = stats.get(key, 0) + value
    return {
        "requested": total, "chunks": len(chunks), "machines_run": sum(r["machines"] for r in results),
        "failed_chunks": len(failures), "failures": failures, "cpu": sum(r["cpu"] for r in results),
        "wall": time.perf_counter() - started, "stats": stats,
    }


def run(cfg: Config) -> Section:
    section = Section(name=NAME, title=TITLE)
    core_n = cfg.soak if cfg.soak is not None else (100 if cfg.quick else CORE_DEFAULT)
    e2e_n = max(10, core_n // 10) if cfg.soak is not None else (20 if cfg.quick else E2E_DEFAULT)
    rows = []
    core = soak("core", core_n, cfg.jobs)
    rows.append(["core (MemoryAdapter ⇄ MemoryAdapter)", f"{core['requested']:,}", f"{core['machines_run']:,}",
                 core["failed_chunks"], f"{core['cpu']:.0f} s", f"{core['wall']:.0f} s"])
    section.targets.append(Target(f"core state machine: {core_n:,} examples, no failure", "0 failures",
                                  f"{core['machines_run']:,} run, {core['failed_chunks']} failing chunk(s)",
                                  core["failed_chunks"] == 0))
    reason = adapter_available("syncore_salesforce", ("SalesforceAdapter",)) or adapter_available(
        "syncore_salesforce.emulator", ("SalesforceEmulator",))
    e2e = None
    if reason is None:
        try:
            e2e = soak("e2e", e2e_n, cfg.jobs)
        except Exception as exc:  # noqa: BLE001
            reason = f"e2e machine could not start: {type(exc).__name__}: {exc}"
    if e2e is not None:
        rows.append(["e2e (MemoryAdapter ⇄ SalesforceAdapter over the emulator, faults)", f"{e2e['requested']:,}",
                     f"{e2e['machines_run']:,}", e2e["failed_chunks"], f"{e2e['cpu']:.0f} s", f"{e2e['wall']:.0f} s"])
        if e2e["stats"]:
            section.notes.append("e2e rules exercised: " + ", ".join(f"{k} {v:,}" for k, v in
                                                                     sorted(e2e["stats"].items())))
        section.targets.append(Target(f"end-to-end state machine over the emulator: {e2e_n:,} examples",
                                      "0 failures",
                                      f"{e2e['machines_run']:,} run, {e2e['failed_chunks']} failing chunk(s)",
                                      e2e["failed_chunks"] == 0))
    else:
        rows.append(["e2e (MemoryAdapter ⇄ SalesforceAdapter over the emulator)", f"{e2e_n:,}", "not run", "-",
                     "-", reason])
        section.targets.append(Target("end-to-end state machine over the emulator", "0 failures",
                                      f"not run: {reason}", None))
    section.tables.append(Table(
        f"Examples (chunks of {CHUNK}, jobs = {cfg.jobs})",
        ["machine", "requested", "machines run", "failing chunks", "CPU", "wall"], rows))
    section.notes.append(
        "\"machines run\" counts every machine Hypothesis built; after a failure it includes the shrinking "
        "runs, so it can exceed the request."
    )
    for label, res in (("core", core), ("e2e", e2e)):
        for i, failure in enumerate((res or {}).get("failures", [])[:3]):
            section.notes.append(f"{label} failure {i + 1}:\n\n```\n{failure.strip()}\n```")
    section.data = {"core": core, "e2e": e2e, "e2e_reason": reason}
    return section
