"""Signing in, and the adapter's own capped re-login.

simple-salesforce can re-login by itself, but ``SFType`` calls lose the retry counter and loop until
``RecursionError`` against a server that rejects every token (issue #804, reference §6.4). The adapter
therefore owns re-authentication: :func:`session_factory` returns a function that signs in and builds a
*direct* (session id) client that never re-logs in on its own; the transport calls it again at most once per
failed call.

Sign-in flows, chosen by the arguments given (the first row that applies):

==========================================  ==============================================================
``session_id`` + ``instance_url``            an existing session; cannot sign in again when it expires
``refresh_token`` + ``consumer_key``         OAuth 2.0 refresh token flow (``consumer_secret`` when the app
                                             requires it)
``jwt_key_file`` or ``jwt_private_key``      OAuth 2.0 JWT bearer flow: ``username`` + ``consumer_key``, the
                                             assertion signed with the private key (RS256)
``consumer_key`` + ``consumer_secret``       OAuth 2.0 username-password flow: ``username`` + ``password``
                                             (+ ``security_token``, appended to the password)
otherwise                                    SOAP ``login``: ``username`` + ``password`` + ``security_token``
==========================================  ==============================================================

Every failure is a syncore error naming Salesforce and the login host: a refusal is an
:class:`~syncore.errors.AuthenticationError`; no connection, no answer or a 5xx is a
:class:`~syncore.errors.TransientError` (the sync is retried later). No credential is logged or put in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from syncore import redaction
from syncore.errors import AdapterError, AuthenticationError, ConfigurationError, TransientError

from . import _oauth
from .errors import NETWORK_ERRORS, network_error

log = logging.getLogger(__name__)

ClientFactory = Callable[[], Salesforce]
#: SOAP fault codes that mean "try again later", not "wrong credentials"
_TRANSIENT_LOGIN_CODES = frozenset({"SERVER_UNAVAILABLE"})


def session_factory(
    *,
    username: str | None = None,
    password: str | None = None,
    security_token: str | None = None,
    domain: str = "login",
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    jwt_key_file: str | None = None,
    jwt_private_key: str | None = None,
    refresh_token: str | None = None,
    session_id: str | None = None,
    instance_url: str | None = None,
    version: str = "59.0",
    session: requests.Session | None = None,
    clock: Callable[[], datetime] | None = None,
) -> tuple[ClientFactory, bool]:
    """A function that returns a freshly signed-in client, and whether calling it again signs in again.

    Settings are checked here, before any network call. Credentials are captured in the closure only.

    :raises ConfigurationError: no complete set of credentials for any flow, or an unreadable private key
    """
    http = session or requests.Session()
    host = f"{domain}.salesforce.com"
    secrets = (password, security_token, consumer_secret, jwt_private_key, refresh_token, session_id)
    # masked in every log record of every logger from now on (syncore.redaction); a PEM key line by line too
    redaction.register_secrets(*secrets, *_oauth.key_parts(jwt_private_key or ""))
    if session_id is not None or instance_url is not None:
        # An existing session: there is nothing to sign in again with.
        if not (session_id and instance_url):
            raise ConfigurationError("session id login needs both session_id and instance_url", key="session_id")

        def direct() -> Salesforce:
            return Salesforce(session_id=session_id, instance_url=instance_url, version=version, session=http)

        return direct, False
    if refresh_token is not None:
        # The app was authorised once interactively; the refresh token stands for the user from then on.
        _require(consumer_key=consumer_key, flow="the refresh token flow")
        form = {"grant_type": "refresh_token", "client_id": consumer_key, "refresh_token": refresh_token}
        if consumer_secret is not None:
            form["client_secret"] = consumer_secret

        def refreshed() -> Salesforce:
            answer = _token(http, domain, form, secrets)
            if answer.get("refresh_token") and answer["refresh_token"] != form["refresh_token"]:
                # Refresh token rotation is on: the old token is void from now on. Later re-logins in this
                # process use the new one; the configured one will no longer work (see docs/salesforce.md).
                form["refresh_token"] = answer["refresh_token"]
                log.warning("Salesforce rotated the refresh token: the configured refresh_token stops working; "
                            "turn off refresh token rotation for the connected app or use the JWT bearer flow")
            return _client(answer, version, http)

        return refreshed, True
    if jwt_key_file is not None or jwt_private_key is not None:
        # Server to server: the connected app holds the certificate, no password is involved.
        _require(username=username, consumer_key=consumer_key, flow="the JWT bearer flow")
        key = _oauth.read_private_key(key_file=jwt_key_file, key_text=jwt_private_key)
        now = clock or (lambda: datetime.now(UTC))

        def bearer() -> Salesforce:
            assertion = _oauth.jwt_assertion(consumer_key=consumer_key, username=username,  # type: ignore[arg-type]
                                             domain=domain, private_key=key, now=now)
            return _client(_token(http, domain, {"grant_type": _oauth.JWT_BEARER, "assertion": assertion},
                                  secrets), version, http)

        return bearer, True
    if consumer_key is not None:
        # OAuth username-password flow through a connected app; the token is appended to the password.
        _require(username=username, password=password, consumer_secret=consumer_secret,
                 flow="the OAuth username-password flow")
        form = {"grant_type": "password", "client_id": consumer_key, "client_secret": consumer_secret,
                "username": username, "password": password + (security_token or "")}  # type: ignore[operator]

        def oauth_password() -> Salesforce:
            return _client(_token(http, domain, form, secrets), version, http)  # type: ignore[arg-type]

        return oauth_password, True
    if not (username and password):
        raise ConfigurationError(
            "Salesforce sign-in needs one of: username + password + security_token; username + consumer_key + "
            "jwt_key_file (JWT bearer); refresh_token + consumer_key; username + password + consumer_key + "
            "consumer_secret (OAuth); session_id + instance_url (see `syncore docs salesforce`)",
            key="username",
        )
    if security_token is None:
        raise ConfigurationError("password login needs the user's security_token", key="security_token")

    def soap() -> Salesforce:
        log.debug("logging in to Salesforce at %s", host)
        try:
            token, instance = SalesforceLogin(username=username, password=password, security_token=security_token,
                                              domain=domain, session=http, sf_version=version)
        except SalesforceAuthenticationFailed as exc:
            raise _soap_refusal(exc, host, secrets) from (None if _leaks(exc, *secrets) else exc)
        except NETWORK_ERRORS as exc:
            raise network_error(exc, "login", write=False, host=host) from exc
        redaction.register_secrets(token)
        return Salesforce(session_id=token, instance=instance, version=version, session=http)

    return soap, True


def _require(*, flow: str, **values: str | None) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigurationError(f"{flow} needs {' and '.join(missing)}", key=missing[0])


def _token(http: requests.Session, domain: str, form: dict[str, str], secrets: tuple[str | None, ...]) -> dict:
    log.debug("signing in to Salesforce at %s.salesforce.com (%s grant)", domain, form["grant_type"])
    try:
        return _oauth.request_token(http, domain, form)
    except AuthenticationError as exc:
        if _leaks(exc, *secrets):
            raise AuthenticationError(f"Salesforce login at {domain}.salesforce.com refused (the answer is not "
                                      "shown: it repeats a credential)", code=exc.code) from None
        raise


def _client(answer: dict, version: str, http: requests.Session) -> Salesforce:
    redaction.register_secrets(answer["access_token"])
    return Salesforce(session_id=answer["access_token"], instance_url=answer["instance_url"], version=version,
                      session=http)


def _soap_refusal(exc: SalesforceAuthenticationFailed, host: str, secrets: tuple[str | None, ...]) -> AdapterError:
    """simple-salesforce's login failure as a syncore error.

    ``code`` is the SOAP fault's ``sf:exceptionCode``, or the HTTP status when the answer was no SOAP fault
    (an overloaded server's error page): then the page is not repeated, and a 5xx is temporary.
    """
    code = exc.code
    if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
        status = int(code)
        if status >= 500:
            return TransientError(f"Salesforce login at {host} failed: HTTP {status} (the server is unavailable; "
                                  "the sync is retried later)", code=f"HTTP_{status}")
        return AuthenticationError(f"Salesforce login at {host} refused: HTTP {status}", code=f"HTTP_{status}")
    message = str(getattr(exc, "auth_message", "") or "")
    if _leaks(exc, *secrets):
        message = "(the answer is not shown: it repeats a credential)"
    if code in _TRANSIENT_LOGIN_CODES:
        return TransientError(f"Salesforce login at {host} failed: {code}: {message}", code=str(code))
    return AuthenticationError(f"Salesforce login at {host} refused: {code}: {message}", code=str(code))


def _leaks(exc: Exception, *secrets: str | None) -> bool:
    """True when the library's exception text carries a secret: then it is not kept as the cause either."""
    text = f"{exc} {getattr(exc, 'auth_message', '')}"
    return any(secret and secret in text for secret in secrets)
