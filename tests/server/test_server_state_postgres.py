"""PostgresStateStore: the state-store contract against a real PostgreSQL, and what is PostgreSQL's own."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from syncore import ConfigurationError, Contact, Kind, Side, SyncEngine
from syncore.state.postgres import PostgresStateStore
from syncore.testing import MemoryAdapter, StateStoreContract
from syncore.testing.state_contract import make_holder


class TestPostgresStateStore(StateStoreContract):
    @pytest.fixture
    def store(self, pg_dsn, pg_schema):
        s = PostgresStateStore(pg_dsn, schema=pg_schema)
        yield s
        s.close()


class TestPostgresStateStoreBehindTransactionPooling(StateStoreContract):
    """The lease-only mode a transaction-pooling proxy needs passes the same contract."""

    @pytest.fixture
    def store(self, pg_dsn, pg_schema):
        s = PostgresStateStore(pg_dsn, schema=pg_schema, transaction_pooling=True)
        yield s
        s.close()


# -- what is PostgreSQL's own ------------------------------------------------------------------------------------
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

HOLDER_SCRIPT = """
import sys, time
from datetime import datetime, timedelta, timezone
from syncore.state.postgres import PostgresStateStore
from syncore.state_types import LockHolder
dsn, schema, lease_only = sys.argv[1], sys.argv[2], sys.argv[3] == "lease"
store = PostgresStateStore(dsn, schema=schema, transaction_pooling=lease_only)
now = datetime.now(timezone.utc)
holder = LockHolder(owner="crashed", host="another-host", pid=1, acquired_at=now, expires_at=now + timedelta(hours=1))
assert store.acquire_lock("alice", holder, now=now)
print("held", flush=True)
time.sleep(600)
"""


def hold_then_kill(pg_dsn, schema, mode):
    """A worker process takes alice's lock (lease: one hour) and is SIGKILLed while holding it."""
    worker = subprocess.Popen([sys.executable, "-c", HOLDER_SCRIPT, pg_dsn, schema, mode], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert worker.stdout.readline().strip() == "held"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)


