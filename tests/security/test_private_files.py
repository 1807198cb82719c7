"""Plans hold both sides' record contents: owner-only files (0600) in owner-only folders (0700)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncore import Kind
from syncore._files import make_private_dirs
from syncore.plan import Plan
from syncore.testing import DemoFileAdapter

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")

CONFIG = """
[adapters.pim]
type = "demo_file"
options = { path = "outlook.json", side = "pim", seed = true }
[adapters.crm]
type = "demo_file"
options = { path = "salesforce.json", side = "crm", seed = true }
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def syncore(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SYNCORE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "syncore", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env, check=False)


def test_plan_save_is_owner_only_and_narrows_an_existing_file(tmp_path):
    plan = Plan(plan_id="p1", profile="default", kind=Kind.EVENT, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    target = tmp_path / "plans" / "2026" / "plan.json"
    plan.save(target)
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700 and _mode(target.parent.parent) == 0o700
    loose = tmp_path / "loose.json"
    loose.write_text("{}", encoding="utf-8")
    loose.chmod(0o644)
    plan.save(loose)
    assert _mode(loose) == 0o600 and Plan.load(loose).plan_id == "p1"


def test_existing_folders_are_left_as_they_are(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    make_private_dirs(shared / "mine")
    assert _mode(shared) == 0o755 and _mode(shared / "mine") == 0o700


def test_cli_plan_files_and_held_review_plans_are_owner_only(tmp_path):
    (tmp_path / "syncore.toml").write_text(CONFIG, encoding="utf-8")
    planned = syncore("plan", "event", "-o", "plans/event.json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert _mode(tmp_path / "plans" / "event.json") == 0o600 and _mode(tmp_path / "plans") == 0o700
    assert syncore("sync", "event", cwd=tmp_path).returncode == 0
    outlook = DemoFileAdapter(path=str(tmp_path / "outlook.json"), side="pim")
    for native_id in list(outlook.records(Kind.EVENT)):
        outlook.remove(native_id)
    held = syncore("sync", "event", cwd=tmp_path)
    assert held.returncode == 3, held.stdout + held.stderr
    (saved,) = (tmp_path / "review").glob("*.json")
    assert _mode(saved) == 0o600 and _mode(saved.parent) == 0o700
    assert _mode(tmp_path / "syncore-state.db") == 0o600
