"""Connecting exchangelib to the emulator: endpoint, auth/version detection, access types, protocol cache."""

from __future__ import annotations

import re

import pytest
from exchangelib import DELEGATE, IMPERSONATION, UTC, Account, Configuration, FailFast, FaultTolerance
from exchangelib.items import Task
from exchangelib.properties import AlternateId

from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache


def test_url_and_lifecycle():
    emu = EwsEmulator().start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/EWS/Exchange\.asmx", emu.url)
        assert emu.account().tasks.name == "Tasks"
    finally:
        emu.stop()
    with pytest.raises(RuntimeError):
        _ = emu.url


def test_protocol_cache_pitfall(emu):
    first = emu.account(retry_policy=FaultTolerance(max_wait=5))
    second = emu.account(retry_policy=FailFast())
    # Same endpoint and credentials: exchangelib silently reuses the first protocol and its policy.
    assert second.protocol is first.protocol and not second.protocol.retry_policy.fail_fast
    clear_protocol_cache(emu.url)
    third = emu.account(retry_policy=FailFast())
    assert third.protocol is not first.protocol and third.protocol.retry_policy.fail_fast


def test_impersonation(emu):
    account = emu.account(
        "other@example.com", credentials=emu.credentials("user@example.com"), access_type=IMPERSONATION
    )
    Task(account=account, folder=account.tasks, subject="impersonated").save()
    assert [i["fields"]["Subject"] for i in emu.items("tasks", "other@example.com")] == ["impersonated"]
    assert emu.requests[-1].mailbox == "other@example.com" and emu.requests[-1].user == "user@example.com"


def test_auth_type_and_version_detection(emu):
    """Without auth_type/version exchangelib probes with ConvertId; answered as Exchange 2016."""
    config = Configuration(service_endpoint=emu.url, credentials=emu.credentials())
    account = Account(
        "user@example.com", config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC
    )
    assert account.protocol.auth_type == "basic"
    assert account.version.api_version == "Exchange2016" and account.version.build.major_version == 15
    assert [(r.operation, r.status) for r in emu.requests][:2] == [("ConvertId", 401), ("ConvertId", 200)]


def test_convert_ids_round_trip(emu, account):
    task = Task(account=account, folder=account.tasks, subject="x")
    task.save()
    (hex_id,) = account.protocol.convert_ids(
        [AlternateId(id=task.id, format="EwsId", mailbox="user@example.com")], "HexEntryId"
    )
    assert hex_id.format == "HexEntryId" and re.fullmatch("[0-9A-F]+", hex_id.id)
    (back,) = account.protocol.convert_ids(
        [AlternateId(id=hex_id.id, format="HexEntryId", mailbox="user@example.com")], "EwsId"
    )
    assert back.id == task.id


def test_oauth_bearer_token(monkeypatch):
    import time

    from exchangelib import OAUTH2, Build, OAuth2Credentials, Version
    from oauthlib.oauth2 import OAuth2Token

    # oauthlib refuses plain http unless told otherwise (exchange.md §1, "OAuth in tests").
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    with EwsEmulator(tokens={"tok-123": "user@example.com"}) as emu:
        token = OAuth2Token(
            {
                "access_token": "tok-123",
                "token_type": "Bearer",
                "expires_in": 3600,
                "expires_at": time.time() + 3600,
            }
        )
        credentials = OAuth2Credentials(client_id="c", client_secret="s", tenant_id="t", access_token=token)
        config = Configuration(
            service_endpoint=emu.url,
            credentials=credentials,
            auth_type=OAUTH2,
            version=Version(build=Build(15, 1, 2507, 6)),
        )
        account = Account(
            "user@example.com", config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC
        )
        assert account.tasks.name == "Tasks"
        assert emu.requests[-1].user == "user@example.com"
