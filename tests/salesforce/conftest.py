"""Fixtures for the Salesforce adapter tests: an emulator on a real socket and adapters on it."""

from __future__ import annotations

import pytest
from sfadapter_support import T0

from syncore_salesforce.emulator import SalesforceEmulator


@pytest.fixture
def emu():
    """A started plain-HTTP emulator whose clock starts at T0 and runs in real time; fails the test on emulator
    bugs."""
    with SalesforceEmulator(start_time=T0) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""

