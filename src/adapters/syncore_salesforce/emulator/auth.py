"""Users, session ids, SOAP ``login`` and the OAuth token endpoint (reference §7.1)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from syncore.testing.emulation import HttpReply as HttpResult

from . import soap
from .ids import make_id
from .oauth_grants import JWT_BEARER, OAuthGrants

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"


@dataclass
class User:
    """A Salesforce user the emulator accepts at login."""

    username: str
    password: str
    security_token: str
    user_id: str
    #: ``User.TimeZoneSidKey``: the zone Salesforce derives this user's dates in (an IANA id, or ``GMT``).
    time_zone: str = "GMT"


class Auth:
    """Accepted credentials and live session ids."""

    def __init__(
        self, org_id: str, users: Mapping[str, tuple[str, str]], accept_password_without_token: bool
    ) -> None:
        self.org_id = org_id
        self.accept_password_without_token = accept_password_without_token
        self.users: dict[str, User] = {}
        self.consumer_key = "emulator-consumer-key"
        self.consumer_secret = "emulator-consumer-secret"
        #: the connected app's JWT certificate and the refresh tokens issued (JWT bearer, refresh token grants)
        self.grants = OAuthGrants(self.consumer_key, self.consumer_secret)
        self._sessions: dict[str, str] = {}
        #: every session id ever issued, expired ones included (for tests that search output for them)
        self.issued: list[str] = []
        self._lock = threading.Lock()
        for username, (password, token) in users.items():
            self.add_user(username, password, token)

    def add_user(self, username: str, password: str, security_token: str, time_zone: str = "GMT") -> User:
        """Accept another login; user ids are 005-prefixed."""
        user = User(username, password, security_token, make_id("005", 100 + len(self.users)), time_zone)
        self.users[username] = user
        return user

    def user(self, username: str | None = None) -> User:
        """The named user, or the first (default) one."""
        return self.users[username] if username else next(iter(self.users.values()))

    def user_by_id(self, user_id: str | None) -> User | None:
        """The user with id *user_id*, if it is one of the accepted logins."""
        return next((u for u in self.users.values() if u.user_id == user_id), None)

    def issue_token(self, username: str | None = None) -> str:
        """A new valid session id (``00D…!AQ…``) for *username*."""
        token = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(40)}"
        with self._lock:
            self._sessions[token] = self.user(username).user_id
            self.issued.append(token)
        return token

    def expire_sessions(self) -> None:
        """Forget every session id."""
        with self._lock:
            self._sessions.clear()

    def authenticate(self, authorization: str) -> str | None:
        """The user id behind an ``Authorization: Bearer|OAuth <token>`` header, if valid."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return None
        with self._lock:
            return self._sessions.get(token.strip())

    def check_password(self, username: str | None, secret: str | None) -> User | None:
        """Password + security token (or the password alone from a "trusted IP range")."""
        user = self.users.get(username or "")
        if user is None or secret is None:
            return None
        if secret == user.password + user.security_token:
            return user
        if self.accept_password_without_token and secret == user.password:
            return user
        return None

    def soap_login(self, body: bytes, instance_url: str, api_version: str) -> HttpResult:
        """``POST /services/Soap/u/{ver}``: loginResponse, or the INVALID_LOGIN fault with HTTP 500."""
        username, secret = soap.parse_login(body)
        user = self.check_password(username, secret)
        if user is None:
            return HttpResult(500, soap.fault().encode(), {"Content-Type": XML_TYPE})
        token = self.issue_token(user.username)
        server_url = f"{instance_url}/services/Soap/u/{api_version}/{self.org_id[:15]}"
        text = soap.login_response(
            server_url, token, user.user_id, self.org_id, user.username, api_version, user.time_zone
        )
        return HttpResult(200, text.encode(), {"Content-Type": XML_TYPE})

    def oauth_token(
        self, body: bytes, authorization: str, instance_url: str, issued_ms: int, *, identity_base: str = ""
    ) -> HttpResult:
        """``POST /services/oauth2/token``: password, client-credentials, JWT bearer and refresh token grants.

        ``id`` is the identity URL ``{identity_base}/id/{orgId}/{userId}``: on the emulator's own address, so a
        client that follows it never reaches the real login.salesforce.com.
        """
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        user: User | None = None
        if grant in (JWT_BEARER, "refresh_token"):
            now = datetime.fromtimestamp(issued_ms / 1000, UTC)
            granted = (self.grants.jwt_bearer(form, now, self.users) if grant == JWT_BEARER
                       else self.grants.refresh(form))
            if isinstance(granted, tuple):
                error, description = granted
                body_out = {"error": error, "error_description": description}
                return HttpResult(400, json.dumps(body_out).encode(), {"Content-Type": JSON_TYPE})
            user = self.users[granted]
        elif (
            grant == "password"
            and form.get("client_id") == self.consumer_key
            and form.get("client_secret") == self.consumer_secret
        ):
            user = self.check_password(form.get("username"), form.get("password"))
        elif grant == "client_credentials":
            expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
            if authorization == f"Basic {expected}":
                user = self.user()
        if user is None:
            body_out = {"error": "invalid_grant", "error_description": "authentication failure"}
            return HttpResult(400, json.dumps(body_out).encode(), {"Content-Type": JSON_TYPE})
        payload = {
            "access_token": self.issue_token(user.username),
            "instance_url": instance_url,
            "id": f"{identity_base or instance_url}/id/{self.org_id}/{user.user_id}",
            "token_type": "Bearer",
            "issued_at": str(issued_ms),
            "signature": secrets.token_urlsafe(32),
        }
        return HttpResult(200, json.dumps(payload).encode(), {"Content-Type": JSON_TYPE})
