"""The background runner, driven by a fake clock: due kinds, holds, back-off, locking and the thread."""

from __future__ import annotations

import time as _time
from datetime import time, timedelta

from syncore import Contact, Event, Kind, Task
from syncore.config import AutoSync, Config, Frequencies, Job, Jobs, Other, Window
from syncore.errors import TransientError
from syncore.notify import Notifications, SummaryPolicy
from syncore.plan import Plan
from syncore.results import EventType
from syncore.runner import AutoSyncRunner, Backoff
from syncore.schedule import Schedule
from syncore.settings import ConflictPolicy
from syncore.state_types import LockHolder

AUTO = AutoSync(enabled=True, frequency=Frequencies(event=timedelta(minutes=15), contact=timedelta(hours=1),
                                                     task=timedelta(minutes=30)))


def _runner(engine, config, clock, **kwargs):
    kwargs.setdefault("notifier", lambda event: None)
    return AutoSyncRunner(engine, Schedule.from_config(config, system_zone="UTC"), clock=clock,
                          notifications=config.notifications, summary=config.summary, **kwargs)


def _event(clock, subject="Standup", hours=1):
    return Event(subject=subject, start=clock.now + timedelta(hours=hours), end=clock.now + timedelta(hours=hours + 1))


def test_nothing_runs_when_auto_sync_is_off(make_engine, clock):
    config = Config()
    report = _runner(make_engine(config), config, clock).run_due()
    assert report.outcomes == () and report.next_run is None


