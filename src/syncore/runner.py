"""The built-in auto-sync runner: a background thread that syncs each kind when the policy says it is due.

:meth:`AutoSyncRunner.run_due` is one tick (also what ``syncore run-due`` and the APScheduler helper call);
:meth:`AutoSyncRunner.start` runs ticks in a thread that sleeps until the next due time. The runner keeps no
state of its own between ticks: last runs, failures and held plans are read back from the state store's
history, so a cron job calling ``run-due`` every few minutes behaves exactly like the thread.

* Kinds run one at a time, and the profile lock in the state store is held from planning to the end of the
  apply, so two runners (even in two processes) never sync the same profile at once.
* A plan the safety policy flags (mass delete, an emptied side) or that leaves conflicts for review is held:
  it is saved to ``review_dir`` and the user is told; nothing is written.
* After a failure a kind waits ``Backoff.delay(n)`` (doubling, capped) before it is tried again.
"""

from __future__ import annotations

import logging
import shlex
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import attrs

from ._files import make_private_dirs
from .abc import StateStore
from .engine import SyncEngine
from .errors import AdapterError, QuotaExhausted, SyncLocked, SyncoreError, TransientError
from .models import Kind
from .notify import NotificationFilter, Notifications, Notifier, SummaryPolicy, chain, log_notifier
from .results import EventType, SyncEvent, SyncResult
from .schedule import Decision, Schedule, decide
from .state_types import HistoryEntry
from .timezones import UTC, to_utc

_LOG = logging.getLogger("syncore.runner")

#: history entries the runner writes for attempts that wrote nothing carry one of these in their summary
FAILED_KEY = "failure"
HELD_KEY = "held_for_review"


@attrs.frozen(kw_only=True)
class Backoff:
    """Delay before retrying a kind after ``n`` consecutive failures: ``base * 2**(n-1)``, at most ``maximum``.

    A server's ``retry_after`` hint lengthens the delay; an exhausted API quota waits ``maximum``.
    """

    base: timedelta = timedelta(minutes=1)
    maximum: timedelta = timedelta(hours=1)

    def delay(self, failures: int, retry_after: float | None = None) -> timedelta:
        """The wait after ``failures`` (>= 1) consecutive failures."""
        delay = min(self.base * (2 ** max(0, min(failures, 32) - 1)), self.maximum)
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay


@attrs.frozen(kw_only=True)
class KindOutcome:
    """What one kind's background sync did.

    :ivar status: ``"ok"``, ``"errors"`` (applied, some records failed), ``"held"`` (not applied, needs
        review), ``"locked"`` (another sync was running) or ``"failed"`` (nothing applied)
    """

    kind: Kind
    status: str
    result: SyncResult | None = None
    plan_path: Path | None = None
    message: str = ""


@attrs.frozen(kw_only=True)
class TickReport:
    """The outcome of one :meth:`AutoSyncRunner.run_due` call."""

    outcomes: tuple[KindOutcome, ...]
    next_run: datetime | None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def due_decision(state: StateStore, profile: str, schedule: Schedule, now: datetime, *, backoff: Backoff,
                 history_days: int) -> Decision:
    """What is due at ``now`` for ``profile``: the schedule, the store's last runs and the back-off after failed
    attempts (read from the history), as :meth:`AutoSyncRunner.decision` and the server's dispatcher see it."""
    entries = state.history(profile, now - timedelta(days=history_days))
    last_runs: dict[Kind, datetime | None] = {}
    not_before: dict[Kind, datetime] = {}
    for kind in Kind:
        mine = [entry for entry in entries if entry.kind is kind]  # newest first
        last = state.last_run(profile, kind)
        if mine and (last is None or mine[0].finished_at > last):
            last = mine[0].finished_at  # a held or failed attempt counts as a run for the frequency
        last_runs[kind] = last
        failures = 0
        for entry in mine:
            if FAILED_KEY not in entry.summary:
                break
            failures += 1
        if failures:
            hint = mine[0].summary.get("retry_after")
            not_before[kind] = mine[0].finished_at + backoff.delay(failures, hint)
            last_runs[kind] = state.last_run(profile, kind)  # failures wait for the back-off, not a period
    return decide(schedule, last_runs, now, not_before=not_before)


