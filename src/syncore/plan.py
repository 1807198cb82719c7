"""A plan: everything a sync would do, for review before anything is written.

A :class:`Plan` lists operations (target side, action, record, field changes old → new, reason),
conflicts, skipped items with reasons, and safety findings. Operations can be excluded by id, manual
conflicts resolved, and the plan saved to JSON and loaded back before :meth:`SyncEngine.apply`.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ._files import write_private_text
from ._rare import structure_hook, unstructure_hook, with_rare
from .converters import make_converter, structure_tagged, unstructure_tagged
from .errors import ConfigurationError
from .merge import MergeInput
from .models import PIM, Body, Kind, Record, Side
from .state_types import Action, PendingCategory

if typing.TYPE_CHECKING:
    from .remote import RemoteRecord

PLAN_FORMAT = 2


@attrs.frozen(kw_only=True)
class FieldChange:
    """One field of one operation: the value on the target side before, and the value written."""

    field: str
    old: Any
    new: Any


@attrs.frozen(kw_only=True)
class _OperationRare:
    """The attributes of an :class:`Operation` that few writes have (kept in one slot, :mod:`syncore._rare`)."""

    previous: Record | None = None
    label: str = ""
    after_occurrences_of: str | None = None
    cut_before: date | datetime | None = None
    held: Record | None = None


@with_rare(_OperationRare)
@attrs.define(kw_only=True, weakref_slot=False, init=False)
class Operation:
    """One write to one side.

    :ivar op_id: stable id, used to exclude the operation at review
    :ivar source_id: / source_version: the record the change comes from, re-checked at apply time
    :ivar fields: for updates, the fields to write; the rest of the target record is left alone
    :ivar previous: for an update writing one of the target's write-only fields, the pair's base before it
        (passed on as :attr:`~syncore.remote.UpdateRequest.previous`)
    :ivar label: how messages about this write name its record when ``record`` alone cannot (an occurrence of a
        series: "event '1:1' on 2026-03-23 09:00 CET"); empty otherwise
    :ivar after_occurrences_of: a series id: this write is made after every other write of the plan, and only when
        each write naming an occurrence of that series succeeded (a series' rule copy deleted when the series is
        switched to its occurrences: never before they are all there)
    :ivar cut_before: for a delete of a series: only its occurrences from this original start on go, the earlier
        ones stay (the rule copy of a switched series cut before the sync window and kept as history, through
        :meth:`~syncore.abc.Adapter.cut_series`); None: the whole record goes
    :ivar held: for a delete: what the plan took its target to hold, as that side holds it. The delete is made
        only while the target still holds that (see :meth:`~syncore.planning.Rules.edited_since`), whatever its
        version says: a version moves for reasons of its own (an update of ours whose reply was lost). None in
        plans saved before it was kept: their deletes compare versions.

    ``previous``, ``label``, ``after_occurrences_of``, ``cut_before`` and ``held`` are read and set like the others but kept
    together in one slot (:mod:`syncore._rare`): an initial load plans one create per record and none of them
    has any of these.
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
    _rare: _OperationRare | None = attrs.field(default=None, alias="rare")

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


#: why a delete is not made when its target changed since the plan read it
CHANGED_SINCE_THE_PLAN = "changed since the plan read it: not deleted, so that change is not lost"


def edited_since_the_plan(op: Operation, current: RemoteRecord,
                          edited_since: Callable[[Side, Record, Record], frozenset[str]]) -> bool:
    """True when the target of the delete ``op``, read again as ``current``, no longer holds what the plan took it
    to hold (``op.held``, through ``edited_since``: the planner's comparison). An unchanged version is no edit; a
    moved one is an edit only when the content differs (a version moves for reasons of its own: an update of ours
    whose reply was lost, a write of the values it had). Without ``op.held`` (a plan saved before it was kept)
    the version alone decides."""
    if current.version is not None and current.version == op.base_version:
        return False
    if op.held is None:
        return current.version is not None
    return bool(edited_since(op.target, current.record, op.held))


@attrs.frozen(kw_only=True)
class _PairPlanRare:
    """The attributes of a :class:`PairPlan` that few pairs have (kept in one slot, :mod:`syncore._rare`)."""

    remove: bool = False
    tombstones: tuple[tuple[Side, str], ...] = ()
    lifted: tuple[tuple[Side, str], ...] = ()
    settles: tuple[tuple[Side, str], ...] = ()
    keep_pending_conflict: bool = False
    conflicts: frozenset[str] = frozenset()
    merge_input: MergeInput | None = None
    switch_review: bool = False


