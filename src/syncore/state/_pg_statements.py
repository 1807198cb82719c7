"""The SQL of :class:`~syncore.state.postgres.PostgresStateStore`: every statement it runs, by name. Values
always travel as query parameters; ``{s}`` is the schema, composed in as a quoted identifier."""

from __future__ import annotations

PAIR_COLUMNS = "profile, kind, pair_id, pim_id, crm_id, pim_version, crm_version, base, pim_body, conflicts"

#: Every statement, with {s} for the schema. Rendered once per store (see postgres._Statements).
STATEMENTS = {
    "pairs_by": f"SELECT {PAIR_COLUMNS} FROM {{s}}.pairs WHERE profile = %s AND kind = %s AND "
                "(pim_id = ANY(%s) OR crm_id = ANY(%s))",
    "versions_pim": "SELECT pim_id, pim_version FROM {s}.pairs WHERE profile = %s AND kind = %s AND pim_id = ANY(%s)",
    "versions_crm": "SELECT crm_id, crm_version FROM {s}.pairs WHERE profile = %s AND kind = %s AND crm_id = ANY(%s)",
    # a series' occurrence pairs (pairs_by_prefix): a range in byte order, which the "C" index (schema step 5) scans
    # (params: the prefix, the first string past every id it starts; postgres._after_prefix), starts_with the exact test
    "prefix_pim": f"SELECT {PAIR_COLUMNS} FROM {{s}}.pairs WHERE profile = %s AND kind = %s AND pim_id COLLATE \"C\" >= %s "
                  "AND pim_id COLLATE \"C\" < %s AND starts_with(pim_id, %s)",
    "prefix_crm": f"SELECT {PAIR_COLUMNS} FROM {{s}}.pairs WHERE profile = %s AND kind = %s AND crm_id COLLATE \"C\" >= %s "
                  "AND crm_id COLLATE \"C\" < %s AND starts_with(crm_id, %s)",
    # only the id column, only the ids with a separator (series_with_occurrence_pairs): strpos is a byte match,
    # no LIKE pattern to escape; the (profile, kind, id) index narrows the scan to the scope and can answer alone
    "occurrence_ids_pim": "SELECT pim_id FROM {s}.pairs WHERE profile = %s AND kind = %s AND strpos(pim_id, %s) > 0",
    "occurrence_ids_crm": "SELECT crm_id FROM {s}.pairs WHERE profile = %s AND kind = %s AND strpos(crm_id, %s) > 0",
    "pairs_all": f"SELECT {PAIR_COLUMNS} FROM {{s}}.pairs WHERE profile = %s AND kind = %s",
    "pairs_count": "SELECT count(*) FROM {s}.pairs WHERE profile = %s AND kind = %s",
    # A native id can move to a new pair (re-created after a delete): the pair that held it goes, as SQLite's
    # INSERT OR REPLACE does through the unique indexes.
    "pair_clash": "DELETE FROM {s}.pairs WHERE profile = %s AND kind = %s AND pair_id <> %s AND "
                  "(pim_id = %s OR crm_id = %s)",
    "pair_upsert": f"INSERT INTO {{s}}.pairs ({PAIR_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                   "ON CONFLICT (profile, kind, pair_id) DO UPDATE SET pim_id = EXCLUDED.pim_id, "
                   "crm_id = EXCLUDED.crm_id, pim_version = EXCLUDED.pim_version, crm_version = EXCLUDED.crm_version, "
                   "base = EXCLUDED.base, pim_body = EXCLUDED.pim_body, conflicts = EXCLUDED.conflicts",
    "pair_delete": "DELETE FROM {s}.pairs WHERE profile = %s AND kind = %s AND pair_id = %s",
    "cursor_get": "SELECT cursor FROM {s}.cursors WHERE profile = %s AND kind = %s AND side = %s",
    "cursor_set": "INSERT INTO {s}.cursors (profile, kind, side, cursor) VALUES (%s, %s, %s, %s) "
                  "ON CONFLICT (profile, kind, side) DO UPDATE SET cursor = EXCLUDED.cursor",
    "cursor_clear": "DELETE FROM {s}.cursors WHERE profile = %s AND kind = %s AND side = %s",
    # one statement for any number of ids: the ids travel as one array parameter
    "tombstones_add": "INSERT INTO {s}.tombstones (profile, kind, side, native_id, deleted_at) "
                      "SELECT %s, %s, %s, id, %s FROM unnest(%s::text[]) AS id "
                      "ON CONFLICT (profile, kind, side, native_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
    "tombstones_find": "SELECT native_id FROM {s}.tombstones WHERE profile = %s AND kind = %s AND side = %s AND "
                       "native_id = ANY(%s)",
    "tombstones_remove": "DELETE FROM {s}.tombstones WHERE profile = %s AND kind = %s AND side = %s AND "
                         "native_id = ANY(%s)",
    "journal_add": "INSERT INTO {s}.journal (intent_id, profile, kind, side, action, pair_id, target_id, source_id, "
                   "created_at, fingerprint, written, fields, sent_at) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                   "ON CONFLICT (intent_id) DO UPDATE SET profile = EXCLUDED.profile, kind = EXCLUDED.kind, "
                   "side = EXCLUDED.side, action = EXCLUDED.action, pair_id = EXCLUDED.pair_id, "
                   "target_id = EXCLUDED.target_id, source_id = EXCLUDED.source_id, "
                   "created_at = EXCLUDED.created_at, fingerprint = EXCLUDED.fingerprint, written = EXCLUDED.written, "
                   "fields = EXCLUDED.fields, sent_at = EXCLUDED.sent_at",
    "journal_sent": "UPDATE {s}.journal SET sent_at = %s WHERE intent_id = ANY(%s)",
    "journal_done": "DELETE FROM {s}.journal WHERE intent_id = ANY(%s)",
    "journal_open": "SELECT intent_id, side, action, pair_id, target_id, source_id, created_at, fingerprint, written, "
                    "fields, sent_at "
                    "FROM {s}.journal WHERE profile = %s AND kind = %s ORDER BY created_at, intent_id",
    "pending_put": "INSERT INTO {s}.pending (profile, kind, side, native_id, category, reason, pair_id, attempts, "
                   "next_attempt_at, ignored) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                   "ON CONFLICT (profile, kind, side, native_id) DO UPDATE SET category = EXCLUDED.category, "
                   "reason = EXCLUDED.reason, pair_id = EXCLUDED.pair_id, attempts = EXCLUDED.attempts, "
                   "next_attempt_at = EXCLUDED.next_attempt_at, ignored = EXCLUDED.ignored",
    "unconfirmed_add": "INSERT INTO {s}.unconfirmed (profile, kind, side, native_id) "
                  "SELECT %s, %s, %s, unnest(%s::text[]) ON CONFLICT DO NOTHING",
    "unconfirmed_list": "SELECT native_id FROM {s}.unconfirmed WHERE profile = %s AND kind = %s AND side = %s",
    "unconfirmed_forget": "DELETE FROM {s}.unconfirmed WHERE profile = %s AND kind = %s AND side = %s "
                     "AND native_id = ANY(%s)",
    "pending_remove": "DELETE FROM {s}.pending WHERE profile = %s AND kind = %s AND side = %s AND native_id = ANY(%s)",
    "pending_list": "SELECT side, native_id, category, reason, pair_id, attempts, next_attempt_at, ignored "
                    "FROM {s}.pending WHERE profile = %s AND kind = %s",
    "history_add": "INSERT INTO {s}.history (profile, kind, started_at, finished_at, ok, summary) "
                   "VALUES (%s, %s, %s, %s, %s, %s)",
    "history_list": "SELECT kind, started_at, finished_at, ok, summary FROM {s}.history WHERE profile = %s AND "
                    "finished_at >= %s ORDER BY finished_at DESC, id DESC",
    "history_purge": "DELETE FROM {s}.history WHERE finished_at < %s",
    "tombstones_purge": "DELETE FROM {s}.tombstones WHERE deleted_at < %s",
    "run_get": "SELECT last_run FROM {s}.runs WHERE profile = %s AND kind = %s",
    "run_set": "INSERT INTO {s}.runs (profile, kind, last_run) VALUES (%s, %s, %s) "
               "ON CONFLICT (profile, kind) DO UPDATE SET last_run = EXCLUDED.last_run",
    "generation_get": "SELECT generation FROM {s}.generations WHERE profile = %s AND kind = %s",
    "generation_bump": "INSERT INTO {s}.generations (profile, kind, generation) VALUES (%s, %s, 1) "
                       "ON CONFLICT (profile, kind) DO UPDATE SET generation = {s}.generations.generation + 1 "
                       "RETURNING generation",
    # Taken when free, when held by the same owner (a renewal keeps "since when"), when the lease ran out, or when
    # the caller has just won the advisory lock (the row's holder is gone: its connection closed).
    "lock_take": "INSERT INTO {s}.locks AS l (profile, owner, host, pid, acquired_at, expires_at) "
                 "VALUES (%(profile)s, %(owner)s, %(host)s, %(pid)s, %(acquired_at)s, %(expires_at)s) "
                 "ON CONFLICT (profile) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, "
                 "pid = EXCLUDED.pid, expires_at = EXCLUDED.expires_at, acquired_at = CASE "
                 "WHEN l.owner = EXCLUDED.owner THEN l.acquired_at ELSE EXCLUDED.acquired_at END "
                 "WHERE l.owner = EXCLUDED.owner OR l.expires_at <= %(now)s OR %(force)s RETURNING owner",
    "lock_renew": "UPDATE {s}.locks SET expires_at = %s WHERE profile = %s AND owner = %s",
    "lock_get": "SELECT owner, host, pid, acquired_at, expires_at FROM {s}.locks WHERE profile = %s",
    "lock_release": "DELETE FROM {s}.locks WHERE profile = %s AND owner = %s",
    "lock_any": "SELECT 1 FROM {s}.locks WHERE profile = %s",
}
