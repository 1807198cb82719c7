"""Decide: what happens to every record this sync looks at, as one decision table read top-down.

Paired records come first (they own their ids), then what is unpaired: copies interrupted creates left,
records that name each other by link, first-sync matches, and the new records that remain. One record that
cannot be decided is reported and retried later; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import attrs

from .._ids import new_id
from ..errors import SyncoreError
from ..matching import match
from ..merge import MergeInput
from ..models import CRM, PIM, SIDES, Event, Record, Side
from ..remote import RemoteRecord
from ..state_types import Pair, PendingCategory
from .decide_series import (
    create_obstacle,
    ids_to_tombstone,
    series_decisions,
    unheld_occurrence_fields,
    update_obstacle,
)
from .decisions import (
    Create,
    Decision,
    Delete,
    Forget,
    HeldUpdate,
    Keep,
    Keys,
    Recreate,
    Settle,
    Skip,
    Update,
)
from .observe import Observation
from .recovery import Recovered
from .rules import Rules
from .series_fold import carried_to


def blank_like(record: Record) -> Record:
    """An all-default record of the same type, the base for pairing two records that never agreed before.

    Event start/end have no default, so they are taken from ``record``.
    """
    if isinstance(record, Event):
        return Event(start=record.start, end=record.end)
    return type(record)()


def decide(view: Observation, rules: Rules) -> Iterator[Decision]:
    """Every decision of this sync, paired records first."""
    yield from view.skips
    yield from series_decisions(view, rules.series)
    recreated = {found.pair_id: found for found in view.recovered if found.pair_id is not None}
    for pair in view.pairs:
        yield from _guarded(PIM, pair.pim_id,
                            lambda pair=pair: _decide_pair(view, rules, pair, recreated.get(pair.pair_id)))
    for landed in view.landed_deletes:
        # a delete of ours landed, its outcome never stored (a crash, a lost reply): forget the pair as its plan
        # meant; the record on the other side, if it is back (recovery.landed_deletes), is a new record
        pair, source = landed.pair, landed.target.other
        ids = ((PIM, pair.pim_id), (CRM, pair.crm_id))
        tombstones, lifted = ids_to_tombstone(rules.series, gone=ids)
        if landed.back:
            tombstones = tuple(key for key in tombstones if key != (source, pair.id_on(source)))
        yield Forget(pair=pair, tombstones=tombstones, lifted=lifted, settles=_settles(view, *ids))
    yield from _decide_unpaired(view, rules)


def _guarded(side: Side, native_id: str, decisions: Callable[[], Iterable[Decision]]) -> list[Decision]:
    try:
        return list(decisions())
    except SyncoreError as exc:
        # a record that cannot be decided (its values do not fit the other side, say) is reported and retried
        # later; the others go on
        return [Skip(side=side, native_id=native_id, reason=f"could not be planned: {exc}",
                     pending=PendingCategory.FAILED)]


def _settles(view: Observation, *keys: tuple[Side, str]) -> Keys:
    due = view.due
    return tuple(key for key in keys if key in due) if due else ()  # (usually no retry is due)


# -- paired records ------------------------------------------------------------------------------------------------
def _decide_pair(view: Observation, rules: Rules, pair: Pair, recreated: Recovered | None) -> Iterator[Decision]:
    pim_id, crm_id = pair.pim_id, pair.crm_id
    ids = ((PIM, pim_id), (CRM, crm_id))
    settles = _settles(view, *ids)
    # (spelled out per side, without comprehensions: this runs for every paired record a sync looks at)
    deleted, forced = view.deleted, view.forced
    gone = {PIM: pim_id in deleted[PIM], CRM: crm_id in deleted[CRM]}
    pim_item, crm_item = view.item(PIM, pim_id), view.item(CRM, crm_id)
    items = {PIM: pim_item, CRM: crm_item}
    changed = {PIM: pim_item is not None and (pim_id in forced[PIM] or pim_item.version is None
                                              or pim_item.version != pair.pim_version),
               CRM: crm_item is not None and (crm_id in forced[CRM] or crm_item.version is None
                                              or crm_item.version != pair.crm_version)}

    if recreated is not None and gone[recreated.target] and recreated.source is None:
        # an earlier sync re-created this pair's deleted record, and the survivor it copied is gone too now:
        # everything is deleted but that copy, which goes the same way
        yield from _orphaned_copy(rules, recreated, pair_id=pair.pair_id, also_gone=ids)
    elif recreated is not None and gone[recreated.target]:
        # an earlier sync re-created this pair's deleted record and stopped before storing the pair: pair the
        # survivor with that copy instead of creating it again; the copy is what was written, so it is the base
        target = recreated.target
        yield from _checked(rules, _found(rules, view, {target: recreated.copy, target.other: recreated.source},
                                          recreated.copy.record, pair_id=pair.pair_id,
                                          tombstones=((target, pair.id_on(target)),), settles=settles))
    elif gone[PIM] and gone[CRM]:
        # deleted on both sides: only the pair is left to forget
        tombstones, lifted = ids_to_tombstone(rules.series, gone=ids)
        yield Forget(pair=pair, tombstones=tombstones, lifted=lifted, settles=settles)
    elif gone[PIM] or gone[CRM]:
        deleted_side = PIM if gone[PIM] else CRM
        survivor = deleted_side.other
        survivor_item = items[survivor]
        edited = changed[survivor] and survivor_item is not None and bool(
            rules.edited_fields(survivor, survivor_item.record, pair))
        blocked = create_obstacle(rules.series, survivor, survivor_item.record, pair.id_on(survivor)) \
            if edited and survivor_item is not None else None
        if edited and blocked is not None and rules.may("create", deleted_side):
            # the edit would win, but the other side cannot hold it (a series it has no room for): reported
            yield attrs.evolve(blocked, pending=PendingCategory.FAILED)
        elif edited and rules.may("create", deleted_side):
            # deleted on one side but edited on the other: the edit wins, re-create it there
            yield Recreate(pair=pair, survivor=survivor_item, deleted_side=deleted_side,  # type: ignore[arg-type]
                           settles=settles)
        elif edited:
            # deleted there, edited here, and re-creating is not allowed: unpair; the edited record stays (and
            # the deleted id is tombstoned: an occurrence the rule gives again is not copied next to it)
            yield Skip(side=survivor, native_id=pair.id_on(survivor), record=survivor_item.record,  # type: ignore[union-attr]
                       reason=f"deleted in {deleted_side.value.upper()} but edited here; re-creating is not allowed")
            yield Forget(pair=pair, tombstones=((deleted_side, pair.id_on(deleted_side)),), settles=settles)
        elif rules.may("delete", survivor):
            # deleted on one side, untouched on the other (a new version alone is no edit): delete it there too
            # (a copy whose edit was carried over to its series, after that series' update)
            yield Delete(pair=pair, target=survivor, settles=settles, after=view.folded.get(pair.pair_id))
        else:
            # deleting is not allowed there: unpair, and tombstone the survivor so it is not copied back
            yield Skip(side=survivor, native_id=pair.id_on(survivor), record=pair.base,
                       reason=f"deleted in {deleted_side.value.upper()}; deletion not propagated (not allowed)")
            gone, stays = ((deleted_side, pair.id_on(deleted_side)),), ((survivor, pair.id_on(survivor)),)
            tombstones, lifted = ids_to_tombstone(rules.series, gone=gone, stays=stays)
            yield Forget(pair=pair, tombstones=tombstones, lifted=lifted, settles=settles)
    elif not changed[PIM] and not changed[CRM]:
        # nothing new on either side (a retry was due): store the pair again to settle it
        if settles:
            yield Keep(pair=pair, items=items, settles=settles)
    else:
        # changed on one or both sides: merge field by field against the base (fields under an open conflict are
        # compared side against side until someone resolves them)
        pim_at = items[PIM].modified_at if items[PIM] else None  # type: ignore[union-attr]
        crm_at = items[CRM].modified_at if items[CRM] else None  # type: ignore[union-attr]
        if pair.conflicts and not any(item is not None and (item.version is None or item.version != pair.version_on(side))
                                      for side, item in items.items()):
            # looked at again only for its open conflict: neither record changed since the last sync stored the pair
            # (whose own writes, made after both users' edits, are in the stored versions), so neither changed last:
            # newest_wins keeps the conflict open "until one side changes again" (docs/concepts.md)
            pim_at = crm_at = None
        inp = MergeInput(
            base=pair.base,
            pim=items[PIM].record if changed[PIM] else None,  # type: ignore[union-attr]
            crm=items[CRM].record if changed[CRM] else None,  # type: ignore[union-attr]
            pim_modified=pim_at,
            crm_modified=crm_at,
            pim_body=pair.pim_body, two_way=pair.conflicts,
        )
        result = rules.merge(inp)
        if pair.pair_id in view.unfolded:
            # its rule copy was read with overrides carried over from occurrence copies: written there too
            result = carried_to(result, *view.unfolded[pair.pair_id])
        yield from _checked(rules, Update(pair=pair, items=items, result=result, merge_input=inp,
                                          settles=settles))


def _found(
    rules: Rules, view: Observation, items: dict[Side, RemoteRecord], base: Record, *, pair_id: str | None = None,
    two_way: frozenset[str] = frozenset(), tombstones: Keys = (), settles: Keys | None = None,
) -> Update:
    """A pair found this sync (recovered, linked or matched), merged from ``base``."""
    pim, crm = items[PIM], items[CRM]
    pair = Pair(profile=rules.profile, kind=rules.kind, pair_id=pair_id or new_id(), pim_id=pim.id, crm_id=crm.id,
                pim_version=pim.version, crm_version=crm.version, base=base)
    inp = MergeInput(base=base, pim=pim.record, crm=crm.record, pim_modified=pim.modified_at,
                     crm_modified=crm.modified_at, two_way=two_way)
    if settles is None:
        settles = _settles(view, (PIM, pim.id), (CRM, crm.id))
    return Update(pair=pair, items=dict(items), result=rules.merge(inp), merge_input=inp, settles=settles, found=True,
                  tombstones=tombstones)


def _checked(rules: Rules, update: Update) -> Iterator[Decision]:
    """``update`` less what a side cannot hold: fields one occurrence cannot have on its own are noted and left
    out; a series (or rule) a side cannot hold holds the whole update back, reported."""
    result, notes = unheld_occurrence_fields(rules.series, update.pair, update.result)
    yield from notes
    blocked = update_obstacle(rules.series, update.pair, result)
    if blocked is not None and (update.found or result.open_conflicts):
        # held back, nothing written, its conflicts listed all the same (a review of this plan shows each one):
        # - a pair found this sync (recovered, linked, matched): the pairing is kept, the merge redone next sync;
        # - a stored pair with conflicts left for review: a resolution is kept for the sync that writes it
        yield HeldUpdate(pair=update.pair, result=result, merge_input=update.merge_input, held=blocked,
                         found=update.found)
        return
    if blocked is not None:
        yield blocked
        return
    yield attrs.evolve(update, result=result) if result is not update.result else update


# -- unpaired records ------------------------------------------------------------------------------------------------
def _decide_unpaired(view: Observation, rules: Rules) -> Iterator[Decision]:
    unpaired = {side: dict(view.unpaired[side]) for side in SIDES}
    for found in view.recovered:
        if found.pair_id is None and found.source is None:
            # a create an earlier sync sent but never stored, whose source the user has deleted since: the copy
            # is all that is left of a deleted record, so it is deleted too (never copied back)
            # (a retry of the copy is due when a sync left it alone while its series waited: observe, find_copies)
            yield from _orphaned_copy(rules, found, pair_id=new_id(), also_gone=(),
                                      settles=_settles(view, (found.target, found.copy.id)))
        elif found.pair_id is None:
            # a create an earlier sync sent but never stored: pair the source with its copy, merged from what was
            # written as far as the journal tells it (copy_base.recovered_base): an edit of the source since
            # travels to the copy, an edit of the copy to the source, two edits of one field are a conflict
            yield from _checked(rules, _found(rules, view, {found.target: found.copy,
                                                            found.target.other: found.source},  # type: ignore[dict-item]
                                              found.base, two_way=found.two_way))
    for side in SIDES:
        for item in list(unpaired[side].values()):
            partner = unpaired[side.other].get(item.link) if item.link and item.id in unpaired[side] else None
            if partner is not None:
                # two records that name each other by link: the same record, whatever the state lost
                del unpaired[side][item.id], unpaired[side.other][partner.id]
                yield from _pair_new(rules, view, {side: item, side.other: partner})
    matched = match(rules.kind, unpaired[PIM].values(), unpaired[CRM].values())
    for pim_item, crm_item in matched.pairs:
        # one record on each side shares the kind's matching key: the same record, don't copy it
        del unpaired[PIM][pim_item.id], unpaired[CRM][crm_item.id]
        yield from _guarded(PIM, pim_item.id,
                            lambda p=pim_item, c=crm_item: _pair_new(rules, view, {PIM: p, CRM: c}))
    for side_name, item, reason in matched.ambiguous:
        # several candidates: reported and kept pending, never guessed
        side = Side(side_name)
        del unpaired[side][item.id]
        yield Skip(side=side, native_id=item.id, reason=reason, pending=PendingCategory.AMBIGUOUS,
                   record=item.record)
    for side in SIDES:
        for item in unpaired[side].values():
            yield from _guarded(side, item.id, lambda side=side, item=item: _decide_new(view, rules, side, item))
    if not view.due:
        return  # (usually no retry is due: the paired ids below are not collected for nothing)
    paired = {side: {pair.id_on(side) for pair in view.pairs} for side in SIDES}
    for read in view.series:
        if read.rule_pair is not None:
            # a switch settles its series' and rule copy's retries only once it is done (SwitchSeries.settles)
            paired[read.side].add(read.series_id)
            paired[read.side.other].add(read.rule_pair.id_on(read.side.other))
        for side, native_id in read.held:
            # what an interrupted switch left of a series whose switch waits for review: retried after it
            paired[side].add(native_id)
    for side, native_id in sorted(view.due):
        if native_id not in paired[side] and native_id not in view.current[side]:
            # a record due for a retry is gone: nothing is left to retry
            yield Settle(side=side, native_id=native_id)


def _orphaned_copy(rules: Rules, found: Recovered, *, pair_id: str, also_gone: Keys,
                   settles: Keys = ()) -> Iterator[Decision]:
    target, source = found.target, found.target.other
    ids = {target: found.copy.id, source: found.source_id}
    versions = {target: found.copy.version, source: None}
    pair = Pair(profile=rules.profile, kind=rules.kind, pair_id=pair_id, pim_id=ids[PIM], crm_id=ids[CRM],
                pim_version=versions[PIM], crm_version=versions[CRM], base=found.copy.record)
    if rules.may("delete", target):
        yield Delete(pair=pair, target=target, also_gone=also_gone, settles=settles)
    else:
        yield Skip(side=target, native_id=found.copy.id, record=found.copy.record,
                   reason=f"copied from a {source.value.upper()} record that was deleted since; deleting it is not "
                          "allowed, so it is left alone")
        yield Forget(pair=pair, tombstones=((target, found.copy.id), (source, found.source_id), *also_gone),
                     settles=settles)


def _pair_new(rules: Rules, view: Observation, items: dict[Side, RemoteRecord]) -> Iterator[Decision]:
    private = [side for side in SIDES if rules.private(items[side].record)]
    if private:
        # a private record is never copied, and pairing it would copy its contents just the same: both stay
        reason = (f"left alone: the {private[0].value.upper()} record of the pair (found by link or match) is "
                  "private and include_private is off")
        for side in SIDES:
            yield Skip(side=side, native_id=items[side].id, reason=reason, record=items[side].record)
        return
    # records that never agreed before have no common ancestor: every field is compared side against side
    base = blank_like(items[PIM].record)
    yield from _checked(rules, _found(rules, view, items, base, two_way=frozenset(base.field_names())))


def _decide_new(view: Observation, rules: Rules, side: Side, item: RemoteRecord) -> Iterator[Decision]:
    target = side.other
    if item.id in view.tombstoned[side]:
        # its partner was deleted on purpose earlier: don't bring it back
        yield Skip(side=side, native_id=item.id, reason="deleted earlier on the other side (tombstone)",
                   record=item.record)
        if (side, item.id) in view.due:
            yield Settle(side=side, native_id=item.id)  # (nothing will ever be retried for it)
    elif rules.private(item.record):
        # private items stay where they are unless include_private
        yield Skip(side=side, native_id=item.id, reason="private item (include_private is off)", record=item.record)
    elif not rules.in_range(side, item):
        # new events and tasks are only copied inside the date window (paired ones keep syncing outside it)
        yield Skip(side=side, native_id=item.id, record=item.record,
                   reason=f"outside the date range ({rules.job.past_days} days back, "
                          f"{rules.job.future_days} ahead)")
    elif not rules.may("create", target):
        # one-way, or creating prevented on that side: nothing to do, nothing to report per record
        if (side, item.id) in view.due:
            yield Settle(side=side, native_id=item.id)
    elif (blocked := create_obstacle(rules.series, side, item.record, item.id)) is not None:
        # a series or recurring task the other side cannot hold: reported and left alone, never flattened
        yield blocked
    else:
        # new on one side: copy it to the other
        yield Create(source=side, item=item, settles=_settles(view, (side, item.id)))
