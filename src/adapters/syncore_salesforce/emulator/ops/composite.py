"""Composite (``POST composite``): up to 25 subrequests with ``@{ref.field}`` references; reference §3.3.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite.html
"""

from __future__ import annotations

import re
from typing import Any

from ..context import Request, Response, flag
from ..errors import ApiError
from ..org import Org

MAX_SUBREQUESTS = 25


class _Rollback(Exception):
    """Raised inside a store transaction to undo an allOrNone composite request."""


_REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.\[\]]+)\}")


def handle(org: Org, req: Request) -> Response:
    """``POST composite``: up to 25 subrequests, ``@{ref.field}`` references, optional allOrNone."""
    body = req.json()
    subs = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subs, list) or not subs:
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(subs) > MAX_SUBREQUESTS:
        raise ApiError(
            400, "INVALID_BATCH_REQUEST", "Composite requests cannot have more than 25 subrequests"
        )
    all_or_none = flag(body.get("allOrNone", False))
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
                resp = req.subrequest(
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
            with org.store.transaction():
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
