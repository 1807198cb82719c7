"""The HTTP face of the org: one request in, one reply out (or none, when a fault closes the connection).

Order for every request: log it, route it (the operation name decides which armed faults apply), apply the
request-level faults, then authenticate, charge the daily API quota and run the handler.
"""

from __future__ import annotations

import json
import threading
import traceback
from email.utils import format_datetime as http_date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from syncore.testing.emulation import Fault, HttpReply, HttpRequest, RequestLog

from . import routes
from .context import JSON_TYPE, Request, Response, Route, dumps, is_version, split_path
from .errors import ApiError, RecordError
from .faults import Faults
from .log import LOGGED_HEADERS, RequestLogEntry, redact
from .org import Org
from .soql import SoqlError, parse

#: Operations that need no session and are not API calls (login, token, identity, the versions list).
_OUTSIDE_API = frozenset({"login", "oauth", "identity", "versions", "unknown"})


class SalesforceApp:
    """Turns :class:`HttpRequest` into :class:`HttpReply` for one :class:`Org`."""

    def __init__(self, org: Org, faults: Faults, log: RequestLog, errors: list[str]) -> None:
        self.org = org
        self.faults = faults
        self.log = log
        self.errors = errors  # tracebacks of unexpected handler exceptions (a test asserts it stays empty)
        #: The emulator's real base URL (identity URLs point here, so following one never leaves the machine).
        self.base_url = ""
        self._current = threading.local()  # the log entry of the request this thread serves

    def __call__(self, http: HttpRequest) -> HttpReply | None:
        parts = urlsplit(http.target)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in http.headers.items()}
        entry = RequestLogEntry(
            method=http.method,
            path=parts.path,
            query=params,
            headers={h: redact(h, headers[h.lower()]) for h in LOGGED_HEADERS if h.lower() in headers},
            body_size=len(http.body),
            time=self.org.clock.now(),
        )
        self.log.append(entry)
        route, req = self._route(http.method, parts.path, params, headers, http.body)
        entry.operation, entry.sobject = route.operation, route.sobject
        if route.operation in ("query", "queryAll"):
            entry.q = params.get("q")
            entry.sobject = _query_object(self.org, entry.q)
        reply = self.faults.serve(
            route.operation, lambda: self._process(route, req, entry), self._fault_reply, entry
        )
        entry.status = reply.status if reply is not None else None
        return reply

    def _route(
        self, method: str, path: str, params: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[Route, Request]:
        segs = split_path(path)
        outside = routes.route_outside_api(self.org, method, segs, self.base_url)
        if outside is not None:
            return outside, Request(method, "", segs, params, body, headers)
        version = self.org.api_version if segs[2] == "latest" else segs[2][1:]
        req = Request(method, version, segs[3:], params, body, headers, subrequest=self.subrequest)
        return routes.route(self.org, method, req.segments), req

    def _process(self, route: Route, req: Request, entry: RequestLogEntry) -> HttpReply:
        self._current.entry = entry
        if route.operation not in _OUTSIDE_API:
            user_id = self.org.auth.authenticate(req.headers.get("authorization", ""))
            if user_id is None or self.faults.take_auth_failure(route.operation):
                return self._reply(
                    Response(
                        401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
                    ),
                    entry,
                )
            req.user_id = entry.user = user_id
            if not self.org.quota.charge():
                return self._reply(
                    Response(
                        403,
                        [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                    ),
                    entry,
                )
            entry.counted = True
            # Salesforce's own work goes on between requests: series deletions whose lag ran out finish first
            self.org.writer.deferred.tick()
        return self._reply(self._run(route, req), entry)

    def _run(self, route: Route, req: Request) -> Response:
        try:
            return route.handler(req)
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except RecordError as exc:
            return Response(exc.status, [exc.as_rest()])
        except Exception:  # noqa: BLE001
            # A bug in the emulator must still answer (500) and surface in the errors list for the test.
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

    def subrequest(self, method: str, url: str, body: Any, parent: Request) -> Response:
        """Run one Composite subrequest in-process (it does not count as an API call)."""
        parts = urlsplit(url)
        segs = split_path(parts.path)
        if len(segs) < 3 or segs[:2] != ["services", "data"] or not is_version(segs[2]):
            return Response(404, ApiError(404, "NOT_FOUND", "The requested resource does not exist").body())
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw = json.dumps(body).encode() if body is not None else b""
        req = Request(
            method,
            segs[2][1:],
            segs[3:],
            params,
            raw,
            parent.headers,
            parent.user_id,
            subrequest=self.subrequest,
        )
        route = routes.route(self.org, method, req.segments)
        resp = self._run(route, req)
        entry = getattr(self._current, "entry", None)
        if entry is not None:
            q = params.get("q") if route.operation in ("query", "queryAll") else None
            entry.subrequests.append({"operation": route.operation, "q": q, "status": resp.status,
                                      "sobject": _query_object(self.org, q) if q else route.sobject})
        return resp

    def _fault_reply(self, fault: Fault) -> HttpReply:
        status = fault.status or 503
        code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
        message = (
            "Server is temporarily unavailable."
            if status == 503
            else "An unexpected error occurred. Please include this ErrorId if you contact support: "
            "1234567890-12345 (-1234567890)"
        )
        reply = self._render(
            Response(
                status,
                [
                    {"message": message, "errorCode": code},
                ],
                dict(fault.headers),
            )
        )
        return reply

    def _reply(self, resp: Response, entry: RequestLogEntry) -> HttpReply:
        if isinstance(resp.body, list):
            entry.codes = [e["errorCode"] for e in resp.body if isinstance(e, dict) and "errorCode" in e]
        return self._render(resp)

    def _render(self, resp: Response) -> HttpReply:
        used, limit = self.org.quota.usage()
        headers = {
            # The server's clock, as real Salesforce answers (clients may take a watermark from it).
            "Date": http_date(self.org.clock.now(), usegmt=True),
            "Sforce-Limit-Info": f"api-usage={used}/{limit}",
        }
        headers.update(resp.headers)
        if resp.body is None:
            return HttpReply(resp.status, b"", headers)
        if isinstance(resp.body, bytes):
            return HttpReply(resp.status, resp.body, headers)
        headers.setdefault("Content-Type", JSON_TYPE)
        return HttpReply(resp.status, dumps(resp.body), headers)


def _query_object(org: Org, soql: str | None) -> str | None:
    try:
        obj = org.schema.get(parse(soql or "").sobject)
    except SoqlError:
        return None
    return obj.name if obj else None
