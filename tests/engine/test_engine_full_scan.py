"""A full scan (a change cursor expired) over many synced pairs: the unchanged records are set aside by version,
and only the pairs of changed or absent records are loaded (issue 18: every pair was decoded four times).

Work is counted, not timed: the pairs the state store hands out and the adapter calls.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from syncore import Contact, Kind, SqliteStateStore, SyncEngine, SyncSettings
from syncore.settings import KindSettings
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class CountingStore(SqliteStateStore):
    """Counts the pairs it decodes and the whole-table reads."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.decoded = 0
        self.whole_reads = 0

    def _pair(self, row):
        self.decoded += 1
        return super()._pair(row)

    def iter_pairs(self, profile, kind):
        self.whole_reads += 1
        return super().iter_pairs(profile, kind)


def world(n: int, **pim_options):
    pim = MemoryAdapter(name="pim", batch_size=50, clock=lambda: T0, **pim_options)
    crm = MemoryAdapter(name="crm", batch_size=50, clock=lambda: T0)
    store = CountingStore()
    ids = [pim.put(Contact(last_name=f"Lee {i}", email=f"lee{i}@example.com")) for i in range(n)]
    engine = SyncEngine(pim=pim, crm=crm, state=store, clock=lambda: T0,
                        settings=SyncSettings(max_delete_ratio=1.0, kinds={Kind.CONTACT: KindSettings()}))
    engine.sync(Kind.CONTACT)
    engine.sync(Kind.CONTACT)
    partner = {p.pim_id: p.crm_id for p in store.iter_pairs("default", Kind.CONTACT)}
    return engine, pim, crm, store, ids, partner


def test_the_echo_of_a_bulk_load_loads_no_pair_and_writes_nothing():
    # 2,000 records: enough for the store to read the scope whole and compare it with the feed in step
    pim = MemoryAdapter(name="pim", batch_size=200, clock=lambda: T0)
    crm = MemoryAdapter(name="crm", batch_size=200, clock=lambda: T0)
    store = CountingStore()
    for i in range(2000):
        pim.put(Contact(last_name=f"Lee {i}", email=f"lee{i}@example.com"))
    engine = SyncEngine(pim=pim, crm=crm, state=store, clock=lambda: T0,
                        settings=SyncSettings(max_delete_ratio=1.0, kinds={Kind.CONTACT: KindSettings()}))
    engine.sync(Kind.CONTACT)
    store.decoded = store.whole_reads = 0
    pim.calls.clear()
    crm.calls.clear()
    result = engine.sync(Kind.CONTACT)  # the CRM feed lists the 2,000 records just created
    assert result.ok and result.summary.as_dict()["counts"] == {}
    assert store.decoded == store.whole_reads == 0
    assert dict(crm.calls) == dict(pim.calls) == {"changes": 1}


@pytest.mark.parametrize("n", [60, 2000])  # 2,000: the store reads the scope whole and compares it in step
def test_a_full_scan_loads_only_the_pairs_of_changed_and_missing_records(n):
    engine, pim, crm, store, ids, partner = world(n)
    pim.edit(ids[1], title="Director")
    crm.edit(partner[ids[2]], phone="+1 555 0002")
    pim.remove(ids[3])  # absent from the PIM's full scan: confirmed by id, then deleted in the CRM
    crm.remove(partner[ids[4]])
    pim.expire_cursors()
    crm.expire_cursors()
    store.decoded = store.whole_reads = 0
    pim.calls.clear()
    crm.calls.clear()
    result = engine.sync(Kind.CONTACT)
    assert result.ok and any("full scan" in w for w in result.warnings)
    assert result.summary.as_dict()["counts"] == {"crm.update": 1, "pim.update": 1, "crm.delete": 1,
                                                   "pim.delete": 1}
    assert store.whole_reads == 0
    assert store.decoded == 4  # the two edited pairs and the two whose record is gone, once each
    # each absence is confirmed with one fetch of the ids not listed
    assert pim.calls["full_scan"] == crm.calls["full_scan"] == 1
    assert pim.calls["fetch"] == crm.calls["fetch"] == 1
    assert crm.records(Kind.CONTACT)[partner[ids[1]]].title == "Director"
    assert pim.records(Kind.CONTACT)[ids[2]].phone == "+1 555 0002"
    assert partner[ids[3]] not in crm.records(Kind.CONTACT) and ids[4] not in pim.records(Kind.CONTACT)
    assert engine.plan(Kind.CONTACT).operations == []


def test_a_full_scan_listing_versions_only_reads_just_the_changed_records():
    """A side whose full scan lists (id, version) entries unread (the EWS adapter) is read for what changed."""
    engine, pim, _crm, _store, ids, _partner = world(60, unread_changes=True)
    pim.edit(ids[5], title="Director")
    pim.expire_cursors()

    def listing_only(kind, _full=pim.full_scan):
        scan = _full(kind)
        return attrs.evolve(scan, upserts=(), unread=tuple((r.id, r.version) for r in scan.upserts))

    pim.full_scan = listing_only
    fetched = []
    original_fetch = pim.fetch
    pim.fetch = lambda kind, wanted: fetched.extend(wanted) or original_fetch(kind, wanted)
    result = engine.sync(Kind.CONTACT)
    assert result.ok and result.summary.as_dict()["counts"] == {"crm.update": 1}
    assert fetched == [ids[5]]


def test_an_empty_full_scan_is_still_refused_when_pairs_exist():
    """Set-aside records count as listed: only a scan that lists nothing at all trips the emptied-side rule."""
    engine, pim, _crm, _store, ids, _partner = world(10)
    pim.expire_cursors()
    for native_id in ids:
        pim.remove(native_id)
    plan = engine.plan(Kind.CONTACT)
    assert any("reports no contacts at all" in finding for finding in plan.safety)
    unchanged_engine, unchanged_pim, _, _, _, _ = world(10)
    unchanged_pim.expire_cursors()
    assert unchanged_engine.plan(Kind.CONTACT).safety == []  # every record set aside, none missing
