"""The manual-sync review: a plan's changes side by side, and a prompt to include or exclude each one.

:func:`render_plan` shows every operation as a small table (field, Outlook, Salesforce) with an arrow
pointing at the side that is written; :func:`review_plan` asks about each operation and each conflict left
for review, excluding or resolving them on the plan before it is applied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from .models import Body, Side
from .plan import Conflict, Operation, Plan
from .state_types import Action

SIDE_NAMES = {Side.PIM: "Outlook (PIM)", Side.CRM: "Salesforce (CRM)"}
_WIDTH = 34


def format_value(value: Any, width: int = _WIDTH) -> str:
    """A short one-line rendering of a field value."""
    if value is None:
        text = "-"
    elif isinstance(value, Body):
        text = " ".join(value.text.split()) or "-"
        if value.is_formatted:
            text = "[formatted] " + text
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M UTC")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, (tuple, list, frozenset, set)):
        text = ", ".join(str(v) for v in value) or "-"
    elif hasattr(value, "value"):
        text = str(value.value)
    else:
        text = str(value) if value != "" else "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def _empty(value: Any) -> bool:
    return value is None or value is False or (not isinstance(value, (int, float)) and not value)


def _title(op: Operation) -> str:
    verb = {Action.CREATE: "create in", Action.UPDATE: "update in", Action.DELETE: "delete from"}[op.action]
    subject = ""
    if op.record is not None:
        values = op.record.values()
        subject = values.get("subject") or " ".join(
            str(values.get(k, "")) for k in ("first_name", "last_name")).strip() or values.get("email", "")
    flag = "  [excluded]" if op.excluded else ""
    return f"[{op.op_id}] {verb} {SIDE_NAMES[op.target]}: {subject!s}{flag}"


def render_operation(op: Operation) -> str:
    """One operation as a titled side-by-side table; the arrow points at the side being written."""
    arrow = "→" if op.target is Side.CRM else "←"
    lines = [_title(op)]
    if op.reason:
        lines.append(f"    why: {op.reason}")
    rows = []
    for change in op.changes:
        if op.action is Action.CREATE and _empty(change.new):
            continue  # a new record's unset fields say nothing
        source, target = format_value(change.new), format_value(change.old)
        pim, crm = (source, target) if op.target is Side.CRM else (target, source)
        rows.append((change.field, pim, arrow, crm))
    if op.action is Action.DELETE and not rows:
        rows.append(("(record)", "deleted" if op.target is Side.PIM else "", arrow,
                     "deleted" if op.target is Side.CRM else ""))
    if rows:
        width = max(len(r[0]) for r in rows)
        lines.append(f"    {'field':<{width}}  {SIDE_NAMES[Side.PIM]:<{_WIDTH}}    {SIDE_NAMES[Side.CRM]}")
        lines.extend(f"    {f:<{width}}  {pim:<{_WIDTH}} {a}  {crm}" for f, pim, a, crm in rows)
    return "\n".join(lines)


def render_conflict(conflict: Conflict) -> str:
    """One conflict: both values and how it is (or is not yet) resolved."""
    outcome = "left for review" if conflict.resolution is None else f"{SIDE_NAMES[conflict.resolution]} wins"
    return (f"[{conflict.conflict_id}] conflict on {conflict.field}: "
            f"{SIDE_NAMES[Side.PIM]} {format_value(conflict.pim_value)!r} vs "
            f"{SIDE_NAMES[Side.CRM]} {format_value(conflict.crm_value)!r}: {outcome}")


def render_plan(plan: Plan) -> str:
    """The whole plan: counts, safety findings, every operation side by side, conflicts and skipped records."""
    counts = "   ".join(
        f"{SIDE_NAMES[side]}: " + ", ".join(f"{plan.count(side, action)} {action.value}" for action in Action)
        for side in Side
    )
    lines = [f"{plan.kind.value.capitalize()} plan ({plan.profile}): {counts}"]
    for finding in plan.safety:
        lines.append(f"  SAFETY: {finding}")
    for warning in plan.warnings:
        lines.append(f"  warning: {warning}")
    if not plan.operations and not plan.conflicts:
        lines.append("  nothing to do: both sides agree")
    for op in plan.operations:
        lines.append(render_operation(op))
    for conflict in plan.conflicts:
        lines.append(render_conflict(conflict))
    if plan.skipped:
        lines.append(f"  skipped {len(plan.skipped)} record(s):")
        lines.extend(f"    {skip.side.value} {skip.native_id}: {skip.reason}" for skip in plan.skipped[:20])
        if len(plan.skipped) > 20:
            lines.append(f"    … and {len(plan.skipped) - 20} more")
    return "\n".join(lines)


def review_plan(
    plan: Plan, *, ask: Callable[[str], str] = input, show: Callable[[str], None] = print
) -> bool:
    """Ask about each operation (include / exclude) and each conflict left for review (which side wins).

    Answers: ``y`` include (default), ``n`` exclude, ``a`` include this and all the rest, ``q`` cancel.
    Conflicts: ``p`` Outlook wins, ``c`` Salesforce wins, anything else leaves it for later.

    :returns: False when the user cancelled (nothing should be applied)
    """
    include_rest = False
    for op in plan.operations:
        if op.excluded:
            continue
        show(render_operation(op))
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
        if conflict.resolution is not None:
            continue
        show(render_conflict(conflict))
        answer = ask("    which value wins? [p]im (Outlook) / [c]rm (Salesforce) / Enter: decide later ").strip().lower()
        if answer.startswith("p"):
            plan.resolve(conflict.conflict_id, Side.PIM)
        elif answer.startswith("c"):
            plan.resolve(conflict.conflict_id, Side.CRM)
    return True
