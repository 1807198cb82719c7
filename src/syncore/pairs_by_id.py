"""A plan's pair plans found by pair id, without a dict of them (issue 18, T6).

The executor looks up the pair plan of each operation it settles. A dict of an initial load's 100k pair plans
is a 3.7 MB table (more while it grows), built at the start of the apply and held to its end, where the apply's
memory peaks (the writes' new records all made by then). :class:`PairsById` keeps a list of the ids in order
(0.8 MB) and searches it by bisection, starting with the entry after the last one found: the executor settles
an initial load's creates in the order the planner wrote them, one per pair, so the first guess is right and
the lookup costs what a dict's does. Pair ids are unique in a plan.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import pairwise
from operator import attrgetter

from .plan import PairPlan


class PairsById:
    """Look up pair plans by id (the planner's list itself when it is in id order, as an initial load's is)."""

    def __init__(self, pairs: list[PairPlan]) -> None:
        ids = [pair.pair_id for pair in pairs]
        if any(before >= after for before, after in pairwise(ids)):
            pairs = sorted(pairs, key=attrgetter("pair_id"))
            ids = [pair.pair_id for pair in pairs]
        self._pairs = pairs
        self._ids = ids
        #: where the next lookup looks first: after the last pair found
        self._next = 0

    def get(self, pair_id: str) -> PairPlan | None:
        """The pair plan with ``pair_id``; None when the plan has none."""
        ids, index = self._ids, self._next
        if index >= len(ids) or ids[index] != pair_id:
            index = bisect_left(ids, pair_id)
            if index >= len(ids) or ids[index] != pair_id:
                return None
        self._next = index + 1
        return self._pairs[index]
