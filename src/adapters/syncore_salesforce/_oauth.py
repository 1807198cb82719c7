"""The OAuth 2.0 token endpoint: username-password, JWT bearer and refresh token grants.

One function posts the documented form and reads the answer for all three grants. simple-salesforce 1.12's
``token_login`` is not used: it has no refresh token grant, and it fails with ``AttributeError`` on a JSON
error body that is not an object and calls a 503 page an authentication failure.

* JWT bearer: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5
* refresh token: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm&type=5
* errors: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from syncore import redaction
from syncore.errors import AuthenticationError, ConfigurationError, TransientError

from .errors import NETWORK_ERRORS, network_error

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: how long a JWT assertion is valid; the flow's page asks for an expiry within 3 minutes
ASSERTION_LIFETIME = timedelta(minutes=3)


def token_url(domain: str) -> str:
    return f"https://{domain}.salesforce.com/services/oauth2/token"


def audience(domain: str) -> str:
    """The JWT ``aud``: the documented values are https://login.salesforce.com and (sandboxes)
    https://test.salesforce.com, whatever My Domain the token request goes to."""
    sandbox = domain == "test" or domain.endswith(".sandbox.my")
    return "https://test.salesforce.com" if sandbox else "https://login.salesforce.com"


def read_private_key(*, key_file: str | None, key_text: str | None) -> bytes:
    """The JWT signing key (PEM), checked before any network call."""
    if key_file is not None:
        try:
            with open(key_file, "rb") as handle:
                pem = handle.read()
        except OSError as exc:
            raise ConfigurationError(f"jwt_key_file: cannot read {key_file!r}: {exc.strerror}", key="jwt_key_file",
                                     value=key_file) from None
        name = "jwt_key_file"
        # the key read from the file is as secret as one given as text
        redaction.register_secrets(*key_parts(pem.decode("ascii", "replace")))
    else:
        pem = (key_text or "").encode()
        name = "jwt_private_key"
    try:
        load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        # the key's own text is never repeated in the message
        raise ConfigurationError(f"{name}: expected an unencrypted PEM private key (RSA, for RS256)",
                                 key=name) from None
    return pem


def key_parts(pem: str) -> list[str]:
    """A PEM key and each of its base64 lines (a log may show a fragment); the armour lines are no secret."""
    return [pem, *(line for line in pem.splitlines() if len(line) >= 16 and not line.startswith("-----"))]


def jwt_assertion(*, consumer_key: str, username: str, domain: str, private_key: bytes,
                  now: Callable[[], datetime]) -> str:
    claims = {"iss": consumer_key, "sub": username, "aud": audience(domain),
              "exp": int((now() + ASSERTION_LIFETIME).timestamp())}
    return jwt.encode(claims, private_key, algorithm="RS256")


def request_token(http: requests.Session, domain: str, form: dict[str, str]) -> dict[str, Any]:
    """POST ``form`` to the token endpoint; the answer's JSON object (``access_token``, ``instance_url`` ...).

    :raises TransientError: no connection, no answer, or a 5xx: try again later
    :raises AuthenticationError: the grant was refused (``error`` / ``error_description`` from the answer)
    """
    host = f"{domain}.salesforce.com"
    try:
        response = http.post(token_url(domain), data=form, headers={"Accept": "application/json"})
    except NETWORK_ERRORS as exc:
        raise network_error(exc, "login", write=False, host=host) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500:
        raise TransientError(f"Salesforce login at {host} failed: HTTP {response.status_code} (the server is "
                             "unavailable; the sync is retried later)", code=f"HTTP_{response.status_code}")
    if response.status_code == 200 and isinstance(body, dict) and body.get("access_token") and body.get(
            "instance_url"):
        return body
    if isinstance(body, dict) and body.get("error"):
        code = str(body["error"])
        raise AuthenticationError(f"Salesforce login at {host} refused: {code}: {body.get('error_description', '')}",
                                  code=code)
    raise AuthenticationError(f"Salesforce login at {host} refused: HTTP {response.status_code}",
                              code=f"HTTP_{response.status_code}")
