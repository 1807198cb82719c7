"""Building the adapter: from a ready Account, or connect() with a password or an OAuth token; no secrets leak."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

import pytest
from exchangelib import FaultTolerance

from syncore.errors import AuthenticationError, ConfigurationError
from syncore.models import Kind
from syncore.remote import CreateRequest
from syncore.testing.samples import sample_record
from syncore_exchange import ExchangeAdapter
from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache

NOW = datetime(2030, 5, 6, 8, tzinfo=UTC)
PASSWORD = "s3cret-Pa55word"


def test_adapter_from_a_ready_account(emu):
    adapter = ExchangeAdapter(emu.account())
    assert adapter.adapter_name == "exchange"
    caps = adapter.capabilities
    assert caps.kinds == frozenset(Kind) and caps.formatted_bodies and caps.link_ids
    assert adapter.full_scan(Kind.TASK).upserts == ()


def test_connect_with_password_and_explicit_endpoint():
    with EwsEmulator(mailboxes=("user@example.com",), password=PASSWORD) as emu:
        adapter = ExchangeAdapter.connect("user@example.com", password=PASSWORD, service_endpoint=emu.url,
                                          auth_type="basic", version=(15, 1, 2507, 6),
                                          default_timezone="Europe/Berlin")
        (outcome,) = adapter.create(Kind.CONTACT, [CreateRequest(ref="r", record=sample_record(Kind.CONTACT, 1, now=NOW))])
        assert outcome.ok
        # auth type and version pinned: no detection request (ConvertId) before the real work
        assert emu.count("ConvertId") == 0
        assert {r.user for r in emu.requests} == {"user@example.com"}
    clear_protocol_cache()


def test_connect_with_an_oauth_token(monkeypatch):
    # oauthlib refuses plain http unless told otherwise (exchange.md §1)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    with EwsEmulator(tokens={"tok-abcdef": "user@example.com"}) as emu:
        adapter = ExchangeAdapter.connect("user@example.com", token="tok-abcdef", service_endpoint=emu.url,
                                          auth_type="oauth2", version=(15, 1, 2507, 6))
        assert adapter.full_scan(Kind.EVENT).complete
        assert emu.requests[-1].user == "user@example.com"
    clear_protocol_cache()


def test_wrong_password_is_an_authentication_error_without_the_secret(caplog):
    caplog.set_level(logging.DEBUG)
    with EwsEmulator(mailboxes=("user@example.com",), password="right-password") as emu:
        adapter = ExchangeAdapter.connect("user@example.com", password=PASSWORD, service_endpoint=emu.url,
                                          auth_type="basic", version=(15, 1, 2507, 6))
        with pytest.raises(AuthenticationError) as info:
            adapter.full_scan(Kind.EVENT)
    clear_protocol_cache()
    basic = base64.b64encode(f"user@example.com:{PASSWORD}".encode()).decode()
    chain, exc = [], info.value
    while exc is not None:
        chain.append(f"{exc!s} {exc!r} {exc.args!r}")
        exc = exc.__cause__ or exc.__context__
    text = "\n".join(chain) + "\n" + caplog.text
    assert PASSWORD not in text and basic not in text, [l for l in text.splitlines() if PASSWORD in l or basic in l][:3]
    assert "exchange" in str(info.value)


def test_connect_refuses_ambiguous_endpoints():
    with pytest.raises(ConfigurationError):
        ExchangeAdapter.connect("user@example.com", password=PASSWORD, server="mail.example.com",
                                service_endpoint="https://mail.example.com/EWS/Exchange.asmx")
    with pytest.raises(ConfigurationError):
        ExchangeAdapter.connect("user@example.com", password=PASSWORD)  # neither endpoint nor autodiscover
    with pytest.raises(ConfigurationError) as info:
        ExchangeAdapter.connect("user@example.com", password=PASSWORD, token="tok-abcdef",
                                service_endpoint="https://x/EWS/Exchange.asmx")
    assert PASSWORD not in str(info.value) and "tok-abcdef" not in str(info.value)


def test_another_folder_can_be_synced(emu, make_adapter):
    other = emu.account(email="other@example.com")
    adapter = make_adapter(folders={Kind.EVENT: other.calendar})
    (outcome,) = adapter.create(Kind.EVENT, [CreateRequest(ref="r", record=sample_record(Kind.EVENT, 1, now=NOW))])
    assert outcome.ok
    assert emu.get_item(outcome.id)["mailbox"] == "other@example.com"
    assert emu.items("calendar", mailbox="user@example.com") == []
    assert [u.id for u in adapter.full_scan(Kind.EVENT).upserts] == [outcome.id]


def test_reconnect_needs_a_fresh_protocol(emu):
    # exchangelib caches one protocol per (endpoint, credentials): a new retry policy is silently ignored
    # until the cache is cleared.
    first = emu.account()
    second = emu.account(retry_policy=FaultTolerance(max_wait=3))
    assert second.protocol is first.protocol and second.protocol.retry_policy.fail_fast
    clear_protocol_cache(emu.url)
    third = emu.account(retry_policy=FaultTolerance(max_wait=3))
    assert third.protocol is not first.protocol and not third.protocol.retry_policy.fail_fast
    assert ExchangeAdapter(third).full_scan(Kind.TASK).complete


def test_from_config_builds_the_adapter_like_the_cli_does():
    with EwsEmulator(mailboxes=("user@example.com",), password=PASSWORD) as emu:
        adapter = ExchangeAdapter.from_config(
            {"email": "user@example.com", "service_endpoint": emu.url, "auth_type": "basic", "version": "15.1.2507.6",
             "kinds": ["event", "task"], "default_timezone": "America/New_York"},
            {"password": PASSWORD})
        assert adapter.capabilities.kinds == frozenset({Kind.EVENT, Kind.TASK})
        assert str(adapter.account.default_timezone) == "America/New_York"
        assert adapter.full_scan(Kind.TASK).complete and emu.count("ConvertId") == 0
        with pytest.raises(ConfigurationError):
            ExchangeAdapter.from_config({"email": "user@example.com", "kinds": ["meeting"],
                                         "service_endpoint": emu.url}, {"password": PASSWORD})
    clear_protocol_cache()


def test_reconnect_gets_a_fresh_protocol_and_the_old_adapter_keeps_working():
    with EwsEmulator(mailboxes=("user@example.com",), password=PASSWORD) as emu:
        common = {"password": PASSWORD, "service_endpoint": emu.url, "auth_type": "basic", "version": (15, 1, 2507, 6)}
        first = ExchangeAdapter.connect("user@example.com", **common)
        second = ExchangeAdapter.connect("user@example.com", retry_policy=FaultTolerance(max_wait=2), **common)
        assert second.account.protocol is not first.account.protocol
        assert first.account.protocol.retry_policy.fail_fast and not second.account.protocol.retry_policy.fail_fast
        assert first.full_scan(Kind.TASK).complete and second.full_scan(Kind.TASK).complete
    clear_protocol_cache()


def test_unknown_time_zone_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        ExchangeAdapter.connect("user@example.com", password=PASSWORD, server="mail.example.com",
                                default_timezone="Mars/Olympus_Mons")


def test_registered_under_its_adapter_name():
    from syncore.registry import get_adapter_class

    assert get_adapter_class("exchange") is ExchangeAdapter


# (options, the dotted key named, words the message must hold); no emulator: checked before any request
BAD_OPTIONS = [
    ({"server": "mail.example.com"}, "options.email", ["missing"]),
    ({"email": "me@example.com"}, "options.server", ["exactly one of server, service_endpoint or autodiscover"]),
    ({"email": "me@example.com", "server": "a", "autodiscover": True}, "options.server", ["exactly one"]),
    ({"email": "me@example.com", "server": "a", "username": "me"}, "options.username",
     ["unknown option", "email", "folders"]),
    ({"email": "me@example.com", "server": "a", "auth_type": "kerberos"}, "options.auth_type",
     ['"basic", "ntlm" or "oauth2"']),
    ({"email": "me@example.com", "server": "a", "version": 15.1}, "options.version", ["string"]),
    ({"email": "me@example.com", "server": "a", "version": "fifteen"}, "options.version", ['"15.1.2507.6"']),
    ({"email": "me@example.com", "server": "a", "default_timezone": "Mars/Olympus"}, "options.default_timezone",
     ["IANA"]),
    ({"email": "me@example.com", "server": "a", "folders": {"notes": "x"}}, "options.folders.notes",
     ['"event", "contact" or "task"']),
    ({"email": "me@example.com", "server": "a", "folders": "Calendar/Team"}, "options.folders", ["table"]),
]


@pytest.mark.parametrize("options,key,words", BAD_OPTIONS, ids=[c[1] + repr(c[0])[-24:] for c in BAD_OPTIONS])
def test_bad_settings_options_are_named_before_connecting(options, key, words):
    with pytest.raises(ConfigurationError) as caught:
        ExchangeAdapter.from_config(options, {"password": PASSWORD})
    assert caught.value.key == key
    for word in words:
        assert word in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_folders_from_settings_are_a_table_of_kinds():
    options = ExchangeAdapter.parse_options({"email": "me@example.com", "autodiscover": True, "kinds": ["event"],
                                             "folders": {"event": "Top of Information Store/Calendar/Team"}})
    assert options.kinds == (Kind.EVENT,) and options.folders == {Kind.EVENT: "Top of Information Store/Calendar/Team"}
    with pytest.raises(ConfigurationError) as caught:
        ExchangeAdapter.from_config(options, {"passwrd": PASSWORD})
    assert caught.value.key == "credentials.passwrd" and "password, token, username" in str(caught.value)
