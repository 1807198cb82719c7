"""What a worker and the dispatcher do, without Celery: pick due profiles, run one profile's sync of one kind.

The Celery tasks (:mod:`syncore_server.tasks`) are thin wrappers that turn an :class:`Outcome` into "done",
"retry with a countdown" or "end quietly". Everything here is testable without a broker.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from syncore.config import Config
from syncore.engine import SyncEngine
from syncore.errors import (
    ConfigurationError,
    QuotaExhausted,
    RateLimited,
    SyncLocked,
    SyncoreError,
    TransientError,
)
from syncore.locking import this_host
from syncore.models import Kind
from syncore.runner import FAILED_KEY, HELD_KEY, Backoff, due_decision
from syncore.schedule import Schedule
from syncore.state.postgres import PostgresStateStore
from syncore.state_types import HistoryEntry

from .budgets import MailboxSlots, OrgBudget, install_org_budget
from .db import Dispatch, ServerDB
from .profiles import Secrets, budget_keys, build_adapter, load_provider, profile_config
from .settings import ServerSettings

_LOG = logging.getLogger("syncore_server")
#: how often a profile with auto sync off (or a broken row) is looked at again
IDLE_RECHECK = timedelta(hours=1)


@attrs.frozen(kw_only=True)
class Outcome:
    """How one task ended.

    :ivar status: ``ok``, ``errors`` (applied; some records failed), ``held`` (plan needs review), ``failed``,
        ``quota`` (org budget used up: waits for its back-off), ``time limit``, ``locked`` (another sync holds
        the profile), ``busy`` (the mailbox's cap is reached), ``rate limited`` (the server asked for a pause),
        ``disabled`` (profile gone or disabled)
    :ivar retry_after: for ``locked``, ``busy`` and ``rate limited``: seconds until the task should run again
    """

    status: str
    message: str = ""
    retry_after: float | None = None

    @property
    def deferred(self) -> bool:
        """True when the same task should run again after a countdown (the work was not done)."""
        return self.status in ("locked", "busy", "rate limited")


def _now() -> datetime:
    return datetime.now(UTC)


class Server:
    """One process's handles on the server's database and its state store (open them once per process)."""

    def __init__(self, settings: ServerSettings, *, clock: Callable[[], datetime] | None = None,
                 backoff: Backoff | None = None) -> None:
        self.settings = settings
        self.clock = clock or _now
        self.backoff = backoff or Backoff()
        self.db = ServerDB(settings.dsn, schema=settings.schema)
        self.store = PostgresStateStore(settings.dsn, schema=settings.schema,
                                        transaction_pooling=settings.transaction_pooling)
        self.slots = MailboxSlots(settings.dsn, schema=settings.schema)
        providers = {}
        if settings.secrets_provider:
            provider = load_provider(settings.secrets_provider)
            providers[provider.scheme] = provider
        self.secrets = Secrets(providers)

    def close(self) -> None:
        self.slots.close()
        self.store.close()
        self.db.close()

    def config(self, profile: str) -> Config | None:
        """The validated settings of ``profile``; None when it does not exist or is disabled."""
        row = self.db.profile(profile)
        if row is None or not row.enabled:
            return None
        return profile_config(row, self.db.defaults(), self.secrets)

    def _jittered(self, at: datetime) -> datetime:
        return at + timedelta(seconds=random.uniform(0, self.settings.jitter))  # noqa: S311 - spreading load

    # -- the dispatcher ------------------------------------------------------------------------------------
    def decide(self, profile: str, now: datetime, *, after: Kind | None = None) -> Dispatch:
        """The kind ``profile`` should sync now (the longest-waiting due one, never ``after`` again) and when to
        look next, by the auto-sync policy (frequency per kind, daily window in the user's zone, back-off)."""
        try:
            config = self.config(profile)
        except ConfigurationError as exc:
            _LOG.warning("profile %s has invalid settings and is not synced: %s", profile, exc)
            return Dispatch(kind=None, next_due=now + IDLE_RECHECK)
        if config is None:
            return Dispatch(kind=None, next_due=now + IDLE_RECHECK)
        schedule = Schedule.from_config(config)
        decision = due_decision(self.store, profile, schedule, now, backoff=self.backoff,
                                history_days=config.sync_settings().history_days)
        due = [kind for kind in decision.due if kind is not after]
        next_due = decision.next_run or now + IDLE_RECHECK
        return Dispatch(kind=due[0].value if due else None, next_due=self._jittered(max(next_due, now)))

    def dispatch_due(self) -> list[tuple[str, str]]:
        """Claim the due profiles and return the ``(profile, kind)`` tasks to send; purge old task runs."""
        now = self.clock()
        self.db.purge_runs(now - timedelta(days=self.settings.history_days))
        return self.db.dispatch(now, limit=self.settings.dispatch_batch, claim_for=self.settings.claim_for,
                                decide=lambda profile: self.decide(profile, now))

    # -- one task ------------------------------------------------------------------------------------------
    def run(self, profile: str, kind: str, reason: str, *, task_id: str | None = None,
            redelivered: bool = False) -> Outcome:
        """Sync ``kind`` of ``profile`` once, under the profile lock and within the mailbox cap."""
        try:
            config = self.config(profile)
            if config is None:
                return Outcome(status="disabled", message=f"profile {profile!r} does not exist or is disabled")
            row = self.db.profile(profile)
            assert row is not None
            org, mailbox = budget_keys(row, config)
            kind_enum = Kind(kind)
        except (ConfigurationError, ValueError) as exc:
            return Outcome(status="failed", message=f"profile {profile!r}: {exc}")
        slot = None
        if mailbox:
            slot = self.slots.acquire(mailbox, self.settings.mailbox_cap)
            if slot is None:
                return Outcome(status="busy", retry_after=30.0,
                               message=f"mailbox {mailbox} already has {self.settings.mailbox_cap} syncs running")
        try:
            return self._run_with_adapters(config, kind_enum, reason, org, task_id=task_id, redelivered=redelivered)
        finally:
            if slot is not None:
                self.slots.release(mailbox, slot)  # type: ignore[arg-type]

    def _run_with_adapters(self, config: Config, kind: Kind, reason: str, org: str | None, *,
                           task_id: str | None, redelivered: bool) -> Outcome:
        profile = config.profile
        budget = None
        adapters: list[Any] = []
        try:
            pim = build_adapter(config, "pim", self.secrets)
            adapters.append(pim)
            crm = build_adapter(config, "crm", self.secrets)
            adapters.append(crm)
            if org is not None:
                share = float(config.adapters.crm.options.get("max_api_share", 1.0))  # type: ignore[union-attr]
                budget = OrgBudget(self.db, org, share, clock=self.clock)
                if not install_org_budget(crm, budget):
                    budget = None
            engine = SyncEngine(pim=pim, crm=crm, state=self.store, settings=config.sync_settings(),
                                clock=self.clock)
            with engine.locked():
                return self._locked_run(engine, kind, reason, task_id=task_id, redelivered=redelivered)
        except SyncLocked as exc:
            return Outcome(status="locked", message=str(exc), retry_after=60.0)
        except SyncoreError as exc:  # adapters could not be built or signed in: nothing ran
            self._record_failure(profile, kind, self.clock(), exc)
            return Outcome(status="failed", message=f"{type(exc).__name__}: {exc}")
        finally:
            if budget is not None:
                budget.settle()
            for adapter in adapters:
                adapter.close()

    def _locked_run(self, engine: SyncEngine, kind: Kind, reason: str, *, task_id: str | None,
                    redelivered: bool) -> Outcome:
        profile = engine.settings.profile
        started = self.clock()
        run_id = self.db.start_run(profile=profile, kind=kind.value, reason=reason, task_id=task_id,
                                   host=this_host(), pid=os.getpid(), redelivered=redelivered, now=started)
        outcome = Outcome(status="failed", message="the sync stopped")
        try:
            plan = engine.plan(kind)
            if plan.needs_review:
                outcome = self._hold(plan, started)
            else:
                result = engine.apply(plan, recheck=False)
                outcome = Outcome(status="ok" if result.ok else "errors", message=result.summary.render())
        except RateLimited as exc:
            outcome = Outcome(status="rate limited", message=str(exc), retry_after=exc.retry_after or 60.0)
        except QuotaExhausted as exc:
            self._record_failure(profile, kind, started, exc, retry_after=self.backoff.maximum.total_seconds())
            outcome = Outcome(status="quota", message=str(exc))
        except SyncoreError as exc:
            self._record_failure(profile, kind, started, exc)
            outcome = Outcome(status="failed", message=f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            if type(exc).__name__ != "SoftTimeLimitExceeded":
                raise
            # Celery's soft limit: the engine stopped between two writes; the journal resumes it next time.
            self._record_failure(profile, kind, started, exc)
            outcome = Outcome(status="time limit", message="the soft time limit stopped the sync; it resumes next time")
        finally:
            self.db.finish_run(run_id, outcome=outcome.status, message=outcome.message, now=self.clock())
        return outcome

    def _hold(self, plan: Any, started: datetime) -> Outcome:
        reasons = list(plan.safety)
        open_conflicts = sum(1 for c in plan.conflicts if c.resolution is None)
        if open_conflicts:
            reasons.append(f"{open_conflicts} conflict(s) left for review")
        self.store.add_history(HistoryEntry(
            profile=plan.profile, kind=plan.kind, started_at=started, finished_at=self.clock(), ok=False,
            summary={"kind": plan.kind.value, "counts": {}, "conflicts": len(plan.conflicts),
                     "unresolved_conflicts": open_conflicts, "skipped": len(plan.skipped), "errors": 0,
                     HELD_KEY: True, "reasons": reasons}))
        return Outcome(status="held", message="held for review, nothing written: " + "; ".join(reasons))

    def _record_failure(self, profile: str, kind: Kind, started: datetime, exc: BaseException, *,
                        retry_after: float | None = None) -> None:
        if retry_after is None and isinstance(exc, TransientError):
            retry_after = exc.retry_after
        self.store.add_history(HistoryEntry(
            profile=profile, kind=kind, started_at=started, finished_at=self.clock(), ok=False,
            summary={"kind": kind.value, "counts": {}, "conflicts": 0, "unresolved_conflicts": 0, "skipped": 0,
                     "errors": 1, FAILED_KEY: f"{type(exc).__name__}: {exc}", "retry_after": retry_after}))

    # -- after a task --------------------------------------------------------------------------------------
    def after(self, profile: str, kind: str, outcome: Outcome) -> str | None:
        """Update the schedule after a finished task; returns the next kind to send at once, if one is due.

        Kinds of one profile run one after another (they share the profile lock), so a task that finishes hands
        the claim on to the next due kind instead of letting tasks for the same profile queue up side by side.
        """
        now = self.clock()
        try:
            following = self.decide(profile, now, after=Kind(kind))
        except ValueError:
            following = Dispatch(kind=None, next_due=now + IDLE_RECHECK)
        ok = outcome.status in ("ok", "errors")
        failed = outcome.status in ("failed", "quota", "time limit")
        if following.kind is not None:
            self.db.claim(profile, now + self.settings.claim_for)
            return following.kind
        self.db.finish(profile, now, next_due=following.next_due, ok=ok, failed=failed,
                       error=outcome.message if failed else None,
                       backoff_until=following.next_due if failed else None)
        return None

    def release(self, profile: str, *, retry_in: float) -> None:
        """Give a profile's claim up (a deferred task gave up): the dispatcher sends it again after ``retry_in``."""
        now = self.clock()
        self.db.finish(profile, now, next_due=now + timedelta(seconds=retry_in), ok=False, failed=False)
