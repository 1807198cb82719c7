"""sObject Collections: ``composite/sobjects`` create (POST), update (PATCH), delete (DELETE), upsert
(``PATCH composite/sobjects/{T}/{Field}``) and retrieve (``GET|POST composite/sobjects/{T}``); reference §3.2.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections.html
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..context import Request, Response, flag
from ..errors import ApiError, RecordError
from ..ids import MalformedId, to18
from ..org import Org

MAX_RECORDS = 200  # sObject Collections write limit per call
MAX_RETRIEVE_IDS = 2000  # POST composite/sobjects/{T} retrieve limit
MAX_TYPE_CHUNKS = 10  # mixed-type create/update: at most 10 contiguous runs of one type
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    [],
)


class _Rollback(Exception):
    """Raised inside a store transaction to undo an allOrNone batch."""


def _ok(rid: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "success": True, "errors": [], **extra}


def _fail(err: RecordError) -> dict[str, Any]:
    return {"success": False, "errors": [err.as_collection()]}


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
    return flag(body.get("allOrNone", False)), records


def _run(org: Org, all_or_none: bool, jobs: list[Callable[[], dict[str, Any]]]) -> list[dict[str, Any]]:
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
        with org.store.transaction():
            run_all()
            if any(errors):
                raise _Rollback()
    except _Rollback:
        return [_fail(e if e is not None else ROLLED_BACK) for e in errors]
    return [r for r in results if r is not None]


def _type_of(org: Org, record: dict[str, Any]) -> Any:
    attrs = record.get("attributes")
    name = attrs.get("type") if isinstance(attrs, dict) else None
    if not name:
        # (unverified) exact wording; Salesforce rejects the whole request.
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    obj = org.schema.get(name)
    if obj is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return obj


def _check_chunks(objs: list[Any]) -> None:
    chunks = sum(1 for i, o in enumerate(objs) if i == 0 or objs[i - 1] is not o)
    if chunks > MAX_TYPE_CHUNKS:
        # (unverified) exact code for more than 10 type chunks.
        raise ApiError(400, "INVALID_BATCH_REQUEST", "Too many type chunks in one call (maximum 10)")


def create(org: Org, req: Request) -> Response:
    all_or_none, records = _records(req)
    objs = [_type_of(org, r) for r in records]
    _check_chunks(objs)

    def job(obj: Any, rec: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        return lambda: _ok(org.writer.create(obj, rec, req.user_id))

    return Response(200, _run(org, all_or_none, [job(o, r) for o, r in zip(objs, records, strict=True)]))


def update(org: Org, req: Request) -> Response:
    all_or_none, records = _records(req)
    objs = [_type_of(org, r) for r in records]
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
                return _ok(org.writer.update(obj, rid, payload, req.user_id))

        return run

    return Response(200, _run(org, all_or_none, [job(o, r) for o, r in zip(objs, records, strict=True)]))


@contextlib.contextmanager
def _unknown_id_is_cross_reference() -> Iterator[None]:
    """Collections report an id that names no record as INVALID_CROSS_REFERENCE_KEY, not NOT_FOUND."""
    try:
        yield
    except RecordError as exc:
        if exc.code == "NOT_FOUND":
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []) from None
        raise


def delete(org: Org, req: Request) -> Response:
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
            obj = org.schema.by_prefix(rid[:3])
            if obj is None:
                raise RecordError("MALFORMED_ID", f"malformed id {raw_id}", [])
            with _unknown_id_is_cross_reference():
                return _ok(org.writer.delete(obj, rid, req.user_id))

        return run

    return Response(200, _run(org, flag(req.params.get("allOrNone", "false")), [job(i) for i in ids]))


def upsert(org: Org, req: Request) -> Response:
    obj = org.sobject(req.segments[2])
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
            matches = org.writer.find_by_external_id(obj, fdef.name, value)
            if len(matches) > 1:
                ids = ", ".join(m["Id"] for m in matches)
                raise RecordError(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{fdef.name}: more than one record found for external id field: [{ids}]",
                    [fdef.name],
                )
            if matches:
                payload = {k: v for k, v in rec.items() if k.lower() != fdef.name.lower()}
                return _ok(org.writer.update(obj, matches[0]["Id"], payload, req.user_id), created=False)
            return _ok(org.writer.create(obj, rec, req.user_id), created=True)

        return run

    with org.store.lock:
        return Response(
            200, _run(org, all_or_none, [job(r, v) for r, v in zip(records, values, strict=True)])
        )


def retrieve(org: Org, req: Request) -> Response:
    obj = org.sobject(req.segments[2])
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
    with org.store.lock:
        for raw_id in ids:
            try:
                rid = to18(raw_id)
            except (MalformedId, TypeError):
                raise ApiError(400, "MALFORMED_ID", f"malformed id {raw_id}") from None
            rec = org.store.get(obj, rid)
            if rec is None or rec.get("IsDeleted"):
                out.append(None)
            else:
                out.append(org.render(obj, rec, req.version, fields))
    return Response(200, out)
