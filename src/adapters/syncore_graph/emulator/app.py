"""The HTTP face of the emulator: one request in, one reply out (or none, when a fault closes the socket).

Order for every request: log it, route it (the operation name decides which faults apply), apply faults, then
authenticate, resolve the mailbox, hold one of the mailbox's concurrent request slots and run the handler.
``$batch`` runs its sub-requests through the same routing in-process.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from syncore.testing.emulation import Fault, HttpReply, HttpRequest, RequestLog

from . import handlers
from .common import Ctx, dumps
from .errors import GraphError, access_denied, bad_request, error_body
from .faults import GraphFaults
from .log import LOGGED_HEADERS, GraphRequestRecord
from .mailbox import Mailbox
from .oauth import Identity, Principal, parse_form
from .odata import Prefer
from .paging import Tokens, sync_state_not_found

JSON = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
#: sub-requests per $batch ("JSON batch requests are currently limited to 20 individual requests")
MAX_BATCH = 20
#: concurrent requests per app and mailbox before Outlook throttles (throttling-limits#outlook-service-limits)
MAX_CONCURRENT = 4
DELTA_OPS = ("event_delta", "contact_delta", "task_delta")
#: operations an app-only token may not perform (Microsoft To Do writes)
APP_ONLY_REFUSED = frozenset({"task_create", "task_update", "task_delete", "task_link_create"})


class GraphApp:
    def __init__(self, emulator: Any) -> None:
        self.emu = emulator
        self.identity: Identity = emulator.identity
        self.faults: GraphFaults = emulator.faults
        self.log: RequestLog = emulator.log
        self.sub_log: RequestLog = emulator.sub_log
        self.tokens = Tokens()
        self.lock = emulator.lock
        self.errors: list[str] = emulator.errors
        self._in_flight: dict[str, int] = defaultdict(int)
        self._flight_lock = threading.Lock()

    # -- entry point ---------------------------------------------------------------------------------------
    def __call__(self, http: HttpRequest) -> HttpReply | None:
        parts = urlsplit(http.target)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in http.headers.items()}
        record = GraphRequestRecord(method=http.method, path=parts.path, query=params,
                                    prefer=http.headers.get_all("Prefer") or [],
                                    headers={h: headers[h] for h in LOGGED_HEADERS if h in headers})
        self.log.append(record)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        op = self._operation(http.method, segments)
        record.operation = op
        reply = self._pre_faults(op, segments, params, record)
        if reply is None:
            reply = self.faults.serve(op, lambda: self._process(http, segments, params, headers, record),
                                      self._fault_reply, record)
        record.status = reply.status if reply is not None else None
        return reply

    def _operation(self, method: str, segments: list[str]) -> str:
        if len(segments) >= 3 and segments[1:3] == ["v2.0", ".well-known"]:
            return "openid"
        if len(segments) == 4 and segments[1:3] == ["oauth2", "v2.0"]:
            return {"token": "token", "devicecode": "devicecode"}.get(segments[3], "unknown")
        if segments[:1] != ["v1.0"]:
            return "unknown"
        if segments[1:] == ["$batch"]:
            return "batch"
        rest = self._mailbox_path(segments[1:])
        return handlers.route(method, rest[1])[0] if rest else "unknown"

    @staticmethod
    def _mailbox_path(segments: list[str]) -> tuple[str | None, list[str]] | None:
        """(upn or None for /me, the path below the mailbox)."""
        if segments[:1] == ["me"]:
            return None, segments[1:]
        if len(segments) >= 2 and segments[0] == "users":
            return segments[1], segments[2:]
        return None

    # -- faults -------------------------------------------------------------------------------------------
    def _pre_faults(self, op: str, segments: list[str], params: dict[str, str],
                    record: GraphRequestRecord) -> HttpReply | None:
        fault = self.faults.take(op, ("throttle", "auth"))
        if fault is None and op in DELTA_OPS:
            fault = self.faults.take(op, ("gone", "sync_state"))
        if fault is None:
            return None
        record.fault = f"{fault.kind}:{fault.status}"
        if fault.kind == "throttle":
            return self._error_reply(GraphError(fault.status or 429, "TooManyRequests" if fault.status == 429 else
                                                "ServiceUnavailable", "Please retry again later.", fault.headers))
        if fault.kind == "auth":
            return self._error_reply(GraphError(401, "InvalidAuthenticationToken",
                                                "Lifetime validation failed, the token is expired."))
        if fault.kind == "gone":
            initial = f"{self.emu.url}/{'/'.join(segments)}?$deltatoken="
            return self._error_reply(GraphError(410, "resyncRequired", "Resync required.", {"Location": initial}))
        return self._error_reply(sync_state_not_found())

    def _fault_reply(self, fault: Fault) -> HttpReply:
        status = fault.status or 503
        code = "ServiceUnavailable" if status == 503 else "InternalServerError" if status == 500 else "UnknownError"
        return self._error_reply(GraphError(status, code, "The service is temporarily unavailable.", fault.headers))

    # -- processing ---------------------------------------------------------------------------------------
    def _process(self, http: HttpRequest, segments: list[str], params: dict[str, str], headers: dict[str, str],
                 record: GraphRequestRecord) -> HttpReply:
        try:
            if segments and segments[0] == self.identity.tenant:
                return self._identity(http, segments)
            if segments[:1] != ["v1.0"]:
                raise GraphError(400, "BadRequest", "Invalid version.")
            principal = self.identity.principal(headers.get("authorization", ""))
            if segments[1:] == ["$batch"]:
                from .batch import _LostReply

                record.body = _json_or_none(http.body)  # what the batch carried (the request log tells writes apart)
                try:
                    return self._json(200, self._batch(http, principal, record, headers))
                except _LostReply:
                    return None  # type: ignore[return-value]
            record.body = _json_or_none(http.body)
            status, body, extra = self.run(http.method, segments[1:], params, headers, record.body, principal,
                                           record, record.prefer)
            return self._json(status, body, extra)
        except GraphError as exc:
            record.codes.append(exc.code)
            return self._error_reply(exc, headers.get("client-request-id", ""))
        except Exception:  # noqa: BLE001
            self.errors.append(traceback.format_exc())
            return self._error_reply(GraphError(500, "InternalServerError", "An internal server error occurred."))

    def run(self, method: str, segments: list[str], params: dict[str, str], headers: dict[str, str], body: Any,
            principal: Principal, record: GraphRequestRecord, prefer_values: list[str],
            ) -> tuple[int, Any, dict[str, str]]:
        """Run one Graph request (a top-level one or a $batch sub-request): (status, body, headers)."""
        path = self._mailbox_path(segments)
        if path is None:
            raise GraphError(400, "BadRequest", "Resource not found for the segment '" +
                             (segments[0] if segments else "") + "'.")
        upn, rest = path
        mailbox = self._mailbox(principal, upn)
        record.mailbox = mailbox.upn
        op, handler = handlers.route(method, rest)
        if principal.upn is None and op in APP_ONLY_REFUSED:
            # Microsoft To Do takes no application permission for writes ("Application: Not supported" on
            # https://learn.microsoft.com/en-us/graph/api/todotasklist-post-tasks, todotask-update,
            # todotask-delete, todotask-post-linkedresources); reads take Tasks.Read.All. The 403 code is a guess.
            raise access_denied()
        if method in ("POST", "PATCH") and isinstance(body, dict):
            written = self._as_written(mailbox, method, rest, body)
            rejected = self.faults.take(op, ("reject",), lambda f: f.params["match"](written))
            if rejected is not None:
                record.fault = "reject"
                raise GraphError(rejected.status or 400, rejected.params["code"], rejected.params["message"])
        prefer = Prefer.parse(prefer_values)
        root = "/me" if upn is None else f"/users/{upn}"
        ctx = Ctx(mailbox=mailbox, prefer=prefer, params=params, body=body, headers=headers,
                  base_url=self.emu.url, root=root, app_only=principal.upn is None)
        with self._slot(mailbox.upn):
            if self.emu.processing_delay:
                time.sleep(self.emu.processing_delay)  # time spent holding one of the mailbox's request slots
            with self.lock:
                status, answer = handler(ctx, self.tokens)
        extra = {"Preference-Applied": ", ".join(prefer.applied)} if prefer.applied else {}
        if isinstance(answer, dict) and "@odata.etag" in answer:
            extra["ETag"] = answer["@odata.etag"]
        return status, answer, extra

    @staticmethod
    def _as_written(mailbox: Mailbox, method: str, rest: list[str], body: dict) -> dict:
        """The item's properties as a write would leave them (what a data-level rejection looks at)."""
        if method != "PATCH" or not rest:
            return body
        with_id = mailbox.resolve(rest[-1])
        return {**with_id.data, **body} if with_id is not None else body

    def _mailbox(self, principal: Principal, upn: str | None) -> Mailbox:
        if upn is None:
            if principal.upn is None:
                raise bad_request("/me request is only valid with delegated authentication flow.")
            upn = principal.upn
        mailbox = self.emu.mailboxes.get(upn.lower())
        if mailbox is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{upn}' is invalid.")
        if principal.upn is not None and principal.upn != mailbox.upn:
            raise access_denied()
        if principal.upn is None and not self.emu.app_may_access(mailbox.upn):
            raise access_denied("Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
                                "AccessPolicy settings.")
        return mailbox

    def _slot(self, upn: str):
        app = self

        class Slot:
            def __enter__(self) -> None:
                with app._flight_lock:
                    if app._in_flight[upn] >= app.emu.max_concurrent:
                        raise GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency "
                                         "limit.", {"Retry-After": "1"})
                    app._in_flight[upn] += 1
                    app.emu.peak_concurrency = max(app.emu.peak_concurrency, app._in_flight[upn])

            def __exit__(self, *exc: object) -> None:
                with app._flight_lock:
                    app._in_flight[upn] -= 1

        return Slot()

    # -- identity -----------------------------------------------------------------------------------------
    def _identity(self, http: HttpRequest, segments: list[str]) -> HttpReply:
        base = self.emu.url
        if segments[1:3] == ["v2.0", ".well-known"]:
            return self._json(200, self.identity.openid_configuration(base))
        form = parse_form(http.body)
        if segments[1:] == ["oauth2", "v2.0", "token"] and http.method == "POST":
            status, body = self.identity.token(form, f"{base}/{self.identity.tenant}/oauth2/v2.0/token")
        elif segments[1:] == ["oauth2", "v2.0", "devicecode"] and http.method == "POST":
            status, body = self.identity.device_code(form, base)
        else:
            status, body = 404, {"error": "not_found"}
        return HttpReply(status, json.dumps(body).encode(), {"Content-Type": "application/json; charset=utf-8",
                                                             "Cache-Control": "no-store"})

    # -- $batch -------------------------------------------------------------------------------------------
    def _batch(self, http: HttpRequest, principal: Principal, record: GraphRequestRecord,
               headers: dict[str, str]) -> dict[str, Any]:
        from .batch import run_batch

        return run_batch(self, http, principal, record, headers)

    # -- replies ------------------------------------------------------------------------------------------
    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> HttpReply:
        if status == 204 or body is None:
            return HttpReply(status, b"", dict(headers or {}))
        return HttpReply(status, dumps(body), {"Content-Type": JSON, "OData-Version": "4.0", **(headers or {})})

    def _error_reply(self, exc: GraphError, client_request_id: str = "") -> HttpReply:
        return HttpReply(exc.status, dumps(exc.body(client_request_id)),
                         {"Content-Type": "application/json", **exc.headers})


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and "
                          "payload is of valid JSON format.") from None


__all__ = ["MAX_BATCH", "GraphApp", "error_body"]
