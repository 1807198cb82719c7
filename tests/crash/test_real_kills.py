"""Issue 11, item 10: real crashes. A sync runs in a child process (the ``syncore`` CLI, real adapters, state in a
file) against the Exchange and Salesforce emulators running in this process, and is SIGKILLed at a random moment
of its apply; the user keeps working between syncs; then the syncs resume.

Checked after every kill: the state file passes ``PRAGMA integrity_check``. Checked at the end, after two
complete syncs: no record is duplicated on either side, none is lost, every edit reached the other side, every
deletion was carried over, and one more sync writes nothing.

A few kills in CI (``KILLS`` below); ``HYPOTHESIS_PROFILE=soak`` (or ``SYNCORE_KILLS=N``) runs 30 or more.
Each user record carries a token (``T17``) in its subject, so copies are traced to their origin whatever their id.
Tokens are edited and deleted only on the side that created them, so no edit meets a conflict and the expected
end state is exact.

The emulators run in this process and finish a request the moment it arrives: a create the killed child sent
either landed before the next sync or never will. So ``writes_land_within_minutes = 0`` on both sides (with the
default 10 minutes, a create killed before it reached the emulator would wait past the test's last sync;
tests/engine/test_trust_late_landing_creates.py covers the wait).
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache
from syncore_salesforce.emulator import SalesforceEmulator

SOAK = os.environ.get("HYPOTHESIS_PROFILE", "").startswith("soak")
KILLS = int(os.environ.get("SYNCORE_KILLS") or (30 if SOAK else 4))
SEED = int(os.environ.get("SYNCORE_KILL_SEED", "20261203"))
WRITE_OPS = {"pim": {"CreateItem", "UpdateItem", "DeleteItem"},
             "crm": {"composite_create", "composite_update", "composite_delete", "sobject_create",
                     "sobject_update", "sobject_delete"}}
START = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=3)
TOKEN = re.compile(r"\bT(\d+)\b")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


class World:
    """Both emulators, the settings file, and what the user has done (by token)."""

    def __init__(self, workdir: Path, salesforce: SalesforceEmulator, ews: EwsEmulator) -> None:
        self.workdir, self.salesforce, self.ews = workdir, salesforce, ews
        self.next_token = 0
        self.expected: dict[int, str] = {}  # token → the subject both sides must end with
        self.origin: dict[int, tuple[str, str]] = {}  # token → (side, native id) where the user made it
        (workdir / "syncore.toml").write_text(f"""
[jobs.event]
past_days = 30
future_days = 365

[other]
conflict_policy = "pim_wins"

[adapters.pim]
type = "exchange"
options = {{ email = "{ews.mailboxes[0]}", service_endpoint = "{ews.url}", auth_type = "basic", writes_land_within_minutes = 0 }}
credentials = {{ username = "env:TEST_EWS_USER", password = "env:TEST_EWS_PASSWORD" }}

