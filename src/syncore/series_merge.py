"""Three-way merge of a series' recurrence, when both sides changed it (:func:`syncore.merge.merge` calls it).

The rule, each cancelled occurrence, and each field of each modified occurrence are merged on their own, so an
edit of the rule on one side and a moved occurrence on the other are both kept when they fit together:

==========================================  ==============================================================
rule (and zone) changed on one side         that side's rule stands
rule changed on both to the same series     the same occurrences (compared by expanding both): one rule
rule changed on both, differently           a conflict on ``recurrence``
an occurrence cancelled or restored         on either side: it stands
cancelled on one side, changed on the other the change wins, as for whole records: the occurrence stays
an occurrence's field changed on one side   that side's value (per occurrence and per field)
... changed on both to the same value       it stands
... changed on both, differently            a conflict on ``recurrence`` naming the occurrence and field
a cancelled occurrence the rule no longer   dropped: there is nothing left to cancel
has
a modified occurrence the rule no longer    a conflict on ``recurrence`` naming it: the change is reported,
has                                         never dropped
==========================================  ==============================================================

A conflict is resolved like any other field's (the policy, a reviewer): the winner's whole recurrence travels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .models import Event
from .recurrence import OVERRIDABLE, Key, Override, Recurrence
from .series import Series, same_rule


@attrs.frozen
class SeriesMerge:
    """The merged recurrence, or why the two sides' changes do not combine."""

    value: Recurrence | None
    conflicts: tuple[str, ...] = ()


def _pick(base: Any, pim: Any, crm: Any, same: Callable[[Any, Any], bool] = lambda a, b: a == b) -> tuple[Any, bool]:
    """Three-way pick of one value: (the value, True) or (None, False) when both changed it differently."""
    if same(pim, base):
        return crm, True
    if same(crm, base) or same(pim, crm):
        return pim, True
    return None, False


def merge_recurrence(base: Event, pim: Event, crm: Event, *, start: Any, end: Any) -> SeriesMerge:
    """Merge the recurrences of ``pim`` and ``crm`` (both changed since ``base``); ``start``/``end`` are the merged
    event's, which the merged rule runs from."""
    rb, rp, rc = base.recurrence, pim.recurrence, crm.recurrence
    if rb is None or rp is None or rc is None:
        # a single event became a series (or back) on one side while the other changed its series
        return SeriesMerge(None, ("one side made it a series or a single event while the other changed it",))
    rule, fits = _pick(base, pim, crm, same=same_rule)
    if not fits:
        return SeriesMerge(None, (f"the rule changed on both sides: {rp.rule} and {rc.rule}",))
    exdates = (set(rb.exdates) | set(rp.exdates) | set(rc.exdates)) - (set(rb.exdates) - set(rp.exdates)) \
        - (set(rb.exdates) - set(rc.exdates))
    conflicts: list[str] = []
    overrides: list[Override] = []
    for key in sorted({*_changes(rb), *_changes(rp), *_changes(rc)}):  # type: ignore[type-var]
        values = {}
        for name in OVERRIDABLE:
            value, fits = _pick(_changes(rb).get(key, {}).get(name), _changes(rp).get(key, {}).get(name),
                                _changes(rc).get(key, {}).get(name))
            if not fits:
                conflicts.append(f"the occurrence of {key.isoformat()} changed on both sides ({name})")
            elif value is not None:
                values[name] = value
        if values:
            overrides.append(Override(original_start=key, **values))
    if conflicts:
        return SeriesMerge(None, tuple(conflicts))
    for cancelled, other in ((rp, rc), (rc, rp)):
        # cancelled on one side while the other changed it: the change wins (it is re-created there)
        edited = {key for key, values in _changes(other).items() if values != _changes(rb).get(key)}
        exdates -= (set(cancelled.exdates) - set(rb.exdates)) & edited
    chosen = rule.recurrence
    series = Series(Event(start=start, end=end, recurrence=Recurrence(rule=chosen.rule, zone=chosen.zone)))
    gone = set(series.not_occurrences([*exdates, *(item.original_start for item in overrides)]))
    orphans = [item.original_start for item in overrides if item.original_start in gone and item.original_start
               not in exdates]
    if orphans:
        listed = ", ".join(key.isoformat() for key in orphans[:3])
        return SeriesMerge(None, (f"changed occurrence(s) {listed} no longer fall on the series after its rule "
                                  "changed",))
    return SeriesMerge(Recurrence(rule=chosen.rule, zone=chosen.zone, exdates=sorted(exdates - gone),  # type: ignore[type-var]
                                  overrides=[item for item in overrides if item.original_start not in gone]))


def _changes(recurrence: Recurrence) -> dict[Key, dict[str, Any]]:
    return {item.original_start: item.changes() for item in recurrence.overrides}
