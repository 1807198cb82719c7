"""REST endpoints under ``/services/data/vNN.0/`` (reference §3, §7.2): routing and handlers.

Handlers take a :class:`Request` and return a :class:`Response`; errors are raised as
:class:`ApiError` (request level) or :class:`RecordError` (lifted to a single-record response).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .errors import ApiError, RecordError, not_found
from .ids import is_id, make_id
from .query import execute, plan
from .schema import SObjectDef
from .soql import SoqlError
from .store import render_record

if TYPE_CHECKING:
    from .emulator import SalesforceEmulator

MAX_BATCH_SIZE = 2000  # Sforce-Query-Options batchSize: default and maximum (§4)
LONG_TEXT_BATCH_SIZE = 200  # page size when two or more long-text fields are selected (§4)


@dataclass
class Request:
    """A REST call after HTTP parsing."""

    method: str
    version: str  # e.g. "59.0"
    segments: list[str]  # path segments after /services/data/vNN.0/, percent-decoded
    params: dict[str, str]
    body: bytes
    headers: dict[str, str]  # lower-cased names
    user_id: str = ""

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(
                400, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON value"
            ) from None


@dataclass
class Response:
    """Status plus a JSON-serialisable body (``None`` for no body)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Cursor:
    """A query result kept for ``nextRecordsUrl`` paging."""

    rows: list[dict[str, Any]]
    batch: int


@dataclass
class Route:
    """The handler chosen for a request, with what the log records about it."""

    operation: str
    handler: Callable[[Request], Response]
    sobject: str | None = None


