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
#: "Up to 5 of these subrequests can be sObject Collections or query operations, including Query and QueryAll
#: requests" (the Composite page; the Japanese v57 page, resources_composite_composite_post.htm, words it so)
MAX_QUERIES_AND_COLLECTIONS = 5
_QUERY_OR_COLLECTION = re.compile(r"^/services/data/v\d+\.\d+/(query|queryAll|composite/sobjects)(/|\?|$)")


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
        # The shape a client recorded from a real org (secondary: guardian/support-service-lambdas#766):
        # {"compositeResponse":[{"body":[{"errorCode":"LIMIT_EXCEEDED","message":"The request can't contain more
        # than 25 operations."}],"httpHeaders":{},"httpStatusCode":400,"referenceId":null}]}; the HTTP status of
        # the whole reply is (unverified).
        return _limit_exceeded("The request can’t contain more than 25 operations.")
    heavy = sum(1 for sub in subs if isinstance(sub, dict) and _QUERY_OR_COLLECTION.match(str(sub.get("url", ""))))
    if heavy > MAX_QUERIES_AND_COLLECTIONS:
        # the same shape for the documented 5-query limit (message and shape (unverified))
        return _limit_exceeded("The request can’t contain more than 5 query or sObject Collections operations.")
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


def _limit_exceeded(message: str) -> Response:
    return Response(400, {"compositeResponse": [{
        "body": [{"errorCode": "LIMIT_EXCEEDED", "message": message}],
        "httpHeaders": {}, "httpStatusCode": 400, "referenceId": None}]})


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
