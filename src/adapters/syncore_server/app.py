"""The Celery app: ``celery -A syncore_server.app worker`` (or ``syncore server worker``) and ``... beat``.

Configuration comes from the ``SYNCORE_*`` environment (:mod:`syncore_server.settings`), read when the app is
first used, so importing this module needs no environment.

* Tasks carry ids only (profile name, kind, reason): settings and credentials are read by the worker.
* ``task_acks_late`` + ``task_reject_on_worker_lost``: a task whose worker dies is delivered again; the profile
  lock, the journal and idempotent creates make the second run harmless.
* ``worker_prefetch_multiplier = 1``: a sync is long; a worker holds one waiting task at most.
* Soft and hard time limits; the Redis ``visibility_timeout`` exceeds the hard limit plus the longest countdown
  (checked by :class:`~syncore_server.settings.ServerSettings`), or Redis would deliver a running task again.
* Two queues: ``syncore.dispatch`` (the beat's tick, quick) and ``syncore.sync`` (the syncs), so a backlog of
  syncs never delays dispatching.
"""

from __future__ import annotations

from celery import Celery

from .settings import ServerSettings

SYNC_QUEUE = "syncore.sync"
DISPATCH_QUEUE = "syncore.dispatch"


def configure(app: Celery, settings: ServerSettings) -> None:
    """Apply ``settings`` to ``app``."""
    app.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.time_limit,
        task_soft_time_limit=settings.soft_time_limit,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=SYNC_QUEUE,
        task_routes={"syncore_server.dispatch_due": {"queue": DISPATCH_QUEUE},
                     "syncore_server.sync_profile": {"queue": SYNC_QUEUE}},
        beat_schedule={"syncore-dispatch": {"task": "syncore_server.dispatch_due",
                                            "schedule": float(settings.dispatch_every),
                                            # a tick that waited longer than a period is obsolete: the next one comes
                                            "options": {"expires": float(settings.dispatch_every)}}},
        worker_max_tasks_per_child=1000,  # bounds any slow growth of a long-running child
        enable_utc=True,
        timezone="UTC",
    )


class SyncoreCelery(Celery):
    """Reads the ``SYNCORE_*`` settings the first time its configuration is needed."""

    def on_configure(self) -> None:  # called once, lazily, by Celery
        configure(self, ServerSettings.from_env())


app = SyncoreCelery("syncore_server", include=["syncore_server.tasks"])
