"""A plan: everything a sync would do, for review before anything is written.

A :class:`Plan` lists operations (target side, action, record, field changes old → new, reason),
conflicts, skipped items with reasons, and safety findings. Operations can be excluded by id, manual
conflicts resolved, and the plan saved to JSON and loaded back before :meth:`SyncEngine.apply`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs

from ._files import write_private_text
from .converters import make_converter, structure_tagged, unstructure_tagged
from .errors import ConfigurationError
from .models import Body, Kind, Record, Side
from .state_types import Action, PendingCategory

PLAN_FORMAT = 2


@attrs.frozen(kw_only=True)
class FieldChange:
    """One field of one operation: the value on the target side before, and the value written."""

    field: str
    old: Any
    new: Any


@attrs.define(kw_only=True)
class Operation:
    """One write to one side.

    :ivar op_id: stable id, used to exclude the operation at review
    :ivar source_id: / source_version: the record the change comes from, re-checked at apply time
    :ivar fields: for updates, the fields to write; the rest of the target record is left alone
    """

    op_id: str
    target: Side
    action: Action
    pair_id: str
    target_id: str | None
    base_version: str | None
    source_side: Side | None
    source_id: str | None
    source_version: str | None
    record: Record | None
    fields: frozenset[str] = frozenset()
    _changes: tuple[FieldChange, ...] = attrs.field(default=(), alias="changes")
    reason: str = ""
    link: str | None = None
    excluded: bool = False

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        """The field changes old → new shown at review.

        A create lists the fields its record sets, derived when asked for: an initial load plans one create
        per record, and storing these would be most of a large plan's memory.
        """
        if self._changes or self.action is not Action.CREATE or self.record is None:
            return self._changes
        return tuple(FieldChange(field=name, old=None, new=value) for name, value in self.record.values().items()
                     if value not in (None, "", ()) and not (isinstance(value, Body) and not value))


@attrs.define(kw_only=True)
class PairPlan:
    """What a pair becomes once all of its operations succeed (ids of created records are filled in then)."""

    pair_id: str
    pim_id: str | None
    crm_id: str | None
    pim_version: str | None
    crm_version: str | None
    base: Record | None
    pim_body: Body | None = None
    remove: bool = False
    #: native ids to tombstone once the pair's operations succeed
    tombstones: tuple[tuple[Side, str], ...] = ()
    #: pending items this pair settles (cleared on success)
    settles: tuple[tuple[Side, str], ...] = ()
    #: a manual conflict keeps the pair pending for the next sync
    keep_pending_conflict: bool = False
    #: fields left under an unresolved conflict
    conflicts: frozenset[str] = frozenset()
    #: for a pair found this sync (matched or recovered): what to store if its writes fail, so the pairing
    #: itself is never lost and the merge is simply redone next time
    found_base: Record | None = None
    found_two_way: frozenset[str] = frozenset()


@attrs.define(kw_only=True)
class Conflict:
    """A field both sides changed to different values.

    ``resolution`` is the winning side; None means it is left for review (manual policy, or newest-wins
    without usable modification times). Resolve it with :meth:`Plan.resolve` before applying.
    """

    conflict_id: str
    pair_id: str
    field: str
    pim_value: Any
    crm_value: Any
    resolution: Side | None
    reason: str
    #: True once the plan's operations account for ``resolution`` (False after :meth:`Plan.resolve`)
    applied: bool = True


@attrs.frozen(kw_only=True)
class Skip:
    """A record left alone, and why (out of date range, private, unsupported, ambiguous match, …).

    ``pending`` set means the record is kept in the pending list and looked at again next sync.
    """

    side: Side
    native_id: str
    reason: str
    pending: PendingCategory | None = None
    #: the record as a person knows it ("event 'Kickoff'"), when the planner had it
    label: str = ""


@attrs.define(kw_only=True)
class Plan:
    """Everything one sync of one kind would do. Made by :meth:`SyncEngine.plan`; nothing is written yet."""

    plan_id: str
    profile: str
    kind: Kind
    created_at: datetime
    operations: list[Operation] = attrs.field(factory=list)
    pairs: list[PairPlan] = attrs.field(factory=list)
    conflicts: list[Conflict] = attrs.field(factory=list)
    skipped: list[Skip] = attrs.field(factory=list)
    #: reasons the safety policy refuses this plan unless forced
    safety: list[str] = attrs.field(factory=list)
    #: new cursors, stored once the plan is applied
    cursors: dict[Side, str | None] = attrs.field(factory=dict)
    #: the state generation the plan was made at; apply refuses the plan once a sync has written since
    from_generation: int = 0
    #: record counts seen per side (for the mass-delete guard and the summary)
    totals: dict[Side, int] = attrs.field(factory=dict)
    warnings: list[str] = attrs.field(factory=list)
    #: pending items this plan settles without a write (the record is gone or needs nothing)
    clear_pending: list[tuple[Side, str]] = attrs.field(factory=list)
    #: journaled intents from an interrupted sync that this plan accounts for
    intents_done: list[str] = attrs.field(factory=list)

    @property
    def active_operations(self) -> list[Operation]:
        """Operations that will run (not excluded)."""
        return [op for op in self.operations if not op.excluded]

    @property
    def is_empty(self) -> bool:
        """True when applying would write nothing to either side."""
        return not self.active_operations and not any(c.resolution is None for c in self.conflicts)

    @property
    def needs_review(self) -> bool:
        """True when the plan holds unresolved conflicts or safety findings."""
        return bool(self.safety) or any(c.resolution is None for c in self.conflicts)

    def exclude(self, *op_ids: str) -> None:
        """Exclude operations by id; they are offered again at the next sync.

        :raises ConfigurationError: for an id that is not in the plan
        """
        by_id = {op.op_id: op for op in self.operations}
        unknown = [op_id for op_id in op_ids if op_id not in by_id]
        if unknown:
            raise ConfigurationError(f"unknown operation id(s): {', '.join(unknown)}", key="op_id", value=unknown)
        for op_id in op_ids:
            by_id[op_id].excluded = True

    def include(self, *op_ids: str) -> None:
        """Undo :meth:`exclude`."""
        for op in self.operations:
            if op.op_id in op_ids:
                op.excluded = False

    def resolve(self, conflict_id: str, winner: Side) -> None:
        """Choose the winning side of a conflict; its value is written to the other side at apply."""
        for conflict in self.conflicts:
            if conflict.conflict_id == conflict_id:
                conflict.resolution = Side(winner)
                conflict.applied = False
                return
        raise ConfigurationError(f"unknown conflict id {conflict_id!r}", key="conflict_id", value=conflict_id)

    def count(self, side: Side, action: Action) -> int:
        """How many active operations write ``action`` to ``side``."""
        return sum(1 for op in self.active_operations if op.target is side and op.action is action)

    # -- JSON ----------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """The plan as a JSON document (records, field values and all)."""
        return json.dumps(_plan_converter().unstructure(self), indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Load a plan written by :meth:`to_json`.

        :raises ConfigurationError: when the text is not a syncore plan
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            if data.get("format") != PLAN_FORMAT:
                raise ValueError(f"unsupported plan format {data.get('format')!r}")
            return _plan_converter().structure(data, Plan)
        except (ValueError, KeyError, TypeError, cattrs.BaseValidationError) as exc:
            raise ConfigurationError(f"not a valid syncore plan file: {exc}", key="plan") from exc

    def save(self, path: str | Path) -> None:
        """Write the plan to ``path`` as JSON, owner-only (0600; a folder it creates is 0700): it holds both
        sides' record contents."""
        write_private_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read a plan saved with :meth:`save`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _field_type(kind: Kind, field: str) -> Any:
    record_type = kind.record_type
    attrs.resolve_types(record_type)
    return attrs.fields_dict(record_type)[field].type


