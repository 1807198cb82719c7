"""Applying a plan: journal each batch of writes, make them, and store each pair once its writes succeed.

Order of events for one batch, each step safe to crash after:

1. the batch's write intents are journaled, durably (with those of the batches after it in its group:
   :mod:`syncore.batches`);
2. the adapter writes the batch and reports one outcome per record;
3. in one state transaction: pairs whose operations all succeeded are stored, failures become pending items
   with back-off, and the batch's intents are marked done — except those of writes whose fate is unknown
   (:class:`~syncore.errors.OutcomeUnknown`: the request went out, no answer came back), which stay open for the
   next sync's recovery exactly as after a crash. That transaction is the next one the apply opens, before
   anything else is sent (the next group's journal transaction, or after the last batch the one storing the
   cursors): :mod:`syncore.settling` says why that is as safe.

Cursors are stored last, so after a crash the next sync sees the same changes again; everything already
done is recognised by version or content and not repeated (creates through links or the matcher).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from ._ids import new_id
from .abc import Adapter, StateStore
from .batches import JOURNAL_AHEAD, journal_groups, send, write_batches
from .deferred import sort_deferred
from .errors import AdapterError, AuthenticationError, OutcomeUnknown, QuotaExhausted, RateLimited
from .merge import without_fields
from .models import CRM, PIM, SIDES, Kind, Record, Side
from .occurrences import marked_series
from .pairs_by_id import PairsById
from .plan import Operation, PairPlan, Plan
from .remote import WriteOutcome
from .results import EventType, RecordError, SyncEvent, SyncResult, describe_record
from .settings import SyncSettings
from .settling import QueuedWrites
from .snapshots import fingerprint
from .state_types import CREATE, DELETE, UPDATE, Action, Intent, Pair, PendingCategory, PendingItem

# Errors after which no further call is worth making in this sync: the rest is retried next time.
_STOPPING = (QuotaExhausted, AuthenticationError, RateLimited)

_EVENT_FOR = {Action.CREATE: EventType.CREATED, Action.UPDATE: EventType.UPDATED, Action.DELETE: EventType.DELETED}


class _Stop(Exception):
    pass


class Executor:
    """Runs one plan's operations against the adapters. Used by :class:`~syncore.engine.SyncEngine`."""

    def __init__(
        self,
        *,
        plan: Plan,
        adapters: dict[Side, Adapter],
        state: StateStore,
        settings: SyncSettings,
        now: Callable[[], datetime],
        emit: Callable[[SyncEvent], None],
        result: SyncResult,
        listening: bool = True,
        heartbeat: Callable[[], None] = lambda: None,
        edited_since: Callable[[Side, Record, Record], frozenset[str]] | None = None,
    ) -> None:
        self.plan = plan
        #: whether anyone receives events (per-record events are skipped when not)
        self.listening = listening
        self.kind: Kind = plan.kind
        self.profile = plan.profile
        self.adapters = adapters
        self.state = state
        self.settings = settings
        self.now = now
        self.emit = emit
        self.result = result
        #: renews the profile lock's lease before each batch (raises LockLost when another sync took it)
        self.heartbeat = heartbeat
        #: the planner's comparison of a record read again with what the plan took it to hold (Rules.edited_since);
        #: without it, any difference counts
        self.edited_since = edited_since or (lambda side, record, held: record.changed_fields(held))
        #: whether this apply has advanced the state generation (done with its first journaled write)
        self._generation_bumped = False
        #: the plan's pair plans by id (without a dict of an initial load's 100k: see syncore.pairs_by_id)
        self.pair_plans = PairsById(plan.pairs)
        #: how many operations each pair with more than one has (most have one: an initial load has one pair and
        #: one create per record, and a count per pair was 4 MB of the apply's memory at 100k records)
        self.ops_per_pair: Counter[str] = Counter()
        #: per pair, the operations made and their outcomes, until the pair is committed (see _commit_pair)
        self.done: dict[str, list[tuple[Operation, WriteOutcome]]] = {}
        self.failed_pairs: set[str] = set()
        #: the state writes of settled outcomes, made by the next transaction (see syncore.settling)
        self.writes = QueuedWrites(state, self.profile, self.kind, now)
        #: ids stored in pairs on net-change sides that the plan read (not created by this apply): remembered as
        #: unconfirmed until the cursors stored at the end cover them
        self._covered: dict[Side, set[str]] = {side: set() for side in SIDES}
        self._net_change = {side: adapters[side].capabilities.net_change_feed for side in SIDES}
        self._any_net_change = any(self._net_change.values())

    # -- entry point ---------------------------------------------------------------------------------------
    def run(self, operations: list[Operation], skipped_ops: list[tuple[Operation, str, PendingCategory]]) -> None:
        """Execute ``operations``; ``skipped_ops`` (excluded or stale) are parked as pending items."""
        with_operations = Counter(op.pair_id for op in operations)
        self.ops_per_pair.update({pair_id: n for pair_id, n in with_operations.items() if n > 1})
        for op, _, _ in skipped_ops:
            self.failed_pairs.add(op.pair_id)
        # A series pair (a series whose occurrences the other side holds) says the series was expanded as
        # read: stored before its occurrences' writes, a crash among them would leave the series looking done,
        # and the rest of its occurrences would never be written (or deleted). So it is stored after them.
        last = {pair_plan.pair_id: pair_plan for pair_plan in self.plan.pairs
                if any(marked_series(pair_plan.id_on(side) or "") for side in SIDES)}
        for op, reason, category in skipped_ops:
            self._park(op, reason, category, count_attempt=False)
        # Pairs without operations (echoes, matches that agree, both deleted) are stored right away (with the
        # first batch's journal, or with the cursors when there is no write).
        for pair_plan in self.plan.pairs:
            pair_id = pair_plan.pair_id
            waits = pair_id in with_operations or pair_id in self.failed_pairs or pair_id in last
            if not waits:
                self._commit_pair(pair_plan)
        del with_operations  # (an id per record on an initial load: not held through the writes)
        deferred = [op for op in operations if op.after_occurrences_of is not None]
        try:
            self._run_in_order([op for op in operations if op.after_occurrences_of is None] if deferred else operations)
            if deferred:
                self._run_deferred(deferred, [*operations, *(op for op, _, _ in skipped_ops)])
        except _Stop:
            return
        with self.state.transaction():
            # the last batch's outcomes, then the series pairs, then the cursors: one commit
            self._bump_generation_for_moved_bases()
            self.writes.flush()
            for pair_plan in last.values():
                if pair_plan.pair_id not in self.failed_pairs:
                    self._commit_pair(pair_plan)
            self.writes.flush()
            for side, cursor in self.plan.cursors.items():
                if cursor is not None:
                    self.state.set_cursor(self.profile, self.kind, side, cursor)
            for side in SIDES:
                ids = [native_id for s, native_id in self.plan.clear_pending if s is side]
                if ids:
                    self.state.remove_pending(self.profile, self.kind, side, ids)
            for skip in self.plan.skipped:
                if skip.pending is not None:
                    self.state.put_pending(PendingItem(
                        profile=self.profile, kind=self.kind, side=skip.side, native_id=skip.native_id,
                        category=skip.pending, reason=skip.reason,
                    ))
            self.state.complete_intents(self.plan.intents_done)
            # The cursors stored now cover every record the plan read: the next feed reports their deletions. What
            # stays unconfirmed is what this apply created (after the cursor's read).
            for side in SIDES:
                covered = {native_id for s, native_id in self.plan.confirmed if s is side} | self._covered[side]
                if covered:
                    self.state.forget_unconfirmed(self.profile, self.kind, side, covered)

    def _bump_generation_for_moved_bases(self) -> None:
        """Plans made before this apply are stale once it stores a pair whose agreed state moved without a write
        (applied later, such a plan would store its older state over it). Called in the transaction storing the
        pairs without writes, when no write has bumped the generation already."""
        if self.plan.moves_bases and not self._generation_bumped:
            self.state.bump_generation(self.profile, self.kind)
            self._generation_bumped = True

    # -- the writes, batch by batch --------------------------------------------------------------------------
    def _run_in_order(self, operations: list[Operation]) -> None:
        """The CRM's writes, then the PIM's; on each, deletes, then updates, then creates, in batches.

        Intents are journaled a group of batches at a time (:data:`JOURNAL_AHEAD` writes at most), in one
        durable commit, always before any of the group's writes is sent; each batch's outcomes are committed
        before the next batch is sent (see :mod:`syncore.batches`).
        """
        batches = write_batches(operations, self.adapters)
        for group in journal_groups(batches, JOURNAL_AHEAD):
            journaled_at = self.now()
            # only the first batch goes out right after this commit; the others are marked sent, each in the
            # commit just before it (an open intent never sent cannot have landed: planning.recovery)
            intents = [self._intents(target, action, batch, journaled_at, sent_at=None if index else journaled_at)
                       for index, (target, action, batch) in enumerate(group)]
            self.heartbeat()
            # durable: an intent lost after its write went out (a power cut) would let the next sync repeat it
            with self.state.durable_transaction():
                # the outcomes of the batch before (no remote write since they came back; syncore.settling)
                self.writes.flush()
                if not self._generation_bumped:
                    # From its first write on, this apply changes what other plans were made from: they are stale
                    # whether it finishes, stops part-way or dies.
                    self.state.bump_generation(self.profile, self.kind)
                    self._generation_bumped = True
                self.state.journal([intent for batch_intents in intents for intent in batch_intents])
            for index, (target, action, batch) in enumerate(group):
                if index:
                    self.heartbeat()
                    with self.state.transaction():  # the batch before, stored before this one is sent
                        self.writes.flush()
                        self.state.mark_sent((intent.intent_id for intent in intents[index]), self.now())
                self._send(target, action, batch, intents[index], unsent=intents[index + 1:])

    def _intents(self, target: Side, action: Action, batch: list[Operation], journaled_at: datetime, *,
                 sent_at: datetime | None) -> list[Intent]:
        adapter = self.adapters[target]
        read_only = adapter.capabilities.read_only_fields
        return [
            Intent(
                intent_id=new_id(), profile=self.profile, kind=self.kind, side=target, action=action,
                pair_id=op.pair_id, target_id=op.target_id, source_id=op.source_id, created_at=journaled_at,
                fingerprint=(fingerprint(without_fields(adapter.represent(op.record), read_only))
                             if action is CREATE and op.record else None),
                written=op.record if action is UPDATE else None,
                fields=op.fields if action is UPDATE else frozenset(), sent_at=sent_at,
            )
            for op in batch
        ]

    def _send(self, target: Side, action: Action, batch: list[Operation], intents: list[Intent],
              unsent: list[list[Intent]]) -> None:
        """Make one batch of writes (its intents journaled) and settle its outcomes."""
        adapter = self.adapters[target]
        try:
            outcomes = send(adapter, self.kind, action, batch)
        except _STOPPING as exc:
            self.result.stopped = f"{target.value}: {exc}"
            self.emit(SyncEvent(type=EventType.ERROR, kind=self.kind, profile=self.profile, side=target,
                                message=f"sync stopped: {exc}"))
            with self.state.transaction():
                for op in batch:
                    self._fail(op, exc)
                # neither this batch nor those journaled with it and not sent yet were made
                self.writes.complete_intents(i.intent_id for batch_intents in (intents, *unsent) for i in batch_intents)
                self.writes.flush()
            raise _Stop from exc
        except AdapterError as exc:
            # the whole call failed: every record in it is retried later, the other batches go on
            outcomes = [WriteOutcome(ref=op.op_id, error=exc) for op in batch]
        # A call can outlast the lease (a paused laptop, a throttled server): if another sync took the
        # lock meanwhile, this one stores nothing more. The batch's intents stay open, so whoever syncs
        # next recognises what it wrote (by link or fingerprint), exactly as after a crash.
        self.heartbeat()
        for op, outcome in zip(batch, outcomes, strict=True):
            self._settle(op, outcome)
        # A write whose answer never came may have been made: its intent stays open, so the next sync
        # looks for what it wrote (by link or journaled fingerprint) before creating anything again.
        self.writes.complete_intents(intent.intent_id for intent, outcome in zip(intents, outcomes, strict=True)
                                     if not isinstance(outcome.error, OutcomeUnknown))

    def _run_deferred(self, deferred: list[Operation], every: list[Operation]) -> None:
        """The writes that wait for the occurrences of a series, made last (:mod:`.deferred`); those held back are
        parked with their pair."""
        ready, held_back = sort_deferred(deferred, every, self.failed_pairs, self.adapters, self.kind,
                                         self.edited_since)
        with self.state.transaction():
            for op, reason in held_back:
                self.failed_pairs.add(op.pair_id)
                self.result.skipped.append(f"{op.target.value} {op.label or describe_record(op.record)}: {reason}")
                self._park(op, reason, PendingCategory.FAILED, count_attempt=False)
            self.writes.flush()
        self._run_in_order(ready)

    # -- outcomes ------------------------------------------------------------------------------------------
    def _settle(self, op: Operation, outcome: WriteOutcome) -> None:
        if not outcome.ok:
            self._fail(op, outcome.error)  # type: ignore[arg-type]
            return
        done = self.done.setdefault(op.pair_id, [])
        done.append((op, outcome))
        self.result.bump(op.target, op.action)
        # (named only when something is said about it: most writes succeed silently, nobody listening)
        label = (op.label or describe_record(op.record)) if outcome.warnings or self.listening else ""
        for warning in outcome.warnings:
            self.result.warnings.append(f"{op.target.value} {label}: {warning}")
        if self.listening:  # (one event per written record: not built when nobody listens)
            self.emit(SyncEvent(type=_EVENT_FOR[op.action], kind=self.kind, profile=self.profile, side=op.target,
                                record_id=outcome.id or op.target_id, message=f"{label}: {op.reason}"))
        if op.pair_id not in self.failed_pairs and len(done) == self.ops_per_pair.get(op.pair_id, 1):
            pair_plan = self.pair_plans.get(op.pair_id)
            assert pair_plan is not None, op.pair_id  # (the planner writes a pair plan for every pair it writes to)
            self._commit_pair(pair_plan)

    def _fail(self, op: Operation, error: AdapterError) -> None:
        self.failed_pairs.add(op.pair_id)
        found = self.pair_plans.get(op.pair_id)
        if found is not None and found.found_base is not None and found.pim_id and found.crm_id:
            # The two records were recognised as one even though the write failed: keep that knowledge.
            # No versions are stored, so the merge is redone at the next sync (both sides are parked below).
            self.writes.save_pair_now(Pair(
                profile=self.profile, kind=self.kind, pair_id=found.pair_id, pim_id=found.pim_id,
                crm_id=found.crm_id, pim_version=None, crm_version=None, base=found.found_base,
                conflicts=found.found_two_way,
            ))
            self._unconfirmed({PIM: found.pim_id, CRM: found.crm_id}, set())
        label = op.label or describe_record(op.record)
        self.result.errors.append(
            RecordError(side=op.target, native_id=op.target_id or op.source_id, action=op.action, message=str(error),
                        code=getattr(error, "code", None), label=label)
        )
        self.emit(SyncEvent(type=EventType.ERROR, kind=self.kind, profile=self.profile, side=op.target,
                            record_id=op.target_id or op.source_id,
                            message=f"{op.action.value} of {label} failed: {error}"))
        self._park(op, str(error), PendingCategory.FAILED, count_attempt=True, error=error)

    def _park(
        self, op: Operation, reason: str, category: PendingCategory, *, count_attempt: bool,
        error: AdapterError | None = None,
    ) -> None:
        pair_plan = self.pair_plans.get(op.pair_id)
        # Both records of the pair are looked at again: a pair found this sync but never stored must be
        # re-matched from both ends, or the side that is not in the next change feed would be forgotten.
        ids = {op.source_side or op.target.other: op.source_id}
        if pair_plan is not None:
            ids = {PIM: pair_plan.pim_id or ids.get(PIM), CRM: pair_plan.crm_id or ids.get(CRM)}
            # the mark of a series on the side holding its occurrences names no record there: a switched series'
            # rule copy (this write's target) is parked in its place
            ids = {side: (op.target_id if side is op.target else None)
                   if native_id is not None and marked_series(native_id) is not None else native_id
                   for side, native_id in ids.items()}
        for side, native_id in ids.items():
            if native_id is None:
                continue
            previous = self.writes.pending_item(side, native_id)
            attempts = previous.attempts if previous else 0
            next_at = None
            if count_attempt:
                attempts += 1
                delay = min(self.settings.retry_base * (2 ** (attempts - 1)), self.settings.retry_max)
                retry_after = getattr(error, "retry_after", None) or 0
                next_at = self.now() + max(delay, timedelta(seconds=retry_after))
            item = PendingItem(
                profile=self.profile, kind=self.kind, side=side, native_id=native_id, category=category,
                reason=reason, pair_id=op.pair_id, attempts=attempts, next_attempt_at=next_at,
            )
            self.writes.put_pending(item)

    def _unconfirmed(self, ids: dict[Side, str | None], created: set[tuple[Side, str]]) -> None:
        """Note a stored pair's ids on net-change sides: a feed of net changes never reports a record created
        after its cursor and deleted before the next read, so each is looked up until a stored cursor covers it
        (and our own creates until the feed has shown them)."""
        for side in SIDES:
            native_id = ids[side]
            if native_id is not None and self._net_change[side]:
                self.writes.unconfirmed(side, native_id)
                if (side, native_id) not in created:
                    self._covered[side].add(native_id)

    def _commit_pair(self, pair_plan: PairPlan) -> None:
        ids = {PIM: pair_plan.pim_id, CRM: pair_plan.crm_id}
        versions = {PIM: pair_plan.pim_version, CRM: pair_plan.crm_version}
        base = pair_plan.base
        created: set[tuple[Side, str]] = set()
        replaced: list[tuple[Side, str]] = []
        # (dropped once used: an initial load holds one outcome per record, its ids included, and this is the
        # last reader; at 100k records they were tens of MB of the apply's memory peak)
        for op, outcome in self.done.pop(pair_plan.pair_id, ()):
            if op.action is CREATE and outcome.id:
                created.add((op.target, outcome.id))
            if op.action is UPDATE and outcome.id and ids[op.target] and outcome.id != ids[op.target]:
                # the update replaced the record (a Salesforce series whose rule the API cannot change; an EWS
                # task): the write deleted the old one, which its side may still list while it removes it (a
                # Lightning series deletion finishes later), so it must never come back as a new record
                replaced.append((op.target, ids[op.target]))  # type: ignore[arg-type]
            if op.action is not DELETE and outcome.id:
                # a create's new id; some backends (EWS tasks) also give an item a new id on update
                ids[op.target] = outcome.id
            if op.action is not DELETE:
                versions[op.target] = outcome.version
        # (None: every rare attribute of the pair plan is at its default, as for most pairs: no tombstones, no
        # removal, no retries settled, no conflicts; see syncore._rare)
        rare = pair_plan._rare
        # (queued: stored by the next transaction, see syncore.settling; the tombstones with the pairs)
        if rare is not None or replaced:
            self.writes.tombstone((*pair_plan.tombstones, *replaced), pair_plan.lifted)
        if rare is not None and pair_plan.remove:
            self.writes.delete_pair(pair_plan.pair_id)
        else:
            assert ids[PIM] and ids[CRM] and base is not None
            if self._any_net_change:
                self._unconfirmed(ids, created)
            self.writes.save_pair(Pair(
                profile=self.profile, kind=self.kind, pair_id=pair_plan.pair_id, pim_id=ids[PIM],
                crm_id=ids[CRM], pim_version=versions[PIM], crm_version=versions[CRM], base=base,
                pim_body=pair_plan.pim_body, conflicts=pair_plan.conflicts if rare is not None else frozenset(),
            ))
        if rare is None:
            return
        for side, native_id in pair_plan.settles:
            self.writes.remove_pending(side, native_id)
        if pair_plan.keep_pending_conflict and ids[PIM]:
            self.writes.put_pending(PendingItem(
                profile=self.profile, kind=self.kind, side=PIM, native_id=ids[PIM],  # type: ignore[arg-type]
                category=PendingCategory.CONFLICT, reason="conflict left for review", pair_id=pair_plan.pair_id,
            ))

