"""Screen: the new records a job's ``require_match`` holds back from the CRM, asked of the CRM in one call.

Decisions pass through unchanged, except creates on the CRM while the job sets ``require_match`` (events and
tasks): those are gathered, the CRM says which relate to none of its people
(:meth:`~syncore.abc.Adapter.unmatched`), and those become skips with its reason. A skip is not an error: the
record stays unpaired and is looked at again when it changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..abc import Adapter
from ..models import Kind, Side
from .decisions import Create, Decision, Settle, Skip
from .rules import Rules


def screen(decisions: Iterable[Decision], crm: Adapter, rules: Rules) -> Iterator[Decision]:
    """``decisions`` with the creates on the CRM that relate to nobody there turned into skips."""
    if not rules.job.require_match or rules.kind is Kind.CONTACT:
        yield from decisions
        return
    held: list[Create] = []
    for decision in decisions:
        if isinstance(decision, Create) and decision.source is Side.PIM:
            held.append(decision)
        else:
            yield decision
    if not held:
        return
    reasons = crm.unmatched(rules.kind, [create.item.record for create in held])
    for create, reason in zip(held, reasons, strict=True):
        if reason is None:
            # it relates to at least one of the CRM's people: created as planned
            yield create
            continue
        # relates to nobody there: reported, left unpaired, looked at again when it changes
        yield Skip(side=Side.PIM, native_id=create.item.id, reason=reason, record=create.item.record)
        for side, native_id in create.settles:
            yield Settle(side=side, native_id=native_id)
