"""What a new user meets on the command line: every path ends in a message and a documented exit code, option
mistakes are named before any connection is made, times are local and labelled, conflicts are named once."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncore import Kind, SqliteStateStore
from syncore.abc import Adapter
from syncore.cli import EXIT_CODES, build_parser, main
from syncore.engine import SyncEngine
from syncore.progress import Progress, ReportingAdapter
from syncore.testing import DemoFileAdapter, MemoryAdapter

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILES = """
[adapters.pim]
type = "demo_file"
options = { path = "outlook.json", side = "pim", seed = true }
[adapters.crm]
type = "demo_file"
options = { path = "salesforce.json", side = "crm", seed = true }
"""


def run(*args: str, cwd: Path, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """The CLI in this process (faster than a subprocess); ``input()`` reads ``stdin``."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SYNCORE_CONFIG", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, text: str, name: str = "syncore.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(folder: Path, kind: Kind) -> tuple[int, int]:
    return (len(DemoFileAdapter(path=str(folder / "outlook.json"), side="pim").records(kind)),
            len(DemoFileAdapter(path=str(folder / "salesforce.json"), side="crm").records(kind)))


# -- end of input at a question ------------------------------------------------------------------------------
def test_the_demo_without_input_stops_with_a_message(tmp_path, monkeypatch):
    code, out, err = run("demo", "--memory", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and 2 in EXIT_CODES
    assert "end of input" in err and "--yes" in err and "Traceback" not in err


def test_sync_review_without_input_writes_nothing_for_that_kind(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES)
    assert run("plan", "task", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0  # seeds the files
    before = counts(tmp_path, Kind.TASK)
    code, _, err = run("sync", "task", "--review", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "end of input" in err
    assert counts(tmp_path, Kind.TASK) == before


def test_rebuild_without_input_changes_nothing(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES)
    assert run("sync", "event", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    pairs = SqliteStateStore(tmp_path / "syncore-state.db").count_pairs("default", Kind.EVENT)
    assert pairs > 0
    code, out, _ = run("rebuild", "event", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "nothing changed" in out
    assert SqliteStateStore(tmp_path / "syncore-state.db").count_pairs("default", Kind.EVENT) == pairs


def test_the_manual_sync_example_without_input_exits_2(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "manual_sync.py")], cwd=tmp_path, input="",
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "end of input" in result.stderr and "Traceback" not in result.stderr


# -- settings files ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])  # Notepad's "Unicode", and UTF-8 with a BOM
def test_settings_saved_by_notepad_work(tmp_path, monkeypatch, encoding):
    (tmp_path / "syncore.toml").write_bytes(DEMO_FILES.replace("\n", "\r\n").encode(encoding))
    code, out, err = run("plan", "contact", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0, err
    assert "Grace Hopper" in out


CRM_UNREACHABLE = """
[adapters.pim]
type = "demo_file"
options = {{ path = "outlook.json", side = "pim" }}
[adapters.crm]
type = "salesforce"
options = {{ instance_url = "https://127.0.0.1:9", {option} }}
credentials = {{ session_id = "env:NOT_NEEDED_FOR_THIS_TEST" }}
"""


@pytest.mark.parametrize("option,key,words", [
    ('overlap_minutes = "five"', "adapters.crm.options.overlap_minutes", ["'five'", "number"]),
    ('domian = "test"', "adapters.crm.options.domian", ["unknown option", "allowed here:", "domain", "scope"]),
    ('kinds = "event"', "adapters.crm.options.kinds", ["a list"]),
])
def test_adapter_options_are_checked_before_any_connection(tmp_path, monkeypatch, option, key, words):
    # Port 9 is closed and the credential's variable is unset: the option error must come first.
    write(tmp_path, CRM_UNREACHABLE.format(option=option))
    code, _, err = run("plan", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2
    assert key in err
    for word in words:
        assert word in err
    assert "NOT_NEEDED_FOR_THIS_TEST" not in err and "127.0.0.1:9" not in err


def test_a_demo_file_side_of_the_wrong_kind_is_named(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES.replace('side = "pim"', 'side = "outlook"'))
    code, _, err = run("plan", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2
    assert "adapters.pim.options.side = 'outlook'" in err and '"pim" or "crm"' in err


def test_an_unknown_credential_name_is_named(tmp_path, monkeypatch):
    write(tmp_path, CRM_UNREACHABLE.format(option='scope = "all"').replace("session_id", "sesion_id"))
    code, _, err = run("plan", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2
    assert "adapters.crm.credentials.sesion_id" in err and "session_id" in err.split("allowed:")[1]


# -- the command line itself -----------------------------------------------------------------------------------
def test_version(tmp_path, monkeypatch):
    with pytest.raises(SystemExit) as caught:
        run("--version", cwd=tmp_path, monkeypatch=monkeypatch)
    assert caught.value.code == 0


def test_config_goes_before_or_after_the_command(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES, name="mine.toml")
    before = run("--config", "mine.toml", "plan", "task", cwd=tmp_path, monkeypatch=monkeypatch)
    after = run("plan", "task", "--config", "mine.toml", cwd=tmp_path, monkeypatch=monkeypatch)
    assert before[0] == after[0] == 0
    assert "Send proposal to Acme" in before[1] and "Send proposal to Acme" in after[1]


def test_every_command_has_a_description():
    parser = build_parser()
    (subparsers,) = [action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction"]
    for name, command in subparsers.choices.items():
        assert command.description and len(command.description) > 40, name


def test_hints_carry_the_config_that_was_used(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES, name="my settings.toml")
    code, out, _ = run("--config", "my settings.toml", "plan", "event", "-o", "p.json", cwd=tmp_path,
                       monkeypatch=monkeypatch)
    assert code == 0
    assert "apply it with: syncore --config 'my settings.toml' apply p.json" in out


def test_verbose_logs_what_happens(tmp_path):
    write(tmp_path, DEMO_FILES)
    env = {key: value for key, value in os.environ.items() if key != "SYNCORE_CONFIG"}
    result = subprocess.run([sys.executable, "-m", "syncore", "-v", "plan", "task"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert re.search(r"INFO syncore\.cli: planning tasks", result.stderr)


# -- what is shown ---------------------------------------------------------------------------------------------
def test_times_are_shown_in_the_settings_zone_or_utc(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES + '[auto_sync]\ntimezone = "America/New_York"\n')
    code, local, _ = run("plan", "event", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0
    outlook = DemoFileAdapter(path=str(tmp_path / "outlook.json"), side="pim")
    (standup,) = [r for r in outlook.records(Kind.EVENT).values() if r.subject == "Team standup"]
    in_new_york = standup.start.astimezone(ZoneInfo("America/New_York"))
    assert f"{in_new_york:%Y-%m-%d %H:%M %Z}" in local and in_new_york.tzname() in ("EST", "EDT")
    code, utc, _ = run("plan", "event", "--utc", cwd=tmp_path, monkeypatch=monkeypatch)
    assert f"{standup.start:%Y-%m-%d %H:%M} UTC" in utc


def test_history_shows_times_in_the_settings_zone(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES + '[auto_sync]\ntimezone = "Asia/Kolkata"\n')
    assert run("sync", "task", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    code, out, _ = run("history", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and out.splitlines()[0].startswith("finished (Asia/Kolkata)")
    (entry,) = SqliteStateStore(tmp_path / "syncore-state.db").history("default")
    assert f"{entry.finished_at.astimezone(ZoneInfo('Asia/Kolkata')):%Y-%m-%d %H:%M}" in out.splitlines()[2]


def test_skipped_records_are_named_by_subject(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES)
    code, out, _ = run("plan", "event", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0
    assert re.search(r"Dentist.?: private item", out)


def test_a_conflict_is_named_once_with_the_command_that_resolves_it(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES, name="conf.toml")
    assert run("--config", "conf.toml", "sync", "task", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    for name, side, subject in (("outlook", "pim", "QBR deck v2"), ("salesforce", "crm", "QBR deck final")):
        adapter = DemoFileAdapter(path=str(tmp_path / f"{name}.json"), side=side)
        (native_id,) = [i for i, r in adapter.records(Kind.TASK).items() if r.subject == "Prepare QBR deck"]
        adapter.edit(native_id, subject=subject)
    code, out, _ = run("--config", "conf.toml", "sync", "task", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0
    assert out.count("conflict on") == 1
    (line,) = [line for line in out.splitlines() if "conflict on" in line]
    assert "'Prepare QBR deck', field subject" in line and "QBR deck v2" in line and "QBR deck final" in line
    assert "Resolve them with: syncore --config conf.toml sync --review task" in out
    code, out, _ = run("--config", "conf.toml", "sync", "task", "--review", cwd=tmp_path, stdin="c\n",
                       monkeypatch=monkeypatch)
    assert code == 0 and out.count("conflict on") == 1 and "Resolve them" not in out
    subjects = {r.subject for r in DemoFileAdapter(path=str(tmp_path / "outlook.json"), side="pim")
                .records(Kind.TASK).values()}
    assert "QBR deck final" in subjects and "QBR deck v2" not in subjects


def test_run_due_prints_a_line_per_sync(tmp_path, monkeypatch):
    write(tmp_path, DEMO_FILES + '[auto_sync]\nenabled = true\ntimezone = "UTC"\n')
    code, out, _ = run("run-due", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0
    for kind in ("event", "contact", "task"):
        assert re.search(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d UTC  {kind}: ok, \d+ written", out, re.MULTILINE), out
    assert re.search(r"^next run: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", out, re.MULTILINE)


def test_docs_are_listed_and_shown(tmp_path, monkeypatch):
    code, out, _ = run("docs", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and re.search(r"^settings\s+Settings reference$", out, re.MULTILINE)
    code, out, _ = run("docs", "troubleshooting", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "## Exit codes" in out
    assert run("docs", "nope", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 2


# -- progress ----------------------------------------------------------------------------------------------------
def test_the_reporting_wrapper_passes_every_adapter_method_through():
    # A method added to syncore.abc.Adapter later must be delegated too, or the wrapper would hide it.
    public = {name for name, value in vars(Adapter).items() if callable(value) and not name.startswith("_")}
    public |= {"capabilities"}
    own = set(vars(ReportingAdapter))
    classmethods = {"from_config", "parse_options", "check_credential_names"}
    assert public - classmethods <= own


def test_reads_show_progress_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    pim, crm = MemoryAdapter(name="pim"), MemoryAdapter(name="crm")
    for n in range(3):
        pim.put(_task(n))
    engine = SyncEngine(pim=ReportingAdapter(pim, progress, "Outlook (PIM)"),
                        crm=ReportingAdapter(crm, progress, "Salesforce (CRM)"), state=SqliteStateStore(":memory:"))
    engine.plan(Kind.TASK)
    assert "Outlook (PIM): 3 task record(s) read" in stream.getvalue()
    assert "Salesforce (CRM): reading task records (full scan)" in stream.getvalue()


def _task(n: int):
    from syncore import Task

    return Task(subject=f"task {n}", due=datetime(2026, 6, 1 + n).date())