@with_rare(_PairPlanRare)
@attrs.define(kw_only=True, weakref_slot=False, init=False)
class PairPlan:
    """What a pair becomes once all of its operations succeed (ids of created records are filled in then).

    :ivar remove: the pair is forgotten (its records deleted or gone)
    :ivar tombstones: native ids to tombstone once the pair's operations succeed
    :ivar lifted: native ids whose tombstones are dropped then (an occurrence that may come back, see
        ``ids_to_tombstone``)
    :ivar settles: pending items this pair settles (cleared on success)
    :ivar keep_pending_conflict: a manual conflict keeps the pair pending for the next sync
    :ivar conflicts: fields left under an unresolved conflict
    :ivar found_base: for a pair found this sync (matched or recovered): what to store if its writes fail, so the
        pairing itself is never lost and the merge is simply redone next time
    :ivar merge_input: what the pair's merge ran on, kept while one of its conflicts is listed: a resolution at
        review re-runs that merge when the plan is applied
    :ivar switch_review: a series whose switch to its occurrences waits for the review of these conflicts (between
        its edit and its rule copy's), or whose update waits because a side cannot hold it: the pair is stored as it
        was, and a resolution is kept in its base instead of re-running the merge
        (:func:`syncore.planning.switch_review.resolved_base`); the next sync switches or updates the series

    The attributes from ``remove`` to ``conflicts``, ``merge_input`` and ``switch_review`` are read and set like
    the others but kept together in one slot (:mod:`syncore._rare`): an initial load plans one pair per record and
    none of them has any of these. (``found_base`` and ``found_two_way`` are slots of their own: every pair a
    first sync matches has both.)
    """

    pair_id: str
    pim_id: str | None
    crm_id: str | None
    pim_version: str | None
    crm_version: str | None
    base: Record | None
    pim_body: Body | None = None
    found_base: Record | None = None
    found_two_way: frozenset[str] = frozenset()
    _rare: _PairPlanRare | None = attrs.field(default=None, alias="rare")

    def id_on(self, side: Side) -> str | None:
        """The pair's native id on ``side`` (None until a create there succeeds)."""
        return self.pim_id if side is PIM else self.crm_id

    def version_on(self, side: Side) -> str | None:
        """The version read on ``side`` this sync (or stored with the pair)."""
        return self.pim_version if side is PIM else self.crm_version


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
    #: our creates on net-change sides that this plan accounts for (forgotten once it is applied)
    confirmed: list[tuple[Side, str]] = attrs.field(factory=list)
    #: a pair's agreed state moves on with no write (both sides made the same edit, a conflict opened or closed, a
    #: pair found or a resolution kept without a write): applying it changes what other plans were made from, as a
    #: write does
    moves_bases: bool = False

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
        data = {"format": PLAN_FORMAT, **_plan_converter(self.kind).unstructure(self)}
        return json.dumps(data, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Load a plan written by :meth:`to_json`.

        :raises ConfigurationError: when the text is not a syncore plan
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("expected a JSON object")
            if data.get("format") != PLAN_FORMAT:
                raise ValueError(f"unsupported plan format {data.get('format')!r} (this syncore writes "
                                 f"{PLAN_FORMAT}); make a new plan")
            data = {key: value for key, value in data.items() if key != "format"}
            return _plan_converter(Kind(data.get("kind"))).structure(data, Plan)
        except (ValueError, KeyError, TypeError, AttributeError, cattrs.BaseValidationError) as exc:
            raise ConfigurationError(f"not a valid syncore plan file: {exc}", key="plan") from exc

    def save(self, path: str | Path) -> None:
        """Write the plan to ``path`` as JSON, owner-only (0600; a folder it creates is 0700): it holds both
        sides' record contents."""
        write_private_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read a plan saved with :meth:`save`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _value_type(kind: Kind, field: str) -> Any:
    """The type of a value that stands for a record field (a field change, a conflict's two sides)."""
    if field == "*":
        return Record  # a whole-record conflict carries both records
    record_type = kind.record_type
    attrs.resolve_types(record_type)
    return attrs.fields_dict(record_type)[field].type


def _typed_values(conv: cattrs.Converter, kind: Kind, cls: type, names: tuple[str, ...]) -> Any:
    generated = make_dict_structure_fn(cls, conv)  # the other attributes as cattrs derives them

    def structure(data: dict[str, Any], _: Any) -> Any:
        field = data["field"]
        typed = {name: None if data[name] is None else conv.structure(data[name], _value_type(kind, field))
                 for name in names}
        return generated({**data, **typed}, cls)  # (values typed Any pass through unchanged)

    return structure


def _derived_changes(op: Operation) -> Operation:
    return attrs.evolve(op, changes=()) if op.action is Action.CREATE and op.record is not None else op


@functools.cache
def _plan_converter(kind: Kind) -> cattrs.Converter:
    """The plan's JSON form, derived by cattrs from the attrs classes above (a new field is one edit there).

    Two conventions on top of :func:`~syncore.converters.make_converter`: a record is tagged with its kind,
    and a value that stands for a record field (typed ``Any`` above) is structured as that field of ``kind``.
    """
    conv = make_converter()
    records = make_converter()  # record contents; ``conv`` adds the kind tag around them
    conv.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, Record), lambda record: unstructure_tagged(record, records)
    )
    conv.register_structure_hook(Record, lambda data, _: structure_tagged(data, records))
    conv.register_unstructure_hook_func(lambda cls: cls is frozenset or typing.get_origin(cls) is frozenset, sorted)
    for cls in (Operation, PairPlan, Skip, Plan):
        attrs.resolve_types(cls)
    conv.register_structure_hook(FieldChange, _typed_values(conv, kind, FieldChange, ("old", "new")))
    # An operation's changes are written under their public name, a create's derived ones included (so the file
    # shows them); read back, a create derives them again instead of keeping a copy.
    unstructure_op = unstructure_hook(conv, Operation, _changes=override(rename="changes"))
    structure_op = structure_hook(conv, Operation, _changes=override(rename="changes"))
    conv.register_unstructure_hook(PairPlan, unstructure_hook(conv, PairPlan))
    conv.register_structure_hook(PairPlan, structure_hook(conv, PairPlan))
    conv.register_unstructure_hook(Operation, lambda op: {**unstructure_op(op), "changes": conv.unstructure(
        op.changes, tuple[FieldChange, ...])})
    conv.register_structure_hook(Operation, lambda data, cls: _derived_changes(structure_op(data, cls)))
    conv.register_structure_hook(Conflict, _typed_values(conv, kind, Conflict, ("pim_value", "crm_value")))
    return conv
