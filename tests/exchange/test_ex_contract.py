"""The adapter conformance suite against ExchangeAdapter + the EWS emulator, through real exchangelib HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from syncore.models import Kind, Record
from syncore.testing import AdapterContract
from syncore_exchange._mapping.contacts import display_name


def _native_subject(record: Record) -> str:
    # What the emulator matches per-item faults on: Subject, or DisplayName for contacts.
    return display_name(record) if record.kind is Kind.CONTACT else record.subject  # type: ignore[attr-defined]


class TestExchangeContract(AdapterContract):
    @pytest.fixture
    def adapter(self, make_adapter):
        return make_adapter()

    def reject_records(self, adapter, kind: Kind, predicate: Callable[[Record], bool]) -> None:
        # The emulator refuses matching items itself (per-item ErrorItemSave in the CreateItem/UpdateItem reply);
        # the test only tells it which subjects the predicate selects, as records reach the adapter.
        emu = self._emu
        doomed: set[str] = set()
        original_create, original_update = adapter.create, adapter.update

        def note(requests):
            doomed.update(_native_subject(r.record) for r in requests if r.record.kind is kind and predicate(r.record))

        def create(k, requests):
            note(requests)
            return original_create(k, requests)

        def update(k, requests):
            note(requests)
            return original_update(k, requests)

        adapter.create, adapter.update = create, update
        emu.faults.item_error("ErrorItemSave", match=lambda item_id, subject: subject in doomed,
                              text="The item could not be saved (injected)")

    @pytest.fixture(autouse=True)
    def _keep_emu(self, emu):
        self._emu = emu
