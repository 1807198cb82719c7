"""Versioned migrations in a PostgreSQL schema, one version per component, safe to run from many processes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigurationError


def advisory_key(*parts: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``parts`` (the same in every process and release)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def render(template: str, schema: str, conn: Any) -> str:
    """``template`` with ``{s}`` replaced by ``schema`` as a quoted identifier (never a value)."""
    from psycopg import sql

    return sql.SQL(template).format(s=sql.Identifier(schema)).as_string(conn)  # type: ignore[arg-type]


def migrate(conn: Any, schema: str, component: str, migrations: Sequence[Sequence[str]]) -> int:
    """Bring ``component``'s tables in ``schema`` to the newest version, in one transaction; returns it.

    Concurrent starters (several workers at once) queue on a transaction-scoped advisory lock, so each step runs
    once. A database migrated by a newer release is refused, not touched.

    :raises ConfigurationError: when the database's version of ``component`` is newer than ``migrations``
    """
    target = len(migrations)
    with conn.transaction():
        # the two-integer form: a key space apart from the profile locks' single bigint keys
        conn.execute("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [advisory_key("syncore-migrate", schema) >> 32, 0])
        conn.execute(render("CREATE SCHEMA IF NOT EXISTS {s}", schema, conn))
        conn.execute(render("CREATE TABLE IF NOT EXISTS {s}.schema_version ("
                            "component text PRIMARY KEY, version integer NOT NULL)", schema, conn))
        row = conn.execute(render("SELECT version FROM {s}.schema_version WHERE component = %s", schema, conn),
                           [component]).fetchone()
        version = 0 if row is None else int(row[0])
        if version > target:
            raise ConfigurationError(
                f"the database schema {schema!r} has {component} version {version}, newer than this syncore "
                f"supports ({target}); upgrade syncore", key="dsn", value=schema)
        for step in migrations[version:]:
            for statement in step:
                conn.execute(render(statement, schema, conn))
        conn.execute(render("INSERT INTO {s}.schema_version (component, version) VALUES (%s, %s) "
                            "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version", schema, conn),
                     [component, target])
    return target


def schema_version(conn: Any, schema: str, component: str) -> int:
    """The stored version of ``component`` (0 when never migrated)."""
    row = conn.execute(render("SELECT version FROM {s}.schema_version WHERE component = %s", schema, conn),
                       [component]).fetchone()
    return 0 if row is None else int(row[0])
