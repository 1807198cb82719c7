"""The token endpoint's JWT bearer and refresh token grants, driven by raw HTTP and by simple-salesforce.

JWT bearer flow: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5
(header ``{"alg":"RS256"}``; claims iss = consumer key, sub = username, aud = https://login.salesforce.com or
https://test.salesforce.com, exp; POST grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...).
Refresh token flow: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm&type=5
(POST grant_type=refresh_token&client_id=...&client_secret=...&refresh_token=...).
Errors: HTTP 400 ``{"error", "error_description"}``,
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5 (the descriptions
are the ones reported from real orgs; secondary).
"""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sfemu_support import T0
from simple_salesforce import Salesforce

from syncore_salesforce.emulator import SalesforceEmulator

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _assertion(emu, key: bytes | str, *, aud: str = "https://login.salesforce.com", sub: str | None = None,
               iss: str | None = None, exp_in: timedelta = timedelta(minutes=3)) -> str:
    claims = {"iss": iss or emu.consumer_key, "sub": sub or emu.auth.user().username, "aud": aud,
              "exp": str(int((emu.clock.now() + exp_in).timestamp()))}  # the doc's sample sends exp as a string
    return jwt.encode(claims, key, algorithm="RS256", headers={"alg": "RS256"})


def _token(emu, form: dict[str, str]):
    return emu.session().post(f"{emu.instance_url}/services/oauth2/token", data=form)


def test_jwt_bearer_grant_issues_a_working_access_token(emu):
    private_key = emu.auth.grants.jwt_key_pair()
    answer = _token(emu, {"grant_type": JWT_GRANT, "assertion": _assertion(emu, private_key)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["instance_url"] == emu.instance_url
    assert "refresh_token" not in body, "the JWT bearer flow issues no refresh token"
    query = emu.session().get(f"{emu.instance_url}/services/data/v59.0/query/?q=SELECT+Id+FROM+Contact",
                              headers={"Authorization": f"Bearer {body['access_token']}"})
    assert query.status_code == 200
    assert [e.operation for e in emu.requests] == ["oauth", "query"]


def test_simple_salesforce_signs_in_with_its_own_jwt_support():
    with SalesforceEmulator() as emu:  # system-time clock: simple-salesforce stamps exp from the system clock
        private_key = emu.auth.grants.jwt_key_pair()
        sf = Salesforce(username=emu.auth.user().username, consumer_key=emu.consumer_key,
                        privatekey=private_key.decode(), session=emu.session())
        assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


@pytest.mark.parametrize(("change", "error", "description"), [
    ("other_key", "invalid_grant", "invalid assertion"),
    ("audience", "invalid_grant", "audience is invalid"),
    ("expired", "invalid_grant", "expired authorization code"),
    ("issuer", "invalid_client_id", "client identifier invalid"),
    ("user", "invalid_grant", "user hasn't approved this consumer"),
    ("garbage", "invalid_grant", "invalid assertion"),
])
def test_jwt_bearer_refusals(emu, change, error, description):
    private_key = emu.auth.grants.jwt_key_pair()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assertion = {
        "other_key": lambda: _assertion(emu, other),
        "audience": lambda: _assertion(emu, private_key, aud="https://example.com"),
        "expired": lambda: _assertion(emu, private_key, exp_in=timedelta(seconds=-1)),
        "issuer": lambda: _assertion(emu, private_key, iss="not-the-consumer-key"),
        "user": lambda: _assertion(emu, private_key, sub="nobody@example.com"),
        "garbage": lambda: "not.a.jwt",
    }[change]()
    answer = _token(emu, {"grant_type": JWT_GRANT, "assertion": assertion})
    assert answer.status_code == 400
    assert answer.json() == {"error": error, "error_description": description}


def test_a_sandbox_audience_is_accepted(emu):
    private_key = emu.auth.grants.jwt_key_pair()
    answer = _token(emu, {"grant_type": JWT_GRANT,
                          "assertion": _assertion(emu, private_key, aud="https://test.salesforce.com")})
    assert answer.status_code == 200


def test_without_an_uploaded_certificate_no_assertion_verifies(emu):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    answer = _token(emu, {"grant_type": JWT_GRANT, "assertion": _assertion(emu, key)})
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_refresh_token_grant(emu):
    refresh_token = emu.auth.grants.issue_refresh_token(emu.auth.user().username)
    form = {"grant_type": "refresh_token", "client_id": emu.consumer_key, "client_secret": emu.consumer_secret,
            "refresh_token": refresh_token}
    answer = _token(emu, form)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["access_token"] and "refresh_token" not in body
    assert emu.auth.authenticate(f"Bearer {body['access_token']}") == emu.user_id
    assert _token(emu, {**form, "client_secret": "wrong"}).json()["error"] == "invalid_client"
    assert _token(emu, {**form, "client_id": "other-app"}).json()["error"] == "invalid_client_id"
    emu.auth.grants.revoke_refresh_tokens()
    refused = _token(emu, form)
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_the_frozen_clock_decides_expiry():
    with SalesforceEmulator(start_time=T0) as emu:
        private_key = emu.auth.grants.jwt_key_pair()
        fresh = _assertion(emu, private_key, exp_in=timedelta(minutes=1))
        emu.clock.advance(timedelta(minutes=2))
        answer = _token(emu, {"grant_type": JWT_GRANT, "assertion": fresh})
        assert answer.json()["error_description"] == "expired authorization code"
