"""Run syncore's auto sync from an APScheduler 3.x scheduler.

The scheduler fires one job at a regular interval; the job calls
:meth:`~syncore.runner.AutoSyncRunner.run_due`, which asks the policy what is due (frequency per kind, daily
window, back-off) and syncs it. APScheduler is imported only when this module is used.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import ConfigurationError
from ..runner import AutoSyncRunner

DEFAULT_JOB_ID = "syncore-auto-sync"


def _apscheduler() -> Any:
    try:
        import apscheduler
        from apscheduler.triggers.interval import IntervalTrigger
    except ImportError:
        raise ConfigurationError(
            "APScheduler is not installed; install it with: pip install syncore[apscheduler]", key="apscheduler"
        ) from None
    version = getattr(apscheduler, "__version__", "3")
    if not str(version).startswith("3."):
        raise ConfigurationError(f"APScheduler {version} is installed; this helper supports APScheduler 3.x",
                                 key="apscheduler", value=version)
    return IntervalTrigger


def schedule_auto_sync(
    scheduler: Any,
    runner: AutoSyncRunner,
    *,
    check_every: timedelta = timedelta(minutes=1),
    job_id: str = DEFAULT_JOB_ID,
    **job_options: Any,
) -> Any:
    """Add (or replace) the auto-sync job on ``scheduler`` and return the APScheduler job.

    The job asks the policy every ``check_every`` and syncs whatever is due, so a kind runs at most
    ``check_every`` after it becomes due; checking is cheap (a few reads of the state store). The job never
    calls back into the scheduler, so ``scheduler.shutdown(wait=True)`` cannot deadlock with it. It runs at
    most one instance at a time and coalesces missed runs; the profile lock keeps other processes from
    syncing the same profile concurrently.

    :param scheduler: an APScheduler 3.x scheduler (``BackgroundScheduler``, ``AsyncIOScheduler``, …)
    :param check_every: how often the policy is asked
    :param job_options: passed on to ``scheduler.add_job`` (e.g. ``executor="default"``)
    :raises ConfigurationError: when APScheduler 3.x is not installed
    """
    interval_trigger = _apscheduler()
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True,
                               "name": f"syncore auto sync ({runner.profile})"}
    options.update(job_options)
    options.setdefault("next_run_time", datetime.now().astimezone())
    return scheduler.add_job(runner.run_due, interval_trigger(seconds=max(1, int(check_every.total_seconds()))),
                             id=job_id, **options)
