"""Fixtures for the Graph adapter tests: a fresh emulator per test, the real msal + httpx over HTTPS."""

from __future__ import annotations

import pytest

from syncore_graph import GraphAdapter
from syncore_graph.emulator import GraphEmulator


class Sleeps(list):
    """A sleep function that records the pauses instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def emu():
    with GraphEmulator(mailboxes=["user@example.com", "other@example.com"]) as emulator:
        yield emulator
        assert emulator.errors == []


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_adapter(emu, sleeps):
    """``make_adapter(timezone="Europe/Berlin", **options)``: an app-only adapter on the default mailbox."""

    def build(**options):
        options.setdefault("sleep", sleeps)
        options.setdefault("timezone", "Europe/Berlin")
        return GraphAdapter.for_emulator(emu, **options)

    return build


@pytest.fixture
def adapter(make_adapter):
    return make_adapter()
