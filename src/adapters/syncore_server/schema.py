"""The server's own tables, beside the state store's in the same PostgreSQL schema (component ``server``).

* ``server_settings``: the shared defaults every profile starts from (a settings-file table as JSON);
* ``profiles``: one row per user: the per-user overrides (settings-file keys, credentials as *references*
  only), the Salesforce org whose API budget it draws on, and the mailbox whose concurrency cap it counts on;
* ``schedule``: when each profile is next due, who claimed it, last success, consecutive errors, back-off;
* ``task_runs``: one row per task run (30 days): when it held the profile lock, where, and how it ended;
* ``org_budgets``: the shared API budget per Salesforce org, as the org last reported it.
"""

from __future__ import annotations

COMPONENT = "server"

MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE {s}.server_settings (name text PRIMARY KEY, value json NOT NULL)",
        """CREATE TABLE {s}.profiles (
            profile text PRIMARY KEY, overrides json NOT NULL, org text, mailbox text,
            enabled boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now())""",
        """CREATE TABLE {s}.schedule (
            profile text PRIMARY KEY REFERENCES {s}.profiles ON DELETE CASCADE,
            next_due timestamptz NOT NULL,
            claimed_until timestamptz,        -- a task for it is queued or running until then
            last_success timestamptz, error_count integer NOT NULL DEFAULT 0,
            backoff_until timestamptz, last_error text)""",
        "CREATE INDEX schedule_due ON {s}.schedule (next_due)",
        """CREATE TABLE {s}.task_runs (
            id bigserial PRIMARY KEY, profile text NOT NULL, kind text NOT NULL, reason text NOT NULL,
            task_id text, host text NOT NULL, pid integer NOT NULL, redelivered boolean NOT NULL,
            started_at timestamptz NOT NULL, finished_at timestamptz,
            outcome text, message text)""",
        "CREATE INDEX task_runs_profile ON {s}.task_runs (profile, started_at)",
        "CREATE INDEX task_runs_age ON {s}.task_runs (started_at)",
        """CREATE TABLE {s}.org_budgets (
            org text PRIMARY KEY,
            used bigint NOT NULL DEFAULT 0,   -- the org's usage as last reported, plus calls not yet answered
            max bigint,                       -- the org's daily allocation as last reported (None: not yet)
            in_flight integer NOT NULL DEFAULT 0,
            reported_at timestamptz)""",
    ],
]
