"""Write batches journaled a group at a time (syncore.batches): one durable commit for several batches, and what
a stop or a crash leaves of the group's intents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncore import Contact, Kind, SqliteStateStore, SyncEngine, SyncSettings
from syncore.batches import journal_groups
from syncore.errors import QuotaExhausted, SimulatedCrash
from syncore.models import Side
from syncore.state_types import Action
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _batch(n: int) -> tuple[Side, Action, list[object]]:
    return (Side.CRM, Action.CREATE, [object()] * n)


def test_groups_hold_at_most_the_limit_and_a_bigger_batch_alone():
    sizes = [[len(b[2]) for b in group] for group in journal_groups([_batch(n) for n in (4, 4, 2, 3, 12, 1)], 10)]
    assert sizes == [[4, 4, 2], [3], [12], [1]]
    assert list(journal_groups([], 10)) == []


def _world(tmp_path, crm_batch: int = 10):
    store = SqliteStateStore(tmp_path / "state.db")
    pim = MemoryAdapter(name="pim", batch_size=10, clock=lambda: T0)
    crm = MemoryAdapter(name="crm", batch_size=crm_batch, clock=lambda: T0)
    for n in range(25):
        pim.put(Contact(last_name=f"Lee {n}"))
    engine = SyncEngine(pim=pim, crm=crm, state=store, settings=SyncSettings(max_delete_ratio=1.0), clock=lambda: T0)
    return store, pim, crm, engine


def test_a_stop_closes_the_intents_of_the_batches_journaled_and_not_sent(tmp_path):
    store, pim, crm, engine = _world(tmp_path)
    crm.fail_next("create", error=QuotaExhausted("daily API limit reached"), after=1)
    result = engine.sync(Kind.CONTACT)
    assert result.stopped is not None
    assert len(crm.records(Kind.CONTACT)) == 10  # the first batch only
    assert store.open_intents("default", Kind.CONTACT) == []  # the third batch was journaled, never sent
    assert engine.sync(Kind.CONTACT).ok
    assert sorted(r.last_name for r in crm.records(Kind.CONTACT).values()) == sorted(f"Lee {n}" for n in range(25))
    store.close()


def test_intents_of_unsent_batches_left_open_by_a_crash_create_nothing_twice(tmp_path):
    store, pim, crm, engine = _world(tmp_path)
    crm.crash_after(12)  # in the second batch: its first two records are made, the third batch never sent
    with pytest.raises(SimulatedCrash):
        engine.sync(Kind.CONTACT)
    assert len(store.open_intents("default", Kind.CONTACT)) == 15  # the second and third batches
    engine = SyncEngine(pim=pim, crm=crm, state=store, settings=SyncSettings(max_delete_ratio=1.0), clock=lambda: T0)
    assert engine.sync(Kind.CONTACT).ok
    names = sorted(r.last_name for r in crm.records(Kind.CONTACT).values())
    assert names == sorted(f"Lee {n}" for n in range(25))  # each once
    assert store.open_intents("default", Kind.CONTACT) == []
    assert engine.sync(Kind.CONTACT).summary.as_dict()["counts"] == {}
    store.close()
