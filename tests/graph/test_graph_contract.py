"""The adapter conformance suite against GraphAdapter + the Graph emulator, through real msal and httpx."""

from __future__ import annotations

import pytest

from syncore.testing import AdapterContract
from syncore_graph.emulator import GraphEmulator


class TestGraphContract(AdapterContract):
    known_failures = {
        "test_bodies_round_trip[contact]":
            "Capabilities.formatted_bodies is one switch for every kind: Graph keeps events' and tasks' "
            "bodies formatted, but a contact's notes are personalNotes, plain text with no body type, so a "
            "formatted note reads back as its text only",
    }

    @pytest.fixture
    def emu(self, clock):
        # the mailbox stamps lastModifiedDateTime with the contract's clock (the adapter's window uses it)
        with GraphEmulator(mailboxes=["user@example.com", "other@example.com"], clock=clock.now) as emulator:
            yield emulator
            assert emulator.errors == []

    @pytest.fixture
    def adapter(self, make_adapter, clock):
        # a delegated (device code) sign-in: it reaches every kind, To Do included
        return make_adapter(clock=clock.now)

    @pytest.fixture
    def reject_records(self, emu):
        def reject(kind, marker):
            # Graph refuses the matching sub-requests of a $batch (400 inside a 200 answer), the rest
            # succeed; a data-level rule judged on the item as the write would leave it (a PATCH over the
            # stored item)
            def match(properties):
                text = properties.get("subject") or properties.get("title") or properties.get("surname") or ""
                return marker in text

            emu.faults.reject_items(match, code="ErrorInvalidRequest",
                                    message="The item could not be saved (rejected by the contract).")

        return reject

    @pytest.fixture
    def expire_cursors(self, emu):
        # an expired delta token answers 410 syncStateNotFound
        # (https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset)
        return lambda kind: emu.expire_delta_tokens()
