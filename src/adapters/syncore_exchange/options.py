"""The Exchange adapter's settings-file options (``[adapters.pim] options = {…}``), checked before connecting."""

from __future__ import annotations

import enum
import re
from typing import Any

import attrs

from syncore.converters import Invalid
from syncore.models import Kind
from syncore.timezones import zone

#: the secrets a settings file may reference (``[adapters.pim] credentials = {…}``)
CREDENTIAL_NAMES = frozenset({"username", "password", "token"})


class AuthType(str, enum.Enum):
    """How exchangelib signs in; pinned, it saves a detection request."""

    BASIC = "basic"
    NTLM = "ntlm"
    OAUTH2 = "oauth2"


class AccessType(str, enum.Enum):
    """Whose rights open the mailbox: the signed-in user's (delegate) or the mailbox owner's (impersonation)."""

    DELEGATE = "delegate"
    IMPERSONATION = "impersonation"


def _version(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not re.fullmatch(r"\d+(\.\d+){1,3}", value):
        raise Invalid('expected the server build as text, e.g. "15.1.2507.6"', subkey=attribute.name)


def _zone(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        try:
            zone(value)
        except ValueError:
            raise Invalid('expected an IANA zone name such as "Europe/Berlin"', subkey=attribute.name) from None


@attrs.frozen(kw_only=True)
class ExchangeOptions:
    """Every option of ``[adapters.pim] type = "exchange"`` (see docs/exchange.md).

    :ivar email: the mailbox (primary SMTP address)
    :ivar server: the EWS host; or ``service_endpoint`` (the full EWS URL); or ``autodiscover = true``
    :ivar version: the server build, e.g. ``"15.1.2507.6"`` (pin it with ``auth_type`` to save two requests)
    :ivar default_timezone: IANA zone new timed events are stored in (default: this computer's)
    :ivar folders: per kind, a folder path below the mailbox root instead of the default folder
    """

    email: str = attrs.field(metadata={"ask": "mailbox address (primary SMTP address)"})
    server: str | None = attrs.field(default=None, metadata={
        "ask": "EWS server host, e.g. mail.example.com (or set service_endpoint / autodiscover = true)"})
    service_endpoint: str | None = None
    autodiscover: bool = False
    auth_type: AuthType | None = None
    version: str | None = attrs.field(default=None, validator=_version)
    default_timezone: str | None = attrs.field(default=None, validator=_zone)
    access_type: AccessType = AccessType.DELEGATE
    kinds: tuple[Kind, ...] = tuple(Kind)
    folders: dict[Kind, str] = attrs.Factory(dict)
    #: how long a create sent by a sync that stopped may still be made by the server (a guess: Salesforce's
    #: documented call timeout; EWS documents none)
    writes_land_within_minutes: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))

    def __attrs_post_init__(self) -> None:
        if sum((self.server is not None, self.service_endpoint is not None, self.autodiscover)) != 1:
            raise Invalid("give exactly one of server, service_endpoint or autodiscover = true", subkey="server")

    @property
    def version_tuple(self) -> tuple[int, ...] | None:
        """``version`` as exchangelib's build numbers."""
        return tuple(int(part) for part in self.version.split(".")) if self.version else None
