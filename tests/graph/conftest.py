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
def make_adapter(emu, sleeps, tmp_path):
    """``make_adapter(timezone="Europe/Berlin", **options)``: the default mailbox's user, signed in with a
    device code (a delegated sign-in reaches every kind; ``auth="app"`` for app-only, events and contacts)."""

    def build(**options):
        options.setdefault("sleep", sleeps)
        options.setdefault("timezone", "Europe/Berlin")
        options.setdefault("auth", "device_code")
        if options["auth"] == "device_code":
            options.setdefault("token_cache", str(tmp_path / "graph-sign-in.json"))
        return GraphAdapter.for_emulator(emu, **options)

    return build


@pytest.fixture
def adapter(make_adapter):
    return make_adapter()
