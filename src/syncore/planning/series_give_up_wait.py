"""A switch given up while the other side is read-only waits (:class:`GiveUpWaiting`).

A switch to occurrences that stopped part-way is given up when its series fits the other side again, or is gone
(:meth:`.series.SeriesExpander._switch_abandoned`): the occurrence copies it made there are deleted, the rule copy
holds those occurrences. While that side is read-only (``Capabilities.read_only``) none of those deletions is
allowed: given up all the same, the copies' pairs would be forgotten and the copies left there next to the rule
copy, the same meetings twice, until the user deleted them by hand. So the give-up *waits*: the series, its rule
copy and their pair, the copies and their pairs, the retries of the refused creates and the copies an unanswered
create may have written are all taken out of the sync, nothing is written for the series on either side, and the
series is reported (by subject) and looked at again at every sync (a retry). The first sync that may write there
gives the switch up as ever: unedited copies deleted, edited ones carried over to the series as overrides
(:mod:`.series_fold`), the series' pair merged with whatever changed on either side meanwhile (the due retry reads
both records, so edits the change feeds listed during the wait are not missed). docs/recurrence.md, "A switch given
up while the other side is read-only", tells the whole story.

:class:`GiveUpWaiting` is a mixin of :class:`~.series.SeriesExpander`, which sets the attributes and provides the
methods declared below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..models import Side
from ..occurrences import series_of
from ..remote import RemoteRecord
from ..state_types import Pair
from .observation import Ids, SeriesRead
from .series_policy import is_series
from .series_switch import SeriesStepParts


class GiveUpWaiting(SeriesStepParts):
    """The series step's waiting give-ups (see the module docstring)."""

    # set by SeriesExpander.__init__ (see there)
    held: set[tuple[Side, str]]
    creating: frozenset[tuple[Side, str]]

    if TYPE_CHECKING:
        def _known(self, side: Side, series_id: str) -> dict[str, Pair]: ...

        def _held_with_the_series(self, side: Side, series_id: str, current: dict[Side, dict[str, RemoteRecord]],
                                  deleted: Ids, pairs: dict[str, Pair],
                                  due: frozenset[tuple[Side, str]]) -> frozenset[tuple[Side, str]]: ...

    def _give_up_waits(self, side: Side, series_id: str,
                       current: Mapping[Side, Mapping[str, RemoteRecord]]) -> bool:
        """Whether the give-up of the switch of ``series_id`` (held as a rule by the other side) waits this sync.
        Top-down:"""
        other = side.other
        if not self.policy.read_only[other]:
            # the other side may be written: given up now. (Also when the job alone leaves its deletions out: a
            # standing choice, not a state that ends; the copies stay there, reported as any deletion not
            # propagated, and the series syncs as a rule, as before)
            return False
        if self._known(side, series_id):
            # copies the switch made there are paired: their deletion is not allowed now, and forgotten they would
            # stay next to the rule copy (one state lookup, only in a sync where the other side is read-only)
            return True
        if any(source is side and series_of(native_id) == series_id for source, native_id in self.creating):
            # a create of one of its occurrences whose reply was lost may have written a copy there (recovered, and
            # deleted, by the sync that gives the switch up: never paired next to the rule copy)
            return True
        # an unpaired copy there whose link names one of its occurrences (an unanswered create the feed lists);
        # otherwise nothing of a switch is on the other side (none started, or only refused creates, whose retries
        # are settled without a write): an ordinary edit of a series held as a rule, synced as any
        return any(series_of(item.link) == series_id for item in current[other].values())

    def _wait_to_give_up(self, side: Side, series_id: str, rule_pair: Pair,
                         current: dict[Side, dict[str, RemoteRecord]], deleted: Ids, pairs: dict[str, Pair],
                         due: frozenset[tuple[Side, str]]) -> SeriesRead:
        """Take the series of ``rule_pair``, its rule copy and their pair out of this sync, with what its switch left
        (:meth:`_held_with_the_series`): nothing is written for them, the retries stay due, the open creates of its
        occurrences stay open (:meth:`held_occurrence`). The pair is not stored, so the sync that gives the switch
        up still sees the series changed since, and merges it with its rule copy as today."""
        other = side.other
        copy_id = rule_pair.id_on(other)
        item = current[side].pop(series_id, None)
        deleted[side].discard(series_id)
        copy = current[other].pop(copy_id, None)
        deleted[other].discard(copy_id)
        pairs.pop(rule_pair.pair_id, None)
        self.held.add((side, series_id))
        held = self._held_with_the_series(side, series_id, current, deleted, pairs, due)
        return SeriesRead(side=side, series_id=series_id, pair=None, rule_pair=rule_pair, rule_copy=copy,
                          item=item if item is not None and is_series(item.record) else None,
                          waits_to_give_up=True, held=held)
