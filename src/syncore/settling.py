"""The state writes that settle an apply's outcomes, queued and made by the apply's next transaction.

The executor (:mod:`syncore.executor`) settles each batch's outcomes as they come back: pairs to store or
forget, tombstones, pending items, the batch's intents marked done. Those writes wait here and are made by the
next transaction the apply opens, which is the durable one journaling the next batch, or the last one storing
the cursors. So a batch's outcomes and the next batch's intents are one commit instead of two.

Why that is as safe as a commit of their own: nothing reaches a remote side between a batch's answer and the
next transaction (the next remote write is sent only after its journal commits, and that commit carries these
writes), so whenever a write goes out, every earlier outcome is committed, as before. A crash before that
commit loses the outcomes of one batch together with the next batch's intents, which is exactly a crash
between the answer and its own storing commit: the batch's intents are still open, and the next sync recognises
what was written (by version, link or journaled fingerprint). A commit that carries the journal is durable
(:meth:`~syncore.abc.StateStore.durable_transaction`), so the outcomes stored with it are too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from .abc import StateStore
from .models import SIDES, Kind, Side
from .state_types import Pair, PendingItem


class QueuedWrites:
    """One apply's state writes, in the order they were asked for, until :meth:`flush` makes them."""

    def __init__(self, state: StateStore, profile: str, kind: Kind, now: Callable[[], datetime]) -> None:
        self.state = state
        self.profile = profile
        self.kind = kind
        self.now = now
        #: single writes (pairs forgotten or kept after a failure, pending items, intents done), in order
        self._calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        #: pairs to store, and the tombstones set and lifted with them (one statement per side for each)
        self._pairs: list[Pair] = []
        self._tombstones: list[tuple[Side, str]] = []
        self._lifted: list[tuple[Side, str]] = []
        #: ids stored in pairs on net-change sides, remembered as unconfirmed (see Executor._unconfirmed)
        self._unseen: list[tuple[Side, str]] = []
        #: pending items this apply wrote (None: removed), over those the state held before it (read when first
        #: needed)
        self._pending: dict[tuple[Side, str], PendingItem | None] = {}
        self._stored_pending: dict[tuple[Side, str], PendingItem] | None = None

    # -- asking for writes -----------------------------------------------------------------------------------
    def save_pair(self, pair: Pair) -> None:
        """Store ``pair`` with the others of this queue (one statement)."""
        self._pairs.append(pair)

    def save_pair_now(self, pair: Pair) -> None:
        """Store ``pair`` in its place among the single writes (a pair kept after a failed write)."""
        self._calls.append((self.state.save_pair, (pair,)))

    def delete_pair(self, pair_id: str) -> None:
        self._calls.append((self.state.delete_pair, (self.profile, self.kind, pair_id)))

    def tombstone(self, ids: Iterable[tuple[Side, str]], lifted: Iterable[tuple[Side, str]]) -> None:
        self._tombstones.extend(ids)
        self._lifted.extend(lifted)

    def unconfirmed(self, side: Side, native_id: str) -> None:
        self._unseen.append((side, native_id))

    def complete_intents(self, intent_ids: Iterable[str]) -> None:
        self._calls.append((self.state.complete_intents, (list(intent_ids),)))

    def pending_item(self, side: Side, native_id: str) -> PendingItem | None:
        """The pending item of a record as it stands with this apply's queued writes."""
        key = (side, native_id)
        if key in self._pending:
            return self._pending[key]
        if self._stored_pending is None:  # (read once, when first asked: most applies never ask)
            self._stored_pending = {(item.side, item.native_id): item
                                    for item in self.state.pending(self.profile, self.kind)}
        return self._stored_pending.get(key)

    def put_pending(self, item: PendingItem) -> None:
        self._pending[(item.side, item.native_id)] = item
        self._calls.append((self.state.put_pending, (item,)))

    def remove_pending(self, side: Side, native_id: str) -> None:
        self._pending[(side, native_id)] = None
        self._calls.append((self.state.remove_pending, (self.profile, self.kind, side, [native_id])))

    # -- making them -----------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Make every queued write. Called inside a transaction of the state store (it commits them)."""
        try:
            for write, args in self._calls:
                write(*args)
            if self._pairs:
                self.state.save_pairs(self._pairs)
            for side in SIDES if self._lifted else ():
                lifted = [native_id for s, native_id in self._lifted if s is side]
                if lifted:
                    self.state.remove_tombstones(self.profile, self.kind, side, lifted)
            if self._tombstones:
                now = self.now()
                for side in SIDES:
                    ids = [native_id for s, native_id in self._tombstones if s is side]
                    if ids:
                        self.state.add_tombstones(self.profile, self.kind, side, ids, now)
            for side in SIDES if self._unseen else ():
                ids = [native_id for s, native_id in self._unseen if s is side]
                if ids:
                    self.state.add_unconfirmed(self.profile, self.kind, side, ids)
        finally:
            # (made or rolled back with their transaction: either way not made again)
            self._calls, self._pairs, self._tombstones, self._lifted, self._unseen = [], [], [], [], []
