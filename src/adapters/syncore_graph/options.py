"""The Graph adapter's settings: one attrs class, checked field by field (parsed in one place so the
settings-file machinery can structure it directly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from syncore.errors import ConfigurationError
from syncore.models import Kind
from syncore.timezones import zone

AUTH_MODES = ("app", "device_code")


@attrs.frozen(kw_only=True)
class GraphOptions:
    """Settings of ``[adapters.pim]`` with ``type = "graph"``.

    :ivar auth: "app" (client credentials, server use; addresses ``/users/{mailbox}``) or "device_code"
        (a user signs in once; addresses ``/me``)
    :ivar tenant: the directory (tenant) id or domain
    :ivar client_id: the application (client) id
    :ivar mailbox: the user principal name of the mailbox (required for "app")
      :ivar sign_in_cache: the msal token cache file for "device_code" (written owner-only)
    :ivar timezone: the user's IANA zone: new events and all-day dates are written in it, To Do dates read in it
    :ivar past_days: / future_days: the calendar window read through calendarView delta
    :ivar page_size: items per page asked with ``Prefer: odata.maxpagesize``
    :ivar kinds: the kinds to sync
    :ivar graph_url: / authority_host: other clouds (or an emulator)
    :ivar verify: TLS verification: true, or a CA bundle path
    """

    auth: str = "app"
    tenant: str
    client_id: str
    mailbox: str | None = None
    sign_in_cache: str | None = attrs.field(default=None, metadata={"path": True})
    timezone: str = "UTC"
    past_days: int = 60
    future_days: int = 400
    page_size: int = 100
    kinds: tuple[Kind, ...] = tuple(Kind)
    graph_url: str = "https://graph.microsoft.com"
    authority_host: str = "https://login.microsoftonline.com"
    verify: bool | str = True

    def __attrs_post_init__(self) -> None:
        if self.auth not in AUTH_MODES:
            raise ConfigurationError(f"graph: auth must be one of {', '.join(AUTH_MODES)}, got {self.auth!r}",
                                     key="auth", value=self.auth)
        if self.auth == "app" and not self.mailbox:
            raise ConfigurationError("graph: options.mailbox (the user principal name) is required with auth = "
                                     "\"app\"", key="mailbox")
        if self.auth == "device_code" and not self.sign_in_cache:
            raise ConfigurationError("graph: options.sign_in_cache (a file path) is required with auth = "
                                     "\"device_code\"", key="sign_in_cache")
        for name in ("past_days", "future_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(f"graph: {name} must be a whole number of days >= 0, got {value!r}",
                                         key=name, value=value)
        if not isinstance(self.page_size, int) or not 1 <= self.page_size <= 1000:
            raise ConfigurationError(f"graph: page_size must be 1..1000, got {self.page_size!r}", key="page_size",
                                     value=self.page_size)
        zone(self.timezone)


_FIELDS = {field.name for field in attrs.fields(GraphOptions)}
CREDENTIAL_KEYS = frozenset({"client_secret", "private_key", "certificate"})


def parse_options(options: Mapping[str, Any]) -> GraphOptions:
    """A settings table as :class:`GraphOptions`; unknown keys and bad kinds are refused by name."""
    unknown = set(options) - _FIELDS
    if unknown:
        raise ConfigurationError(f"graph: unknown option(s) {', '.join(sorted(unknown))}; allowed: "
                                 f"{', '.join(sorted(_FIELDS))}", key=sorted(unknown)[0])
    values = dict(options)
    for required in ("tenant", "client_id"):
        if not values.get(required):
            raise ConfigurationError(f"graph: options.{required} is required", key=required)
    if "kinds" in values:
        try:
            values["kinds"] = tuple(Kind(k) for k in values["kinds"])
        except ValueError as exc:
            raise ConfigurationError(f"graph: {exc}; kinds are event, contact, task", key="kinds") from exc
    return GraphOptions(**values)


def check_credentials(credentials: Mapping[str, str], auth: str) -> None:
    unknown = set(credentials) - CREDENTIAL_KEYS
    if unknown:
        raise ConfigurationError(f"graph: unknown credentials {sorted(unknown)}; expected client_secret, or "
                                 "private_key and certificate", key="credentials")
    if auth == "app" and not (credentials.get("client_secret") or credentials.get("private_key")):
        raise ConfigurationError("graph: auth = \"app\" needs credentials client_secret, or private_key and "
                                 "certificate", key="credentials")
    if credentials.get("private_key") and not credentials.get("certificate"):
        raise ConfigurationError("graph: a private_key needs its certificate (PEM)", key="certificate")
