"""sObject Collections (``composite/sobjects``) and Composite (``composite``), reference §3.2-3.3."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import ApiError, RecordError
from .ids import MalformedId, to18
from .rest import Request, Response, Route

if TYPE_CHECKING:
    from .rest import RestApi

MAX_RECORDS = 200  # sObject Collections write limit per call
MAX_RETRIEVE_IDS = 2000  # POST composite/sobjects/{T} retrieve limit
MAX_TYPE_CHUNKS = 10  # mixed-type create/update: at most 10 contiguous runs of one type
MAX_SUBREQUESTS = 25  # Composite
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    [],
)


class _Rollback(Exception):
    """Raised inside a store transaction to undo an allOrNone batch."""


def route(api: RestApi, method: str, segs: list[str]) -> Route:
    """Routes under ``composite/``."""
    n = len(segs)
    if n == 1:
        if method != "POST":
            return api._method_not_allowed(method, "POST")
        return Route("composite", lambda req: composite(api, req))
    if segs[1] != "sobjects":
        return Route("unknown", api._not_found)
    if n == 2:
        handlers = {
            "POST": ("composite_create", _create),
            "PATCH": ("composite_update", _update),
            "DELETE": ("composite_delete", _delete),
        }
        if method not in handlers:
            return api._method_not_allowed(method, "POST,PATCH,DELETE")
        op, fn = handlers[method]
        return Route(op, lambda req: fn(api, req))
    if n == 3:
        if method not in ("GET", "POST"):
            return api._method_not_allowed(method, "GET,POST")
        return Route("composite_retrieve", lambda req: _retrieve(api, req), segs[2])
    if n == 4 and method == "PATCH":
        return Route("composite_upsert", lambda req: _upsert(api, req), segs[2])
    return Route("unknown", api._not_found)


def _ok(rid: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "success": True, "errors": [], **extra}


def _fail(err: RecordError) -> dict[str, Any]:
    return {"success": False, "errors": [err.as_collection()]}


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _too_many() -> ApiError:
    return ApiError(
        400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
    )


def _records(req: Request) -> tuple[bool, list[dict[str, Any]]]:
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected a request body with a 'records' list")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise _too_many()
    if any(not isinstance(r, dict) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
    return _flag(body.get("allOrNone", False)), records


def _run(api: RestApi, all_or_none: bool, jobs: list[Callable[[], dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run per-record jobs in order; with allOrNone, any failure rolls every record back."""
    results: list[dict[str, Any] | None] = []
    errors: list[RecordError | None] = []

    def run_all() -> None:
        for job in jobs:
            try:
                results.append(job())
                errors.append(None)
            except RecordError as exc:
                results.append(None)
                errors.append(exc)

    if not all_or_none:
        run_all()
        return [r if e is None else _fail(e) for r, e in zip(results, errors, strict=True)]
    try:
        with api.store.transaction():
            run_all()
            if any(errors):
                raise _Rollback()
    except _Rollback:
        return [_fail(e if e is not None else ROLLED_BACK) for e in errors]
    return [r for r in results if r is not None]


def _type_of(api: RestApi, record: dict[str, Any]) -> Any:
    attrs = record.get("attributes")
    name = attrs.get("type") if isinstance(attrs, dict) else None
    if not name:
        # (unverified) exact wording; Salesforce rejects the whole request.
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    obj = api.schema.get(name)
    if obj is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return obj


def _check_chunks(objs: list[Any]) -> None:
    chunks = sum(1 for i, o in enumerate(objs) if i == 0 or objs[i - 1] is not o)
    if chunks > MAX_TYPE_CHUNKS:
        # (unverified) exact code for more than 10 type chunks.
        raise ApiError(400, "INVALID_BATCH_REQUEST", "Too many type chunks in one call (maximum 10)")


