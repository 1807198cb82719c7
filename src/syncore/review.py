"""The manual-sync review: a plan's changes side by side, and a prompt to include or exclude each one.

:func:`render_plan` shows every operation as a small table (field, one column per side) with an arrow pointing
at the side that is written; :func:`review_plan` asks about each operation and each conflict left for review,
excluding or resolving them on the plan before it is applied. Each item is shown once: a review shows the
plan's header (:func:`render_plan_header`) and then every item with its question. Side labels and times come
from a :class:`~syncore.display.Display` (default: ``PIM``/``CRM``, UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .display import Display, record_title
from .models import Side
from .plan import Conflict, Operation, Plan
from .state_types import Action

_WIDTH = 34
_DEFAULT = Display()


def format_value(value: Any, width: int = _WIDTH, display: Display = _DEFAULT) -> str:
    """A short one-line rendering of a field value (see :meth:`Display.value`)."""
    return display.value(value, width)


def _empty(value: Any) -> bool:
    return value is None or value is False or (not isinstance(value, (int, float)) and not value)


def _title(op: Operation, display: Display) -> str:
    verb = {Action.CREATE: "create in", Action.UPDATE: "update in", Action.DELETE: "delete from"}[op.action]
    flag = "  [excluded]" if op.excluded else ""
    return f"[{op.op_id}] {verb} {display.label(op.target)}: {record_title(op.record)}{flag}"


def render_operation(op: Operation, display: Display = _DEFAULT) -> str:
    """One operation as a titled side-by-side table; the arrow points at the side being written."""
    arrow = "→" if op.target is Side.CRM else "←"
    lines = [_title(op, display)]
    if op.reason:
        lines.append(f"    why: {op.reason}")
    rows = []
    for change in op.changes:
        if op.action is Action.CREATE and _empty(change.new):
            continue  # a new record's unset fields say nothing
        source, target = display.value(change.new), display.value(change.old)
        pim, crm = (source, target) if op.target is Side.CRM else (target, source)
        rows.append((change.field, pim, arrow, crm))
    if op.action is Action.DELETE and not rows:
        rows.append(("(record)", "deleted" if op.target is Side.PIM else "", arrow,
                     "deleted" if op.target is Side.CRM else ""))
    if rows:
        width = max(len(r[0]) for r in rows)
        lines.append(f"    {'field':<{width}}  {display.label(Side.PIM):<{_WIDTH}}    {display.label(Side.CRM)}")
        lines.extend(f"    {f:<{width}}  {pim:<{_WIDTH}} {a}  {crm}" for f, pim, a, crm in rows)
    return "\n".join(lines)


def conflict_record(plan: Plan, conflict: Conflict) -> str:
    """The title of the record a conflict is about: as both sides last agreed (the pair's base), else as a side
    holds it now (a title both sides gave it since, differently, is itself in conflict), else from the operations."""
    for pair in plan.pairs:
        if pair.pair_id == conflict.pair_id:
            read = pair.merge_input
            for record in (pair.base or pair.found_base, *((read.pim, read.crm) if read is not None else ())):
                if title := record_title(record):
                    return title
    for op in plan.operations:
        if op.pair_id == conflict.pair_id and op.record is not None and (title := record_title(op.record)):
            return title
    return record_title(conflict.pim_value) if conflict.field == "*" else ""


def render_conflict(conflict: Conflict, display: Display = _DEFAULT, *, record: str = "") -> str:
    """One conflict: the record, the field, both values and how it is (or is not yet) resolved."""
    outcome = "left for review" if conflict.resolution is None else f"{display.label(conflict.resolution)} wins"
    what = f"{record!r}, field {conflict.field}" if record else f"field {conflict.field}"
    return (f"[{conflict.conflict_id}] conflict on {what}: "
            f"{display.label(Side.PIM)} {display.value(conflict.pim_value)!r} vs "
            f"{display.label(Side.CRM)} {display.value(conflict.crm_value)!r}: {outcome}")


def render_plan_header(plan: Plan, display: Display = _DEFAULT) -> str:
    """The plan's counts, safety findings, warnings and skipped records (no operations or conflicts)."""
    counts = "   ".join(
        f"{display.label(side)}: " + ", ".join(f"{plan.count(side, action)} {action.value}" for action in Action)
        for side in Side
    )
    lines = [f"{plan.kind.value.capitalize()} plan ({plan.profile}), made {display.time(plan.created_at)}: {counts}"]
    for finding in plan.safety:
        lines.append(f"  SAFETY: {finding}")
    for warning in plan.warnings:
        lines.append(f"  warning: {warning}")
    if not plan.operations and not plan.conflicts:
        lines.append("  nothing to do: both sides agree")
    if plan.skipped:
        lines.append(f"  skipped {len(plan.skipped)} record(s):")
        lines.extend(f"    {display.short(skip.side)}: {skip.label or skip.native_id}: {skip.reason}"
                     for skip in plan.skipped[:20])
        if len(plan.skipped) > 20:
            lines.append(f"    … and {len(plan.skipped) - 20} more")
    return "\n".join(lines)


def render_plan(plan: Plan, display: Display = _DEFAULT) -> str:
    """The whole plan: the header, then every operation side by side and every conflict, each once."""
    lines = [render_plan_header(plan, display)]
    lines.extend(render_operation(op, display) for op in plan.operations)
    lines.extend(render_conflict(c, display, record=conflict_record(plan, c)) for c in plan.conflicts)
    return "\n".join(lines)


def review_plan(
    plan: Plan, *, ask: Callable[[str], str] = input, show: Callable[[str], None] = print,
    display: Display = _DEFAULT,
) -> bool:
    """Ask about each operation (include / exclude) and each conflict left for review (which side wins).

    Each operation and conflict is shown once, with its question; show :func:`render_plan_header` before.
    Answers: ``y`` include (default), ``n`` exclude, ``a`` include this and all the rest, ``q`` cancel.
    Conflicts: ``p`` the PIM side wins, ``c`` the CRM side wins, anything else leaves it for later.

    :returns: False when the user cancelled (nothing should be applied)
    :raises EOFError: when the input ends before an answer (nothing is applied by the caller)
    """
    include_rest = False
    for op in plan.operations:
        if op.excluded:
            continue
        show(render_operation(op, display))
        if include_rest:
            continue
        answer = ask("    include this change? [Y/n/a/q] ").strip().lower()
        if answer.startswith("q"):
            return False
        if answer.startswith("n"):
            plan.exclude(op.op_id)
        elif answer.startswith("a"):
            include_rest = True
    for conflict in plan.conflicts:
        show(render_conflict(conflict, display, record=conflict_record(plan, conflict)))
        if conflict.resolution is not None:  # resolved by the conflict policy: shown, not asked
            continue
        answer = ask(f"    which value wins? [p] {display.short(Side.PIM)} / [c] {display.short(Side.CRM)} / "
                     "Enter: decide later ").strip().lower()
        if answer.startswith("p"):
            plan.resolve(conflict.conflict_id, Side.PIM)
        elif answer.startswith("c"):
            plan.resolve(conflict.conflict_id, Side.CRM)
    return True
