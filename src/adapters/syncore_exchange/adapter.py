"""The Exchange (EWS) adapter: calendar items, contacts and tasks of one mailbox, through exchangelib.

Everything EWS-specific (sync states, change keys, extended properties) stays behind the
:class:`~syncore.abc.Adapter` interface: versions are change keys, cursors wrap SyncFolderItems states,
links live in a PublicStrings named property. The pure field mapping is in :mod:`._mapping` (no exchangelib).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from exchangelib import Account, EWSTimeZone

from syncore.abc import Adapter, ConnectionCheck
from syncore.models import Event, Kind, Record, Task, TaskStatus
from syncore.remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    DeleteRequest,
    RecurrenceSupport,
    RemoteRecord,
    UpdateRequest,
    WriteOutcome,
)

from . import _link, _logfilter, _read, _recurring, _sync, _writes
from ._connect import build_account, build_credentials, redact
from ._link import is_item_id
from ._policy import keep_back_off_hints
from ._read import FETCH_BATCH
from ._throttle import MAX_ATTEMPTS, MAX_TOTAL_WAIT, Throttle
from .options import CREDENTIAL_NAMES, ExchangeOptions

#: items per CreateItem / UpdateItem / DeleteItem request: exchangelib's CHUNK_SIZE. EWS sets no item
#: maximum, only a one-minute execution limit per batch (and up to 500 ms CPU throttling delay per item).
WRITE_BATCH = 100

_DEFAULT_FOLDERS = {Kind.EVENT: "calendar", Kind.CONTACT: "contacts", Kind.TASK: "tasks"}


class ExchangeAdapter(Adapter):
    """One Exchange mailbox as a syncore side (the PIM side, usually).

    :param account: a ready ``exchangelib.Account`` (see :meth:`connect` to build one)
    :param folders: another folder per kind instead of the default calendar / contacts / tasks: an
        exchangelib folder object, or a path under the mailbox root ("Top of Information Store/Team")
    :param kinds: the kinds to sync (default: all three)
    :param sleep: how to wait between retries (tests inject a recorder)
    :param max_attempts: attempts per EWS call when throttled or on transient errors (bounded retries)
    :param writes_land_within: how long a create whose answer never came may still be made by the server (a guess;
        see ``Capabilities.writes_land_within``)
    :param max_total_wait: the longest total back-off per call, in seconds
    :param event_timezone: the zone new timed events are stored in (default: the account's zone);
        updated events keep their own start and end zones
    :param secrets: extra strings that must never appear in errors (``connect`` passes the credentials)
    """

    adapter_name: ClassVar[str] = "exchange"
    display_name = "Exchange"
    options_type: ClassVar[type] = ExchangeOptions
    credential_names: ClassVar[frozenset[str]] = CREDENTIAL_NAMES
    starter_credentials: ClassVar[tuple[str, ...]] = ("password",)

    def __init__(
        self,
        account: Account,
        *,
        folders: Mapping[Kind, Any] | None = None,
        kinds: Collection[Kind] = tuple(Kind),
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        max_total_wait: float = MAX_TOTAL_WAIT,
        event_timezone: str | None = None,
        secrets: Sequence[str] = (),
        writes_land_within: timedelta = timedelta(minutes=10),
    ) -> None:
        _link.register()
        _logfilter.install(secrets)
        keep_back_off_hints(account)
        self.account = account
        self._kinds = frozenset(Kind(k) for k in kinds)
        self._folder_options = dict(folders or {})
        self._folders: dict[Kind, Any] = {}
        self.throttle = Throttle(sleep=sleep, max_attempts=max_attempts, max_total_wait=max_total_wait)
        self._event_zone = EWSTimeZone(event_timezone) if event_timezone else account.default_timezone
        self._secrets = tuple(secrets)
        self._caps = Capabilities(
            kinds=self._kinds, formatted_bodies=True, link_ids=True, max_create_batch=WRITE_BATCH,
            max_update_batch=WRITE_BATCH, max_delete_batch=WRITE_BATCH, max_fetch_batch=FETCH_BATCH,
            net_change_feed=True,  # SyncFolderItems reports net changes since its sync state
            # a series is one recurring master; tasks recur with a pattern or a regeneration
            recurrence=RecurrenceSupport.RULES, task_recurrence=True,
            writes_land_within=writes_land_within,
            # a series' cancelled and modified occurrences are written after its master, in later requests
            # (_writes.create -> _series.finish_creates); everything else goes in the one CreateItem
            create_completes=frozenset({"recurrence"}),
        )

    @classmethod
    def connect(
        cls,
        email: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | Mapping[str, Any] | None = None,
        server: str | None = None,
        service_endpoint: str | None = None,
        autodiscover: bool = False,
        auth_type: str | None = None,
        version: tuple[int, ...] | None = None,
        retry_policy: Any = None,
        default_timezone: str | None = None,
        access_type: str | None = None,
        **options: Any,
    ) -> ExchangeAdapter:
        """Open ``email``'s mailbox and return an adapter for it.

        :param username: for Basic/NTLM (``DOMAIN\\user``, a UPN or the address; default: ``email``)
        :param password: the password (never logged, never in an error)
        :param token: an OAuth 2 access token (a string, or a token dict with ``access_token``) instead
        :param server: the EWS host (``https://<server>/EWS/Exchange.asmx``), or
        :param service_endpoint: the full EWS URL, or
        :param autodiscover: find the endpoint by autodiscover
        :param auth_type: "basic", "ntlm" or "oauth2"; pinning it (and ``version``, e.g. ``(15, 1, 2507, 6)``)
            saves exchangelib's detection requests
        :param retry_policy: exchangelib's policy; default ``HintingFailFast()`` (``FailFast`` keeping the
            server's back-off hints) so every wait goes through the
            adapter's bounded, injectable back-off
        :param default_timezone: IANA zone for new events and the request's TimeZoneContext
        :param options: passed to :class:`ExchangeAdapter` (``folders``, ``sleep``, …)
        :raises AuthenticationError: when the mailbox cannot be opened (no secret in the message)
        """
        secrets = tuple(s for s in (password, token if isinstance(token, str) else
                                    (token or {}).get("access_token")) if s)
        credentials = build_credentials(username or email, password, token)
        account = build_account(
            email, credentials=credentials, server=server, service_endpoint=service_endpoint,
            autodiscover=autodiscover, auth_type=auth_type, version=version, retry_policy=retry_policy,
            default_timezone=default_timezone, access_type=access_type, secrets=secrets,
        )
        return cls(account, secrets=secrets + tuple(options.pop("secrets", ())), **options)

    @classmethod
    def for_emulator(cls, emulator: Any, **options: Any) -> ExchangeAdapter:
        """An adapter on the first mailbox of a running :class:`~syncore_exchange.emulator.EwsEmulator` (demo, tests)."""
        return cls(emulator.account(), **options)

    @classmethod
    def from_config(cls, options: Any, credentials: Mapping[str, str]) -> ExchangeAdapter:
        """Build from a settings file and open the mailbox: ``options`` (:class:`~.options.ExchangeOptions`,
        checked before any network call) and resolved ``credentials`` (``username``/``password`` or ``token``).

        :raises ConfigurationError: naming a bad option or credential
        :raises AuthenticationError: when the mailbox cannot be opened
        """
        opts: ExchangeOptions = cls.parse_options(options)
        cls.check_credential_names(credentials)
        return cls.connect(
            opts.email, server=opts.server, service_endpoint=opts.service_endpoint, autodiscover=opts.autodiscover,
            auth_type=opts.auth_type.value if opts.auth_type else None, version=opts.version_tuple,
            default_timezone=opts.default_timezone, access_type=opts.access_type.value, kinds=opts.kinds,
            folders=dict(opts.folders) or None,
            writes_land_within=timedelta(minutes=opts.writes_land_within_minutes), **credentials,
        )

    def check_connection(self) -> ConnectionCheck:
        """Open one synced folder (one GetFolder)."""
        self.folder(Kind.EVENT if Kind.EVENT in self._kinds or not self._kinds else min(self._kinds))
        return ConnectionCheck(details=f"mailbox {self.account.primary_smtp_address} opened at "
                                       f"{self.account.protocol.service_endpoint}")

    # -- plumbing ------------------------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """Formatted bodies and link ids supported; batches of 100 (see WRITE_BATCH and FETCH_BATCH)."""
        return self._caps

    def folder(self, kind: Kind) -> Any:
        """The exchangelib folder synced for ``kind`` (resolved once)."""
        if kind not in self._folders:
            option = self._folder_options.get(kind)
            if option is None:
                folder = self.throttle.call("GetFolder", lambda: getattr(self.account, _DEFAULT_FOLDERS[kind]))
            elif isinstance(option, str):
                folder = self.throttle.call("GetFolder", lambda: self._folder_by_path(option))
            else:
                folder = option
            self._folders[kind] = folder
        return self._folders[kind]

    def _folder_by_path(self, path: str) -> Any:
        node = self.account.root
        for part in (p for p in path.split("/") if p):
            node = node / part
        return node

    def _account(self, kind: Kind) -> Any:
        # a folder of another mailbox (delegate access) is read and written through its own account
        return getattr(self.folder(kind), "account", None) or self.account

    def _folder_key(self, kind: Kind) -> str:
        folder = self.folder(kind)
        return f"{self._account(kind).primary_smtp_address}|{folder.id}"

    def _guard(self, call: Callable[[], Any]) -> Any:
        # Scrub the configured secrets from any error leaving the adapter (belt and braces).
        try:
            return call()
        except Exception as exc:
            if self._secrets and any(s in str(exc) for s in self._secrets):
                exc.args = (redact(str(exc), self._secrets),)
            raise

    def is_native_id(self, kind: Kind, value: str) -> bool:
        """An EWS ItemId: standard base64 (EwsId format), 16 to 1368 characters."""
        return is_item_id(value)

    # -- reading -------------------------------------------------------------------------------------------
    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        """SyncFolderItems since the state in ``cursor``; CursorExpired for a stale or foreign state."""
        state = _sync.decode_cursor(cursor, self._guard(lambda: self._folder_key(kind)))
        return self._guard(lambda: _sync.read_changes(self._account(kind), self.folder(kind), kind,
                                                      self._folder_key(kind), state, self.throttle))

    def full_scan(self, kind: Kind) -> ChangeSet:
        """SyncFolderItems from scratch: every item (complete) plus a cursor for the next changes."""
        return self._guard(lambda: _sync.read_changes(self._account(kind), self.folder(kind), kind,
                                                      self._folder_key(kind), None, self.throttle))

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """GetItem by id; missing ids and recurring series are left out."""
        def run() -> dict[str, RemoteRecord]:
            records, _ = _read.read_records(self._account(kind), self.folder(kind), kind, list(ids), self.throttle)
            return {record.id: record for record in records}

        return self._guard(run)

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """FindItem restricted on the SyncoreLink property, then GetItem; keyed by link."""
        def run() -> dict[str, RemoteRecord]:
            folder = self.folder(kind)
            # a link value that cannot be an id names nothing (and could not be written into a restriction)
            wanted = sorted({link for link in links if _link.looks_like_link(link)})
            ids = _read.find_ids_by_link(folder, wanted, self.throttle) if wanted else []
            records, _ = _read.read_records(self._account(kind), folder, kind, ids, self.throttle)
            return {record.link: record for record in records if record.link}  # type: ignore[misc]

        return self._guard(run) if links else {}

    # -- writing -------------------------------------------------------------------------------------------
    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """CreateItem (SaveOnly, no invitations sent); the link is stored in the SyncoreLink property."""
        if not requests:
            return []
        return self._guard(lambda: _writes.create(self._account(kind), self.folder(kind), kind, requests, self.throttle,
                                                  self._event_zone))

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """UpdateItem of the named fields with NeverOverwrite on ``base_version`` (a change key).

        Sent without reading the items: contact entries syncore does not map are never touched (entries are
        written per label) and a stale change key comes back as that record's VersionMismatch. Only requests
        without ``base_version``, event moves (kept in the item's own zones) and in-between task statuses
        (keep the item's percentage) cost one GetItem first.
        """
        if not requests:
            return []
        return self._guard(lambda: _writes.update(self._account(kind), self.folder(kind), kind, requests, self.throttle))

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """DeleteItem (HardDelete); an item already gone is a success."""
        if not requests:
            return []
        return self._guard(lambda: _writes.delete(self._account(kind), self.folder(kind), kind, requests,
                                                  self.throttle))

    def represent(self, record: Record) -> Record:
        """Exchange keeps every syncore field but a task's contacts; a task's completion time exists only
        while it is completed (the server sets it when the status becomes Completed and clears it
        otherwise); a series comes back in the IANA zone its Windows zone maps to, with its rule as the
        pattern reads back."""
        if isinstance(record, Task):
            changes: dict[str, Any] = {}
            if record.completed_at is not None and record.status is not TaskStatus.COMPLETED:
                changes["completed_at"] = None
            if record.contacts:
                # EWS Task/Contacts is a list of free-text names (ArrayOfStringsType), not addresses:
                # nothing to relate by, so this side neither reads nor writes them
                changes["contacts"] = ()
            return record.replace(**changes) if changes else record
        if isinstance(record, Event) and record.recurrence is not None and self.unfit_reason(record) is None:
            return _recurring.stored_series(record)
        return record

    def unfit_reason(self, record: Record) -> str | None:
        """Why Exchange cannot hold a series or recurring task (see :mod:`._mapping.recurrence`): a rule no EWS
        pattern gives, limits (intervals, 999 occurrences), a zone without a Windows id, an occurrence moved past
        its neighbour, a task regenerating after its due date."""
        return _recurring.unfit_reason(record)

    def close(self) -> None:
        """Close exchangelib's HTTP sessions for this account."""
        self.account.protocol.close()
