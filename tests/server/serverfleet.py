"""A real fleet for the server tests: Celery worker and beat processes, the Salesforce emulator, file PIM sides.

The CRM side of every profile is the real SalesforceAdapter talking HTTPS to the Salesforce emulator (one org,
one user per profile, so ``Sforce-Limit-Info`` and the org budget are real). The PIM side is a
``DemoFileAdapter`` (MemoryAdapter saved to a JSON file per profile): the EWS emulator would need a mailbox per
profile and exchangelib's per-account protocol setup, which is too slow for 200 profiles in the suite; the
Exchange side of the server (the mailbox cap) does not depend on the adapter type.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from syncore import Contact, Kind
from syncore.demo import DemoFileAdapter
from syncore.testing import MemoryAdapter

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Fleet:
    """Worker and beat processes sharing one environment (database, broker, secrets)."""

    def __init__(self, tmp: Path, *, dsn: str, broker_url: str, schema: str, extra_env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ, "PYTHONUNBUFFERED": "1",
            "SYNCORE_DATABASE_URL": dsn, "SYNCORE_BROKER_URL": broker_url, "SYNCORE_DB_SCHEMA": schema,
            "SYNCORE_DISPATCH_EVERY": "1", "SYNCORE_JITTER": "1", "SYNCORE_TIME_LIMIT": "120",
            "SYNCORE_SOFT_TIME_LIMIT": "100", "SYNCORE_VISIBILITY_TIMEOUT": "300", "SYNCORE_MAX_COUNTDOWN": "3",
            **extra_env,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "syncore", "server", *args], env=self.env, cwd=self.tmp,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def worker(self, name: str, *, beat: bool = False) -> subprocess.Popen[bytes]:
        """A worker with one process; ``beat``: it also runs the dispatcher's beat (one process fewer)."""
        extra = ["--beat", "--schedule-file", str(self.tmp / "beat-schedule")] if beat else []
        return self._start(name, ["worker", "--concurrency", "1", "--name", f"{name}@%h", *extra])

    def beat(self) -> subprocess.Popen[bytes]:
        return self._start("beat", ["beat", "--schedule-file", str(self.tmp / "beat-schedule")])

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            assert name  # every process is waited for


def seed_pim(path: Path, contacts: list[Contact]) -> None:
    """Add ``contacts`` to a PIM file as its user would, saving the file once (not after each)."""
    side = DemoFileAdapter(path=str(path), side="pim")
    for contact in contacts:
        MemoryAdapter.put(side, contact)
    side._save()


def pim_contacts(path: Path) -> dict[str, Contact]:
    return DemoFileAdapter(path=str(path), side="pim").records(Kind.CONTACT)  # type: ignore[return-value]


def profile_overrides(*, pim_path: Path, token_variable: str) -> dict[str, Any]:
    return {"adapters": {
        "pim": {"type": "demo_file", "options": {"path": str(pim_path), "side": "pim"}},
        "crm": {"credentials": {"session_id": f"env:{token_variable}"}},
    }}


def server_defaults(instance_url: str, *, max_api_share: float = 1.0) -> dict[str, Any]:
    return {
        "auto_sync": {"enabled": True, "timezone": "UTC", "frequency": {"contact": "1d"}},
        "jobs": {"event": {"enabled": False}, "task": {"enabled": False}},
        "adapters": {"crm": {"type": "salesforce",
                             "options": {"instance_url": instance_url, "max_api_share": max_api_share}}},
    }


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