def _create(api: RestApi, req: Request) -> Response:
    all_or_none, records = _records(req)
    objs = [_type_of(api, r) for r in records]
    _check_chunks(objs)

    def job(obj: Any, rec: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        return lambda: _ok(api.writer.create(obj, rec, req.user_id))

    return Response(200, _run(api, all_or_none, [job(o, r) for o, r in zip(objs, records, strict=True)]))


def _update(api: RestApi, req: Request) -> Response:
    all_or_none, records = _records(req)
    objs = [_type_of(api, r) for r in records]
    _check_chunks(objs)

    def job(obj: Any, rec: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            payload = {k: v for k, v in rec.items() if k.lower() != "id"}
            raw_id = next((v for k, v in rec.items() if k.lower() == "id"), None)
            if not raw_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
            try:
                rid = to18(raw_id)
            except MalformedId:
                raise RecordError(
                    "MALFORMED_ID", f"{obj.name} ID: id value of incorrect type: {raw_id}", ["Id"]
                ) from None
            if rid[:3] != obj.key_prefix:
                raise RecordError(
                    "MALFORMED_ID", f"{obj.name} ID: id value of incorrect type: {raw_id}", ["Id"]
                )
            with _unknown_id_is_cross_reference():
                return _ok(api.writer.update(obj, rid, payload, req.user_id))

        return run

    return Response(200, _run(api, all_or_none, [job(o, r) for o, r in zip(objs, records, strict=True)]))


@contextlib.contextmanager
def _unknown_id_is_cross_reference() -> Iterator[None]:
    """Collections report an id that names no record as INVALID_CROSS_REFERENCE_KEY, not NOT_FOUND."""
    try:
        yield
    except RecordError as exc:
        if exc.code == "NOT_FOUND":
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []) from None
        raise


def _delete(api: RestApi, req: Request) -> Response:
    ids = [i for i in req.params.get("ids", "").split(",") if i]
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(ids) > MAX_RECORDS:
        raise _too_many()

    def job(raw_id: str) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            try:
                rid = to18(raw_id)
            except MalformedId:
                raise RecordError("MALFORMED_ID", f"malformed id {raw_id}", []) from None
            obj = api.schema.by_prefix(rid[:3])
            if obj is None:
                raise RecordError("MALFORMED_ID", f"malformed id {raw_id}", [])
            with _unknown_id_is_cross_reference():
                return _ok(api.writer.delete(obj, rid, req.user_id))

        return run

    return Response(200, _run(api, _flag(req.params.get("allOrNone", "false")), [job(i) for i in ids]))


def _upsert(api: RestApi, req: Request) -> Response:
    obj = api.sobject(req.segments[2])
    fdef = obj.field(req.segments[3])
    if fdef is None or not fdef.raw.get("externalId"):
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {req.segments[3]}",
        )
    all_or_none, records = _records(req)
    values = [next((v for k, v in r.items() if k.lower() == fdef.name.lower()), None) for r in records]
    seen: dict[str, int] = {}
    for v in values:
        if isinstance(v, str):
            seen[v.lower()] = seen.get(v.lower(), 0) + 1

    def job(rec: dict[str, Any], value: Any) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            if rec.get("attributes", {}).get("type") not in (None, obj.name):
                raise RecordError(
                    "INVALID_TYPE", "Records in an upsert call must all be of the URL's type", []
                )
            if not isinstance(value, str) or not value:
                raise RecordError("MISSING_ARGUMENT", f"{fdef.name} not specified", [fdef.name])
            if seen[value.lower()] > 1:
                # (unverified) code/message for a value repeated within one call.
                raise RecordError(
                    "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [fdef.name]
                )
            matches = api.writer.find_by_external_id(obj, fdef.name, value)
            if len(matches) > 1:
                ids = ", ".join(m["Id"] for m in matches)
                raise RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{fdef.name}: more than one record found for external id field: [{ids}]",
                    [fdef.name],
                )
            if matches:
                payload = {k: v for k, v in rec.items() if k.lower() != fdef.name.lower()}
                return _ok(api.writer.update(obj, matches[0]["Id"], payload, req.user_id), created=False)
            return _ok(api.writer.create(obj, rec, req.user_id), created=True)

        return run

    with api.store.lock:
        return Response(
            200, _run(api, all_or_none, [job(r, v) for r, v in zip(records, values, strict=True)])
        )


