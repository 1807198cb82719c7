"""The identity platform endpoints (msal's view) and Graph's answers to tokens.

* https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow (secret and
  certificate assertion; scope must be ``{resource}/.default``; AADSTS errors)
* https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code (authorization_pending)
* https://learn.microsoft.com/en-us/graph/auth-v2-service (app-only: /users/{id}, /me not valid)
* https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access (application access policy)
"""

from __future__ import annotations

import datetime as dt
import ssl

import httpx
import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from graphemu_support import client

from syncore_graph.emulator import GRAPH_SCOPE, GraphEmulator


def _session(emu) -> requests.Session:
    session = requests.Session()
    session.verify, session.trust_env = emu.ca_cert_path, False
    return session


def _token_form(emu, **form) -> httpx.Response:
    with httpx.Client(verify=ssl.create_default_context(cafile=emu.ca_cert_path)) as http:
        return http.post(f"{emu.authority}/oauth2/v2.0/token", data=form)


def test_client_credentials_with_a_secret_as_msal_sends_them(emu):
    app = msal.ConfidentialClientApplication(emu.client_id, client_credential=emu.client_secret,
                                             authority=emu.authority, http_client=_session(emu),
                                             instance_discovery=False)
    result = app.acquire_token_for_client([GRAPH_SCOPE])
    assert result["token_type"] == "Bearer" and result["expires_in"] > 3000
    with client(emu, result["access_token"]) as app_client:
        assert app_client.get("/users/user@example.com/events").status_code == 200
        me = app_client.get("/me/events")
        assert me.status_code == 400 and "delegated authentication flow" in me.json()["error"]["message"]


def test_oauth_refusals_carry_aadsts_codes(emu):
    bad_secret = _token_form(emu, grant_type="client_credentials", client_id=emu.client_id, client_secret="nope",
                             scope=GRAPH_SCOPE)
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    assert bad_secret.json()["error_codes"] == [7000215]
    bad_scope = _token_form(emu, grant_type="client_credentials", client_id=emu.client_id,
                            client_secret=emu.client_secret, scope="Calendars.Read")
    assert bad_scope.status_code == 400 and bad_scope.json()["error"] == "invalid_scope"
    unknown = _token_form(emu, grant_type="client_credentials", client_id="nobody", client_secret="x", scope=GRAPH_SCOPE)
    assert unknown.json()["error"] == "unauthorized_client"


def _certificate() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syncore test app")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def test_client_credentials_with_a_certificate_assertion():
    key_pem, cert_pem = _certificate()
    with GraphEmulator(client_secret=None, certificate_pem=cert_pem) as emu:
        credential = {"private_key": key_pem.decode(), "public_certificate": cert_pem.decode()}
        app = msal.ConfidentialClientApplication(emu.client_id, client_credential=credential, authority=emu.authority,
                                                 http_client=_session(emu), instance_discovery=False)
        assert "access_token" in app.acquire_token_for_client([GRAPH_SCOPE])
        other_key, _ = _certificate()
        wrong = msal.ConfidentialClientApplication(emu.client_id, client_credential={
            "private_key": other_key.decode(), "public_certificate": cert_pem.decode()}, authority=emu.authority,
            http_client=_session(emu), instance_discovery=False)
        assert wrong.acquire_token_for_client([GRAPH_SCOPE])["error"] == "invalid_client"


def test_device_code_pending_until_approved_then_refresh_tokens_rotate(emu):
    emu.identity.auto_approve = None
    app = msal.PublicClientApplication(emu.client_id, authority=emu.authority, http_client=_session(emu),
                                       instance_discovery=False)
    flow = app.initiate_device_flow(scopes=["Calendars.ReadWrite"])
    assert flow["user_code"] in flow["message"] and flow["interval"] == 1
    polls = []

    def exit_condition(flow):
        polls.append(1)
        if len(polls) == 1:
            emu.approve_device_code(flow["user_code"])
        return len(polls) > 5

    result = app.acquire_token_by_device_flow(flow, exit_condition=exit_condition)
    assert "access_token" in result and "refresh_token" in result, result
    account = app.get_accounts()[0]
    assert account["username"] == "user@example.com"
    refreshed = app.acquire_token_silent(["Calendars.ReadWrite"], account=account, force_refresh=True)
    assert refreshed["access_token"] != result["access_token"]
    assert refreshed["refresh_token"] != result["refresh_token"]


def test_graph_refuses_missing_expired_and_foreign_tokens(emu):
    with client(emu) as anonymous:
        answer = anonymous.get("/me/events")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    token = emu.issue_token()
    emu.expire_tokens()
    with client(emu, token) as expired:
        assert "expired" in expired.get("/me/events").json()["error"]["message"]
    with client(emu, emu.issue_token()) as user:
        other = user.get("/users/other@example.com/events")
        assert other.status_code == 403 and other.json()["error"]["code"] == "ErrorAccessDenied"


def test_an_application_access_policy_limits_app_only_mailboxes():
    with GraphEmulator(["user@example.com", "ceo@example.com"], app_mailboxes=["user@example.com"]) as emu, \
            client(emu, emu.issue_token(app_only=True)) as app:
        assert app.get("/users/user@example.com/events").status_code == 200
        assert app.get("/users/ceo@example.com/events").status_code == 403
        assert app.get("/users/nobody@example.com/events").json()["error"]["code"] == "ErrorInvalidUser"


def test_app_only_tokens_read_to_do_but_may_not_write_it(emu):
    # Microsoft To Do: reads take the application permission Tasks.Read.All (todo-list-lists, todotask-get),
    # writes have none ("Application: Not supported":
    # https://learn.microsoft.com/en-us/graph/api/todotasklist-post-tasks, todotask-update, todotask-delete)
    task = emu.create("task", {"title": "Call back"})
    list_id = emu.mailbox().default_task_list().id
    base = f"/users/{emu.default_upn}/todo/lists/{list_id}/tasks"
    with client(emu, emu.issue_token(app_only=True)) as app:
        assert app.get(f"/users/{emu.default_upn}/todo/lists").status_code == 200
        assert app.get(f"{base}/{task['id']}").status_code == 200
        for answer in (app.post(base, json={"title": "New"}),
                       app.patch(f"{base}/{task['id']}", json={"title": "x"}), app.delete(f"{base}/{task['id']}")):
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "ErrorAccessDenied"
        batch = app.post("/$batch", json={"requests": [
            {"id": "1", "method": "POST", "url": f"{base}", "body": {"title": "In a batch"},
             "headers": {"Content-Type": "application/json"}},
            {"id": "2", "method": "GET", "url": f"{base}/{task['id']}"}]})
        statuses = {r["id"]: r["status"] for r in batch.json()["responses"]}
        assert statuses == {"1": 403, "2": 200}
    with client(emu, emu.issue_token()) as user:  # the mailbox's own user, delegated: writes are fine
        assert user.post(f"/me/todo/lists/{list_id}/tasks", json={"title": "Mine"}).status_code == 201
    assert sorted(t["title"] for t in emu.items("task")) == ["Call back", "Mine"]
