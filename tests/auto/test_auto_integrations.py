"""The APScheduler 3.x helper."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from syncore import Event, Kind
from syncore.config import AutoSync, Config
from syncore.errors import ConfigurationError
from syncore.runner import AutoSyncRunner
from syncore.schedule import Schedule

pytest.importorskip("apscheduler")


def test_apscheduler_job_runs_the_due_kinds(make_engine, sides):
    from apscheduler.schedulers.background import BackgroundScheduler

    from syncore.integrations.apscheduler import schedule_auto_sync

    pim, crm = sides
    now = datetime.now(UTC)
    pim.put(Event(subject="Kickoff", start=now + timedelta(days=1), end=now + timedelta(days=1, hours=1)))
    config = Config(auto_sync=AutoSync(enabled=True))
    engine = make_engine(config)
    engine._clock = lambda: datetime.now(UTC)  # real time: APScheduler fires on the wall clock
    runner = AutoSyncRunner(engine, Schedule.from_config(config, system_zone="UTC"), notifier=lambda e: None)
    scheduler = BackgroundScheduler(timezone="UTC")
    job = schedule_auto_sync(scheduler, runner, check_every=timedelta(hours=1))
    assert job.trigger.interval == timedelta(hours=1)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10  # the state store is thread-safe; the memory adapter is read after
        while time.monotonic() < deadline and len(engine.state.history("default")) < 3:
            time.sleep(0.02)
        assert {entry.kind for entry in engine.state.history("default")} == set(Kind)
        assert len(crm.records(Kind.EVENT)) == 1
        assert job.max_instances == 1 and job.coalesce
    finally:
        scheduler.shutdown(wait=True)


def test_missing_apscheduler_is_a_clear_error(monkeypatch, make_engine):
    monkeypatch.setitem(sys.modules, "apscheduler", None)
    from syncore.integrations.apscheduler import schedule_auto_sync

    config = Config()
    runner = AutoSyncRunner(make_engine(config), Schedule.from_config(config, system_zone="UTC"))
    with pytest.raises(ConfigurationError) as caught:
        schedule_auto_sync(object(), runner)
    assert "syncore[apscheduler]" in str(caught.value)
