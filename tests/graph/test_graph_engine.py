"""The engine over the Graph adapter when answers are lost: nothing duplicated, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Contact, Event, Kind, Task
from syncore.testing import MemoryAdapter

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def _engine(pim, crm):
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: NOW)


def test_lost_answers_to_creates_are_recovered_by_link_without_duplicates(emu, adapter):
    crm = MemoryAdapter(name="crm", formatted_bodies=False, clock=lambda: NOW)
    for n in range(3):
        crm.put(Contact(first_name=f"Ada{n}", last_name="Lovelace", email=f"ada{n}@example.com"))
        crm.put(Task(subject=f"Call back {n}", due=(NOW + timedelta(days=2)).date()))
    engine = _engine(adapter, crm)
    for kind in (Kind.CONTACT, Kind.TASK):
        emu.faults.lose_replies(op="batch")  # the creates are made, their answer never comes
        first = engine.sync(kind)
        assert not first.ok
        second = engine.sync(kind)
        assert second.ok, second.errors
        assert len(emu.items(kind.value)) == 3, f"{kind.value}s duplicated"
        assert engine.state.count_pairs("default", kind) == 3
        third = engine.sync(kind)
        assert third.ok and not any(third.counts.values())


def test_lost_answers_to_event_creates_are_sent_again_under_their_transaction_id(emu, adapter):
    crm = MemoryAdapter(name="crm", formatted_bodies=False, clock=lambda: NOW)
    for n in range(3):
        start = NOW + timedelta(days=1, hours=n)
        crm.put(Event(subject=f"E{n}", start=start, end=start + timedelta(minutes=30)))
    engine = _engine(adapter, crm)
    emu.faults.lose_replies(op="batch")
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors  # the adapter repeated the batch itself: the events already existed
    assert len(emu.items("event")) == 3 and engine.state.count_pairs("default", Kind.EVENT) == 3
