"""``query/``, ``queryAll/`` and ``query/{locator}`` (reference §2, §4).

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html
https://developer.salesforce.com/docs/platform/api-rest/guide/headers-queryoptions.html (batchSize 200-2000)
"""

from __future__ import annotations

from typing import Any

from ..context import Request, Response
from ..errors import ApiError
from ..evaluate import QueryPlan, execute, plan
from ..org import Cursor, Org
from ..soql import SoqlError

MAX_BATCH_SIZE = 2000  # Sforce-Query-Options batchSize: default and maximum (§4)
LONG_TEXT_BATCH_SIZE = 200  # page size when two or more long-text fields are selected (§4)


def handle(org: Org, req: Request) -> Response:
    soql = req.params.get("q")
    if soql is None:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    include_deleted = req.segments[0] == "queryAll"
    try:
        qp = plan(soql, org.schema)
    except SoqlError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    with org.store.lock:
        rows = list(org.store.table(qp.obj).values())
        total, records = execute(qp, rows, req.version, include_deleted, org.query_context(req.user_id))
    if qp.query.count:
        return Response(200, {"totalSize": total, "done": True, "records": []})
    return Response(200, _page(org, req.version, Cursor(records, _batch_size(org, req, qp)), None, 0))


def more(org: Org, req: Request) -> Response:
    locator, _, offset = req.segments[1].rpartition("-")
    cursor = org.locators.get(locator)
    if cursor is None or not offset.isdigit() or int(offset) > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return Response(200, _page(org, req.version, cursor, locator, int(offset)))


def _batch_size(org: Org, req: Request, qp: QueryPlan) -> int:
    batch = MAX_BATCH_SIZE
    options = req.headers.get("sforce-query-options", "")
    for part in options.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            batch = int(value)
    batch = max(org.min_batch_size, min(MAX_BATCH_SIZE, batch))
    long_text = [p for p in qp.select if p.field.type == "textarea" and p.field.length > 255]
    if len(long_text) >= 2:
        batch = min(batch, LONG_TEXT_BATCH_SIZE)
    return batch


def _page(org: Org, version: str, cursor: Cursor, locator: str | None, offset: int) -> dict[str, Any]:
    rows = cursor.rows[offset : offset + cursor.batch]
    end = offset + len(rows)
    body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
    if not body["done"]:
        if locator is None:
            locator = org.locators.open(cursor)
        # queryAll cursors also continue under /query/ (reference §2).
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
    body["records"] = rows
    return body
