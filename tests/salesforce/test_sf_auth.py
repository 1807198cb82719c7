"""Login, capped re-login, and credentials kept out of errors and logs."""

from __future__ import annotations

import logging

import pytest
from sfadapter_support import make_adapter
from simple_salesforce.exceptions import SalesforceExpiredSession

from syncore.errors import AuthenticationError
from syncore.models import Kind
from syncore_salesforce import SalesforceAdapter

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
    assert [e.operation for e in emu.requests] == ["queryAll", "login", "queryAll"]
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
