"""Real PostgreSQL and Redis for the server tests, started once per test process on loopback.

Locally the tests skip (with the reason) when the binaries are missing; in CI (``CI`` set) they fail instead:
.ci/run installs both from Debian's packages, so a missing server there is a broken setup, never a skip.
"""

from __future__ import annotations

import os
import uuid

import pytest

from syncore_server.services import LocalPostgres, LocalRedis, ServiceUnavailable


def _unavailable(exc: ServiceUnavailable) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the server tests: {exc}", pytrace=False)
    pytest.skip(f"server tests need the service: {exc}")


@pytest.fixture(scope="session")
def postgres():
    server = LocalPostgres()
    try:
        server.start()
    except ServiceUnavailable as exc:
        server.stop()
        _unavailable(exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    server = LocalRedis()
    try:
        server.start()
    except ServiceUnavailable as exc:
        server.stop()
        _unavailable(exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_dsn(postgres):
    """One database for the session; tests keep apart by PostgreSQL schema (see ``pg_schema``)."""
    return postgres.create_database("syncore_tests")


@pytest.fixture
def pg_schema(pg_dsn):
    """A fresh PostgreSQL schema name, dropped after the test."""
    import psycopg
    from psycopg import sql

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
