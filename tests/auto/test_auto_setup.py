"""Getting started: ``syncore init`` writes a starter file, ``syncore doctor`` finds what is wrong and says how to
fix it, ``syncore emulators`` serves both emulators with a settings file that points at them."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncore.cli import main
from syncore.config import load_config
from syncore.credentials import write_secret_file
from syncore.doctor import Level, diagnose, exit_code, skew_finding
from syncore.emulated import running_backends, write_emulator_settings
from syncore.models import Side


def run(*args: str, cwd: Path, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SYNCORE_CONFIG", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


DEMO_INIT = ["init", "--pim", "demo_file", "--crm", "demo_file", "--set", "pim.path=outlook.json",
             "--set", "pim.seed=true", "--set", "crm.path=salesforce.json", "--set", "crm.seed=true"]


# -- init -----------------------------------------------------------------------------------------------------
def test_init_with_flags_writes_checks_and_names_the_next_command(tmp_path, monkeypatch):
    code, out, err = run(*DEMO_INIT, "--timezone", "Europe/Berlin", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0, out + err
    config = load_config(tmp_path / "syncore.toml")
    assert (config.adapters.pim.type, config.adapters.crm.type) == ("demo_file", "demo_file")
    assert config.adapters.crm.options == {"path": "salesforce.json", "seed": True, "side": "crm"}
    assert config.auto_sync.timezone == "Europe/Berlin"
    assert "next: see what the first sync would do (nothing is written): syncore plan" in out
    assert run("plan", "task", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0


def test_init_refuses_to_overwrite_and_writes_where_config_says(tmp_path, monkeypatch):
    (tmp_path / "syncore.toml").write_text("# mine\n", encoding="utf-8")
    code, _, err = run(*DEMO_INIT, cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "--force" in err
    assert (tmp_path / "syncore.toml").read_text(encoding="utf-8") == "# mine\n"
    code, out, _ = run("--config", "other.toml", *DEMO_INIT, cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "syncore --config other.toml plan" in out


def test_init_asks_what_the_flags_leave_open_and_never_for_a_secret(tmp_path, monkeypatch):
    answers = "\n".join([
        "",                       # PIM backend [exchange]
        "me@example.com",         # pim.email
        "mail.example.com",       # pim.server
        "",                       # pim password: where [env:SYNCORE_PIM_PASSWORD]
        "salesforce",             # CRM backend
        "me@example.com",         # crm.username
        "test",                   # crm.domain
        "file:sf-password",       # crm password
        "",                       # crm security_token [env:SYNCORE_CRM_SECURITY_TOKEN]
    ]) + "\n"
    code, out, _ = run("init", "--no-check", cwd=tmp_path, stdin=answers, monkeypatch=monkeypatch)
    assert code == 0, out
    config = load_config(tmp_path / "syncore.toml")
    assert config.adapters.pim.options == {"email": "me@example.com", "server": "mail.example.com"}
    assert config.adapters.pim.credentials == {"password": "env:SYNCORE_PIM_PASSWORD"}
    assert config.adapters.crm.options == {"username": "me@example.com", "domain": "test"}
    assert config.adapters.crm.credentials == {"password": "file:sf-password",
                                               "security_token": "env:SYNCORE_CRM_SECURITY_TOKEN"}
    assert "next: check it with `syncore doctor`" in out


def test_init_interactive_offers_a_fix_for_a_bad_option(tmp_path, monkeypatch):
    answers = "\n".join(["demo_file", "", "demo_file", "crm.json",  # pim path left empty: required
                         "pim.path=pim.json"]) + "\n"
    code, out, _ = run("init", "--no-check", cwd=tmp_path, stdin=answers, monkeypatch=monkeypatch)
    assert code == 0, out
    assert load_config(tmp_path / "syncore.toml").adapters.pim.options == {"path": "pim.json", "side": "pim"}


def test_init_without_answers_stops_cleanly(tmp_path, monkeypatch):
    code, _, err = run("init", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "end of input" in err
    assert not (tmp_path / "syncore.toml").exists()


def test_init_with_a_bad_option_names_it_and_writes_nothing(tmp_path, monkeypatch):
    code, _, err = run("init", "--pim", "exchange", "--crm", "salesforce", "--set", "pim.email=me@example.com",
                       "--set", "pim.server=mail.example.com", "--set", "crm.overlap_minutes=five", cwd=tmp_path,
                       monkeypatch=monkeypatch)
    assert code == 2 and "adapters.crm.options.overlap_minutes = 'five'" in err
    assert not (tmp_path / "syncore.toml").exists()


# -- doctor -------------------------------------------------------------------------------------------------------
def test_doctor_lists_each_missing_secret_with_its_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNCORE_PIM_PASSWORD", raising=False)
    monkeypatch.delenv("SYNCORE_CRM_PASSWORD", raising=False)
    monkeypatch.delenv("SYNCORE_CRM_SECURITY_TOKEN", raising=False)
    code, out, _ = run("init", "--pim", "exchange", "--crm", "salesforce", "--set", "pim.email=me@example.com",
                       "--set", "pim.server=mail.example.com", "--set", "crm.username=me@example.com",
                       cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2  # written, but the secrets are not there yet
    assert (tmp_path / "syncore.toml").exists()
    for variable in ("SYNCORE_PIM_PASSWORD", "SYNCORE_CRM_PASSWORD", "SYNCORE_CRM_SECURITY_TOKEN"):
        assert f"environment variable {variable} is not set" in out
        assert f"export {variable}=" in out
    assert "next: fix the problems above, then run: syncore doctor" in out


def test_doctor_finds_files_others_can_read(tmp_path, monkeypatch):
    assert run(*DEMO_INIT, cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    assert run("sync", "task", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    state = tmp_path / "syncore-state.db"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert run("doctor", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    state.chmod(0o644)
    code, out, _ = run("doctor", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2
    assert "can be read by other users (mode 0644)" in out and f"fix: chmod 600 {state}" in out


def test_doctor_names_a_settings_file_problem(tmp_path, monkeypatch):
    (tmp_path / "syncore.toml").write_text("[other]\nconflict_policy = 'coin'\n", encoding="utf-8")
    code, out, _ = run("doctor", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "other.conflict_policy = 'coin'" in out and "fix:" in out
    assert run("doctor", "--config", "missing.toml", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 2


@pytest.fixture
def emulator_settings(tmp_path):
    with running_backends(external=True) as backends:
        yield write_emulator_settings(backends, tmp_path / "emulators.toml"), backends


def test_doctor_against_the_emulators_finds_nothing_wrong(emulator_settings):
    path, _ = emulator_settings
    findings = diagnose(path)
    assert [f.what for f in findings if f.level is not Level.OK] == []
    connected = [f.what for f in findings if "signed in at https://127.0.0.1" in f.what or "opened at" in f.what]
    assert len(connected) == 2
    assert any("clock in step with the server" in f.what for f in findings)  # the Salesforce Date header
    assert exit_code(findings) == 0


def test_doctor_reports_refused_credentials_as_a_connection_problem(emulator_settings):
    path, _ = emulator_settings
    secret = path.with_name("emulators.secrets") / "exchange-emulator-password"
    secret.unlink()
    write_secret_file(secret, "wrong password")
    findings = diagnose(path)
    (problem,) = [f for f in findings if f.level is Level.PROBLEM]
    assert "adapters.pim (exchange)" in problem.what and "wrong password" not in problem.what
    assert "credentials" in problem.fix
    assert exit_code(findings) == 5


def test_a_secret_file_others_can_read_is_refused(emulator_settings):
    path, _ = emulator_settings
    secret = path.with_name("emulators.secrets") / "exchange-emulator-password"
    secret.chmod(0o644)
    (problem,) = [f for f in diagnose(path) if f.level is Level.PROBLEM]
    assert "can be read by other users" in problem.what and "chmod 600" in problem.what
    assert exit_code(diagnose(path)) == 2


@pytest.mark.parametrize("offset,level", [
    (timedelta(seconds=10), Level.OK), (timedelta(minutes=-2), Level.WARNING), (timedelta(minutes=9), Level.PROBLEM),
])
def test_clock_skew(offset, level):
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    finding = skew_finding("adapters.crm (salesforce)", now - offset, now)
    assert finding.level is level
    if level is not Level.OK:
        assert ("ahead of" if offset > timedelta(0) else "behind") in finding.what
        assert "timedatectl" in finding.fix


# -- emulators ---------------------------------------------------------------------------------------------------
def test_emulators_serve_a_settings_file_the_other_commands_use(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SYNCORE_CONFIG"}
    server = subprocess.Popen([sys.executable, "-m", "syncore", "emulators"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        settings = tmp_path / "syncore-emulators.toml"
        deadline = time.monotonic() + 60
        while not settings.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
        assert settings.exists(), server.stderr.read() if server.poll() is not None else "not written in time"
        time.sleep(0.5)  # the file is written before the announcement; give the serve loop a moment
        result = subprocess.run([sys.executable, "-m", "syncore", "--config", str(settings), "sync", "contact"],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Exchange (PIM)" in result.stdout and "Salesforce (CRM)" in result.stdout
        assert load_config(settings).state == "syncore-emulators.state.db"
        assert (tmp_path / "syncore-emulators.state.db").exists()
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
        assert server.returncode == 0
        assert "Exchange emulator at" in out and "Salesforce emulator at" in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_emulator_settings_keep_secrets_out_of_the_file(emulator_settings):
    path, backends = emulator_settings
    text = path.read_text(encoding="utf-8")
    assert f'"{backends[Side.PIM].emulator.password}"' not in text
    secrets = path.with_name("emulators.secrets")
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in secrets.iterdir() if not p.name.endswith(".pem"))
    config = load_config(path)
    assert config.adapters.crm.credentials["session_id"].startswith("file:")
    assert config.adapters.pim.credentials["password"].startswith("file:")
