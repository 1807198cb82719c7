"""The emulator fixtures the tests of a Salesforce ⇄ Exchange/Graph/Outlook pair share.

A module makes them its own fixtures with its start time::

    sf = salesforce_emulator_at(NOW)
    ews = exchange_emulator()

``sf``: a started Salesforce emulator whose clock starts at ``NOW`` and runs in real time; the test fails on an
emulator error. ``ews``: a started EWS emulator with one mailbox, ``user@mycompany.example``; exchangelib's
protocol cache is cleared afterwards (the next emulator listens on another port).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

MAILBOX = "user@mycompany.example"


def salesforce_emulator_at(start: datetime) -> Callable[[], Iterator[Any]]:
    """An ``sf`` fixture: a Salesforce emulator whose clock starts at ``start``."""

    @pytest.fixture
    def sf() -> Iterator[Any]:
        from syncore_salesforce.emulator import SalesforceEmulator

        with SalesforceEmulator(start_time=start) as server:
            yield server
            assert server.errors == [], server.errors[0] if server.errors else ""

    return sf


def exchange_emulator() -> Callable[[], Iterator[Any]]:
    """An ``ews`` fixture: an EWS emulator with the mailbox ``MAILBOX``."""

    @pytest.fixture
    def ews() -> Iterator[Any]:
        from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache

        with EwsEmulator(mailboxes=[MAILBOX]) as emulator:
            yield emulator
        clear_protocol_cache()

    return ews
