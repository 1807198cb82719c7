"""The public :class:`EwsEmulator`: a loopback EWS server that the real exchangelib client can talk to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Self

from syncore.testing.emulation import LoopbackServer, RequestLog, RequestLogAccess

from . import occurrences
from .faults import Faults
from .itemxml import build_item, set_property
from .schema import FOLDERS
from .server import EwsApp
from .store import Store, StoredItem
from .store import occurrence_id as store_occurrence_id
from .values import snapshot, tag_for, to_elements
from .xmlns import el

DEFAULT_MAILBOX = "user@example.com"
DEFAULT_PASSWORD = "secret"


class EwsEmulator(RequestLogAccess):
    """In-process EWS server on ``127.0.0.1`` with calendar, contacts and tasks folders per mailbox.

    ``mailboxes`` are primary SMTP addresses. ``users`` maps Basic-auth user names to passwords; by default
    every mailbox address is a user with ``password``. Any authenticated user may open any mailbox (delegate
    or impersonation). Use as a context manager, or call :meth:`start`/:meth:`stop`. ``record_xml=True``
    keeps raw request and response bytes on each :class:`~.log.RequestRecord` (for debugging). ``tokens``
    maps OAuth bearer tokens to user names (``Authorization: Bearer <token>``); the token is not validated
    further. ``mailbox_timezone`` is the Windows zone id of the mailboxes' regional settings: the zone of
    items made by other clients (:meth:`create_item`); items created through EWS get the zone the request
    names (or UTC).

    Built on the shared harness (:mod:`syncore.testing.emulation`): ``emu.requests``,
    ``emu.count(op, **filters)``, ``emu.reset_log()`` and ``emu.faults`` read as for every emulator.
    """

    def __init__(
        self,
        mailboxes=(DEFAULT_MAILBOX,),
        password: str = DEFAULT_PASSWORD,
        users: dict[str, str] | None = None,
        record_xml: bool = False,
        tokens: dict[str, str] | None = None,
        mailbox_timezone: str = "UTC",
    ):
        if isinstance(mailboxes, str):
            mailboxes = [mailboxes]
        self.mailboxes = [m.lower() for m in mailboxes]
        self.password = password
        self.users = users if users is not None else {m: password for m in self.mailboxes}
        self.store = Store(self.mailboxes)
        self.faults = Faults()
        self.log = RequestLog()
        self.mailbox_timezone = mailbox_timezone
        self._app = EwsApp(
            self.store, self.faults, self.log, self.users, record_xml=record_xml, tokens=tokens
        )
        self._server = LoopbackServer(self._app.handle, name="ews-emulator", server_version="Microsoft-IIS/10.0")

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> EwsEmulator:
        """Bind a random port and serve in a daemon thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop exchangelib's cached protocol for this endpoint."""
        if self._server.running:
            url = self.url
            self._server.stop()
            clear_protocol_cache(url)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (after :meth:`start`)."""
        return self._server.port

    @property
    def url(self) -> str:
        """The EWS endpoint, e.g. ``http://127.0.0.1:PORT/EWS/Exchange.asmx``."""
        return f"{self._server.url}/EWS/Exchange.asmx"

    @property
    def errors(self) -> list[str]:
        """Tracebacks of emulator bugs the server answered with HTTP 500 (a test asserts it stays empty)."""
        return self._server.errors

    def reset(self) -> None:
        """Empty every mailbox and forget faults and logged requests (keeps the port and users).

        Sync states issued before the reset become invalid.
        """
        with self.store.lock:
            self.store = Store(self.mailboxes)
            self._app.store = self.store
        self.faults.clear()
        self.log.reset()

    # -- exchangelib helpers ---------------------------------------------------------------------------------

    def credentials(self, username: str | None = None, password: str | None = None):
        """exchangelib ``Credentials`` for a configured user (default: the first mailbox)."""
        from exchangelib import Credentials

        username = username or self.mailboxes[0]
        return Credentials(
            username, password if password is not None else self.users.get(username.lower(), "")
        )

    def config(self, credentials=None, retry_policy=None, version=None, **kwargs):
        """exchangelib ``Configuration`` with auth type and version pinned (no detection requests).

        Extra keyword arguments (e.g. ``max_connections``) go to ``Configuration``.
        """
        from exchangelib import BASIC, Build, Configuration, FailFast, Version

        return Configuration(
            service_endpoint=self.url,
            credentials=credentials or self.credentials(),
            auth_type=BASIC,
            version=version or Version(build=Build(15, 1, 2507, 6)),
            retry_policy=retry_policy or FailFast(),
            **kwargs,
        )

    def account(
        self,
        email: str | None = None,
        credentials=None,
        access_type=None,
        retry_policy=None,
        default_timezone=None,
        version=None,
        **config_kwargs,
    ):
        """A real ``exchangelib.Account`` for a mailbox, without autodiscover.

        ``default_timezone`` defaults to UTC (exchangelib would otherwise use the machine's zone).
        ``retry_policy`` defaults to ``FailFast()``; extra keyword arguments go to ``Configuration``
        (e.g. ``max_connections=4``). Note exchangelib caches one protocol per
        (endpoint, credentials): see :func:`clear_protocol_cache`.
        """
        from exchangelib import DELEGATE, UTC, Account

        email = email or self.mailboxes[0]
        config = self.config(
            credentials=credentials, retry_policy=retry_policy, version=version, **config_kwargs
        )
        return Account(
            email,
            config=config,
            autodiscover=False,
            access_type=access_type or DELEGATE,
            default_timezone=default_timezone or UTC,
        )

    # -- direct data edits ("another Exchange client") -------------------------------------------------------

    def create_item(
        self,
        mailbox: str | None = None,
        folder: str = "calendar",
        kind: str | None = None,
        fields: dict | None = None,
    ) -> str:
        """Create an item directly in the store (logged for SyncFolderItems) and return its id.

        ``fields`` keys are EWS element names (``"Subject"``) or exchangelib field names (``"subject"``).
        Values: str, bool, int/Decimal, aware ``datetime`` (stored as UTC; naive = the mailbox's zone), ``date``
        (date-only fields such as Birthday/DueDate; Start/End insist on datetimes), a ``(BodyType, text)`` tuple or
        exchangelib ``HTMLBody``/``Body`` for ``Body``, dicts for ``PhoneNumbers`` / ``EmailAddresses`` /
        ``PhysicalAddresses`` (``{"Business": {"Street": ..., "City": ...}}``), a list of addresses for
        attendees, a list of strings for ``Categories``, a Windows zone id or tzinfo for ``StartTimeZone`` /
        ``EndTimeZone``, ``{"SalesforceId": "..."}`` for ``ExtendedProperty`` (PublicStrings, String),
        exchangelib EWSElements (``Recurrence``) or raw lxml elements.
        """
        mailbox = (mailbox or self.mailboxes[0]).lower()
        kind = kind or FOLDERS[folder].kind
        if kind is None:
            raise ValueError(f"Folder {folder!r} holds no calendar items, contacts or tasks; pass kind=")
        item_elem = el(f"t:{kind}")
        for key, value in (fields or {}).items():
            for elem in to_elements(kind, key, value):
                item_elem.append(elem)
        with self.store.lock:
            item = build_item(self.store, mailbox, folder, item_elem, self.mailbox_timezone)
            self.store.add(item)
        return item.id

    def update_item(self, item_id: str, fields: dict) -> str:
        """Set (or, with value ``None``, delete) fields; bumps the change key. Returns the new change key.

        Indexed fields (``PhoneNumbers`` ...) are merged per entry, like an EWS SetItemField.
        """
        with self.store.lock:
            item = self._item(item_id)
            for key, value in fields.items():
                tag = tag_for(item.kind, key)
                if value is None:
                    item.props.pop(tag, None)
                    if tag in {"ExtendedProperty", "extended_properties"}:
                        item.extended.clear()
                    continue
                for elem in to_elements(item.kind, key, value):
                    set_property(item, elem)
            self.store.touch(item)
            return item.changekey

    def occurrence_id(self, master_id: str, original_start: datetime) -> str:
        """The ItemId of the occurrence of ``master_id`` whose original start is ``original_start`` (aware)."""
        return store_occurrence_id(master_id, original_start)

    def update_occurrence(self, master_id: str, original_start: datetime, fields: dict) -> str:
        """Change one occurrence of a series as another client would (it becomes an exception); returns the
        master's new change key. ``fields`` as for :meth:`create_item`."""
        with self.store.lock:
            master = self._occurrence_master(master_id, original_start)
            occurrence = occurrences.view(master, original_start.astimezone(UTC))
            for key, value in fields.items():
                for elem in to_elements(occurrence.kind, key, value):
                    set_property(occurrence, elem)
            occurrences.store_exception(occurrence)
            self.store.touch(master)
            return master.changekey

    def delete_occurrence(self, master_id: str, original_start: datetime) -> None:
        """Delete one occurrence of a series as another client would (DeletedOccurrences lists it)."""
        with self.store.lock:
            master = self._occurrence_master(master_id, original_start)
            occurrences.delete(occurrences.view(master, original_start.astimezone(UTC)))
            self.store.touch(master)

    def _occurrence_master(self, master_id: str, original_start: datetime) -> StoredItem:
        master = self._item(master_id)
        if not occurrences.is_master(master) or not occurrences.has_occurrence(master, original_start.astimezone(UTC)):
            raise KeyError(f"{master_id!r} has no occurrence starting {original_start.isoformat()}")
        return master

    def delete_item(self, item_id: str) -> None:
        """Hard-delete an item (logged as a Delete for SyncFolderItems)."""
        with self.store.lock:
            self.store.remove(self._item(item_id))

    def get_item(self, item_id: str) -> dict | None:
        """Snapshot (``id``, ``changekey``, ``kind``, ``mailbox``, ``folder``, ``fields``) or None."""
        with self.store.lock:
            item = self.store.get(item_id)
            return None if item is None else snapshot(item)

    def items(self, folder: str = "calendar", mailbox: str | None = None) -> list[dict]:
        """Snapshots of every item in a folder, in creation order."""
        with self.store.lock:
            state = self.store.folder(mailbox or self.mailboxes[0], folder)
            if state is None:
                raise KeyError(f"No folder {folder!r} in mailbox {mailbox or self.mailboxes[0]!r}")
            return [snapshot(i) for i in state.items.values()]

    def bump_changekey(self, item_id: str) -> str:
        """Change the key without changing data, as Exchange sometimes does; logged as an update."""
        with self.store.lock:
            item = self._item(item_id)
            self.store.touch(item)
            return item.changekey

    def invalidate_sync_states(self, folder: str | None = None, mailbox: str | None = None) -> None:
        """Make every previously issued sync state of the folder(s) answer ``ErrorInvalidSyncStateData``."""
        with self.store.lock:
            for (mb, name), state in self.store.folders.items():
                if (mailbox is None or mb == mailbox.lower()) and (folder is None or name == folder):
                    state.epoch += 1

    def add_mailbox(self, mailbox: str, password: str | None = None) -> None:
        """Add a mailbox (and a user for it) at runtime."""
        self.store.add_mailbox(mailbox)
        self.mailboxes.append(mailbox.lower())
        self._app.users.setdefault(mailbox.lower(), password or self.password)

    def _item(self, item_id: str) -> StoredItem:
        item = self.store.get(item_id)
        if item is None:
            raise KeyError(f"No item {item_id!r}")
        return item


def clear_protocol_cache(url: str | None = None) -> None:
    """Drop exchangelib's cached ``Protocol`` objects (all of them, or those for one endpoint URL).

    exchangelib caches protocols per (endpoint, credentials) in ``CachingProtocol``; a new Account with a
    different retry policy would otherwise silently reuse the old protocol.
    """
    from exchangelib.protocol import CachingProtocol

    if url is None:
        CachingProtocol.clear_cache()
        return
    with CachingProtocol._protocol_cache_lock:
        cache = CachingProtocol._protocol_cache
        # Rebuild instead of pop(): OAuth credentials' hash changes when their token does, so a lookup by key
        # can miss an entry that iteration still sees.
        entries = list(cache.items())
        cache.clear()
        for key, value in entries:
            if key and key[0] == url:
                if not isinstance(value[0], Exception):
                    value[0].close()
            else:
                cache[key] = value


__all__ = ["EwsEmulator", "clear_protocol_cache"]
