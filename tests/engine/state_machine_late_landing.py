"""Writes that land late, for the state machines (:class:`LateLandings`, a mixin of
:class:`test_state_machine.SyncMachine` and of the series machines built on it).

A write call whose process died, or whose reply was lost, may be finished by the server after the next sync has
looked for it (docs/concepts.md, "Interrupted syncs"; Salesforce documents a 10-minute call timeout). Here a write
call may lose its reply and be made later (``MemoryAdapter.defer_writes``), always within the sides'
``writes_land_within`` of the call, by the machine's clock: between steps, from inside a later call (as a sync has
read and looked for its copies, before it writes), or at the latest just before the clock passes its window. A
clean sync first lets every deferred write land and the clock pass the window, so that records that waited for a
copy are synced.

A delete still in flight when a user changes its record is no longer excused: syncore reads the deletion it carried
over again once it reads the change, the change beats it, and the record the delete then takes is copied back
(planning/landing_deletes.py).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import rule

from syncore import Kind, Side

#: the sides' ``writes_land_within``: longer than a pause past the lease (11 minutes), so a deferred write can
#: still be in flight when the second process syncs
WINDOW = timedelta(minutes=15)


class LateLandings:
    """Deferred writes on both sides, and when they land (expects the attributes of ``SyncMachine``)."""

    writes_land_within = WINDOW

    def __init__(self) -> None:
        super().__init__()
        #: the kinds some write of which was deferred: synced clean at the end of the run (see teardown)
        self.late_kinds: set[Kind] = set()

    @rule(side=st.sampled_from(Side), op=st.sampled_from([None, "create", "update", "delete"]),
          times=st.integers(1, 3), calls=st.none() | st.integers(0, 8))
    def lose_a_reply_landing_later(self, side: Side, op: str | None, times: int, calls: int | None) -> None:
        """The next ``times`` write calls on ``side`` (of ``op``, if given) lose their reply; the server makes them
        later: as the ``calls``-th call on ``side`` after this step starts (a later sync's write, after it read and
        looked for its copies; or a read), or (None) between steps, at the latest just before their window has
        passed."""
        self.sides[side].defer_writes(times, op)
        if calls is not None:
            self.sides[side].call_after[:] = [calls]
            self.sides[side].on_call = self.land

    @rule()
    def land_the_deferred_writes(self) -> None:
        self.land()

    def pass_time(self, time: timedelta) -> None:
        self.land(until=self.clock + time)  # (a write lands before its window has passed, as the sides promise)
        super().pass_time(time)

    def settle(self) -> None:
        super().settle()
        self.late_kinds.clear()
        for adapter in self.sides.values():
            adapter.call_after.clear()
        self.land()
        self.pass_time(WINDOW)

    def land(self, until: datetime | None = None) -> None:
        """The server makes the deferred writes (those whose window ends by ``until``, when given)."""
        for side in Side:
            adapter = self.sides[side]
            if not adapter.deferred:
                continue
            before = set(adapter.created_from)
            due = [call for call in adapter.deferred if until is None or call.called_at + WINDOW <= until]
            updates = [(request.id, request.fields, adapter.version_of(request.id))
                       for call in due if call.operation == "update" for request in call.requests]
            landed = adapter.land_deferred(until)
            for native_id, fields, version in updates:
                if adapter.version_of(native_id) != version:
                    # a review's pick that lands after it was asked again (its apply cut short) and left open
                    # closes that conflict, as a user's edit would: the next sync cannot tell them apart
                    seq = next(self.seq)
                    for field in fields:
                        self.touch(side, native_id, seq, field)
            self.late_kinds |= {call.kind for call in landed}
            self.landed[side] += len(landed)
            new = set(adapter.created_from) - before
            if new and not adapter.capabilities.link_ids:
                # copies found by their content only, until a good sync pairs them (see SyncMachine._note_orphans)
                paired = {p.id_on(side) for kind in Kind for p in self.state.pairs_for(
                    self.settings.profile, kind, **{f"{side.value}_ids": sorted(new)})}
                self.orphans |= {(side, i) for i in new - paired}

    def teardown(self) -> None:
        """A run that leaves writes deferred, or landed since the last clean sync of their kind, ends with one
        (unless it failed already): what landed late is seen by the checks, however soon after the fault the
        run ends."""
        try:
            if hasattr(self, "state") and sys.exc_info()[1] is None:
                for kind in sorted(self.late_kinds | {call.kind for adapter in self.sides.values()
                                                      for call in adapter.deferred}, key=list(Kind).index):
                    self.sync_clean(kind)
        finally:
            super().teardown()
