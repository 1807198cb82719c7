"""The Graph adapter from the command line: its options checked by the settings machinery, ``syncore init``
for a Microsoft 365 sign-in (app-only and device code), ``syncore doctor`` and ``syncore sign-in`` against the
Graph emulator, the sync commands with an app-only side (no To Do), and ``syncore emulators --pim graph``."""

from __future__ import annotations

import io
import os
import secrets
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncore.cli import main
from syncore.config import load_config
from syncore.credentials import write_secret_file
from syncore.doctor import Level, diagnose, exit_code
from syncore.emulated import running_backends, write_emulator_settings
from syncore.errors import ConfigurationError
from syncore.models import Kind, Side
from syncore_graph import GraphAdapter

CLIENT_ID = "0b6f4d2c-5c1a-4e8b-9b3f-2d7e6a1c9f40"


def run(*args: str, cwd: Path, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SYNCORE_CONFIG", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# -- options ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options,key,says", [
    ({"client_id": "my-app"}, "client_id", "a GUID"),
    ({"mailbox": None}, "mailbox", 'required with auth = "app"'),
    ({"mailbox": "dana"}, "mailbox", "user principal name"),
    ({"kinds": ["event", "task"]}, "kinds", 'tasks need auth = "device_code"'),
    ({"auth": "password"}, "auth", '"app" or "device_code"'),
    ({"timezone": "CET+1"}, "timezone", "IANA zone"),
    ({"page_size": 5000}, "page_size", "from 1 to 1000"),
    ({"graph_url": "http://graph.microsoft.com"}, "graph_url", "https://HOST"),
    ({"past_days": "60"}, "past_days", "whole number"),
    ({"verify": False}, "verify", "unknown option"),
])
def test_a_bad_option_is_refused_with_its_key_before_anything_is_sent(options, key, says):
    table = {"tenant": "contoso.onmicrosoft.com", "client_id": CLIENT_ID, "mailbox": "dana@contoso.com",
             **options}
    table = {name: value for name, value in table.items() if value is not None}
    with pytest.raises(ConfigurationError) as caught:
        GraphAdapter.parse_options(table, key="adapters.pim.options")
    assert caught.value.key == f"adapters.pim.options.{key}" and says in str(caught.value)


def test_the_sign_in_mode_decides_the_default_kinds_and_the_starter_secret():
    app = GraphAdapter.parse_options({"tenant": "t", "client_id": CLIENT_ID, "mailbox": "dana@contoso.com"})
    user = GraphAdapter.parse_options({"tenant": "t", "client_id": CLIENT_ID, "auth": "device_code"})
    assert app.kinds == (Kind.EVENT, Kind.CONTACT) and user.kinds == (Kind.EVENT, Kind.CONTACT, Kind.TASK)
    assert user.sign_in_cache == "graph-sign-in.json" and user.timezone is None  # next to the settings file
    assert GraphAdapter.starter_credentials_for({"auth": "app"}) == ("client_secret",)
    assert GraphAdapter.starter_credentials_for({"auth": "device_code"}) == ()
    with pytest.raises(ConfigurationError, match="secret_key"):
        GraphAdapter.check_credential_names({"secret_key": "env:X"})


# -- init ------------------------------------------------------------------------------------------------
def test_init_writes_an_app_only_file_reading_its_client_secret_from_the_environment(tmp_path, monkeypatch):
    code, out, err = run("init", "--pim", "graph", "--set", "pim.tenant=contoso.onmicrosoft.com",
                         "--set", f"pim.client_id={CLIENT_ID}", "--set", "pim.mailbox=dana@contoso.com",
                         "--crm", "demo_file", "--set", "crm.path=crm.json", "--no-check", cwd=tmp_path,
                         monkeypatch=monkeypatch)
    assert code == 0, out + err
    pim = load_config(tmp_path / "syncore.toml").adapters.pim
    assert pim.type == "graph"
    assert pim.options == {"tenant": "contoso.onmicrosoft.com", "client_id": CLIENT_ID,
                           "mailbox": "dana@contoso.com"}
    assert pim.credentials == {"client_secret": "env:SYNCORE_PIM_CLIENT_SECRET"}
    assert "secrets are read from: pim.client_secret = env:SYNCORE_PIM_CLIENT_SECRET" in out


def test_init_asks_for_a_device_code_sign_in_and_names_no_secret(tmp_path, monkeypatch):
    answers = "\n".join([
        "graph",                      # PIM backend
        "device_code",                # pim.auth [app]
        "contoso.onmicrosoft.com",    # pim.tenant
        CLIENT_ID,                    # pim.client_id
        "",                           # pim.mailbox (optional for a device code sign-in)
        "demo_file",                  # CRM backend
        "crm.json",                   # crm.path
    ]) + "\n"
    code, out, err = run("init", "--no-check", cwd=tmp_path, stdin=answers, monkeypatch=monkeypatch)
    assert code == 0, out + err
    pim = load_config(tmp_path / "syncore.toml").adapters.pim
    assert pim.options == {"auth": "device_code", "tenant": "contoso.onmicrosoft.com", "client_id": CLIENT_ID}
    assert pim.credentials == {}
    assert "where is it kept" not in out  # no secret asked about


# -- doctor and sign-in against the emulator -------------------------------------------------------------
@pytest.fixture
def graph_settings(tmp_path):
    """A settings file written as ``syncore emulators --pim graph`` writes it (a device code sign-in made)."""
    with running_backends(external=True, chosen={Side.PIM: "graph"}) as backends:
        yield write_emulator_settings(backends, tmp_path / "syncore.toml"), backends


