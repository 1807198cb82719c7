"""The small typed decisions the decide step yields, one or a few per record; the emit step turns them into a plan.

Each names what happens to one pair or one unpaired record and carries what the plan must show and store.
"""

from __future__ import annotations

import attrs

from ..merge import MergeInput, MergeResult
from ..models import Record, Side
from ..recurrence import Key
from ..remote import RemoteRecord
from ..state_types import Pair, PendingCategory

#: (side, native id) pairs
Keys = tuple[tuple[Side, str], ...]


@attrs.frozen(kw_only=True)
class Skip:
    """Leave a record alone this sync, and say why (``pending``: look at it again next time)."""

    side: Side
    native_id: str
    reason: str
    pending: PendingCategory | None = None
    record: Record | None = None
    #: how the report names it when there is no ``record`` (a side's item it could not map)
    label: str = ""


@attrs.frozen(kw_only=True)
class Settle:
    """A record due for a retry needs nothing any more (it is gone): clear its pending item."""

    side: Side
    native_id: str


@attrs.frozen(kw_only=True)
class Forget:
    """Drop a pair without writing: both records are gone, or a deletion may not be carried over.

    :ivar tombstones: ids that must never come back as new records (deleted, or left behind on purpose)
    :ivar lifted: ids whose earlier tombstones no longer hold (an occurrence that may come back)
    """

    pair: Pair
    tombstones: Keys
    settles: Keys = ()
    lifted: Keys = ()


@attrs.frozen(kw_only=True)
class Delete:
    """Delete the pair's record on ``target``: its partner was deleted and it was not edited since.

    :ivar also_gone: more ids to tombstone with the pair's two (a re-created pair's earlier records)
    :ivar after: a series id: made last, once that series' writes succeeded (an occurrence copy whose edit was
        carried over to its series, :mod:`.series_fold`)
    """

    pair: Pair
    target: Side
    settles: Keys = ()
    also_gone: Keys = ()
    after: str | None = None


@attrs.frozen(kw_only=True)
class Update:
    """A pair merged field by field: write ``result.to_pim``/``to_crm`` (maybe nothing), store the new base.

    :ivar items: the records as read this sync (None: unchanged since the pair's versions)
    :ivar merge_input: what the merge was run on; kept in the plan while a conflict waits for review, so a
        resolution re-runs the same merge on apply
    :ivar found: the pair was found this sync (matched, linked or recovered): it is stored even if its writes
        fail, so the pairing is never lost
    :ivar tombstones: ids to tombstone once the pair is stored (a re-created record's deleted predecessor)
    """

    pair: Pair
    items: dict[Side, RemoteRecord | None]
    result: MergeResult
    merge_input: MergeInput
    settles: Keys = ()
    found: bool = False
    tombstones: Keys = ()


@attrs.frozen(kw_only=True)
class Keep:
    """A pair with nothing new on either side, looked at to settle a retry: stored again as it is."""

    pair: Pair
    items: dict[Side, RemoteRecord | None]
    settles: Keys


@attrs.frozen(kw_only=True)
class Create:
    """Copy an unpaired record to the other side, as a new pair."""

    source: Side
    item: RemoteRecord
    settles: Keys = ()


@attrs.frozen(kw_only=True)
class Recreate:
    """Copy a pair's survivor back to the side that deleted it: it was edited after the deletion (edit wins)."""

    pair: Pair
    survivor: RemoteRecord
    deleted_side: Side
    settles: Keys = ()


@attrs.frozen(kw_only=True)
class KeepSeries:
    """Store the pair of a series whose occurrences the other side holds: the series as read (its version, so an
    unchanged series is not expanded again; its record, to know which occurrences enter the window later)."""

    side: Side
    item: RemoteRecord
    pair_id: str


@attrs.frozen(kw_only=True)
class SwitchSeries:
    """Switch a series the other side holds as a rule (``pair``) to its occurrences: ``pair`` becomes the series
    pair (as :class:`KeepSeries` stores it) once the rule copy is deleted there, after every occurrence of the
    series this sync writes (the occurrences are decided on their own). ``copy_gone``: nothing left to delete."""

    side: Side
    item: RemoteRecord
    pair: Pair
    copy_gone: bool
    reason: str
    settles: Keys = ()
    #: the merge of the series' edit with its rule copy's (``item`` holds its result): the copy's edit is written
    #: back to the series first
    merged: MergeResult | None = None
    #: the rule copy as read (None: unchanged since ``pair`` was stored)
    copy: RemoteRecord | None = None
    #: what ``merged`` was merged from (its conflicts the policy decided are listed with both values)
    merge_input: MergeInput | None = None
    #: the rule copy is cut before this original start (its earlier occurrences stay, as history) instead of
    #: deleted (see :attr:`~syncore.planning.series.SeriesRead.cut_before`)
    cut_before: Key | None = None


@attrs.frozen(kw_only=True)
class ReviewSwitch:
    """A switch of a series (``item``, on ``side``) held back by conflicts between its edit and its rule copy's
    (``pair``) that the policy leaves for review: they are listed, nothing is written, and a resolution at review
    is kept in the pair's base (see :meth:`~syncore.planning.emit.PlanWriter.apply_resolutions`), so the next sync
    switches the series with the values picked."""

    side: Side
    item: RemoteRecord
    pair: Pair
    result: MergeResult
    merge_input: MergeInput
    reason: str


@attrs.frozen(kw_only=True)
class HeldUpdate:
    """A pair's update held back (``held``: a series or rule a side cannot hold, reported and retried): nothing is
    written, its conflicts are listed with both values, and a resolution at review is kept in the pair's base, as
    for a :class:`ReviewSwitch`, so the sync that can write the update writes the values picked. A stored pair is
    held only when its merge leaves conflicts for review (otherwise ``held`` alone says it all); a pair ``found``
    this sync (recovered, linked, matched) always, so its pairing is kept."""

    pair: Pair
    result: MergeResult
    merge_input: MergeInput
    held: Skip
    found: bool = False


@attrs.frozen(kw_only=True)
class ForgetSeries:
    """Drop the pair of an expanded series that is gone or no longer a series (its occurrences go on their own)."""

    pair: Pair


@attrs.frozen(kw_only=True)
class Unheld:
    """Fields of a pair's change that ``side`` cannot hold and that are not written there, and why."""

    side: Side
    native_id: str
    fields: frozenset[str]
    reason: str
    record: Record | None = None


Decision = (Skip | Settle | Forget | Delete | Keep | Update | Create | Recreate | KeepSeries | SwitchSeries | ForgetSeries
            | Unheld | ReviewSwitch | HeldUpdate)
