"""The public :class:`SalesforceEmulator`: server lifecycle, clients, users, quota and faults."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import requests

from syncore.testing.emulation import LoopbackServer, RequestLog, RequestLogAccess

from .app import SalesforceApp
from .auth import User
from .clock import Clock
from .data import DirectAccess
from .faults import Faults
from .org import Org
from .wiring import wire_session

if TYPE_CHECKING:
    from simple_salesforce import Salesforce

    from .tls import TlsFiles

DEFAULT_USERS = {"syncore@example.com": ("emulator-password", "EMULATORTOKEN")}


class SalesforceEmulator(RequestLogAccess, DirectAccess):
    """A Salesforce REST emulator on a real loopback socket, for the real simple-salesforce client.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`) and get clients from
    :meth:`client` (direct session id) or :meth:`login_client` (SOAP username/password/token login).

    :param tls: serve HTTPS with a certificate for 127.0.0.1/localhost from a throwaway CA
        (:attr:`ca_cert_path`; needs the ``cryptography`` package); plain HTTP otherwise.
    :param api_version: version used in URLs the emulator builds (any ``vNN.0`` path is accepted).
    :param users: ``{username: (password, security_token)}`` accepted at login.
    :param daily_api_limit: the ``DailyApiRequests`` maximum, reported in ``Sforce-Limit-Info``.
    :param start_time: where the clock starts (aware datetime); it then runs in real time (default: now).
        ``emu.clock.freeze()`` stops it for a test about one specific instant.
    :param min_batch_size: smallest honoured ``batchSize`` (Salesforce: 200). Lower it for cheap paging tests.
    :param multiday_events: org setting; off limits events to 1440 minutes.
    :param upsert_update_status: 200 (body with ``created: false``) or 204 for an upsert that updates.
    :param replication_id_limit: ``EXCEEDED_ID_LIMIT`` threshold of ``updated/`` and ``deleted/``.
    :param closed_task_statuses: Task ``Status`` values with ``IsClosed = true`` (TaskStatus).
    :param accept_password_without_token: accept a login without the security token (trusted IP range).
    :param shared_activities: org setting "Allow Users to Relate Multiple Contacts to Tasks and Events": on,
        an activity relates to up to 50 contacts or one lead (EventRelation ``IsParent``, TaskRelation); off,
        EventRelation rows are invitees only and TaskRelation does not exist.
    :param time_zone: the ``TimeZoneSidKey`` of the *users* (an IANA id or ``GMT``): the zone Salesforce derives
        their dates in (date literals, the date of a timed event, an all-day event given by its start instant).
    :param lightning_series: whether the API may create Lightning event series (``Recurrence2PatternText``
        createable; from API v52.0): off, the describe says so and only classic series can be created.
    :param series_delete_lag: how long Salesforce takes to remove the rows a Lightning series deletion dooms
        (``DELETE …/fromThisEventOnwards``, or a whole series deleted by its first occurrence): ``0`` (default) at
        once; ``N``, they stay live through N further API requests; ``None``, until :meth:`finish_pending_deletions`.
        The REST guide's answer says only "Wait for all events to be removed"; what the rows look like meanwhile is
        a guess (see :mod:`.deferred`).
    :param lingering_rows_cut: with a lag, the occurrences a cut (``fromThisEventOnwards``) dooms take the cut
        pattern while they linger, as the rows it keeps do; off, they stay exactly as they were (both guesses).
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        api_version: str = "59.0",
        users: Mapping[str, tuple[str, str]] | None = None,
        daily_api_limit: int = 15000,
        start_time: datetime | None = None,
        min_batch_size: int = 200,
        multiday_events: bool = True,
        upsert_update_status: int = 200,
        replication_id_limit: int = 600_000,
        closed_task_statuses: tuple[str, ...] = ("Completed",),
        accept_password_without_token: bool = False,
        time_zone: str = "GMT",
        lightning_series: bool = True,
        shared_activities: bool = True,
        series_delete_lag: int | None = 0,
        lingering_rows_cut: bool = False,
    ) -> None:
        if upsert_update_status not in (200, 204):
            raise ValueError("upsert_update_status must be 200 or 204")
        self.tls = tls
        self.faults = Faults()
        self.log = RequestLog()
        self.org = Org(
            api_version=api_version,
            users=users or DEFAULT_USERS,
            daily_api_limit=daily_api_limit,
            start_time=start_time,
            min_batch_size=min_batch_size,
            multiday_events=multiday_events,
            upsert_update_status=upsert_update_status,
            replication_id_limit=replication_id_limit,
            closed_task_statuses=closed_task_statuses,
            accept_password_without_token=accept_password_without_token,
            faults=self.faults,
            time_zone=time_zone,
            lightning_series=lightning_series,
            shared_activities=shared_activities,
            series_delete_lag=series_delete_lag,
            lingering_rows_cut=lingering_rows_cut,
        )
        self.faults.bind(self.expire_sessions, self.exhaust_quota, self.purge)
        #: Tracebacks of unexpected handler exceptions (a test asserts it stays empty).
        self.errors: list[str] = []
        self.app = SalesforceApp(self.org, self.faults, self.log, self.errors)
        self._server: LoopbackServer | None = None
        self._tls_files: TlsFiles | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind 127.0.0.1 on a random port and serve on a daemon thread."""
        if self._server is not None:
            return self
        context = None
        if self.tls:
            try:
                from .tls import generate
            except ImportError as exc:  # pragma: no cover - cryptography ships with the salesforce extra
                raise RuntimeError(
                    "SalesforceEmulator(tls=True) needs the 'cryptography' package "
                    "(pip install 'syncore[salesforce]'); use tls=False for plain HTTP"
                ) from exc
            self._tls_files = generate()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._tls_files.cert_path, self._tls_files.key_path)
        server = LoopbackServer(
            self.app, ssl_context=context, name="salesforce-emulator", server_version="SalesforceEmulator/1.0"
        )
        server.errors = self.errors
        self._server = server.start()
        self.org.instance_url = f"https://127.0.0.1:{server.port}"
        self.app.base_url = server.url
        return self

    def stop(self) -> None:
        """Stop serving, close kept-alive connections and remove the TLS files."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._tls_files is not None:
            self._tls_files.cleanup()
            self._tls_files = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        return self._server.port

    @property
    def url(self) -> str:
        """Where the socket really listens: ``http://127.0.0.1:PORT`` (``https://`` with ``tls=True``)."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        return self._server.url

    @property
    def instance_url(self) -> str:
        """The instance URL Salesforce reports (always ``https://127.0.0.1:PORT``, as clients build it)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_cert_path(self) -> str | None:
        """PEM path of the throwaway CA for ``session.verify`` (``None`` without TLS)."""
        return self._tls_files.ca_cert_path if self._tls_files else None

    # -- state shortcuts ------------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        """The org's clock (``now()``, ``advance()``, ``set()``)."""
        return self.org.clock

    @property
    def api_version(self) -> str:
        return self.org.api_version

    @property
    def org_id(self) -> str:
        return self.org.org_id

    @property
    def other_user_id(self) -> str:
        """The user direct-access writes (:meth:`insert` ...) are attributed to: "another Salesforce user"."""
        return self.org.other_user_id

    @property
    def schema(self) -> Any:
        return self.org.schema

    @property
    def store(self) -> Any:
        return self.org.store

    # -- clients ------------------------------------------------------------------------------------
    def session(self, session: requests.Session | None = None) -> requests.Session:
        """Wire *session* (or a new one) to reach the emulator; see :mod:`.wiring`."""
        return wire_session(session or requests.Session(), self.url, self.ca_cert_path)

    def client(self, session: requests.Session | None = None, *, username: str | None = None) -> Salesforce:
        """A ``simple_salesforce.Salesforce`` with direct auth (a fresh session id, no re-login)."""
        from simple_salesforce import Salesforce

        return Salesforce(
            instance_url=self.instance_url,
            session_id=self.issue_token(username),
            version=self.api_version,
            session=self.session(session),
        )

    def login_client(
        self,
        session: requests.Session | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        security_token: str | None = None,
        domain: str = "login",
    ) -> Salesforce:
        """A ``simple_salesforce.Salesforce`` logged in over SOAP (it can re-login after 401)."""
        from simple_salesforce import Salesforce

        user = self.org.auth.user(username)
        return Salesforce(
            username=user.username,
            password=password if password is not None else user.password,
            security_token=security_token if security_token is not None else user.security_token,
            version=self.api_version,
            domain=domain,
            session=self.session(session),
        )

    # -- users, sessions, quota -----------------------------------------------------------------
    @property
    def auth(self) -> Any:
        return self.org.auth

    @property
    def users(self) -> dict[str, User]:
        """Accepted logins by username."""
        return self.org.auth.users

    @property
    def consumer_key(self) -> str:
        """OAuth client id accepted by ``/services/oauth2/token``."""
        return self.org.auth.consumer_key

    @property
    def consumer_secret(self) -> str:
        """OAuth client secret accepted by ``/services/oauth2/token``."""
        return self.org.auth.consumer_secret

    def add_user(self, username: str, password: str, security_token: str, *, time_zone: str = "GMT") -> User:
        """Accept another login; *time_zone* is its ``TimeZoneSidKey`` (e.g. ``America/Los_Angeles``)."""
        return self.org.add_user(username, password, security_token, time_zone)

    @property
    def user_id(self) -> str:
        """User id of the first (default) user: OwnerId/CreatedById of records the client writes."""
        return self.org.auth.user().user_id

    def issue_token(self, username: str | None = None) -> str:
        """Create a valid session id for *username* (default user)."""
        return self.org.auth.issue_token(username)

    def expire_sessions(self) -> None:
        """Invalidate every issued session id: next calls get 401 INVALID_SESSION_ID until re-login."""
        self.org.auth.expire_sessions()

    def api_usage(self) -> tuple[int, int]:
        """(used, limit) of the daily API request counter."""
        return self.org.quota.usage()

    def set_api_usage(self, used: int) -> None:
        """Set the daily counter (e.g. near the limit)."""
        self.org.quota.set(used)

    def exhaust_quota(self) -> None:
        """Reach the daily limit: every API call answers 403 REQUEST_LIMIT_EXCEEDED."""
        self.set_api_usage(self.org.quota.limit)

    def pending_deletions(self) -> list[str]:
        """Ids of the rows a Lightning series deletion has doomed that are still live (``series_delete_lag``)."""
        return self.org.writer.deferred.pending_ids()

    def finish_pending_deletions(self) -> int:
        """Salesforce finishes every pending Lightning series deletion now; returns the number of rows deleted."""
        return self.org.writer.deferred.finish()

    def invalidate_query_locators(self) -> None:
        """Expire every ``nextRecordsUrl``: next page requests get 400 INVALID_QUERY_LOCATOR."""
        self.org.locators.clear()

    def reset(self) -> None:
        """Back to an empty org without restarting: records, delete log, query locators, faults, request
        log, API usage and :attr:`errors` are cleared. Users, live sessions, registered external-id
        fields and the clock are kept."""
        store = self.org.store
        with store.lock:
            for table in store.tables.values():
                table.clear()
            store.deleted_log.clear()
            store.last_purge = None
            self.org.writer.deferred.clear()
            self.org.seed()
        self.org.locators.clear()
        self.org.open_transactions.clear()
        self.faults.clear()
        self.log.reset()
        self.errors.clear()
        self.set_api_usage(0)
