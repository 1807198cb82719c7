"""No credential in any output (issue 11 item 6): every adapter, every sign-in flow, the root logger at DEBUG.

``secrets_run.py`` runs in a child process with only ``logging.basicConfig(level=logging.DEBUG)``, so every
logger of every dependency (requests_oauthlib, oauthlib, urllib3, requests, exchangelib, simple_salesforce ...)
writes to its stderr, tracebacks included. The test searches that output and every file the run wrote
(state files, plan files) for each password, security token, client secret, access and refresh token, private
key and Basic ``Authorization`` value.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def test_no_secret_in_any_output_or_file_with_every_logger_at_debug(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    secrets_file = tmp_path / "secrets.json"
    # the EWS emulator speaks plain HTTP on 127.0.0.1, which oauthlib refuses for bearer tokens unless told
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OAUTHLIB_INSECURE_TRANSPORT": "1"}
    run = subprocess.run([sys.executable, str(HERE / "secrets_run.py"), str(out), str(secrets_file)],
                         capture_output=True, text=True, timeout=300, env=env, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(secrets_file.read_text(encoding="utf-8"))
    secrets = [s for values in found.values() for s in values]
    assert len(found["salesforce"]) >= 10 and len(found["exchange"]) == 4  # issued session ids included
    assert len(found["graph"]) >= 6  # the secrets, and every access and refresh token the emulator issued
    secrets += [base64.b64encode(f"owner@example.com:{p}".encode()).decode() for p in found["exchange"][:2]]

    output = run.stdout + run.stderr
    assert "DEBUG:urllib3" in output and "DEBUG:exchangelib" in output, "the dependencies did log at DEBUG"
    assert "DEBUG:msal" in output and "DEBUG:httpcore" in output, "msal and httpx's transport logged at DEBUG"
    assert "Traceback" in output, "the failures' tracebacks are part of what is searched"
    leaks = [secret for secret in secrets if secret in output]
    assert not leaks, _context(output, leaks)
    files = [path for path in out.rglob("*") if path.is_file()]
    assert any(path.suffix == ".db" for path in files) and any(path.suffix == ".json" for path in files)
    for path in files:
        data = path.read_bytes()
        assert not [s for s in secrets if s.encode() in data], path


def _context(text: str, leaks: list[str]) -> str:
    lines = [line for line in text.splitlines() if any(secret in line for secret in leaks)]
    return f"{len(lines)} lines leak {len(leaks)} secrets, e.g.:\n" + "\n".join(line[:300] for line in lines[:8])
