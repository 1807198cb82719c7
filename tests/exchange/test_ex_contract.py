"""The adapter conformance suite against ExchangeAdapter + the EWS emulator, through real exchangelib HTTP."""

from __future__ import annotations

import pytest

from syncore.testing import AdapterContract


class TestExchangeContract(AdapterContract):
    known_failures = {
        "test_awkward_records_are_stored_as_represented[task]":
            "Exchange stamps CompleteDate itself when a task is completed, but represent keeps the given "
            "completion time, so the stamp reads back as an edit",
    }

    @pytest.fixture
    def adapter(self, make_adapter):
        return make_adapter()

    @pytest.fixture
    def reject_records(self, emu):
        def reject(kind, marker):
            # Exchange refuses the matching items of a CreateItem/UpdateItem with a per-item ErrorItemSave,
            # the others in the request succeed; matched on the item's Subject (a contact's DisplayName).
            def match(item_id, subject):
                return marker in (subject or "")

            for op in ("CreateItem", "UpdateItem"):  # reads of the stored item still succeed
                emu.faults.item_error("ErrorItemSave", match=match, op=op, n=None,
                                      text="The item could not be saved (rejected by the contract)")

        return reject

    @pytest.fixture
    def expire_cursors(self, emu):
        # Exchange answers a sync state it no longer accepts with ErrorInvalidSyncStateData.
        return lambda kind: emu.invalidate_sync_states()


def test_one_subject_over_exchanges_limit_fails_only_its_own_record(make_adapter, emu):
    """exchangelib checks a subject's 255 characters while serializing the whole CreateItem/UpdateItem request;
    the adapter runs the check per item, so the other records of the batch are written (failing first: the whole
    batch failed with the long one)."""
    from datetime import UTC, datetime, timedelta

    from syncore.models import Event, Kind
    from syncore.remote import CreateRequest, UpdateRequest

    adapter = make_adapter()
    start = datetime(2031, 5, 6, 9, tzinfo=UTC)
    good = Event(subject="Pricing", start=start, end=start + timedelta(hours=1))
    long = good.replace(subject="x" * 256)
    outcomes = adapter.create(Kind.EVENT, [CreateRequest(ref="a", record=good), CreateRequest(ref="b", record=long),
                                           CreateRequest(ref="c", record=good.replace(subject="Demo"))])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "subject" in str(outcomes[1].error) and "255" in str(outcomes[1].error)
    assert sorted(i["fields"]["Subject"] for i in emu.items("calendar")) == ["Demo", "Pricing"]
    updates = adapter.update(Kind.EVENT, [
        UpdateRequest(ref="u1", id=outcomes[0].id, base_version=outcomes[0].version, record=long,
                      fields=frozenset({"subject"})),
        UpdateRequest(ref="u2", id=outcomes[2].id, base_version=outcomes[2].version,
                      record=good.replace(subject="Demo 2"), fields=frozenset({"subject"}))])
    assert [o.ok for o in updates] == [False, True]
    assert sorted(i["fields"]["Subject"] for i in emu.items("calendar")) == ["Demo 2", "Pricing"]
