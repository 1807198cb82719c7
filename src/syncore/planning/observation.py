"""What one sync of one kind knows before it decides anything (:class:`Observation`, built by
:class:`~syncore.planning.observe.Observer`), and what its series step found per series (:class:`SeriesRead`,
built by :class:`~syncore.planning.series.SeriesExpander`; here, not in :mod:`.series`, because its switching
mixin in :mod:`.series_switch`, which :mod:`.series` imports, builds it too)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..merge import MergeInput, MergeResult
from ..models import Kind, Record, Side
from ..recurrence import Key
from ..remote import RemoteRecord
from ..state_types import Pair
from .decisions import Skip
from .recovery import LandedDelete, Recovered

#: ids per side, as the observe step collects them (its series step changes them in place)
Ids = dict[Side, set[str]]


@attrs.frozen(kw_only=True)
class SeriesRead:
    """An expanded series this sync looked at: read (``item``), or gone or no longer a series (``item`` None).

    :ivar pair: its series pair, None for a series expanded for the first time
    :ivar rule_pair: for a series *switched* this sync (see :meth:`SeriesExpander.switching`): its pair with the
        rule copy the other side holds, which becomes its series pair once that copy is deleted
    :ivar rule_copy_gone: the rule copy is gone already (a deletion of ours landed, or the user deleted it)
    :ivar merged: for a series switched while its rule copy was edited too: the merge of the two edits (``item``
        holds the merged series, which is expanded and written back to the series' side)
    :ivar rule_copy: the rule copy as this sync read it (None: unchanged since its pair was stored)
    :ivar merge_input: what ``merged`` was merged from (the series and its rule copy as read)
    :ivar awaits_review: not switched this sync: the two edits conflict and the conflict policy picked no winner;
        ``merged`` lists the conflicts, which wait for review (``item`` is the series as read, not expanded)
    :ivar waits_to_give_up: not given up this sync: a switch of the series that stopped part-way would be given up
        (the series fits the other side again, or is gone), but that side is read-only, so the copies the switch
        made there could not be deleted; the series, its rule copy and pair, and ``held`` wait with it, reported
        (``item``: the series as read, None when it is gone or no longer a series)
    :ivar waits_to_land: not synced this sync, and how it is reported: a create of the series, or of one of its
        occurrences, may still land (:mod:`.series_landing`); the series, its pairs (``pair``, ``rule_pair``) and
        ``held`` wait, nothing is written for it (``item``: the series as read, None when it was not read or is no
        longer a series)
    :ivar held: for a switch that awaits review, or whose give-up waits (``waits_to_give_up``): what an earlier,
        interrupted switch of the same series left (its occurrence pairs' records on both sides, the retries of its
        refused creates, copies whose link names one of its occurrences), taken out of the sync with the series:
        nothing is written for the series until the review is resolved (or the other side can be written), and the
        retries stay due
    """

    side: Side
    series_id: str
    item: RemoteRecord | None
    pair: Pair | None
    rule_pair: Pair | None = None
    rule_copy_gone: bool = False
    merged: MergeResult | None = None
    rule_copy: RemoteRecord | None = None
    merge_input: MergeInput | None = None
    awaits_review: bool = False
    waits_to_give_up: bool = False
    waits_to_land: str | None = None
    held: frozenset[tuple[Side, str]] = frozenset()
    #: for a series switched while its rule copy has occurrences before the window, on a side that cuts series:
    #: the copy is cut there (its earlier occurrences kept, as history) instead of deleted
    cut_before: Key | None = None


@attrs.frozen(kw_only=True)
class Observation:
    """What this sync read, for the decide step (nothing in it changes once built).

    :ivar current: records read this sync (changed, fetched, link targets), per side and id
    :ivar echoes: feed records whose version is the stored one (our own writes echoed back); None for one the
        feed listed without reading it
    :ivar deleted: ids the feeds reported deleted, or that a full scan and a fetch confirmed gone
    :ivar forced: ids looked at whatever their version says (due retries, and both records of their pairs)
    :ivar pairs: the stored pairs this sync looks at
    :ivar recovered: copies interrupted creates left behind
    :ivar landed_deletes: pairs whose record an interrupted delete of ours removed (taken out of ``pairs``), to
        forget as that delete's plan meant
    :ivar unpaired: records no pair holds (recovered sources and copies excluded)
    :ivar tombstoned: unpaired ids deleted on purpose earlier (never copied back)
    :ivar skips: records left alone while reading (unsupported, ignored, malformed links)
    :ivar unconfirmed: our creates on a net-change side that this sync accounted for (the feed showed them,
        or a lookup did)
    :ivar series: the series expanded into their occurrences this sync (their occurrences are in ``current``)
    :ivar zones: the zone of each series whose occurrences this sync looks at, by series id (messages name an
        occurrence by its series' subject and its start on that zone's wall clock)
    """

    kind: Kind
    current: Mapping[Side, Mapping[str, RemoteRecord]]
    echoes: Mapping[Side, Mapping[str, RemoteRecord | None]]
    deleted: Mapping[Side, frozenset[str]]
    forced: Mapping[Side, frozenset[str]]
    due: frozenset[tuple[Side, str]]
    pairs: tuple[Pair, ...]
    recovered: tuple[Recovered, ...]
    unpaired: Mapping[Side, Mapping[str, RemoteRecord]]
    tombstoned: Mapping[Side, frozenset[str]]
    skips: tuple[Skip, ...]
    cursors: Mapping[Side, str | None]
    complete: Mapping[Side, bool]
    totals: Mapping[Side, int]
    warnings: tuple[str, ...]
    open_intents: tuple[str, ...]
    unconfirmed: Mapping[Side, frozenset[str]]
    series: tuple[SeriesRead, ...] = ()
    landed_deletes: tuple[LandedDelete, ...] = ()
    zones: Mapping[str, str] = attrs.field(factory=dict)
    #: occurrence copies of a given-up switch whose edit was carried over to their series (series_fold): pair id
    #: -> series id (the copy is deleted after the series' update); and the rule pairs whose rule copy holds those
    #: edits here: pair id -> (the copy's side, the copy as read)
    folded: Mapping[str, str] = attrs.field(factory=dict)
    unfolded: Mapping[str, tuple[Side, Record]] = attrs.field(factory=dict)

    def item(self, side: Side, native_id: str) -> RemoteRecord | None:
        """The record this sync knows for ``native_id`` (changed, fetched or set aside as unchanged)."""
        return self.current[side].get(native_id) or self.echoes[side].get(native_id)
