"""A small world for engine tests: two memory sides, a state store, an engine and a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.testing import MemoryAdapter

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@attrs.define
class World:
    """Two memory sides, a state store and an engine with a controllable clock."""

    pim: MemoryAdapter
    crm: MemoryAdapter
    state: SqliteStateStore
    settings: SyncSettings
    now: datetime = NOW
    events: list = attrs.field(factory=list)
    engine: SyncEngine | None = None

    def clock(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def make_engine(self, settings: SyncSettings | None = None) -> SyncEngine:
        if settings is not None:
            self.settings = settings
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=self.state, settings=self.settings,
                                 clock=self.clock, on_event=self.events.append)
        return self.engine


def make_world() -> World:
    holder: dict[str, World] = {}

    def clock() -> datetime:
        return holder["w"].now

    w = World(
        pim=MemoryAdapter(name="pim", formatted_bodies=True, link_ids=True, clock=clock),
        crm=MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=clock),
        state=SqliteStateStore(":memory:"),
        settings=SyncSettings(),
    )
    holder["w"] = w
    w.make_engine()
    return w
