"""What the series state machine (test_state_machine_series.py) knows of occurrence copies that the base machine's
bookkeeping cannot: unlike the records users create (``SyncMachine.unique`` makes each one different), the
occurrences of one series are not unique, in content nor in name.

* Content: an override that moves one occurrence onto another's times (an all-day series of three-day events, its
  second occurrence moved a day back) makes two occurrences that hold the same data. Without links, a copy whose
  create's reply was lost is recognised by content only, so it may be paired with either of them (documented,
  ``syncore.planning.recovery._by_fingerprint``: "identical copies of identical sources may pair either way round;
  they hold the same data, so nothing is lost or created twice"). The machine's origin of such a copy (the link its
  create asked for, which a side without links never stores) is then the occurrence it is *paired* with.
* Name: an occurrence is named by its series and original start, so its name can come back (docs/recurrence.md,
  "Occurrences on a side that holds occurrences only"): a series shortened past an occurrence and lengthened again
  before a sync gives a new occurrence under the old name, still paired with the old copy. An edit of that copy
  that had reached its occurrence before the user's change dropped it is replaced by that change, as an edit of a
  deleted record's partner is (the base machine's ``partner_deleted``).
"""

from __future__ import annotations

from test_state_machine import PausingAdapter

from syncore import Kind, Side
from syncore.occurrences import SEPARATOR, split_occurrence_id


class RecordingAdapter(PausingAdapter):
    """A memory side that remembers what each create asked for: per link, the records sent (as this side stores
    them, landed or not), and per created id, the record as it was created."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sent: dict[str, list[object]] = {}
        self.created_as: dict[str, object] = {}

    def create(self, kind, requests):
        for request in requests:
            if request.link is not None:
                self.sent.setdefault(request.link, []).append(self.represent(request.record))
        before = set(self.created_from)
        try:
            return super().create(kind, requests)
        finally:
            records = self.records(kind)
            self.created_as.update({i: records[i] for i in set(self.created_from) - before if i in records})

    def land_deferred(self, until=None):
        """The deferred calls land: their creates are remembered as made inside their call are."""
        before = set(self.created_from)
        try:
            return super().land_deferred(until)
        finally:
            for kind in Kind:
                records = self.records(kind)
                self.created_as.update({i: records[i] for i in set(self.created_from) - before if i in records})


class OccurrenceCopies:
    """A mixin of the series machine (its setup makes ``pim`` and ``crm`` :class:`RecordingAdapter` s)."""

    def origin(self, side: Side, native_id: str) -> str:
        """The base machine's origin, except for an occurrence copy paired with another occurrence of its series
        that a create with the very same content was sent for (on a side without links): its origin is that one."""
        adapter = self.sides[side]
        link = adapter.created_from.get(native_id)
        if adapter.capabilities.link_ids or not link or SEPARATOR not in link:
            return super().origin(side, native_id)
        pairs = self.state.pairs_for(self.settings.profile, Kind.EVENT, **{f"{side.value}_ids": [native_id]})
        partner = pairs[0].id_on(side.other) if pairs else None
        splits = [split_occurrence_id(i) for i in (link, partner) if i is not None and SEPARATOR in i]
        if partner == link or len(splits) != 2 or None in splits or splits[0][0] != splits[1][0]:
            return super().origin(side, native_id)
        created = adapter.created_as.get(native_id)
        if created is None or created not in adapter.sent.get(partner, []):
            return super().origin(side, native_id)
        return super().origin(side.other, partner)

    def replaced_occurrence_edits(self, edits: list) -> list:
        """The edits of copies whose occurrence its series dropped after the edit had reached it (and gave again
        since, under the same name: the pair stayed)."""
        replaced = []
        for edit in edits:
            seq, side, _, native_id, field, _ = edit
            synced = self.synced_edits.get((seq, side, native_id, field))
            if synced is None or SEPARATOR not in synced[1][1]:
                continue
            if self.deleted.get(synced[1], -1) > synced[0]:
                replaced.append(edit)
        return replaced
