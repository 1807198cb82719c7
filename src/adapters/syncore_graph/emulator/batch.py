"""``POST /v1.0/$batch`` (https://learn.microsoft.com/en-us/graph/json-batching).

* At most 20 sub-requests; each needs a unique ``id`` (case-insensitive), ``method`` and a relative ``url``; a
  ``body`` needs a ``Content-Type`` header. A malformed batch answers 400 as a whole.
* Each sub-request is evaluated on its own (throttling included: a 429 with its own ``Retry-After`` inside a
  200 batch); ``dependsOn`` orders them and a failed dependency fails its dependants with 424.
* "Individual responses might appear in a different order than the requests": the emulator answers them in
  reverse order, so clients correlate by ``id``.
* Sub-requests carry only their own headers (``Prefer`` included); the batch's token authenticates them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from syncore.testing.emulation import HttpRequest

from .errors import GraphError, bad_request, error_body
from .log import GraphRequestRecord
from .oauth import Principal

MAX_BATCH = 20


def _check(requests: Any) -> list[dict[str, Any]]:
    if not isinstance(requests, list) or not requests:
        raise bad_request("Invalid batch payload format.")
    if len(requests) > MAX_BATCH:
        # The limit is documented; the wording of the refusal is a guess.
        raise bad_request(f"The number of requests in a batch exceeds the maximum of {MAX_BATCH}.")
    seen: set[str] = set()
    for request in requests:
        if not isinstance(request, dict) or not all(isinstance(request.get(k), str) for k in ("id", "method", "url")):
            raise bad_request("Each batch request needs an id, a method and a url.")
        key = request["id"].lower()
        if key in seen:
            raise bad_request("Batch request ids must be unique.")
        seen.add(key)
        if "body" in request and not any(k.lower() == "content-type" for k in (request.get("headers") or {})):
            raise bad_request("Content-Type header is required when a body is supplied.")
    for request in requests:
        for dependency in request.get("dependsOn") or ():
            if str(dependency).lower() not in seen:
                raise bad_request(f"Request {request['id']} depends on an unknown request {dependency}.")
    return requests


def run_batch(app: Any, http: HttpRequest, principal: Principal, record: GraphRequestRecord,
              outer_headers: dict[str, str]) -> dict[str, Any]:
    import json

    try:
        payload = json.loads(http.body or b"null")
    except ValueError:
        raise bad_request("Invalid batch payload format.") from None
    requests = _check(payload.get("requests") if isinstance(payload, dict) else None)
    record.batch_size = len(requests)
    statuses: dict[str, int] = {}
    answers: list[dict[str, Any]] = []
    lost = False
    for request in requests:
        answer = _run_one(app, request, principal, statuses)
        statuses[request["id"].lower()] = answer["status"]
        lost = lost or answer.pop("_lost", False)
        answers.append(answer)
    if lost:
        raise _LostReply()
    return {"responses": list(reversed(answers))}


class _LostReply(Exception):
    """A sub-request's lose fault: the batch was processed and its connection closes without an answer."""


def _run_one(app: Any, request: dict[str, Any], principal: Principal, statuses: dict[str, int]) -> dict[str, Any]:
    rid = request["id"]
    failed = [d for d in request.get("dependsOn") or () if statuses.get(str(d).lower(), 200) >= 400]
    headers = {k.lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    url = request["url"] if request["url"].startswith("/") else "/" + request["url"]
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    sub = GraphRequestRecord(method=request["method"].upper(), path=parts.path, query=params,
                             prefer=[headers["prefer"]] if "prefer" in headers else [], headers=headers,
                             body=request.get("body"))
    app.sub_log.append(sub)
    if failed:
        sub.status = 424
        return {"id": rid, "status": 424, "headers": {"Content-Type": "application/json"},
                "body": error_body("FailedDependency", "The request failed because of a failed dependency.")}
    path = app._mailbox_path(segments)
    sub.operation = op = _route_op(request["method"].upper(), path)
    fault = app.faults.take(op, ("throttle_sub", "status_sub", "lose_sub"))
    if fault is not None and fault.kind != "lose_sub":
        sub.fault, sub.status = f"{fault.kind}:{fault.status}", fault.status
        code = "TooManyRequests" if fault.status == 429 else "ServiceUnavailable"
        return {"id": rid, "status": fault.status, "headers": {"Content-Type": "application/json", **fault.headers},
                "body": error_body(code, "Please retry again later.")}
    try:
        status, body, extra = app.run(request["method"].upper(), segments, params, headers, request.get("body"),
                                      principal, sub, sub.prefer)
    except GraphError as exc:
        sub.status, sub.codes = exc.status, [exc.code]
        return {"id": rid, "status": exc.status, "headers": {"Content-Type": "application/json", **exc.headers},
                "body": exc.body(headers.get("client-request-id", ""))}
    sub.status = status
    answer: dict[str, Any] = {"id": rid, "status": status, "headers": {"Content-Type": "application/json", **extra}}
    if body is not None and status != 204:
        answer["body"] = body
    if fault is not None:
        sub.fault, answer["_lost"] = "lose_sub", True
    return answer


def _route_op(method: str, path: tuple[str | None, list[str]] | None) -> str:
    from . import handlers

    return handlers.route(method, path[1])[0] if path else "unknown"