def test_doctor_checks_the_sign_in_each_kind_and_the_clock(graph_settings):
    path, backends = graph_settings
    emulator = backends[Side.PIM].emulator
    emulator.reset_log()
    findings = diagnose(path)
    assert [f.what for f in findings if f.level is not Level.OK] == []
    (connected,) = [f.what for f in findings if f.what.startswith("adapters.pim (graph): mailbox")]
    assert f"at {emulator.url}/v1.0" in connected and "events, contacts, tasks readable" in connected
    assert any(f.what.startswith("adapters.pim (graph): clock in step") for f in findings)  # Graph's Date
    assert exit_code(findings) == 0
    # one read per kind: an event, the contact folder, the To Do lists
    assert [emulator.count(op) for op in ("event_list", "contact_folder", "todo_lists")] == [1, 1, 1]


def test_a_missing_sign_in_is_a_connection_problem_whose_fix_is_syncore_sign_in(graph_settings, monkeypatch):
    path, backends = graph_settings
    cache = Path(load_config(path).adapters.pim.options["sign_in_cache"])
    cache.unlink()
    findings = diagnose(path)
    (problem,) = [f for f in findings if f.level is Level.PROBLEM]
    assert "adapters.pim (graph)" in problem.what and "not signed in" in problem.what
    assert "syncore sign-in" in problem.fix
    assert exit_code(findings) == 5

    code, out, err = run("--config", str(path), "sign-in", cwd=path.parent, monkeypatch=monkeypatch)
    assert code == 0, out + err
    assert "enter the code" in out.lower() and "signed in; later runs use the kept sign-in" in out
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert exit_code(diagnose(path)) == 0


def test_sign_in_says_so_when_a_side_needs_none(graph_settings, monkeypatch):
    path, _ = graph_settings
    code, out, _ = run("--config", str(path), "sign-in", "crm", cwd=path.parent, monkeypatch=monkeypatch)
    assert code == 0 and "the CRM adapter needs no interactive sign-in" in out


# -- the sync commands with an app-only side -------------------------------------------------------------
def test_an_app_only_side_syncs_events_and_contacts_and_leaves_tasks_out(tmp_path, monkeypatch):
    from syncore_graph.emulator import GraphEmulator

    with GraphEmulator(client_secret=secrets.token_urlsafe(24)) as emu:
        (tmp_path / "secrets").mkdir(mode=0o700)
        secret = write_secret_file(tmp_path / "secrets" / "graph-client-secret", emu.client_secret)
        (tmp_path / "syncore.toml").write_text(f"""\
state = "state.db"

[adapters.pim]
type = "graph"
credentials = {{ client_secret = "{secret}" }}

[adapters.pim.options]
tenant = "{emu.tenant}"
client_id = "{emu.client_id}"
mailbox = "{emu.default_upn}"
graph_url = "{emu.url}"
authority_host = "{emu.url}"
ca_file = "{emu.ca_cert_path}"

[adapters.crm]
type = "demo_file"
options = {{ path = "crm.json", side = "crm", seed = true }}
""", encoding="utf-8")
        findings = diagnose(tmp_path / "syncore.toml")
        assert exit_code(findings) == 0, [f.what for f in findings if f.level is not Level.OK]
        checked = f"mailbox {emu.default_upn} at {emu.url}/v1.0 (app-only sign-in; events, contacts readable)"
        assert any(checked in f.what for f in findings)
        code, out, err = run("sync", "--force", cwd=tmp_path, monkeypatch=monkeypatch)
        assert code == 0, out + err
        assert emu.items("event") and emu.items("contact") and not emu.items("task")
        assert emu.count("todo_lists") == 0  # To Do is never asked for
        code, out, err = run("sync", "task", cwd=tmp_path, monkeypatch=monkeypatch)
        assert code == 2 and "the pim adapter (graph) does not support tasks" in err


# -- the emulators, and the demo -------------------------------------------------------------------------
def test_emulators_serve_graph_with_settings_the_other_commands_use(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SYNCORE_CONFIG"}
    server = subprocess.Popen([sys.executable, "-m", "syncore", "emulators", "--pim", "graph"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        settings = tmp_path / "syncore-emulators.toml"
        deadline = time.monotonic() + 60
        while not settings.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
        assert settings.exists(), server.stderr.read() if server.poll() is not None else "not written in time"
        time.sleep(0.5)  # the file is written before the announcement; give the serve loop a moment
        pim = load_config(settings).adapters.pim
        assert pim.type == "graph" and pim.credentials == {} and pim.options["auth"] == "device_code"
        secrets = tmp_path / "syncore-emulators.secrets"
        assert stat.S_IMODE((secrets / "graph-sign-in.json").stat().st_mode) == 0o600
        result = subprocess.run([sys.executable, "-m", "syncore", "--config", str(settings), "sync", "task"],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                                check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Microsoft 365 (user@example.com) (PIM)" in result.stdout
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
        assert server.returncode == 0
        assert "Microsoft Graph emulator at https://127.0.0.1:" in out and "Salesforce emulator at" in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_the_demo_refuses_an_emulator_it_does_not_know(tmp_path, monkeypatch):
    code, _, err = run("demo", "--pim", "graf", "--yes", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "--pim graf: no such emulator" in err and "graph" in err
    code, _, err = run("demo", "--pim", "salesforce", "--yes", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "plays the crm side" in err
