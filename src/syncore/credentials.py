"""Credentials come from environment variables or the system keyring, never from the settings file.

The settings file names where each secret lives::

    [adapters.crm.credentials]
    password = "env:SF_PASSWORD"
    security_token = "keyring:syncore-salesforce/me@example.com"

``keyring`` is optional and imported only when a ``keyring:`` reference is resolved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .errors import ConfigurationError

_ALLOWED = '"env:VARIABLE" or "keyring:SERVICE/USERNAME" (secrets never go in the settings file)'


def check_reference(reference: Any) -> str | None:
    """Return what is wrong with a credential reference, or None when it is well formed."""
    if not isinstance(reference, str):
        return f"expected {_ALLOWED}"
    scheme, _, rest = reference.partition(":")
    if scheme == "env" and rest and "=" not in rest:
        return None
    if scheme == "keyring":
        service, _, username = rest.partition("/")
        if service and username:
            return None
    return f"expected {_ALLOWED}"


def resolve_credentials(
    references: Mapping[str, str], *, environ: Mapping[str, str] | None = None, key_prefix: str = "credentials"
) -> dict[str, str]:
    """Look up each referenced secret.

    :param environ: the environment to read ``env:`` references from (default ``os.environ``)
    :raises ConfigurationError: when a variable is unset, the keyring has no entry, or ``keyring`` is missing;
        the message names the reference, never a secret
    """
    env = os.environ if environ is None else environ
    resolved: dict[str, str] = {}
    for name, reference in references.items():
        key = f"{key_prefix}.{name}"
        problem = check_reference(reference)
        if problem is not None:
            raise ConfigurationError(f"{key}: {problem}", key=key, value="<hidden>")
        scheme, _, rest = reference.partition(":")
        if scheme == "env":
            if rest not in env:
                raise ConfigurationError(f"{key} = {reference!r}: environment variable {rest} is not set",
                                         key=key, value=reference)
            resolved[name] = env[rest]
        else:
            service, _, username = rest.partition("/")
            secret = _keyring_get(service, username, key, reference)
            resolved[name] = secret
    return resolved


def _keyring_get(service: str, username: str, key: str, reference: str) -> str:
    try:
        import keyring
    except ImportError:
        raise ConfigurationError(
            f"{key} = {reference!r}: the keyring package is not installed (pip install keyring), "
            "or use an env: reference", key=key, value=reference,
        ) from None
    secret = keyring.get_password(service, username)
    if secret is None:
        raise ConfigurationError(
            f"{key} = {reference!r}: the system keyring has no password for service {service!r}, user "
            f"{username!r} (store one with: keyring set {service} {username})", key=key, value=reference,
        )
    return secret  # type: ignore[no-any-return]
