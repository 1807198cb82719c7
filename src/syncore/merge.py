"""Field-level three-way merge of one pair against its base.

For every field, each side is compared with the base *as that side represents it* (so a value a side cannot
hold, like Salesforce turning "tentative" into "busy", is not an edit). The decision table:

* neither side changed the field → keep the base
* one side changed it → copy it to the other side
* both changed it to the same value → nothing to write
* both changed it differently → a conflict, resolved by policy or left for review

The body has one extra rule (``preserve_formatted_bodies``): a formatted PIM body is never overwritten by the
CRM's plain text; the divergence is remembered so it is not seen as a change next time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from .errors import InvalidRecordError
from .models import Body, Record, Side
from .settings import ConflictPolicy, KindSettings

BODY_FIELDS = frozenset({"body", "notes"})


@attrs.frozen(kw_only=True)
class FieldConflict:
    """A field both sides changed differently; ``winner`` None means it waits for review."""

    field: str
    pim_value: Any
    crm_value: Any
    winner: Side | None
    reason: str


@attrs.frozen(kw_only=True)
class MergeResult:
    """What to write to each side and the new base once both writes succeed."""

    to_pim: frozenset[str]
    to_crm: frozenset[str]
    base: Record
    pim_body: Body | None
    conflicts: tuple[FieldConflict, ...] = ()
    body_kept: bool = False
    #: fields whose conflict is left for review
    open_conflicts: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class MergeInput:
    """The three versions of one pair and what each side looks like when unchanged."""

    base: Record
    pim: Record | None  # None: unchanged since the base
    crm: Record | None
    pim_modified: datetime | None = None
    crm_modified: datetime | None = None
    pim_body: Body | None = None  # the PIM body kept at the last sync, if any
    #: fields compared side against side because the base says nothing about them (first-sync matches,
    #: conflicts still open)
    two_way: frozenset[str] = frozenset()


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == () or (isinstance(value, Body) and not value)


def _winner(
    policy: ConflictPolicy, settings: KindSettings, pim_modified: datetime | None, crm_modified: datetime | None
) -> tuple[Side | None, str]:
    # A one-way job has a master: its side wins whatever the policy says.
    if not settings.direction.flows_to(Side.PIM):
        return Side.PIM, "one-way sync from the PIM"
    if not settings.direction.flows_to(Side.CRM):
        return Side.CRM, "one-way sync from the CRM"
    if policy is ConflictPolicy.PIM_WINS:
        return Side.PIM, "policy pim_wins"
    if policy is ConflictPolicy.CRM_WINS:
        return Side.CRM, "policy crm_wins"
    if policy is ConflictPolicy.NEWEST_WINS:
        if pim_modified is None or crm_modified is None or pim_modified == crm_modified:
            return None, "newest_wins could not tell which side changed last"
        return (Side.PIM, "newest_wins: PIM changed last") if pim_modified > crm_modified else (
            Side.CRM,
            "newest_wins: CRM changed last",
        )
    return None, "policy manual: left for review"


def merge(
    inp: MergeInput,
    *,
    represent_pim: Callable[[Record], Record],
    represent_crm: Callable[[Record], Record],
    settings: KindSettings,
    policy: ConflictPolicy,
    preserve_formatted_bodies: bool,
    pim_keeps_formatting: bool,
    resolutions: dict[str, Side] | None = None,
) -> MergeResult:
    """Merge one pair field by field. ``resolutions`` forces a winner per field (from review)."""
    base = inp.base
    base_as_pim = represent_pim(base)
    base_as_crm = represent_crm(base)
    pim_now = inp.pim if inp.pim is not None else base_as_pim
    if inp.pim is None and inp.pim_body is not None:
        # The PIM kept its own body last time: that, not the base, is what the PIM holds now.
        pim_now = pim_now.replace(**{f: inp.pim_body for f in BODY_FIELDS if f in base.field_names()})
    crm_now = inp.crm if inp.crm is not None else base_as_crm
    new_values: dict[str, Any] = {}
    to_pim: set[str] = set()
    to_crm: set[str] = set()
    conflicts: list[FieldConflict] = []
    open_conflicts: set[str] = set()
    pim_body = inp.pim_body
    body_kept = False

    pim_changed_any = inp.pim is not None
    crm_changed_any = inp.crm is not None
    for name in base.field_names():
        # (an unchanged side's values are only read once a field turns out to differ: most fields don't)
        pim_changed = pim_changed_any and getattr(pim_now, name) != (
            inp.pim_body if (name in BODY_FIELDS and inp.pim_body is not None) else getattr(base_as_pim, name))
        crm_changed = crm_changed_any and getattr(crm_now, name) != getattr(base_as_crm, name)
        if not (pim_changed or crm_changed or (inp.two_way and name in inp.two_way)):
            # untouched on both sides: the base stands
            continue
        p_value = getattr(pim_now, name)
        c_value = getattr(crm_now, name)
        if inp.two_way and name in inp.two_way:
            # No common ancestor: equal values agree, an empty value yields to a filled one, else a conflict.
            differ = getattr(represent_crm(pim_now), name) != c_value
            if not differ:
                new_values[name] = p_value  # agreed: this is the base from now on
                continue
            pim_changed = not _is_empty(p_value)
            crm_changed = not _is_empty(c_value)
            if not pim_changed and not crm_changed:
                continue

        if not pim_changed and not crm_changed:
            continue  # (a two-way field where neither value is set)
        old = getattr(base, name)
        keep_body = (
            name in BODY_FIELDS
            and preserve_formatted_bodies
            and pim_keeps_formatting
            and isinstance(p_value, Body)
            and p_value.is_formatted
        )
        if pim_changed and crm_changed and p_value == c_value:
            # both sides made the same edit: nothing to write, the base catches up
            new_values[name] = p_value
            if name in BODY_FIELDS:
                pim_body = None
            continue
        winner: Side | None
        if pim_changed and crm_changed:
            # both changed differently: a conflict for the policy (or a reviewer) to settle
            if resolutions and name in resolutions:
                winner, reason = resolutions[name], "resolved at review"
            else:
                winner, reason = _winner(policy, settings, inp.pim_modified, inp.crm_modified)
            conflicts.append(FieldConflict(field=name, pim_value=p_value, crm_value=c_value, winner=winner, reason=reason))
            if winner is None:
                open_conflicts.add(name)
                continue
        else:
            # changed on one side only: that side's value travels
            winner = Side.PIM if pim_changed else Side.CRM

        if winner is Side.PIM:
            new_values[name] = p_value
            if name in BODY_FIELDS:
                pim_body = None
            if settings.may("update", Side.CRM):
                to_crm.add(name)
            else:
                # not allowed to write the CRM: keep the CRM's value as base, so the field stays "changed on
                # the PIM" and is never copied backwards
                new_values[name] = old if inp.crm is None else c_value
        elif keep_body:
            # the formatted Outlook body stays; remember it so the divergence is not an edit next time
            new_values[name] = c_value
            pim_body = p_value
            body_kept = True
        else:
            new_values[name] = c_value
            if name in BODY_FIELDS:
                pim_body = None
            if settings.may("update", Side.PIM):
                to_pim.add(name)
            else:
                new_values[name] = old if inp.pim is None else p_value

    try:
        new_base = base.replace(**new_values) if new_values else base
    except InvalidRecordError:
        # Fields merged from different sides don't fit together (e.g. start from one, end from the other):
        # treat the whole record as one conflict.
        return _whole_record(inp, settings, policy, base_as_pim, base_as_crm, pim_now, crm_now, resolutions)

    # Writing a value the target already holds would only bump its version.
    if to_pim:
        new_as_pim = represent_pim(new_base)
        to_pim = {name for name in to_pim if getattr(new_as_pim, name) != getattr(pim_now, name)}
    if to_crm:
        new_as_crm = represent_crm(new_base)
        to_crm = {name for name in to_crm if getattr(new_as_crm, name) != getattr(crm_now, name)}
    return MergeResult(
        to_pim=frozenset(to_pim),
        to_crm=frozenset(to_crm),
        base=new_base,
        pim_body=pim_body,
        conflicts=tuple(conflicts),
        body_kept=body_kept,
        open_conflicts=frozenset(open_conflicts),
    )


def _whole_record(
    inp: MergeInput,
    settings: KindSettings,
    policy: ConflictPolicy,
    base_as_pim: Record,
    base_as_crm: Record,
    pim_now: Record,
    crm_now: Record,
    resolutions: dict[str, Side] | None,
) -> MergeResult:
    if resolutions and "*" in resolutions:
        winner, reason = resolutions["*"], "resolved at review"
    else:
        winner, reason = _winner(policy, settings, inp.pim_modified, inp.crm_modified)
    conflict = FieldConflict(
        field="*", pim_value=None, crm_value=None, winner=winner, reason=f"changes don't combine; {reason}"
    )
    if winner is None:
        return MergeResult(to_pim=frozenset(), to_crm=frozenset(), base=inp.base, pim_body=inp.pim_body,
                           conflicts=(conflict,), open_conflicts=frozenset(pim_now.changed_fields(crm_now)))
    source, target_now, target = (pim_now, crm_now, Side.CRM) if winner is Side.PIM else (crm_now, pim_now, Side.PIM)
    fields = frozenset(source.changed_fields(target_now))
    allowed = settings.may("update", target)
    return MergeResult(
        to_pim=fields if target is Side.PIM and allowed else frozenset(),
        to_crm=fields if target is Side.CRM and allowed else frozenset(),
        base=source if allowed else inp.base,
        pim_body=None,
        conflicts=(conflict,),
    )
