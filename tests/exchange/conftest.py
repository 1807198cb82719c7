"""Fixtures for the Exchange adapter tests: a fresh emulator per test and the real exchangelib over HTTP."""

from __future__ import annotations

import pytest
from exchangelib import EWSTimeZone

from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


class Sleeps(list):
    """A sleep function that records the pauses instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def emu():
    with EwsEmulator(mailboxes=["user@example.com", "other@example.com"]) as emulator:
        yield emulator
    clear_protocol_cache()


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_adapter(emu, sleeps):
    """Build adapters on the emulator: ``make_adapter(zone="Europe/Berlin", **adapter_options)``."""

    def build(zone: str = "Europe/Berlin", account_kwargs=None, **options):
        account = emu.account(default_timezone=EWSTimeZone(zone), **(account_kwargs or {}))
        options.setdefault("sleep", sleeps)
        return ExchangeAdapter(account, **options)

    return build


@pytest.fixture
def adapter(make_adapter):
    return make_adapter()
