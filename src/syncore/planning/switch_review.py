"""A series switch held for review: how a resolution of its conflicts is kept until the next sync switches it.

A series edited past the other side's limits is switched to its occurrences, and its rule copy there deleted
(:meth:`~syncore.planning.series.SeriesExpander.switching`). When the copy was edited too, in a field the series'
edit changed differently, and the conflict policy picks no winner (``manual``; ``newest_wins`` without usable
times), the switch waits: the conflicts are listed in the plan with both values, nothing is written. A reviewer's
resolution is not turned into writes in that apply (the switch's writes, the occurrences first and the copy's
deletion last, are planned from the series as read; planned again at apply time they would skip the observe
step's recovery of an earlier switch's occurrences). It is kept in the pair's base instead: each resolved field
takes the *losing* side's value there, so the next sync's merge sees that field edited on the winning side only,
and the switch goes ahead with the winner's value (carried over to the series' side when the rule copy won). A
field merged from a side that cannot be written keeps the loser's value in the base in the same way
(:mod:`syncore.merge`), and so does an update held back because a side cannot hold it
(:class:`~.decisions.HeldUpdate`, :func:`held_pair_plan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ..errors import InvalidRecordError
from ..merge import BODY_FIELDS, MergeInput, MergeResult
from ..models import PIM, Body, Record, Side
from ..plan import PairPlan
from ..state_types import Pair

#: how a waiting switch's report ends (cut off once the conflicts are resolved)
WAITS = "; switching it to single events waits for the conflict on "


@attrs.frozen(kw_only=True)
class ResolvedBase:
    """The pair's base and kept Outlook body with the resolutions in them, the fields still left for review, or
    why the resolutions could not be kept (``problem``: nothing is kept then)."""

    base: Record
    pim_body: Body | None
    conflicts: frozenset[str]
    problem: str = ""


def resolved_base(base: Record, pim_body: Body | None, open_fields: frozenset[str],
                  conflicts: Iterable[tuple[str, Side | None, Any, Any]]) -> ResolvedBase:
    """``base`` with each resolved conflict (field, winner, PIM value, CRM value) at the losing side's value (a
    whole-record conflict ``*``: the losing side's record); ``open_fields`` (compared side against side) less the
    resolved ones. The kept Outlook body goes when a body is resolved: the base's body is what the PIM holds then,
    or what the PIM's must be compared with."""
    moved: dict[str, Any] = {}
    whole: Record | None = None
    for field, winner, pim_value, crm_value in conflicts:
        if winner is None:
            continue
        loser_value = crm_value if winner is PIM else pim_value
        if field == "*":
            whole = loser_value
        else:
            moved[field] = loser_value
    if whole is None and not moved:
        return ResolvedBase(base=base, pim_body=pim_body, conflicts=open_fields)
    try:
        new_base = (whole or base).replace(**moved) if moved else whole
    except InvalidRecordError as exc:
        return ResolvedBase(base=base, pim_body=pim_body, conflicts=open_fields,
                            problem=f"the values picked at review do not fit together ({exc})")
    body_moved = whole is not None or bool(BODY_FIELDS & set(moved))
    left = frozenset() if whole is not None else open_fields - set(moved)
    return ResolvedBase(base=new_base, pim_body=None if body_moved else pim_body,  # type: ignore[arg-type]
                        conflicts=left)


def held_pair_plan(pair: Pair, result: MergeResult, inp: MergeInput, found: bool) -> PairPlan:
    """The pair of an update held back (:class:`~.decisions.HeldUpdate`), holding what the plan's review may resolve (kept
    in its base as for a switch held for review, ``switch_review``)."""
    if not found:
        # stored as it was
        return PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id, pim_version=pair.pim_version,
                        crm_version=pair.crm_version, base=pair.base, pim_body=pair.pim_body,
                        conflicts=pair.conflicts, merge_input=inp, switch_review=True)
    # found this sync: stored without versions, so the merge is redone next sync (as when a found pair's write
    # fails); a conflict the policy decided is kept in its base at the losing side's value (the next merge sees
    # the winner's edit alone: merged from the found base, a field compared side against side now would be
    # taken for one side's edit), the open ones are compared side against side until resolved
    decided = resolved_base(pair.base, pair.pim_body, result.open_conflicts,
                            [(c.field, c.winner, c.pim_value, c.crm_value) for c in result.conflicts])
    return PairPlan(pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id, pim_version=None,
                    crm_version=None, base=pair.base if decided.problem else decided.base,
                    pim_body=pair.pim_body if decided.problem else decided.pim_body,
                    conflicts=result.open_conflicts, merge_input=inp if result.conflicts else None,
                    switch_review=bool(result.conflicts))
