"""Login, sessions, wiring (plain and TLS), Sforce-Limit-Info and /limits."""

from __future__ import annotations

import os

import pytest
import requests
from sfemu_support import T0
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from syncore_salesforce.emulator import SalesforceEmulator


def test_soap_login_with_password_and_token(emu):
    sf = Salesforce(
        username="syncore@example.com",
        password="emulator-password",
        security_token="EMULATORTOKEN",
        session=emu.session(),
    )
    # serverUrl is https://127.0.0.1:PORT/..., so the instance keeps the emulator's port (reference §7.1 B).
    assert sf.sf_instance == f"127.0.0.1:{emu.port}"
    assert sf.session_id.startswith("00D") and "!" in sf.session_id
    assert sf.query("SELECT COUNT() FROM Contact") == {"totalSize": 0, "done": True, "records": []}
    login = [e for e in emu.requests if e.operation == "login"]
    assert len(login) == 1
    assert login[0].path == "/services/Soap/u/59.0"
    assert login[0].headers["SOAPAction"] == "login"


def test_bad_credentials_give_invalid_login_fault(emu):
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        emu.login_client(password="wrong")
    assert info.value.code == "INVALID_LOGIN"
    assert info.value.auth_message == "Invalid username, password, security token; or user locked out."


def test_invalid_login_fault_wire_shape(emu):
    body = """<?xml version="1.0" encoding="utf-8" ?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login><urn:username>nobody@example.com</urn:username>
    <urn:password>x</urn:password></urn:login></soapenv:Body></soapenv:Envelope>"""
    resp = requests.post(f"{emu.url}/services/Soap/u/59.0", data=body, headers={"SOAPAction": "login"})
    assert resp.status_code == 500
    assert resp.headers["Content-Type"].startswith("text/xml")
    assert "<faultcode>INVALID_LOGIN</faultcode>" in resp.text
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in resp.text


def test_login_without_token_rejected_unless_trusted(emu):
    with pytest.raises(SalesforceAuthenticationFailed):
        emu.login_client(security_token="")
    with SalesforceEmulator(accept_password_without_token=True) as trusted:
        sf = trusted.login_client(security_token="")
        assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_unknown_session_id_is_401_invalid_session(emu):
    sf = Salesforce(instance_url=emu.instance_url, session_id="00Dbogus!token", session=emu.session())
    with pytest.raises(SalesforceExpiredSession) as info:
        sf.query("SELECT Id FROM Contact")
    assert info.value.status == 401
    assert info.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_expired_session_triggers_relogin(emu):
    sf = emu.login_client()
    first = sf.session_id
    emu.expire_sessions()
    assert sf.query("SELECT COUNT() FROM Event")["totalSize"] == 0
    assert sf.session_id != first
    ops = [e.operation for e in emu.requests]
    assert ops == ["login", "query", "login", "query"]
    assert [e.status for e in emu.requests] == [200, 401, 200, 200]


def test_direct_client_cannot_relogin(emu):
    sf = emu.client()
    emu.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Contact")


def test_oauth_password_flow(emu):
    sf = Salesforce(
        username="syncore@example.com",
        password="emulator-password" + "EMULATORTOKEN",
        consumer_key=emu.consumer_key,
        consumer_secret=emu.consumer_secret,
        session=emu.session(),
    )
    assert sf.sf_instance == f"127.0.0.1:{emu.port}"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    resp = emu.session().post(
        "https://login.salesforce.com/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": emu.consumer_key,
            "client_secret": emu.consumer_secret,
            "username": "syncore@example.com",
            "password": "nope",
        },
    )
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_sforce_limit_info_on_every_response_and_limits(emu, sf):
    emu.set_api_usage(17)
    sf.query("SELECT Id FROM Contact")
    # Shape from the reference §4: "api-usage=18/5000" style; counted before answering.
    assert sf.api_usage["api-usage"].used == 18
    assert sf.api_usage["api-usage"].total == 15000
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - 19}
    resp = emu.session().get(
        f"{emu.instance_url}/services/data/v59.0/sobjects/Contact/003000000000000AAA",
        headers={"Authorization": "Bearer " + sf.session_id},
    )
    assert resp.status_code == 404
    assert resp.headers["Sforce-Limit-Info"] == "api-usage=20/15000"


def test_quota_exhausted_is_403(emu, sf):
    emu.exhaust_quota()
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query("SELECT Id FROM Contact")
    assert info.value.status == 403
    assert info.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert emu.requests[-1].counted is False
    resp = emu.session().get(
        f"{emu.instance_url}/services/data/v59.0/limits/",
        headers={"Authorization": "Bearer " + sf.session_id},
    )
    assert resp.headers["Sforce-Limit-Info"] == "api-usage=15000/15000"


def test_tls_mode_with_generated_ca(monkeypatch):
    # A hostile environment bundle must not win over session.verify (trust_env is off).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    with SalesforceEmulator(tls=True, start_time=T0) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        assert emu.ca_cert_path and os.path.exists(emu.ca_cert_path)
        sf = emu.client()
        created = sf.Contact.create({"LastName": "Hopper"})
        assert sf.Contact.get(created["id"])["LastName"] == "Hopper"
        sf2 = emu.login_client()
        assert sf2.query("SELECT COUNT() FROM Contact")["totalSize"] == 1
        # Without the CA the handshake fails: the certificate really is checked.
        plain = requests.Session()
        plain.trust_env = False
        with pytest.raises(requests.exceptions.SSLError):
            plain.get(emu.url + "/services/data/", timeout=5)
        ca = emu.ca_cert_path
    assert not os.path.exists(ca)


def test_wiring_without_helpers(emu):
    """The documented wiring B, built by hand: session=..., instance_url=https://127.0.0.1:PORT."""
    session = emu.session(requests.Session())
    sf = Salesforce(
        instance_url=emu.instance_url, session_id=emu.issue_token(), version="59.0", session=session
    )
    assert sf.base_url == f"https://127.0.0.1:{emu.port}/services/data/v59.0/"
    assert sf.restful("") is not None


def test_versions_endpoint(emu):
    resp = requests.get(emu.url + "/services/data/")
    assert resp.status_code == 200
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in resp.json()
