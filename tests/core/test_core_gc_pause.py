"""The garbage collector is paused while a sync plans and applies, and left as it was found (syncore._gcpause)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from syncore import Contact, Kind, SyncEngine, SyncSettings
from syncore._gcpause import collector_paused
from syncore.state.sqlite import SqliteStateStore
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _engine(pim: MemoryAdapter) -> SyncEngine:
    crm = MemoryAdapter(name="crm", clock=lambda: T0)
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: T0)


class _Watching(MemoryAdapter):
    """Notes whether the collector was on when the engine asked for changes or wrote."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen: list[bool] = []

    def changes(self, kind, cursor):
        self.seen.append(gc.isenabled())
        return super().changes(kind, cursor)

    def full_scan(self, kind):
        self.seen.append(gc.isenabled())
        return super().full_scan(kind)

    def update(self, kind, requests):
        self.seen.append(gc.isenabled())
        return super().update(kind, requests)


def test_a_sync_runs_with_the_collector_off_and_turns_it_back_on(collector_on):
    pim = _Watching(name="pim", clock=lambda: T0)
    pim.put(Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com"))
    engine = _engine(pim)
    assert engine.sync(Kind.CONTACT).ok
    assert pim.seen == [False]  # the first sync's full scan
    assert gc.isenabled()
    plan = engine.plan(Kind.CONTACT)
    assert gc.isenabled()
    engine.apply(plan)
    assert pim.seen == [False, False] and gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off():
    was = gc.isenabled()
    gc.disable()
    try:
        pim = _Watching(name="pim", clock=lambda: T0)
        assert _engine(pim).sync(Kind.CONTACT).ok
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_the_collector_is_turned_back_on_when_the_sync_fails(collector_on):
    class Failing(MemoryAdapter):
        def full_scan(self, kind):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _engine(Failing(name="pim", clock=lambda: T0)).sync(Kind.CONTACT)
    assert gc.isenabled()


def test_nested_pauses_resume_only_at_the_outermost(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
