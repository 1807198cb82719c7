"""The profile lock as the engine holds it: a lease taken before planning, renewed while the sync works.

Two syncs of one profile must never interleave (the second would plan from state the first is changing and
write the same creates again). The lock lives in the state store, so it works across processes; it is a lease
because a process can die without releasing it:

* the holder renews the lease at every batch it reads or writes, so a long sync (an initial load under
  throttling) keeps it however long it takes;
* a holder that died lets the lease lapse after :data:`LEASE`; one that died *on this host* is recognised at
  once (its pid is gone) and its lock is taken over without waiting;
* the lock records who holds it (host, pid, since when), so "locked" says who, and ``syncore unlock`` can
  refuse to break the lock of a live process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from .abc import StateStore
from .errors import SyncLocked
from .state_types import LockHolder

#: how long a lease lasts without renewal; a crashed holder on another host blocks the profile at most this long
LEASE = timedelta(minutes=10)
#: renew when this much of the lease has passed (renewing at every batch would add a commit per batch)
RENEW_AFTER = timedelta(minutes=2)


class LockLost(SyncLocked):
    """The lease lapsed and another sync took the lock over; this sync stops before writing anything more."""


def this_host() -> str:
    """The name this host records in the locks it takes."""
    return socket.gethostname()


def process_is_alive(pid: int) -> bool:
    """True when a process with ``pid`` runs on this host (or when that cannot be told: never guess "dead")."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _windows_process_is_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check only (on POSIX; on Windows it would kill, hence the branch)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _windows_process_is_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    process_query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def holder_is_dead(holder: LockHolder) -> bool:
    """True when ``holder`` ran on this host and its process is gone (a crash: its lock can be taken at once)."""
    if holder.host != this_host() or holder.pid == os.getpid():
        return False  # another host cannot be checked; another engine in this process is alive by definition
    return not process_is_alive(holder.pid)


def describe_holder(holder: LockHolder | None, now: datetime) -> str:
    """A sentence naming who holds the lock, since when, and when it frees itself."""
    if holder is None:
        return "nobody holds it"
    state = "lease expired" if holder.expires_at <= now else f"lease until {holder.expires_at:%Y-%m-%d %H:%M:%S} UTC"
    return (f"held by pid {holder.pid} on host {holder.host} since {holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC "
            f"({state})")


class ProfileLock:
    """One engine's hold on one profile's lock; re-entrant, so ``sync()`` can plan and apply under one hold."""

    def __init__(
        self, state: StateStore, profile: str, *, clock: Callable[[], datetime], lease: timedelta = LEASE
    ) -> None:
        self.state = state
        self.profile = profile
        self.owner = uuid.uuid4().hex
        self.lease = lease
        self._clock = clock
        self._depth = 0
        self._renewed_at: datetime | None = None

    @property
    def held(self) -> bool:
        """True while this engine holds the lock."""
        return self._depth > 0

    def acquire(self) -> None:
        """Take the lock (or enter it again).

        :raises SyncLocked: when a live holder has it; the message says who and since when
        """
        if self._depth:
            self._depth += 1
            return
        now = self._clock()
        holder = LockHolder(owner=self.owner, host=this_host(), pid=os.getpid(), acquired_at=now,
                            expires_at=now + self.lease)
        if not self.state.acquire_lock(self.profile, holder, now=now):
            current = self.state.lock_holder(self.profile)
            if current is None or holder_is_dead(current):
                # The holder crashed on this host (or released meanwhile): its lock is taken over now, not
                # after the lease; release_lock by its owner only removes that dead holder's row.
                if current is not None:
                    self.state.release_lock(self.profile, current.owner)
                if self.state.acquire_lock(self.profile, holder, now=now):
                    self._entered(now)
                    return
                current = self.state.lock_holder(self.profile)
            raise SyncLocked(f"another sync of profile {self.profile!r} is running: {describe_holder(current, now)}")
        self._entered(now)

    def _entered(self, now: datetime) -> None:
        self._depth = 1
        self._renewed_at = now

    def renew(self) -> None:
        """Extend the lease if a good part of it has passed (called at every batch while the lock is held).

        :raises LockLost: when another sync took the lock over; nothing more may be written
        """
        if not self._depth:
            return
        now = self._clock()
        if self._renewed_at is not None and now - self._renewed_at < RENEW_AFTER:
            return
        if not self.state.renew_lock(self.profile, self.owner, expires_at=now + self.lease):
            self._depth = 0
            raise LockLost(f"the lock of profile {self.profile!r} was taken over while this sync ran "
                           f"({describe_holder(self.state.lock_holder(self.profile), now)}); stopping")
        self._renewed_at = now

    def release(self) -> None:
        """Leave the lock; the outermost release frees it."""
        if not self._depth:
            return
        self._depth -= 1
        if not self._depth:
            self.state.release_lock(self.profile, self.owner)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the block (re-entrant)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()
