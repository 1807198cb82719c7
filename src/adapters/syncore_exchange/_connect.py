"""Building an exchangelib ``Account`` from an address, credentials or an OAuth token, and an endpoint.

Nothing here logs or raises with a secret in it: errors are rebuilt from the exception *type* and the
endpoint only, and :func:`redact` scrubs the secrets we were given from any text that leaves the adapter.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

from exchangelib import (
    BASIC,
    DELEGATE,
    NTLM,
    OAUTH2,
    Account,
    Build,
    Configuration,
    Credentials,
    EWSTimeZone,
    OAuth2AuthorizationCodeCredentials,
    Version,
)
from exchangelib.protocol import Protocol
from oauthlib.oauth2 import OAuth2Token

from syncore.errors import ConfigurationError

from ._policy import HintingFailFast
from .errors import call_error

_AUTH_TYPES = {"basic": BASIC, "ntlm": NTLM, "oauth2": OAUTH2}


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every non-trivial secret replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def build_credentials(username: str | None, password: str | None, token: Any) -> Any:
    """Basic/NTLM credentials from a user name and password, or OAuth 2 from a ready access token."""
    if token is not None:
        if password is not None:
            raise ConfigurationError("exchange: pass either a password or an OAuth token, not both", key="token")
        if isinstance(token, str):
            token = {"access_token": token, "token_type": "Bearer", "expires_at": time.time() + 3600}
        return OAuth2AuthorizationCodeCredentials(access_token=OAuth2Token(token))
    if not username or password is None:
        raise ConfigurationError("exchange: credentials need a user name and a password (or an OAuth token)",
                                 key="credentials")
    return Credentials(username, password)


def build_account(
    email: str,
    *,
    credentials: Any,
    server: str | None,
    service_endpoint: str | None,
    autodiscover: bool,
    auth_type: str | None,
    version: tuple[int, ...] | None,
    retry_policy: Any,
    default_timezone: str | None,
    access_type: str | None,
    secrets: tuple[str, ...],
) -> Account:
    """A ready ``Account``: explicit endpoint (``server`` or ``service_endpoint``) or autodiscover."""
    if sum((bool(server), bool(service_endpoint), bool(autodiscover))) != 1:
        raise ConfigurationError(
            "exchange: give exactly one of server=, service_endpoint= or autodiscover=True", key="service_endpoint")
    try:
        tz = EWSTimeZone(default_timezone) if default_timezone else EWSTimeZone.localzone()
    except Exception as exc:  # zoneinfo and exchangelib raise several kinds
        raise ConfigurationError(f"exchange: unknown or unmappable time zone {default_timezone!r}",
                                 key="default_timezone", value=default_timezone) from exc
    try:
        if autodiscover:
            return Account(email, credentials=credentials, autodiscover=True,
                           access_type=access_type or DELEGATE, default_timezone=tz)
        kwargs: dict[str, Any] = {"credentials": credentials, "retry_policy": retry_policy or HintingFailFast()}
        kwargs["server" if server else "service_endpoint"] = server or service_endpoint
        if auth_type is not None:
            kwargs["auth_type"] = _AUTH_TYPES.get(auth_type.lower(), auth_type)
        if version is not None:
            # with auth_type and version both pinned exchangelib sends no detection request
            kwargs["version"] = Version(build=Build(*version))
        config = Configuration(**kwargs)
        forget_cached_protocol(config)
        return Account(email, config=config, autodiscover=False, access_type=access_type or DELEGATE,
                       default_timezone=tz)
    except Exception as exc:  # noqa: BLE001 - anything from set-up (autodiscover, detection requests)
        # Rebuilt from the exception type only; the original is chained unless its text holds a secret.
        error = call_error(exc, f"open mailbox {email}")
        raise error from (None if _leaks(exc, secrets) else exc)


def forget_cached_protocol(config: Configuration) -> None:
    """Make the next Account for ``config`` build its own protocol.

    exchangelib caches one protocol per (endpoint, credentials) — including a failed one, whose error it
    re-raises forever — and silently reuses it even when the retry policy differs. A (re)connect must not
    inherit that. The entry is only dropped, not closed: accounts already using it keep working.
    """
    with suppress(KeyError), Protocol._protocol_cache_lock:
        del Protocol[config]


def _leaks(exc: BaseException, secrets: tuple[str, ...]) -> bool:
    text = repr(exc) + str(exc.args)
    return any(secret and len(secret) >= 4 and secret in text for secret in secrets)
