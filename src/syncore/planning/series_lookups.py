"""What the observe step looks up about occurrences besides expanding series (:mod:`.series`): the zone that names
an occurrence in messages, and the copies an occurrence left behind when it comes back to its series."""

from __future__ import annotations

from collections.abc import Mapping

from ..abc import Adapter, StateStore
from ..models import SIDES, Kind, Side
from ..occurrences import SEPARATOR, split_occurrence_id
from ..remote import RecurrenceSupport, RemoteRecord
from ..state_types import Pair
from .series import Ids, SeriesPolicy, SeriesRead


def series_zones(state: StateStore, profile: str, kind: Kind, policy: SeriesPolicy | None,
                 reads: list[SeriesRead], pairs: Mapping[str, Pair]) -> dict[str, str]:
    """The zone of each series whose occurrences this sync looks at, by series id (messages name an occurrence by
    its start on that zone's wall clock): of the series read this sync, and of those whose occurrences ``pairs``
    name (from the series' own pair: one state lookup, only when such a series was not read)."""
    zones = {read.series_id: read.item.record.recurrence.zone  # type: ignore[union-attr]
             for read in reads if read.item is not None}
    if policy is None:
        return zones
    wanted: Ids = {side: set() for side in SIDES}
    for pair in pairs.values():
        for side in SIDES:
            native_id = pair.id_on(side)
            # (the separator first: this runs for every pair looked at, and few ids name an occurrence)
            split = split_occurrence_id(native_id) if SEPARATOR in native_id else None
            if split is not None and split[0] not in zones and policy.holds[side] is RecurrenceSupport.RULES:
                wanted[side].add(split[0])
    if wanted[Side.PIM] or wanted[Side.CRM]:
        for pair in state.pairs_for(profile, kind, pim_ids=wanted[Side.PIM], crm_ids=wanted[Side.CRM]):
            recurrence = getattr(pair.base, "recurrence", None)
            for side in SIDES:
                if pair.id_on(side) in wanted[side] and recurrence is not None:
                    zones[pair.id_on(side)] = recurrence.zone
    return zones


def copies_left_behind(kind: Kind, profile: str, state: StateStore, adapters: Mapping[Side, Adapter],
                       policy: SeriesPolicy | None, unpaired: Mapping[Side, Mapping[str, RemoteRecord]],
                       tombstoned: Mapping[Side, frozenset[str]]) -> dict[Side, dict[str, RemoteRecord]]:
    """The unpaired copies, per side they are on, of the occurrences that come back this sync.

    An occurrence is tombstoned when it left its series while its copy stayed behind (deleting the copy was not
    allowed, or it had been edited there). When the rule gives that occurrence again, it is the same occurrence as
    that copy: on a side that stores links, the copy names it, and is found by that link (one lookup, only when
    such an occurrence comes back) and paired with it, instead of the occurrence being left alone. A copy paired
    with something else since (re-created as a single event) stays as it is.
    """
    found: dict[Side, dict[str, RemoteRecord]] = {side: {} for side in SIDES}
    if policy is None:
        return found
    for side in SIDES:
        other = side.other
        back = sorted(native_id for native_id in tombstoned[side] if native_id in unpaired[side]
                      and policy.holds[side] is RecurrenceSupport.RULES and split_occurrence_id(native_id) is not None)
        if not back or not adapters[other].capabilities.link_ids:
            continue
        by_link = adapters[other].find_by_link(kind, back)
        copies = {copy.id: copy for link, copy in by_link.items() if link in back and copy.link == link}
        paired = {pair.id_on(other) for pair in state.pairs_for(profile, kind, **{f"{other.value}_ids": list(copies)})}
        found[other] = {native_id: copy for native_id, copy in copies.items() if native_id not in paired}
    return found
