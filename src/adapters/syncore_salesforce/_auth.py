"""Logging in, and the adapter's own capped re-login.

simple-salesforce can re-login by itself, but ``SFType`` calls lose the retry counter and loop until
``RecursionError`` against a server that rejects every token (issue #804, reference §6.4). The adapter
therefore owns re-authentication: :func:`session_factory` logs in with :func:`simple_salesforce.SalesforceLogin`
and builds a *direct* (session id) client that never re-logs in on its own; the transport calls the factory
again at most once per failed call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from syncore.errors import AuthenticationError, ConfigurationError

log = logging.getLogger(__name__)

ClientFactory = Callable[[], Salesforce]


def session_factory(
    *,
    username: str | None = None,
    password: str | None = None,
    security_token: str | None = None,
    domain: str = "login",
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    session_id: str | None = None,
    instance_url: str | None = None,
    version: str = "59.0",
    session: requests.Session | None = None,
) -> tuple[ClientFactory, bool]:
    """A function that returns a freshly authenticated client, and whether calling it again re-logs in.

    Credentials are captured in the closure only; they are never logged or put in an error message.
    """
    http = session or requests.Session()
    if session_id is not None or instance_url is not None:
        if not (session_id and instance_url):
            raise ConfigurationError("session id login needs both session_id and instance_url", key="session_id")

        def direct() -> Salesforce:
            return Salesforce(session_id=session_id, instance_url=instance_url, version=version, session=http)

        return direct, False
    if not (username and password):
        raise ConfigurationError(
            "Salesforce login needs username + password + security_token (or consumer_key/consumer_secret for "
            "OAuth), or session_id + instance_url",
            key="username",
        )
    if consumer_key is None and security_token is None:
        raise ConfigurationError("password login needs the user's security_token", key="security_token")

    def fresh() -> Salesforce:
        log.debug("logging in to Salesforce (domain %s)", domain)
        try:
            if consumer_key is not None:
                # OAuth 2.0 username-password flow; the token is appended to the password when given.
                token, instance = SalesforceLogin(
                    username=username, password=password + (security_token or ""), consumer_key=consumer_key,
                    consumer_secret=consumer_secret, domain=domain, session=http, sf_version=version,
                )
            else:
                token, instance = SalesforceLogin(
                    username=username, password=password, security_token=security_token, domain=domain,
                    session=http, sf_version=version,
                )
        except SalesforceAuthenticationFailed as exc:
            raise AuthenticationError(
                f"Salesforce login refused: {exc.code}: {exc.message}", code=str(exc.code)
            ) from None if _leaks(exc, password, security_token, consumer_secret) else exc
        return Salesforce(session_id=token, instance=instance, version=version, session=http)

    return fresh, True


def _leaks(exc: Exception, *secrets: str | None) -> bool:
    """True when the library's exception text carries a secret: then it is not kept as the cause either."""
    text = f"{exc} {getattr(exc, 'message', '')}"
    return any(secret and secret in text for secret in secrets)
