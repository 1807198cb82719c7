"""The OAuth 2.0 JWT bearer and refresh token grants of ``POST /services/oauth2/token``.

JWT bearer flow (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5):
the client posts ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and ``assertion=<JWT>``; the JWT
header is ``{"alg": "RS256"}`` and its claims are ``iss`` (the connected app's consumer key), ``sub`` (the
username), ``aud`` (``https://login.salesforce.com``, or ``https://test.salesforce.com`` for a sandbox) and
``exp``; Salesforce checks the signature with the certificate uploaded to the connected app. No refresh token is
issued. Errors are standard OAuth error responses, HTTP 400 ``{"error", "error_description"}``
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5).

Refresh token flow (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm&type=5):
``grant_type=refresh_token``, ``client_id``, ``refresh_token`` and, when the connected app requires it,
``client_secret``.

The error descriptions below are the ones clients report from real orgs (secondary: Salesforce StackExchange
questions 282513 and 201636 and the OAuth error page's examples); which one Salesforce picks for each cause is
unverified.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from datetime import datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: the audiences the JWT bearer flow documents (an Experience Cloud site URL is not emulated)
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")

#: (error, error_description) of a refused token request
Refusal = tuple[str, str]
INVALID_ASSERTION: Refusal = ("invalid_grant", "invalid assertion")
BAD_AUDIENCE: Refusal = ("invalid_grant", "audience is invalid")
EXPIRED_ASSERTION: Refusal = ("invalid_grant", "expired authorization code")
UNKNOWN_CLIENT: Refusal = ("invalid_client_id", "client identifier invalid")
BAD_CLIENT_SECRET: Refusal = ("invalid_client", "invalid client credentials")
NOT_APPROVED: Refusal = ("invalid_grant", "user hasn't approved this consumer")
EXPIRED_REFRESH_TOKEN: Refusal = ("invalid_grant", "expired access/refresh token")


class OAuthGrants:
    """The connected app's certificate and the refresh tokens the emulated org has issued."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        #: PEM of the public key uploaded with the connected app's certificate (None: JWT flow not set up)
        self.certificate: bytes | None = None
        self._refresh_tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- set-up (what an admin does in Setup) -------------------------------------------------------
    def jwt_key_pair(self) -> bytes:
        """Make a test RSA key pair, upload its public half as the connected app's certificate, and return the
        private key (PEM, unencrypted) for the client to sign with."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.certificate = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def issue_refresh_token(self, username: str) -> str:
        """A refresh token for *username*, as a web server or user-agent flow would have given the app."""
        token = f"5Aep861{secrets.token_urlsafe(48)}"
        with self._lock:
            self._refresh_tokens[token] = username
        return token

    def revoke_refresh_tokens(self) -> None:
        """Revoke every refresh token (an admin revoking the app's access, or the refresh token policy)."""
        with self._lock:
            self._refresh_tokens.clear()

    # -- grants -------------------------------------------------------------------------------------
    def jwt_bearer(self, form: Mapping[str, str], now: datetime, usernames: Mapping[str, object]) -> str | Refusal:
        """The username the assertion speaks for, or the refusal."""
        assertion = form.get("assertion") or ""
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return INVALID_ASSERTION
        if claims.get("iss") != self.consumer_key:
            return UNKNOWN_CLIENT
        if self.certificate is None:
            return INVALID_ASSERTION  # no certificate uploaded: nothing can verify the signature
        try:
            jwt.decode(assertion, self.certificate, algorithms=["RS256"], audience=list(AUDIENCES),
                       options={"require": ["iss", "sub", "aud", "exp"], "verify_exp": False})
        except jwt.InvalidAudienceError:
            return BAD_AUDIENCE
        except jwt.PyJWTError:
            return INVALID_ASSERTION
        try:
            expires = float(claims["exp"])
        except (TypeError, ValueError):
            return INVALID_ASSERTION
        # The emulator's clock, not the system's, is "now" at this server.
        if expires <= now.timestamp():
            return EXPIRED_ASSERTION
        username = str(claims.get("sub") or "")
        return username if username in usernames else NOT_APPROVED

    def refresh(self, form: Mapping[str, str]) -> str | Refusal:
        """The username the refresh token belongs to, or the refusal."""
        if form.get("client_id") != self.consumer_key:
            return UNKNOWN_CLIENT
        # Whether the secret is required ("Require Secret for Refresh Token Flow") is a connected-app setting;
        # the emulator accepts a request without it and refuses a wrong one.
        if "client_secret" in form and form["client_secret"] != self.consumer_secret:
            return BAD_CLIENT_SECRET
        with self._lock:
            username = self._refresh_tokens.get(form.get("refresh_token") or "")
        return username if username is not None else EXPIRED_REFRESH_TOKEN
