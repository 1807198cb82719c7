"""The public entry point: :class:`SyncEngine` — plan, review, apply."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from ._gcpause import collector_paused
from .abc import Adapter, StateStore
from .deferred import as_planned
from .errors import ConfigurationError, SafetyLimitExceeded, StalePlan, SyncLocked
from .executor import Executor
from .locking import ProfileLock
from .models import Kind, Record, Side
from .occurrences import read_sources
from .plan import CHANGED_SINCE_THE_PLAN, Operation, Plan, edited_since_the_plan
from .planning import PlanWriter, build_plan, rules_for
from .results import EventType, SyncEvent, SyncResult, describe_record
from .settings import SyncSettings
from .state_types import Action, HistoryEntry, PendingCategory, PendingItem
from .timezones import UTC, to_utc


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Two-way sync of one PIM and one CRM adapter, kind by kind.

    ``plan(kind)`` reads both sides and writes nothing anywhere; ``apply(plan)`` makes the writes;
    ``sync(kind)`` does both. Events (started, created, updated, deleted, conflict, body kept, error,
    completed) go to ``on_event``.

    :param pim: the Outlook/Exchange side
    :param crm: the Salesforce side
    :param state: where pairs, cursors and history live (e.g. ``SqliteStateStore("state.db")``)
    :param clock: returns the current UTC time (injectable for tests)
    """

    def __init__(
        self,
        *,
        pim: Adapter,
        crm: Adapter,
        state: StateStore,
        settings: SyncSettings | None = None,
        on_event: Callable[[SyncEvent], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.adapters = {Side.PIM: pim, Side.CRM: crm}
        self.state = state
        self.settings = settings or SyncSettings()
        self.on_event = on_event
        self._clock = clock or _utcnow
        self._lock = ProfileLock(state, self.settings.profile, clock=self.now)
        self._applying = False
        for side, adapter in self.adapters.items():
            if not isinstance(adapter, Adapter):
                raise ConfigurationError(
                    f"{side.value}: expected a syncore.abc.Adapter, got {type(adapter).__name__}", key=side.value
                )

    @property
    def lock_owner(self) -> str:
        """The token this engine holds the profile lock under."""
        return self._lock.owner

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the profile lock for the block, so a plan made inside it and its apply see one state.

        Re-entrant: :meth:`plan` and :meth:`apply` inside the block use this hold. Schedulers that decide
        between planning and applying (hold for review, say) wrap both in it, as :meth:`sync` does.

        :raises SyncLocked: when another sync of the profile holds the lock (the message says who, since when)
        """
        with self._lock.hold():
            yield

    @property
    def pim(self) -> Adapter:
        """The PIM adapter."""
        return self.adapters[Side.PIM]

    @property
    def crm(self) -> Adapter:
        """The CRM adapter."""
        return self.adapters[Side.CRM]

    def now(self) -> datetime:
        """The engine's current time (aware UTC)."""
        return to_utc(self._clock(), field="clock")

    def _emit(self, event: SyncEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _check_kind(self, kind: Kind) -> Kind:
        try:
            kind = Kind(kind)
        except ValueError:
            raise ConfigurationError(f"unknown kind {kind!r}; expected event, contact or task", key="kind") from None
        for side, adapter in self.adapters.items():
            if kind not in adapter.capabilities.kinds:
                raise ConfigurationError(
                    f"the {side.value} adapter ({adapter.adapter_name}) does not support {kind.value}s", key="kind"
                )
        return kind

    # -- plan ----------------------------------------------------------------------------------------------
    def plan(self, kind: Kind) -> Plan:
        """Read both sides and return what a sync of ``kind`` would do. Nothing is written anywhere."""
        kind = self._check_kind(kind)
        self._emit(SyncEvent(type=EventType.STARTED, kind=kind, profile=self.settings.profile,
                             message=f"{kind.value} sync started"))
        with collector_paused():  # (see syncore._gcpause: at 100k records the collector's walks grow faster)
            return build_plan(kind=kind, adapters=self.adapters, state=self.state, settings=self.settings,
                              now=self.now(), emit=self._emit, heartbeat=self._lock.renew)

    # -- apply ---------------------------------------------------------------------------------------------
    def apply(self, plan: Plan, *, force: bool = False, recheck: bool = True) -> SyncResult:
        """Make the plan's writes and store the outcome.

        :param force: apply even when the safety policy flags the plan (mass delete, emptied side)
        :param recheck: re-read each operation's source and skip those changed since the plan was made
        :raises SafetyLimitExceeded: when the plan has safety findings and ``force`` is false
        :raises SyncLocked: when another sync of the same profile is running
        """
        if plan.profile != self.settings.profile:
            raise StalePlan(f"plan is for profile {plan.profile!r}, this engine syncs {self.settings.profile!r}")
        kind = self._check_kind(plan.kind)
        if plan.safety and not force:
            raise SafetyLimitExceeded(
                "plan refused by the safety policy: " + "; ".join(plan.safety) + " (review it, then apply with force)",
                violations=plan.safety,
            )
        if self._applying:
            # the lock is re-entrant within this engine (plan and apply under one hold), so it cannot stop this: a
            # sync started from inside this engine's own apply (an on_event callback, an adapter), or from another
            # thread on the same engine, would write alongside it
            raise SyncLocked(f"profile {plan.profile!r}: this engine is applying a plan already; another sync on it "
                             "cannot start until that apply ends (from an on_event callback or another thread, say); "
                             "nothing was written")
        with self._lock.hold():
            # Checked under the lock: nothing can write between this check and the apply's own writes.
            generation = self.state.generation(plan.profile, kind)
            if plan.from_generation != generation:
                raise StalePlan(
                    f"the {kind.value}s of profile {plan.profile!r} were written by a sync after this plan was made "
                    f"(state generation {generation}, the plan was made at {plan.from_generation}); "
                    "nothing was written, make a new plan"
                )
            self._applying = True
            try:
                with collector_paused():
                    result = self._apply_locked(plan, kind, recheck=recheck)
            finally:
                self._applying = False
        self._emit(SyncEvent(type=EventType.COMPLETED, kind=kind, profile=plan.profile,
                             message=result.summary.render()))
        return result

    def _apply_locked(self, plan: Plan, kind: Kind, *, recheck: bool) -> SyncResult:
        started = self.now()
        result = SyncResult(plan_id=plan.plan_id, profile=plan.profile, kind=kind, started_at=started,
                            finished_at=started, warnings=list(plan.warnings))
        resolved = any(c.resolution is not None and not c.applied for c in plan.conflicts)
        # the rules are built only when needed (building them is a fixed cost of every sync): for resolutions, a
        # saved plan's recheck, and the deferred deletes of switched series' rule copies (both compare content)
        rules = rules_for(kind, self.adapters, self.settings, started) if (
            resolved or recheck or any(op.after_occurrences_of for op in plan.operations)) else None
        if resolved:
            # conflicts resolved at review: their pairs' merges run again with the chosen winners
            PlanWriter(plan, rules, self._emit).apply_resolutions()  # type: ignore[arg-type]
        skipped: list[tuple[Operation, str, PendingCategory]] = [
            (op, "excluded at review", PendingCategory.EXCLUDED) for op in plan.operations if op.excluded
        ]
        # (the plan's own list when nothing is excluded: an initial load's operations are not copied)
        operations = plan.active_operations if skipped else plan.operations
        if recheck:
            stale = self._stale(kind, operations, rules.edited_since)  # type: ignore[union-attr]
            skipped.extend((op, stale[op.op_id], PendingCategory.FAILED) for op in operations if op.op_id in stale)
            operations = [op for op in operations if op.op_id not in stale]
        result.conflicts = len(plan.conflicts)
        result.unresolved_conflicts = sum(1 for c in plan.conflicts if c.resolution is None)
        # named as a person knows them (subject or name), as the plan review does; the id when nothing else is known
        result.skipped = [f"{s.side.value} {s.label or s.native_id}: {s.reason}" for s in plan.skipped]
        result.skipped += [f"{op.target.value} {op.label or describe_record(op.record)}: {reason}"
                           for op, reason, _ in skipped]
        Executor(plan=plan, adapters=self.adapters, state=self.state, settings=self.settings, now=self.now,
                 emit=self._emit, result=result, listening=self.on_event is not None,
                 heartbeat=self._lock.renew,
                 edited_since=rules.edited_since if rules is not None else None).run(operations, skipped)
        result.finished_at = self.now()
        self._record_run(result)
        return result

    def sync(self, kind: Kind, *, force: bool = False) -> SyncResult:
        """Plan and apply in one go, under one hold of the profile lock (sources are not re-checked)."""
        with self._lock.hold(), collector_paused():
            return self.apply(self.plan(kind), force=force, recheck=False)

    def _record_run(self, result: SyncResult) -> None:
        with self.state.transaction():
            if result.stopped is None:
                self.state.set_last_run(result.profile, result.kind, result.finished_at)
            self.state.add_history(HistoryEntry(
                profile=result.profile, kind=result.kind, started_at=result.started_at,
                finished_at=result.finished_at, ok=result.ok, summary=result.summary.as_dict(),
            ))
            self.state.purge_history(result.finished_at - timedelta(days=self.settings.history_days))

    def _stale(self, kind: Kind, operations: list[Operation],
               edited_since: Callable[[Side, Record, Record], frozenset[str]]) -> dict[str, str]:
        """The operations a saved plan must not run any more, by op id, with the reason."""
        stale: dict[str, str] = {}
        for side in Side:
            ops = [op for op in operations if op.source_side is side and op.source_id and op.source_version]
            # a delete carries no version a side checks (Adapter.delete): a record edited since the plan was made
            # would lose that edit, so its delete is skipped and the next sync weighs the edit against the deletion
            deletes = [op for op in operations if op.target is side and op.action is Action.DELETE
                       and op.target_id and op.base_version]
            if not ops and not deletes:
                continue
            adapter = self.adapters[side]
            ids = {op.source_id for op in ops} | {op.target_id for op in deletes}
            current = read_sources(adapter, kind, sorted(ids), as_planned(operations, side))  # type: ignore[misc, arg-type]
            for op in ops:
                item = current.get(op.source_id)  # type: ignore[arg-type]
                if item is None or (item.version is not None and item.version != op.source_version):
                    stale[op.op_id] = "source changed after the plan was made"
            for op in deletes:
                item = current.get(op.target_id)  # type: ignore[arg-type]
                if item is not None and edited_since_the_plan(op, item, edited_since):
                    stale[op.op_id] = CHANGED_SINCE_THE_PLAN
        return stale

    # -- maintenance ---------------------------------------------------------------------------------------
    def rebuild(self, kind: Kind) -> None:
        """Forget the pairing of ``kind`` (records untouched); the next sync re-matches from full scans."""
        kind = self._check_kind(kind)
        self.state.reset_kind(self.settings.profile, kind)

    def pending(self, kind: Kind) -> list[PendingItem]:
        """Records waiting for a later sync: failures, conflicts left for review, exclusions, ambiguities."""
        return self.state.pending(self.settings.profile, self._check_kind(kind))

    def ignore(self, kind: Kind, side: Side, native_id: str, *, ignored: bool = True) -> None:
        """Mark a pending record ignored (never retried) or, with ``ignored=False``, retry it again."""
        kind = self._check_kind(kind)
        for item in self.state.pending(self.settings.profile, kind):
            if item.side is side and item.native_id == native_id:
                self.state.put_pending(PendingItem(
                    profile=item.profile, kind=kind, side=side, native_id=native_id, category=item.category,
                    reason=item.reason, pair_id=item.pair_id, attempts=item.attempts, next_attempt_at=None,
                    ignored=ignored,
                ))
                return
        self.state.put_pending(PendingItem(
            profile=self.settings.profile, kind=kind, side=side, native_id=native_id,
            category=PendingCategory.FAILED, reason="ignored by the user", ignored=ignored,
        ))
