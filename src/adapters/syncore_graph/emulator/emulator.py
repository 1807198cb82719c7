"""The public :class:`GraphEmulator`: a Microsoft Graph (Outlook calendar, contacts, To Do) and identity
platform emulator on a real HTTPS loopback socket, for msal + httpx (or any HTTP client)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Self

from syncore.testing.emulation import LoopbackServer, RequestLog, RequestLogAccess

from . import contacts, events, todo
from .app import GraphApp
from .common import Ctx
from .errors import GraphError
from .faults import GraphFaults
from .mailbox import Item, Mailbox, utc_now
from .oauth import App, Identity
from .odata import Prefer

DEFAULT_MAILBOX = "user@example.com"
DEFAULT_TENANT = "emulator-tenant"
DEFAULT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
DEFAULT_CLIENT_SECRET = "emulator-client-secret-value"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphEmulator(RequestLogAccess):
    """Microsoft Graph v1.0 for Outlook mailboxes, served on ``https://127.0.0.1:PORT`` with a throwaway CA.

    * :attr:`url` is the Graph root (``{url}/v1.0/me/events`` ...) and also the identity platform's host:
      :attr:`authority` (``{url}/{tenant}``) serves the token endpoints msal uses;
    * :meth:`issue_token` returns a bearer token for the default mailbox without any OAuth round trip;
    * :attr:`requests` / :meth:`count` / :meth:`reset_log` is the HTTP request log, :attr:`subrequests` the
      ``$batch`` sub-requests; :attr:`faults` arms failures (shared names plus Graph's own).

    :param mailboxes: user principal names; the first is the default mailbox
    :param client_id: / client_secret: the registered application (app-only and device code flows)
    :param certificate_pem: the application's certificate (PEM) for certificate credentials
    :param app_mailboxes: mailboxes an app-only token may open (an application access policy); default all
    """

    def __init__(self, mailboxes: Iterable[str] = (DEFAULT_MAILBOX,), *, tenant: str = DEFAULT_TENANT,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str | None = DEFAULT_CLIENT_SECRET,
                 certificate_pem: bytes | None = None, app_mailboxes: Iterable[str] | None = None,
                 clock: Any = utc_now) -> None:
        names = [m.lower() for m in ([mailboxes] if isinstance(mailboxes, str) else mailboxes)]
        self.clock = clock
        self.mailboxes: dict[str, Mailbox] = {m: Mailbox(m, clock) for m in names}
        self.default_upn = names[0]
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.identity = Identity(tenant, {client_id: App(client_id, client_secret, certificate_pem)}, names[0],
                                 set(names), auto_approve=names[0])
        self.app_mailboxes = None if app_mailboxes is None else {m.lower() for m in app_mailboxes}
        self.faults = GraphFaults()
        self.log = RequestLog()
        self.sub_log = RequestLog()
        self.lock = threading.RLock()
        self.errors: list[str] = []
        #: seconds each request holds one of its mailbox's concurrent request slots (to make overlap visible)
        self.processing_delay = 0.0
        #: concurrent requests per mailbox before Outlook answers 429 MailboxConcurrency
        self.max_concurrent = 4
        #: the most requests one mailbox had in flight at once
        self.peak_concurrency = 0
        self.app = GraphApp(self)
        self._server: LoopbackServer | None = None
        self._tls: Any = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> Self:
        if self._server is None:
            from syncore.testing.emulation.tls import generate

            self._tls = generate("graph-emulator")
            server = LoopbackServer(self.app, ssl_context=self._tls.server_context(), name="graph-emulator",
                                    server_version="Microsoft-IIS/10.0")
            server.errors = self.errors
            self._server = server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._tls is not None:
            self._tls.cleanup()
            self._tls = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT``: the Graph root (requests go to ``{url}/v1.0/...``)."""
        if self._server is None:
            raise RuntimeError("GraphEmulator is not started")
        return self._server.url

    @property
    def authority(self) -> str:
        """The identity platform authority to give msal (with ``instance_discovery=False``)."""
        return f"{self.url}/{self.tenant}"

    @property
    def ca_cert_path(self) -> str:
        """PEM of the throwaway CA: httpx ``verify=`` and msal ``verify=``."""
        if self._tls is None:
            raise RuntimeError("GraphEmulator is not started")
        return self._tls.ca_cert_path

    # -- auth ------------------------------------------------------------------------------------------
    def issue_token(self, upn: str | None = None, *, app_only: bool = False, lifetime: float = 3599) -> str:
        """A bearer token: delegated for ``upn`` (default: the default mailbox) or app-only."""
        return self.identity.issue_access(self.client_id, None if app_only else (upn or self.default_upn).lower(),
                                          lifetime)

    def expire_tokens(self) -> None:
        """Make every access token issued so far answer 401 (refresh tokens stay valid)."""
        self.identity.expire_access_tokens()

    def approve_device_code(self, user_code: str, upn: str | None = None) -> None:
        """Complete a device code sign-in as ``upn`` (with ``identity.auto_approve = None``)."""
        self.identity.approve(user_code, upn or self.default_upn)

    def app_may_access(self, upn: str) -> bool:
        return self.app_mailboxes is None or upn in self.app_mailboxes

    def expire_delta_tokens(self) -> None:
        """Forget every delta and paging token: the next use answers 410 syncStateNotFound."""
        with self.lock:
            self.app.tokens.expire()

    # -- logs ------------------------------------------------------------------------------------------
    @property
    def subrequests(self) -> list[Any]:
        """Every ``$batch`` sub-request, oldest first."""
        return self.sub_log.records()

    def reset_log(self) -> None:
        self.log.reset()
        self.sub_log.reset()

    # -- direct access (as another client would change the mailbox) -----------------------------------
    def mailbox(self, upn: str | None = None) -> Mailbox:
        return self.mailboxes[(upn or self.default_upn).lower()]

    def _ctx(self, upn: str | None, body: Any = None) -> Ctx:
        return Ctx(mailbox=self.mailbox(upn), prefer=Prefer(immutable_ids=True), params={}, body=body,
                   base_url=self.url if self._server else "")

    def create(self, kind: str, body: dict[str, Any], upn: str | None = None) -> dict[str, Any]:
        """Create an event, contact or task as a user's other client would; returns it as Graph renders it."""
        with self.lock:
            ctx = self._ctx(upn, dict(body))
            if kind == "event":
                return events.create(ctx)[1]
            if kind == "contact":
                return contacts.create(ctx)[1]
            return todo.create(ctx, ctx.mailbox.default_task_list())[1]

    def update(self, item_id: str, body: dict[str, Any], upn: str | None = None) -> dict[str, Any]:
        with self.lock:
            ctx = self._ctx(upn, dict(body))
            target = self._target(ctx, item_id)
            module = {"event": events, "contact": contacts, "task": todo}[_kind(target)]
            return module.update(ctx, target)[1]

    def delete(self, item_id: str, upn: str | None = None) -> None:
        with self.lock:
            ctx = self._ctx(upn)
            target = self._target(ctx, item_id)
            if _kind(target) == "event":
                events.delete(ctx, target)
            else:
                ctx.mailbox.remove(target)

    def get(self, item_id: str, upn: str | None = None, *, expand: str | None = None) -> dict[str, Any] | None:
        """An item as Graph renders it (immutable ids, UTC), or None; ``expand`` an extended property id."""
        with self.lock:
            ctx = self._ctx(upn)
            ctx.query.expand_property = expand
            ctx.query.expand_linked_resources = True
            try:
                target = self._target(ctx, item_id)
            except GraphError:
                return None
            if isinstance(target, events.Occurrence):
                return events.render(ctx, target.master, target.start)
            return {"event": events, "contact": contacts, "task": todo}[target.kind].render(ctx, target)

    def items(self, kind: str, upn: str | None = None) -> list[dict[str, Any]]:
        """Every stored item of ``kind`` (series masters and exceptions included, occurrences not)."""
        with self.lock:
            found = self.mailbox(upn).live(kind)
        return [self.get(item.immutable_id if kind != "task" else item.rest_id, upn) for item in found]  # type: ignore[misc]

    def invitations(self, upn: str | None = None) -> list[tuple[str, list[str]]]:
        """Meeting requests sent so far: (event id, attendee addresses)."""
        return list(self.mailbox(upn).invitations)

    def cancellations(self, upn: str | None = None) -> list[tuple[str, list[str]]]:
        """Meeting cancellations sent so far (a meeting deleted by its organizer): (event id, addresses)."""
        return list(self.mailbox(upn).cancellations)

    def _target(self, ctx: Ctx, item_id: str) -> Any:
        target = events.find(ctx.mailbox, item_id)
        if target is None:
            target = ctx.mailbox.resolve(item_id)
        if target is None:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return target

    def import_ews(self, ews_items: Iterable[dict[str, Any]], upn: str | None = None) -> dict[str, str]:
        """Copy EWS emulator items (``EwsEmulator.items(folder)`` snapshots) into this mailbox, keeping their
        EWS ids (so ``translateExchangeIds`` maps them); returns {EWS id: immutable id} (tasks: their id)."""
        from .ews_import import import_items

        with self.lock:
            return import_items(self, self.mailbox(upn), ews_items)


def _kind(target: Any) -> str:
    return "event" if isinstance(target, events.Occurrence) else target.kind


__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_MAILBOX", "GRAPH_SCOPE", "GraphEmulator", "Item"]
