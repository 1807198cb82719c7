"""The Microsoft identity platform endpoints msal needs, served by the emulator under ``/{tenant}/``.

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (msal's tenant discovery; instance discovery is
  turned off by the client: ``instance_discovery=False``);
* ``POST /{tenant}/oauth2/v2.0/token`` with the client credentials grant, a client secret or a certificate
  assertion (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow),
  the device code grant and the refresh token grant
  (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code);
* ``POST /{tenant}/oauth2/v2.0/devicecode``.

Errors are the platform's ``{"error", "error_description", "error_codes"}`` with its AADSTS codes.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt

from .errors import GraphError, invalid_token

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_LIFETIME = 3599
#: id tokens are signed with a key of the emulator's own (msal reads their claims without checking the signature)
ID_TOKEN_KEY = "syncore-graph-emulator-id-token-signing-key"


@dataclass
class App:
    """A registered application: a client secret and/or a certificate (PEM) it may authenticate with."""

    client_id: str
    secret: str | None = None
    certificate_pem: bytes | None = None


@dataclass
class Principal:
    """Who a token stands for: a user (delegated) or the application alone (``upn`` None)."""

    client_id: str
    upn: str | None
    expires_at: float


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    expires_at: float
    approved_for: str | None = None


@dataclass
class Identity:
    """Issued tokens and pending device codes of one emulator (thread-safe)."""

    tenant: str
    apps: dict[str, App]
    default_upn: str
    users: set[str]
    #: device codes are approved for this user as soon as they are polled (tests that want "pending" set None)
    auto_approve: str | None = None
    access: dict[str, Principal] = field(default_factory=dict)
    refresh: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (client id, upn)
    devices: dict[str, DeviceCode] = field(default_factory=dict)
    #: every token and secret issued or registered (for tests that search output for them)
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- tokens ------------------------------------------------------------------------------------------
    def issue_access(self, client_id: str, upn: str | None, lifetime: float = TOKEN_LIFETIME) -> str:
        token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        with self.lock:
            self.access[token] = Principal(client_id, upn, time.time() + lifetime)
            self.issued.append(token)
        return token

    def principal(self, header: str) -> Principal:
        """The principal of ``Authorization: Bearer …``; 401 InvalidAuthenticationToken otherwise."""
        if not header.lower().startswith("bearer "):
            raise invalid_token("Access token is empty.")
        with self.lock:
            found = self.access.get(header[7:].strip())
        if found is None:
            raise invalid_token("Access token validation failure. Invalid audience.")
        if found.expires_at <= time.time():
            raise invalid_token("Lifetime validation failed, the token is expired.")
        return found

    def expire_access_tokens(self) -> None:
        with self.lock:
            for principal in self.access.values():
                principal.expires_at = 0

    # -- endpoints ---------------------------------------------------------------------------------------
    def openid_configuration(self, base: str) -> dict[str, Any]:
        root = f"{base}/{self.tenant}"
        return {"issuer": f"{root}/v2.0", "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{root}/discovery/v2.0/keys", "response_types_supported": ["code", "id_token"],
                "subject_types_supported": ["pairwise"], "id_token_signing_alg_values_supported": ["RS256"],
                "tenant_region_scope": "EU"}

    def device_code(self, form: dict[str, str], base: str) -> tuple[int, dict[str, Any]]:
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _oauth_error(400, "unauthorized_client", 700016, "Application with identifier was not found.")
        code = DeviceCode(secrets.token_urlsafe(32), secrets.token_hex(4).upper(), app.client_id, time.time() + 900)
        with self.lock:
            self.devices[code.device_code] = code
        uri = f"{base}/devicelogin"
        return 200, {"device_code": code.device_code, "user_code": code.user_code, "verification_uri": uri,
                     "expires_in": 900, "interval": 1,
                     "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                                f"{code.user_code} to authenticate."}

    def approve(self, user_code: str, upn: str) -> None:
        with self.lock:
            for code in self.devices.values():
                if code.user_code == user_code:
                    code.approved_for = upn.lower()
                    return
        raise KeyError(user_code)

    def token(self, form: dict[str, str], token_endpoint: str) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type")
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _oauth_error(400, "unauthorized_client", 700016,
                                f"Application with identifier '{form.get('client_id')}' was not found in the "
                                f"directory '{self.tenant}'.")
        if grant == "client_credentials":
            refusal = self._check_client(app, form, token_endpoint)
            if refusal is not None:
                return refusal
            if form.get("scope", "").split() != ["https://graph.microsoft.com/.default"]:
                return _oauth_error(400, "invalid_scope", 1002012,
                                    "The provided value for scope is not valid. Client credential flows must have a "
                                    "scope value with /.default suffixed to the resource identifier.")
            return 200, {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
                         "access_token": self.issue_access(app.client_id, None)}
        if grant == DEVICE_GRANT:
            return self._device_token(app, form, token_endpoint)
        if grant == "refresh_token":
            with self.lock:
                found = self.refresh.pop(form.get("refresh_token", ""), None)
            if found is None or found[0] != app.client_id:
                return _oauth_error(400, "invalid_grant", 700082, "The refresh token has expired or is invalid.")
            return 200, self._user_tokens(app.client_id, found[1], token_endpoint, form.get("scope", ""))
        return _oauth_error(400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type "
                                                                    f"'{grant}'.")

    def _check_client(self, app: App, form: dict[str, str], token_endpoint: str) -> tuple[int, dict] | None:
        if "client_secret" in form:
            if app.secret is None or not secrets.compare_digest(form["client_secret"], app.secret):
                return _oauth_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the "
                                    "secret being sent in the request is the client secret value, not the client "
                                    "secret ID, for a secret added to app.")
            return None
        if form.get("client_assertion_type") == ASSERTION_TYPE and app.certificate_pem is not None:
            try:
                from cryptography import x509

                key = x509.load_pem_x509_certificate(app.certificate_pem).public_key()
                claims = jwt.decode(form.get("client_assertion", ""), key, algorithms=["PS256", "RS256"],
                                    audience=token_endpoint)
            except Exception:  # noqa: BLE001 - any bad assertion is the same refusal
                claims = None
            if claims and claims.get("iss") == claims.get("sub") == app.client_id:
                return None
            return _oauth_error(401, "invalid_client", 700027, "Client assertion failed signature validation.")
        return _oauth_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: "
                                                            "'client_assertion' or 'client_secret'.")

    def _device_token(self, app: App, form: dict[str, str], token_endpoint: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            code = self.devices.get(form.get("device_code", ""))
            if code is not None and code.approved_for is None and self.auto_approve:
                code.approved_for = self.auto_approve
        if code is None or code.client_id != app.client_id:
            return _oauth_error(400, "invalid_grant", 70000, "The provided device code is invalid.")
        if code.expires_at <= time.time():
            return _oauth_error(400, "expired_token", 70020, "The provided value for the input parameter "
                                                              "'device_code' is not valid. This device code has expired.")
        if code.approved_for is None:
            return _oauth_error(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is "
                                                                     "pending. Continue polling.")
        with self.lock:
            del self.devices[code.device_code]
        return 200, self._user_tokens(app.client_id, code.approved_for, token_endpoint, form.get("scope", ""))

    def _user_tokens(self, client_id: str, upn: str, token_endpoint: str, scope: str) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(48)
        with self.lock:
            self.refresh[refresh] = (client_id, upn)
            self.issued.append(refresh)
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, upn))
        issuer = token_endpoint.rsplit("/oauth2/", 1)[0] + "/v2.0"
        now = int(time.time())
        id_token = jwt.encode({"iss": issuer, "aud": client_id, "sub": oid, "oid": oid, "tid": self.tenant,
                               "preferred_username": upn, "name": upn.split("@")[0], "iat": now, "nbf": now,
                               "exp": now + TOKEN_LIFETIME, "ver": "2.0"}, ID_TOKEN_KEY, algorithm="HS256")
        client_info = base64.urlsafe_b64encode(json.dumps({"uid": oid, "utid": self.tenant}).encode()).decode()
        return {"token_type": "Bearer", "scope": scope, "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
                "access_token": self.issue_access(client_id, upn), "refresh_token": refresh, "id_token": id_token,
                "client_info": client_info.rstrip("=")}


def _oauth_error(status: int, error: str, code: int, description: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": error, "error_description": f"AADSTS{code}: {description}", "error_codes": [code],
                    "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                    "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())}


def parse_form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


__all__ = ["App", "GraphError", "Identity", "Principal", "parse_form"]
