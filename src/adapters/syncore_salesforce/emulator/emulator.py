"""The public :class:`SalesforceEmulator`: server lifecycle, auth, quota, faults and direct data access."""

from __future__ import annotations

import json
import ssl
import threading
import time
import traceback
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

import requests

from .auth import Auth, User
from .clock import Clock
from .errors import ApiError, RecordError
from .faults import Faults
from .ids import make_id, to18
from .log import LOGGED_HEADERS, RequestLog, RequestLogEntry, redact
from .records import RecordWriter
from .rest import Request, Response, RestApi, dumps, split_path
from .rules import RuleSettings
from .schema import FieldDef, Schema, SObjectDef
from .server import EmulatorHTTPServer, HttpResult, serve_in_thread
from .soql import SoqlError, parse
from .store import Store, render_record
from .tls import TlsFiles, generate
from .wiring import wire_session

if TYPE_CHECKING:
    from simple_salesforce import Salesforce

DEFAULT_USERS = {"syncore@example.com": ("emulator-password", "EMULATORTOKEN")}
_JSON = "application/json;charset=UTF-8"


class SalesforceEmulator:
    """A Salesforce REST emulator on a real loopback socket, for the real simple-salesforce client.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`) and get clients from
    :meth:`client` (direct session id) or :meth:`login_client` (SOAP username/password/token login).

    :param tls: serve HTTPS with a certificate for 127.0.0.1/localhost from a throwaway CA
        (:attr:`ca_cert_path`); plain HTTP otherwise.
    :param api_version: version used in URLs the emulator builds (any ``vNN.0`` path is accepted).
    :param users: ``{username: (password, security_token)}`` accepted at login.
    :param daily_api_limit: the ``DailyApiRequests`` maximum, reported in ``Sforce-Limit-Info``.
    :param start_time: freeze the clock here (aware datetime); default follows system time.
    :param min_batch_size: smallest honoured ``batchSize`` (Salesforce: 200). Lower it for cheap paging tests.
    :param multiday_events: org setting; off limits events to 1440 minutes.
    :param upsert_update_status: 200 (body with ``created: false``) or 204 for an upsert that updates.
    :param replication_id_limit: ``EXCEEDED_ID_LIMIT`` threshold of ``updated/`` and ``deleted/``.
    :param closed_task_statuses: Task ``Status`` values with ``IsClosed = true`` (TaskStatus).
    :param accept_password_without_token: accept a login without the security token (trusted IP range).
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
    ) -> None:
        if upsert_update_status not in (200, 204):
            raise ValueError("upsert_update_status must be 200 or 204")
        self.tls = tls
        self.api_version = api_version
        self.daily_api_limit = daily_api_limit
        self.min_batch_size = max(1, min_batch_size)
        self.upsert_update_status = upsert_update_status
        self.replication_id_limit = replication_id_limit
        self.clock = Clock(start_time)
        self.faults = Faults(
            expire_sessions=self.expire_sessions, exhaust_quota=self.exhaust_quota, purge=self.purge
        )
        self.log = RequestLog()
        self.schema = Schema(api_version)
        self.store = Store(self.schema)
        self.settings = RuleSettings(
            multiday_events=multiday_events,
            api_version=float(api_version),
            closed_task_statuses=set(closed_task_statuses),
        )
        self.writer = RecordWriter(self.store, self.clock, self.faults, self.settings)
        self.rest = RestApi(self)
        self.org_id = make_id("00D", 1)
        self.auth = Auth(self.org_id, users or DEFAULT_USERS, accept_password_without_token)
        #: The user direct-access writes (:meth:`insert` ...) are attributed to: "another Salesforce user".
        self.other_user_id = make_id("005", 999)
        self.errors: list[str] = []  # tracebacks of unexpected handler exceptions (should stay empty)
        self._api_used = 0
        self._state_lock = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tls_files: TlsFiles | None = None
        self._seed_task_statuses()

    def _seed_task_statuses(self) -> None:
        """TaskStatus rows mirror the Task Status picklist; adapters read IsClosed from them (§1.5)."""
        status = self.schema.get("Task").field("Status")
        default = status.picklist_default()
        for order, entry in enumerate(status.raw["picklistValues"], start=1):
            self.writer.create(
                self.schema.get("TaskStatus"),
                {
                    "MasterLabel": entry["label"],
                    "ApiName": entry["value"],
                    "SortOrder": order,
                    "IsDefault": entry["value"] == default,
                    "IsClosed": entry["value"] in self.settings.closed_task_statuses,
                },
                self.other_user_id,
                trusted=True,
            )

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind 127.0.0.1 on a random port and serve on a daemon thread."""
        if self._server is not None:
            return self
        context = None
        if self.tls:
            self._tls_files = generate()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._tls_files.cert_path, self._tls_files.key_path)
        self._server = EmulatorHTTPServer(self, context)
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        """Stop serving and remove the TLS files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
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
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Where the socket really listens: ``http://127.0.0.1:PORT`` (``https://`` with ``tls=True``)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def instance_url(self) -> str:
        """The instance URL Salesforce reports (always ``https://127.0.0.1:PORT``, as clients build it)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_cert_path(self) -> str | None:
        """PEM path of the throwaway CA for ``session.verify`` (``None`` without TLS)."""
        return self._tls_files.ca_cert_path if self._tls_files else None

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

        user = self.auth.user(username)
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
    def users(self) -> dict[str, User]:
        """Accepted logins by username."""
        return self.auth.users

    @property
    def consumer_key(self) -> str:
        """OAuth client id accepted by ``/services/oauth2/token``."""
        return self.auth.consumer_key

    @property
    def consumer_secret(self) -> str:
        """OAuth client secret accepted by ``/services/oauth2/token``."""
        return self.auth.consumer_secret

    def add_user(self, username: str, password: str, security_token: str) -> User:
        """Accept another login."""
        return self.auth.add_user(username, password, security_token)

    @property
    def user_id(self) -> str:
        """User id of the first (default) user: OwnerId/CreatedById of records the client writes."""
        return self.auth.user().user_id

    def issue_token(self, username: str | None = None) -> str:
        """Create a valid session id for *username* (default user)."""
        return self.auth.issue_token(username)

    def expire_sessions(self) -> None:
        """Invalidate every issued session id: next calls get 401 INVALID_SESSION_ID until re-login."""
        self.auth.expire_sessions()

    def api_usage(self) -> tuple[int, int]:
        """(used, limit) of the daily API request counter."""
        with self._state_lock:
            return self._api_used, self.daily_api_limit

    def set_api_usage(self, used: int) -> None:
        """Set the daily counter (e.g. near the limit)."""
        with self._state_lock:
            self._api_used = used

    def exhaust_quota(self) -> None:
        """Reach the daily limit: every API call answers 403 REQUEST_LIMIT_EXCEEDED."""
        self.set_api_usage(self.daily_api_limit)

    def invalidate_query_locators(self) -> None:
        """Expire every ``nextRecordsUrl``: next page requests get 400 INVALID_QUERY_LOCATOR."""
        self.rest.invalidate_cursors()

    def reset(self) -> None:
        """Back to an empty org without restarting: records, delete log, query locators, faults, request
        log, API usage and :attr:`errors` are cleared. Users, live sessions, registered external-id
        fields and the clock are kept."""
        with self.store.lock:
            for table in self.store.tables.values():
                table.clear()
            self.store.deleted_log.clear()
            self.store.last_purge = None
            self._seed_task_statuses()
        self.rest.invalidate_cursors()
        self.faults.clear()
        self.log.clear()
        self.errors.clear()
        self.set_api_usage(0)

    # -- request log --------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestLogEntry]:
        """A copy of the request log, oldest first."""
        return self.log.entries()

    def reset_log(self) -> None:
        """Forget logged requests."""
        self.log.clear()

    def count(
        self,
        operation: str | None = None,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        sobject: str | None = None,
        counted_only: bool = False,
    ) -> int:
        """Count logged requests matching every given filter (``operation`` as in :class:`RequestLogEntry`)."""
        return self.log.count(
            operation, method=method, path_contains=path_contains, sobject=sobject, counted_only=counted_only
        )

    # -- direct data access ("another Salesforce user") ---------------------------------------------
    def _obj(self, sobject: str) -> SObjectDef:
        obj = self.schema.get(sobject)
        if obj is None:
            raise KeyError(f"unknown sObject {sobject!r}")
        return obj

    def insert(
        self, sobject: str, fields: Mapping[str, Any], *, system_modstamp: datetime | None = None
    ) -> str:
        """Create a record as another user (read-only fields allowed); returns the 18-char id.

        Salesforce save rules still apply and raise :class:`RecordError`. *system_modstamp*
        back-dates the commit (CreatedDate/LastModifiedDate/SystemModstamp).
        """
        return self.writer.create(
            self._obj(sobject), dict(fields), self.other_user_id, trusted=True, stamp=system_modstamp
        )

    def update(
        self,
        sobject: str,
        record_id: str,
        fields: Mapping[str, Any],
        *,
        system_modstamp: datetime | None = None,
    ) -> None:
        """Update a record as another user."""
        self.writer.update(
            self._obj(sobject),
            record_id,
            dict(fields),
            self.other_user_id,
            trusted=True,
            stamp=system_modstamp,
        )

    def delete(self, sobject: str, record_id: str, *, system_modstamp: datetime | None = None) -> None:
        """Move a record to the Recycle Bin as another user."""
        self.writer.delete(
            self._obj(sobject), record_id, self.other_user_id, trusted=True, stamp=system_modstamp
        )

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """The record in REST wire form (deleted rows included), or ``None``."""
        obj = self._obj(sobject)
        with self.store.lock:
            rec = self.store.get(obj, to18(record_id))
            return render_record(obj, rec, self.api_version) if rec is not None else None

    def all(self, sobject: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of *sobject* in wire form, in insertion order."""
        obj = self._obj(sobject)
        with self.store.lock:
            return [
                render_record(obj, r, self.api_version)
                for r in self.store.table(obj).values()
                if include_deleted or not r.get("IsDeleted")
            ]

    def archive(self, sobject: str, record_id: str) -> None:
        """Archive an activity: hidden from ``query``, still in ``queryAll`` with ``IsArchived = true``."""
        obj = self._obj(sobject)
        with self.store.lock:
            rec = self.writer.find(obj, record_id, allow_deleted=True)
            self.store.put(obj, {**rec, "IsArchived": True})

    def purge(self, sobject: str | None = None) -> int:
        """Empty the Recycle Bin (one type or all): rows vanish from queryAll and the delete log."""
        return self.store.purge(sobject, self.clock.now())

    def add_external_id(
        self, sobject: str, field_name: str, *, unique: bool = True, length: int = 255
    ) -> FieldDef:
        """Register a Text External ID custom field (e.g. ``Syncore_Link__c``) for upsert tests."""
        with self.store.lock:
            fdef = self.schema.add_external_id(sobject, field_name, unique=unique, length=length)
            for rec in self.store.table(self._obj(sobject)).values():
                rec.setdefault(fdef.name, None)
            return fdef

    # -- request handling ---------------------------------------------------------------------------
    def handle_http(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> HttpResult | None:
        """Serve one HTTP request (called on the server's worker threads)."""
        parts = urlsplit(raw_path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        entry = RequestLogEntry(
            method=method,
            path=parts.path,
            query=params,
            q=None,
            headers={h: redact(h, lower[h.lower()]) for h in LOGGED_HEADERS if h.lower() in lower},
            body_size=len(body),
            time=self.clock.now(),
        )
        self.log.append(entry)
        if self.faults.latency:
            time.sleep(self.faults.latency)
        if self.faults.take_drop():
            return None
        try:
            result = self._dispatch(method, parts.path, params, lower, body, entry)
        except Exception:  # noqa: BLE001
            # A bug in the emulator must still answer (500) and surface in self.errors for the test.
            self.errors.append(traceback.format_exc())
            result = self._json(
                500,
                [
                    {
                        "message": "An unexpected error occurred in the Salesforce emulator.",
                        "errorCode": "UNKNOWN_EXCEPTION",
                    }
                ],
            )
        entry.status = result.status
        if self.faults.take_lost_reply(entry.operation):
            return None  # the work is done; the answer is lost (socket closed without a status line)
        return result

    def _dispatch(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        entry: RequestLogEntry,
    ) -> HttpResult:
        segs = split_path(path)
        if segs[:3] == ["services", "Soap", "u"] and method == "POST":
            entry.operation = "login"
            return self._server_error() or self.auth.soap_login(body, self.instance_url, self.api_version)
        if segs[:3] == ["services", "oauth2", "token"] and method == "POST":
            entry.operation = "oauth"
            issued = int(self.clock.now().timestamp() * 1000)
            return self._server_error() or self.auth.oauth_token(
                body, headers.get("authorization", ""), self.instance_url, issued
            )
        if segs == ["services", "data"]:
            entry.operation = "versions"
            return self._json(
                200,
                [
                    {
                        "label": "Winter '24",
                        "url": f"/services/data/v{self.api_version}",
                        "version": self.api_version,
                    }
                ],
            )
        if len(segs) < 3 or segs[:2] != ["services", "data"] or not _is_version(segs[2]):
            return self._json(404, ApiError(404, "NOT_FOUND", "The requested resource does not exist").body())
        req = Request(method, segs[2][1:], segs[3:], params, body, headers)
        route = self.rest.route(method, req.segments)
        entry.operation, entry.sobject = route.operation, route.sobject
        if route.operation in ("query", "queryAll"):
            entry.q = params.get("q")
            entry.sobject = _query_object(self.schema, entry.q)
        failure = self._server_error()
        if failure:
            return failure
        user_id = self.auth.authenticate(headers.get("authorization", ""))
        if user_id is None or self.faults.take_auth_failure():
            return self._json(
                401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            )
        req.user_id = user_id
        with self._state_lock:
            if self._api_used >= self.daily_api_limit:
                self._api_used = self.daily_api_limit
                refused = True
            else:
                self._api_used += 1
                refused = False
        if refused:
            return self._json(
                403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            )
        entry.counted = True
        resp = self._run(route.handler, req)
        return self._json(resp.status, resp.body, resp.headers)

    def _run(self, handler: Any, req: Request) -> Response:
        try:
            return handler(req)
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except RecordError as exc:
            return Response(exc.status, [exc.as_rest()])
        except Exception:  # noqa: BLE001
            # Same as in handle_http, for handlers run inside a Composite request.
            self.errors.append(traceback.format_exc())
            return Response(
                500,
                [
                    {
                        "message": "An unexpected error occurred in the Salesforce emulator.",
                        "errorCode": "UNKNOWN_EXCEPTION",
                    }
                ],
            )

    def dispatch_subrequest(self, method: str, url: str, body: Any, parent: Request) -> Response:
        """Run one Composite subrequest in-process (it does not count as an API call)."""
        parts = urlsplit(url)
        segs = split_path(parts.path)
        if len(segs) < 3 or segs[:2] != ["services", "data"] or not _is_version(segs[2]):
            return Response(404, ApiError(404, "NOT_FOUND", "The requested resource does not exist").body())
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw = json.dumps(body).encode() if body is not None else b""
        req = Request(method, segs[2][1:], segs[3:], params, raw, parent.headers, parent.user_id)
        route = self.rest.route(method, req.segments)
        return self._run(route.handler, req)

    def _server_error(self) -> HttpResult | None:
        status = self.faults.take_server_error()
        if status is None:
            return None
        code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
        message = (
            "Server is temporarily unavailable."
            if status == 503
            else "An unexpected error occurred. Please include this ErrorId if you contact support: "
            "1234567890-12345 (-1234567890)"
        )
        return self._json(status, [{"message": message, "errorCode": code}])

    def _json(self, status: int, body: Any, extra: dict[str, str] | None = None) -> HttpResult:
        used, limit = self.api_usage()
        headers = {"Sforce-Limit-Info": f"api-usage={used}/{limit}", **(extra or {})}
        if body is None:
            return HttpResult(status, b"", headers)
        headers["Content-Type"] = _JSON
        return HttpResult(status, dumps(body), headers)


def _query_object(schema: Schema, soql: str | None) -> str | None:
    try:
        obj = schema.get(parse(soql or "").sobject)
    except SoqlError:
        return None
    return obj.name if obj else None


def _is_version(seg: str) -> bool:
    return len(seg) > 1 and seg[0] == "v" and seg[1:].replace(".", "", 1).isdigit()
