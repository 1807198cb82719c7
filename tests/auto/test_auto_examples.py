"""The examples run, non-interactively, on the demo's sample data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("script,args", [
    ("manual_sync.py", ["--yes"]),
    ("custom_scheduler.py", ["--once"]),
    ("embed_apscheduler.py", ["--seconds", "0.3"]),
    ("desktop_notifications.py", ["--once", "--print"]),
])
def test_example_runs(script, args, tmp_path):
    if script == "embed_apscheduler.py":
        pytest.importorskip("apscheduler")
    result = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