_CONVERTER: cattrs.Converter | None = None


def _plan_converter() -> cattrs.Converter:
    global _CONVERTER
    if _CONVERTER is not None:
        return _CONVERTER
    conv = make_converter()
    records = make_converter()  # record contents; ``conv`` adds the kind tag around them
    conv.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, Record), lambda record: unstructure_tagged(record, records)
    )
    conv.register_structure_hook(Record, lambda data, _: structure_tagged(data, records))
    conv.register_unstructure_hook(frozenset, sorted)

    def unstructure_plan(plan: Plan) -> dict[str, Any]:
        kind = plan.kind
        data = {
            "format": PLAN_FORMAT,
            "plan_id": plan.plan_id,
            "profile": plan.profile,
            "kind": kind.value,
            "created_at": conv.unstructure(plan.created_at),
            "operations": [_unstructure_op(op) for op in plan.operations],
            "pairs": [_unstructure_pair(pair) for pair in plan.pairs],
            "conflicts": [
                {
                    "conflict_id": c.conflict_id,
                    "pair_id": c.pair_id,
                    "field": c.field,
                    "pim_value": conv.unstructure(c.pim_value),
                    "crm_value": conv.unstructure(c.crm_value),
                    "resolution": c.resolution.value if c.resolution else None,
                    "reason": c.reason,
                    "applied": c.applied,
                }
                for c in plan.conflicts
            ],
            "skipped": [conv.unstructure(skip) for skip in plan.skipped],
            "safety": list(plan.safety),
            "cursors": {side.value: cursor for side, cursor in plan.cursors.items()},
            "from_generation": plan.from_generation,
            "totals": {side.value: total for side, total in plan.totals.items()},
            "warnings": list(plan.warnings),
            "clear_pending": [[side.value, native_id] for side, native_id in plan.clear_pending],
            "intents_done": list(plan.intents_done),
        }
        return data

    def _unstructure_op(op: Operation) -> dict[str, Any]:
        data = {f.alias: conv.unstructure(getattr(op, f.name)) for f in attrs.fields(Operation) if f.alias != "changes"}
        data["changes"] = [
            {"field": ch.field, "old": conv.unstructure(ch.old), "new": conv.unstructure(ch.new)} for ch in op.changes
        ]
        return data

    def _unstructure_pair(pair: PairPlan) -> dict[str, Any]:
        return {f.name: conv.unstructure(getattr(pair, f.name)) for f in attrs.fields(PairPlan)}

    def structure_plan(data: dict[str, Any], _: Any) -> Plan:
        kind = Kind(data["kind"])

        def value(field: str, raw: Any) -> Any:
            if raw is None:
                return None
            if field == "*":  # a whole-record conflict carries both records
                return structure_tagged(raw, records)
            return conv.structure(raw, _field_type(kind, field))

        operations = []
        for raw in data["operations"]:
            changes = tuple(
                FieldChange(field=ch["field"], old=value(ch["field"], ch["old"]), new=value(ch["field"], ch["new"]))
                for ch in raw["changes"]
            )
            fields = {f.alias: conv.structure(raw[f.alias], f.type) for f in attrs.fields(Operation)
                      if f.alias != "changes"}
            operation = Operation(**fields, changes=changes)
            if operation.action is Action.CREATE and operation.record is not None:
                operation = attrs.evolve(operation, changes=())  # derived from the record, as when planned
            operations.append(operation)
        pairs = [
            PairPlan(**{f.name: conv.structure(raw[f.name], f.type) for f in attrs.fields(PairPlan)})
            for raw in data["pairs"]
        ]
        conflicts = [
            Conflict(
                conflict_id=raw["conflict_id"],
                pair_id=raw["pair_id"],
                field=raw["field"],
                pim_value=value(raw["field"], raw["pim_value"]),
                crm_value=value(raw["field"], raw["crm_value"]),
                resolution=Side(raw["resolution"]) if raw["resolution"] else None,
                reason=raw["reason"],
                applied=raw["applied"],
            )
            for raw in data["conflicts"]
        ]
        return Plan(
            plan_id=data["plan_id"],
            profile=data["profile"],
            kind=kind,
            created_at=conv.structure(data["created_at"], datetime),
            operations=operations,
            pairs=pairs,
            conflicts=conflicts,
            skipped=[conv.structure(raw, Skip) for raw in data["skipped"]],
            safety=list(data["safety"]),
            cursors={Side(side): cursor for side, cursor in data["cursors"].items()},
            from_generation=int(data["from_generation"]),
            totals={Side(side): total for side, total in data["totals"].items()},
            warnings=list(data["warnings"]),
            clear_pending=[(Side(side), native_id) for side, native_id in data["clear_pending"]],
            intents_done=list(data["intents_done"]),
        )

    attrs.resolve_types(Operation)
    attrs.resolve_types(PairPlan)
    attrs.resolve_types(Skip)
    conv.register_unstructure_hook(Plan, unstructure_plan)
    conv.register_structure_hook(Plan, structure_plan)
    _CONVERTER = conv
    return conv
