"""The server's own settings, from the environment (``SYNCORE_*``) so workers, beat and the CLI agree.

======================================  =========================================================  ==========
variable                                what                                                       default
======================================  =========================================================  ==========
``SYNCORE_DATABASE_URL``                PostgreSQL (libpq URL or connection string)                required
``SYNCORE_BROKER_URL``                  Celery broker (Redis)                                      required
``SYNCORE_DB_SCHEMA``                   PostgreSQL schema of every syncore table                   syncore
``SYNCORE_TRANSACTION_POOLING``         ``1`` behind PgBouncer ``pool_mode=transaction``           0
``SYNCORE_TIME_LIMIT``                  hard time limit of one sync task, seconds                  1800
``SYNCORE_SOFT_TIME_LIMIT``             soft time limit (the sync stops cleanly), seconds          1500
``SYNCORE_VISIBILITY_TIMEOUT``          Redis redelivery of an unacknowledged task, seconds        7200
``SYNCORE_MAX_COUNTDOWN``               longest retry countdown (429, busy mailbox), seconds       900
``SYNCORE_MAILBOX_CAP``                 concurrent syncs per mailbox                               2
``SYNCORE_JITTER``                      spread of next due times, seconds                          60
``SYNCORE_DISPATCH_BATCH``              profiles one dispatcher tick hands out at most             1000
``SYNCORE_DISPATCH_EVERY``              seconds between two dispatcher ticks (beat)                60
``SYNCORE_SECRETS_PROVIDER``            ``module:Class`` of a :class:`~syncore.abc.SecretsProvider`  (none)
======================================  =========================================================  ==========
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

import attrs

from syncore.errors import ConfigurationError


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigurationError(f"{name} = {raw!r}: expected a whole number of seconds > 0", key=name, value=raw)
    return value


@attrs.frozen(kw_only=True)
class ServerSettings:
    """See the module docstring for each setting."""

    dsn: str = attrs.field(repr=False)  # may carry a password
    broker_url: str = attrs.field(repr=False)
    schema: str = "syncore"
    transaction_pooling: bool = False
    time_limit: int = 1800
    soft_time_limit: int = 1500
    visibility_timeout: int = 7200
    max_countdown: int = 900
    mailbox_cap: int = 2
    jitter: int = 60
    dispatch_batch: int = 1000
    dispatch_every: int = 60
    secrets_provider: str | None = None
    #: per-profile task history kept in task_runs
    history_days: int = 30

    def __attrs_post_init__(self) -> None:
        if self.soft_time_limit >= self.time_limit:
            raise ConfigurationError(
                f"SYNCORE_SOFT_TIME_LIMIT = {self.soft_time_limit}: expected less than SYNCORE_TIME_LIMIT "
                f"({self.time_limit}) so a sync can stop cleanly before it is killed", key="SYNCORE_SOFT_TIME_LIMIT")
        # Redis redelivers a task not acknowledged within the visibility timeout: it must outlast the longest
        # run (and the longest countdown, which the worker holds unacknowledged), or tasks run twice.
        if self.visibility_timeout <= self.time_limit + self.max_countdown:
            raise ConfigurationError(
                f"SYNCORE_VISIBILITY_TIMEOUT = {self.visibility_timeout}: expected more than SYNCORE_TIME_LIMIT + "
                f"SYNCORE_MAX_COUNTDOWN ({self.time_limit + self.max_countdown}), or a running task is delivered "
                "again", key="SYNCORE_VISIBILITY_TIMEOUT")

    @property
    def claim_for(self) -> timedelta:
        """How long a dispatched profile stays claimed: until its task must have run (or been redelivered)."""
        return timedelta(seconds=self.visibility_timeout + self.time_limit)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        """Read the ``SYNCORE_*`` variables.

        :raises ConfigurationError: naming the variable that is missing or wrong
        """
        env = os.environ if environ is None else environ
        for name in ("SYNCORE_DATABASE_URL", "SYNCORE_BROKER_URL"):
            if not env.get(name):
                raise ConfigurationError(f"{name} is not set (see `syncore docs server`)", key=name)
        pooling = env.get("SYNCORE_TRANSACTION_POOLING", "0")
        if pooling not in ("0", "1", "true", "false"):
            raise ConfigurationError(f"SYNCORE_TRANSACTION_POOLING = {pooling!r}: expected 0 or 1",
                                     key="SYNCORE_TRANSACTION_POOLING", value=pooling)
        return cls(
            dsn=env["SYNCORE_DATABASE_URL"], broker_url=env["SYNCORE_BROKER_URL"],
            schema=env.get("SYNCORE_DB_SCHEMA") or "syncore", transaction_pooling=pooling in ("1", "true"),
            time_limit=_seconds(env, "SYNCORE_TIME_LIMIT", 1800),
            soft_time_limit=_seconds(env, "SYNCORE_SOFT_TIME_LIMIT", 1500),
            visibility_timeout=_seconds(env, "SYNCORE_VISIBILITY_TIMEOUT", 7200),
            max_countdown=_seconds(env, "SYNCORE_MAX_COUNTDOWN", 900),
            mailbox_cap=_seconds(env, "SYNCORE_MAILBOX_CAP", 2),
            jitter=_seconds(env, "SYNCORE_JITTER", 60),
            dispatch_batch=_seconds(env, "SYNCORE_DISPATCH_BATCH", 1000),
            dispatch_every=_seconds(env, "SYNCORE_DISPATCH_EVERY", 60),
            secrets_provider=env.get("SYNCORE_SECRETS_PROVIDER") or None,
        )
