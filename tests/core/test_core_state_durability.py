"""The SQLite state file in WAL mode, and the write-intent journal made durable before the remote write.

With ``synchronous=NORMAL`` a WAL commit may be undone by a power cut; the executor's journal commit must not
be (a journal entry lost after its write was made lets the next sync repeat the write: a duplicate). SQLite
fixes a transaction's sync level when it begins, so what is pinned here is the order of statements on the
store's connection: ``PRAGMA synchronous = FULL`` before the BEGIN of the transaction that journals, and the
journal visible to another connection (committed) when the adapter is asked to write.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime

import pytest

from syncore import Contact, Kind, Side, SqliteStateStore, SyncEngine, SyncSettings
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_state_file_is_in_wal_mode_and_its_log_is_owner_only(tmp_path):
    path = tmp_path / "state.db"
    old = os.umask(0o000)
    try:
        store = SqliteStateStore(path)
        store.set_cursor("default", Kind.CONTACT, Side.PIM, "c")  # a write creates the -wal file
    finally:
        os.umask(old)
    try:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) == 0o600, suffix
    finally:
        store.close()


class Trace(list):
    """The statements run on one SQLite connection, in order."""

    def __call__(self, statement: str) -> None:
        self.append(" ".join(statement.split()))


def _transactions(trace: Trace) -> list[tuple[str, list[str]]]:
    """(sync level in force, statements) for each committed transaction in ``trace``."""
    level, out, statements = "NORMAL", [], None
    for statement in trace:
        if statement.startswith("PRAGMA synchronous ="):
            level = statement.split("=")[1].strip()
        elif statement.startswith("BEGIN"):
            statements, begun_at = [], level
        elif statement == "COMMIT":
            out.append((begun_at, statements or []))
            statements = None
        elif statements is not None:
            statements.append(statement)
    return out


def _sync_level_at_commits(trace: Trace) -> list[tuple[str, str]]:
    """(sync level in force, first statement) for each transaction in ``trace``."""
    return [(level, statements[0] if statements else "") for level, statements in _transactions(trace)]


def test_durable_transaction_begins_with_full_sync_and_restores_normal(tmp_path):
    store = SqliteStateStore(tmp_path / "state.db")
    trace = Trace()
    store._db.set_trace_callback(trace)
    with store.durable_transaction():
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL for this commit
        store.set_cursor("default", Kind.CONTACT, Side.PIM, "c")
    with store.transaction():
        store.set_cursor("default", Kind.CONTACT, Side.PIM, "d")
    assert [level for level, _ in _sync_level_at_commits(trace)] == ["FULL", "NORMAL"]
    store.close()


def test_durable_transaction_refuses_to_nest():
    store = SqliteStateStore(":memory:")
    with store.transaction(), pytest.raises(RuntimeError, match="nested"), store.durable_transaction():
        pass


class WitnessAdapter(MemoryAdapter):
    """A CRM that, when asked to create, looks at the state file through its own connection first."""

    def __init__(self, path, trace: Trace, **kwargs) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.trace = trace
        self.seen: list[tuple[int, int, str]] = []

    def create(self, kind, requests):
        with sqlite3.connect(self.path) as other:
            journaled = other.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
            paired = other.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        journal_commit = next(level for level, statements in reversed(_transactions(self.trace))
                              if any(s.startswith("INSERT OR REPLACE INTO journal") for s in statements))
        self.seen.append((journaled, paired, journal_commit))
        return super().create(kind, requests)


def test_the_journal_is_committed_with_full_sync_before_each_remote_write(tmp_path):
    path = tmp_path / "state.db"
    store = SqliteStateStore(path)
    trace = Trace()
    store._db.set_trace_callback(trace)
    pim = MemoryAdapter(name="pim", batch_size=10, clock=lambda: T0)
    crm = WitnessAdapter(path, trace, name="crm", batch_size=10, clock=lambda: T0)
    for n in range(25):
        pim.put(Contact(last_name=f"Lee {n}"))
    engine = SyncEngine(pim=pim, crm=crm, state=store, settings=SyncSettings(max_delete_ratio=1.0),
                        clock=lambda: T0)
    assert engine.sync(Kind.CONTACT).ok
    # three batches of creates: each saw its own intents committed (on disk) with FULL before it was sent (the
    # three journaled together, syncore.batches), and the outcomes of the batches before it stored (their pairs,
    # their intents done)
    assert crm.seen == [(25, 0, "FULL"), (15, 10, "FULL"), (5, 20, "FULL")]
    assert store.open_intents("default", Kind.CONTACT) == []
    assert store.count_pairs("default", Kind.CONTACT) == 25
    store.close()


def test_batches_are_journaled_together_and_their_outcomes_stored_one_commit_each(tmp_path):
    """One durable commit journals a group of batches; each batch's outcomes are stored by one ordinary commit
    before the next batch is sent (the last batch's with the cursors), and the next group's journal commit
    stores those of the batch before it."""
    path = tmp_path / "state.db"
    store = SqliteStateStore(path)
    trace = Trace()
    pim = MemoryAdapter(name="pim", batch_size=10, clock=lambda: T0)
    crm = MemoryAdapter(name="crm", batch_size=10, clock=lambda: T0)
    for n in range(25):
        pim.put(Contact(last_name=f"Lee {n}"))
    engine = SyncEngine(pim=pim, crm=crm, state=store, settings=SyncSettings(max_delete_ratio=1.0),
                        clock=lambda: T0)
    store._db.set_trace_callback(trace)
    assert engine.sync(Kind.CONTACT).ok
    store._db.set_trace_callback(None)
    transactions = _transactions(trace)
    journals = [(level, statements) for level, statements in transactions
                if any(s.startswith("INSERT OR REPLACE INTO journal") for s in statements)]
    assert [(level, sum(s.startswith("INSERT OR REPLACE INTO journal") for s in statements))
            for level, statements in journals] == [("FULL", 25)]
    stored = [sum(s.startswith("INSERT OR REPLACE INTO pairs") for s in statements) for _, statements in transactions]
    # lock, the journal, the first and second batches' outcomes, the third's with the cursors, history
    assert stored == [0, 0, 10, 10, 5, 0]
    assert any("INTO cursors" in s for s in transactions[4][1])
    store.close()


def test_journal_on_its_own_is_durable(tmp_path):
    from syncore.state_types import Action, Intent

    store = SqliteStateStore(tmp_path / "state.db")
    trace = Trace()
    store._db.set_trace_callback(trace)
    store.journal([Intent(intent_id="i1", profile="default", kind=Kind.CONTACT, side=Side.PIM,
                          action=Action.CREATE, pair_id="p1", target_id=None, source_id="s1", created_at=T0)])
    assert _sync_level_at_commits(trace)[-1][0] == "FULL"
    store.close()
