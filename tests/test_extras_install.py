"""Each adapter's extra alone is enough for its adapter and its emulator (or fake): a real install from this
checkout into a fresh virtual environment, then the imports and a start of the emulator.

Slow by nature (one install per extra, about 15 s each with pip's cache warm); pip's ordinary cache is reused.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: extra -> a script run in the fresh environment: it must import and exercise the emulator/fake.
CHECKS = {
    "salesforce": """
import syncore_salesforce
from syncore_salesforce.emulator import SalesforceEmulator
with SalesforceEmulator(tls=True) as emu:   # TLS needs cryptography: declared by the extra
    assert emu.client().query("SELECT Id FROM Contact")["totalSize"] == 0
""",
    "exchange": """
import syncore_exchange
from syncore_exchange.emulator import EwsEmulator
with EwsEmulator() as emu:
    assert emu.url.startswith("http://127.0.0.1:")
""",
    "graph": """
import importlib.util
from syncore.models import Kind
from syncore_graph import GraphAdapter
from syncore_graph.emulator import GraphEmulator
assert importlib.util.find_spec("exchangelib") is None, "the graph extra must not need exchangelib"
with GraphEmulator() as emu:   # HTTPS (cryptography) and msal's sign-in, both declared by the extra
    assert GraphAdapter.for_emulator(emu).full_scan(Kind.CONTACT).complete
""",
    "server": """
import syncore_server.tasks, syncore_server.runtime      # Celery, the Redis transport, psycopg, psycopg_pool
from syncore.state.postgres import PostgresStateStore
import kombu.transport.redis, redis
""",
    "outlook": """
import importlib.util
import syncore_outlook
from syncore_outlook.fake import FakeOutlook
assert importlib.util.find_spec("exchangelib") is None, "the outlook extra must not need exchangelib"
fake = FakeOutlook(local_zone="Europe/Berlin")
assert fake.application.TimeZones.CurrentTimeZone.ID == "W. Europe Standard Time"
""",
}


@pytest.mark.parametrize("extra", sorted(CHECKS))
def test_extra_alone_installs_its_emulator(extra, tmp_path):
    env_dir = tmp_path / f"venv-{extra}"
    # No pip inside: the running interpreter's pip installs into it (pip --python), which saves ensurepip.
    venv.create(env_dir, with_pip=False)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", f"{ROOT}[{extra}]"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run(
        [str(python), "-c", CHECKS[extra]], capture_output=True, text=True, timeout=120, check=False
    )
    assert check.returncode == 0, check.stderr[-3000:]
