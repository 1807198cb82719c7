"""Emit: turn decisions into the plan's operations, pair plans, conflicts and skips.

Also where a reviewer's conflict resolutions become writes: the pair's merge is run again with them
(:meth:`PlanWriter.apply_resolutions`), through the same code that wrote it the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from .._ids import new_id
from ..display import record_title
from ..errors import ConfigurationError
from ..merge import BODY_FIELDS, MergeInput, MergeResult, without_fields
from ..models import CRM, PIM, SIDES, Record, Side
from ..occurrences import SEPARATOR, ended_before, series_marker, split_occurrence_id
from ..plan import Conflict, FieldChange, Operation, PairPlan, Plan
from ..plan import Skip as PlanSkip
from ..recurrence import Key
from ..remote import RemoteRecord
from ..results import EventType, SyncEvent, describe_record
from ..state_types import CREATE, UPDATE, Action, Pair, PendingCategory
from .decide_series import ids_to_tombstone
from .decisions import (
    Create,
    Decision,
    Delete,
    Forget,
    ForgetSeries,
    HeldUpdate,
    Keep,
    KeepSeries,
    Recreate,
    ReviewSwitch,
    Settle,
    Skip,
    SwitchSeries,
    Unheld,
    Update,
)
from .rules import Rules
from .switch_review import WAITS, held_pair_plan, resolved_base

Emit = Callable[[SyncEvent], None]

# An operation's reason, one string per side shared by every operation: an initial load plans one create per
# record, and a string formatted per operation was about 6 MB of a 100k-record plan.
_NEW_IN = {side: f"new in {side.value.upper()}" for side in SIDES}
_CHANGED_IN = {side: f"changed in {side.value.upper()}" for side in SIDES}
_DELETED_IN = {side: f"deleted in {side.value.upper()}" for side in SIDES}


class PlanWriter:
    """Adds decisions to one plan (and tells listeners about skips, conflicts and kept bodies)."""

    def __init__(self, plan: Plan, rules: Rules, emit: Emit, zones: Mapping[str, str] | None = None) -> None:
        self.plan = plan
        self.rules = rules
        self.emit = emit
        #: series zones by series id, to name occurrences in messages (:attr:`.observe.Observation.zones`)
        self.zones = zones or {}

    def add(self, decision: Decision) -> None:
        """Write one decision into the plan."""
        match decision:
            case Skip():
                self._skip(decision)
            case Settle(side=side, native_id=native_id):
                self.plan.clear_pending.append((side, native_id))
            case Forget(pair=pair, tombstones=tombstones, settles=settles, lifted=lifted):
                self._pair_plan(PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                                         pim_version=None, crm_version=None, base=pair.base, remove=True,
                                         tombstones=tombstones, lifted=lifted, settles=settles))
            case Delete(pair=pair, target=target, settles=settles, also_gone=also_gone, after=after):
                source = target.other
                tombstones, lifted = ids_to_tombstone(self.rules.series, gone=(
                    (PIM, pair.pim_id), (CRM, pair.crm_id), *also_gone))
                self._operation(target, Action.DELETE, pair_id=pair.pair_id, target_id=pair.id_on(target),
                                base_version=pair.version_on(target), source_side=source,
                                source_id=pair.id_on(source), source_version=None, record=None,
                                reason=_DELETED_IN[source], held=self.rules.as_stored(target, pair),
                                label=self._label(pair.base, pair.pim_id, pair.crm_id), after_occurrences_of=after)
                self._pair_plan(PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                                         pim_version=None, crm_version=None, base=pair.base, remove=True,
                                         tombstones=tombstones, lifted=lifted,
                                         settles=settles))
            case Keep(pair=pair, items=items, settles=settles):
                versions = {side: items[side].version if items[side] else pair.version_on(side) for side in SIDES}
                self._pair_plan(PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                                         pim_version=versions[PIM], crm_version=versions[CRM],
                                         base=pair.base, pim_body=pair.pim_body, settles=settles,
                                         conflicts=pair.conflicts, keep_pending_conflict=bool(pair.conflicts)))
            case Update(pair=pair, items=items, result=result, merge_input=inp):
                pim_item, crm_item = items[PIM], items[CRM]  # (spelled out per side: runs for every merged pair)
                pair_plan = PairPlan(
                    pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                    pim_version=pim_item.version if pim_item else pair.pim_version,
                    crm_version=crm_item.version if crm_item else pair.crm_version, base=inp.base,
                    settles=decision.settles,
                    tombstones=decision.tombstones, found_base=inp.base if decision.found else None,
                    found_two_way=inp.two_way if decision.found else frozenset(),
                )
                self._merged(pair_plan, inp, result)
            case Create(source=source, item=item, settles=settles):
                pair_id = new_id()
                self._pair_plan(PairPlan(pair_id=pair_id, base=self._created_base(item.record, source.other),
                                         settles=settles,
                                         **_one_side(source, item.id, item.version)))
                # the pair's only write goes by the pair's id (unique like any other: an initial load plans one
                # create per record, and an id string each was 7 MB of a 100k-record plan)
                self._operation(source.other, CREATE, pair_id=pair_id, target_id=None, base_version=None,
                                source_side=source, source_id=item.id, source_version=item.version,
                                record=item.record, reason=_NEW_IN[source], link=item.id, op_id=pair_id)
            case KeepSeries(side=side, item=item, pair_id=pair_id):
                # the series pair: the series as read on its side, its mark on the side holding its occurrences
                ids = {f"{side.value}_id": item.id, f"{side.other.value}_id": series_marker(item.id),
                       f"{side.value}_version": item.version, f"{side.other.value}_version": None}
                self._pair_plan(PairPlan(pair_id=pair_id, base=item.record, **ids))  # type: ignore[arg-type]
            case SwitchSeries(side=side, item=item, pair=pair, copy_gone=copy_gone, reason=reason, settles=settles,
                              merged=merged, copy=copy, cut_before=cut_before):
                # the rule pair becomes the series pair once the rule copy is deleted (or cut), after the occurrences
                other = side.other
                ids = {f"{side.value}_id": item.id, f"{other.value}_id": series_marker(item.id),
                       f"{side.value}_version": item.version, f"{other.value}_version": None}
                # a cut copy stays there as history, unpaired: tombstoned, so it is never copied back as a series
                tombstones, lifted = ids_to_tombstone(self.rules.series, gone=(),
                                                      stays=((other, pair.id_on(other)),) if cut_before else ())
                self._pair_plan(PairPlan(pair_id=pair.pair_id, base=item.record, settles=settles,
                                         pim_body=merged.pim_body if merged is not None and side is Side.PIM else None,
                                         tombstones=tombstones, lifted=lifted, **ids))  # type: ignore[arg-type]
                if merged is not None and merged.writes(side):
                    self._carry_over(side, item, pair, copy, merged)
                if merged is not None and decision.merge_input is not None:
                    # conflicts the policy decided: listed with both values, as for any pair
                    self._conflicts(pair.pair_id, decision.merge_input, merged)
                if not copy_gone:
                    self._drop_rule_copy(side, item, pair, copy, reason, cut_before)
            case ReviewSwitch(side=side, item=item, pair=pair, result=result, merge_input=inp, reason=reason):
                # nothing written: the pair is stored as it was, holding what the plan's review may resolve
                self._pair_plan(PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                                         pim_version=pair.pim_version, crm_version=pair.crm_version, base=pair.base,
                                         pim_body=pair.pim_body, conflicts=pair.conflicts, merge_input=inp,
                                         switch_review=True))
                self._conflicts(pair.pair_id, inp, result)
                fields = ", ".join(sorted(result.open_conflicts))
                self._skip(Skip(side=side, native_id=item.id, record=item.record, pending=PendingCategory.CONFLICT,
                                reason=f"not written to the {self.rules.series.names[side.other]}: {reason}"
                                       f"{WAITS}{fields} to be resolved at review"))
            case HeldUpdate(pair=pair, result=result, merge_input=inp, held=held, found=found):
                # nothing written; the update's obstacle is reported and retried
                self._pair_plan(held_pair_plan(pair, result, inp, found))
                if found:
                    self.plan.moves_bases = True  # (a pair stored without a write)
                if result.conflicts:
                    self._conflicts(pair.pair_id, inp, result)
                self._skip(held)
            case ForgetSeries(pair=pair):
                self._pair_plan(PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
                                         pim_version=None, crm_version=None, base=pair.base, remove=True))
            case Unheld(side=side, native_id=native_id, reason=reason, record=record):
                self._skip(Skip(side=side, native_id=native_id, reason=f"not written: {reason}", record=record))
            case Recreate(pair=pair, survivor=survivor, deleted_side=deleted_side, settles=settles):
                source = deleted_side.other
                self._pair_plan(PairPlan(pair_id=pair.pair_id,
                                         base=self._created_base(survivor.record, deleted_side), settles=settles,
                                         tombstones=((deleted_side, pair.id_on(deleted_side)),),
                                         **_one_side(source, survivor.id, survivor.version)))
                self._operation(deleted_side, Action.CREATE, pair_id=pair.pair_id, target_id=None, base_version=None,
                                source_side=source, source_id=survivor.id, source_version=survivor.version,
                                record=survivor.record, link=survivor.id,
                                reason=f"re-created: edited in {source.value.upper()} while deleted in "
                                       f"{deleted_side.value.upper()}")

    def apply_resolutions(self) -> None:
        """Re-run the merge of every pair whose conflicts a reviewer resolved, and write that merge instead.

        The merge is the one the plan was made with (its inputs are kept in the plan), now with the chosen
        winners; what it may write follows the same job and the same read-only sides as when it was planned.
        """
        plan = self.plan
        resolved = {c.pair_id for c in plan.conflicts if c.resolution is not None and not c.applied}
        for pair_plan in [p for p in plan.pairs if p.pair_id in resolved]:
            inp = pair_plan.merge_input
            if inp is None:
                # only a series switched with the policy's pick lists conflicts without its merge: its writes are
                # planned with that pick, and another one would need the switch planned again
                conflict = next(c for c in plan.conflicts if c.pair_id == pair_plan.pair_id and not c.applied)
                raise ConfigurationError(
                    f"conflict {conflict.conflict_id} ({record_title(pair_plan.base)!r}, field {conflict.field}) was "
                    "decided by the conflict policy when its series was switched to single events; it cannot be "
                    "resolved otherwise in this plan: nothing was written, make a new plan (another "
                    "conflict_policy, or manual to review it)", key="conflict_id", value=conflict.conflict_id)
            if pair_plan.switch_review:
                self._resolve_switch(pair_plan)
                continue
            resolutions = {c.field: c.resolution for c in plan.conflicts
                           if c.pair_id == pair_plan.pair_id and c.resolution is not None}
            # what the first merge planned for this pair is replaced by the new merge
            plan.operations = [op for op in plan.operations
                               if not (op.pair_id == pair_plan.pair_id and op.action is Action.UPDATE)]
            plan.conflicts = [c for c in plan.conflicts if c.pair_id != pair_plan.pair_id]
            plan.pairs.remove(pair_plan)
            self._merged(pair_plan, inp, self.rules.merge(inp, resolutions))  # type: ignore[arg-type]

    def _resolve_switch(self, pair_plan: PairPlan) -> None:
        """Keep the resolutions of a switch's conflicts in its pair's base (each field at the losing side's value,
        so the next sync's merge sees only the winner's edit and switches the series with it). Nothing is written
        now: the switch itself, with its occurrences before the rule copy's deletion, is the next sync's."""
        plan = self.plan
        conflicts = [c for c in plan.conflicts if c.pair_id == pair_plan.pair_id]
        outcome = resolved_base(pair_plan.base, pair_plan.pim_body, pair_plan.conflicts,  # type: ignore[arg-type]
                                [(c.field, c.resolution, c.pim_value, c.crm_value) for c in conflicts])
        outcome_text: str
        if outcome.problem:
            # the values picked do not fit together: nothing is kept, the conflicts are listed again next sync
            for conflict in conflicts:
                conflict.resolution, conflict.applied = None, True
            outcome_text = f"{outcome.problem}: nothing kept, asked again at the next sync"
        else:
            pair_plan.base, pair_plan.pim_body, pair_plan.conflicts = (outcome.base, outcome.pim_body,
                                                                       outcome.conflicts)
            plan.moves_bases = True  # (the resolution moves the base without a write)
            for conflict in conflicts:
                conflict.applied = True
            outcome_text = "switched to single events at the next sync, with the values picked at review"
        # the series' report says what became of the review (its retry, parked by that report, brings the series
        # back at the next sync)
        plan.skipped = [attrs.evolve(skip, reason=f"{skip.reason.partition(WAITS)[0]}; {outcome_text}")
                        if WAITS in skip.reason and skip.native_id == pair_plan.id_on(skip.side) else skip
                        for skip in plan.skipped]

    # -- pieces ----------------------------------------------------------------------------------------------------
    def _label(self, record: Record | None, *ids: str | None) -> str:
        """``record`` as a person knows it; an occurrence (one of ``ids`` names one) with its start."""
        occurrence = next((i for i in ids if i and SEPARATOR in i and split_occurrence_id(i) is not None), None)
        return describe_record(record, occurrence, self.zones)

    def _skip(self, skip: Skip) -> None:
        label = self._label(skip.record, skip.native_id) if skip.record is not None else skip.label
        self.plan.skipped.append(PlanSkip(side=skip.side, native_id=skip.native_id, reason=skip.reason,
                                          pending=skip.pending, label=label))
        self.emit(SyncEvent(type=EventType.SKIPPED, kind=self.rules.kind, profile=self.rules.profile,
                            side=skip.side, record_id=skip.native_id,
                            message=f"{label}: {skip.reason}" if label else skip.reason))

    def _occurrence_label(self, record: Record | None, *ids: str | None) -> str:
        """The label of a write to or from an occurrence (its record alone cannot name it: its series'
        occurrences share the subject); "" for any other write, which the report names by its record (no string
        per operation kept for an initial load's thousands of them)."""
        # (the separator first: this runs for every write planned, and few ids name an occurrence)
        return self._label(record, *ids) if any(i and SEPARATOR in i and split_occurrence_id(i) is not None
                                                for i in ids) else ""

    def _operation(self, target: Side, action: Action, *, pair_id: str, reason: str, **fields: object) -> None:
        if "label" not in fields:
            fields["label"] = self._occurrence_label(fields.get("record"),  # type: ignore[arg-type]
                                                     fields.get("target_id"), fields.get("source_id"))  # type: ignore[arg-type]
        if "op_id" not in fields:  # (a create goes by its pair's id: no id made for it)
            fields["op_id"] = new_id()
        self.plan.operations.append(Operation(target=target, action=action, pair_id=pair_id, reason=reason,
                                              **fields))  # type: ignore[arg-type]

    def _pair_plan(self, pair_plan: PairPlan) -> None:
        self.plan.pairs.append(pair_plan)

    def _merged(self, pair_plan: PairPlan, inp: MergeInput, result: MergeResult) -> None:
        """A merged pair: its new base, its update operations and its conflicts."""
        pair_plan.base = result.base
        pair_plan.pim_body = result.pim_body
        # kept while a conflict is listed, so that a resolution at review re-runs this merge on apply
        merge_input = inp if result.conflicts else None
        if result.open_conflicts or merge_input is not None or pair_plan._rare is not None:
            # (set only when one of them leaves its default or already has: most merged pairs have no conflict,
            # and each of these is kept in the pair plan's holder of rare attributes)
            pair_plan.conflicts = result.open_conflicts
            pair_plan.keep_pending_conflict = bool(result.open_conflicts)
            pair_plan.merge_input = merge_input
        self._pair_plan(pair_plan)
        if not (result.to_pim or result.to_crm) and (result.base != inp.base or result.open_conflicts != inp.two_way):
            # the pair's agreed state moves without a write (its base, or the conflicts it holds open)
            self.plan.moves_bases = True
        for target in SIDES:
            fields = result.writes(target)
            if not fields:
                continue
            source = target.other
            now = self._as_read(inp, target)  # (only for a side written to: the old values of its changes)
            write_only = fields & self.rules.write_only.get(target, frozenset())
            self._operation(
                target, UPDATE, pair_id=pair_plan.pair_id, fields=fields, record=result.base,
                target_id=pair_plan.id_on(target), base_version=pair_plan.version_on(target), source_side=source,
                source_id=pair_plan.id_on(source), source_version=pair_plan.version_on(source),
                reason=_CHANGED_IN[source],
                # a write-only field's value on the target is what was last written there: the base's
                changes=tuple(FieldChange(field=f, new=getattr(result.base, f),
                                          old=getattr(inp.base if f in write_only else now, f))
                              for f in sorted(fields)),
                previous=inp.base if write_only else None,
            )
        if result.conflicts:
            self._conflicts(pair_plan.pair_id, inp, result)
        if result.body_kept:
            self.emit(SyncEvent(type=EventType.BODY_KEPT, kind=self.rules.kind, profile=self.rules.profile,
                                side=PIM, record_id=pair_plan.pim_id,
                                message="formatted Outlook body kept; other fields updated"))

    def _drop_rule_copy(self, side: Side, item: RemoteRecord, pair: Pair, copy: RemoteRecord | None, reason: str,
                        cut_before: Key | None) -> None:
        """The rule copy's deletion, or its cut before the window (``cut_before``), made last (after every
        occurrence of the series is written)."""
        other = side.other
        # (what the plan took the rule copy to hold: it is deleted or cut only while it still holds that)
        held = self.rules.represent[other](copy.record) if copy is not None else self.rules.as_stored(other, pair)
        changes: tuple[FieldChange, ...] = ()
        why = f"switched to single events: {reason}"
        if cut_before is not None and getattr(held, "recurrence", None) is not None:
            kept = ended_before(held, cut_before)  # type: ignore[arg-type]
            changes = (FieldChange(field="recurrence", old=held.recurrence,  # type: ignore[attr-defined]
                                   new=kept.recurrence if kept is not None else None),)  # type: ignore[union-attr]
            why += (f"; its occurrences from {cut_before.isoformat()} on are deleted there, the earlier ones kept "
                    "as history")
        self._operation(other, Action.DELETE, pair_id=pair.pair_id, target_id=pair.id_on(other),
                        base_version=copy.version if copy is not None else pair.version_on(other),
                        source_side=side, source_id=item.id, source_version=item.version,
                        record=pair.base, label=describe_record(pair.base), held=held, reason=why,
                        after_occurrences_of=item.id, cut_before=cut_before, changes=changes)

    def _conflicts(self, pair_id: str, inp: MergeInput, result: MergeResult,
                   now: Mapping[Side, Record] | None = None) -> None:
        """List the conflicts of a pair's merge, each with both values (a whole-record one: both records)."""
        for conflict in result.conflicts:
            whole = conflict.field == "*"
            if whole and now is None:
                now = {side: self._as_read(inp, side) for side in SIDES}
            self.plan.conflicts.append(Conflict(
                conflict_id=new_id(), pair_id=pair_id, field=conflict.field,
                pim_value=now[PIM] if whole else conflict.pim_value,  # type: ignore[index]
                crm_value=now[CRM] if whole else conflict.crm_value,  # type: ignore[index]
                resolution=conflict.winner, reason=conflict.reason,
            ))
            self.emit(SyncEvent(type=EventType.CONFLICT, kind=self.rules.kind, profile=self.rules.profile,
                                message=f"{conflict.field}: {conflict.reason}"))

    def _carry_over(self, side: Side, item: RemoteRecord, pair: Pair, copy: RemoteRecord | None,
                    merged: MergeResult) -> None:
        """The update of a switched series with its rule copy's edit (the fields the merge writes to the series'
        side), made with the occurrences, before the copy's deletion."""
        other = side.other
        fields = merged.writes(side)
        write_only = fields & self.rules.write_only.get(side, frozenset())
        self._operation(
            side, Action.UPDATE, pair_id=pair.pair_id, fields=fields, record=merged.base, target_id=item.id,
            base_version=item.version, source_side=other, source_id=pair.id_on(other),
            source_version=copy.version if copy is not None else pair.version_on(other),
            reason=f"{_CHANGED_IN[other]}: its rule copy's edit, carried over before the series is switched to "
                   "single events",
            changes=tuple(FieldChange(field=f, new=getattr(merged.base, f),
                                      old=getattr(pair.base if f in write_only else item.record, f))
                          for f in sorted(fields)),
            previous=pair.base if write_only else None, label=describe_record(merged.base))

    def _created_base(self, record: Record, target: Side) -> Record:
        """The base of a pair whose copy is being created on ``target``: the copy holds the target's read-only
        fields empty (Graph creates events without attendees), and the base is what both sides hold."""
        return without_fields(record, self.rules.read_only.get(target, frozenset()))

    def _as_read(self, inp: MergeInput, side: Side) -> Record:
        """A side's record as the merge saw it (the base as that side stores it when it did not change)."""
        read = inp.read(side)
        if read is not None:
            return read
        record = self.rules.represent[side](inp.base)
        if side is PIM and inp.pim_body is not None:
            record = record.replace(**{f: inp.pim_body for f in BODY_FIELDS if f in record.field_names()})
        return record


def _one_side(side: Side, native_id: str, version: str | None) -> dict[str, str | None]:
    """PairPlan id and version arguments for a pair that exists on ``side`` only so far."""
    other = side.other
    return {f"{side.value}_id": native_id, f"{side.value}_version": version,
            f"{other.value}_id": None, f"{other.value}_version": None}
