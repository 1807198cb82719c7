"""Fixtures for the Graph emulator's fidelity tests: raw HTTP (httpx) with documented sample requests, no adapter."""

from __future__ import annotations

import pytest
from graphemu_support import IMMUTABLE, client

from syncore_graph.emulator import GraphEmulator


@pytest.fixture
def emu():
    with GraphEmulator(mailboxes=["user@example.com", "other@example.com"]) as emulator:
        yield emulator
        assert emulator.errors == []


@pytest.fixture
def me(emu):
    """A delegated client of the default mailbox (``/me``), asking for immutable ids."""
    with client(emu, emu.issue_token(), Prefer=IMMUTABLE) as http:
        yield http
