"""The two tasks: the dispatcher (one periodic tick for every profile) and one profile's sync of one kind."""

from __future__ import annotations

import logging
import os
import random
from typing import Any

from celery import Task
from celery.signals import worker_process_shutdown

from syncore.locking import LEASE

from .app import app
from .runtime import Server
from .settings import ServerSettings

_LOG = logging.getLogger("syncore_server.tasks")
#: how often a deferred task (profile locked, mailbox busy, rate limited) is retried before it gives the claim up
MAX_DEFERRALS = 5
_server: tuple[int, Server] | None = None


def server() -> Server:
    """This process's :class:`Server` (opened in each worker child after the fork, never shared across it)."""
    global _server
    if _server is None or _server[0] != os.getpid():
        _server = (os.getpid(), Server(ServerSettings.from_env()))
    return _server[1]


@worker_process_shutdown.connect
def _close_server(**_: Any) -> None:
    global _server
    if _server is not None and _server[0] == os.getpid():
        _server[1].close()
    _server = None


@app.task(name="syncore_server.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Hand out the due profiles (claimed with ``FOR UPDATE SKIP LOCKED``); returns how many tasks were sent."""
    sent = server().dispatch_due()
    for profile, kind in sent:
        sync_profile.apply_async((profile, kind, "schedule"))
    if sent:
        _LOG.info("dispatched %d profile(s)", len(sent))
    return len(sent)


@app.task(bind=True, name="syncore_server.sync_profile", ignore_result=True, max_retries=None)
def sync_profile(self: Task, profile: str, kind: str, reason: str) -> str:
    """Sync ``kind`` of ``profile`` once; ``reason`` says who asked (schedule, next kind, an operator)."""
    srv = server()
    delivery = self.request.delivery_info or {}
    redelivered = bool(delivery.get("redelivered"))
    outcome = srv.run(profile, kind, reason, task_id=self.request.id, redelivered=redelivered)
    if outcome.status == "locked" and redelivered:
        # A copy of a task that is still running (or already finished): the running one does the work. In case
        # the holder is a dead machine's session that PostgreSQL has not noticed yet, the claim is shortened to a
        # lease, after which the dispatcher looks again (a running original sets the schedule itself when done).
        _LOG.info("profile %s %s: redelivered task found the profile locked; ending quietly", profile, kind)
        srv.db.claim(profile, srv.clock() + LEASE)
        return "duplicate"
    if outcome.deferred:
        wait = min(outcome.retry_after or 60.0, float(srv.settings.max_countdown))
        if self.request.retries < MAX_DEFERRALS:
            srv.db.claim(profile, srv.clock() + srv.settings.claim_for)
            # a countdown, never a sleep: the worker takes other profiles meanwhile
            raise self.retry(countdown=wait + random.uniform(0, min(wait, 10.0)))  # noqa: S311
        srv.release(profile, retry_in=wait)
        return outcome.status
    following = srv.after(profile, kind, outcome)
    if following is not None:
        sync_profile.apply_async((profile, following, "next kind"))
    _LOG.info("profile %s %s: %s", profile, kind, outcome.status)
    return outcome.status
