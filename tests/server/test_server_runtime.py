"""The server's work without a broker: dispatching, budgets, the mailbox cap, profiles, the CLI."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from serverfleet import pim_contacts, profile_overrides, seed_pim, server_defaults

from syncore import Contact
from syncore.errors import ConfigurationError, RateLimited
from syncore.registry import register_adapter
from syncore.testing import MemoryAdapter
from syncore_salesforce.emulator import SalesforceEmulator
from syncore_server.admin import add_profile, set_defaults
from syncore_server.budgets import MailboxSlots
from syncore_server.cli import main as server_main
from syncore_server.db import Dispatch, ProfileRow
from syncore_server.runtime import Server
from syncore_server.settings import ServerSettings


@pytest.fixture
def settings(pg_dsn, pg_schema, redis_server, monkeypatch):
    env = {"SYNCORE_DATABASE_URL": pg_dsn, "SYNCORE_BROKER_URL": redis_server.url, "SYNCORE_DB_SCHEMA": pg_schema,
           "SYNCORE_JITTER": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ServerSettings.from_env()


@pytest.fixture
def server(settings):
    srv = Server(settings)
    yield srv
    srv.close()


@pytest.fixture
def emulator(monkeypatch):
    with SalesforceEmulator(tls=True, daily_api_limit=100) as emu:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emu.ca_cert_path))
        yield emu


def add_user_profile(server, emulator, tmp_path, monkeypatch, name, contacts=2, **kw):
    user = emulator.add_user(f"{name}@example.com", "pw", "tok")
    variable = f"TEST_TOKEN_{name.upper()}"
    monkeypatch.setenv(variable, emulator.issue_token(user.username))
    pim = tmp_path / f"{name}.json"
    seed_pim(pim, [Contact(last_name=f"{name} {i}") for i in range(contacts)])
    add_profile(server.db, name, profile_overrides(pim_path=pim, token_variable=variable), server.secrets,
                spread=timedelta(0), **kw)
    return user, pim


# -- the org budget --------------------------------------------------------------------------------------------
def test_the_org_budget_stops_every_user_of_the_org_at_the_share(server, emulator, tmp_path, monkeypatch):
    set_defaults(server.db, server_defaults(emulator.instance_url, max_api_share=0.5), server.secrets)
    emulator.set_api_usage(40)  # other integrations of the org used 40 of its 100 daily requests
    names = [f"u{n}" for n in range(5)]
    for name in names:
        add_user_profile(server, emulator, tmp_path, monkeypatch, name, org="acme")
    outcomes = {name: server.run(name, "contact", "test") for name in names}
    used, limit = emulator.api_usage()
    assert used <= 50  # 100 * max_api_share, counting the other integrations' 40
    statuses = [o.status for o in outcomes.values()]
    assert statuses[:2] == ["ok", "ok"]  # 4 requests each: 48
    # the third stops part-way (its writes fail as records to retry: "errors") or before writing ("quota")
    assert set(statuses[2:]) <= {"errors", "quota"} and statuses[-1] == "quota"
    stopped = [name for name, o in outcomes.items() if o.status == "quota"]
    assert "50" in outcomes[stopped[0]].message and "acme" in outcomes[stopped[0]].message
    # a stopped profile waits for its back-off instead of being retried at once
    later = server.decide(stopped[-1], server.clock())
    assert later.kind is None and later.next_due >= server.clock() + timedelta(minutes=59)
    assert server.db.budget("acme")["in_flight"] == 0


# -- the mailbox cap -------------------------------------------------------------------------------------------
def test_mailbox_slots_cap_concurrent_syncs_and_free_with_a_dead_connection(pg_dsn, pg_schema):
    a, b = MailboxSlots(pg_dsn, schema=pg_schema), MailboxSlots(pg_dsn, schema=pg_schema)
    try:
        assert a.acquire("Alice@example.com", 2) == 1
        assert b.acquire("alice@example.com", 2) == 2  # the address's case does not matter
        assert a.acquire("alice@example.com", 2) is None and b.acquire("alice@example.com", 2) is None
        assert b.acquire("bob@example.com", 2) == 1
        a.release("alice@example.com", 1)
        assert b.acquire("alice@example.com", 2) == 1
        with psycopg.connect(pg_dsn, autocommit=True) as admin:  # b's worker dies
            # (waits up to 10 s for the backend to end, with its locks)
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", [b._conn.info.backend_pid])
        assert a.acquire("alice@example.com", 2) == 1
    finally:
        a.close()
        b.close()


def test_a_sync_waits_when_its_mailbox_is_at_its_cap(server, emulator, tmp_path, monkeypatch, pg_dsn, pg_schema):
    set_defaults(server.db, server_defaults(emulator.instance_url), server.secrets)
    user, pim = add_user_profile(server, emulator, tmp_path, monkeypatch, "carol", mailbox="shared@example.com")
    other = MailboxSlots(pg_dsn, schema=pg_schema)
    try:
        slots = [other.acquire("shared@example.com", server.settings.mailbox_cap) for _ in range(2)]
        outcome = server.run("carol", "contact", "test")
        assert outcome.status == "busy" and outcome.deferred and outcome.retry_after
        assert emulator.api_usage()[0] == 0  # nothing was called
        other.release("shared@example.com", slots[0])
        assert server.run("carol", "contact", "test").status == "ok"
        assert len(pim_contacts(pim)) == 2
    finally:
        other.close()


# -- rate limits reschedule, never sleep -------------------------------------------------------------------------
class ThrottledSide(MemoryAdapter):
    """A PIM side whose server answers every read with 429 and Retry-After: 120."""

    adapter_name = "throttled"

    def __init__(self, **_: object) -> None:
        super().__init__(name="pim")

    def full_scan(self, kind):
        raise RateLimited("429 Too Many Requests", retry_after=120)

    changes = full_scan  # type: ignore[assignment]


def test_a_429_becomes_a_countdown_not_a_sleep(server, emulator, tmp_path, monkeypatch):
    register_adapter("throttled", f"{__name__}:ThrottledSide")
    set_defaults(server.db, server_defaults(emulator.instance_url), server.secrets)
    user, _ = add_user_profile(server, emulator, tmp_path, monkeypatch, "dave")
    server.db.put_profile(ProfileRow(
        profile="dave", overrides={"adapters": {"pim": {"type": "throttled"}, "crm": {"credentials": {
            "session_id": "env:TEST_TOKEN_DAVE"}}}}, org=None, mailbox=None, enabled=True), first_due=server.clock())
    outcome = server.run("dave", "contact", "test")
    assert (outcome.status, outcome.retry_after, outcome.deferred) == ("rate limited", 120, True)

    import time

    from syncore_server import tasks

    def no_sleep(seconds):
        raise AssertionError(f"a worker slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    monkeypatch.setattr(tasks, "server", lambda: server)
    before = server.clock()
    # Eagerly (no broker) Celery runs each retry at once instead of after its countdown: the task is deferred
    # MAX_DEFERRALS times, then gives its claim up and the dispatcher takes the profile again after the hint.
    result = tasks.sync_profile.apply(("dave", "contact", "test"))
    assert result.result == "rate limited"
    assert [r["outcome"] for r in server.db.runs(["dave"])].count("rate limited") == tasks.MAX_DEFERRALS + 2
    [row] = [r for r in server.db.status(server.clock(), history=timedelta(days=1), running_within=timedelta(0))
             if r["profile"] == "dave"]
    assert row["claimed_until"] is None and row["next_due"] >= before + timedelta(seconds=120)
    assert row["error_count"] == 0  # a pause asked for is not an error


# -- the dispatcher --------------------------------------------------------------------------------------------
def test_two_dispatchers_never_hand_out_the_same_profile(server, tmp_path):
    for n in range(6):
        server.db.put_profile(ProfileRow(profile=f"p{n}", overrides={}, org=None, mailbox=None, enabled=True),
                              first_due=server.clock() - timedelta(minutes=1))
    inside, release = threading.Event(), threading.Event()
    first: list = []

    def slow_decide(profile):
        inside.set()
        release.wait(10)
        return Dispatch(kind="contact", next_due=server.clock())

    thread = threading.Thread(target=lambda: first.extend(server.db.dispatch(
        server.clock(), limit=3, claim_for=timedelta(hours=1), decide=slow_decide)))
    thread.start()
    assert inside.wait(10)
    second = server.db.dispatch(server.clock(), limit=10, claim_for=timedelta(hours=1),
                                decide=lambda p: Dispatch(kind="contact", next_due=server.clock()))
    release.set()
    thread.join()
    assert len(first) == 3 and len(second) == 3
    assert not {p for p, _ in first} & {p for p, _ in second}
    # claimed profiles are not handed out again while their tasks are queued or running
    assert server.db.dispatch(server.clock(), limit=10, claim_for=timedelta(hours=1),
                              decide=lambda p: Dispatch(kind="contact", next_due=server.clock())) == []


def test_the_dispatcher_follows_the_profiles_window_in_its_own_zone(server, emulator, tmp_path, monkeypatch):
    set_defaults(server.db, server_defaults(emulator.instance_url), server.secrets)
    add_user_profile(server, emulator, tmp_path, monkeypatch, "erin")
    window = {"auto_sync": {"window": {"start": "08:00", "end": "18:00"}, "timezone": "America/New_York"}}
    row = server.db.profile("erin")
    server.db.put_profile(ProfileRow(profile="erin", overrides={**row.overrides, **window}, org=None,
                                        mailbox=None, enabled=True), first_due=server.clock())
    # 2026-03-08 is the spring-forward day in New York: 03:00 local is 07:00 UTC, 08:00 local is 12:00 UTC
    night = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    answer = server.decide("erin", night)
    assert answer.kind is None
    opens = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert opens <= answer.next_due <= opens + timedelta(seconds=server.settings.jitter)
    assert server.decide("erin", opens).kind == "contact"


# -- profiles and the CLI --------------------------------------------------------------------------------------
def test_a_plain_secret_never_reaches_the_database(server, emulator, tmp_path):
    set_defaults(server.db, server_defaults(emulator.instance_url), server.secrets)
    overrides = {"adapters": {"pim": {"type": "demo_file", "options": {"path": str(tmp_path / "x.json")}},
                              "crm": {"credentials": {"session_id": "hunter2-plain-token"}}}}
    with pytest.raises(ConfigurationError) as info:
        add_profile(server.db, "frank", overrides, server.secrets)
    assert "adapters.crm.credentials.session_id" in str(info.value) and "hunter2" not in str(info.value)
    assert server.db.profile("frank") is None
    bad = {"jobs": {"contact": {"past_days": -3}}}
    with pytest.raises(ConfigurationError, match="jobs.contact.past_days"):
        add_profile(server.db, "frank", bad, server.secrets)


def test_cli_add_profile_list_and_status(settings, emulator, tmp_path, monkeypatch):
    defaults = tmp_path / "defaults.toml"
    defaults.write_text(f'[auto_sync]\nenabled = true\ntimezone = "UTC"\n[adapters.crm]\ntype = "salesforce"\n'
                        f'options = {{ instance_url = "{emulator.instance_url}" }}\n', encoding="utf-8")
    user = tmp_path / "gina.toml"
    user.write_text(f'[adapters.pim]\ntype = "demo_file"\noptions = {{ path = "{tmp_path / "g.json"}" }}\n'
                    '[adapters.crm]\ncredentials = { session_id = "env:GINA_TOKEN" }\n', encoding="utf-8")

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        code = server_main(list(args), out, err)
        return code, out.getvalue(), err.getvalue()

    assert run("init-db")[0] == 0
    assert run("set-defaults", str(defaults))[0] == 0
    assert run("add-profile", "gina", "--settings", str(user), "--mailbox", "gina@example.com")[0] == 0
    code, out, _ = run("list", "--json")
    [listed] = json.loads(out)
    assert (listed["profile"], listed["pim"], listed["crm"], listed["mailbox"]) == (
        "gina", "demo_file", "salesforce", "gina@example.com")
    assert listed["org"] == emulator.instance_url
    code, out, _ = run("status")
    assert code == 0 and "gina" in out and "idle" in out and "1 profile(s)" in out
    code, out, _ = run("status", "--json")
    assert json.loads(out)[0]["error_count"] == 0
    code, _, err = run("add-profile", "bad name!", "--settings", str(user))
    assert code == 2 and "profile" in err
    monkeypatch.delenv("SYNCORE_DATABASE_URL")
    code, _, err = run("status")
    assert code == 2 and "SYNCORE_DATABASE_URL" in err


def test_settings_refuse_a_visibility_timeout_shorter_than_a_sync():
    env = {"SYNCORE_DATABASE_URL": "postgresql://x", "SYNCORE_BROKER_URL": "redis://x", "SYNCORE_TIME_LIMIT": "3600",
           "SYNCORE_VISIBILITY_TIMEOUT": "3600"}
    with pytest.raises(ConfigurationError, match="SYNCORE_VISIBILITY_TIMEOUT"):
        ServerSettings.from_env(env)


def test_the_core_never_imports_the_server_or_its_libraries():
    import subprocess
    import sys

    code = ("import sys, syncore, syncore.cli, syncore.engine, syncore.state, syncore.runner, syncore.testing\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'syncore_server', 'celery', 'psycopg', "
            "'psycopg_pool', 'redis', 'kombu'})\n"
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
