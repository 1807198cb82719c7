"""MemoryAdapter passes the adapter contract, in each of its configurations."""

from __future__ import annotations

import pytest

from syncore.testing import AdapterContract, MemoryAdapter
from syncore.testing.samples import TEXT_FIELD


class _MemoryContract(AdapterContract):
    options: dict = {}

    @pytest.fixture
    def adapter(self, clock):
        return MemoryAdapter(clock=clock.now, **self.options)

    @pytest.fixture
    def reject_records(self, adapter):
        def reject(kind, marker):
            adapter.fail_record(lambda r: r.kind is kind and marker in getattr(r, TEXT_FIELD[kind]))

        return reject

    @pytest.fixture
    def expire_cursors(self, adapter):
        return lambda kind: adapter.expire_cursors()


class TestMemoryAdapterPimLike(_MemoryContract):
    options = {"name": "pim", "formatted_bodies": True, "link_ids": True}


class TestMemoryAdapterCrmLike(_MemoryContract):
    options = {"name": "crm", "formatted_bodies": False, "link_ids": False, "batch_size": 200, "cuts_series": True}


class TestMemoryAdapterUnreadFeed(_MemoryContract):
    """The feed lists changed records as (id, version) entries, as the EWS adapter's does."""

    options = {"name": "pim", "formatted_bodies": True, "link_ids": True, "unread_changes": True}


class TestMemoryAdapterNetChanges(_MemoryContract):
    """The feed reports net changes, as EWS's and Outlook's do."""

    options = {"name": "pim", "formatted_bodies": True, "link_ids": True, "net_changes": True}


class TestMemoryAdapterOccurrencesOnly(_MemoryContract):
    """Holds single occurrences only and no recurring tasks: series and recurring tasks are refused per record."""

    options = {"name": "crm", "formatted_bodies": False, "recurrence": "occurrences", "task_recurrence": False}


class TestMemoryAdapterSeriesWithLimits(_MemoryContract):
    """Holds rules, but not long ones (as Salesforce's classic series): those are refused per record."""

    options = {"name": "crm", "formatted_bodies": False,
               "unfit": lambda r: "at most 100 occurrences" if getattr(r, "recurrence", None) is not None
               and r.kind.value == "event" and (r.recurrence.parts.count or 0) > 100 else None}


class TestMemoryAdapterEventsOnly(_MemoryContract):
    """One kind only: the other kinds' tests are skipped with the reason, not passed silently."""

    options = {"name": "cal", "kinds": ["event"], "batch_size": 7}


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
