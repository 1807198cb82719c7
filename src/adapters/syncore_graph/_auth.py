"""Access tokens through msal: app-only client credentials (a secret or a certificate) for server use, and the
delegated device code flow with a persisted token cache (an owner-only file) for a desktop user.

Both are :class:`TokenProvider`: ``token()`` returns a valid access token (msal refreshes silently) and
``invalidate()`` drops the current one after Graph refused it (401), so the next ``token()`` gets a new one.
Every secret and every token msal hands out is registered with :mod:`syncore.redaction`, so no log line of
any logger (msal's, httpx's, urllib3's) shows it.

* Client credentials: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
* Device code: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import msal

from syncore import redaction
from syncore._files import write_private_text
from syncore.errors import AuthenticationError, SignInRequired, TransientError

GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
#: what a delegated sign-in asks for (msal adds openid, profile and offline_access itself)
DELEGATED_SCOPES = ("Calendars.ReadWrite", "Contacts.ReadWrite", "Tasks.ReadWrite", "User.Read")
LOGIN_HOST = "https://login.microsoftonline.com"


class TokenProvider(Protocol):
    """What the Graph client needs from a sign-in: a current bearer token, and a way to drop a refused one."""

    def token(self) -> str: ...

    def invalidate(self) -> None: ...


def _register(result: dict[str, Any] | None) -> None:
    if result:
        redaction.register_secrets(result.get("access_token"), result.get("refresh_token"), result.get("id_token"))


def _token_of(result: dict[str, Any] | None, what: str) -> str:
    if result and "access_token" in result:
        return result["access_token"]
    error = (result or {}).get("error") or "no token"
    description = str((result or {}).get("error_description") or "").split("\r\n")[0][:200]
    if error in ("temporarily_unavailable", "server_error"):
        raise TransientError(f"graph: {what}: the identity platform is unavailable ({error})", code=error)
    raise AuthenticationError(f"graph: {what}: sign-in refused ({error}: {description})", code=error)


def _msal_call(call: Callable[[], Any], what: str) -> Any:
    # msal raises requests' errors for connection failures and ValueError for a bad authority.
    try:
        return call()
    except ValueError as exc:
        raise AuthenticationError(f"graph: {what}: the authority could not be used ({type(exc).__name__})") from exc
    except OSError as exc:
        raise TransientError(f"graph: {what}: the identity platform could not be reached "
                             f"({type(exc).__name__})") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("requests"):
            raise TransientError(f"graph: {what}: the identity platform could not be reached "
                                 f"({type(exc).__name__})") from exc
        raise


def _http_client(verify: bool | str) -> Any:
    """msal's HTTP session. With a CA bundle of our own, the environment's bundle (REQUESTS_CA_BUNDLE, which
    requests lets override a session's ``verify``) must not replace it."""
    if verify is True:
        return None
    import requests

    session = requests.Session()
    session.verify = verify
    session.trust_env = False
    return session


def _discovery(authority_host: str) -> bool | None:
    # Microsoft's own login host is validated by instance discovery; any other (a sovereign cloud given
    # explicitly, the emulator) is used as given.
    return None if authority_host.rstrip("/") == LOGIN_HOST else False


class StaticToken:
    """A token given as is (tests, or a token obtained elsewhere); it cannot be renewed."""

    def __init__(self, value: str) -> None:
        redaction.register_secrets(value)
        self._value = value

    def token(self) -> str:
        return self._value

    def invalidate(self) -> None:
        pass


class ClientCredentials:
    """App-only tokens (``/.default`` scope) for a confidential client: a secret, or a certificate's private key
    and public certificate (PEM; msal signs the assertion and sends the SHA-256 thumbprint)."""

    def __init__(self, *, tenant: str, client_id: str, client_secret: str | None = None,
                 private_key: str | None = None, certificate: str | None = None, authority_host: str = LOGIN_HOST,
                 verify: bool | str = True) -> None:
        if bool(client_secret) == bool(private_key):
            raise AuthenticationError("graph: give either a client secret or a certificate (private_key and "
                                      "certificate), not both and not neither")
        redaction.register_secrets(client_secret, *(private_key or "").splitlines()[1:-1])
        credential: Any = client_secret
        if private_key:
            credential = {"private_key": private_key, "public_certificate": certificate}
        self._app = _msal_call(lambda: msal.ConfidentialClientApplication(
            client_id, client_credential=credential, authority=f"{authority_host.rstrip('/')}/{tenant}",
            verify=verify, http_client=_http_client(verify), instance_discovery=_discovery(authority_host)),
            "sign-in")
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            result = _msal_call(lambda: self._app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE]),
                                "client credentials")
        _register(result)
        return _token_of(result, "client credentials")

    def invalidate(self) -> None:
        # msal answers from its cache until expiry; a token Graph refused must leave the cache
        with self._lock:
            cache = self._app.token_cache
            for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(entry)


