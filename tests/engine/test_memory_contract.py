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
