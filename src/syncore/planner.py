"""Planning: read both sides' change feeds and decide, per record, what a sync would do. Writes nothing.

The planner touches only what changed: records in the change feeds, pending items that are due, and the
pairs those ids belong to. A sync whose feeds are empty loads no pair at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

import attrs

from ._ids import new_id as _new_id
from .abc import Adapter, StateStore
from .errors import CursorExpired, SyncoreError
from .matching import match
from .merge import BODY_FIELDS, MergeInput, MergeResult, merge
from .models import SIDES, Event, Kind, Record, Side, Task
from .plan import Conflict, FieldChange, Operation, PairPlan, Plan, Skip
from .remote import ChangeSet, RemoteRecord, fetch_in_batches
from .results import EventType, SyncEvent, describe_record
from .settings import KindSettings, SyncSettings
from .snapshots import fingerprint
from .state_types import Action, Intent, Pair, PendingCategory, PendingItem


def blank_like(record: Record) -> Record:
    """An all-default record of the same type, the base for pairing two records that never agreed before.

    Event start/end have no default, so they are taken from ``record`` (first-sync matching already
    requires them to be equal on both sides).
    """
    if isinstance(record, Event):
        return Event(start=record.start, end=record.end)
    return type(record)()


@attrs.define
class _Feeds:
    """Both sides' view of this sync: current records, deletions, and what came from the feed."""

    current: dict[Side, dict[str, RemoteRecord]]
    deleted: dict[Side, set[str]]
    from_feed: dict[Side, set[str]]
    forced: dict[Side, set[str]]
    #: feed records whose version is the one stored with their pair (set aside: their pairs are not loaded);
    #: None for an unread entry, never fetched
    echoes: dict[Side, dict[str, RemoteRecord | None]]


