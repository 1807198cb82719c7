"""MemoryAdapter passes the adapter contract, in both of its configurations."""

from __future__ import annotations

import pytest

from syncore.testing import AdapterContract, MemoryAdapter


class TestMemoryAdapterPimLike(AdapterContract):
    @pytest.fixture
    def adapter(self):
        return MemoryAdapter(name="pim", formatted_bodies=True, link_ids=True)

    def reject_records(self, adapter, kind, predicate):
        adapter.fail_record(predicate)


class TestMemoryAdapterCrmLike(AdapterContract):
    @pytest.fixture
    def adapter(self):
        return MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, batch_size=200)

    def reject_records(self, adapter, kind, predicate):
        adapter.fail_record(predicate)


class TestMemoryAdapterUnreadFeed(AdapterContract):
    """The feed lists changed records as (id, version) entries, as the EWS adapter's does."""

    @pytest.fixture
    def adapter(self):
        return MemoryAdapter(name="pim", formatted_bodies=True, link_ids=True, unread_changes=True)

    def reject_records(self, adapter, kind, predicate):
        adapter.fail_record(predicate)


def test_the_in_step_invariant_catches_an_unpaired_record_and_a_differing_pair():
    from syncore import Contact, Kind, Side, SqliteStateStore, SyncEngine
    from syncore.testing.invariants import assert_in_step

    pim, crm = MemoryAdapter(name="pim"), MemoryAdapter(name="crm", formatted_bodies=False)
    state = SqliteStateStore(":memory:")
    pim.put(Contact(last_name="Ng", email="ng@example.com"))
    SyncEngine(pim=pim, crm=crm, state=state).sync(Kind.CONTACT)

    def records():
        return {Side.PIM: pim.records(Kind.CONTACT), Side.CRM: crm.records(Kind.CONTACT)}

    assert len(assert_in_step(state, "default", Kind.CONTACT, records(), crm.represent)) == 1
    (crm_id,) = crm.records(Kind.CONTACT)
    crm.edit(crm_id, title="CTO")
    with pytest.raises(AssertionError, match="pair differs in \\['title'\\]"):
        assert_in_step(state, "default", Kind.CONTACT, records(), crm.represent)
    crm.put(Contact(last_name="Roe"))
    with pytest.raises(AssertionError, match="crm records never synced"):
        assert_in_step(state, "default", Kind.CONTACT, records(), crm.represent)
