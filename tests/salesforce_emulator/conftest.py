"""Fixtures for the Salesforce emulator tests: a fresh emulator and a real simple-salesforce client."""

from __future__ import annotations

import pytest
from sfemu_support import T0

from syncore_salesforce.emulator import SalesforceEmulator


@pytest.fixture
def emu():
    """A started plain-HTTP emulator whose clock starts at T0 and runs in real time."""
    with SalesforceEmulator(start_time=T0) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


@pytest.fixture
def sf(emu):
    """simple-salesforce with direct auth against *emu*."""
    return emu.client()
