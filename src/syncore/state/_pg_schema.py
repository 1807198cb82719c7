"""The PostgreSQL schema of the state store, as ordered migrations. Never edit a released step; append one.

Every table lives in one PostgreSQL schema (``syncore`` by default), written ``{s}`` below and filled in as a
quoted identifier; each step is a list of single statements. ``{s}.schema_version`` records one version per
*component* (``state`` here; the server adds its own), so the state store and the server migrate separately.
"""

from __future__ import annotations

COMPONENT = "state"

MIGRATIONS: list[list[str]] = [
    # 1: the first schema: the SQLite store's tables (schema version 2 there), with native types
    [
        """CREATE TABLE {s}.pairs (
            profile text NOT NULL, kind text NOT NULL, pair_id text NOT NULL,
            pim_id text NOT NULL, crm_id text NOT NULL, pim_version text, crm_version text,
            base bytea NOT NULL,          -- compact JSON of the base record (syncore.snapshots)
            pim_body bytea,               -- set while a formatted PIM body is kept (see Pair.pim_body)
            conflicts text,               -- comma-separated fields under an unresolved conflict
            PRIMARY KEY (profile, kind, pair_id))""",
        "CREATE UNIQUE INDEX pairs_pim ON {s}.pairs (profile, kind, pim_id)",
        "CREATE UNIQUE INDEX pairs_crm ON {s}.pairs (profile, kind, crm_id)",
        """CREATE TABLE {s}.cursors (
            profile text NOT NULL, kind text NOT NULL, side text NOT NULL, cursor text NOT NULL,
            PRIMARY KEY (profile, kind, side))""",
        """CREATE TABLE {s}.tombstones (
            profile text NOT NULL, kind text NOT NULL, side text NOT NULL, native_id text NOT NULL,
            deleted_at timestamptz NOT NULL,
            PRIMARY KEY (profile, kind, side, native_id))""",
        "CREATE INDEX tombstones_age ON {s}.tombstones (deleted_at)",
        """CREATE TABLE {s}.journal (
            intent_id text PRIMARY KEY, profile text NOT NULL, kind text NOT NULL, side text NOT NULL,
            action text NOT NULL, pair_id text, target_id text, source_id text,
            created_at timestamptz NOT NULL, fingerprint text)""",
        "CREATE INDEX journal_scope ON {s}.journal (profile, kind, created_at)",
        """CREATE TABLE {s}.pending (
            profile text NOT NULL, kind text NOT NULL, side text NOT NULL, native_id text NOT NULL,
            category text NOT NULL, reason text NOT NULL, pair_id text, attempts integer NOT NULL,
            next_attempt_at timestamptz, ignored boolean NOT NULL,
            PRIMARY KEY (profile, kind, side, native_id))""",
        # json, not jsonb: a summary keeps its text as written (jsonb refuses \\u0000 in error messages)
        """CREATE TABLE {s}.history (
            id bigserial PRIMARY KEY, profile text NOT NULL, kind text NOT NULL,
            started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL, ok boolean NOT NULL,
            summary json NOT NULL)""",
        "CREATE INDEX history_time ON {s}.history (profile, finished_at)",
        "CREATE INDEX history_age ON {s}.history (finished_at)",
        """CREATE TABLE {s}.runs (
            profile text NOT NULL, kind text NOT NULL, last_run timestamptz NOT NULL, PRIMARY KEY (profile, kind))""",
        """CREATE TABLE {s}.generations (
            profile text NOT NULL, kind text NOT NULL, generation bigint NOT NULL, PRIMARY KEY (profile, kind))""",
        # the holder row beside the advisory lock: who holds it, since when, and the lease for pooled setups
        """CREATE TABLE {s}.locks (
            profile text PRIMARY KEY, owner text NOT NULL, host text NOT NULL, pid integer NOT NULL,
            acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)""",
    ],
    # 2: creates on a net-change side that its feed has not shown yet (see StateStore.add_unconfirmed)
    [
        """CREATE TABLE {s}.unconfirmed (
            profile text NOT NULL, kind text NOT NULL, side text NOT NULL, native_id text NOT NULL,
            PRIMARY KEY (profile, kind, side, native_id))""",
    ],
    # 3: an update's intent keeps the base it writes and the fields (Intent.written, .fields), for recovery
    [
        "ALTER TABLE {s}.journal ADD COLUMN written bytea",
        "ALTER TABLE {s}.journal ADD COLUMN fields text",
    ],
    # 4: when an intent's batch was sent (Intent.sent_at; NULL: not yet); those journaled before this step count as
    # sent when journaled
    [
        "ALTER TABLE {s}.journal ADD COLUMN sent_at timestamptz",
        "UPDATE {s}.journal SET sent_at = created_at",
    ],
    # 5: the ids in byte order (collation "C"), so a prefix lookup (pairs_by_prefix: a series' occurrence pairs) is
    # an index range scan; in the database's collation a prefix's ids need not be adjacent
    [
        'CREATE INDEX pairs_pim_bytes ON {s}.pairs (profile, kind, pim_id COLLATE "C")',
        'CREATE INDEX pairs_crm_bytes ON {s}.pairs (profile, kind, crm_id COLLATE "C")',
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
