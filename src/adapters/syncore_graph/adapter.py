"""The Microsoft Graph adapter: an Outlook calendar, contacts and To Do tasks of one Microsoft 365 mailbox.

Versions are change keys (events, contacts) or ETags (tasks); cursors wrap deltaLinks; links live in the
``SyncoreLink`` extended property (events, contacts) or a linked resource (tasks). HTTP is httpx's synchronous
client (:mod:`._client`), tokens come from msal (:mod:`._auth`), the field mapping is pure (:mod:`._mapping`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import attrs

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
from syncore.schedule import system_zone_name

from . import _occurrence_write, _read, _series_read, _series_write, _writes
from ._auth import ClientCredentials, DeviceCodeSignIn, StaticToken, TokenProvider
from ._client import GraphClient
from ._kinds import KindPaths, to_remote
from ._mapping.series import stored_series, unfit_reason
from .options import CREDENTIAL_NAMES, Auth, GraphOptions, check_credentials, starter_credentials

#: records per adapter call: five $batch requests of 20, four of them in flight at once
CALL_BATCH = 100
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/")


class GraphAdapter(Adapter):
    """One mailbox through Microsoft Graph (the PIM side).

    :param client: a :class:`~._client.GraphClient` for the mailbox (see :meth:`connect`)
    :param timezone: the user's IANA zone (new events, all-day dates, To Do dates)
    :param past_days: / future_days: the calendar window (moves weekly; a moved window starts a new round)
    :param clock: "now" (tests move it)
    """

    adapter_name: ClassVar[str] = "graph"
    display_name = "Microsoft 365"
    #: the settings file's options and the credential names it may reference (see :mod:`.options`)
    options_type: ClassVar[type] = GraphOptions
    credential_names: ClassVar[frozenset[str]] = CREDENTIAL_NAMES
    starter_credentials: ClassVar[tuple[str, ...]] = ("client_secret",)

    def __init__(self, client: GraphClient, *, timezone: str = "UTC", kinds: Collection[Kind] = tuple(Kind),
                 past_days: int = 60, future_days: int = 400,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client = client
        self.timezone = timezone
        self.past_days, self.future_days = past_days, future_days
        self.clock = clock
        self._kinds = frozenset(Kind(k) for k in kinds)
        self._paths: dict[Kind, KindPaths] = {}
        # net_change_feed: a delta round reports net changes, so an item created and deleted between two reads
        # may never be named; the engine looks up its own creates the next round does not show
        self._caps = Capabilities(kinds=self._kinds, formatted_bodies=True, link_ids=True,
                                  max_create_batch=CALL_BATCH, max_update_batch=CALL_BATCH,
                                  max_delete_batch=CALL_BATCH, max_fetch_batch=CALL_BATCH, net_change_feed=True,
                                  # a series is one master with its pattern (docs/recurrence.md)
                                  recurrence=RecurrenceSupport.RULES,
                                  # read, never written: Graph would send meeting requests (docs/graph.md)
                                  read_only_fields=frozenset({"attendees"}) if Kind.EVENT in self._kinds
                                  else frozenset(),
                                  # a series' cancelled and modified occurrences are written on its instances
                                  # after the POST (_writes.create -> _series_write.finish_creates); a To Do task's
                                  # linkedResources and everything else go in the one POST
                                  create_completes=frozenset({"recurrence"}))

    # -- construction --------------------------------------------------------------------------------------
    @classmethod
    def connect(cls, options: GraphOptions, credentials: Mapping[str, str] | None = None, *,
                sleep: Callable[[float], None] = time.sleep, tokens: TokenProvider | None = None,
                **adapter_options: Any) -> GraphAdapter:
        """An adapter from :class:`~.options.GraphOptions` and credentials (``client_secret``, or
        ``private_key`` and ``certificate``). Nothing is sent yet: the first call signs in (a device code
        sign-in must have been made already, ``syncore sign-in``).

        :raises ConfigurationError: when the credentials do not fit ``options.auth``
        """
        credentials = dict(credentials or {})
        if tokens is None:
            check_credentials(credentials, options.auth)
            if options.auth is Auth.APP:
                tokens = ClientCredentials(tenant=options.tenant, client_id=options.client_id,
                                           client_secret=credentials.get("client_secret"),
                                           private_key=credentials.get("private_key"),
                                           certificate=credentials.get("certificate"),
                                           authority_host=options.authority_host, verify=options.verify)
            else:
                tokens = DeviceCodeSignIn(tenant=options.tenant, client_id=options.client_id,
                                          cache_path=options.sign_in_cache,
                                          authority_host=options.authority_host, verify=options.verify,
                                          username=options.mailbox)
        root = f"/users/{options.mailbox}" if options.auth is Auth.APP else "/me"
        client = GraphClient(options.graph_url, tokens, root, verify=options.verify, sleep=sleep,
                             page_size=options.page_size)
        adapter = cls(client, timezone=options.timezone or system_zone_name(), kinds=options.kinds,
                      past_days=options.past_days, future_days=options.future_days, **adapter_options)
        adapter.display_name = f"Microsoft 365 ({options.mailbox})" if options.mailbox else "Microsoft 365"
        return adapter

    @classmethod
    def from_config(cls, options: Any, credentials: Mapping[str, str]) -> GraphAdapter:
        """Build from a settings file: ``options`` (:class:`~.options.GraphOptions`, checked before anything
        is sent) and resolved ``credentials`` (``client_secret``, or ``private_key`` and ``certificate``).

        :raises ConfigurationError: naming a bad option or credential
        """
        parsed: GraphOptions = cls.parse_options(options)
        cls.check_credential_names(credentials)
        return cls.connect(parsed, credentials)

    @classmethod
    def starter_credentials_for(cls, options: Mapping[str, Any]) -> tuple[str, ...]:
        """A client secret for an app-only sign-in; none for a device code sign-in (its tokens are cached)."""
        return starter_credentials(options)

    def check_connection(self) -> ConnectionCheck:
        """One read per synced kind (an event, the contact folder, the To Do lists): the sign-in works and
        holds each permission the sync needs. The server's clock is the last answer's ``Date``."""
        kinds = sorted(self._kinds, key=list(Kind).index)
        for kind in kinds:
            if kind is Kind.EVENT:
                self.client.request("GET", "/events?$top=1&$select=id", operation="check events")
            elif kind is Kind.CONTACT:
                self.client.request("GET", "/contactFolders/contacts", operation="check contacts")
            else:
                self._paths.pop(kind, None)
                self.paths(kind)  # GET /todo/lists: the default list
        app_only = self.client.root != "/me"
        who = "app-only sign-in" if app_only else "signed-in user"
        mailbox = self.client.root.removeprefix("/users/") if app_only else "of the signed-in user"
        return ConnectionCheck(details=f"mailbox {mailbox} at {self.client.base} ({who}; "
                                       f"{', '.join(k.value + 's' for k in kinds)} readable)",
                               server_time=self.client.server_date)

    @classmethod
    def for_emulator(cls, emulator: Any, *, auth: str = "app", upn: str | None = None,
                     token_cache: str | None = None, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], datetime] | None = None, **options: Any) -> GraphAdapter:
        """An adapter on a running :class:`~syncore_graph.emulator.GraphEmulator` through the real msal flows.

        :param auth: "app" (client credentials, ``/users/{upn}``; events and contacts, as To Do takes no
            application permissions), "device_code" (a device code sign-in into ``token_cache``, ``/me``) or
            "token" (the emulator's delegated :meth:`issue_token` for ``upn``, ``/users/{upn}``)
        :param options: further :class:`~.options.GraphOptions` fields (``timezone``, ``page_size`` ...)
        """
        common = {"tenant": emulator.tenant, "client_id": emulator.client_id, "graph_url": emulator.url,
                  "authority_host": emulator.url, "ca_file": emulator.ca_cert_path, **options}
        extra = {"clock": clock} if clock is not None else {}
        if auth == "device_code":
            if token_cache is None:
                raise ValueError("for_emulator(auth='device_code') needs token_cache (a file path)")
            settings = GraphOptions(auth=Auth.DEVICE_CODE, sign_in_cache=token_cache, mailbox=upn, **common)
            signer = DeviceCodeSignIn(tenant=emulator.tenant, client_id=emulator.client_id,
                                      cache_path=token_cache, authority_host=emulator.url,
                                      verify=emulator.ca_cert_path, username=upn)
            if not signer.cache_path.exists():
                signer.sign_in(show=lambda message: None)
            return cls.connect(settings, tokens=signer, sleep=sleep, **extra)
        if auth == "token":
            # a delegated token may reach To Do, which an app-only one may not: every kind by default
            settings = GraphOptions(auth=Auth.APP, mailbox=upn or emulator.default_upn,
                                    **{"kinds": tuple(Kind), **common})
            token = StaticToken(emulator.issue_token(upn or emulator.default_upn))
            return cls.connect(settings, tokens=token, sleep=sleep, **extra)
        settings = GraphOptions(auth=Auth.APP, mailbox=upn or emulator.default_upn, **common)
        return cls.connect(settings, {"client_secret": emulator.client_secret}, sleep=sleep, **extra)

    # -- plumbing ------------------------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """Formatted bodies and links; up to 100 records per call, sent as $batch requests of 20."""
        return self._caps

    def paths(self, kind: Kind) -> KindPaths:
        if kind not in self._paths:
            if kind is Kind.TASK:
                lists = self.client.request("GET", "/todo/lists", operation="To Do lists")
                default = next((tl for tl in lists.get("value") or () if tl.get("wellknownListName") == "defaultList"),
                               None)
                container = default["id"] if default else (lists.get("value") or [{}])[0].get("id", "")
            else:
                container = "contacts"  # the default contact folder's well-known name
            self._paths[kind] = KindPaths(kind, container)
        return self._paths[kind]

    def _key(self, kind: Kind) -> str:
        return f"{self.client.root}|{kind.value}|{self.paths(kind).container}"

    def window(self) -> tuple[datetime, datetime]:
        """The calendarView window: whole weeks (Monday 00:00 UTC), so it moves once a week, not every sync."""
        today = self.clock().astimezone(UTC).date()
        start = today - timedelta(days=self.past_days)
        start -= timedelta(days=start.weekday())
        end = today + timedelta(days=self.future_days)
        end += timedelta(days=(7 - end.weekday()) % 7)
        as_instant = lambda day: datetime(day.year, day.month, day.day, tzinfo=UTC)
        return as_instant(start), as_instant(end)

    # -- reading -------------------------------------------------------------------------------------------
    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        """The delta round since ``cursor``; a moved window starts a new round over the new window."""
        stored_window, link, known = _read.decode_cursor(cursor, self._key(kind))
        window = self.window() if kind is Kind.EVENT else None
        if window is not None and stored_window != (window[0].isoformat(), window[1].isoformat()):
            # Finish the old round first (what changed or was deleted since it), then list the new window:
            # a deletion made just before the window moved must not be lost.
            old = self._round(kind, link, window, complete=False, known=known)
            new = self._round(kind, None, window, complete=False)
            newer = {u.id for u in new.upserts}
            return attrs.evolve(new, upserts=tuple(u for u in old.upserts if u.id not in newer) + new.upserts,
                                deletions=tuple(d for d in old.deletions if d not in newer),
                                unsupported=old.unsupported + new.unsupported, unread=old.unread + new.unread)
        return self._round(kind, link, window, complete=False, known=known)

    def full_scan(self, kind: Kind) -> ChangeSet:
        """A new delta round: everything in scope (events: in the window), with links, and a cursor."""
        return self._round(kind, None, self.window() if kind is Kind.EVENT else None, complete=True)

    def _round(self, kind: Kind, link: str | None, window: tuple[datetime, datetime] | None, *,
               complete: bool, known: Sequence[str] = ()) -> ChangeSet:
        paths = self.paths(kind)
        if link is None:
            params = _read.window_params(window) if window else paths.delta_query
            entries, delta_link = _read.read_round(self.client, paths.delta, params, kind)
        else:
            entries, delta_link = _read.read_round(self.client, link, None, kind)
        series: list[str] = []
        if kind is Kind.EVENT:
            entries, series = _series_read.set_aside(entries)
        links = _read.links_in_scope(self.client, paths, window) if complete and kind is not Kind.TASK else None
        records, removed, unsupported, partial = _read.split(kind, entries, self.timezone, links)
        deletions = removed
        known_now = set(known)
        if kind is Kind.EVENT and window is not None:
            if removed:
                found, deletions, odd, more = _read.resolve_removed(self.client, paths, removed, self.timezone)
                records, unsupported, series = records + found, unsupported + odd, series + more
                if deletions:
                    # a cancelled occurrence or a deleted series shows as removed occurrence ids only
                    series += list(known)
            if series:
                read = _series_read.read_series(self.client, series, window, self.timezone)
                records += list(read.records.values())
                unsupported += read.unsupported
                deletions = list(dict.fromkeys([*deletions, *read.gone]))
                singles = {i for i, r in read.records.items() if getattr(r.record, "recurrence", None) is None}
                known_now = (known_now | set(read.records) | {u.id for u in read.unsupported}) - set(read.gone) \
                    - singles
        cursor = _read.encode_cursor(self._key(kind), window, delta_link, sorted(known_now))
        if complete:
            read_partial = self.fetch(kind, [i for i, _ in partial]) if partial else {}
            return ChangeSet(upserts=tuple(records) + tuple(read_partial.values()), unsupported=tuple(unsupported),
                             cursor=cursor, complete=True)
        return ChangeSet(upserts=tuple(records), deletions=tuple(deletions), unsupported=tuple(unsupported),
                         unread=tuple(partial), cursor=cursor)

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Items by id ($batch GETs of 20, with links); a series master is read as its series; missing ids are
        left out."""
        wanted = [i for i in dict.fromkeys(ids) if self.is_native_id(kind, i)]
        if not wanted:
            return {}
        found = _read.fetch_items(self.client, self.paths(kind), wanted)
        series: list[str] = []
        if kind is Kind.EVENT:
            plain, named = _series_read.set_aside(found)
            series = [i for i in named if i in found]  # masters asked for (an occurrence's id is no record)
            found = plain
        records, _, _, _ = _read.split(kind, found, self.timezone)
        out = {record.id: record for record in records}
        if series:
            out.update(_series_read.read_series(self.client, series, self.window(), self.timezone).records)
        return out

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """Items whose link is one of ``links`` (one filtered GET per link, 20 per $batch; tasks: one listing);
        a series master found is read as its series."""
        wanted = sorted(set(links))
        if not wanted:
            return {}
        found = _read.find_by_link(self.client, self.paths(kind), wanted)
        out, masters = {}, {}
        for link, item in found.items():
            if kind is Kind.EVENT and item.get("type") == "seriesMaster":
                masters[item["id"]] = link
                continue
            if _read.split(kind, {item["id"]: item}, self.timezone)[2]:
                continue  # an occurrence or exception is not a copy we made
            out[link] = to_remote(kind, item, self.timezone, link)
        if masters:
            read = _series_read.read_series(self.client, masters, self.window(), self.timezone)
            out.update({masters[i]: record for i, record in read.records.items()})
        return out

    def is_native_id(self, kind: Kind, value: str) -> bool:
        """Graph ids: base64 (URL-safe or standard) of at least 16 characters."""
        return isinstance(value, str) and 16 <= len(value) <= 512 and set(value) <= _ID_CHARS

    def sign_in(self, show: Callable[[str], None]) -> bool:
        """The device code sign-in (``auth = "device_code"``): ``show`` gets where to go and which code to enter;
        the token cache is written owner-only. App-only sign-ins need nothing interactive."""
        tokens = self.client.tokens
        if not isinstance(tokens, DeviceCodeSignIn):
            return False
        tokens.sign_in(show)
        return True

    def adopt_ids(self, source: str, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
        """EWS ids of the same mailbox (``source`` "exchange") as Graph ids (see :mod:`._migrate`)."""
        from ._migrate import adopt

        return adopt(self.client, self.paths(kind), source, list(ids)) if ids else {}

    # -- writing -------------------------------------------------------------------------------------------
    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """POSTs in $batch; event creates are idempotent (transactionId); attendees are never written."""
        return _writes.create(self.client, self.paths(kind), requests, self.timezone) if requests else []

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """PATCHes of the named fields with If-Match on ``base_version``; stale ones are VersionMismatch. A
        series' pattern, times and occurrences, and single occurrences, go through :mod:`._series_write`."""
        if kind is not Kind.EVENT:
            return _writes.update(self.client, self.paths(kind), requests, self.timezone) if requests else []
        window = self.window()
        return _in_groups(requests, [
            (lambda r: _occurrence_write.is_occurrence_id(r.id),
             lambda rs: _occurrence_write.update_occurrences(self.client, rs, window, self.timezone)),
            (_series_write.is_series_write,
             lambda rs: _series_write.update_series(self.client, rs, window, self.timezone)),
            (lambda r: True, lambda rs: _writes.update(self.client, self.paths(kind), rs, self.timezone))])

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """DELETEs in $batch; an item already gone counts as deleted; an occurrence id cancels that occurrence."""
        if kind is not Kind.EVENT:
            return _writes.delete(self.client, self.paths(kind), requests) if requests else []
        window = self.window()
        return _in_groups(requests, [
            (lambda r: _occurrence_write.is_occurrence_id(r.id),
             lambda rs: _occurrence_write.delete_occurrences(self.client, rs, window, self.timezone)),
            (lambda r: True, lambda rs: _writes.delete(self.client, self.paths(kind), rs))])

    def represent(self, record: Record) -> Record:
        """Events are held as they are (their attendees are read, never written: a read-only field), a series
        in the IANA zone of its Windows zone with the rule its pattern reads back as; To Do tasks cannot be
        private, keep a completion time only while completed, and have no linked contacts."""
        if isinstance(record, Event) and record.recurrence is not None and self.unfit_reason(record) is None:
            return stored_series(record)
        if isinstance(record, Task):
            changes: dict[str, Any] = {}
            if record.private:
                changes["private"] = False
            if record.completed_at is not None and record.status is not TaskStatus.COMPLETED:
                changes["completed_at"] = None
            if record.contacts:
                changes["contacts"] = ()
            return record.replace(**changes) if changes else record
        return record

    def unfit_reason(self, record: Record) -> str | None:
        """Why Outlook cannot hold a series as it is (a rule no ``patternedRecurrence`` gives), or None."""
        return unfit_reason(record)

    def close(self) -> None:
        self.client.close()


def _in_groups(requests: Sequence[Any], groups: list[tuple[Callable[[Any], bool], Callable[[list[Any]],
               list[WriteOutcome]]]]) -> list[WriteOutcome]:
    """Each request to the first group whose test it passes; the outcomes in the requests' order."""
    chosen: list[list[int]] = [[] for _ in groups]
    for index, request in enumerate(requests):
        chosen[next(n for n, (test, _) in enumerate(groups) if test(request))].append(index)
    outcomes: dict[int, WriteOutcome] = {}
    for indexes, (_, write) in zip(chosen, groups, strict=True):
        if indexes:
            outcomes.update(zip(indexes, write([requests[i] for i in indexes]), strict=True))
    return [outcomes[i] for i in range(len(requests))]
