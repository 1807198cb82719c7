"""The memory adapter's store of one kind: its records and its change log (:class:`_Store`)."""

from __future__ import annotations

import bisect
from array import array
from datetime import datetime

import attrs

from ..models import Record


@attrs.define(weakref_slot=False)
class _Item:
    record: Record
    version: str
    link: str | None
    modified_at: datetime


@attrs.define
class _Store:
    """One kind's records and change log.

    Benchmarks hold 100k records per side in these, so the bookkeeping per record is kept small: the log is
    two flat arrays rather than a tuple and an int object per entry, and only a net-change side (the only
    reader) keeps each id's first sequence number.
    """

    items: dict[str, _Item] = attrs.field(factory=dict)
    # change log, in sequence order: entry k is (log_seqs[k], log_ids[k]); the latest state of an id is read
    # from ``items``
    log_seqs: array[int] = attrs.field(factory=lambda: array("q"))
    log_ids: list[str] = attrs.field(factory=list)
    #: the sequence number at which each id was first written (kept by a side whose feed reports net changes)
    created: dict[str, int] = attrs.field(factory=dict)
    #: the ids deleted so far
    gone: set[str] = attrs.field(factory=set)

    def append(self, seq: int, native_id: str) -> None:
        self.log_seqs.append(seq)
        self.log_ids.append(native_id)

    def touched_after(self, seq: int) -> list[str]:
        """The ids of the log's entries after sequence number ``seq``, in order (repeats included)."""
        return self.log_ids[bisect.bisect_right(self.log_seqs, seq):]

    def last_seq(self) -> int:
        return self.log_seqs[-1] if self.log_seqs else 0

    def remove(self, native_id: str, seq: int) -> None:
        del self.items[native_id]
        self.gone.add(native_id)
        self.append(seq, native_id)
