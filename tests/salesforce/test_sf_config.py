"""Building the adapter from settings and for the demo's emulator."""

from __future__ import annotations

import pytest

from syncore.errors import ConfigurationError
from syncore.models import Kind
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator


def test_from_config_splits_options_and_credentials(tmp_path):
    # The settings-file path: instance URL + the emulator's CA as options, the session id as a credential,
    # reached over real TLS without any in-process wiring (as another process would).
    with SalesforceEmulator(tls=True) as emu:
        options = {"instance_url": emu.instance_url, "ca_file": emu.ca_cert_path, "kinds": ["event", "task"],
                   "overlap_minutes": 2, "max_api_share": 0.5, "scope": "all"}
        adapter = SalesforceAdapter.from_config(options, {"session_id": emu.issue_token()})
        assert adapter.capabilities.kinds == frozenset({Kind.EVENT, Kind.TASK})
        assert adapter.transport.budget.max_share == 0.5
        assert adapter.full_scan(Kind.EVENT).complete
        assert adapter.capabilities.recurrence.value == "rules"  # series are synced unless turned off
        off = SalesforceAdapter.from_config({**options, "series": False}, {"session_id": emu.issue_token()})
        assert off.capabilities.recurrence.value == "none"
        classic = SalesforceAdapter.from_config({**options, "series_form": "classic"}, {"session_id": emu.issue_token()})
        assert classic.series_writer.form() == "classic"
        settled = SalesforceAdapter.from_config({**options, "feed_mode": "settled"}, {"session_id": emu.issue_token()})
        assert settled._feeds[Kind.EVENT].settled and not adapter._feeds[Kind.EVENT].settled  # fresh by default
        assert emu.count("login") == 0 and emu.errors == []


# (options, the dotted key named, words the message must hold)
BAD_OPTIONS = [
    ({"overlap_minutes": "five"}, "options.overlap_minutes", ["'five'", "number"]),
    ({"overlap_minutes": -1}, "options.overlap_minutes", [">= 0"]),
    ({"domian": "test"}, "options.domian", ["unknown option", "domain", "instance_url", "overlap_minutes"]),
    ({"kinds": "event"}, "options.kinds", ["list", '["event", "contact"]']),
    ({"kinds": ["event", "meeting"]}, "options.kinds", ["'meeting'", '"event", "contact" or "task"']),
    ({"scope": "mine"}, "options.scope", ['"owner" or "all"']),
    ({"max_api_share": 1.5}, "options.max_api_share", ["at most 1"]),
    ({"link_field": "Link-Field"}, "options.link_field", ["field name"]),
    ({"instance_url": "acme.my.salesforce.com"}, "options.instance_url", ["https://"]),
    ({"username": True}, "options.username", ["string"]),
    ({"related_to": "always"}, "options.related_to", ['"never"', '"unique"', '"first"']),
    ({"ignore": ["partner.example", "not an address"]}, "options.ignore[1]", ["addresses or domains"]),
    ({"ignore": "partner.example"}, "options.ignore", ["list"]),
    ({"create_accounts": "no"}, "options.create_accounts", ["true", "false"]),
    ({"series_form": "modern"}, "options.series_form", ["'modern'", '"auto"', '"lightning"', '"classic"']),
    ({"series": "yes"}, "options.series", ["'yes'"]),
    ({"feed_mode": "lazy"}, "options.feed_mode", ["'lazy'", '"fresh" or "settled"']),
]


@pytest.mark.parametrize("options,key,words", BAD_OPTIONS, ids=[case[1] + repr(case[0])[:20] for case in BAD_OPTIONS])
def test_bad_options_are_refused_before_any_network_call(options, key, words):
    # No emulator and no network: the options are checked first.
    with pytest.raises(ConfigurationError) as caught:
        SalesforceAdapter.from_config(options, {"password": "p", "security_token": "t"})
    assert caught.value.key == key
    for word in words:
        assert word in str(caught.value)


def test_unknown_credential_names_are_refused():
    with pytest.raises(ConfigurationError) as caught:
        SalesforceAdapter.from_config({"username": "me@example.com"}, {"passwrd": "p"})
    assert caught.value.key == "credentials.passwrd" and "security_token" in str(caught.value)


def test_bad_settings_are_configuration_errors(emu):
    with pytest.raises(ConfigurationError):
        SalesforceAdapter(emu.client(), scope="mine")
    with pytest.raises(ConfigurationError):
        SalesforceAdapter(emu.client(), max_api_share=1.5)
    with pytest.raises(ConfigurationError, match='feed_mode: expected "fresh" or "settled", got \'later\''):
        SalesforceAdapter(emu.client(), feed_mode="later")
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
