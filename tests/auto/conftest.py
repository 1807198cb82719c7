"""Shared fixtures of the auto-sync tests: a fake clock and an engine over two memory adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore import SqliteStateStore, SyncEngine
from syncore.config import Config
from syncore.testing import MemoryAdapter


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def sides(clock):
    pim = MemoryAdapter(name="pim", formatted_bodies=True, clock=clock)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, clock=clock)
    return pim, crm


@pytest.fixture
def make_engine(sides, clock):
    """``make_engine(config=None, on_event=None)``: an engine over ``sides`` with a fresh in-memory store."""

    def make(config: Config | None = None, on_event=None) -> SyncEngine:
        pim, crm = sides
        settings = (config or Config()).sync_settings()
        return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=settings, clock=clock,
                          on_event=on_event)

    return make
