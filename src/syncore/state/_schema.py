"""The SQLite schema, as an ordered list of migrations. Never edit a released step; append a new one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE pairs (
        profile TEXT NOT NULL, kind TEXT NOT NULL, pair_id TEXT NOT NULL,
        pim_id TEXT NOT NULL, crm_id TEXT NOT NULL,
        pim_version TEXT, crm_version TEXT,
        base BLOB NOT NULL,           -- compact JSON of the base record, default-valued fields left out
        pim_body BLOB,                -- set while a formatted PIM body is kept (see Pair.pim_body)
        conflicts TEXT,               -- comma-separated fields under an unresolved conflict
        PRIMARY KEY (profile, kind, pair_id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX pairs_pim ON pairs (profile, kind, pim_id);
    CREATE UNIQUE INDEX pairs_crm ON pairs (profile, kind, crm_id);
    CREATE TABLE cursors (
        profile TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL, cursor TEXT NOT NULL,
        PRIMARY KEY (profile, kind, side)
    );
    CREATE TABLE tombstones (
        profile TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL, native_id TEXT NOT NULL,
        deleted_at TEXT NOT NULL,
        PRIMARY KEY (profile, kind, side, native_id)
    );
    CREATE TABLE journal (
        intent_id TEXT PRIMARY KEY, profile TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL,
        action TEXT NOT NULL, pair_id TEXT, target_id TEXT, source_id TEXT, created_at TEXT NOT NULL,
        fingerprint TEXT              -- for creates: the written record as the target stores it (hash)
    );
    CREATE INDEX journal_scope ON journal (profile, kind);
    CREATE TABLE pending (
        profile TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL, native_id TEXT NOT NULL,
        category TEXT NOT NULL, reason TEXT NOT NULL, pair_id TEXT, attempts INTEGER NOT NULL,
        next_attempt_at TEXT, ignored INTEGER NOT NULL,
        PRIMARY KEY (profile, kind, side, native_id)
    );
    CREATE TABLE history (
        profile TEXT NOT NULL, kind TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
        ok INTEGER NOT NULL, summary TEXT NOT NULL
    );
    CREATE INDEX history_time ON history (profile, finished_at);
    CREATE TABLE runs (
        profile TEXT NOT NULL, kind TEXT NOT NULL, last_run TEXT NOT NULL, PRIMARY KEY (profile, kind)
    );
    CREATE TABLE locks (
        profile TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL
    );
    """,
    # 2: plan generations; the lock records its holder (host, pid, since) for lease renewal and `unlock`
    """
    CREATE TABLE generations (
        profile TEXT NOT NULL, kind TEXT NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY (profile, kind)
    );
    DROP TABLE locks;
    CREATE TABLE locks (
        profile TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL
    );
    """,
    # 3: creates on a net-change side that its feed has not shown yet (see StateStore.add_unconfirmed)
    """
    CREATE TABLE unconfirmed (
        profile TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL, native_id TEXT NOT NULL,
        PRIMARY KEY (profile, kind, side, native_id)
    ) WITHOUT ROWID;
    """,
    # 4: an update's intent keeps the base it writes and the fields (Intent.written, .fields), for recovery
    """
    ALTER TABLE journal ADD COLUMN written BLOB;
    ALTER TABLE journal ADD COLUMN fields TEXT;
    """,
    # 5: smaller pairs (see syncore.state._sqlite_pairs): the id prefixes learned per column; pair ids as bytes
    """
    CREATE TABLE id_prefixes (
        profile TEXT NOT NULL, kind TEXT NOT NULL, col TEXT NOT NULL, prefix TEXT NOT NULL,
        PRIMARY KEY (profile, kind, col)
    ) WITHOUT ROWID;
    UPDATE pairs SET pair_id = syncore_pair_id(pair_id) WHERE typeof(pair_id) = 'text';
    """,
    # 6: when an intent's batch was sent (Intent.sent_at; NULL: not yet); those journaled before this step count as
    # sent when journaled
    """
    ALTER TABLE journal ADD COLUMN sent_at TEXT;
    UPDATE journal SET sent_at = created_at;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