def test_first_tick_syncs_every_included_kind_then_waits_for_the_shortest_frequency(make_engine, sides, clock):
    pim, crm = sides
    pim.put(_event(clock))
    crm.put(Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com"))
    pim.put(Task(subject="Send offer"))
    config = Config(auto_sync=AUTO)
    runner = _runner(make_engine(config), config, clock)
    report = runner.run_due()
    assert [o.kind for o in report.outcomes] == [Kind.EVENT, Kind.CONTACT, Kind.TASK]
    assert all(o.status == "ok" for o in report.outcomes)
    assert len(crm.records(Kind.EVENT)) == 1 and len(pim.records(Kind.CONTACT)) == 1
    assert report.next_run == clock.now + timedelta(minutes=15)
    assert runner.run_due().outcomes == ()
    clock.advance(15 * 60)
    assert [o.kind for o in runner.run_due().outcomes] == [Kind.EVENT]


def test_kinds_excluded_from_background_are_not_synced(make_engine, sides, clock):
    pim, crm = sides
    pim.put(Task(subject="Call back"))
    config = Config(auto_sync=AUTO, jobs=Jobs(task=Job(background=False)))
    report = _runner(make_engine(config), config, clock).run_due()
    assert Kind.TASK not in [o.kind for o in report.outcomes]
    assert crm.records(Kind.TASK) == {}


def test_outside_the_window_nothing_runs_until_it_opens(make_engine, sides, clock):
    pim, crm = sides
    pim.put(_event(clock))
    window = Window(start=time(18, 0), end=time(7, 0))  # clock reads 09:00 UTC
    config = Config(auto_sync=AutoSync(enabled=True, window=window, timezone="UTC"))
    runner = _runner(make_engine(config), config, clock)
    report = runner.run_due()
    assert report.outcomes == ()
    assert report.next_run == clock.now.replace(hour=18)
    assert crm.records(Kind.EVENT) == {}
    clock.now = report.next_run
    assert runner.run_due().outcomes != ()
    assert len(crm.records(Kind.EVENT)) == 1


def test_mass_delete_is_held_for_review_and_the_user_is_told(make_engine, sides, clock, tmp_path):
    pim, crm = sides
    ids = [pim.put(_event(clock, subject=f"Meeting {n}", hours=n + 1)) for n in range(10)]
    config = Config(auto_sync=AUTO, jobs=Jobs(contact=Job(background=False), task=Job(background=False)),
                    notifications=Notifications(conflict=False, error=False))
    told = []
    summaries = []
    runner = _runner(make_engine(config), config, clock, notifier=told.append, review_dir=tmp_path,
                     on_summary=summaries.append)
    assert runner.run_due().outcomes[0].status == "ok"
    for native_id in ids:
        pim.remove(native_id)
    clock.advance(15 * 60)
    outcome = runner.run_due().outcomes[0]
    assert outcome.status == "held"
    assert len(crm.records(Kind.EVENT)) == 10  # nothing deleted
    assert Plan.load(outcome.plan_path).safety  # the saved plan can be reviewed and applied later
    assert any(str(outcome.plan_path) in event.message for event in told)  # told despite switches off
    assert summaries and summaries[-1].summary.held_for_review
    history = runner.engine.state.history(runner.profile)
    assert history[0].summary.get("held_for_review") is True
    clock.advance(60)
    assert runner.run_due().outcomes == ()  # not re-planned every tick; waits for the frequency


def test_conflicts_left_for_review_hold_the_plan(make_engine, sides, clock, tmp_path):
    pim, crm = sides
    pim_id = pim.put(_event(clock, subject="Budget"))
    config = Config(auto_sync=AUTO, other=Other(conflict_policy=ConflictPolicy.MANUAL))
    runner = _runner(make_engine(config), config, clock, review_dir=tmp_path)
    runner.run_due()
    (crm_id,) = crm.records(Kind.EVENT)
    pim.edit(pim_id, location="Room 1")
    crm.edit(crm_id, location="Room 2")
    clock.advance(15 * 60)
    outcome = runner.run_due().outcomes[0]
    assert outcome.status == "held"
    assert pim.records(Kind.EVENT)[pim_id].location == "Room 1"
    assert crm.records(Kind.EVENT)[crm_id].location == "Room 2"


def test_failures_back_off_doubling(make_engine, sides, clock):
    pim, _ = sides
    config = Config(auto_sync=AUTO, jobs=Jobs(contact=Job(background=False), task=Job(background=False)))
    told = []
    runner = _runner(make_engine(config), config, clock, notifier=told.append,
                     backoff=Backoff(base=timedelta(minutes=1), maximum=timedelta(minutes=10)))
    pim.fail_next("full_scan", times=2, error=TransientError("server busy"))
    assert runner.run_due().outcomes[0].status == "failed"
    assert any(e.type is EventType.ERROR for e in told)
    assert runner.decision().next_run == clock.now + timedelta(minutes=1)
    clock.advance(59)
    assert runner.run_due().outcomes == ()
    clock.advance(1)
    assert runner.run_due().outcomes[0].status == "failed"
    assert runner.decision().next_run == clock.now + timedelta(minutes=2)
    clock.advance(120)
    assert runner.run_due().outcomes[0].status == "ok"
    assert runner.decision().next_run == clock.now + timedelta(minutes=15)


def test_server_retry_after_lengthens_the_backoff(make_engine, sides, clock):
    pim, _ = sides
    config = Config(auto_sync=AUTO, jobs=Jobs(contact=Job(background=False), task=Job(background=False)))
    runner = _runner(make_engine(config), config, clock)
    pim.fail_next("full_scan", error=TransientError("throttled", retry_after=600))
    runner.run_due()
    assert runner.decision().next_run == clock.now + timedelta(minutes=10)


def test_a_held_profile_lock_blocks_the_sync(make_engine, sides, clock):
    pim, crm = sides
    pim.put(_event(clock))
    config = Config(auto_sync=AUTO)
    engine = make_engine(config)
    holder = LockHolder(owner="another-process", host="another-host", pid=1, acquired_at=clock.now,
                        expires_at=clock.now + timedelta(minutes=10))
    assert engine.state.acquire_lock(engine.settings.profile, holder, now=clock.now)
    report = _runner(engine, config, clock).run_due()
    assert {o.status for o in report.outcomes} == {"locked"}
    assert crm.records(Kind.EVENT) == {}
    engine.state.release_lock(engine.settings.profile, "another-process")
    assert {o.status for o in _runner(engine, config, clock).run_due().outcomes} == {"ok"}


def test_engine_events_are_filtered_by_the_notification_switches(make_engine, sides, clock):
    pim, _ = sides
    pim.put(_event(clock))
    pim.put(Task(subject="Follow up"))
    config = Config(auto_sync=AUTO, notifications=Notifications(created=True, conflict=False, error=False))
    told = []
    everything = []
    _runner(make_engine(config, on_event=everything.append), config, clock, notifier=told.append).run_due()
    assert told and {e.type for e in told} == {EventType.CREATED}
    assert EventType.STARTED in {e.type for e in everything}  # the engine's own callback still sees all


def test_summary_policy_decides_which_results_are_shown(make_engine, sides, clock):
    pim, _ = sides
    pim.put(_event(clock))
    shown = []
    config = Config(auto_sync=AUTO, summary=SummaryPolicy.WHEN_CHANGES)
    _runner(make_engine(config), config, clock, on_summary=shown.append).run_due()
    assert [r.kind for r in shown] == [Kind.EVENT]  # contacts and tasks had nothing to do


def test_the_thread_sleeps_until_due_and_stops_cleanly(make_engine, clock):
    config = Config(auto_sync=AUTO, jobs=Jobs(contact=Job(background=False), task=Job(background=False)))
    end = clock.now + timedelta(hours=1)
    waits = []
    runner = None

    def fake_wait(seconds):
        waits.append(seconds)
        clock.advance(seconds)
        if clock.now > end:
            runner.stop()
        _time.sleep(0.001)

    runner = _runner(make_engine(config), config, clock, wait=fake_wait, max_sleep=timedelta(hours=2))
    start = _time.monotonic()
    runner.start()
    runner._thread.join(5)
    assert not runner.running
    assert _time.monotonic() - start < 5
    runs = [h for h in runner.engine.state.history(runner.profile) if h.kind is Kind.EVENT]
    assert len(runs) == 5  # at 0, 15, 30, 45 and 60 minutes
    assert waits and all(w == 15 * 60 for w in waits)


def test_stop_interrupts_the_default_wait(make_engine, clock):
    config = Config(auto_sync=AUTO)
    runner = _runner(make_engine(config), config, clock, max_sleep=timedelta(hours=1))
    runner.start()
    _time.sleep(0.05)
    start = _time.monotonic()
    runner.stop(timeout=5)
    assert not runner.running and _time.monotonic() - start < 1
