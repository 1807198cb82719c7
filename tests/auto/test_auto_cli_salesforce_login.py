"""Salesforce sign-in failures seen from the command line (issue 11 item 7, issue 19).

The login host is made unreachable the way a user meets it - nothing answers on the path to
``login.salesforce.com`` - by pointing ``HTTPS_PROXY`` at a closed local port: requests (``trust_env``) then
fails to connect before anything is sent, offline and deterministically.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from syncore import Kind, SqliteStateStore

PASSWORD = "Cli-Passw0rd-never-printed"
TOKEN = "CLITOKEN0123456789"

CONFIG = """
[auto_sync]
enabled = true
timezone = "UTC"
[adapters.pim]
type = "demo_file"
options = { path = "outlook.json", side = "pim", seed = true }
[adapters.crm]
type = "salesforce"
options = { username = "someone@example.com" }
credentials = { password = "env:TEST_SF_PASSWORD", security_token = "env:TEST_SF_TOKEN" }
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "syncore.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def syncore(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key.lower() not in ("no_proxy", "syncore_config")}
    env.update({"PYTHONUNBUFFERED": "1", "TEST_SF_PASSWORD": PASSWORD, "TEST_SF_TOKEN": TOKEN,
                "HTTPS_PROXY": f"http://127.0.0.1:{_closed_port()}"})
    return subprocess.run([sys.executable, "-m", "syncore", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env, check=False)


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert PASSWORD not in output and TOKEN not in output


def test_an_unreachable_salesforce_login_is_a_backend_failure_naming_side_and_host(workdir):
    result = syncore("sync", "event", cwd=workdir)
    assert result.returncode == 5, result.stdout + result.stderr  # a backend failed, not "bad arguments" (2)
    assert "Salesforce login" in result.stderr and "login.salesforce.com" in result.stderr
    assert "cannot connect" in result.stderr
    _assert_clean(result)


def test_auto_sync_records_the_failed_login_and_backs_off(workdir):
    first = syncore("run-due", cwd=workdir)
    assert first.returncode == 5, first.stdout + first.stderr
    assert "event: failed" in first.stdout and "login.salesforce.com" in first.stdout
    _assert_clean(first)
    store = SqliteStateStore(workdir / "syncore-state.db")
    entries = store.history("default")
    assert {entry.kind for entry in entries} == set(Kind) and not any(entry.ok for entry in entries)
    second = syncore("run-due", cwd=workdir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(store.history("default")) == 3, "backed off: not tried again at once"
