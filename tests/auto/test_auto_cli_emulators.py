"""The command line as a subprocess against the built-in emulators, through the real adapters.

The emulators run in this test process on 127.0.0.1; the CLI process reaches them over real HTTP(S) with
the settings file below (credentials come from the environment, never from the file).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache
from syncore_salesforce.emulator import SalesforceEmulator

START = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=2)


@pytest.fixture
def emulators():
    with SalesforceEmulator(tls=True) as salesforce, EwsEmulator() as ews:
        yield salesforce, ews
    clear_protocol_cache()


def write_config(workdir: Path, salesforce: SalesforceEmulator, ews: EwsEmulator) -> dict[str, str]:
    (workdir / "syncore.toml").write_text(
        f"""
[auto_sync]
enabled = true
timezone = "Europe/Berlin"

[jobs.event]
past_days = 30
future_days = 365

[adapters.pim]
type = "exchange"
options = {{ email = "{ews.mailboxes[0]}", service_endpoint = "{ews.url}", auth_type = "basic" }}
credentials = {{ username = "env:TEST_EWS_USER", password = "env:TEST_EWS_PASSWORD" }}

[adapters.crm]
type = "salesforce"
options = {{ instance_url = "{salesforce.instance_url}" }}
credentials = {{ session_id = "env:TEST_SF_SESSION" }}
""",
        encoding="utf-8",
    )
    return {
        "TEST_EWS_USER": ews.mailboxes[0],
        "TEST_EWS_PASSWORD": ews.password,
        "TEST_SF_SESSION": salesforce.issue_token(),
        "REQUESTS_CA_BUNDLE": str(salesforce.ca_cert_path),  # trust the emulator's throwaway CA
    }


def syncore(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    full_env.pop("SYNCORE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "syncore", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=full_env, check=False)


def test_plan_apply_and_a_quiet_second_sync_against_the_emulators(tmp_path, emulators):
    salesforce, ews = emulators
    ews.create_item(folder="calendar", fields={
        "subject": "Kickoff from Outlook", "start": START, "end": START + timedelta(hours=1),
        "body": ("HTML", "<p>Agenda: <b>budget</b></p>"),
    })
    salesforce.insert("Event", {
        "Subject": "Call from Salesforce", "StartDateTime": (START + timedelta(days=1)).isoformat(),
        "EndDateTime": (START + timedelta(days=1, minutes=30)).isoformat(), "OwnerId": salesforce.user_id,
    })
    env = write_config(tmp_path, salesforce, ews)

    planned = syncore("plan", "event", "-o", "plan.json", cwd=tmp_path, env=env)
    assert planned.returncode == 0, planned.stderr
    assert "Kickoff from Outlook" in planned.stdout and "Call from Salesforce" in planned.stdout
    assert not any(e.operation.startswith("composite_") for e in salesforce.requests), "plan wrote to Salesforce"

    plan_files = sorted(tmp_path.glob("plan*.json"))
    assert plan_files, planned.stdout
    applied = syncore("apply", str(plan_files[0]), cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    subjects = {row["Subject"] for row in salesforce.all("Event")}
    assert subjects == {"Kickoff from Outlook", "Call from Salesforce"}
    assert {item["fields"].get("subject") or item["fields"].get("Subject") for item in ews.items("calendar")} == {
        "Kickoff from Outlook", "Call from Salesforce"}

    salesforce.reset_log()
    again = syncore("sync", "event", cwd=tmp_path, env=env)
    again_twice = syncore("sync", "event", cwd=tmp_path, env=env)
    assert again.returncode == 0 and again_twice.returncode == 0, again.stderr + again_twice.stderr
    assert len(salesforce.all("Event")) == 2 and len(ews.items("calendar")) == 2  # nothing duplicated
    for secret in (env["TEST_EWS_PASSWORD"], env["TEST_SF_SESSION"]):
        assert secret not in planned.stdout + planned.stderr + applied.stdout + applied.stderr
