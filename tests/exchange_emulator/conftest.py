"""Fixtures for the EWS emulator tests: one emulator (fresh port) per test, real exchangelib over HTTP."""

from __future__ import annotations

import pytest
from exchangelib import FaultTolerance
from exchangelib.extended_properties import ExtendedProperty
from exchangelib.items import CalendarItem, Contact, Task

from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


class SalesforceId(ExtendedProperty):
    """The custom named property syncore stores on every synced item (exchange.md §9)."""

    distinguished_property_set_id = "PublicStrings"
    property_name = "SalesforceId"
    property_type = "String"


@pytest.fixture(autouse=True)
def _register_sf_id():
    # Per test, and only if nobody (e.g. the Exchange adapter at import time) registered "sf_id" already:
    # exchangelib's register() refuses duplicate names.
    added = [cls for cls in (CalendarItem, Contact, Task) if "sf_id" not in {f.name for f in cls.FIELDS}]
    for cls in added:
        cls.register("sf_id", SalesforceId)
    yield
    for cls in added:
        cls.deregister("sf_id")


@pytest.fixture
def emu():
    with EwsEmulator(mailboxes=["user@example.com", "other@example.com"]) as emulator:
        yield emulator
    clear_protocol_cache()


@pytest.fixture
def account(emu):
    """Fail-fast account (the exchangelib default), UTC default timezone."""
    return emu.account()


@pytest.fixture
def tolerant_account(emu):
    """An account whose protocol retries (FaultTolerance with a short max_wait)."""
    return emu.account(retry_policy=FaultTolerance(max_wait=5))
