"""Run syncore's auto sync from an APScheduler 3.x scheduler.

The scheduler fires one job; the job calls :meth:`~syncore.runner.AutoSyncRunner.run_due`, which asks the
policy what is due, syncs it and returns the next due time, to which the job's next fire time is moved
forward when it is sooner than the regular check. APScheduler is imported only when this module is used.
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
    check_every: timedelta = timedelta(minutes=5),
    job_id: str = DEFAULT_JOB_ID,
    **job_options: Any,
) -> Any:
    """Add (or replace) the auto-sync job on ``scheduler`` and return the APScheduler job.

    The job runs at most one instance at a time and coalesces missed runs; the runner's profile lock also
    keeps other processes from syncing the same profile concurrently.

    :param scheduler: a started or not-yet-started APScheduler 3.x scheduler (``BackgroundScheduler``, …)
    :param check_every: the longest time between two checks of the policy
    :param job_options: passed on to ``scheduler.add_job`` (e.g. ``executor="default"``)
    :raises ConfigurationError: when APScheduler 3.x is not installed
    """
    interval_trigger = _apscheduler()

    def tick() -> None:
        report = runner.run_due()
        job = scheduler.get_job(job_id)
        if report.next_run is None or job is None or job.next_run_time is None:
            return
        if report.next_run < job.next_run_time:
            scheduler.modify_job(job_id, next_run_time=report.next_run)

    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True,
                               "name": f"syncore auto sync ({runner.profile})"}
    options.update(job_options)
    options.setdefault("next_run_time", datetime.now().astimezone())
    return scheduler.add_job(tick, interval_trigger(seconds=max(1, int(check_every.total_seconds()))),
                             id=job_id, **options)
