"""Credentials come from environment variables, owner-only files or the system keyring, never the settings file.

The settings file names where each secret lives::

    [adapters.crm.credentials]
    password = "env:SF_PASSWORD"
    security_token = "file:secrets/sf-token"                 # relative to the settings file; mode 0600
    consumer_secret = "keyring:syncore-salesforce/me@example.com"

``keyring`` is optional and imported only when a ``keyring:`` reference is resolved.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

#: the reference forms, as messages spell them
REFERENCE_FORMS = '"env:VARIABLE", "file:PATH" or "keyring:SERVICE/USERNAME"'
_ALLOWED = f"{REFERENCE_FORMS} (secrets never go in the settings file)"


def check_reference(reference: Any) -> str | None:
    """Return what is wrong with a credential reference, or None when it is well formed."""
    if not isinstance(reference, str):
        return f"expected {_ALLOWED}"
    scheme, _, rest = reference.partition(":")
    if scheme == "env" and rest and "=" not in rest:
        return None
    if scheme == "file" and rest:
        return None
    if scheme == "keyring":
        service, _, username = rest.partition("/")
        if service and username:
            return None
    return f"expected {_ALLOWED}"


def resolve_credentials(
    references: Mapping[str, str], *, environ: Mapping[str, str] | None = None, key_prefix: str = "credentials",
    base_dir: str | Path | None = None,
) -> dict[str, str]:
    """Look up each referenced secret.

    :param environ: the environment to read ``env:`` references from (default ``os.environ``)
    :param base_dir: the folder relative ``file:`` paths start from (the settings file's; default: the
        current directory)
    :raises ConfigurationError: when a variable is unset, a file is missing or readable by others, the keyring
        has no entry, or ``keyring`` is missing; the message names the reference, never a secret
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
        elif scheme == "file":
            resolved[name] = _read_secret_file(secret_path(rest, base_dir), key, reference)
        else:
            service, _, username = rest.partition("/")
            secret = _keyring_get(service, username, key, reference)
            resolved[name] = secret
    return resolved


def write_secret_file(path: str | Path, secret: str) -> str:
    """Write ``secret`` to a new owner-only (0600) file and return its ``file:`` reference."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return f"file:{path}"


def secret_path(reference_path: str, base_dir: str | Path | None) -> Path:
    """Where a ``file:`` reference points: ``~`` expanded, relative to ``base_dir``."""
    path = Path(reference_path).expanduser()
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def _read_secret_file(path: Path, key: str, reference: str) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{key} = {reference!r}: cannot read {str(path)!r} ({exc.strerror})", key=key,
                                 value=reference) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        # As ssh does with private keys: a secret others can read is refused, not used.
        raise ConfigurationError(f"{key} = {reference!r}: {str(path)!r} can be read by other users; make it "
                                 f"owner-only with: chmod 600 {path}", key=key, value=reference)
    return text.rstrip("\r\n")


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