class AutoSyncRunner:
    """Runs background syncs of one engine's profile according to a :class:`~syncore.schedule.Schedule`.

    During a background sync the engine's events also go through a
    :class:`~syncore.notify.NotificationFilter` to ``notifier``; the engine's own ``on_event`` callback keeps
    receiving every event.

    :param review_dir: where held plans are saved as JSON (``syncore apply`` takes them); None: not saved
    :param on_summary: called with each result the ``summary`` policy says to show (default: logged)
    :param clock: returns the current aware time (inject a fake clock in tests)
    :param wait: ``wait(seconds)`` pauses the thread; the default returns early when :meth:`stop` is called
    :param max_sleep: the longest single pause, so clock jumps (suspend, NTP) are noticed
    :param on_outcome: called with each kind's :class:`KindOutcome` as soon as it is known (``syncore run``
        prints a line per sync with it)
    :param command: how messages spell the command line that applies a held plan (``"syncore --config X"``)
    """

    def __init__(
        self,
        engine: SyncEngine,
        schedule: Schedule,
        *,
        notifications: Notifications | None = None,
        notifier: Notifier | None = None,
        summary: SummaryPolicy = SummaryPolicy.WHEN_ERRORS,
        on_summary: Callable[[SyncResult], None] | None = None,
        review_dir: str | Path | None = None,
        clock: Callable[[], datetime] | None = None,
        wait: Callable[[float], object] | None = None,
        backoff: Backoff | None = None,
        max_sleep: timedelta = timedelta(minutes=1),
        on_outcome: Callable[[KindOutcome], None] | None = None,
        command: str = "syncore",
    ) -> None:
        self.engine = engine
        self.schedule = schedule
        self.notifications = notifications or Notifications()
        self.notifier = notifier or log_notifier
        self.summary = SummaryPolicy(summary)
        self.on_summary = on_summary or _log_summary
        self.review_dir = Path(review_dir) if review_dir is not None else None
        self.backoff = backoff or Backoff()
        self.max_sleep = max_sleep
        self.on_outcome = on_outcome
        self.command = command
        self._clock = clock or _utcnow
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._thread: threading.Thread | None = None

    @property
    def profile(self) -> str:
        """The profile this runner syncs."""
        return self.engine.settings.profile

    def now(self) -> datetime:
        """The runner's current time (aware UTC)."""
        return to_utc(self._clock(), field="clock")

    # -- policy inputs from the state store ----------------------------------------------------------------
    def decision(self, now: datetime | None = None) -> Decision:
        """What is due now, from the schedule, the store's last runs and the history of failed attempts."""
        return due_decision(self.engine.state, self.profile, self.schedule, now or self.now(), backoff=self.backoff,
                            history_days=self.engine.settings.history_days)

    # -- one tick ------------------------------------------------------------------------------------------
    def run_due(self) -> TickReport:
        """Sync every kind due now, one at a time, and return what happened and when to come back."""
        decision = self.decision()
        outcomes = []
        for kind in decision.due:
            if self._stop.is_set():
                break
            outcome = self.run_kind(kind)
            outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        return TickReport(outcomes=tuple(outcomes), next_run=self.decision().next_run if outcomes else decision.next_run)

    def run_kind(self, kind: Kind) -> KindOutcome:
        """Plan one kind, hold it for review or apply it, under the profile lock."""
        started = self.now()
        own_callback = self.engine.on_event
        self.engine.on_event = chain(own_callback, NotificationFilter(self.notifications, self.notifier))
        try:
            # One hold of the profile lock from planning to the end of the apply: nothing can write in between.
            with self.engine.locked():
                plan = self.engine.plan(kind)
                if plan.needs_review:
                    return self._hold(plan, started)
                result = self.engine.apply(plan, recheck=False)
        except SyncLocked as exc:
            return KindOutcome(kind=kind, status="locked", message=str(exc))
        except SyncoreError as exc:
            return self._failed(kind, started, exc)
        finally:
            self.engine.on_event = own_callback
        if self.summary.should_show(result.summary):
            self.on_summary(result)
        return KindOutcome(kind=kind, status="ok" if result.ok else "errors", result=result)

    def _hold(self, plan: object, started: datetime) -> KindOutcome:
        from .plan import Plan

        assert isinstance(plan, Plan)
        reasons = list(plan.safety)
        open_conflicts = sum(1 for c in plan.conflicts if c.resolution is None)
        if open_conflicts:
            reasons.append(f"{open_conflicts} conflict(s) left for review")
        path = None
        if self.review_dir is not None:
            make_private_dirs(self.review_dir)
            path = self.review_dir / f"{plan.profile}-{plan.kind.value}-{started:%Y%m%dT%H%M%SZ}.json"
            plan.save(path)
        if plan.safety and path is not None:
            where = f"; look at it with: {self.command} plan {plan.kind.value}; apply it with: {self.command} " \
                    f"apply --force {shlex.quote(str(path))}"
        elif open_conflicts:
            where = f"; resolve them with: {self.command} sync --review {plan.kind.value}"
        else:
            where = ""
        message = f"background {plan.kind.value} sync held for review, nothing written: {'; '.join(reasons)}{where}"
        finished = self.now()
        self.engine.state.add_history(HistoryEntry(
            profile=plan.profile, kind=plan.kind, started_at=started, finished_at=finished, ok=False,
            summary={"kind": plan.kind.value, "counts": {}, "conflicts": len(plan.conflicts),
                     "unresolved_conflicts": open_conflicts, "skipped": len(plan.skipped), "errors": 0,
                     "duration_s": round((finished - started).total_seconds(), 3), HELD_KEY: True,
                     "reasons": reasons, "plan": str(path) if path else None},
        ))
        # The user must act on a held plan, so it is announced whatever the notification switches say.
        self.notifier(SyncEvent(type=EventType.HELD, kind=plan.kind, profile=plan.profile, message=message))
        result = SyncResult(plan_id=plan.plan_id, profile=plan.profile, kind=plan.kind, started_at=started,
                            finished_at=finished, conflicts=len(plan.conflicts), unresolved_conflicts=open_conflicts,
                            held_for_review=True, warnings=reasons)
        if self.summary.should_show(result.summary):
            self.on_summary(result)
        return KindOutcome(kind=plan.kind, status="held", result=result, plan_path=path, message=message)

    def _failed(self, kind: Kind, started: datetime, exc: SyncoreError) -> KindOutcome:
        retry_after = exc.retry_after if isinstance(exc, TransientError) else None
        if isinstance(exc, QuotaExhausted):
            retry_after = self.backoff.maximum.total_seconds()
        finished = self.now()
        self.engine.state.add_history(HistoryEntry(
            profile=self.profile, kind=kind, started_at=started, finished_at=finished, ok=False,
            summary={"kind": kind.value, "counts": {}, "conflicts": 0, "unresolved_conflicts": 0, "skipped": 0,
                     "errors": 1, "duration_s": round((finished - started).total_seconds(), 3),
                     FAILED_KEY: f"{type(exc).__name__}: {exc}", "retry_after": retry_after},
        ))
        kind_word = "adapter" if isinstance(exc, AdapterError) else "sync"
        message = f"background {kind.value} sync failed ({kind_word} error: {exc}); it will be retried"
        _LOG.warning("%s", message)
        event = SyncEvent(type=EventType.ERROR, kind=kind, profile=self.profile, message=message)
        if self.notifications.allows(event.type):
            self.notifier(event)
        return KindOutcome(kind=kind, status="failed", message=message)

    # -- the thread ----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background thread (no-op when it is already running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name=f"syncore-auto-{self.profile}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the thread to stop after the kind it is syncing (if any), and wait for it."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def run_forever(self) -> None:
        """Tick, sleep until the next due time, repeat, until :meth:`stop` (runs in the calling thread)."""
        while not self._stop.is_set():
            try:
                report = self.run_due()
                next_run = report.next_run
            except Exception:  # noqa: BLE001 - the loop must survive a broken tick; it is logged
                _LOG.exception("auto sync tick failed")
                next_run = self.now() + self.backoff.base
            if self._stop.is_set():
                break
            delay = self.max_sleep if next_run is None else min(next_run - self.now(), self.max_sleep)
            self._wait(max(delay.total_seconds(), 0.0))


def _log_summary(result: SyncResult) -> None:
    logging.getLogger("syncore.summary").info("%s", result.summary.render())
