"""Login, capped re-login, and credentials kept out of errors and logs."""

from __future__ import annotations

import logging

import pytest
from sfadapter_support import make_adapter
from simple_salesforce.exceptions import SalesforceExpiredSession

from syncore.errors import AuthenticationError, ConfigurationError, TransientError
from syncore.models import Kind
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

PASSWORD = "emulator-password"
TOKEN = "EMULATORTOKEN"


def _assert_secret_free(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


def test_password_login_reads_records(emu):
    adapter = make_adapter(emu, login=True)
    assert adapter.full_scan(Kind.EVENT).complete
    assert emu.count("login") == 1


def test_sandbox_domain_and_oauth_logins(emu):
    user = emu.auth.user()
    sandbox = SalesforceAdapter.login(username=user.username, password=PASSWORD, security_token=TOKEN,
                                      domain="test", session=emu.session(), clock=emu.clock.now)
    assert sandbox.full_scan(Kind.TASK).complete
    oauth = SalesforceAdapter.login(username=user.username, password=PASSWORD, security_token=TOKEN,
                                    consumer_key=emu.consumer_key, consumer_secret=emu.consumer_secret,
                                    session=emu.session(), clock=emu.clock.now)
    assert oauth.full_scan(Kind.TASK).complete
    assert emu.count("oauth") == 1
    assert oauth.transport.relogin is not None


def test_wrong_password_raises_authentication_error_without_the_secrets(emu, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-Passw0rd-42"
    with pytest.raises(AuthenticationError) as info:
        SalesforceAdapter.login(username="syncore@example.com", password=wrong, security_token=TOKEN,
                                session=emu.session())
    assert info.value.code == "INVALID_LOGIN"
    _assert_secret_free(str(info.value), wrong, TOKEN)
    _assert_secret_free(caplog.text, wrong, TOKEN)


def test_bad_session_id_fails_without_the_session_id(emu, caplog):
    caplog.set_level(logging.DEBUG)
    session_id = "00Dxx0000000001!AQbogusSessionIdThatMustNotLeak"
    adapter = SalesforceAdapter.login(session_id=session_id, instance_url=emu.instance_url, session=emu.session())
    with pytest.raises(AuthenticationError) as info:
        adapter.full_scan(Kind.CONTACT)
    assert isinstance(info.value.__cause__, SalesforceExpiredSession)
    assert emu.count("login") == 0, "a session id client cannot log in again"
    _assert_secret_free(str(info.value), session_id)
    _assert_secret_free(caplog.text, session_id)


def test_expired_session_logs_in_once_and_retries(emu, caplog):
    caplog.set_level(logging.DEBUG)
    adapter = make_adapter(emu, login=True)
    adapter.full_scan(Kind.EVENT)
    emu.expire_sessions()
    emu.reset_log()
    assert adapter.full_scan(Kind.EVENT).complete
    assert [e.operation for e in emu.requests] == ["composite", "login", "composite"]
    assert adapter.transport.relogins == 1
    _assert_secret_free(caplog.text, PASSWORD, TOKEN)


def test_a_server_rejecting_every_token_gets_exactly_one_relogin(emu, caplog):
    caplog.set_level(logging.DEBUG)
    adapter = make_adapter(emu, login=True)
    emu.reset_log()
    emu.faults.reject_sessions(1000)  # simple-salesforce issue #804: it would log in until RecursionError
    with pytest.raises(AuthenticationError) as info:
        adapter.full_scan(Kind.EVENT)
    # the running-user lookup, one login, the retry, then stop
    assert [e.operation for e in emu.requests] == ["resources", "login", "resources"]
    assert isinstance(info.value.__cause__, SalesforceExpiredSession)
    _assert_secret_free(str(info.value), PASSWORD, TOKEN)
    _assert_secret_free(caplog.text, PASSWORD, TOKEN)


# -- login failures that are not a refusal (issue 11 item 7, issue 19) --------------------------------------
def test_a_dropped_connection_at_login_is_a_transient_error_naming_the_login_host(emu, caplog):
    caplog.set_level(logging.DEBUG)
    emu.faults.drop_connections(1)
    with pytest.raises(TransientError) as info:
        make_adapter(emu, login=True)
    assert not isinstance(info.value, AuthenticationError)
    assert "Salesforce login" in str(info.value) and "login.salesforce.com" in str(info.value)
    _assert_secret_free(str(info.value), PASSWORD, TOKEN)
    _assert_secret_free(caplog.text, PASSWORD, TOKEN)


def test_a_lost_reply_at_relogin_is_a_transient_error_and_the_next_call_logs_in(emu):
    adapter = make_adapter(emu, login=True, owner_id=emu.user_id)
    adapter.full_scan(Kind.EVENT)
    emu.expire_sessions()
    emu.faults.lose_replies(1, op="login")
    with pytest.raises(TransientError) as info:
        adapter.full_scan(Kind.EVENT)
    assert "login.salesforce.com" in str(info.value)
    assert adapter.full_scan(Kind.EVENT).complete, "the next call logs in again"


def test_a_503_at_login_is_a_transient_server_error_not_a_refusal(emu):
    emu.faults.server_error(1, 503)
    with pytest.raises(TransientError) as info:
        make_adapter(emu, login=True)
    text = str(info.value)
    assert "503" in text and "login.salesforce.com" in text
    assert "{content}" not in text and "refused" not in text


def test_a_503_at_the_oauth_token_endpoint_is_a_transient_server_error(emu):
    user = emu.auth.user()
    emu.faults.server_error(1, 503)
    with pytest.raises(TransientError) as info:
        SalesforceAdapter.login(username=user.username, password=PASSWORD, security_token=TOKEN,
                                consumer_key=emu.consumer_key, consumer_secret=emu.consumer_secret,
                                session=emu.session())
    assert "503" in str(info.value) and "{content}" not in str(info.value)
    _assert_secret_free(str(info.value), PASSWORD, TOKEN, emu.consumer_secret)


def test_an_unreachable_login_host_is_a_transient_error_naming_it():
    with SalesforceEmulator() as gone:
        session = gone.session()
    user = gone.auth.user()
    with pytest.raises(TransientError) as info:
        SalesforceAdapter.login(username=user.username, password=PASSWORD, security_token=TOKEN, session=session)
    assert "cannot connect" in str(info.value) and "login.salesforce.com" in str(info.value)


def test_from_config_logs_in_at_the_first_call_so_the_sync_reports_it(emu):
    """Built from settings, the adapter signs in lazily: no network call before the sync, whose error then
    carries the login failure (CLI exit 5, a history entry and back-off in auto sync)."""
    built = SalesforceAdapter.from_config({"username": "syncore@example.com"},
                                          {"password": PASSWORD, "security_token": TOKEN})
    assert built.transport.sf is None, "no client (so no sign-in) before the first call"
    # the same lazy sign-in, wired to the emulator (a settings file cannot name an in-process session)
    emu.faults.drop_connections(1)
    adapter = SalesforceAdapter.login(username="syncore@example.com", password=PASSWORD, security_token=TOKEN,
                                      session=emu.session(), lazy=True)
    assert emu.requests == [], "no network call while building"
    with pytest.raises(TransientError):
        adapter.full_scan(Kind.EVENT)
    assert adapter.full_scan(Kind.EVENT).complete


# -- JWT bearer and refresh token flows (issue 19) ------------------------------------------------------------
def test_jwt_bearer_flow_with_a_private_key_file_signs_in_and_again_after_expiry(emu, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    key_file = tmp_path / "salesforce.key"
    key_file.write_bytes(emu.auth.grants.jwt_key_pair())
    adapter = SalesforceAdapter.login(username=emu.auth.user().username, consumer_key=emu.consumer_key,
                                      jwt_key_file=str(key_file), session=emu.session(), clock=emu.clock.now)
    assert adapter.full_scan(Kind.EVENT).complete
    emu.expire_sessions()
    emu.reset_log()
    assert adapter.full_scan(Kind.EVENT).complete
    assert [e.operation for e in emu.requests] == ["composite", "oauth", "composite"]  # a fresh assertion
    assert "PRIVATE KEY" not in caplog.text


def test_jwt_bearer_flow_with_the_key_text_from_credentials(emu):
    SalesforceAdapter.check_credential_names({"jwt_private_key"})  # a settings file may reference the key text
    adapter = SalesforceAdapter.login(
        username=emu.auth.user().username, consumer_key=emu.consumer_key, session=emu.session(),
        clock=emu.clock.now, jwt_private_key=emu.auth.grants.jwt_key_pair().decode(), lazy=True,
    )
    assert adapter.full_scan(Kind.TASK).complete
    assert emu.count("oauth") == 1


def test_jwt_bearer_flow_signed_with_another_key_is_refused(emu, tmp_path):
    emu.auth.grants.jwt_key_pair()
    other = SalesforceEmulator().auth.grants.jwt_key_pair()  # a key the connected app does not know
    with pytest.raises(AuthenticationError) as info:
        SalesforceAdapter.login(username=emu.auth.user().username, consumer_key=emu.consumer_key,
                                jwt_private_key=other.decode(), session=emu.session(), clock=emu.clock.now)
    assert info.value.code == "invalid_grant" and "invalid assertion" in str(info.value)
    assert "login.salesforce.com" in str(info.value)


@pytest.mark.parametrize(("content", "expected"), [(None, "cannot read"), (b"not a key", "PEM private key")])
def test_an_unusable_key_file_is_a_configuration_error_before_any_call(emu, tmp_path, content, expected):
    key_file = tmp_path / "salesforce.key"
    if content is not None:
        key_file.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        SalesforceAdapter.from_config({"username": "me@example.com", "consumer_key": emu.consumer_key,
                                       "jwt_key_file": str(key_file)}, {})
    assert info.value.key == "jwt_key_file" and expected in str(info.value)
    assert emu.requests == []


def test_refresh_token_flow_signs_in_and_again_after_expiry(emu, caplog):
    caplog.set_level(logging.DEBUG)
    refresh_token = emu.auth.grants.issue_refresh_token(emu.auth.user().username)
    adapter = SalesforceAdapter.login(refresh_token=refresh_token, consumer_key=emu.consumer_key,
                                      consumer_secret=emu.consumer_secret, session=emu.session())
    assert adapter.full_scan(Kind.CONTACT).complete
    emu.expire_sessions()
    assert adapter.full_scan(Kind.CONTACT).complete
    assert emu.count("oauth") == 2 and adapter.transport.relogins == 1
    _assert_secret_free(caplog.text, refresh_token, emu.consumer_secret)


def test_a_revoked_refresh_token_is_an_authentication_error_without_the_token(emu):
    refresh_token = emu.auth.grants.issue_refresh_token(emu.auth.user().username)
    emu.auth.grants.revoke_refresh_tokens()
    with pytest.raises(AuthenticationError) as info:
        SalesforceAdapter.login(refresh_token=refresh_token, consumer_key=emu.consumer_key, session=emu.session())
    assert "expired access/refresh token" in str(info.value)
    _assert_secret_free(str(info.value), refresh_token)


def test_incomplete_credentials_for_a_flow_name_what_is_missing():
    with pytest.raises(ConfigurationError) as info:
        SalesforceAdapter.login(refresh_token="x")
    assert info.value.key == "consumer_key"
    with pytest.raises(ConfigurationError) as info:
        SalesforceAdapter.login(consumer_key="x", jwt_private_key="y")
    assert info.value.key == "username"
