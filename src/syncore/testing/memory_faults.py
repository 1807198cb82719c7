"""Fault injection for the memory adapter (:class:`MemoryFaults`, mixed into
:class:`~syncore.testing.memory.MemoryAdapter`): failing calls, records refused, replies lost, a crash between
writes, writes landing late, cursors expired, and the hooks the adapter's calls pass through."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from ..errors import AdapterError, OutcomeUnknown, RecordRejected, SimulatedCrash, TransientError
from ..models import Kind, Record
from ..remote import WriteOutcome

OPERATIONS = ("changes", "full_scan", "fetch", "create", "update", "delete", "find_by_link", "cut_series")


@attrs.frozen
class Deferred:
    """A write call whose reply was lost and whose writes the server has not made yet (:meth:`MemoryFaults.defer_writes`)."""

    operation: str  # create, update or delete
    kind: Kind
    requests: tuple[Any, ...]
    called_at: datetime


class MemoryFaults:
    """The faults half of the memory adapter. Expects ``name``, ``calls``, ``_caps``, ``_epoch`` and the fault
    state (``_fail_calls``, ``_lost_replies``, ``_fail_records``, ``_crash_after``) set by
    :class:`~syncore.testing.memory.MemoryAdapter`."""

    name: str
    calls: Counter[str]
    _caps: Any
    _epoch: int
    _fail_calls: dict[str, list[AdapterError | None]]
    _lost_replies: Counter[str | None]
    _fail_records: list[tuple[Callable[[Record], bool], AdapterError, list[int]]]
    _crash_after: int | None
    _deferring: Counter[str | None]
    _deferred: list[Deferred]
    _clock: Callable[[], datetime]

    # -- hooks of the adapter's calls ----------------------------------------------------------------------
    def _enter(self, operation: str) -> None:
        self.calls[operation] += 1
        queue = self._fail_calls[operation]
        if queue and (error := queue.pop(0)) is not None:
            raise error

    def _reply(self, outcomes: list[WriteOutcome], op: str) -> list[WriteOutcome]:
        """The answer of a write call, unless a lost reply was armed: then the writes stand, the answer is lost."""
        armed = op if self._lost_replies[op] else None if self._lost_replies[None] else False
        if armed is not False:
            self._lost_replies[armed] -= 1
            raise OutcomeUnknown(f"{self.name}: connection dropped after the request was sent")
        return outcomes

    def _defer(self, op: str, kind: Kind, requests: Sequence[Any]) -> None:
        """Called when a write call starts: when a deferred write was armed, keep the call for later and lose its
        reply (nothing is written now)."""
        armed = op if self._deferring[op] else None if self._deferring[None] else False
        if armed is False:
            return
        self._deferring[armed] -= 1
        self._deferred.append(Deferred(op, kind, tuple(requests), self._clock()))
        raise OutcomeUnknown(f"{self.name}: no reply; the server is still working on the request")

    def _record_fault(self, record: Record) -> AdapterError | None:
        for predicate, error, remaining in self._fail_records:
            if remaining[0] != 0 and predicate(record):
                remaining[0] -= 1
                return error
        return None

    def _count_write(self) -> None:
        """Called before each record write: crash now if the countdown has run out."""
        if self._crash_after == 0:
            self._crash_after = None
            raise SimulatedCrash(f"{self.name}: simulated crash between writes")

    def _written(self) -> None:
        """Called after each record write: the crash can come right after it, before anyone hears of it."""
        if self._crash_after is not None:
            self._crash_after -= 1
            self._count_write()

    # -- fault injection -----------------------------------------------------------------------------------
    def fail_next(
        self, operation: str, times: int = 1, error: AdapterError | None = None, *, after: int = 0
    ) -> None:
        """Make ``times`` calls of ``operation`` raise ``error`` (a TransientError by default), after letting the
        next ``after`` calls through (a sync that stops part-way: ``after=2`` fails the third create batch)."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}")
        self._fail_calls[operation].extend([None] * after)
        for _ in range(times):
            self._fail_calls[operation].append(error or TransientError(f"{self.name}: injected {operation} failure"))

    def set_read_only(self, read_only: bool = True) -> None:
        """Turn the side read-only (or writable again), as a user changing the settings between syncs."""
        self._caps = attrs.evolve(self._caps, read_only=read_only)

    def lose_replies(self, times: int = 1, op: str | None = None) -> None:
        """The next ``times`` write calls (create, update, delete; ``op``: only calls of that one) make their
        writes, then raise :class:`~syncore.errors.OutcomeUnknown` instead of answering: a reply lost on the way
        back."""
        self._lost_replies[op] += times

    def defer_writes(self, times: int = 1, op: str | None = None) -> None:
        """The next ``times`` write calls (create, update, delete; ``op``: only calls of that one) raise
        :class:`~syncore.errors.OutcomeUnknown` at once and make their writes later, when :meth:`land_deferred`
        says so: a request the server finishes after its sender stopped waiting (the process died, or the reply
        timed out). Only on a side whose ``writes_land_within`` is more than 0: the test must land them within that
        time of the call (by the adapter's clock), as the side promises."""
        if not self._caps.writes_land_within:
            raise ValueError(f"{self.name}: writes land within 0 here: none can be deferred")
        self._deferring[op] += times

    @property
    def deferred(self) -> tuple[Deferred, ...]:
        """The deferred write calls not landed yet, oldest first."""
        return tuple(self._deferred)

    def land_deferred(self, until: datetime | None = None) -> list[Deferred]:
        """Make the writes of the deferred calls now (only those whose ``writes_land_within`` ends by ``until``,
        when given), oldest first, as the server would have made them: an update whose record changed since its
        ``base_version`` is refused, a record the side refuses is not written; nobody hears of either. Faults armed
        meanwhile are the syncing process's, not the server's: they leave these writes alone. Returns the calls
        landed; raises AssertionError for one whose time has passed (the test broke the side's promise)."""
        window = self._caps.writes_land_within
        due = [d for d in self._deferred if until is None or d.called_at + window <= until]
        now = self._clock()
        late = [d for d in due if now >= d.called_at + window]
        if late:
            raise AssertionError(f"{self.name}: a {late[0].operation} called at {late[0].called_at} lands at {now}, "
                                 f"after its {window} have passed")
        crash_after, fail_records = self._crash_after, self._fail_records
        self._crash_after, self._fail_records = None, []
        try:
            for call in due:
                self._deferred.remove(call)
                getattr(self, f"_{call.operation}")(call.kind, call.requests)
        finally:
            self._crash_after, self._fail_records = crash_after, fail_records
        return due

    def fail_record(
        self, predicate: Callable[[Record], bool], error: AdapterError | None = None, times: int = -1
    ) -> None:
        """Refuse writes of records matching ``predicate`` (``times`` -1: always) with a per-record error."""
        self._fail_records.append(
            (predicate, error or RecordRejected(f"{self.name}: injected record rejection", code="INJECTED"), [times])
        )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._fail_calls = {op: [] for op in OPERATIONS}
        self._fail_records.clear()
        self._crash_after = None
        self._lost_replies.clear()
        self._deferring.clear()  # (the calls deferred already are the server's: they still land)

    def crash_after(self, writes: int) -> None:
        """Raise :class:`~syncore.errors.SimulatedCrash` right after ``writes`` more record writes (0: before any).

        The crash comes from inside the adapter call, so the engine never hears of the writes that landed.
        """
        self._crash_after = writes

    def expire_cursors(self) -> None:
        """Invalidate every cursor handed out so far (the next ``changes`` raises CursorExpired)."""
        self._epoch += 1