class DeviceCodeSignIn:
    """Delegated tokens for one user: a device code sign-in once, then silent refreshes from a token cache
    persisted in ``cache_path`` (owner-only, 0600)."""

    def __init__(self, *, tenant: str, client_id: str, cache_path: str | os.PathLike[str],
                 authority_host: str = LOGIN_HOST, verify: bool | str = True,
                 scopes: tuple[str, ...] = DELEGATED_SCOPES, username: str | None = None) -> None:
        self.cache_path = Path(cache_path)
        self.scopes = list(scopes)
        self.username = username
        self._cache = msal.SerializableTokenCache()
        if self.cache_path.exists():
            self._cache.deserialize(self.cache_path.read_text(encoding="utf-8"))
            self._register_cached()
        self._app = _msal_call(lambda: msal.PublicClientApplication(
            client_id, authority=f"{authority_host.rstrip('/')}/{tenant}", token_cache=self._cache, verify=verify,
            http_client=_http_client(verify), instance_discovery=_discovery(authority_host)), "sign-in")
        self._lock = threading.Lock()

    def _register_cached(self) -> None:
        for kind in (msal.TokenCache.CredentialType.ACCESS_TOKEN, msal.TokenCache.CredentialType.REFRESH_TOKEN):
            for entry in self._cache.search(kind):
                redaction.register_secrets(entry.get("secret"))

    def _save(self) -> None:
        if self._cache.has_state_changed:
            write_private_text(self.cache_path, self._cache.serialize())
            self._cache.has_state_changed = False

    def sign_in(self, show: Callable[[str], None] = print) -> None:
        """Run the device code flow: ``show`` gets the message telling the user where to enter which code."""
        with self._lock:
            flow = _msal_call(lambda: self._app.initiate_device_flow(scopes=self.scopes), "device code")
            if "user_code" not in flow:
                _token_of(flow, "device code")
            show(flow["message"])
            result = _msal_call(lambda: self._app.acquire_token_by_device_flow(flow), "device code")
            _register(result)
            _token_of(result, "device code")
            self._save()

    def _account(self) -> Any:
        accounts = self._app.get_accounts(username=self.username) if self.username else self._app.get_accounts()
        if not accounts:
            raise SignInRequired("graph: not signed in (no account in the sign-in cache); sign in once with "
                                 "`syncore sign-in`", code="not_signed_in")
        return accounts[0]

    def token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            account = self._account()
            result = _msal_call(lambda: self._app.acquire_token_silent(self.scopes, account=account,
                                                                        force_refresh=force_refresh), "token refresh")
            _register(result)
            # msal answers None when no refresh token is left, or the refusal when the identity platform wants
            # the user again (a revoked or expired refresh token: invalid_grant / interaction_required)
            if result is None or result.get("error") in ("invalid_grant", "interaction_required"):
                raise SignInRequired("graph: the kept sign-in expired or was revoked; sign in again with "
                                     "`syncore sign-in`", code="interaction_required")
            token = _token_of(result, "token refresh")
            self._save()
            return token

    def invalidate(self) -> None:
        cache = self._cache
        with self._lock:
            for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(entry)
