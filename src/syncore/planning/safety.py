"""The safety policy: a plan that deletes too much, or follows one side becoming empty, waits for review."""

from __future__ import annotations

from ..abc import StateStore
from ..models import SIDES, Side
from ..occurrences import split_occurrence_id
from ..plan import Plan
from ..settings import SyncSettings
from ..state_types import Action
from .observe import Observation


def _deletions(plan: Plan, side: Side) -> int:
    """How many records the plan deletes on ``side``: the occurrences of one series count once (deleting or
    shortening a series is one thing a user did, however many occurrences the other side held)."""
    counted: set[str] = set()
    for op in plan.active_operations:
        if op.target is side and op.action is Action.DELETE:
            split = split_occurrence_id(op.source_id or "")
            counted.add(f"series:{split[0]}" if split is not None else op.op_id)
    return len(counted)


def check_safety(plan: Plan, view: Observation, state: StateStore, settings: SyncSettings) -> list[str]:
    """The reasons to refuse ``plan`` unless forced (an empty list: it is safe to apply)."""
    findings: list[str] = []
    kind = plan.kind
    known: int | None = None  # the pairs stored so far, counted only when a rule needs them
    for side in SIDES:
        source = side.other
        if view.complete[source] and not view.totals[source]:  # (totals: read and set-aside records alike)
            known = state.count_pairs(plan.profile, kind) if known is None else known
            if known:
                # a full scan that finds nothing, where records were synced before, is more likely a broken
                # mailbox, a wrong folder or a lost permission than a user who deleted everything
                findings.append(
                    f"the {source.value.upper()} side reports no {kind.value}s at all while {known} were synced "
                    "before; refusing to mirror an emptied side"
                )
        deletes = _deletions(plan, side)
        if deletes <= settings.min_delete_count:
            continue  # small syncs are never held
        if deletes <= settings.max_delete_ratio * len(view.pairs):
            # within the ratio of the stored pairs this sync looked at alone, so of all stored pairs too: not
            # counted (a count reads the whole scope, 0.5 ms at 10,000 pairs)
            continue
        known = state.count_pairs(plan.profile, kind) if known is None else known
        if deletes > settings.max_delete_ratio * max(known, 1):
            findings.append(
                f"would delete {deletes} of {known} {kind.value}s on the {side.value.upper()} side "
                f"(more than max_delete_ratio {settings.max_delete_ratio:.0%})"
            )
    return findings