[adapters.crm]
type = "salesforce"
options = {{ instance_url = "{salesforce.instance_url}", writes_land_within_minutes = 0 }}
credentials = {{ session_id = "env:TEST_SF_SESSION" }}
""", encoding="utf-8")
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "TEST_EWS_USER": ews.mailboxes[0],
                    "TEST_EWS_PASSWORD": ews.password, "TEST_SF_SESSION": salesforce.issue_token(),
                    "REQUESTS_CA_BUNDLE": str(salesforce.ca_cert_path)}
        self.env.pop("SYNCORE_CONFIG", None)

    # -- the user, working in each application directly (never through syncore) -------------------------------
    def create(self, side: str) -> None:
        token = self.next_token
        self.next_token += 1
        subject = f"Meeting T{token}"
        when = START + timedelta(hours=token)
        if side == "pim":
            native_id = self.ews.create_item(folder="calendar", fields={
                "Subject": subject, "Start": when, "End": when + timedelta(minutes=30)})
        else:
            native_id = self.salesforce.insert("Event", {
                "Subject": subject, "StartDateTime": when.isoformat(),
                "EndDateTime": (when + timedelta(minutes=30)).isoformat(), "OwnerId": self.salesforce.user_id})
        self.expected[token] = subject
        self.origin[token] = (side, native_id)

    def edit(self, token: int, round_: int) -> None:
        side, native_id = self.origin[token]
        subject = f"Meeting T{token} edit {round_}"
        if side == "pim":
            self.ews.update_item(native_id, {"Subject": subject})
        else:
            self.salesforce.update("Event", native_id, {"Subject": subject})
        self.expected[token] = subject

    def delete(self, token: int) -> None:
        side, native_id = self.origin.pop(token)
        if side == "pim":
            self.ews.delete_item(native_id)
        else:
            self.salesforce.delete("Event", native_id)
        del self.expected[token]

    # -- what each side holds -------------------------------------------------------------------------------------
    def subjects(self) -> dict[str, list[str]]:
        return {"pim": [item["fields"].get("Subject") or "" for item in self.ews.items("calendar")],
                "crm": [row.get("Subject") or "" for row in self.salesforce.all("Event")]}

    def writes(self) -> int:
        counts = {"pim": self.ews.request_counts(),
                  "crm": Counter(getattr(r, "op", None) or r.operation for r in self.salesforce.requests)}
        return sum(n for side, ops in WRITE_OPS.items() for op, n in counts[side].items() if op in ops)

    # -- syncore, in a child process -----------------------------------------------------------------------------
    def start_sync(self) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "syncore", "sync", "event"], cwd=self.workdir,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sync(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "syncore", "sync", "event"], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=180, check=False)

    def open_intents(self) -> int:
        path = self.workdir / "syncore-state.db"
        if not path.exists():
            return 0
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM journal").fetchone()[0]

    def integrity(self) -> str:
        path = self.workdir / "syncore-state.db"
        if not path.exists():
            return "ok"
        with sqlite3.connect(path) as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture
def world(tmp_path):
    with SalesforceEmulator(tls=True) as salesforce, EwsEmulator() as ews:
        yield World(tmp_path, salesforce, ews)
    clear_protocol_cache()


def _kill_during_apply(world: World, rng: random.Random, *, window: float) -> bool:
    """Start a sync and SIGKILL it at a random moment after its first write; True when it died by the kill."""
    before = world.writes()
    child = world.start_sync()
    deadline = time.monotonic() + 120
    while world.writes() == before and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(rng.uniform(0, window))
    killed = child.poll() is None
    if killed:
        child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    return killed


def test_random_sigkills_during_apply_lose_and_duplicate_nothing(world):
    rng = random.Random(SEED)
    for side in ("pim", "crm") * 12:
        world.create(side)
    # every request takes a while, so kills land inside requests (the write made, the answer not yet read) as
    # well as between them (answers read, state not yet stored)
    world.ews.faults.set_latency(0.05)
    world.salesforce.faults.set_latency(0.05)
    kills = 0
    mid_write = 0  # kills that left journaled writes open (their outcome unknown to syncore)
    round_ = 0
    while kills < KILLS:
        round_ += 1
        assert round_ < KILLS * 4, "the syncs kept finishing before they could be killed"
        tokens = sorted(world.origin)
        for token in rng.sample(tokens, k=min(len(tokens), rng.randint(1, 6))):
            world.edit(token, round_)
        edited = set()
        for token in rng.sample(sorted(world.origin), k=rng.randint(0, 2)):
            world.delete(token)
            edited.add(token)
        for _ in range(rng.randint(1, 5)):
            world.create(rng.choice(["pim", "crm"]))
        kills += _kill_during_apply(world, rng, window=0.6)
        mid_write += world.open_intents() > 0
        assert world.integrity() == "ok", f"state file damaged after kill {kills}"

    world.ews.faults.set_latency(0)
    world.salesforce.faults.set_latency(0)
    for _ in range(2):
        result = world.sync()
        assert result.returncode == 0, result.stdout + result.stderr

    held = world.subjects()
    for side, subjects in held.items():
        tokens = [int(TOKEN.search(subject)[1]) for subject in subjects]
        duplicated = {t for t in tokens if tokens.count(t) > 1}
        assert not duplicated, f"{side} holds duplicates of tokens {sorted(duplicated)} after {kills} kills"
        assert sorted(subjects) == sorted(world.expected.values()), (
            f"{side}: lost, stale or undeleted records after {kills} kills: "
            f"missing {sorted(set(world.expected.values()) - set(subjects))}, "
            f"extra {sorted(set(subjects) - set(world.expected.values()))}")
    before = world.writes()
    assert world.sync().returncode == 0
    assert world.writes() == before, "a sync after recovery still wrote something"
    assert world.integrity() == "ok"
    print(f"{kills} SIGKILLs over {round_} rounds ({mid_write} left journaled writes open); "
          f"{len(world.expected)} events on each side, none lost or doubled")


def test_two_concurrent_syncs_one_runs_and_the_other_exits_locked(world):
    for side in ("pim", "crm") * 10:
        world.create(side)
    world.ews.faults.set_latency(0.2)
    world.salesforce.faults.set_latency(0.2)
    first = world.start_sync()
    time.sleep(0.3)
    second = world.start_sync()
    results = [first.communicate(timeout=120), second.communicate(timeout=120)]
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 4], (codes, results)
    loser = results[[first.returncode, second.returncode].index(4)]
    assert "pid" in loser[1] and "since" in loser[1]  # it says who holds the lock
