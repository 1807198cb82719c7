"""The adapter conformance suite against GraphAdapter + the Graph emulator, through real msal and httpx."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from syncore.models import Kind, Record
from syncore.testing import AdapterContract
from syncore_graph._mapping.contacts import display_name


def _native_name(record: Record) -> str:
    # what the emulator matches on in the request body: the subject, title or display name
    return display_name(record) if record.kind is Kind.CONTACT else record.subject  # type: ignore[attr-defined]


class TestGraphContract(AdapterContract):
    @pytest.fixture
    def adapter(self, make_adapter):
        return make_adapter()

    @pytest.fixture(autouse=True)
    def _keep_emu(self, emu):
        self._emu = emu

    def reject_records(self, adapter, kind: Kind, predicate: Callable[[Record], bool]) -> None:
        # The emulator refuses matching writes itself (a 400 for that sub-request inside a 200 $batch); the test
        # only tells it which names the predicate selects, as records reach the adapter.
        doomed: set[str] = set()
        original_create, original_update = adapter.create, adapter.update

        def note(requests):
            doomed.update(_native_name(r.record) for r in requests if r.record.kind is kind and predicate(r.record))

        def create(k, requests):
            note(requests)
            return original_create(k, requests)

        def update(k, requests):
            note(requests)
            return original_update(k, requests)

        adapter.create, adapter.update = create, update
        self._emu.faults.reject_items(
            lambda body: (body.get("subject") or body.get("title") or body.get("displayName")) in doomed,
            code="ErrorInvalidRequest", message="The item could not be saved (injected).")
