"""The command line, run as a subprocess against file-backed sides seeded with the demo data."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncore import Kind, SqliteStateStore
from syncore.cli import EXIT_CODES
from syncore.locking import this_host
from syncore.progress import Progress
from syncore.results import EventType, SyncEvent
from syncore.state_types import LockHolder
from syncore.testing import DemoFileAdapter

CONFIG = """
[auto_sync]
enabled = true
timezone = "UTC"
[adapters.pim]
type = "demo_file"
options = { path = "outlook.json", side = "pim", seed = true }
[adapters.crm]
type = "demo_file"
options = { path = "salesforce.json", side = "crm", seed = true }
"""


def syncore(*args: str, cwd: Path, timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SYNCORE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "syncore", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False, input=stdin)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "syncore.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def side(workdir: Path, name: str) -> DemoFileAdapter:
    return DemoFileAdapter(path=str(workdir / f"{name}.json"), side="pim" if name == "outlook" else "crm")


def state(workdir: Path) -> SqliteStateStore:
    return SqliteStateStore(workdir / "syncore-state.db")


def test_help_documents_every_exit_code(tmp_path):
    result = syncore("--help", cwd=tmp_path)
    assert result.returncode == 0
    epilog = result.stdout.split("exit codes:")[1]
    for code in EXIT_CODES:
        assert f"  {code} " in epilog
    for command in ("plan", "apply", "sync", "run", "run-due", "history", "rebuild", "demo"):
        assert command in result.stdout


def test_a_missing_settings_file_is_a_usage_error(tmp_path):
    result = syncore("plan", cwd=tmp_path)
    assert result.returncode == 2
    assert "syncore.toml" in result.stderr


def test_a_bad_setting_names_the_key(tmp_path):
    (tmp_path / "bad.toml").write_text('[auto_sync]\nenabled = "yes"\n', encoding="utf-8")
    result = syncore("--config", "bad.toml", "plan", cwd=tmp_path)
    assert result.returncode == 2
    assert "auto_sync.enabled" in result.stderr and "'yes'" in result.stderr


def test_plan_then_apply_in_another_process(workdir):
    planned = syncore("plan", "event", "-o", "plan.json", cwd=workdir)
    assert planned.returncode == 0, planned.stderr
    assert (workdir / "plan.json").exists()
    crm_before = len(side(workdir, "salesforce").records(Kind.EVENT))
    assert syncore("plan", "event", cwd=workdir).returncode == 0
    assert len(side(workdir, "salesforce").records(Kind.EVENT)) == crm_before  # planning writes nothing
    applied = syncore("apply", "plan.json", cwd=workdir)
    assert applied.returncode == 0, applied.stderr
    assert len(side(workdir, "salesforce").records(Kind.EVENT)) > crm_before
    again = syncore("apply", "plan.json", cwd=workdir)
    assert again.returncode == 6  # a plan is single-use: stale once applied
    assert len(side(workdir, "salesforce").records(Kind.EVENT)) == len(side(workdir, "outlook").records(Kind.EVENT)) - 1


def test_apply_can_exclude_operations(workdir):
    syncore("plan", "task", "-o", "plan.json", cwd=workdir)
    from syncore.plan import Plan

    plan = Plan.load(workdir / "plan.json")
    to_crm = [op for op in plan.operations if op.target.value == "crm"]
    before = len(side(workdir, "salesforce").records(Kind.TASK))
    result = syncore("apply", "plan.json", *[a for op in to_crm for a in ("--exclude", op.op_id)], cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert len(side(workdir, "salesforce").records(Kind.TASK)) == before


def test_mass_delete_is_held_until_forced(workdir):
    assert syncore("sync", "event", cwd=workdir).returncode == 0
    outlook = side(workdir, "outlook")
    for native_id in list(outlook.records(Kind.EVENT)):
        outlook.remove(native_id)
    count = len(side(workdir, "salesforce").records(Kind.EVENT))
    held = syncore("sync", "event", cwd=workdir)
    assert held.returncode == 3
    assert len(side(workdir, "salesforce").records(Kind.EVENT)) == count
    (saved,) = (workdir / "review").glob("*.json")
    # a plan holds the records' contents: owner-only, like the state file
    assert (stat.S_IMODE(saved.stat().st_mode), stat.S_IMODE((workdir / "review").stat().st_mode)) == (0o600, 0o700)
    forced = syncore("apply", "--force", str(saved), cwd=workdir)
    assert forced.returncode == 0, forced.stderr
    assert len(side(workdir, "salesforce").records(Kind.EVENT)) < count


def test_a_missing_plan_file_is_a_usage_error(workdir):
    result = syncore("apply", "no-such-plan.json", cwd=workdir)
    assert result.returncode == 2
    assert "no-such-plan.json" in result.stderr


def test_a_locked_profile_exits_4(workdir):
    store = state(workdir)
    now = datetime.now(UTC)
    # a live process on this host (the test itself) holds the lock
    assert store.acquire_lock("default", LockHolder(owner="someone-else", host=this_host(), pid=os.getpid(),
                                                    acquired_at=now, expires_at=now + timedelta(minutes=10)), now=now)
    store.close()
    result = syncore("sync", "contact", cwd=workdir)
    assert result.returncode == 4


def test_run_due_runs_what_is_due_once(workdir):
    first = syncore("run-due", cwd=workdir)
    assert first.returncode == 0, first.stderr
    store = state(workdir)
    assert {entry.kind for entry in store.history("default")} == set(Kind)
    second = syncore("run-due", cwd=workdir)
    assert second.returncode == 0
    assert len(store.history("default")) == 3  # nothing was due the second time


def test_history_and_rebuild(workdir):
    syncore("sync", cwd=workdir)
    listed = syncore("history", "--kind", "contact", cwd=workdir)
    assert listed.returncode == 0
    assert "contact" in listed.stdout and "event" not in listed.stdout
    assert state(workdir).count_pairs("default", Kind.TASK) > 0
    assert syncore("rebuild", "task", "--yes", cwd=workdir).returncode == 0
    assert state(workdir).count_pairs("default", Kind.TASK) == 0


def test_run_syncs_in_the_background_and_stops_on_sigterm(workdir):
    env = {**os.environ}
    env.pop("SYNCORE_CONFIG", None)
    process = subprocess.Popen([sys.executable, "-m", "syncore", "run"], cwd=workdir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (workdir / "syncore-state.db").exists() and len(state(workdir).history("default")) == 3:
                break
            time.sleep(0.1)
        else:
            pytest.fail("run did not sync the three kinds")
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        for kind in ("event", "contact", "task"):  # one line per sync
            assert re.search(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d UTC  {kind}: ok, \d+ written", out, re.MULTILINE), out
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("extra", [["--memory"], []])
def test_demo_runs_non_interactively(tmp_path, extra):
    result = syncore("demo", "--yes", *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Backends:" in result.stdout


def test_progress_bar_counts_record_events():
    import io

    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    progress.start_writes(4, "event")
    for kind in (EventType.STARTED, EventType.CREATED, EventType.UPDATED, EventType.CONFLICT, EventType.DELETED):
        progress.on_event(SyncEvent(type=kind, kind=Kind.EVENT, profile="p", message=""))
    assert stream.getvalue().rstrip().endswith("3/4")


def test_plan_of_several_kinds_saves_one_file_each(workdir):
    assert syncore("plan", "event", "task", "-o", "plans/today.json", cwd=workdir).returncode == 0
    assert sorted(p.name for p in (workdir / "plans").iterdir()) == ["today.event.json", "today.task.json"]


def test_sync_review_lets_the_user_exclude_changes(workdir):
    syncore("plan", "task", cwd=workdir)  # seeds the files
    before = (len(side(workdir, "outlook").records(Kind.TASK)), len(side(workdir, "salesforce").records(Kind.TASK)))
    result = syncore("sync", "task", "--review", cwd=workdir, stdin="n\n" * 20)
    assert result.returncode == 0, result.stderr
    after = (len(side(workdir, "outlook").records(Kind.TASK)), len(side(workdir, "salesforce").records(Kind.TASK)))
    assert after == before
    result = syncore("sync", "task", "--review", cwd=workdir, stdin="a\n")
    assert result.returncode == 0, result.stderr
    assert len(side(workdir, "salesforce").records(Kind.TASK)) > before[1]


def _lock(workdir: Path, *, pid: int, host: str | None = None, minutes: float = 10) -> None:
    store = state(workdir)
    now = datetime.now(UTC)
    assert store.acquire_lock("default", LockHolder(owner="crashed", host=host or this_host(), pid=pid,
                                                    acquired_at=now, expires_at=now + timedelta(minutes=minutes)),
                              now=now)
    store.close()


def test_unlock_refuses_a_live_holder_on_this_host(workdir):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _lock(workdir, pid=live.pid)
        result = syncore("unlock", "--yes", cwd=workdir)
        assert result.returncode == 4
        assert f"pid {live.pid}" in result.stderr and "running" in result.stderr
        assert state(workdir).lock_holder("default") is not None
    finally:
        live.kill()
        live.wait()


def test_unlock_refuses_an_unexpired_lease_of_another_host(workdir):
    _lock(workdir, pid=1, host="elsewhere")
    result = syncore("unlock", "--yes", cwd=workdir)
    assert result.returncode == 4 and "elsewhere" in result.stderr
    assert state(workdir).lock_holder("default") is not None


def test_unlock_asks_then_frees_a_dead_holders_lock(workdir):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    _lock(workdir, pid=child.pid)
    declined = syncore("unlock", cwd=workdir, stdin="n\n")
    assert declined.returncode == 0 and "nothing changed" in declined.stdout
    assert state(workdir).lock_holder("default") is not None
    no_answer = syncore("unlock", cwd=workdir, stdin="")  # end of input is "no", not a traceback
    assert no_answer.returncode == 0 and "Traceback" not in no_answer.stderr
    freed = syncore("unlock", cwd=workdir, stdin="y\n")
    assert freed.returncode == 0 and "freed" in freed.stdout
    assert state(workdir).lock_holder("default") is None
    assert syncore("unlock", cwd=workdir).stdout.startswith("profile 'default' is not locked")


def test_a_damaged_state_file_is_refused_with_exit_7_and_left_as_it_was(workdir):
    assert syncore("sync", cwd=workdir).returncode == 0
    state_file = workdir / "syncore-state.db"
    data = state_file.read_bytes()
    state_file.write_bytes(data[: len(data) // 2])
    result = syncore("sync", cwd=workdir)
    assert result.returncode == 7
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    assert len(state_file.read_bytes()) == len(data) // 2
