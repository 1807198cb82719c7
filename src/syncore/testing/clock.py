"""A clock that only moves when a test moves it, so a conformance run is the same on every day it runs."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """``now()`` returns a fixed aware UTC instant until :meth:`advance` moves it.

    The interface (``now()``, ``advance(timedelta)``) is the one the shipped emulators' clocks share (the
    Salesforce emulator's ``emu.clock``, the Outlook fake's ``FakeClock``), so a contract can be handed
    either.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now
