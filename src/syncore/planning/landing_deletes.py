"""Deletes of ours that may still land after an edit beat them (sent by a sync that stopped, or unanswered).

A delete in flight when its sync stopped is finished by the server all the same, possibly after the next sync has
looked at its record (for a while: the target's ``Capabilities.writes_land_within``; Salesforce documents a
10-minute call timeout). If the user edited that record meanwhile, the next sync lets the edit beat the deletion
and re-creates the record on the side it was deleted from; the delete then lands and takes the edited record
with it. Read as the user's deletion, it would delete the re-created record too: the edit lost on both sides.

So such a delete stays open for that while (its intent is not closed by the sync that finds its target still
there), and when its target is found gone, :func:`.recovery.landed_deletes` takes it for ours. A pair whose record
on the other side was re-created since the delete was planned (its id there is no longer the one the delete was
journaled with) holds the edit that beat the delete: that record is read, and copied again as a new record.
docs/concepts.md, "Interrupted syncs".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..abc import Adapter
from ..models import Record, Side
from ..occurrences import split_occurrence_id
from ..remote import RemoteRecord
from ..state_types import Action, Intent, Pair
from .landing import landing
from .recovery import LandedDelete, landed_deletes

if TYPE_CHECKING:
    from .series_policy import SeriesPolicy

Fetch = Callable[[Side, Iterable[str]], dict[str, RemoteRecord]]


def deletes_landing(
    intents: Iterable[Intent], recreated: Collection[str], pairs: dict[str, Pair],
    current: dict[Side, dict[str, RemoteRecord]], echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
    deleted: Mapping[Side, set[str]], series: SeriesPolicy | None,
    edited: Callable[[Side, Record, Pair], frozenset[str]] | None, adapters: Mapping[Side, Adapter],
    now: datetime | None, fetch: Fetch,
) -> tuple[list[LandedDelete], set[str]]:
    """:func:`.recovery.landed_deletes` (``pairs`` changed in place), with the records re-created since a landed
    delete was planned read and copied again; and the ids of the delete intents that stay open: sent less than
    their target's ``writes_land_within`` before ``now`` and not found landed this sync. ``recreated``: the pairs
    whose interrupted re-create was recovered this sync (their deletes are not looked at as landed)."""
    deletes = [i for i in intents if i.action is Action.DELETE and i.sent and i.target_id]
    if not deletes:
        return [], set()  # (the usual case: no sync stopped among its deletes)
    flying = {i.intent_id for i in landing(deletes, set(), adapters, now)}  # (sent within the target's window)
    looked = [i for i in deletes if i.pair_id not in recreated]
    # the landed deletes whose pair holds another record on the other side than the one deleted there then
    replaced = {pair.pair_id: i for i in looked if (pair := pairs.get(i.pair_id or "")) is not None
                and i.source_id is not None and i.target_id in deleted[i.side]
                and pair.id_on(i.side) == i.target_id and pair.id_on(i.side.other) != i.source_id}
    # the deletes that may still land on a record read this sync (edited since, say): the deletion they carried over
    # is read again (its feed went past it), so an edit beats it now, before the delete lands and takes the edit
    racing = [i for i in looked if i.intent_id in flying and (pair := pairs.get(i.pair_id or "")) is not None
              and pair.id_on(i.side) == i.target_id and i.target_id in current[i.side]
              and pair.id_on(i.side.other) == i.source_id and split_occurrence_id(i.source_id or "") is None]
    for side in (Side.PIM, Side.CRM):
        # (the re-created record is read: unchanged since, it is in neither feed)
        unread = {pairs[pair_id].id_on(side) for pair_id, i in replaced.items() if i.side is side.other}
        unread |= {i.source_id or "" for i in racing if i.side is side.other}
        unread = {native_id for native_id in unread if native_id not in current[side]
                  and echoes[side].get(native_id) is None and native_id not in deleted[side]}
        if unread:
            found = fetch(side, unread)
            current[side].update(found)
            deleted[side].update(unread - set(found))
    landed = landed_deletes(looked, pairs, current, echoes, deleted, series, edited)
    landed = [attrs.evolve(found, back=True) if _recreated(found, replaced, current, echoes) else found
              for found in landed]
    for found in landed:
        source = found.target.other
        native_id = found.pair.id_on(source)
        if found.back and native_id not in current[source] and echoes[source].get(native_id) is not None:
            # (an echo of the re-create that brought it back: a new record now, decided with the records read)
            current[source][native_id] = echoes[source][native_id]  # type: ignore[assignment]
    done = {found.pair.pair_id for found in landed}
    return landed, {i.intent_id for i in deletes if i.intent_id in flying and i.pair_id not in done}


def _recreated(found: LandedDelete, by_pair: Mapping[str, Intent], current: Mapping[Side, Collection[str]],
               echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]) -> bool:
    """Whether ``found``'s record on the other side was re-created since its delete was planned (an edit beat the
    delete) and is there: it is copied again, never tombstoned."""
    intent = by_pair.get(found.pair.pair_id)
    if intent is None or intent.side is not found.target:
        return False
    source = found.target.other
    native_id = found.pair.id_on(source)
    return native_id in current[source] or echoes[source].get(native_id) is not None
