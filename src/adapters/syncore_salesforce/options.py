"""The Salesforce adapter's settings-file options (``[adapters.crm] options = {…}``), checked before signing in."""

from __future__ import annotations

import enum
import re
from typing import Any

import attrs
import requests
from requests.adapters import HTTPAdapter

from syncore.converters import Invalid
from syncore.errors import ConfigurationError
from syncore.models import Kind

#: the secrets a settings file may reference (``[adapters.crm] credentials = {…}``; see docs/salesforce.md)
CREDENTIAL_NAMES = frozenset({"password", "security_token", "consumer_secret", "jwt_private_key", "refresh_token",
                              "session_id"})


class Scope(str, enum.Enum):
    """Which records are synced."""

    #: only records owned by the running user (``OwnerId``)
    OWNER = "owner"
    #: every record the user can see
    ALL = "all"


class SeriesForm(str, enum.Enum):
    """How new recurring event series are written (see docs/recurrence.md)."""

    #: a Lightning series where the org lets the API create one (API v52.0+, the describe says so), else classic
    AUTO = "auto"
    #: always a Lightning series (``Recurrence2PatternText``); series it cannot hold follow ``unfit_series``
    LIGHTNING = "lightning"
    #: always a classic series (``IsRecurrence`` and the ``Recurrence*`` fields)
    CLASSIC = "classic"


class FeedMode(str, enum.Enum):
    """When the change feed reports a row (see docs/salesforce.md, change feed)."""

    #: as soon as it is committed: a sync sees an edit made seconds ago; a changed row is read once more when
    #: its minute is covered (``latestDateCovered``), where a row another user's transaction committed late,
    #: stamped among rows already read, is found
    FRESH = "fresh"
    #: once Salesforce says every transaction that could stamp a row before it has committed
    #: (``latestDateCovered``, a whole minute): each row is read once, but a change arrives a minute or two
    #: later
    SETTLED = "settled"


def feed_mode_of(value: object) -> FeedMode:
    """``value`` as a :class:`FeedMode` (the adapter's ``feed_mode`` argument, for callers not going through the
    settings file).

    :raises ConfigurationError: naming ``feed_mode`` and the values allowed
    """
    try:
        return FeedMode(value)
    except ValueError:
        allowed = " or ".join(f'"{mode.value}"' for mode in FeedMode)
        raise ConfigurationError(f"feed_mode: expected {allowed}, got {value!r}", key="feed_mode",
                                 value=value) from None


class RelatedTo(str, enum.Enum):
    """Which record an event's or task's ``WhatId`` ("Related To") names, from the people it relates to."""

    #: never set by syncore
    NEVER = "never"
    #: the Account of the related contacts, when they all belong to one
    UNIQUE = "unique"
    #: the Account of the first related contact that has one
    FIRST = "first"


#: an address ("me@example.com") or a domain ("example.com", "@example.com")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_IGNORE_ENTRY = re.compile(rf"(?:[^@\s]+@|@)?{_LABEL}(?:\.{_LABEL})+")


def _ignore_entries(instance: Any, attribute: attrs.Attribute[tuple[str, ...]],
                    value: tuple[str, ...]) -> None:
    for index, entry in enumerate(value):
        if not isinstance(entry, str) or not _IGNORE_ENTRY.fullmatch(entry.strip()):
            raise Invalid(f"expected email addresses or domains such as \"noreply@example.com\" or "
                          f"\"example.com\", got {entry!r}", subkey=f"{attribute.name}[{index}]")


