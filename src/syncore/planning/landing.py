"""Creates that may still land: sent by a sync that stopped (or whose reply never came), their copy not found yet.

A request in flight when its process died, or whose reply timed out, is finished by the server all the same,
possibly after the next sync has looked for its copy (``recovery.find_copies``). Created again then, the record
would be there twice once the first request lands. So for a while after it was sent (the target's
``Capabilities.writes_land_within``: Salesforce documents a 10-minute call timeout) such a create stays open and
its source waits, reported by name; a copy that lands meanwhile is found by a later sync as any other. A create
never sent (journaled ahead of its batch, ``Intent.sent_at`` None) cannot land, and one whose time has passed is
closed as written nowhere: its source is created again. A series waits whole, with its occurrences, its rule pair
and a switch of it, in the series step (:mod:`.series_landing`). docs/concepts.md, "Interrupted syncs".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from ..abc import Adapter
from ..models import SIDES, Side
from ..occurrences import series_of
from ..remote import RemoteRecord
from ..state_types import Intent, Pair, PendingCategory
from .decisions import Skip
from .series_policy import is_series

if TYPE_CHECKING:
    from .observation import Ids


def landing(creates: Iterable[Intent], found: set[str], adapters: Mapping[Side, Adapter],
            now: datetime | None) -> list[Intent]:
    """The open creates among ``creates`` whose copy was not ``found`` (intent ids) but may still land: sent less
    than the target's ``writes_land_within`` before ``now``."""
    if now is None:
        return []
    return [i for i in creates if i.intent_id not in found and i.sent_at is not None
            and now < i.sent_at + adapters[i.side].capabilities.writes_land_within]


def hold_sources(waiting: Iterable[Intent], adapters: Mapping[Side, Adapter],
                 current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                 stored: Callable[[dict[str, list[str]]], Iterable[Pair]]) -> tuple[list[Skip], set[str]]:
    """Take the sources of ``waiting`` creates out of this sync (and the stored pair of a re-create's source, so
    it is neither re-created nor its deletion carried over); returns their reports, each a retry (the source is
    read again once the cursor has gone past it), and the intents that stay open. ``stored``: the stored pairs of
    some ids (``pim_ids``, ``crm_ids``). Only a source that would be created (or re-created) waits.

    A series and its occurrences are not held here: the whole series waited in the series step already
    (:mod:`.series_landing`), its creates held open there and so not among ``waiting``.
    """
    skips: list[Skip] = []
    kept: set[str] = set()
    waiting = sorted(waiting, key=lambda i: (i.side.value, i.source_id or ""))
    holder = {(side, pair.id_on(side)): pair for pair in pairs.values() for side in SIDES}
    ids = {f"{side.value}_ids": [i.source_id or "" for i in waiting if i.side is side.other] for side in SIDES}
    for pair in stored(ids) if waiting else ():  # (the sources' pairs this sync has not read)
        holder.setdefault((Side.PIM, pair.pim_id), pair)
        holder.setdefault((Side.CRM, pair.crm_id), pair)
    for intent in waiting:
        source_side, source_id = intent.side.other, intent.source_id or ""
        item = current[source_side].get(source_id)
        pair = holder.get((source_side, source_id))
        if pair is not None and (pair.pair_id != intent.pair_id
                                 or pair.id_on(intent.side) not in deleted[intent.side]):
            # paired already (its copy found by an earlier sync, which stopped before closing this create; without
            # links a paired copy is not looked for), or re-created by another pair: nothing would be created
            continue
        if series_of(source_id) is not None or any(record is not None and is_series(record) for record in (
                item.record if item is not None else None, pair.base if pair is not None else None)):
            continue  # the series step's (see above)
        kept.add(intent.intent_id)
        current[source_side].pop(source_id, None)
        deleted[source_side].discard(source_id)
        if pair is not None:
            pairs.pop(pair.pair_id, None)
            current[intent.side].pop(pair.id_on(intent.side), None)
            deleted[intent.side].discard(pair.id_on(intent.side))
        if item is None and pair is None:
            continue  # not read this sync (nothing would create it): its create stays open all the same
        skips.append(Skip(side=source_side, native_id=source_id, record=item.record if item is not None else None,
                          pending=PendingCategory.FAILED, reason=not_copied_yet(intent, adapters)))
    return skips, kept


def not_copied_yet(intent: Intent, adapters: Mapping[Side, Adapter]) -> str:
    """How a sync reports the source of ``intent`` (a create that may still land) while it waits."""
    until = intent.sent_at + adapters[intent.side].capabilities.writes_land_within  # type: ignore[operator]
    return (f"not copied again yet: a copy sent to the {intent.side.value.upper()} at "
            f"{intent.sent_at:%Y-%m-%d %H:%M} UTC by a sync that stopped may still land there (until "
            f"{until:%H:%M} UTC); it is looked for again next sync")
