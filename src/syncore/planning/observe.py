"""Observe: everything one sync of one kind knows before it decides anything, as one immutable view.

It touches only what changed: the records in both change feeds, pending items that are due, and the pairs those
ids belong to. A sync whose feeds are empty loads no pair at all. Reads, in order:

1. both change feeds (a full scan when a cursor expired), with the echoes of our own writes set aside by their
   stored versions alone;
2. pending items: due retries are looked at whatever their version says, ignored records not at all;
3. the pairs of every id read, and on a full scan the pairs whose records it did not list (confirmed by id);
4. series whose occurrences the other side holds are replaced by those occurrences (:mod:`.series`); the rule
   pairs a switch is decided on take in the updates of ours that landed first (the other pairs, at step 6);
5. in one batched fetch per side: the records of pairs due for a retry, Outlook bodies the CRM's new text may
   replace, and the targets of links (after checking each link's shape);
6. the copies interrupted creates left, and the values interrupted updates wrote (:mod:`.recovery`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from ..abc import Adapter, StateStore
from ..errors import CursorExpired
from ..merge import BODY_FIELDS, MergeInput, MergeResult
from ..models import SIDES, Kind, Record, Side
from ..occurrences import marked_series, split_occurrence_id
from ..remote import ChangeSet, RecurrenceSupport, RemoteRecord, fetch_in_batches
from ..state_types import Action, Intent, Pair, PendingCategory, PendingItem
from .decisions import Skip
from .echoes import set_aside_echoes
from .landing import hold_sources
from .landing_deletes import deletes_landing
from .observation import Observation
from .recovery import adopt_landed_updates, find_copies, tombstoned_after, unpaired_records
from .series import SeriesExpander, SeriesPolicy, SeriesRead, series_taken
from .series_landing import series_creates
from .series_lookups import copies_left_behind, series_zones

__all__ = ["Observation", "Observer"]

Ids = dict[Side, set[str]]

_ID_ON = {Side.PIM: operator.attrgetter("pim_id"), Side.CRM: operator.attrgetter("crm_id")}


def _ids_on(side: Side, pairs: Mapping[str, Pair]) -> set[str]:
    """The native ids of ``pairs`` on ``side`` (several steps below ask, each for every pair this sync looks at: a
    C-level attribute getter instead of a method call per pair)."""
    return set(map(_ID_ON[side], pairs.values()))


class Observer:
    """Builds the :class:`Observation` of one kind. Reads both sides and the state store; writes nothing."""

    def __init__(
        self, *, kind: Kind, profile: str, adapters: Mapping[Side, Adapter], state: StateStore,
        preserve_formatted_bodies: bool, heartbeat: Callable[[], None], series: SeriesPolicy | None = None,
        past_days: int = 0, future_days: int = 0, edited: Callable[[Side, Record, Pair], frozenset[str]] | None = None,
        merge: Callable[[MergeInput], MergeResult] | None = None,
    ) -> None:
        self.kind = kind
        self.profile = profile
        self.adapters = adapters
        self.state = state
        self.preserve_formatted_bodies = preserve_formatted_bodies
        self.heartbeat = heartbeat
        self.series = series
        self.days = (past_days, future_days)
        self.edited = edited
        self.merge = merge

    def _fetch(self, side: Side, ids: Iterable[str]) -> dict[str, RemoteRecord]:
        self.heartbeat()
        return fetch_in_batches(self.adapters[side], self.kind, ids)

    def _read_feed(self, side: Side, warnings: list[str]) -> ChangeSet:
        cursor = self.state.get_cursor(self.profile, self.kind, side)
        self.heartbeat()
        if cursor is not None:
            try:
                return self.adapters[side].changes(self.kind, cursor)
            except CursorExpired as exc:
                warnings.append(f"{side.value}: change cursor expired ({exc}); full scan instead")
        return self.adapters[side].full_scan(self.kind)

    def observe(self, pending: list[PendingItem], now: object) -> Observation:
        """Read everything this sync needs (``pending``: the kind's pending items; ``now`` decides which are due)."""
        warnings: list[str] = []
        feeds = {side: self._read_feed(side, warnings) for side in SIDES}
        ignored = {(item.side, item.native_id) for item in pending if item.ignored}
        due = [item for item in pending if not item.ignored
               and (item.next_attempt_at is None or item.next_attempt_at <= now)]  # type: ignore[operator]
        due_keys = frozenset((item.side, item.native_id) for item in due)
        echoes: dict[Side, dict[str, RemoteRecord | None]] = {}
        for side in SIDES:
            # records retried or ignored this sync are looked at whatever their version says
            feeds[side], echoes[side] = set_aside_echoes(self.state, self.profile, self.kind, side, feeds[side],
                                                         due_keys | ignored, self._fetch)
        current = {side: {item.id: item for item in feeds[side].upserts} for side in SIDES}
        deleted: Ids = {side: {i for i in feeds[side].deletions if i not in current[side]} for side in SIDES}
        unsupported: Ids = {side: {item.id for item in feeds[side].unsupported} for side in SIDES}
        skips = [Skip(side=side, native_id=item.id, reason=item.reason, label=item.label)
                 for side in SIDES for item in feeds[side].unsupported]
        skips += [Skip(side=side, native_id=native_id, reason="marked ignored")
                  for side, native_id in sorted(ignored)
                  if native_id in current[side] or native_id in deleted[side]]
        for side in SIDES:
            for native_id in unsupported[side] | {i for s, i in ignored if s is side}:
                current[side].pop(native_id, None)
                deleted[side].discard(native_id)
        totals = {side: len(current[side]) + len(echoes[side]) for side in SIDES}
        # Our own creates on a side whose feed reports net changes: one the user deleted again before this read
        # is not in the feed at all, so those the feed did not show are looked up (a missing one is deleted).
        unseen = {side: frozenset(self.state.unconfirmed(self.profile, self.kind, side))
                  if self.adapters[side].capabilities.net_change_feed else frozenset() for side in SIDES}
        unshown: Ids = {side: {i for i in unseen[side]
                               if i not in current[side] and i not in deleted[side] and i not in echoes[side]}
                        for side in SIDES}

        pairs = self._touched_pairs(current, deleted, due_keys, unshown)
        for side in SIDES:
            if feeds[side].complete:
                self._confirm_absences(side, current, echoes, deleted, pairs, unsupported[side])
        # A paired record that its side can no longer map (it became a recurring series, say) is left alone on
        # both sides: neither deleted nor overwritten.
        if unsupported[Side.PIM] or unsupported[Side.CRM]:
            pairs = {pair_id: pair for pair_id, pair in pairs.items()
                     if not any(pair.id_on(side) in unsupported[side] for side in SIDES)}
        intents = self.state.open_intents(self.profile, self.kind)
        adopted: set[str] = set()

        def adopt(some: dict[str, Pair]) -> None:
            """Take into ``some`` (a dict of pairs, changed in place) what interrupted updates of ours wrote, once
            per pair: the series step asks it for the rule pairs it decides switches on, before it decides. (A
            pair one of whose updates' targets is not read yet is looked at again, once this sync has read more.)"""
            mine = [i for i in intents if i.pair_id not in adopted]
            self._adopt_landed_updates(some, mine, current, echoes)
            adopted.update(pair_id for pair_id, pair in some.items() if all(
                current[i.side].get(pair.id_on(i.side)) is not None or echoes[i.side].get(pair.id_on(i.side))
                is not None for i in mine if i.pair_id == pair_id and i.action is Action.UPDATE))

        series, folding = self._expand_series(current, deleted, pairs, echoes, due_keys, intents, adopt, now)
        warnings += folding.notes if folding is not None else []

        forced, need = self._retries(pairs, due_keys, current, deleted, echoes)
        for side in SIDES:
            need[side] |= unshown[side]
        need[Side.PIM] |= self._outlook_bodies(pairs, current, echoes, forced)
        bad_links = self._check_links(pairs, current, skips)
        self._add_link_targets(pairs, current, echoes, bad_links, need)
        # The series step has read the series it expanded and set aside the rule copies it switched: read again
        # (a due retry, a link target), they would bring back the pairs it took, decided a second time.
        taken = series_taken(series)
        for side in SIDES:
            # (nor is a record this sync found gone read back: an occurrence of a series whose switch it gives up
            # reads as a single event, and its copy's link names it; read, it would keep its retry from settling)
            wanted = need[side] - bad_links[side] - taken[side] - deleted[side]
            if not wanted:
                continue
            fetched = self._fetch(side, wanted)
            paired = _ids_on(side, pairs)
            for native_id in wanted:
                if native_id in fetched:
                    current[side].setdefault(native_id, fetched[native_id])
                elif native_id in paired:
                    deleted[side].add(native_id)
        # link targets that were fetched may belong to existing pairs (the state was not lost after all)
        self._add_pairs_of(pairs, {side: {i for i in need[side] if i in current[side]} for side in SIDES})

        recovered, recreated, aside, waiting = find_copies(
            kind=self.kind, profile=self.profile, intents=intents, adapters=self.adapters, state=self.state,
            current=current, unpaired=unpaired_records(current, pairs), fetch=self._fetch,
            gone=folding.gone_occurrence if folding is not None else (lambda side, native_id: False),
            held=folding.held_occurrence if folding is not None else (lambda side, native_id: False), now=now,
        )
        # creates whose copy may still land (planning.landing): their sources wait, their intents stay open
        held, still_open = hold_sources(waiting, self.adapters, current, deleted, pairs,
                                        lambda ids: self.state.pairs_for(self.profile, self.kind, **ids))
        skips += held
        for side, native_id in sorted(aside):
            # a copy an unanswered create of an occurrence wrote, whose series waits (for review, for the other side
            # to be writable, or for another create to land): left alone with it, never synced as a new record of its
            # own, and looked at again next sync (a retry: without links it is found by its content only when read,
            # and this sync's cursor goes past it)
            item = current[side].pop(native_id, None)
            skips.append(Skip(side=side, native_id=native_id, record=item.record if item is not None else None,
                              pending=PendingCategory.FAILED, reason="left alone: the copy of an occurrence whose "
                              "series waits (its switch's review, its give-up, or a create still landing), synced "
                              "with it"))
        self._confirm_recreated(recreated, pairs, current, deleted)
        landed, flying = deletes_landing(intents, recreated, pairs, current, echoes, deleted, self.series, self.edited,
                                         self.adapters, now, self._fetch)  # (pairs forgotten; deletes still flying)
        adopt(pairs)
        unpaired = unpaired_records(current, pairs, recovered)
        tombstoned = tombstoned_after(landed, {side: frozenset(self.state.tombstoned(
            self.profile, self.kind, side, unpaired[side])) for side in SIDES}, unpaired)
        # occurrences that come back to a copy they left behind are paired with it (by its link)
        left_behind = copies_left_behind(self.kind, self.profile, self.state, self.adapters, self.series, unpaired,
                                         tombstoned)
        for side in SIDES:
            current[side].update(left_behind[side])
            unpaired[side].update(left_behind[side])
            tombstoned[side] -= {copy.link for copy in left_behind[side.other].values()}
        return Observation(
            kind=self.kind, current=current, echoes=echoes,
            deleted={side: frozenset(ids) for side, ids in deleted.items()},
            forced={side: frozenset(ids) for side, ids in forced.items()}, due=due_keys,
            pairs=tuple(pairs.values()), recovered=tuple(recovered), landed_deletes=tuple(landed), unpaired=unpaired,
            tombstoned=tombstoned,
            skips=tuple(skips), cursors={side: feeds[side].cursor for side in SIDES},
            complete={side: feeds[side].complete for side in SIDES}, totals=totals, warnings=tuple(warnings),
            # (a create of an occurrence of a series whose switch waits for review stays open: its copy, if it was
            # written, is recovered once the review is resolved; so does one whose copy may still land)
            open_intents=tuple(i.intent_id for i in intents if i.intent_id not in still_open | flying and (
                folding is None or not (i.action is Action.CREATE and i.source_id
                                        and folding.held_occurrence(i.side.other, i.source_id)))),
            unconfirmed=unseen, series=tuple(series),
            zones=series_zones(self.state, self.profile, self.kind, self.series, series, pairs),
            folded=folding.folded if folding is not None else {},
            unfolded=folding.unfolded if folding is not None else {},
        )

    # -- steps -------------------------------------------------------------------------------------------------
    def _adopt_landed_updates(self, pairs: dict[str, Pair], intents: Iterable[Intent],
                              current: dict[Side, dict[str, RemoteRecord]],
                              echoes: dict[Side, dict[str, RemoteRecord | None]]) -> None:
        """The values interrupted updates of ours wrote, where they landed, become the base of ``pairs``
        (:func:`.recovery.adopt_landed_updates`)."""
        landed = adopt_landed_updates(pairs, intents, lambda side, native_id: current[side].get(native_id)
                                      or echoes[side].get(native_id),
                                      {side: adapter.represent for side, adapter in self.adapters.items()},
                                      {side: a.capabilities.write_only_fields for side, a in self.adapters.items()})
        for side, native_id in landed:
            # the record was last changed by our write, not by its user: its time cannot say which side changed
            # last (newest_wins leaves a conflict of its pair for review, as for a missing time)
            for read in (current[side], echoes[side]):
                if read.get(native_id) is not None:
                    read[native_id] = attrs.evolve(read[native_id], modified_at=None)  # type: ignore[index]

    def _expand_series(self, current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                       echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
                       due: frozenset[tuple[Side, str]], intents: Iterable[Intent],
                       adopt: Callable[[dict[str, Pair]], None] | None = None, now: datetime | None = None,
                       ) -> tuple[list[SeriesRead], SeriesExpander | None]:
        if self.series is None:
            return [], None
        last_run: datetime | None = self.state.last_run(self.profile, self.kind)
        recovering = frozenset(i.pair_id for i in intents if i.action is Action.CREATE and i.pair_id)
        creating = frozenset((i.side.other, i.source_id) for i in intents if i.action is Action.CREATE and i.source_id)
        opened = series_creates(self.kind, intents, self.adapters, current, pairs, now, self._fetch)
        expander = SeriesExpander(kind=self.kind, profile=self.profile, state=self.state, policy=self.series,
                                  fetch=self._fetch, last_run=last_run, past_days=self.days[0],
                                  future_days=self.days[1], edited=self.edited, merge=self.merge,
                                  recovering=recovering, creating=creating, adopt=adopt,
                                  waiting_to_land=opened.waiting, copy_landed=opened.landed,
                                  occurrence_landed=opened.expanded)
        return expander.run(current, deleted, pairs, echoes, due), expander

    def _names_a_record(self, side: Side, value: str) -> bool:
        """True when ``value`` is shaped like an id on ``side``: a native id, or an occurrence id of a series
        there (a link the other side's occurrence carries)."""
        adapter = self.adapters[side]
        split = split_occurrence_id(value) if adapter.capabilities.recurrence is RecurrenceSupport.RULES else None
        return adapter.is_native_id(self.kind, split[0] if split is not None else value)

    def _touched_pairs(self, current: Mapping[Side, Mapping[str, RemoteRecord]], deleted: Ids,
                       due: frozenset[tuple[Side, str]], unshown: Ids) -> dict[str, Pair]:
        ids = {side: set(current[side]) | deleted[side] | {i for s, i in due if s is side} | unshown[side]
               for side in SIDES}
        if not ids[Side.PIM] and not ids[Side.CRM]:
            return {}
        found = self.state.pairs_for(self.profile, self.kind, pim_ids=ids[Side.PIM], crm_ids=ids[Side.CRM])
        return {pair.pair_id: pair for pair in found}

    def _add_pairs_of(self, pairs: dict[str, Pair], ids: Mapping[Side, set[str]]) -> None:
        if not ids[Side.PIM] and not ids[Side.CRM]:
            return
        known = {side: _ids_on(side, pairs) for side in SIDES}
        unknown = {side: [i for i in ids[side] if i not in known[side]] for side in SIDES}
        if unknown[Side.PIM] or unknown[Side.CRM]:
            for pair in self.state.pairs_for(self.profile, self.kind, pim_ids=unknown[Side.PIM],
                                             crm_ids=unknown[Side.CRM]):
                pairs.setdefault(pair.pair_id, pair)

    def _confirm_absences(
        self, side: Side, current: dict[Side, dict[str, RemoteRecord]],
        echoes: Mapping[Side, Mapping[str, RemoteRecord | None]], deleted: Ids, pairs: dict[str, Pair],
        unsupported: set[str],
    ) -> None:
        # A full scan lists everything that exists, but absence alone is not proof: confirm by id first. Only
        # the ids are compared; the pairs of the few ids not listed are loaded. (The mark a series has on the
        # side that holds its occurrences names no record there.)
        absent = [native_id for native_id in self.state.paired_ids(self.profile, self.kind, side)
                  if native_id not in current[side] and native_id not in echoes[side] and native_id not in unsupported
                  and marked_series(native_id) is None]
        if not absent:
            return
        missing = {pair.id_on(side): pair for pair in
                   self.state.pairs_for(self.profile, self.kind, **{f"{side.value}_ids": absent})}
        found = self._fetch(side, missing)
        for native_id, pair in missing.items():
            if native_id in found:
                current[side][native_id] = found[native_id]
            else:
                deleted[side].add(native_id)
            pairs.setdefault(pair.pair_id, pair)

    def _retries(
        self, pairs: dict[str, Pair], due: frozenset[tuple[Side, str]], current: Mapping[Side, Mapping[str, object]],
        deleted: Ids, echoes: Mapping[Side, Mapping[str, RemoteRecord | None]],
    ) -> tuple[Ids, Ids]:
        """Ids looked at whatever their version says (due retries and both records of their pairs), and those
        of them this sync has not read yet."""
        forced: Ids = {side: {i for s, i in due if s is side} for side in SIDES}
        need: Ids = {side: {i for i in forced[side] if i not in current[side] and i not in deleted[side]}
                     for side in SIDES}
        if not due:  # (the usual case: no pair to widen)
            return forced, need
        for pair in pairs.values():
            if pair.pim_id not in forced[Side.PIM] and pair.crm_id not in forced[Side.CRM]:
                continue
            for side in SIDES:
                native_id = pair.id_on(side)
                forced[side].add(native_id)
                if (native_id not in current[side] and native_id not in deleted[side]
                        and echoes[side].get(native_id) is None):  # (an unread echo is read now)
                    need[side].add(native_id)
        return forced, need

    def _outlook_bodies(
        self, pairs: dict[str, Pair], current: Mapping[Side, Mapping[str, RemoteRecord]],
        echoes: Mapping[Side, Mapping[str, RemoteRecord | None]], forced: Ids,
    ) -> set[str]:
        """PIM records to read because the CRM's text changed: whether it may replace the Outlook body depends
        on that body's formatting."""
        if not (self.adapters[Side.PIM].capabilities.formatted_bodies and self.preserve_formatted_bodies):
            return set()
        wanted = set()
        for pair in pairs.values():
            crm_item = current[Side.CRM].get(pair.crm_id)
            if (crm_item is not None and pair.pim_id not in current[Side.PIM] and pair.pim_id not in echoes[Side.PIM]
                    # an unchanged CRM version (our own write echoed, say) cannot carry a new body
                    and (crm_item.version != pair.crm_version or crm_item.version is None
                         or pair.crm_id in forced[Side.CRM])
                    and any(getattr(crm_item.record, f, None) != getattr(pair.base, f, None) for f in BODY_FIELDS)):
                wanted.add(pair.pim_id)
        return wanted

    def _check_links(
        self, pairs: dict[str, Pair], current: dict[Side, dict[str, RemoteRecord]], skips: list[Skip]
    ) -> Ids:
        """Set aside unpaired records whose link cannot name a record of this kind on the other side.

        A link is a claim read from a record: one of the wrong shape is reported for this record alone (and never
        looked up: it could fail a whole batched read); the record is left alone this sync, even where another
        record's link names it.
        """
        bad: Ids = {side: set() for side in SIDES}
        for side in SIDES:
            paired = _ids_on(side, pairs)
            for item in list(current[side].values()):
                if item.link and item.id not in paired and not self._names_a_record(side.other, item.link):
                    skips.append(Skip(side=side, native_id=item.id, record=item.record,
                                      reason=f"its link {item.link[:60]!r} is not a {side.other.value.upper()} "
                                             f"{self.kind.value} id; clear it to sync this record"))
                    del current[side][item.id]
                    bad[side].add(item.id)
        return bad

    def _add_link_targets(
        self, pairs: dict[str, Pair], current: Mapping[Side, Mapping[str, RemoteRecord]],
        echoes: Mapping[Side, Mapping[str, RemoteRecord | None]], bad_links: Ids, need: Ids,
    ) -> None:
        for side in SIDES:
            paired = _ids_on(side, pairs)
            for item in current[side].values():
                if (item.link and item.id not in paired and item.link not in bad_links[side.other]
                        and item.link not in current[side.other] and item.link not in echoes[side.other]):
                    need[side.other].add(item.link)

    def _confirm_recreated(
        self, recreated: Mapping[str, Pair], pairs: dict[str, Pair], current: dict[Side, dict[str, RemoteRecord]],
        deleted: Ids,
    ) -> None:
        """Look at the pairs whose deleted record an interrupted re-create replaced, and confirm the deletion."""
        for pair in recreated.values():
            pairs.setdefault(pair.pair_id, pair)
        for side in SIDES:
            unknown = {pair.id_on(side) for pair in recreated.values()} - set(current[side]) - deleted[side]
            if unknown:
                fetched = self._fetch(side, unknown)
                for native_id in unknown:
                    if native_id in fetched:
                        current[side][native_id] = fetched[native_id]
                    else:
                        deleted[side].add(native_id)