def wait_for_backends_to_go(pg_dsn):
    """PostgreSQL ends a dead client's backend when it reads EOF; wait until only ours are left."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for _ in range(200):
            rows = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()
            if rows[0] == 0:
                return
            conn.execute("SELECT pg_sleep(0.05)")
    raise AssertionError("the killed worker's advisory lock was never freed")


def test_a_killed_workers_lock_is_free_at_once_though_its_lease_runs(pg_dsn, pg_schema):
    PostgresStateStore(pg_dsn, schema=pg_schema).close()
    hold_then_kill(pg_dsn, pg_schema, "advisory")
    wait_for_backends_to_go(pg_dsn)
    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        now = datetime.now(UTC)
        assert store.lock_holder("alice").owner == "crashed"  # the row outlived the worker...
        assert store.acquire_lock("alice", make_holder("next", now), now=now)  # ...the lock did not
        assert store.lock_holder("alice").owner == "next"
    finally:
        store.close()


def test_behind_transaction_pooling_a_killed_workers_lock_waits_for_its_lease(pg_dsn, pg_schema):
    PostgresStateStore(pg_dsn, schema=pg_schema).close()
    hold_then_kill(pg_dsn, pg_schema, "lease")
    store = PostgresStateStore(pg_dsn, schema=pg_schema, transaction_pooling=True)
    try:
        now = datetime.now(UTC)
        assert not store.acquire_lock("alice", make_holder("next", now), now=now)
        later = now + timedelta(hours=1, seconds=1)
        assert store.acquire_lock("alice", make_holder("next", later), now=later)
    finally:
        store.close()


def test_a_live_session_keeps_its_lock_from_another_store_even_past_the_lease(pg_dsn, pg_schema):
    first = PostgresStateStore(pg_dsn, schema=pg_schema)
    second = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        assert first.acquire_lock("alice", make_holder("A", T0, ttl=60), now=T0)
        late = T0 + timedelta(minutes=5)
        # A live connection means a live holder: Celery's hard time limit ends a hung one, closing it.
        assert not second.acquire_lock("alice", make_holder("B", late), now=late)
        assert second.acquire_lock("bob", make_holder("B", late), now=late)
        first.release_lock("alice", "A")
        assert second.acquire_lock("alice", make_holder("B", late), now=late)
        assert not first.acquire_lock("alice", make_holder("A", late), now=late)
    finally:
        first.close()
        second.close()


def test_a_dropped_lock_connection_loses_the_lock(pg_dsn, pg_schema):
    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    other = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        assert store.acquire_lock("alice", make_holder("A", T0, ttl=3600), now=T0)
        backend = store._lock_conn.info.backend_pid
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", [backend])
        assert not store.renew_lock("alice", "A", expires_at=T0 + timedelta(hours=2))  # the engine stops
        assert other.acquire_lock("alice", make_holder("B", T0), now=T0)
    finally:
        store.close()
        other.close()


def test_profiles_share_one_database_and_schemas_keep_stores_apart(pg_dsn, pg_schema):
    a = PostgresStateStore(pg_dsn, schema=pg_schema)
    b = PostgresStateStore(pg_dsn, schema=pg_schema + "_b")
    try:
        a.set_last_run("alice", Kind.EVENT, T0)
        assert b.last_run("alice", Kind.EVENT) is None
        assert b.acquire_lock("alice", make_holder("B", T0), now=T0)  # the schema is part of the lock key
        assert a.acquire_lock("alice", make_holder("A", T0), now=T0)
    finally:
        a.close()
        b.close()
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{pg_schema}_b" CASCADE')


def test_schema_is_versioned_and_a_newer_one_is_refused(pg_dsn, pg_schema):
    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    # 1: the SQLite store's tables; 2: unseen creates; 3: update intents; 4: whether an intent's batch was sent;
    # 5: the ids' byte-order indexes
    assert store.schema_version == 5
    store.close()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'UPDATE "{pg_schema}".schema_version SET version = 99 WHERE component = %s', ["state"])
    with pytest.raises(ConfigurationError, match="version 99"):
        PostgresStateStore(pg_dsn, schema=pg_schema)


def test_many_stores_starting_at_once_migrate_once(pg_dsn, pg_schema):
    import threading

    errors = []

    def start():
        try:
            PostgresStateStore(pg_dsn, schema=pg_schema).close()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_an_engine_syncs_through_the_postgres_store(pg_dsn, pg_schema):
    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        pim, crm = MemoryAdapter(name="pim"), MemoryAdapter(name="crm", formatted_bodies=False)
        for n in range(250):
            pim.put(Contact(last_name=f"Lee {n}", email=f"lee{n}@example.com"))
        engine = SyncEngine(pim=pim, crm=crm, state=store)
        result = engine.sync(Kind.CONTACT)
        assert result.ok and len(crm.records(Kind.CONTACT)) == 250
        assert store.count_pairs("default", Kind.CONTACT) == 250
        assert store.generation("default", Kind.CONTACT) == 1
        [first] = store.pairs_for("default", Kind.CONTACT, pim_ids=[next(iter(pim.records(Kind.CONTACT)))])
        crm.edit(first.crm_id, title="CEO")
        engine.sync(Kind.CONTACT)
        assert pim.records(Kind.CONTACT)[first.pim_id].title == "CEO"
        assert len(crm.records(Kind.CONTACT)) == 250 and len(pim.records(Kind.CONTACT)) == 250
        assert store.lock_holder("default") is None
    finally:
        store.close()


def test_a_database_error_is_a_state_store_error_without_the_dsn(pg_dsn, pg_schema):
    from syncore.errors import StateStoreError

    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f'DROP TABLE "{pg_schema}".cursors')
        with pytest.raises(StateStoreError) as info:
            store.get_cursor("alice", Kind.EVENT, Side.PIM)
        assert pg_schema in str(info.value) and "cursors" in str(info.value) and pg_dsn not in str(info.value)
        store.set_last_run("alice", Kind.EVENT, T0)  # the pool recovered
        assert store.last_run("alice", Kind.EVENT) == T0
    finally:
        store.close()


def test_the_lock_session_asks_the_server_to_notice_a_vanished_client_within_a_minute(pg_dsn, pg_schema):
    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        assert store.acquire_lock("alice", make_holder("A", T0), now=T0)
        settings = dict(store._lock_conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%'").fetchall())
        assert (settings["tcp_keepalives_idle"], settings["tcp_keepalives_interval"],
                settings["tcp_keepalives_count"]) == ("30", "10", "3")  # ~60 s instead of the 2-hour default
    finally:
        store.close()


def test_a_prefix_lookup_scans_an_index_range_not_the_scope(pg_dsn, pg_schema):
    """pairs_by_prefix (a series' occurrence pairs, asked per changed series) at 20,000 pairs of one scope: the
    planner answers it from the byte-order index (schema step 5), not by reading every pair of the scope
    (measured at 100,000 pairs: 11-17 ms a lookup before, 0.2-0.4 ms with it; docs/benchmarks.md)."""
    import psycopg

    store = PostgresStateStore(pg_dsn, schema=pg_schema)
    try:
        store.pairs_by_prefix("default", Kind.EVENT, Side.PIM, "x#")  # (migrates)
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"""INSERT INTO "{pg_schema}".pairs (profile, kind, pair_id, pim_id, crm_id, base)
                SELECT 'default', 'event', 'p' || g, 'AAMkAD' || md5(g::text) || CASE WHEN g % 10 = 0 THEN '#2026-0'
                || (g % 7) ELSE '' END, 'crm' || g, '{{}}'::bytea FROM generate_series(1, 20000) g""")
            conn.execute(f'ANALYZE "{pg_schema}".pairs')
            sql = store._sql["prefix_pim"]  # the store's own statement
            prefix = "AAMkAD" + hashlib.md5(b"50").hexdigest() + "#"
            plan = "\n".join(row[0] for row in conn.execute(
                "EXPLAIN " + sql, ["default", "event", prefix, prefix[:-1] + "$", prefix]).fetchall())
        assert "pairs_pim_bytes" in plan, plan
        assert [p.pim_id for p in store.pairs_by_prefix("default", Kind.EVENT, Side.PIM, prefix)] == [prefix + "2026-01"]
    finally:
        store.close()