class Planner:
    """Builds one :class:`Plan` for one kind. Used by :class:`~syncore.engine.SyncEngine`; not public."""

    def __init__(
        self,
        *,
        kind: Kind,
        adapters: dict[Side, Adapter],
        state: StateStore,
        settings: SyncSettings,
        now: datetime,
        emit: Callable[[SyncEvent], None],
        resolutions: dict[tuple[str, str], Side] | None = None,
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        self.kind = kind
        self.adapters = adapters
        self.state = state
        self.settings = settings
        job = settings.for_kind(kind)
        read_only = frozenset(side for side, adapter in adapters.items() if adapter.capabilities.read_only)
        # A read-only side is never written, whatever the job allows.
        self.job: KindSettings = attrs.evolve(
            job, create_on=job.create_on - read_only, update_on=job.update_on - read_only,
            delete_on=job.delete_on - read_only,
        )
        self.profile = settings.profile
        self.now = now
        self.emit = emit
        #: renews the profile lock's lease, when held, between the reads of a long plan
        self.heartbeat = heartbeat
        self.plan = Plan(plan_id=_new_id(), profile=self.profile, kind=kind, created_at=now,
                         from_generation=state.generation(self.profile, kind))

    # -- reading -------------------------------------------------------------------------------------------
    def _read_feed(self, side: Side) -> ChangeSet:
        adapter = self.adapters[side]
        cursor = self.state.get_cursor(self.profile, self.kind, side)
        self.heartbeat()
        if cursor is not None:
            try:
                return adapter.changes(self.kind, cursor)
            except CursorExpired as exc:
                self.plan.warnings.append(f"{side.value}: change cursor expired ({exc}); full scan instead")
        return adapter.full_scan(self.kind)

    def _fetch(self, side: Side, ids: Iterable[str]) -> dict[str, RemoteRecord]:
        self.heartbeat()
        return fetch_in_batches(self.adapters[side], self.kind, ids)

    def _skip(
        self, side: Side, native_id: str, reason: str, pending: PendingCategory | None = None,
        record: Record | None = None,
    ) -> None:
        label = describe_record(record) if record is not None else ""
        self.plan.skipped.append(Skip(side=side, native_id=native_id, reason=reason, pending=pending, label=label))
        self.emit(
            SyncEvent(
                type=EventType.SKIPPED, kind=self.kind, profile=self.profile, side=side, record_id=native_id,
                message=f"{label}: {reason}" if label else reason,
            )
        )

    # -- the plan ------------------------------------------------------------------------------------------
    def build(self) -> Plan:
        """Read both sides and return the plan."""
        feeds = {side: self._read_feed(side) for side in SIDES}
        pending = self.state.pending(self.profile, self.kind)
        ignored = {(item.side, item.native_id) for item in pending if item.ignored}
        due = [
            item for item in pending
            if not item.ignored and (item.next_attempt_at is None or item.next_attempt_at <= self.now)
        ]
        # Records retried or ignored this sync are looked at whatever their version says.
        looked_at = {(item.side, item.native_id) for item in due} | ignored
        echoes: dict[Side, dict[str, RemoteRecord | None]] = {}
        for side in SIDES:
            feeds[side], echoes[side] = self._set_aside_echoes(side, feeds[side], looked_at)
        plan = self.plan
        plan.cursors = {side: feeds[side].cursor for side in SIDES}
        current = {side: {item.id: item for item in feeds[side].upserts} for side in SIDES}
        deleted = {side: set(feeds[side].deletions) - set(current[side]) for side in SIDES}
        from_feed = {side: set(current[side]) | deleted[side] for side in SIDES}
        unsupported = {side: {item.id for item in feeds[side].unsupported} for side in SIDES}
        for side in SIDES:
            for item in feeds[side].unsupported:
                self._skip(side, item.id, item.reason)
                current[side].pop(item.id, None)
                deleted[side].discard(item.id)

        for side, native_id in ignored:
            if native_id in from_feed[side]:
                self._skip(side, native_id, "marked ignored")
            current[side].pop(native_id, None)
            deleted[side].discard(native_id)

        totals = {side: len(current[side]) + len(echoes[side]) for side in SIDES}
        pairs = self._touched_pairs(current, deleted, due)
        for side in SIDES:
            if feeds[side].complete:
                self._infer_deletions(side, current, deleted, pairs, unsupported[side])
        # A paired record that this side can no longer map (it became a recurring series, say) is left alone
        # on both sides: neither deleted nor overwritten.
        for pair_id in [p.pair_id for p in pairs.values()
                        if p.pim_id in unsupported[Side.PIM] or p.crm_id in unsupported[Side.CRM]]:
            del pairs[pair_id]

        forced = {side: set() for side in SIDES}
        need: dict[Side, set[str]] = {side: set() for side in SIDES}
        for item in due:
            forced[item.side].add(item.native_id)
            if item.native_id not in from_feed[item.side]:
                need[item.side].add(item.native_id)
        pim_formats = self.adapters[Side.PIM].capabilities.formatted_bodies
        for pair in pairs.values():
            is_forced = pair.pim_id in forced[Side.PIM] or pair.crm_id in forced[Side.CRM]
            for side in SIDES:
                native_id = pair.id_on(side)
                if is_forced:
                    forced[side].add(native_id)
                    if (native_id not in current[side] and native_id not in deleted[side]
                            and echoes[side].get(native_id) is None):  # (an unread echo is read now)
                        need[side].add(native_id)
            crm_item = current[Side.CRM].get(pair.crm_id)
            if (
                crm_item is not None
                and pim_formats
                and self.settings.preserve_formatted_bodies
                and pair.pim_id not in current[Side.PIM]
                and pair.pim_id not in echoes[Side.PIM]
                # an unchanged CRM version (our own write echoed, say) cannot carry a new body
                and (crm_item.version != pair.crm_version or crm_item.version is None or is_forced)
                and any(getattr(crm_item.record, f, None) != getattr(pair.base, f, None) for f in BODY_FIELDS)
            ):
                # Whether the CRM's new text may replace the Outlook body depends on that body's formatting.
                need[Side.PIM].add(pair.pim_id)
        paired_ids = {side: {pair.id_on(side) for pair in pairs.values()} for side in SIDES}
        bad_link: dict[Side, set[str]] = {side: set() for side in SIDES}
        for side in SIDES:
            other = self.adapters[side.other]
            for item in list(current[side].values()):
                if item.link and item.id not in paired_ids[side] and not other.is_native_id(self.kind, item.link):
                    # A link is a claim read from a record: one that cannot name a record of this kind over there
                    # is reported for this record alone (and never looked up: it could fail a whole batched read);
                    # the record is left alone this sync, even where another record's link names it.
                    self._skip(side, item.id, f"its link {item.link[:60]!r} is not a {side.other.value.upper()} "
                                              f"{self.kind.value} id; clear it to sync this record", record=item.record)
                    del current[side][item.id]
                    bad_link[side].add(item.id)
        for side in SIDES:
            for item in current[side].values():
                if (item.link and item.id not in paired_ids[side] and item.link not in bad_link[side.other]
                        and item.link not in current[side.other] and item.link not in echoes[side.other]):
                    need[side.other].add(item.link)
        for side in SIDES:
            fetched = self._fetch(side, need[side] - bad_link[side])
            for native_id in need[side] - bad_link[side]:
                if native_id in fetched:
                    current[side].setdefault(native_id, fetched[native_id])
                elif native_id in paired_ids[side]:
                    deleted[side].add(native_id)
        # Link targets that were fetched may belong to existing pairs (state was not lost after all).
        unknown_links = {
            side: [i for i in need[side] if i in current[side] and i not in paired_ids[side]] for side in SIDES
        }
        linked = (
            self.state.pairs_for(self.profile, self.kind, pim_ids=unknown_links[Side.PIM],
                                 crm_ids=unknown_links[Side.CRM])
            if unknown_links[Side.PIM] or unknown_links[Side.CRM] else []
        )
        for pair in linked:
            pairs.setdefault(pair.pair_id, pair)
        self.feeds = _Feeds(current=current, deleted=deleted, from_feed=from_feed, forced=forced, echoes=echoes)
        self._pairs = pairs
        self._open_intents = self.state.open_intents(self.profile, self.kind)
        #: records a pair took over during planning although no stored pair holds them yet
        self._claimed: dict[Side, set[str]] = {side: set() for side in SIDES}

        due_keys = {(item.side, item.native_id) for item in due}
        for pair in pairs.values():
            with self._guard(Side.PIM, pair.pim_id):
                self._plan_pair(pair, due_keys)
        paired = {side: {pair.id_on(side) for pair in pairs.values()} | self._claimed[side] for side in SIDES}
        unpaired = {
            side: {i: item for i, item in current[side].items() if i not in paired[side]} for side in SIDES
        }
        for side, native_id in due_keys:
            if native_id not in paired[side] and native_id not in current[side]:
                plan.clear_pending.append((side, native_id))  # the record is gone; nothing left to retry
        self._plan_unpaired(unpaired, due_keys)
        self._check_safety(feeds, current, totals)
        return plan

    def _set_aside_echoes(
        self, side: Side, feed: ChangeSet, looked_at: set[tuple[Side, str]]
    ) -> tuple[ChangeSet, dict[str, RemoteRecord | None]]:
        """Split off the feed's records whose version equals the one stored with their pair, and read the rest
        of its ``unread`` entries.

        After a sync the target's feed reports every record the engine wrote (an initial load: all of them).
        Their versions match the stored ones, so nothing changed: checking that from the version column alone
        spares loading and decoding each pair, and, for ``unread`` entries, reading the record at all. A pair
        is still loaded when its other record changed, and then sees the set-aside record (None when it was
        never read: unchanged since the base). Full scans keep everything: absence from them means something.
        An unread entry gone by the time it is fetched is left out (the next feed reports its deletion).
        """
        if feed.complete or not (feed.upserts or feed.unread):
            return feed, {}
        listed = {item.id: item.version for item in feed.upserts}
        listed.update(feed.unread)
        stored = self.state.pair_versions(self.profile, self.kind, side, list(listed))
        unchanged = {native_id for native_id, version in listed.items()
                     if version is not None and stored.get(native_id) == version
                     and (side, native_id) not in looked_at}
        echoes: dict[str, RemoteRecord | None] = {native_id: None for native_id, _ in feed.unread
                                                  if native_id in unchanged}
        echoes.update((item.id, item) for item in feed.upserts if item.id in unchanged)
        unread = [native_id for native_id, _ in feed.unread if native_id not in unchanged]
        fetched = self._fetch(side, unread) if unread else {}
        upserts = tuple(item for item in feed.upserts if item.id not in unchanged)
        upserts += tuple(fetched[native_id] for native_id in unread if native_id in fetched)
        return attrs.evolve(feed, upserts=upserts, unread=()), echoes

    def _touched_pairs(
        self, current: dict[Side, dict[str, RemoteRecord]], deleted: dict[Side, set[str]], due: list[PendingItem]
    ) -> dict[str, Pair]:
        ids = {side: set(current[side]) | deleted[side] for side in SIDES}
        for item in due:
            ids[item.side].add(item.native_id)
        if not ids[Side.PIM] and not ids[Side.CRM]:
            return {}
        found = self.state.pairs_for(self.profile, self.kind, pim_ids=ids[Side.PIM], crm_ids=ids[Side.CRM])
        return {pair.pair_id: pair for pair in found}

    def _infer_deletions(
        self, side: Side, current: dict[Side, dict[str, RemoteRecord]], deleted: dict[Side, set[str]],
        pairs: dict[str, Pair], unsupported: set[str],
    ) -> None:
        # A full scan lists everything that exists, but absence alone is not proof: confirm by id first.
        missing = {pair.id_on(side): pair for pair in self.state.iter_pairs(self.profile, self.kind)
                   if pair.id_on(side) not in current[side] and pair.id_on(side) not in unsupported}
        if not missing:
            return
        found = self._fetch(side, missing)
        for native_id, pair in missing.items():
            if native_id in found:
                current[side][native_id] = found[native_id]
            else:
                deleted[side].add(native_id)
            pairs.setdefault(pair.pair_id, pair)

    # -- paired records ------------------------------------------------------------------------------------
    def _plan_pair(self, pair: Pair, due_keys: set[tuple[Side, str]]) -> None:
        feeds = self.feeds
        gone = {side: pair.id_on(side) in feeds.deleted[side] for side in SIDES}
        items = {side: self._item(side, pair.id_on(side)) for side in SIDES}
        changed = {
            side: items[side] is not None
            and (
                pair.id_on(side) in feeds.forced[side]
                or items[side].version is None
                or items[side].version != pair.version_on(side)
            )
            for side in SIDES
        }
        settles = tuple((side, pair.id_on(side)) for side in SIDES if (side, pair.id_on(side)) in due_keys)
        both_ids = ((Side.PIM, pair.pim_id), (Side.CRM, pair.crm_id))

        if gone[Side.PIM] and gone[Side.CRM]:
            # deleted on both sides: only the pair is left to forget
            self.plan.pairs.append(self._pair_plan(pair, remove=True, tombstones=both_ids, settles=settles))
            return
        for deleted_side in SIDES:
            if not gone[deleted_side]:
                continue
            survivor = deleted_side.other
            if changed[survivor] and self._edited(pair, survivor, items[survivor]):
                # deleted on one side but edited on the other: the edit wins, re-create it
                self._recreate(pair, items[survivor], deleted_side, settles)
            elif self.job.may("delete", survivor):
                # deleted on one side, untouched on the other: delete it there too
                self._add_op(
                    pair, survivor, Action.DELETE, record=None, fields=frozenset(), source_side=deleted_side,
                    source_id=pair.id_on(deleted_side), source_version=None,
                    reason=f"deleted in {deleted_side.value.upper()}", changes=(),
                    base_version=pair.version_on(survivor),
                )
                self.plan.pairs.append(self._pair_plan(pair, remove=True, tombstones=both_ids, settles=settles))
            else:
                # deleting is not allowed there: unpair, and tombstone the survivor so it is not copied back
                self._skip(survivor, pair.id_on(survivor),
                           f"deleted in {deleted_side.value.upper()}; deletion not propagated (not allowed)",
                           record=pair.base)
                self.plan.pairs.append(
                    self._pair_plan(pair, remove=True, tombstones=((survivor, pair.id_on(survivor)),),
                                    settles=settles)
                )
            return
        if not changed[Side.PIM] and not changed[Side.CRM]:
            if settles:
                self.plan.pairs.append(self._pair_plan(pair, settles=settles))
            return
        self._merge_pair(pair, items, changed, settles)

    def _edited(self, pair: Pair, side: Side, item: RemoteRecord | None) -> bool:
        """True when ``item`` differs in content from the pair's base (a new version alone is no edit)."""
        if item is None:
            return False
        base = self.adapters[side].represent(pair.base)
        if side is Side.PIM and pair.pim_body is not None:
            base = base.replace(**{f: pair.pim_body for f in BODY_FIELDS if f in base.field_names()})
        return bool(item.record.changed_fields(base))

    def _merge_pair(
        self, pair: Pair, items: dict[Side, RemoteRecord | None], changed: dict[Side, bool],
        settles: tuple[tuple[Side, str], ...], two_way: frozenset[str] | None = None, found: bool = False,
    ) -> None:
        pim_item, crm_item = items[Side.PIM], items[Side.CRM]
        result = self._merge(
            MergeInput(
                base=pair.base,
                pim=pim_item.record if changed[Side.PIM] and pim_item else None,
                crm=crm_item.record if changed[Side.CRM] and crm_item else None,
                pim_modified=pim_item.modified_at if pim_item else None,
                crm_modified=crm_item.modified_at if crm_item else None,
                pim_body=pair.pim_body,
                two_way=pair.conflicts if two_way is None else two_way,
            )
        )
        current = {
            Side.PIM: pim_item.record if pim_item else self.adapters[Side.PIM].represent(pair.base),
            Side.CRM: crm_item.record if crm_item else self.adapters[Side.CRM].represent(pair.base),
        }
        self._record_conflicts(pair.pair_id, result, current)
        for target, fields in ((Side.PIM, result.to_pim), (Side.CRM, result.to_crm)):
            if not fields:
                continue
            source = target.other
            self._add_op(
                pair, target, Action.UPDATE, record=result.base, fields=fields, source_side=source,
                source_id=pair.id_on(source), source_version=items[source].version if items[source] else None,
                reason=f"changed in {source.value.upper()}",
                changes=tuple(
                    FieldChange(field=f, old=getattr(current[target], f), new=getattr(result.base, f))
                    for f in sorted(fields)
                ),
                base_version=items[target].version if items[target] else pair.version_on(target),
            )
        if result.body_kept:
            self.emit(SyncEvent(type=EventType.BODY_KEPT, kind=self.kind, profile=self.profile, side=Side.PIM,
                                record_id=pair.pim_id, message="formatted Outlook body kept; other fields updated"))
        self.plan.pairs.append(
            PairPlan(
                pair_id=pair.pair_id,
                pim_id=pair.pim_id,
                crm_id=pair.crm_id,
                pim_version=pim_item.version if pim_item else pair.pim_version,
                crm_version=crm_item.version if crm_item else pair.crm_version,
                base=result.base,
                pim_body=result.pim_body,
                settles=settles,
                keep_pending_conflict=bool(result.open_conflicts),
                conflicts=result.open_conflicts,
                found_base=pair.base if found else None,
                found_two_way=(two_way or frozenset()) if found else frozenset(),
            )
        )

    def _merge(self, inp: MergeInput, resolutions: dict[str, Side] | None = None) -> MergeResult:
        return merge(
            inp,
            represent_pim=self.adapters[Side.PIM].represent,
            represent_crm=self.adapters[Side.CRM].represent,
            settings=self.job,
            policy=self.settings.conflict_policy,
            preserve_formatted_bodies=self.settings.preserve_formatted_bodies,
            pim_keeps_formatting=self.adapters[Side.PIM].capabilities.formatted_bodies,
            resolutions=resolutions,
        )

    def _record_conflicts(self, pair_id: str, result: MergeResult, current: dict[Side, Record]) -> None:
        for conflict in result.conflicts:
            whole = conflict.field == "*"
            self.plan.conflicts.append(
                Conflict(
                    conflict_id=_new_id()[:12],
                    pair_id=pair_id,
                    field=conflict.field,
                    pim_value=current[Side.PIM] if whole else conflict.pim_value,
                    crm_value=current[Side.CRM] if whole else conflict.crm_value,
                    resolution=conflict.winner,
                    reason=conflict.reason,
                )
            )
            self.emit(SyncEvent(type=EventType.CONFLICT, kind=self.kind, profile=self.profile,
                                message=f"{conflict.field}: {conflict.reason}"))

    def _recreate(
        self, pair: Pair, survivor: RemoteRecord | None, deleted_side: Side, settles: tuple[tuple[Side, str], ...]
    ) -> None:
        assert survivor is not None
        source = deleted_side.other
        if not self.job.may("create", deleted_side):
            self._skip(source, survivor.id,
                       f"deleted in {deleted_side.value.upper()} but edited here; re-creating is not allowed",
                       record=survivor.record)
            self.plan.pairs.append(self._pair_plan(pair, remove=True, settles=settles))
            return
        copy = self._interrupted_copy(pair, survivor, deleted_side)
        if copy is not None:
            # an earlier sync wrote the copy but stopped before storing the pair: pair with it, don't create again
            self._claimed[deleted_side].add(copy.id)
            items = {source: survivor, deleted_side: copy}
            found = Pair(profile=self.profile, kind=self.kind, pair_id=pair.pair_id, pim_id=items[Side.PIM].id,
                         crm_id=items[Side.CRM].id, pim_version=None, crm_version=None, base=copy.record)
            # the copy is what was written: it is the base, so an edit of the survivor since still travels
            self._merge_pair(found, items, {Side.PIM: True, Side.CRM: True}, settles, two_way=frozenset(),
                             found=True)
            self.plan.pairs[-1].tombstones = ((deleted_side, pair.id_on(deleted_side)),)
            return
        new_pair = PairPlan(
            pair_id=pair.pair_id,
            pim_id=survivor.id if source is Side.PIM else None,
            crm_id=survivor.id if source is Side.CRM else None,
            pim_version=survivor.version if source is Side.PIM else None,
            crm_version=survivor.version if source is Side.CRM else None,
            base=survivor.record,
            tombstones=((deleted_side, pair.id_on(deleted_side)),),
            settles=settles,
        )
        self.plan.pairs.append(new_pair)
        self._add_op(
            pair, deleted_side, Action.CREATE, record=survivor.record, fields=frozenset(), source_side=source,
            source_id=survivor.id, source_version=survivor.version,
            reason=f"re-created: edited in {source.value.upper()} while deleted in {deleted_side.value.upper()}",
            changes=(), base_version=None, target_id=None, link=survivor.id,
        )

    def _interrupted_copy(self, pair: Pair, survivor: RemoteRecord, target: Side) -> RemoteRecord | None:
        """The copy that an interrupted re-create of ``pair`` on ``target`` wrote, if any (found via the journal).

        By link where the target stores links; otherwise by the content fingerprint journaled with the write
        (a copy edited since is not recognised, and is synced as a record of its own).
        """
        intent = next((i for i in self._open_intents if i.action is Action.CREATE and i.side is target
                       and i.pair_id == pair.pair_id), None)
        if intent is None:
            return None
        taken = {p.id_on(target) for p in self._pairs.values()} | self._claimed[target]
        adapter = self.adapters[target]
        if adapter.capabilities.link_ids:
            copy = adapter.find_by_link(self.kind, [survivor.id]).get(survivor.id)
            return copy if copy is not None and copy.id not in taken else None
        candidates = [item for item in self.feeds.current[target].values()
                      if item.id not in taken and fingerprint(item.record) == intent.fingerprint]
        return min(candidates, key=lambda item: item.id, default=None)

    # -- unpaired records ----------------------------------------------------------------------------------
    def _plan_unpaired(self, unpaired: dict[Side, dict[str, RemoteRecord]], due_keys: set[tuple[Side, str]]) -> None:
        self._pair_recovered_creates(unpaired)
        self._pair_by_links(unpaired)
        matched = match(self.kind, unpaired[Side.PIM].values(), unpaired[Side.CRM].values())
        for pim_item, crm_item in matched.pairs:
            del unpaired[Side.PIM][pim_item.id]
            del unpaired[Side.CRM][crm_item.id]
            if self._private_pair(pim_item, crm_item):
                continue
            with self._guard(Side.PIM, pim_item.id):
                self._pair_found(pim_item, crm_item, blank_like(pim_item.record), due_keys)
        for side_name, item, reason in matched.ambiguous:
            side = Side(side_name)
            self._skip(side, item.id, reason, pending=PendingCategory.AMBIGUOUS, record=item.record)
            del unpaired[side][item.id]
        for side in SIDES:
            tombstoned = self.state.tombstoned(self.profile, self.kind, side, unpaired[side])
            for item in unpaired[side].values():
                with self._guard(side, item.id):
                    self._plan_create(side, item, item.id in tombstoned, due_keys)

    def _pair_recovered_creates(self, unpaired: dict[Side, dict[str, RemoteRecord]]) -> None:
        open_intents = self._open_intents
        intents = [i for i in open_intents if i.action is Action.CREATE]
        self.plan.intents_done.extend(i.intent_id for i in open_intents)
        for target in SIDES:
            adapter = self.adapters[target]
            wanted = {i.source_id: i for i in intents if i.side is target and i.source_id}
            if not wanted:
                continue
            if not adapter.capabilities.link_ids:
                self._pair_recovered_by_content(target, [i for i in intents if i.side is target], unpaired)
                continue
            found = adapter.find_by_link(self.kind, list(wanted))
            source_side = target.other
            known = self.state.pairs_for(
                self.profile, self.kind,
                **{f"{target.value}_ids": [c.id for c in found.values()], f"{source_side.value}_ids": list(found)},
            )
            already = {pair.id_on(target) for pair in known} | {pair.id_on(source_side) for pair in known}
            sources = self._fetch(source_side, [s for s in found if s not in unpaired[source_side]])
            sources.update(unpaired[source_side])
            for source_id, created in found.items():
                if created.id in already or source_id in already:
                    continue  # the crash came after the pair was stored: nothing to recover
                source = sources.get(source_id)
                if source is None:
                    continue
                pim_item, crm_item = (source, created) if source_side is Side.PIM else (created, source)
                # The created record is what we wrote: it is the base, so later edits of the source still travel.
                self._pair_found(pim_item, crm_item, created.record, set(), two_way_all=False)
                unpaired[source_side].pop(source_id, None)
                unpaired[target].pop(created.id, None)

    def _pair_recovered_by_content(
        self, target: Side, intents: list[Intent], unpaired: dict[Side, dict[str, RemoteRecord]]
    ) -> None:
        """Without links, a create a crash interrupted is found by content: the copy equals what was journaled.

        The journal keeps a fingerprint of the record as written, so the copy is recognised even when its source
        was edited since (the edit then travels as an ordinary change). Identical copies of identical sources
        may be paired either way round; they hold the same data, so nothing is lost or created twice.
        """
        source_side = target.other
        by_fingerprint: dict[str, list[RemoteRecord]] = {}
        for item in sorted(unpaired[target].values(), key=lambda item: item.id):
            by_fingerprint.setdefault(fingerprint(item.record), []).append(item)
        intents = [i for i in intents if i.fingerprint in by_fingerprint and i.source_id]
        fetched = self._fetch(source_side, [i.source_id for i in intents if i.source_id not in unpaired[source_side]])
        for intent in sorted(intents, key=lambda i: i.source_id or ""):
            if not intent.fingerprint or not intent.source_id:
                continue
            copies = by_fingerprint.get(intent.fingerprint)
            if not copies:
                continue  # edited since, or never written: the matcher or a new create takes over
            source = unpaired[source_side].get(intent.source_id)
            if source is None:
                source = fetched.get(intent.source_id)
                if source is None or self.state.pairs_for(self.profile, self.kind,
                                                          **{f"{source_side.value}_ids": [source.id]}):
                    continue
            created = copies.pop(0)
            pim_item, crm_item = (source, created) if source_side is Side.PIM else (created, source)
            # The copy is what we wrote: it is the base, so an edit of the source since still travels.
            self._pair_found(pim_item, crm_item, created.record, set(), two_way_all=False)
            unpaired[source_side].pop(source.id, None)
            del unpaired[target][created.id]

    def _pair_by_links(self, unpaired: dict[Side, dict[str, RemoteRecord]]) -> None:
        for side in SIDES:
            other = side.other
            for item in list(unpaired[side].values()):
                if item.id not in unpaired[side] or not item.link:
                    continue
                partner = unpaired[other].get(item.link)
                if partner is None:
                    continue
                pim_item, crm_item = (item, partner) if side is Side.PIM else (partner, item)
                del unpaired[side][item.id]
                del unpaired[other][partner.id]
                if not self._private_pair(pim_item, crm_item):
                    self._pair_found(pim_item, crm_item, blank_like(pim_item.record), set())

    def _private_pair(self, pim_item: RemoteRecord, crm_item: RemoteRecord) -> bool:
        """Report a newly found pair that holds a private record when private items are excluded.

        A private record is never created on the other side; pairing it (by a link or a match) would copy its
        contents over just the same, so both records are left alone.
        """
        if self.job.include_private:
            return False
        private = [side for side, item in ((Side.PIM, pim_item), (Side.CRM, crm_item))
                   if getattr(item.record, "private", False)]
        if not private:
            return False
        reason = (f"left alone: the {private[0].value.upper()} record of the pair (found by link or match) is private "
                  "and include_private is off")
        self._skip(Side.PIM, pim_item.id, reason, record=pim_item.record)
        self._skip(Side.CRM, crm_item.id, reason, record=crm_item.record)
        return True

    def _pair_found(
        self, pim_item: RemoteRecord, crm_item: RemoteRecord, base: Record, due_keys: set[tuple[Side, str]],
        *, two_way_all: bool = True,
    ) -> None:
        pair_id = _new_id()
        pair = Pair(
            profile=self.profile, kind=self.kind, pair_id=pair_id, pim_id=pim_item.id, crm_id=crm_item.id,
            pim_version=pim_item.version, crm_version=crm_item.version, base=base,
        )
        settles = tuple((s, i) for s, i in ((Side.PIM, pim_item.id), (Side.CRM, crm_item.id)) if (s, i) in due_keys)
        # Records that never agreed before have no common ancestor: compare them field against field.
        two_way = frozenset(base.field_names()) if two_way_all else frozenset()
        self._merge_pair(pair, {Side.PIM: pim_item, Side.CRM: crm_item}, {Side.PIM: True, Side.CRM: True}, settles,
                         two_way=two_way, found=True)

    def _in_range(self, record: Record) -> bool:
        today = self.now.date()
        first = today - timedelta(days=self.job.past_days)
        last = today + timedelta(days=self.job.future_days)
        if isinstance(record, Event):
            start = record.start if record.all_day else record.start.date()  # type: ignore[union-attr]
            end = record.end if record.all_day else record.end.date()  # type: ignore[union-attr]
            return end >= first and start <= last
        if isinstance(record, Task) and record.due is not None:
            return first <= record.due <= last
        return True

    def _plan_create(
        self, side: Side, item: RemoteRecord, tombstoned: bool, due_keys: set[tuple[Side, str]]
    ) -> None:
        target = side.other
        if tombstoned:
            # its partner was deleted on purpose earlier; don't bring it back
            self._skip(side, item.id, "deleted earlier on the other side (tombstone)", record=item.record)
            return
        if getattr(item.record, "private", False) and not self.job.include_private:
            self._skip(side, item.id, "private item (include_private is off)", record=item.record)
            return
        if not self._in_range(item.record):
            self._skip(side, item.id,
                       f"outside the date range ({self.job.past_days} days back, {self.job.future_days} ahead)",
                       record=item.record)
            return
        if not self.job.may("create", target):
            if (side, item.id) in due_keys:
                self.plan.clear_pending.append((side, item.id))
            return  # one-way or create prevented on that side: nothing to do, nothing to report per record
        pair_id = _new_id()
        settles = ((side, item.id),) if (side, item.id) in due_keys else ()
        self.plan.pairs.append(
            PairPlan(
                pair_id=pair_id,
                pim_id=item.id if side is Side.PIM else None,
                crm_id=item.id if side is Side.CRM else None,
                pim_version=item.version if side is Side.PIM else None,
                crm_version=item.version if side is Side.CRM else None,
                base=item.record,
                pim_body=None,
                settles=settles,
            )
        )
        self.plan.operations.append(
            Operation(
                op_id=_new_id()[:12], target=target, action=Action.CREATE, pair_id=pair_id, target_id=None,
                base_version=None, source_side=side, source_id=item.id, source_version=item.version,
                record=item.record, reason=f"new in {side.value.upper()}", link=item.id,
            )
        )

    # -- helpers -------------------------------------------------------------------------------------------
    def _item(self, side: Side, native_id: str) -> RemoteRecord | None:
        """The record this sync knows for ``native_id`` (changed, fetched or set aside as unchanged)."""
        return self.feeds.current[side].get(native_id) or self.feeds.echoes[side].get(native_id)

    @contextlib.contextmanager
    def _guard(self, side: Side, native_id: str) -> Iterator[None]:
        """One record that cannot be planned is reported and retried later; the others go on."""
        operations, pairs, conflicts = len(self.plan.operations), len(self.plan.pairs), len(self.plan.conflicts)
        try:
            yield
        except (SyncoreError, ValueError, TypeError, KeyError) as exc:
            del self.plan.operations[operations:], self.plan.pairs[pairs:], self.plan.conflicts[conflicts:]
            self._skip(side, native_id, f"could not be planned: {exc}", pending=PendingCategory.FAILED)

    def _pair_plan(
        self, pair: Pair, *, remove: bool = False, tombstones: tuple[tuple[Side, str], ...] = (),
        settles: tuple[tuple[Side, str], ...] = (),
    ) -> PairPlan:
        items = {side: self._item(side, pair.id_on(side)) for side in SIDES}
        return PairPlan(
            pair_id=pair.pair_id, pim_id=pair.pim_id, crm_id=pair.crm_id,
            pim_version=items[Side.PIM].version if items[Side.PIM] else pair.pim_version,
            crm_version=items[Side.CRM].version if items[Side.CRM] else pair.crm_version,
            base=pair.base, pim_body=pair.pim_body, remove=remove, tombstones=tombstones, settles=settles,
            conflicts=pair.conflicts, keep_pending_conflict=bool(pair.conflicts) and not remove,
        )

    def _add_op(
        self, pair: Pair, target: Side, action: Action, *, record: Record | None, fields: frozenset[str],
        source_side: Side | None, source_id: str | None, source_version: str | None, reason: str,
        changes: tuple[FieldChange, ...], base_version: str | None, target_id: str | None = "",
        link: str | None = None,
    ) -> None:
        self.plan.operations.append(
            Operation(
                op_id=_new_id()[:12], target=target, action=action, pair_id=pair.pair_id,
                target_id=pair.id_on(target) if target_id == "" else target_id, base_version=base_version,
                source_side=source_side, source_id=source_id, source_version=source_version, record=record,
                fields=fields, changes=changes, reason=reason, link=link,
            )
        )

    def _check_safety(
        self, feeds: dict[Side, ChangeSet], current: dict[Side, dict[str, RemoteRecord]], totals: dict[Side, int]
    ) -> None:
        plan = self.plan
        known = None
        for side in SIDES:
            deletes = plan.count(side, Action.DELETE)
            if feeds[side.other].complete and not current[side.other]:
                known = self.state.count_pairs(self.profile, self.kind) if known is None else known
                if known:
                    plan.safety.append(
                        f"the {side.other.value.upper()} side reports no {self.kind.value}s at all while "
                        f"{known} were synced before; refusing to mirror an emptied side"
                    )
            if deletes <= self.settings.min_delete_count:
                continue
            known = self.state.count_pairs(self.profile, self.kind) if known is None else known
            if deletes > self.settings.max_delete_ratio * max(known, 1):
                plan.safety.append(
                    f"would delete {deletes} of {known} {self.kind.value}s on the {side.value.upper()} side "
                    f"(more than max_delete_ratio {self.settings.max_delete_ratio:.0%})"
                )
        plan.totals = totals
