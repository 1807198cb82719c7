"""Server mode: profiles synced per minute per worker, memory per worker, PostgreSQL vs SQLite per-item cost.

* **Throughput.** N profiles (one contact kind each: a PIM file side with a few contacts, the real
  SalesforceAdapter over HTTPS to the Salesforce emulator, one org) on W worker processes with the dispatcher's
  beat, against a PostgreSQL and a Redis started on loopback. Profiles per minute per worker = N / (span of the
  task runs in minutes) / W, from the ``task_runs`` table (wall clock: the workers are separate processes).
* **Memory.** Peak RSS (VmHWM) of each worker's pool process after the run, read from /proc.
* **Store cost.** The initial sync and a one-edit sync of N contacts between two MemoryAdapters into a
  SqliteStateStore file and into a PostgresStateStore: CPU of this process and wall time per item (PostgreSQL's
  own work runs in its server process, so wall time is the fair comparison there).

Needs the PostgreSQL and Redis binaries (``apt-get install postgresql redis-server``); otherwise "not run".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import ROOT, Config, Section, Table, Target, contact, cpu_timer, fmt_s

NAME = "server"
TITLE = "Server mode: fleet throughput, worker memory, PostgreSQL vs SQLite store"


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def fleet(n_profiles: int, workers: int, pg_dsn: str, redis_url: str, tmp: Path) -> dict:
    """Sync ``n_profiles`` on ``workers`` single-process workers; returns the span, rates and memory."""
    from datetime import timedelta

    import psycopg

    from syncore.demo import DemoFileAdapter
    from syncore.testing import MemoryAdapter
    from syncore_salesforce.emulator import SalesforceEmulator
    from syncore_server.admin import add_profile, set_defaults
    from syncore_server.db import ServerDB
    from syncore_server.profiles import Secrets

    schema = f"bench_{os.getpid()}_{n_profiles}"
    processes: list[subprocess.Popen[bytes]] = []
    with SalesforceEmulator(tls=True, daily_api_limit=1_000_000) as emulator:
        db = ServerDB(pg_dsn, schema=schema)
        env = {**os.environ, "SYNCORE_DATABASE_URL": pg_dsn, "SYNCORE_BROKER_URL": redis_url,
               "SYNCORE_DB_SCHEMA": schema, "SYNCORE_DISPATCH_EVERY": "1", "SYNCORE_JITTER": "1",
               "REQUESTS_CA_BUNDLE": str(emulator.ca_cert_path)}
        try:
            set_defaults(db, {
                "auto_sync": {"enabled": True, "timezone": "UTC", "frequency": {"contact": "1d"}},
                "jobs": {"event": {"enabled": False}, "task": {"enabled": False}},
                "adapters": {"crm": {"type": "salesforce", "options": {"instance_url": emulator.instance_url}}},
            }, Secrets())
            for i in range(n_profiles):
                name = f"p{i:05d}"
                user = emulator.add_user(f"{name}@example.com", "pw", "tok")
                variable = f"BENCH_SF_TOKEN_{i}"
                env[variable] = os.environ[variable] = emulator.issue_token(user.username)
                side = DemoFileAdapter(path=str(tmp / f"{name}.json"), side="pim")
                for k in range(3):
                    MemoryAdapter.put(side, contact(i * 10 + k))
                side._save()
                add_profile(db, name, {"adapters": {
                    "pim": {"type": "demo_file", "options": {"path": str(tmp / f"{name}.json")}},
                    "crm": {"credentials": {"session_id": f"env:{variable}"}}}}, Secrets(), org="bench",
                    spread=timedelta(0))
            for w in range(workers):
                extra = ["--beat", "--schedule-file", str(tmp / "beat")] if w == 0 else []
                log = open(tmp / f"w{w}.log", "wb")  # noqa: SIM115 - closed with the process
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "syncore", "server", "worker", "--concurrency", "1", "--name",
                     f"bench{w}@%h", "--loglevel", "WARNING", *extra], env=env, cwd=tmp, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True))
            deadline = time.monotonic() + 60 + n_profiles * 2
            while time.monotonic() < deadline:
                done = sum(1 for r in db.runs() if r["outcome"] == "ok")
                if done >= n_profiles:
                    break
                time.sleep(1)
            runs = [r for r in db.runs() if r["outcome"] == "ok"]
            memory = {pid: _vm_hwm_mb(pid) for pid in {r["pid"] for r in runs}}
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            db.close()
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        calls = emulator.api_usage()[0]
    if not runs:
        raise RuntimeError("no profile was synced (see the worker logs)")
    span = (max(r["finished_at"] for r in runs) - min(r["started_at"] for r in runs)).total_seconds()
    busy = sum((r["finished_at"] - r["started_at"]).total_seconds() for r in runs)
    return {"synced": len(runs), "span_s": span, "per_min_per_worker": len(runs) / (span / 60) / workers,
            "locked_s_median": sorted((r["finished_at"] - r["started_at"]).total_seconds() for r in runs)[len(runs) // 2],
            "busy_share": busy / (span * workers), "memory_mb": {pid: m for pid, m in memory.items() if m},
            "api_calls": calls}


def store_cost(n: int, pg_dsn: str, tmp: Path) -> list[dict]:
    """Initial and one-edit syncs of ``n`` contacts into each store: CPU and wall per item."""
    import psycopg

    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.state.postgres import PostgresStateStore
    from syncore.testing import MemoryAdapter

    results = []
    for name in ("sqlite", "postgres"):
        schema = f"bench_store_{os.getpid()}"
        store = (SqliteStateStore(tmp / "state.db") if name == "sqlite"
                 else PostgresStateStore(pg_dsn, schema=schema))
        try:
            pim, crm = MemoryAdapter(name="pim"), MemoryAdapter(name="crm", formatted_bodies=False)
            for i in range(n):
                pim.put(contact(i))
            engine = SyncEngine(pim=pim, crm=crm, state=store, settings=SyncSettings(max_delete_ratio=1.0))
            with cpu_timer() as initial:
                engine.sync(Kind.CONTACT)
            engine.sync(Kind.CONTACT)  # the echo sync
            first = next(iter(pim.records(Kind.CONTACT)))
            pim.edit(first, title="CFO")
            with cpu_timer() as edit:
                engine.sync(Kind.CONTACT)
            results.append({"store": name, "n": n, "initial_cpu": initial["cpu"], "initial_wall": initial["wall"],
                            "edit_cpu": edit["cpu"], "edit_wall": edit["wall"]})
        finally:
            store.close()
            if name == "postgres":
                with psycopg.connect(pg_dsn, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return results


def run(cfg: Config) -> Section:
    sys.path.insert(0, str(ROOT / "src" / "adapters"))
    from syncore_server.services import LocalPostgres, LocalRedis, ServiceUnavailable

    section = Section(name=NAME, title=TITLE)
    n_profiles, workers = (60, 2) if cfg.quick else (400, 2)
    n_items = 2_000 if cfg.quick else 20_000
    try:
        postgres, redis = LocalPostgres().start(), LocalRedis().start()
    except ServiceUnavailable as exc:
        section.status, section.reason = "not run", str(exc)
        return section
    try:
        with tempfile.TemporaryDirectory(prefix="syncore-bench-server-") as tmp:
            pg_dsn = postgres.create_database("bench")
            result = fleet(n_profiles, workers, pg_dsn, redis.url, Path(tmp))
            costs = store_cost(n_items, pg_dsn, Path(tmp))
    finally:
        redis.stop()
        postgres.stop()
    section.data = {"fleet": {k: v for k, v in result.items() if k != "memory_mb"}, "store": costs,
                    "memory_mb": list(result["memory_mb"].values())}
    section.tables.append(Table(
        f"{result['synced']} profiles (1 kind, 3 contacts each) on {workers} worker processes",
        ["profiles/min/worker", "span", "median locked run", "workers busy", "Salesforce calls", "peak RSS/worker"],
        [[f"{result['per_min_per_worker']:.0f}", fmt_s(result["span_s"]), fmt_s(result["locked_s_median"]),
          f"{result['busy_share']:.0%}", result["api_calls"],
          ", ".join(f"{m:.0f} MB" for m in result["memory_mb"].values())]]))
    section.tables.append(Table(
        f"State store cost per item ({n_items:,} contacts, MemoryAdapter sides)",
        ["store", "initial sync CPU/item", "initial sync wall/item", "one-edit sync CPU", "one-edit sync wall"],
        [[c["store"], fmt_s(c["initial_cpu"] / n_items), fmt_s(c["initial_wall"] / n_items), fmt_s(c["edit_cpu"]),
          fmt_s(c["edit_wall"])] for c in costs]))
    section.targets.append(Target("profiles synced per minute per worker", "none set (reported)",
                                  f"{result['per_min_per_worker']:.0f}", None))
    section.notes.append(
        "The fleet runs on the same 2 cores as PostgreSQL, Redis, the emulator (in this process) and the bench; "
        "the rate is a floor for a dedicated worker machine. Each profile's first sync (3 creates) costs 4 "
        "Salesforce calls: describe, the running user, the feed query and one collections create.")
    return section
