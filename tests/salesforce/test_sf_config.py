"""Building the adapter from settings and for the demo's emulator."""

from __future__ import annotations

import pytest

from syncore.errors import ConfigurationError
from syncore.models import Kind
from syncore_salesforce import SalesforceAdapter


def test_from_config_splits_options_and_credentials(emu):
    options = {"username": "syncore@example.com", "domain": "test", "kinds": ["event", "task"],
               "overlap_minutes": 2, "max_api_share": 0.5, "scope": "all"}
    credentials = {"password": "emulator-password", "security_token": "EMULATORTOKEN"}
    adapter = SalesforceAdapter.from_config({**options, "session": emu.session()}, credentials)
    assert adapter.capabilities.kinds == frozenset({Kind.EVENT, Kind.TASK})
    assert adapter.transport.budget.max_share == 0.5
    assert adapter.full_scan(Kind.EVENT).complete
    assert emu.count("login") == 1


def test_bad_settings_are_configuration_errors(emu):
    with pytest.raises(ConfigurationError):
        SalesforceAdapter(emu.client(), scope="mine")
    with pytest.raises(ConfigurationError):
        SalesforceAdapter(emu.client(), max_api_share=1.5)
    with pytest.raises(ConfigurationError):
        SalesforceAdapter.login(username="someone@example.com")
    with pytest.raises(ConfigurationError):
        SalesforceAdapter.from_config({"session_id": "x"}, {})


def test_for_emulator_and_registry_name(emu):
    adapter = SalesforceAdapter.for_emulator(emu)
    assert adapter.adapter_name == "salesforce" and adapter.capabilities.max_fetch_batch == 2000
    assert adapter.capabilities.max_create_batch == adapter.MAX_WRITE_BATCH == 200
    assert not adapter.capabilities.formatted_bodies and not adapter.capabilities.link_ids
    assert adapter.full_scan(Kind.CONTACT).complete