def _field_name(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
        raise Invalid("expected an API field name such as \"Syncore_Link__c\"", subkey=attribute.name)


def _non_negative(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise Invalid("expected a number of minutes >= 0", subkey=attribute.name)


def _share(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value <= 1:
        raise Invalid("expected a number greater than 0 and at most 1 (1 = the whole daily allocation)",
                      subkey=attribute.name)


def _url(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not re.fullmatch(r"https://[^/\s]+/?", value):
        raise Invalid('expected "https://HOST", e.g. "https://acme.my.salesforce.com"', subkey=attribute.name)


@attrs.frozen(kw_only=True)
class SalesforceOptions:
    """Every option of ``[adapters.crm] type = "salesforce"`` (see docs/salesforce.md).

    :ivar username: the Salesforce user name (password sign-in)
    :ivar domain: ``"login"``, ``"test"`` (sandbox) or a My Domain prefix (``"acme.my"``)
    :ivar instance_url: with a ``session_id`` credential: the org's URL
    :ivar consumer_key: the connected app's consumer key (JWT bearer, refresh token, OAuth username-password)
    :ivar jwt_key_file: JWT bearer: the PEM private key whose certificate the connected app holds (relative to
        the settings file)
    :ivar version: the REST API version
    :ivar ca_file: a PEM file of certificate authorities to trust (a TLS-inspecting proxy's, an emulator's);
        relative to the settings file
    :ivar overlap_minutes: how far before the previous read the change feed re-reads when Get Updated gave it no
        ``latestDateCovered`` (late commits)
    :ivar feed_mode: ``fresh`` (report a change at the first sync after it; a late commit once its minute is
        covered) or ``settled`` (report it once Salesforce has covered its minute: read once, a minute or two
        later); see docs/salesforce.md
    :ivar max_api_share: stop once the org has used this share of its daily API requests
    :ivar create_accounts: a contact's company is its Account: create the Account when none of that name
        exists (off: the contact is written without an Account, with a warning)
    :ivar relate_activities: relate events and tasks to the Contacts (then Leads) among their attendees (a
        task: its contacts)
    :ivar relate_leads: look among Leads (never converted ones) for addresses no Contact has
    :ivar related_to: what ``WhatId`` ("Related To") names: the related contacts' Account when they all share
        one (``unique``), the first one's (``first``), or nothing (``never``)
    :ivar shared_activities: the org relates an activity to several people (Setup, Activity Settings); off,
        only the first matched person is related (``WhoId``)
    :ivar ignore: addresses and domains never looked up nor related (besides the user's own domain)
    :ivar ignore_own_domain: also ignore the domain of the Salesforce user's own email address (internal
        meetings are not customer activity); public mail domains (gmail.com …) are never ignored this way
    :ivar attendees_from_relations: an event made in Salesforce reaches Outlook/Exchange with its related
        people as attendees (no invitation is sent); off by default
    :ivar series: sync recurring event series as series (the default; see docs/recurrence.md); off, a series'
        rows are reported as unsupported and left alone
    :ivar series_form: how new recurring event series are written: ``auto``, ``lightning`` or ``classic``
    :ivar task_recurrence: sync recurring series of tasks and repeating tasks as recurring tasks (the default; see
        docs/recurrence.md); off, they are reported as unsupported and left alone
    """

    username: str | None = attrs.field(default=None, metadata={"ask": "Salesforce user name"})
    domain: str = attrs.field(default="login", metadata={
        "ask": 'sign-in domain: "login", "test" for a sandbox, or your My Domain prefix ("acme.my")'})
    instance_url: str | None = attrs.field(default=None, validator=_url)
    consumer_key: str | None = None
    jwt_key_file: str | None = attrs.field(default=None, metadata={"path": True})
    version: str = "59.0"
    ca_file: str | None = attrs.field(default=None, metadata={"path": True})
    kinds: tuple[Kind, ...] = tuple(Kind)
    scope: Scope = Scope.OWNER
    owner_id: str | None = None
    extra_filter: str | None = None
    link_field: str | None = attrs.field(default=None, validator=_field_name)
    overlap_minutes: float = attrs.field(default=5.0, validator=_non_negative)
    feed_mode: FeedMode = FeedMode.FRESH
    max_api_share: float = attrs.field(default=1.0, validator=_share)
    create_accounts: bool = True
    relate_activities: bool = True
    relate_leads: bool = True
    related_to: RelatedTo = RelatedTo.UNIQUE
    shared_activities: bool = True
    ignore: tuple[str, ...] = attrs.field(default=(), validator=_ignore_entries)
    ignore_own_domain: bool = True
    attendees_from_relations: bool = False
    series: bool = True
    series_form: SeriesForm = SeriesForm.AUTO
    task_recurrence: bool = True
    #: how long a create sent by a sync that stopped may still be made by Salesforce (its documented call timeout)
    writes_land_within_minutes: float = attrs.field(default=10.0, validator=_non_negative)


class _TrustingAdapter(HTTPAdapter):
    """Verifies TLS against one CA file, whatever ``REQUESTS_CA_BUNDLE`` says.

    requests lets that variable override ``Session.verify``; an explicit ``ca_file`` option must win, and
    turning ``trust_env`` off instead would also drop the proxy settings a TLS-inspecting proxy needs.
    """

    def __init__(self, ca_file: str) -> None:
        super().__init__()
        self.ca_file = ca_file

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["verify"] = self.ca_file
        return super().send(request, **kwargs)


def http_session(options: SalesforceOptions) -> requests.Session | None:
    """The HTTP session the options ask for (None: simple-salesforce's default)."""
    if options.ca_file is None:
        return None
    session = requests.Session()
    session.mount("https://", _TrustingAdapter(options.ca_file))
    return session
