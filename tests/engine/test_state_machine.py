"""A Hypothesis state machine over the whole engine: random edits on both sides, random faults, syncs.

Invariants checked after every fault-free sync round:

* every pair holds equal records on both sides (a kept formatted body excepted), no record is unpaired
  unless it is pending as an ambiguous match, and nothing is duplicated;
* no user edit is lost unless a conflict on that field was reported (or a later edit replaced it);
* a second sync plans zero operations.

Besides crashes and failed calls, the faults include replies lost after the server wrote (OutcomeUnknown), plans
saved and applied later by another engine (refused once stale), and a sync paused past its lock's lease while a
second engine syncs the same kind (the first must stop without storing anything more). The machine run here
(:class:`LateLandingSyncMachine`) also has writes that land late: a lost reply whose writes the server makes only
later, after the next sync may have looked for them, within the sides' ``writes_land_within``
(state_machine_late_landing.py, with the one race it excuses).

One outcome is documented rather than prevented: when a crash leaves a created copy on a side that cannot
store links, and a user edits that copy before the next sync, nothing can tell the copy from a new record
any more, so it is synced as one (a duplicate of its origin). With link support it is always recovered.

And one is a policy's: under ``newest_wins``, a conflict between two records that changed in the same second
(two users entering the same item on both sides at once, first-sync matched) has no newest side, so it is left
for review (docs/concepts.md, "Conflict rules"): that field of that pair differs while the conflict is open.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule
from state_machine_late_landing import LateLandings
from state_machine_review import ReviewMachine, series_id

from syncore import ConflictPolicy, Kind, Side, SqliteStateStore, SyncEngine, SyncSettings
from syncore.errors import (
    AdapterError,
    AuthenticationError,
    QuotaExhausted,
    RateLimited,
    RecordRejected,
    SimulatedCrash,
    StalePlan,
    SyncLocked,
)
from syncore.locking import LEASE
from syncore.merge import BODY_FIELDS
from syncore.models import Body, Record
from syncore.occurrences import marked_series
from syncore.plan import Plan
from syncore.results import SyncResult
from syncore.testing import MemoryAdapter
from syncore.testing.invariants import assert_in_step, with_occurrences
from syncore.testing.strategies import records, short_words

START = datetime(2026, 11, 24, 9, tzinfo=UTC)
#: the report for fields one occurrence of a series cannot hold (docs/recurrence.md, "What is reported")
UNHELD = re.compile(r"not written: one occurrence of a (PIM|CRM) series cannot have its own "
                    r"(?P<fields>[a-z_, ]+); the series keeps its value")

EDITABLE = {
    Kind.EVENT: ("subject", "location", "body"),
    Kind.CONTACT: ("phone", "title", "notes"),
    Kind.TASK: ("subject", "priority", "body"),
}


def edit_values(kind: Kind, field: str) -> st.SearchStrategy[object]:
    if field in BODY_FIELDS:
        return st.sampled_from([Body(text="plain note"), Body(html="<p><b>bold</b> note</p>"), Body(text="")])
    if field == "priority":
        return st.sampled_from(["low", "normal", "high"])
    return short_words


def kind_of(record) -> Kind:
    return record.kind


class PausingAdapter(MemoryAdapter):
    """A memory side whose write calls can run something (another engine's sync) when they end: a process
    paused right after a call, before it hears the answer."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pause_after: list[int] = []  # countdown of write calls; the pause comes after the last
        self.on_pause = lambda: None
        self.call_after: list[int] = []  # countdown of calls of any kind; on_call runs as the last one starts
        self.on_call = lambda: None
        #: id -> the time its user last changed it (it differs from modified_at once a sync wrote it since)
        self.user_changed: dict[str, datetime] = {}

    def version_of(self, native_id: str) -> str | None:
        """The record's version (None: no such record), read without a call."""
        try:
            return self._find(native_id)[1].version
        except KeyError:
            return None

    def by_user(self, native_id: str) -> str:
        self.user_changed[native_id] = self.modified_at(native_id)
        return native_id

    def put(self, record, **kwargs):
        return self.by_user(super().put(record, **kwargs))

    def edit(self, native_id, **fields):
        try:
            return super().edit(native_id, **fields)
        finally:
            self.by_user(native_id)

    def edit_occurrence(self, series_id, original_start, **fields):
        try:
            return super().edit_occurrence(series_id, original_start, **fields)
        finally:
            self.by_user(series_id)

    def cancel_occurrence(self, series_id, original_start):
        try:
            return super().cancel_occurrence(series_id, original_start)
        finally:
            self.by_user(series_id)

    def _enter(self, operation: str) -> None:
        if self.call_after:
            self.call_after[0] -= 1
            if self.call_after[0] < 0:
                self.call_after.clear()
                self.on_call()
        super()._enter(operation)

    def _after_call(self) -> None:
        if self.pause_after:
            self.pause_after[0] -= 1
            if self.pause_after[0] < 0:
                self.pause_after.clear()
                self.on_pause()

    def create(self, kind, requests):
        try:
            return super().create(kind, requests)
        finally:
            self._after_call()

    def update(self, kind, requests):
        try:
            return super().update(kind, requests)
        finally:
            self._after_call()

    def delete(self, kind, requests):
        try:
            return super().delete(kind, requests)
        finally:
            self._after_call()


#: every conflict policy (``manual`` last: a failing run shrinks towards the others first)
POLICIES = [ConflictPolicy.PIM_WINS, ConflictPolicy.CRM_WINS, ConflictPolicy.NEWEST_WINS, ConflictPolicy.MANUAL]


class SyncMachine(ReviewMachine, RuleBasedStateMachine):
    """Two MemoryAdapters, one engine, random users and faults (and reviewers: :class:`ReviewMachine`)."""

    ids = Bundle("ids")
    #: how long the sides' writes may still land after their call (:class:`LateLandingSyncMachine` sets more)
    writes_land_within = timedelta(0)

    def __init__(self) -> None:
        super().__init__()
        self.clock = START
        self.seq = itertools.count(1)
        self.edits: list[tuple[int, Side, Kind, str, str, object]] = []  # seq, side, kind, id, field, value
        self.deleted: dict[tuple[Side, str], int] = {}
        self.conflicts: set[tuple[Kind, str, str]] = set()  # (kind, pim id or crm id, field)
        self.clean_sync_seq: dict[Kind, int] = dict.fromkeys(Kind, 0)
        #: start of every sync that finished without an error, per kind
        self.good_syncs: dict[Kind, list[int]] = {kind: [] for kind in Kind}
        #: per (side, id, field): the value before its first edit since the last good sync
        self.net_before: dict[tuple[Side, str, str], object] = {}
        #: seqs of edits a good sync found undone (the field back at its value before them)
        self.undone: set[int] = set()
        self.net_at_clean: dict[tuple[Side, str, str], object] = {}
        #: copies a crash left on a side that cannot store links, not yet recovered by a good sync
        self.orphans: set[tuple[Side, str]] = set()
        #: origins whose orphan copy a user edited before recovery: without a link nothing can recognise
        #: that copy any more, so a duplicate is the documented outcome (see the module docstring)
        self.tolerated: set[str] = set()
        #: edits that reached the partner record and the stored base (by any sync, with faults or not):
        #: (seq, side, id, field) -> (the sync's seq, the partner's (side, id))
        self.synced_edits: dict[tuple[int, Side, str, str], tuple[int, tuple[Side, str]]] = {}
        #: (pim id, crm id, field): a field one occurrence cannot hold, reported for that pair by an applied
        #: plan
        self.unheld: set[tuple[str, str, str]] = set()
        #: (pim id, crm id, field): a conflict left for review: by manual, or by newest_wins because both records
        #: changed in the same second (documented: "a tie or a missing time leaves it for review"); excused while
        #: it is open
        self.left_for_review: set[tuple[str, str, str]] = set()
        #: per side, how many deferred write calls the server has made since the start (LateLandingSyncMachine)
        self.landed: dict[Side, int] = dict.fromkeys(Side, 0)
        self.init_review()

    @initialize(policy=st.sampled_from(POLICIES),
                pim_links=st.booleans(), crm_links=st.booleans(), pim_unread=st.booleans(), pim_net=st.booleans())
    def setup(self, policy: ConflictPolicy, pim_links: bool, crm_links: bool, pim_unread: bool,
              pim_net: bool) -> None:
        # pim_unread: the PIM's feed lists ids and versions only, as EWS does; the engine fetches what it needs;
        # pim_net: it reports net changes only, as EWS and Outlook do (created-then-deleted records not at all)
        self.pim = PausingAdapter(name="pim", formatted_bodies=True, link_ids=pim_links, batch_size=3,
                                  clock=self.now, unread_changes=pim_unread, net_changes=pim_net,
                                  writes_land_within=self.writes_land_within)
        self.crm = PausingAdapter(name="crm", formatted_bodies=False, link_ids=crm_links, batch_size=4,
                                  clock=self.now, writes_land_within=self.writes_land_within)
        self.sides = {Side.PIM: self.pim, Side.CRM: self.crm}
        self.state = SqliteStateStore(":memory:")
        self.settings = SyncSettings(conflict_policy=policy, min_delete_count=10**6,
                                     retry_base=timedelta(0), retry_max=timedelta(0))
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                 clock=self.now)
        #: a second process syncing the same profile (applies saved plans, runs while the first is paused)
        self.other = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                clock=self.now)
        self.saved: dict[Kind, Plan] = {}
        #: records new or edited while the other side was read-only: their create or update was not allowed, and
        #: (as with any prevented write) they are copied only once edited again
        self.prevented: set[tuple[Side, str]] = set()
        #: the pair base of each paired record in ``prevented`` whose values differ from its partner's, until a good
        #: sync after its next edit carries them
        self.held_back: dict[tuple[Side, str], Record] = {}

    def now(self) -> datetime:
        return self.clock

    def tick(self) -> int:
        self.pass_time(timedelta(seconds=1))
        return next(self.seq)

    def pass_time(self, time: timedelta) -> None:
        self.clock += time

    # -- users -------------------------------------------------------------------------------------------------
    @rule(side=st.sampled_from(Side), kind=st.sampled_from(Kind), data=st.data(), count=st.integers(1, 6))
    def create_many(self, side: Side, kind: Kind, data: st.DataObject, count: int) -> None:
        for _ in range(count):
            self.tick()
            self.sides[side].put(self.unique(data.draw(records(kind, around=START))))

    @rule(target=ids, side=st.sampled_from(Side), data=st.data(), kind=st.sampled_from(Kind))
    def create(self, side: Side, kind: Kind, data: st.DataObject) -> tuple[Side, str]:
        self.tick()
        record = data.draw(records(kind, around=START))
        return side, self.sides[side].put(self.unique(record))

    def unique(self, record):
        """Give each user-created record one field no rule edits, so no two are ever identical in content.

        Matching keys still collide freely (so first-sync matching and ambiguity are exercised), but a crash
        leaves only our own exact copies to recover; identical user duplicates are ambiguous by design.
        """
        n = next(self.seq)
        if kind_of(record) is Kind.EVENT:
            return record.replace(reminder_minutes=1000 + n)
        if kind_of(record) is Kind.CONTACT:
            return record.replace(department=f"d{n}")
        return record.replace(reminder_at=START + timedelta(minutes=n))

    @rule(ref=ids, data=st.data())
    def edit(self, ref: tuple[Side, str], data: st.DataObject) -> None:
        side, native_id = ref
        kind = self._kind_of(self.sides[side], native_id)
        if kind is None:
            return
        field = data.draw(st.sampled_from(self.editable(kind)))
        self.apply_edit(side, native_id, kind, field, data.draw(self.values_for(kind, field)))

    def editable(self, kind: Kind) -> tuple[str, ...]:
        return EDITABLE[kind]

    def values_for(self, kind: Kind, field: str) -> st.SearchStrategy[object]:
        return edit_values(kind, field)

    def apply_edit(self, side: Side, native_id: str, kind: Kind, field: str, value: object, *,
                   same_second: bool = False) -> None:
        """A user sets ``field`` of ``native_id`` to ``value`` (``same_second``: in the same second as the step
        before it, as two users on both sides at once)."""
        adapter = self.sides[side]
        if (side, native_id) in self.orphans:
            self.tolerated.add(self.origin(side, native_id))
        self.prevented.discard((side, native_id))  # an edit puts it in the next feed: now it is copied
        seq = next(self.seq) if same_second else self.tick()
        before = getattr(adapter.records(kind)[native_id], field)
        stored = adapter.edit(native_id, **{field: value})
        self.touch(side, native_id, seq, field)
        # Writing the same value again is no edit to preserve; and a record that was never paired has no
        # history: when first-sync matching later meets it, the two-way rules (an empty value yields to a
        # filled one) apply, by design.
        paired = self.state.pairs_for(self.settings.profile, kind, **{f"{side.value}_ids": [native_id]})
        # The value before the first edit since the last good sync: an A -> B -> A series nets to no edit. A value
        # the other side could not take (it was read-only) never became the agreed one: until a sync carries it,
        # the record's edits net against the base it was held back from, so an edit back to the base's value is
        # no edit either (docs/concepts.md, "Conflict rules").
        held_back = self.held_back.get((side, native_id))
        agreed = getattr(adapter.represent(held_back), field) if held_back is not None else before
        self.net_before.setdefault((side, native_id, field), agreed)
        if getattr(stored, field) != before and paired:
            self.edits.append((seq, side, kind, native_id, field, getattr(stored, field)))

    @rule(ref=ids)
    def delete(self, ref: tuple[Side, str]) -> None:
        side, native_id = ref
        if self._kind_of(self.sides[side], native_id) is None:
            return
        self.deleted[(side, native_id)] = self.tick()
        self.sides[side].remove(native_id)

    @rule(side=st.sampled_from(Side), kind=st.sampled_from(Kind), data=st.data())
    def edit_synced_record(self, side: Side, kind: Kind, data: st.DataObject) -> None:
        """Edit a record the engine created (the bundle only knows records users created)."""
        existing = sorted(self.sides[side].records(kind))
        if existing:
            self.edit((side, data.draw(st.sampled_from(existing))), data)

    # -- faults ------------------------------------------------------------------------------------------------
    @rule(side=st.sampled_from(Side), op=st.sampled_from(["create", "update", "delete"]),
          error=st.sampled_from([RateLimited, QuotaExhausted, AuthenticationError]))
    def stop_the_sync(self, side: Side, op: str, error: type[AdapterError]) -> None:
        self.sides[side].fail_next(op, error=error("injected: the sync must stop here"))

    @rule(side=st.sampled_from(Side), op=st.sampled_from(["changes", "full_scan", "fetch", "create", "update",
                                                            "delete", "find_by_link"]))
    def fail_a_call(self, side: Side, op: str) -> None:
        self.sides[side].fail_next(op)

    @rule(side=st.sampled_from(Side))
    def fail_a_record(self, side: Side) -> None:
        self.sides[side].fail_record(lambda record: True, RecordRejected("injected", code="TEST"), times=1)

    @rule(side=st.sampled_from(Side), writes=st.integers(0, 5))
    def crash_between_writes(self, side: Side, writes: int) -> None:
        self.sides[side].crash_after(writes)

    @rule(side=st.sampled_from(Side))
    def lose_a_reply(self, side: Side) -> None:
        self.sides[side].lose_replies(1)

    @rule(side=st.sampled_from(Side), calls=st.integers(0, 2), kind=st.sampled_from(Kind))
    def pause_past_the_lease(self, side: Side, calls: int, kind: Kind) -> None:
        """After ``calls`` more write calls on ``side``, the syncing process stalls past its lease and a second
        process syncs ``kind`` meanwhile (if its turn comes first, the paused one must stop, not carry on).

        Each pause's second process is a process of its own: when it stalls in turn (a pause armed on the other
        side), a third one syncs, never the stalled one from inside its own write call (one engine re-enters its
        own lock: that is no second process, and two of its syncs then write at once)."""

        def second_process_syncs() -> None:
            self.pass_time(LEASE + timedelta(minutes=1))
            self.sides[side].on_pause = lambda: None
            second = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                clock=self.now)
            try:
                self._sync(kind, second)
            except (AdapterError, SimulatedCrash, SyncLocked):
                pass

        self.sides[side].pause_after[:] = [calls]
        self.sides[side].on_pause = second_process_syncs

    # -- syncing -----------------------------------------------------------------------------------------------
    @rule(kind=st.sampled_from(Kind))
    def sync_with_faults(self, kind: Kind) -> None:
        self.tick()
        before = {side: set(self.sides[side].created_from) for side in Side}
        try:
            self._sync(kind)
        except (AdapterError, SimulatedCrash, SyncLocked):
            pass  # a call failed, the process died or lost its lock; the next sync must pick up the pieces
        self._note_orphans(kind, before)

    def _note_orphans(self, kind: Kind, before: dict[Side, set[str]]) -> None:
        # Copies written but left unpaired (a crash, a lost reply, a lost lock) on a side that cannot store links
        # are only recognisable by their content until a good sync recovers them.
        for side in Side:
            if self.sides[side].capabilities.link_ids:
                continue
            new = set(self.sides[side].created_from) - before[side]
            paired = {p.id_on(side) for p in self.state.pairs_for(self.settings.profile, kind,
                                                                  **{f"{side.value}_ids": list(new)})}
            self.orphans |= {(side, i) for i in new - paired}

    @rule(kind=st.sampled_from(Kind), side=st.sampled_from(Side))
    def sync_with_a_read_only_side(self, kind: Kind, side: Side) -> None:
        """A sync while one side is read-only writes nothing there (and later syncs catch up)."""
        adapter = self.sides[side]
        writes = sum(adapter.calls[op] for op in ("create", "update", "delete"))
        records, landed = adapter.records(kind), self.landed[side]
        adapter.set_read_only(True)
        self.tick()
        before = {s: set(self.sides[s].created_from) for s in Side}
        try:
            self._sync(kind)
        except (AdapterError, SimulatedCrash, SyncLocked):
            pass
        finally:
            adapter.set_read_only(False)
        self._note_orphans(kind, before)
        assert sum(adapter.calls[op] for op in ("create", "update", "delete")) == writes
        if self.landed[side] == landed:  # (a write sent before it turned read-only may land meanwhile)
            assert adapter.records(kind) == records
        writable = side.other
        for any_kind in Kind:  # (a paused sync may have let another engine sync a second kind meanwhile)
            pairs = list(self.state.iter_pairs(self.settings.profile, any_kind))
            paired = {p.id_on(writable) for p in pairs}
            now = {s: self.records_of(s, any_kind) for s in Side}
            self.prevented |= {(writable, i) for i in now[writable] if i not in paired}
            diverged = {(writable, p.id_on(writable)): p.base for p in pairs
                        if p.pim_id in now[Side.PIM] and p.crm_id in now[Side.CRM]
                        and self.crm.represent(now[Side.PIM][p.pim_id]).changed_fields(now[Side.CRM][p.crm_id])}
            self.prevented |= set(diverged)
            self.held_back.update(diverged)

    @rule(kind=st.sampled_from(Kind))
    def save_a_plan(self, kind: Kind) -> None:
        """`syncore plan -o plan.json`: a plan kept for later, while other syncs may run."""
        self.tick()
        try:
            self.saved[kind] = self.engine.plan(kind)
        except AdapterError:
            pass

    @rule(kind=st.sampled_from(Kind))
    def apply_the_saved_plan(self, kind: Kind) -> None:
        """`syncore apply plan.json` in another process: refused once a sync has written since it was made."""
        plan = self.saved.pop(kind, None)
        if plan is None:
            return
        started = self.tick()
        before = {side: set(self.sides[side].created_from) for side in Side}
        try:
            self._apply(kind, plan, started, self.other, recheck=True)
        except StalePlan:
            pass
        except (AdapterError, SimulatedCrash, SyncLocked):
            pass
        finally:
            self._note_synced_edits(kind, started)
        self._note_orphans(kind, before)

    @rule(kind=st.sampled_from(Kind))
    def sync_clean(self, kind: Kind) -> None:
        for adapter in self.sides.values():
            adapter.clear_faults()
            adapter.pause_after.clear()
        self.settle()
        start_seq = self.tick()
        self.net_at_clean = dict(self.net_before)
        # Two rounds: the first may be retrying what faults left behind (pending items, open intents).
        self._sync(kind)
        self.tick()
        self._sync(kind)
        self.check_converged(kind)
        second = self.engine.plan(kind)
        assert second.operations == [], [(op.target, op.action, op.reason, op.fields) for op in second.operations]
        self.check_no_lost_edit(kind)
        self.check_review(kind, second)
        self.clean_sync_seq[kind] = start_seq

    def settle(self) -> None:
        """Before a clean sync: what faults left in flight is done (:class:`LateLandingSyncMachine`)."""

    def _sync(self, kind: Kind, engine: SyncEngine | None = None) -> None:
        engine = engine or self.engine
        started = self.tick()
        try:
            with engine.locked():
                self._apply(kind, engine.plan(kind), started, engine)
        finally:
            self._note_synced_edits(kind, started)

    def _apply(self, kind: Kind, plan: Plan, started: int, engine: SyncEngine, *,
               recheck: bool = False) -> SyncResult:
        for conflict in plan.conflicts:
            pair = next(p for p in plan.pairs if p.pair_id == conflict.pair_id)
            fields = self.conflict_fields(plan, conflict)
            # the pair's records, and those its writes name (a switched series' rule copy, which its pair no longer
            # names once the series is paired with its occurrences)
            for native_id in (pair.pim_id, pair.crm_id, *(op.target_id for op in plan.operations
                                                           if op.pair_id == conflict.pair_id)):
                if native_id:
                    self.conflicts |= {(kind, native_id, field) for field in fields}
            if conflict.resolution is None and not recheck:
                for field in fields:
                    self._note_tie(kind, pair.pim_id, pair.crm_id, field)
        # The mass-delete and emptied-side guards have their own tests; here a refused plan is forced, as a
        # user who reviewed it would.
        try:
            result = engine.apply(plan, recheck=recheck, force=True)
        except StalePlan:
            raise  # refused before anything was written: it reported nothing
        except BaseException:
            self._note_unheld(plan)
            self.note_opened(kind, plan, started)
            raise
        self._note_unheld(plan)
        self.note_opened(kind, plan, started)
        if result.ok:
            self.orphans = {(s, i) for s, i in self.orphans if i not in self.sides[s].records(kind)}
        if result.ok and not recheck:
            # (a saved plan read the records when it was made, not when it is applied: the edits made in between
            # were never read by it, so it does not settle what they net to; its own writes are checked as any)
            self.good_syncs[kind].append(started)
            # edits undone since the last good sync (A -> B -> A), none of them synced meanwhile (by a sync cut
            # short), are no edits, whatever the other side did with that field (the net_at_clean rule of
            # check_no_lost_edit, at every good sync)
            since = self.good_syncs[kind][-2] if len(self.good_syncs[kind]) > 1 else 0
            for (side, native_id, field), before in self.net_before.items():
                window = [e for e in self.edits if e[0] > since and (e[1], e[3], e[4]) == (side, native_id, field)]
                if window and window[-1][5] == before and not any(
                        (e[0], e[1], e[3], e[4]) in self.synced_edits for e in window):
                    self.undone |= {e[0] for e in window}
            self.net_before = {k: v for k, v in self.net_before.items()
                               if k[1] not in self.sides[k[0]].records(kind)}
            self.held_back = {k: v for k, v in self.held_back.items()
                              if k in self.prevented or v.kind is not kind}
        return result

    def _note_tie(self, kind: Kind, pim_id: str, crm_id: str, field: str) -> None:
        """A conflict without a winner: manual leaves every one, newest_wins only one where neither record
        changed last (checked here on the sides themselves; a saved plan applied later is not, its records may
        have moved on)."""
        policy = self.settings.conflict_policy
        assert policy in (ConflictPolicy.NEWEST_WINS, ConflictPolicy.MANUAL), f"{field} left for review"
        if policy is ConflictPolicy.NEWEST_WINS:
            records = ((self.sides[Side.PIM], series_id(pim_id)), (self.sides[Side.CRM], series_id(crm_id)))
            times = {adapter.name: adapter.modified_at(native_id) for adapter, native_id in records}
            # (a tie left open before stays open until a user changes either record: the engine's own writes since
            # are no change of a side; nor has a record a usable time that the engine changed last)
            kept = self.opened.get((kind, pim_id, crm_id, field))
            ours = [a.name for a, native_id in records if a.modified_at(native_id) != a.user_changed.get(native_id)]
            assert len(set(times.values())) == 1 or ours or (
                kept is not None and not self.touched_since(kept.seq, pim_id, crm_id, field)), (
                f"newest_wins left {field} for review, the records changed at {times}")
        self.left_for_review.add((pim_id, crm_id, field))

    def _note_unheld(self, plan: Plan) -> None:
        """Remember the fields the plan reported one occurrence of a series cannot hold, per pair (the
        documented outcome, see docs/recurrence.md: the two records keep their own values)."""
        for skip in plan.skipped:
            found = UNHELD.fullmatch(skip.reason)
            if found is None:
                continue
            for pair in plan.pairs:
                if getattr(pair, f"{skip.side.value}_id") == skip.native_id and pair.pim_id and pair.crm_id:
                    fields = found["fields"].split(", ")
                    self.unheld |= {(pair.pim_id, pair.crm_id, field) for field in fields}

    def _note_synced_edits(self, kind: Kind, started: int) -> None:
        """Remember each edit that a sync (even one cut short by a fault) carried to the partner and the base.

        A partner deleted after that is a legal delete of the edited record: the edit was already synced.
        """
        records = {side: self.records_of(side, kind) for side in Side}
        for seq, side, edit_kind, native_id, field, value in self.edits:
            key = (seq, side, native_id, field)
            if edit_kind is not kind or key in self.synced_edits or native_id not in records[side]:
                continue
            pairs = self.state.pairs_for(self.settings.profile, kind, **{f"{side.value}_ids": [native_id]})
            if not pairs:
                continue
            partner = (side.other, pairs[0].id_on(side.other))
            if partner[1] not in records[side.other]:
                continue
            wanted = getattr(self.sides[side.other].represent(records[side][native_id].replace(**{field: value})),
                             field)
            if getattr(records[side.other][partner[1]], field) == wanted == getattr(
                    self.sides[side.other].represent(pairs[0].base), field):
                self.synced_edits[key] = (started, partner)

    # -- checks ------------------------------------------------------------------------------------------------
    def records_of(self, side: Side, kind: Kind) -> dict:
        """The records of ``side``, with the occurrences of its series that pairs name (a series whose
        occurrences the other side holds is paired occurrence by occurrence)."""
        pairs = list(self.state.iter_pairs(self.settings.profile, kind))
        return with_occurrences(pairs, {s: self.sides[s].records(kind) for s in Side})[side]

    def _kind_of(self, adapter: MemoryAdapter, native_id: str) -> Kind | None:
        for kind in Kind:
            if native_id in adapter.records(kind):
                return kind
        return None

    def check_converged(self, kind: Kind) -> None:
        recs = {side: self.sides[side].records(kind) for side in Side}
        assert_in_step(self.state, self.settings.profile, kind, recs, self.crm.represent,
                       excused=self.prevented, unheld=self.unheld, left_for_review=self.left_for_review)
        origins: dict[Side, list[str]] = {side: [self.origin(side, i) for i in recs[side]] for side in Side}
        for side in Side:
            duplicated = {o for o in origins[side] if origins[side].count(o) > 1} - self.tolerated
            assert not duplicated, f"{side.value} holds duplicates of {duplicated}"

    def origin(self, side: Side, native_id: str) -> str:
        """The user-created record this one descends from (through the engine's creates)."""
        seen = set()
        while native_id in self.sides[side].created_from and (side, native_id) not in seen:
            seen.add((side, native_id))
            native_id = self.sides[side].created_from[native_id]  # type: ignore[assignment]
            side = side.other
        return f"{side.value}:{native_id}"

    def check_no_lost_edit(self, kind: Kind) -> None:
        profile = self.settings.profile
        pairs = list(self.state.iter_pairs(profile, kind))
        by_id = {}
        for pair in pairs:
            by_id[(Side.PIM, pair.pim_id)] = pair
            by_id[(Side.CRM, pair.crm_id)] = pair
        since = self.clean_sync_seq[kind]
        pim_records, crm_records = self.records_of(Side.PIM, kind), self.records_of(Side.CRM, kind)
        series_pairs = {p.pair_id for p in pairs if any(marked_series(p.id_on(s)) for s in Side)}
        for seq, side, edit_kind, native_id, field, value in self.edits:
            if edit_kind is not kind or seq < since:
                continue
            if (kind, native_id, field) in self.conflicts:
                continue  # a reported conflict may override it
            if (side, native_id) in self.prevented:
                continue  # made while the other side was read-only: it travels with the record's next edit
            last = max(e[0] for e in self.edits if (e[1], e[3], e[4]) == (side, native_id, field))
            if seq != last:
                continue  # a later edit of the same field on the same record replaced it
            if self.net_at_clean.get((side, native_id, field), object()) == value or seq in self.undone:
                continue  # edited away and back again before a good sync read it: no net edit
            pair = by_id.get((side, native_id))
            if pair is None and native_id in self.sides[side].records(kind):
                continue  # still there, unpaired as an ambiguous match (checked by check_converged)
            if pair is None:
                deleted_at = self.deleted.get((side, native_id))
                synced = self.synced_edits.get((seq, side, native_id, field))
                partner_deleted = synced is not None and self.deleted.get(synced[1], -1) > synced[0]
                assert (deleted_at is not None and deleted_at > seq) or partner_deleted, (
                    f"edited {side.value} record {native_id} ({field}) vanished"
                )
                continue
            later = [e for e in self.edits if e[0] > seq and e[2] is kind and e[4] == field
                     and (e[1], e[3]) in {(Side.PIM, pair.pim_id), (Side.CRM, pair.crm_id)}]
            if later:
                continue
            if pair.pair_id in series_pairs:
                continue  # an expanded series: its occurrences' pairs show where its edits went (assert_in_step)
            current = getattr(crm_records[pair.crm_id], field)
            expected = self.crm.represent(pim_records[pair.pim_id]).replace(**{field: value})
            assert current == getattr(expected, field), f"edit of {field} to {value!r} lost: now {current!r}"

    def teardown(self) -> None:
        if hasattr(self, "state"):
            self.state.close()


class LateLandingSyncMachine(LateLandings, SyncMachine):
    """The machine whose sides' writes may land late (:class:`LateLandings`; the series machines mix it in too)."""


TestSyncMachine = LateLandingSyncMachine.TestCase