class RestApi:
    """All data-API handlers of one emulator."""

    def __init__(self, emu: SalesforceEmulator) -> None:
        self.emu = emu
        self.schema = emu.schema
        self.store = emu.store
        self.writer = emu.writer
        self._cursors: dict[str, Cursor] = {}
        self._cursor_lock = threading.Lock()
        self._cursor_counter = 0

    # -- routing ----------------------------------------------------------------------------------
    def route(self, method: str, segs: list[str]) -> Route:
        """Pick the handler for *method* and path *segs* (trailing slash already stripped)."""
        from . import composite  # local import: composite imports this module

        n = len(segs)
        head = segs[0] if segs else ""
        if n == 0:
            return self._only(method, "GET", Route("resources", self.resources))
        if head == "limits" and n == 1:
            return self._only(method, "GET", Route("limits", self.limits))
        if head in ("query", "queryAll") and n in (1, 2):
            op = head if n == 1 else "query_more"
            return self._only(method, "GET", Route(op, self.query if n == 1 else self.query_more))
        if head == "sobjects":
            return self._route_sobjects(method, segs)
        if head == "composite":
            return composite.route(self, method, segs)
        return Route("unknown", self._not_found)

    def _route_sobjects(self, method: str, segs: list[str]) -> Route:
        from . import replication  # local import: replication imports this module

        n = len(segs)
        if n == 1:
            return self._only(method, "GET", Route("describe_global", self.describe_global))
        name = segs[1]
        if n == 2:
            if method == "POST":
                return Route("sobject_create", self.create, name)
            return self._only(method, "GET", Route("sobject_info", self.sobject_info, name))
        third = segs[2]
        if n == 3 and third == "describe":
            return self._only(method, "GET", Route("describe", self.describe, name))
        if n == 3 and third in ("updated", "deleted"):
            handler = replication.updated if third == "updated" else replication.deleted
            return self._only(method, "GET", Route(third, lambda req: handler(self, req), name))
        if n == 3 and is_id(third):
            ops = {
                "GET": ("sobject_get", self.get),
                "PATCH": ("sobject_update", self.update),
                "DELETE": ("sobject_delete", self.delete),
            }
            if method not in ops:
                return self._method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
            op, handler = ops[method]
            return Route(op, handler, name)
        if n == 3:
            return Route("get_by_external_id", self.external_id, name)
        if n == 4 and not is_id(third):
            ops = {"GET": "get_by_external_id", "PATCH": "upsert", "DELETE": "delete_by_external_id"}
            if method not in ops:
                return self._method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
            return Route(ops[method], self.external_id, name)
        return Route("unknown", self._not_found, name)

    def _only(self, method: str, allowed: str, route: Route) -> Route:
        return route if method in allowed.split(",") else self._method_not_allowed(method, allowed + ",HEAD")

    def _method_not_allowed(self, method: str, allowed: str) -> Route:
        def handler(req: Request) -> Response:
            raise ApiError(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
            )

        return Route("unknown", handler)

    def _not_found(self, req: Request) -> Response:
        raise not_found()

    # -- helpers ----------------------------------------------------------------------------------
    def sobject(self, name: str) -> SObjectDef:
        """The sObject for a URL segment; 404 NOT_FOUND if unknown."""
        obj = self.schema.get(name)
        if obj is None:
            raise not_found()
        return obj

    def render(
        self, obj: SObjectDef, rec: dict[str, Any], version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """A record with attributes; *fields* restricts the keys (unknown -> INVALID_FIELD)."""
        fdefs = None
        if fields:
            fdefs = []
            for name in fields:
                fdef = obj.field(name.strip())
                if fdef is None:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{name.strip()}' on entity '{obj.name}'. If "
                        f"you are attempting to use a custom field, be sure to append the '__c' after the "
                        f"custom field name. Please reference your WSDL or the describe call for the "
                        f"appropriate names.",
                    )
                fdefs.append(fdef)
        return render_record(obj, rec, version, fdefs)

    # -- resources, limits, describe --------------------------------------------------------------
    def resources(self, req: Request) -> Response:
        base = f"/services/data/v{req.version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite")
        body = {n: f"{base}/{n}" for n in names}
        # Real orgs also list the caller's identity URL (…/id/<org id>/<user id>); clients read the running
        # user's id from it (REST API guide, "List Available REST Resources").
        body["identity"] = f"{self.emu.instance_url}/id/{self.emu.org_id}/{req.user_id}"
        return Response(200, body)

    def limits(self, req: Request) -> Response:
        used, limit = self.emu.api_usage()
        return Response(
            200,
            {
                "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
                "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)},
                "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DataStorageMB": {"Max": 5, "Remaining": 5},
                "FileStorageMB": {"Max": 20, "Remaining": 20},
                "SingleEmailMessage": {"Max": 15, "Remaining": 15},
            },
        )

    def describe_global(self, req: Request) -> Response:
        sobjects = []
        for obj in self.schema.objects.values():
            d = self.schema.describe(obj.name)
            sobjects.append({k: v for k, v in d.items() if k != "fields"})
        return Response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def sobject_info(self, req: Request) -> Response:
        obj = self.sobject(req.segments[1])
        d = self.schema.describe(obj.name)
        with self.store.lock:
            recent = [
                self.render(obj, r, req.version, ["Id"] + (["Name"] if obj.field("Name") else []))
                for r in list(self.store.table(obj).values())[-3:]
                if not r.get("IsDeleted")
            ]
        return Response(
            200, {"objectDescribe": {k: v for k, v in d.items() if k != "fields"}, "recentItems": recent}
        )

    def describe(self, req: Request) -> Response:
        return Response(200, self.schema.describe(self.sobject(req.segments[1]).name))

    # -- query --------------------------------------------------------------------------------------
    def query(self, req: Request) -> Response:
        soql = req.params.get("q")
        if soql is None:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        include_deleted = req.segments[0] == "queryAll"
        try:
            qp = plan(soql, self.schema)
        except SoqlError as exc:
            raise ApiError(400, exc.code, exc.message) from None
        with self.store.lock:
            rows = list(self.store.table(qp.obj).values())
            total, records = execute(qp, rows, req.version, include_deleted)
        if qp.query.count:
            return Response(200, {"totalSize": total, "done": True, "records": []})
        batch = self._batch_size(req, qp)
        return Response(200, self._page(req.version, Cursor(records, batch), None, 0))

    def _batch_size(self, req: Request, qp: Any) -> int:
        batch = MAX_BATCH_SIZE
        options = req.headers.get("sforce-query-options", "")
        for part in options.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "batchsize" and value.strip().isdigit():
                batch = int(value)
        batch = max(self.emu.min_batch_size, min(MAX_BATCH_SIZE, batch))
        long_text = [f for f in qp.select if f.type == "textarea" and f.length > 255]
        if len(long_text) >= 2:
            batch = min(batch, LONG_TEXT_BATCH_SIZE)
        return batch

    def _page(self, version: str, cursor: Cursor, locator: str | None, offset: int) -> dict[str, Any]:
        rows = cursor.rows[offset : offset + cursor.batch]
        end = offset + len(rows)
        body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if not body["done"]:
            if locator is None:
                with self._cursor_lock:
                    self._cursor_counter += 1
                    locator = make_id("01g", self._cursor_counter)
                    self._cursors[locator] = cursor
            # queryAll cursors also continue under /query/ (reference §2).
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        body["records"] = rows
        return body

    def query_more(self, req: Request) -> Response:
        locator, _, offset = req.segments[1].rpartition("-")
        with self._cursor_lock:
            cursor = self._cursors.get(locator)
        if cursor is None or not offset.isdigit() or int(offset) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return Response(200, self._page(req.version, cursor, locator, int(offset)))

    def invalidate_cursors(self) -> None:
        """Forget every query locator (they expire after inactivity on a real org)."""
        with self._cursor_lock:
            self._cursors.clear()

    # -- single records -----------------------------------------------------------------------------
    def create(self, req: Request) -> Response:
        obj = self.sobject(req.segments[1])
        payload = req.json()
        try:
            rid = self.writer.create(obj, payload or {}, req.user_id)
        except RecordError as exc:
            raise ApiError.from_record(exc) from None
        return Response(201, {"id": rid, "success": True, "errors": []})

    def get(self, req: Request) -> Response:
        obj = self.sobject(req.segments[1])
        with self.store.lock:
            rec = self._find(obj, req.segments[2])
            fields = req.params.get("fields")
            return Response(200, self.render(obj, rec, req.version, fields.split(",") if fields else None))

    def update(self, req: Request) -> Response:
        obj = self.sobject(req.segments[1])
        payload = req.json()
        try:
            self.writer.update(obj, req.segments[2], payload or {}, req.user_id)
        except RecordError as exc:
            raise self._single(exc) from None
        return Response(204)

    def delete(self, req: Request) -> Response:
        obj = self.sobject(req.segments[1])
        try:
            self.writer.delete(obj, req.segments[2], req.user_id)
        except RecordError as exc:
            raise self._single(exc) from None
        return Response(204)

    def _find(self, obj: SObjectDef, raw_id: str) -> dict[str, Any]:
        try:
            return self.writer.find(obj, raw_id)
        except RecordError as exc:
            raise self._single(exc) from None

    @staticmethod
    def _single(exc: RecordError) -> ApiError:
        if exc.code == "NOT_FOUND":
            return not_found()
        return ApiError.from_record(exc)

    # -- external ids -------------------------------------------------------------------------------
    def external_id(self, req: Request) -> Response:
        """GET / PATCH (upsert) / DELETE ``sobjects/{T}/{Field}/{value}``."""
        obj = self.sobject(req.segments[1])
        fdef = obj.field(req.segments[2])
        if fdef is None or not fdef.raw.get("externalId") or len(req.segments) != 4:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {req.segments[2]}",
            )
        value = req.segments[3]
        with self.store.lock:
            matches = self.writer.find_by_external_id(obj, fdef.name, value)
            if len(matches) > 1:
                urls = [f"/services/data/v{req.version}/sobjects/{obj.name}/{r['Id']}" for r in matches]
                return Response(300, urls)
            if req.method == "GET":
                if not matches:
                    raise not_found()
                return Response(200, self.render(obj, matches[0], req.version))
            if req.method == "DELETE":
                if not matches:
                    raise not_found()
                try:
                    self.writer.delete(obj, matches[0]["Id"], req.user_id)
                except RecordError as exc:
                    raise self._single(exc) from None
                return Response(204)
            return self._upsert_one(req, obj, fdef.name, value, matches)

    def _upsert_one(
        self, req: Request, obj: SObjectDef, field_name: str, value: str, matches: list[dict[str, Any]]
    ) -> Response:
        payload = dict(req.json() or {})
        payload = {k: v for k, v in payload.items() if k.lower() != field_name.lower()}
        try:
            if matches:
                rid = self.writer.update(obj, matches[0]["Id"], payload, req.user_id)
                if self.emu.upsert_update_status == 204:
                    return Response(204)
                # Newer API versions answer 200 with a body on update (unverified, reference §3.1).
                return Response(200, {"id": rid, "success": True, "errors": [], "created": False})
            if req.params.get("updateOnly", "").lower() == "true":
                raise not_found()
            payload[field_name] = value
            rid = self.writer.create(obj, payload, req.user_id)
        except RecordError as exc:
            raise self._single(exc) from None
        return Response(201, {"id": rid, "success": True, "errors": [], "created": True})


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the encoding of every response body."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def split_path(path: str) -> list[str]:
    """Percent-decode and split a path; empty segments (trailing slash) are dropped."""
    return [unquote(s) for s in path.split("/") if s != ""]