def _retrieve(api: RestApi, req: Request) -> Response:
    obj = api.sobject(req.segments[2])
    if req.method == "POST":
        body = req.json() or {}
        ids, fields = body.get("ids"), body.get("fields")
    else:
        ids = [i for i in req.params.get("ids", "").split(",") if i]
        fields = [f for f in req.params.get("fields", "").split(",") if f]
    if not isinstance(ids, list) or not isinstance(fields, list) or not ids or not fields:
        raise ApiError(400, "MISSING_ARGUMENT", "ids and fields are required")
    if len(ids) > MAX_RETRIEVE_IDS:
        raise ApiError(
            400, "EXCEEDED_ID_LIMIT", "too many ids: cannot retrieve more than 2000 records in one call"
        )
    out: list[dict[str, Any] | None] = []
    with api.store.lock:
        for raw_id in ids:
            try:
                rid = to18(raw_id)
            except (MalformedId, TypeError):
                raise ApiError(400, "MALFORMED_ID", f"malformed id {raw_id}") from None
            rec = api.store.get(obj, rid)
            if rec is None or rec.get("IsDeleted"):
                out.append(None)
            else:
                out.append(api.render(obj, rec, req.version, fields))
    return Response(200, out)


_REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.\[\]]+)\}")


def composite(api: RestApi, req: Request) -> Response:
    """``POST composite``: up to 25 subrequests, ``@{ref.field}`` references, optional allOrNone."""
    body = req.json()
    subs = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subs, list) or not subs:
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(subs) > MAX_SUBREQUESTS:
        raise ApiError(
            400, "INVALID_BATCH_REQUEST", "Composite requests cannot have more than 25 subrequests"
        )
    all_or_none = _flag(body.get("allOrNone", False))
    outputs: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []

    def resolve(value: Any) -> Any:
        if isinstance(value, str):
            return _REF_RE.sub(lambda m: str(_lookup(outputs, m.group(1), m.group(2))), value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    def run_all() -> bool:
        failed = False
        for sub in subs:
            ref = sub.get("referenceId", "")
            if failed and all_or_none:
                responses.append(_halted(ref))
                continue
            try:
                resp = api.emu.dispatch_subrequest(
                    sub.get("method", "GET").upper(),
                    resolve(sub.get("url", "")),
                    resolve(sub.get("body")),
                    req,
                )
            except KeyError:
                resp = Response(
                    400,
                    [
                        {
                            "errorCode": "PROCESSING_HALTED",
                            "message": f"Invalid reference specified. No value for {ref} found",
                        }
                    ],
                )
            outputs[ref] = resp.body
            responses.append(
                {
                    "body": resp.body,
                    "httpHeaders": resp.headers,
                    "httpStatusCode": resp.status,
                    "referenceId": ref,
                }
            )
            failed = failed or resp.status >= 400
        return failed

    if not all_or_none:
        run_all()
    else:
        try:
            with api.store.transaction():
                if run_all():
                    raise _Rollback()
        except _Rollback:
            responses[:] = [r if r["httpStatusCode"] >= 400 else _halted(r["referenceId"]) for r in responses]
    return Response(200, {"compositeResponse": responses})


def _halted(ref: str) -> dict[str, Any]:
    return {
        "body": [
            {
                "errorCode": "PROCESSING_HALTED",
                "message": "The transaction was rolled back since another operation in the same transaction "
                "failed.",
            }
        ],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": ref,
    }


def _lookup(outputs: dict[str, Any], ref: str, path: str) -> Any:
    value: Any = outputs[ref]
    for part in re.findall(r"[^.\[\]]+", path):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
