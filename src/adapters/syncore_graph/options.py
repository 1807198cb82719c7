"""The Graph adapter's settings-file options (``[adapters.pim] options = {…}``), checked before signing in.

Structured by :func:`syncore.converters.structure_options` (through
:meth:`syncore.abc.Adapter.parse_options`): unknown names, wrong types and bad values are refused with the
dotted key before anything touches the network.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import attrs

from syncore.converters import Invalid
from syncore.errors import ConfigurationError
from syncore.models import Kind
from syncore.timezones import zone

#: the secrets a settings file may reference (``[adapters.pim] credentials = {…}``; see docs/graph.md)
CREDENTIAL_NAMES = frozenset({"client_secret", "private_key", "certificate"})
#: where a device code sign-in keeps its tokens unless ``sign_in_cache`` says otherwise (next to the settings)
DEFAULT_SIGN_IN_CACHE = "graph-sign-in.json"


class Auth(str, enum.Enum):
    """How the adapter signs in to Microsoft Entra ID."""

    #: app-only client credentials (a client secret or a certificate): server use, ``/users/{mailbox}``
    APP = "app"
    #: a user signs in once with a device code (``syncore sign-in``); tokens are refreshed from a cache;
    #: ``/me``
    DEVICE_CODE = "device_code"


_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _guid(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _GUID.fullmatch(value):
        raise Invalid('expected the application (client) id from the app registration, a GUID such as '
                      '"00000000-0000-0000-0000-000000000000"', subkey=attribute.name)


def _upn(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not re.fullmatch(r"[^@\s/]+@[^@\s/]+", value):
        raise Invalid('expected the user principal name of the mailbox, e.g. "dana@contoso.com"',
                      subkey=attribute.name)


def _https(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    # msal refuses an authority that is not https; Graph is only served over https
    if not re.fullmatch(r"https://[^/\s]+/?", value):
        raise Invalid('expected "https://HOST", e.g. "https://graph.microsoft.com"', subkey=attribute.name)


def _zone(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        try:
            zone(value)
        except (ValueError, ConfigurationError):
            raise Invalid('expected an IANA zone name such as "Europe/Berlin"',
                          subkey=attribute.name) from None


def _page_size(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    # Graph's odata.maxpagesize preference: Outlook resources honour 1..1000
    if not 1 <= value <= 1000:
        raise Invalid("expected a number of items per page from 1 to 1000", subkey=attribute.name)


@attrs.frozen(kw_only=True)
class GraphOptions:
    """Every option of ``[adapters.pim] type = "graph"`` (see docs/graph.md).

    :ivar auth: ``"app"`` (client credentials; addresses ``/users/{mailbox}``) or ``"device_code"`` (a user
        signs in once with ``syncore sign-in``; addresses ``/me``)
    :ivar tenant: the directory (tenant) id or one of its domains (``contoso.onmicrosoft.com``)
    :ivar client_id: the application (client) id of the app registration
    :ivar mailbox: the user principal name of the mailbox (required for ``"app"``; for ``"device_code"`` it
        picks the account in the sign-in cache)
    :ivar sign_in_cache: the msal token cache of a device code sign-in, written owner-only (relative to the
        settings file)
    :ivar timezone: the user's IANA zone (new events and all-day dates are written in it, To Do dates read in
        it); default: this computer's
    :ivar past_days: / future_days: the calendar window read through calendarView delta
    :ivar page_size: items per page asked with ``Prefer: odata.maxpagesize``
    :ivar kinds: the kinds to sync; default every kind with ``"device_code"``, events and contacts with
        ``"app"`` (Microsoft To Do takes no app-only writes)
    :ivar graph_url: / authority_host: a national cloud (or an emulator)
    :ivar ca_file: a PEM file of certificate authorities to trust (a TLS-inspecting proxy's, an emulator's);
        relative to the settings file
    """

    auth: Auth = attrs.field(default=Auth.APP, converter=Auth, metadata={
        "ask": 'sign-in: "app" (a client secret or certificate; server use) or "device_code" (you sign in '
               'once)'})
    tenant: str = attrs.field(metadata={
        "ask": "Microsoft Entra tenant: a domain (contoso.onmicrosoft.com) or the directory id"})
    client_id: str = attrs.field(validator=_guid, metadata={
        "ask": "application (client) id of the app registration"})
    mailbox: str | None = attrs.field(default=None, validator=_upn, metadata={
        "ask": "mailbox (user principal name, e.g. dana@contoso.com)"})
    sign_in_cache: str = attrs.field(default=DEFAULT_SIGN_IN_CACHE, metadata={"path": True})
    timezone: str | None = attrs.field(default=None, validator=_zone)
    past_days: int = 60
    future_days: int = 400
    page_size: int = attrs.field(default=100, validator=_page_size)
    kinds: tuple[Kind, ...] = attrs.field(default=attrs.Factory(lambda self: _default_kinds(self.auth),
                                                                 takes_self=True))
    graph_url: str = attrs.field(default="https://graph.microsoft.com", validator=_https)
    authority_host: str = attrs.field(default="https://login.microsoftonline.com", validator=_https)
    ca_file: str | None = attrs.field(default=None, metadata={"path": True})

    def __attrs_post_init__(self) -> None:
        if self.auth is Auth.APP and not self.mailbox:
            raise Invalid('required with auth = "app": the user principal name of the mailbox, e.g. '
                          '"dana@contoso.com"', subkey="mailbox")
        if not self.kinds:
            raise Invalid('expected at least one kind, e.g. ["event", "contact"]', subkey="kinds")
        if self.auth is Auth.APP and Kind.TASK in self.kinds:
            # To Do takes no application permission for writes ("Application: Not supported",
            # https://learn.microsoft.com/en-us/graph/api/todotasklist-post-tasks)
            raise Invalid('tasks need auth = "device_code": Microsoft To Do accepts no app-only writes; with '
                          'auth = "app" use kinds = ["event", "contact"]', subkey="kinds")

    @property
    def verify(self) -> bool | str:
        """TLS verification for httpx and msal: the ``ca_file``, or the system's certificate authorities."""
        return self.ca_file or True


def _default_kinds(auth: Auth) -> tuple[Kind, ...]:
    return tuple(Kind) if auth is Auth.DEVICE_CODE else (Kind.EVENT, Kind.CONTACT)


def starter_credentials(options: Mapping[str, Any]) -> tuple[str, ...]:
    """The secrets a first settings file with these options references: a client secret for app-only sign-ins,
    none for a device code sign-in (its tokens are kept in the sign-in cache)."""
    return () if options.get("auth") == Auth.DEVICE_CODE.value else ("client_secret",)


def check_credentials(credentials: Mapping[str, str], auth: Auth) -> None:
    """The credentials an app-only sign-in needs: a client secret, or a private key with its certificate.

    :raises ConfigurationError: naming what is missing
    """
    if auth is Auth.APP and not (credentials.get("client_secret") or credentials.get("private_key")):
        raise ConfigurationError('credentials: auth = "app" needs client_secret, or private_key and '
                                 "certificate (see `syncore docs graph`)", key="credentials.client_secret")
    if credentials.get("client_secret") and credentials.get("private_key"):
        raise ConfigurationError("credentials: give client_secret or private_key + certificate, not both",
                                 key="credentials.private_key")
    if credentials.get("private_key") and not credentials.get("certificate"):
        raise ConfigurationError("credentials.certificate: missing; a private_key needs its certificate "
                                 "(PEM)", key="credentials.certificate")
