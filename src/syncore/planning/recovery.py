"""Recovery: the copies that creates interrupted by a crash, a lost reply or a lost lock left behind.

Every create is journaled before it is sent (with the source's id and a fingerprint of the record as the target
stores it), and its intent stays open until the outcome is stored. An open create intent therefore means "a
copy of that source may exist over there". It is found by link where the target stores links, otherwise by the
fingerprint among the target's unpaired records, and paired instead of being created a second time.

One lookup serves both kinds of create: a new record's (its intent names a pair that was never stored) and a
re-create's (an edit beat a deletion; its intent names the stored pair whose record was deleted). Updates are
recovered too (:func:`adopt_landed_updates`): the values an interrupted update wrote become the pair's base. So are
deletes (:func:`landed_deletes`): a pair whose record an interrupted delete of ours removed is forgotten, as
that delete's plan meant, never read as a user's deletion.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..abc import Adapter, StateStore
from ..errors import InvalidRecordError
from ..merge import BODY_FIELDS, without_fields
from ..models import SIDES, Kind, Record, Side
from ..occurrences import split_occurrence_id
from ..remote import RecurrenceSupport, RemoteRecord
from ..snapshots import fingerprint
from ..state_types import Action, Intent, Pair
from .copy_base import recovered_base
from .landing import landing

if TYPE_CHECKING:
    from .series_policy import SeriesPolicy

Fetch = Callable[[Side, Iterable[str]], dict[str, RemoteRecord]]


@attrs.frozen(kw_only=True)
class Recovered:
    """A copy of ``source`` that an interrupted create wrote on ``target``.

    :ivar source: the record it was copied from; None when that record is gone (deleted after the create was
        sent): the copy is then the last trace of a deleted record, and is deleted in turn, never copied back
    :ivar source_id: the source's native id (also when it is gone)
    :ivar pair_id: the stored pair whose deleted record the copy re-creates; None for a new record's copy
    :ivar base: the base the pair of a new record's copy is merged from (:func:`.copy_base.recovered_base`)
    :ivar two_way: the fields that merge compares side against side (both the copy and the source were edited)
    """

    target: Side
    source: RemoteRecord | None
    source_id: str
    copy: RemoteRecord
    pair_id: str | None
    base: Record = attrs.field(default=attrs.Factory(lambda self: self.copy.record, takes_self=True))
    two_way: frozenset[str] = frozenset()


def find_copies(
    *, kind: Kind, profile: str, intents: Iterable[Intent], adapters: Mapping[Side, Adapter], state: StateStore,
    current: Mapping[Side, Mapping[str, RemoteRecord]], unpaired: Mapping[Side, Mapping[str, RemoteRecord]],
    fetch: Fetch, gone: Callable[[Side, str], bool] = lambda side, native_id: False,
    held: Callable[[Side, str], bool] = lambda side, native_id: False, now: datetime | None = None,
) -> tuple[list[Recovered], dict[str, Pair], set[tuple[Side, str]], list[Intent]]:
    """The copies open create intents left, the stored pairs of the re-creates among them, the copies of
    ``held`` sources found (side, id), which the sync must leave alone, and the creates whose copy may still land.

    :param current: the records read this sync (sources are taken from here, or fetched)
    :param unpaired: the records no stored pair holds (where a copy is looked for by fingerprint)
    :param gone: sources that count as gone though they can be read (the occurrences of a series whose switch to
        occurrences this sync gives up: its rule copy holds them, see ``SeriesExpander.gone_occurrence``)
    :param held: sources whose copies are not recovered this sync (the occurrences of a series whose switch waits
        for review, or whose give-up waits, see ``SeriesExpander.held_occurrence``): their intents stay open until
        then. Their copies are found all the same and returned, to be taken out of the sync: without links, one
        the feed lists would otherwise be synced as a new record of its own (copied back as a single event)

    :param now: the sync's time: a create sent less than its target's ``Capabilities.writes_land_within`` before,
        whose copy is not found, is returned last (see :func:`landing`)

    A copy already in a stored pair needs nothing (the crash came after the pair was stored), and so does a
    source that another pair holds by now.
    """
    creates = open_creates(intents)
    found = copies_of(kind, creates, adapters, unpaired)
    aside = {(i.side, copy.id) for i, copy in found if held(i.side.other, i.source_id)}  # type: ignore[arg-type]
    if aside:
        found = [(i, copy) for i, copy in found if (i.side, copy.id) not in aside]
    waiting = landing([i for i in creates if not held(i.side.other, i.source_id)],  # type: ignore[arg-type]
                      {i.intent_id for i, _ in found}, adapters, now)
    if not found:
        return [], {}, aside, waiting
    stored = state.pairs_for(
        profile, kind,
        pim_ids=[i.source_id if i.side is Side.CRM else copy.id for i, copy in found],  # type: ignore[misc]
        crm_ids=[i.source_id if i.side is Side.PIM else copy.id for i, copy in found],  # type: ignore[misc]
    )
    holder = {(side, pair.id_on(side)): pair for pair in stored for side in SIDES}
    sources: dict[Side, dict[str, RemoteRecord]] = {side: dict(current[side]) for side in SIDES}
    for side in SIDES:
        missing = {i.source_id for i, _ in found if i.side is side.other and i.source_id not in sources[side]}
        if missing:
            sources[side].update(fetch(side, missing))  # type: ignore[arg-type]
    recovered: list[Recovered] = []
    recreated: dict[str, Pair] = {}
    taken: set[tuple[Side, str]] = set()
    for intent, copy in found:
        source_side = intent.side.other
        source = None if gone(source_side, intent.source_id) else sources[source_side].get(intent.source_id)  # type: ignore[arg-type]
        owner = holder.get((source_side, intent.source_id))  # type: ignore[arg-type]
        if ((intent.side, copy.id) in holder or (intent.side, copy.id) in taken
                or (owner is not None and owner.pair_id != intent.pair_id)):
            continue  # stored already, or claimed: nothing to recover
        target = adapters[intent.side]
        as_created = without_fields(target.represent(copy.record), target.capabilities.read_only_fields)
        if source is None and fingerprint(as_created) != intent.fingerprint:
            continue  # the source is gone but the copy was edited since: an edit beats a delete, it stays new
        taken.add((intent.side, copy.id))
        base, two_way = (copy.record, frozenset()) if owner is not None else \
            recovered_base(target, intent.fingerprint, source, copy)
        recovered.append(Recovered(target=intent.side, source=source, source_id=intent.source_id,  # type: ignore[arg-type]
                                   copy=copy, pair_id=owner.pair_id if owner is not None else None,
                                   base=base, two_way=two_way))
        if owner is not None:
            recreated[owner.pair_id] = owner
    return recovered, recreated, aside, waiting


@attrs.frozen(kw_only=True)
class LandedDelete:
    """A delete of ours whose outcome was never stored (a crash, a lost reply) and whose target is gone: it landed.

    :ivar pair: the stored pair that delete's plan meant to forget (the decide step forgets it, with the tombstones
        that plan would have stored)
    :ivar target: the side the delete removed its record from
    :ivar back: the record on the other side is read and back since the delete was planned (an occurrence the rule
        gives again, or a record edited since): it is decided as a new record, copied again, never tombstoned
    """

    pair: Pair
    target: Side
    back: bool


def landed_deletes(
    intents: Iterable[Intent], pairs: dict[str, Pair], current: Mapping[Side, Mapping[str, RemoteRecord]],
    echoes: Mapping[Side, Mapping[str, RemoteRecord | None]], deleted: Mapping[Side, Collection[str]],
    series: SeriesPolicy | None, edited: Callable[[Side, Record, Pair], frozenset[str]] | None,
) -> list[LandedDelete]:
    """Take out of ``pairs`` (changed in place) those whose record an interrupted delete of ours removed.

    Every delete is journaled before it is sent, and its intent stays open until its outcome is stored. An open
    delete intent, sent, whose target is gone means the delete landed: the pair is what its plan meant to forget.
    Left to the decide step, the pair would read as deleted there by a user, and the record on the other side
    would be deleted too, or, for an occurrence of a series the rule gives again since (the series shortened, the
    copies deleted, then lengthened back), cancelled in its series. Taken as forgotten, that record is decided as
    what it is now: gone, it stays so; back (an occurrence the rule gives again, a record edited since: an edit beats
    a delete), it is a new record and copied again; otherwise it stays where it is, tombstoned as the plan meant.

    A delete whose target is still there did not land, or was undone: the pair is decided as it is. One never sent
    (``Intent.sent`` False) cannot have landed: its target gone is a user's deletion.
    """
    deletes = sorted((i for i in intents if i.action is Action.DELETE and i.sent and i.target_id),
                     key=lambda i: (i.created_at, i.intent_id))
    if not deletes:
        return []  # (the usual case: no sync stopped among its deletes)
    rules = {side for side in SIDES if series is not None and series.holds[side] is RecurrenceSupport.RULES}
    changed = edited or (lambda side, record, pair: record.changed_fields(pair.base))
    landed: list[LandedDelete] = []
    for intent in deletes:
        target = intent.side
        pair = pairs.get(intent.pair_id or "")
        if pair is None or pair.id_on(target) != intent.target_id or intent.target_id not in deleted[target]:
            continue  # not looked at this sync, taken by the series step, or the target is there: not landed
        source = target.other
        source_id = pair.id_on(source)
        survivor = None if source_id in deleted[source] else \
            current[source].get(source_id) or echoes[source].get(source_id)
        back = survivor is not None and (
            (source in rules and split_occurrence_id(source_id) is not None)
            or ((survivor.version is None or survivor.version != pair.version_on(source))
                and bool(changed(source, survivor.record, pair))))
        del pairs[pair.pair_id]
        landed.append(LandedDelete(pair=pair, target=target, back=back))
    return landed


def tombstoned_after(landed: Iterable[LandedDelete], tombstoned: Mapping[Side, frozenset[str]],
                     unpaired: Mapping[Side, Mapping[str, RemoteRecord]]) -> dict[Side, frozenset[str]]:
    """``tombstoned`` (the unpaired ids deleted on purpose earlier) as the plans of ``landed`` deletes leave it: a
    record that is back is not (an earlier tombstone of an occurrence is lifted, as the plan lifts it); one still
    there but not back is (its tombstone is stored with the pair's forgetting)."""
    result = {side: set(tombstoned[side]) for side in SIDES}
    for found in landed:
        source = found.target.other
        source_id = found.pair.id_on(source)
        if source_id not in unpaired[source]:
            continue
        if found.back:
            result[source].discard(source_id)
        else:
            result[source].add(source_id)
    return {side: frozenset(ids) for side, ids in result.items()}


def unpaired_records(current: Mapping[Side, Mapping[str, RemoteRecord]], pairs: Mapping[str, Pair],
                     recovered: Iterable[Recovered] = ()) -> dict[Side, dict[str, RemoteRecord]]:
    """The records of ``current`` that neither ``pairs`` nor ``recovered`` copies (and their sources) hold."""
    # (a C-level attribute getter, not a method call per pair: an initial load looks at every pair)
    taken = {side: set(map(operator.attrgetter(f"{side.value}_id"), pairs.values())) for side in SIDES}
    for found in recovered:
        taken[found.target].add(found.copy.id)
        taken[found.target.other].add(found.source_id)
    return {side: {i: item for i, item in current[side].items() if i not in taken[side]} for side in SIDES}


def open_creates(intents: Iterable[Intent]) -> list[Intent]:
    """The creates among ``intents`` that name their source, in the order their copies are looked for."""
    return sorted((i for i in intents if i.action is Action.CREATE and i.source_id),
                  key=lambda i: (i.source_id or "", i.intent_id))


def copies_of(kind: Kind, creates: list[Intent], adapters: Mapping[Side, Adapter],
              unpaired: Mapping[Side, Mapping[str, RemoteRecord]]) -> list[tuple[Intent, RemoteRecord]]:
    """The copies ``creates`` (:func:`open_creates`) wrote, found by link where the target stores links, otherwise
    by fingerprint among the target's ``unpaired`` records."""
    found: list[tuple[Intent, RemoteRecord]] = []
    for target in SIDES:
        mine = [i for i in creates if i.side is target]
        if not mine:
            continue
        adapter = adapters[target]
        if adapter.capabilities.link_ids:
            by_link = adapter.find_by_link(kind, [i.source_id for i in mine])  # type: ignore[misc]
            found += [(i, by_link[i.source_id]) for i in mine if i.source_id in by_link]  # type: ignore[index]
        else:
            found += _by_fingerprint(mine, unpaired[target], lambda record, adapter=adapter: without_fields(
                adapter.represent(record), adapter.capabilities.read_only_fields))
    return found


def _by_fingerprint(intents: list[Intent], records: Mapping[str, RemoteRecord],
                    represent: Callable[[Record], Record]) -> list[tuple[Intent, RemoteRecord]]:
    """Without links, the copy is recognised by content: it equals what was journaled.

    The fingerprint is of the record as written, so the copy is found even when its source was edited since (the
    edit then travels as an ordinary change). A copy edited since is not recognised and is synced as a record of
    its own (the documented exception). Identical copies of identical sources may pair either way round; they
    hold the same data, so nothing is lost or created twice.
    """
    by_print: dict[str, list[RemoteRecord]] = {}
    for item in sorted(records.values(), key=lambda item: item.id):
        # as the target stores it, like the journaled print: a field it reports but does not hold (attendees a
        # CRM reads from its relations) is no difference
        by_print.setdefault(fingerprint(represent(item.record)), []).append(item)
    found = []
    for intent in intents:
        candidates = by_print.get(intent.fingerprint or "")
        if candidates:
            found.append((intent, candidates.pop(0)))
    return found


def adopt_landed_updates(
    pairs: dict[str, Pair], intents: Iterable[Intent], item: Callable[[Side, str], RemoteRecord | None],
    represent: Mapping[Side, Callable[[Record], Record]],
    write_only: Mapping[Side, frozenset[str]] | None = None,
) -> set[tuple[Side, str]]:
    """Take into each pair's base the fields an interrupted update of ours wrote, where they landed; returns the
    records they landed on and hold our values only (whose modification time is then our write's, not a user's).

    An update journaled and sent but never recorded may have been made. What its target holds now decides:

    ======================================  =====================================================================
    the target's version has not moved      the write did not land: the pair stays as it was (an ordinary merge)
    it holds every value the write wrote    they are ours, not a user's: from now on they are the pair's base, so
                                            they are neither copied back as an edit nor let a deletion on the
                                            other side lose
    it holds some of them (where they       the write landed, and the user changed the others since: all become
    differ from the base), not the others   the base, so those changes read as the user's edits and travel
    it holds none of them, and the old      unknown: the write did not land (and the record was edited
    value where it wrote one                otherwise), or it landed and the user put the old value back. Those
                                            fields are compared side against side, as under an open conflict
                                            (``Pair.conflicts``): different values are a conflict for the policy
                                            or the review, never one silently written over the other
    anything else                           edited since: an ordinary merge
    ======================================  =====================================================================

    An intent journaled ahead of its batch and never sent (``Intent.sent`` False) cannot have landed: skipped. A
    write-only field of the target (Salesforce's attendees, acted on as relations) cannot be seen to have landed:
    it is never adopted, so the merge writes it again (the side's write is idempotent).
    """
    landed: set[tuple[Side, str]] = set()
    updates = sorted((i for i in intents if i.action is Action.UPDATE and i.written is not None and i.fields),
                     key=lambda i: (i.created_at, i.intent_id))
    by_pair: dict[str, list[Intent]] = {}
    for intent in updates:
        by_pair.setdefault(intent.pair_id or "", []).append(intent)

    def holds(intent: Intent, pair: Pair, fields: frozenset[str]) -> RemoteRecord | None:
        """The target of ``intent`` when it holds the values the intent wrote to ``fields`` (None: it does not)."""
        target = intent.side
        current = item(target, pair.id_on(target))
        if not intent.sent or current is None or current.version == pair.version_on(target):
            return None  # never sent, gone, or unchanged since the pair was stored: the write did not land
        as_target = represent[target](intent.written)  # type: ignore[arg-type]
        if not fields or any(getattr(current.record, f) != getattr(as_target, f) for f in fields):
            return None  # not what we wrote: not landed, or edited since
        return current

    for intent in updates:
        pair = pairs.get(intent.pair_id or "")
        if pair is None or not intent.sent:
            continue
        target = intent.side
        fields = intent.fields - (write_only or {}).get(target, frozenset())
        # A field the same merge wrote to both sides (a series' recurrence, with a change from each) that landed
        # on this side only: taken as the base, the other side's old value would read as that side's edit and undo
        # the half that landed. Left out, the merge from the old base redoes the other half.
        halves = frozenset().union(*(
            other.fields & fields for other in by_pair[intent.pair_id or ""]
            if other.side is not target and other.fields & fields
            and holds(other, pair, other.fields & fields - (write_only or {}).get(other.side, frozenset())) is None))
        fields -= halves
        current = item(target, pair.id_on(target))
        if not fields or current is None or current.version == pair.version_on(target):
            continue  # gone, or unchanged since the pair was stored: the write did not land
        wrote = represent[target](intent.written)  # type: ignore[arg-type]
        before = _unchanged(pair, target, represent[target])
        holding = {f for f in fields if getattr(current.record, f) == getattr(wrote, f)}
        if holding != fields and not any(getattr(wrote, f) != getattr(before, f) for f in holding):
            # nothing shows the write landed: where the target holds the old value, it cannot be told whether the
            # user put it back; compared side against side, never taken as unchanged
            unsure = frozenset(f for f in fields - holding if getattr(current.record, f) == getattr(before, f))
            if unsure:
                pairs[pair.pair_id] = attrs.evolve(pair, conflicts=pair.conflicts | unsure)
            continue
        try:
            base = pair.base.replace(**{f: getattr(intent.written, f) for f in fields})
        except InvalidRecordError:
            continue  # the written fields don't fit the stored base: leave it to the merge
        kept_body = None if target is Side.PIM and fields & BODY_FIELDS else pair.pim_body
        pairs[pair.pair_id] = attrs.evolve(pair, base=base, pim_body=kept_body)
        if holding == fields:
            landed.add((target, current.id))
    return landed


def _unchanged(pair: Pair, side: Side, represent: Callable[[Record], Record]) -> Record:
    """The pair's record as ``side`` holds it unchanged since the pair was stored (the PIM: with its kept body)."""
    as_side = represent(pair.base)
    if side is Side.PIM and pair.pim_body is not None:
        as_side = as_side.replace(**{f: pair.pim_body for f in BODY_FIELDS if f in as_side.field_names()})
    return as_side
