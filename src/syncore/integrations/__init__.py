"""Helpers that plug the auto-sync runner into other schedulers.

* :mod:`syncore.integrations.apscheduler`: APScheduler 3.x (``pip install syncore[apscheduler]``)
* cron, Windows Task Scheduler, Celery beat: call ``syncore run-due`` (or
  :meth:`syncore.runner.AutoSyncRunner.run_due`) every few minutes; the policy decides what is due.
"""

from __future__ import annotations
