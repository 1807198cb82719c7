"""A small synchronous Graph client on httpx: headers, retries with Retry-After, paging, ``$batch``.

* Every request carries ``Prefer: IdType="ImmutableId"`` and ``Prefer: outlook.timezone="UTC"``
  (https://learn.microsoft.com/en-us/graph/outlook-immutable-id) and, for collections, the page size.
* 429 and 503 are retried after the server's ``Retry-After`` (https://learn.microsoft.com/en-us/graph/throttling),
  a whole request or a single sub-request of a batch; waits are bounded per call and go through an injectable
  ``sleep``. A 401 drops the token and tries once more with a new one.
* A request whose answer never came (connection closed after sending, read timeout) raises
  :class:`LostReply`; one that never left (no connection) is a plain TransientError. Callers decide what a lost
  write means (idempotent writes are repeated; others become OutcomeUnknown).
* At most 4 requests are in flight per mailbox across every adapter of the process (Outlook's limit of 4
  concurrent requests per app and mailbox, https://learn.microsoft.com/en-us/graph/throttling-limits).
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from syncore.errors import AdapterError, RateLimited, TransientError

from ._auth import TokenProvider
from .errors import GraphApiError, call_error, is_transient, retry_after_of

log = logging.getLogger(__name__)

#: sub-requests per $batch (json-batching: "JSON batch requests are currently limited to 20 individual requests")
BATCH_LIMIT = 20
#: concurrent requests per app and mailbox (throttling-limits, Outlook service limits)
MAILBOX_CONCURRENCY = 4
MAX_ATTEMPTS = 5
MAX_TOTAL_WAIT = 120.0
BASE_DELAY = 1.0
BASE_PREFER = ('IdType="ImmutableId"', 'outlook.timezone="UTC"')

_slots_lock = threading.Lock()
_slots: dict[str, threading.BoundedSemaphore] = {}


def mailbox_slots(key: str) -> threading.BoundedSemaphore:
    """The process-wide semaphore limiting requests in flight to one mailbox."""
    with _slots_lock:
        return _slots.setdefault(key.lower(), threading.BoundedSemaphore(MAILBOX_CONCURRENCY))


class LostReply(TransientError):
    """The request was sent but no answer came: a write may or may not have been made."""


@dataclass
class Sub:
    """One sub-request of a ``$batch``: method, URL relative to the Graph version root, body, extra headers."""

    method: str
    url: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: may be sent again after a lost reply or a 5xx (reads, deletes, idempotent creates)
    idempotent: bool = True
    #: the index (in the same :meth:`GraphClient.batch` call) of a sub-request this one must run after: sent as
    #: ``dependsOn`` within one $batch ("the order of execution ... is not guaranteed" otherwise,
    #: https://learn.microsoft.com/en-us/graph/json-batching), and such a call's batches are sent one by one
    after: int | None = None


@dataclass
class SubResult:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> GraphApiError:
        return GraphApiError.from_answer(self.status, self.body, self.headers)


class GraphClient:
    """Requests to one mailbox: ``root`` is ``/me`` (delegated) or ``/users/{upn}`` (app-only)."""

    def __init__(self, base_url: str, tokens: TokenProvider, root: str, *, verify: bool | str = True,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = 100, timeout: float = 60.0,
                 max_attempts: int = MAX_ATTEMPTS, max_total_wait: float = MAX_TOTAL_WAIT,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base = base_url.rstrip("/") + "/v1.0"
        self.tokens = tokens
        self.root = root
        self.sleep = sleep
        self.page_size = page_size
        self.max_attempts = max_attempts
        self.max_total_wait = max_total_wait
        self.waits: list[float] = []
        #: the ``Date`` of the last answer: the server's clock (``syncore doctor`` compares it with this one's)
        self.server_date: datetime | None = None
        # /me names whoever signed in: a sign-in's token cache (or the token provider) stands for that user
        user = getattr(tokens, "cache_path", None) or id(tokens)
        self._slots = mailbox_slots(f"{base_url}|{root}" if root != "/me" else f"{base_url}|me|{user}")
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)  # type: ignore[assignment]
        self._http = httpx.Client(verify=verify, timeout=timeout, transport=transport,
                                  limits=httpx.Limits(max_connections=MAILBOX_CONCURRENCY))

    def close(self) -> None:
        self._http.close()

    def prefer(self, *, page: bool = False) -> str:
        values = list(BASE_PREFER)
        if page:
            values.append(f"odata.maxpagesize={self.page_size}")
        return ", ".join(values)

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else f"{self.base}{self.root}{path}"

    # -- one request --------------------------------------------------------------------------------------
    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        request_headers = {"Authorization": f"Bearer {self.tokens.token()}", "Accept": "application/json",
                           **headers}
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            request_headers["Content-Type"] = "application/json"
        with self._slots:
            try:
                response = self._http.request(method, url, content=content, headers=request_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise TransientError(f"graph: {method} {_path(url)}: no connection ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise LostReply(f"graph: {method} {_path(url)}: no answer ({type(exc).__name__})") from exc
        self.server_date = _date_of(response) or self.server_date
        return response

    def request(self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
                page: bool = False, idempotent: bool = True, operation: str = "") -> Any:
        """Send one request with retries; returns the decoded JSON (None for 204).

        :raises AdapterError: a syncore error for the whole call (CursorExpired, AuthenticationError ...)
        :raises LostReply: no answer for a non-idempotent request
        """
        url = self.url(path)
        operation = operation or f"{method} {_path(url)}"
        all_headers = {"Prefer": self.prefer(page=page), **(headers or {})}
        waited = 0.0
        renewed = False
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._send(method, url, body, all_headers)
            except LostReply:
                if not idempotent or attempt == self.max_attempts:
                    raise
                waited += self._pause(None, attempt, waited, operation, None)
                continue
            except TransientError:
                if attempt == self.max_attempts:
                    raise
                waited += self._pause(None, attempt, waited, operation, None)
                continue
            if response.status_code < 400:
                return response.json() if response.content else None
            error = GraphApiError.from_answer(response.status_code, _json(response), response.headers)
            if response.status_code == 401 and not renewed:
                renewed = True
                self.tokens.invalidate()
                continue
            if error.status >= 500 and error.status != 503 and not idempotent:
                # a write the server received and failed on: it may have been made
                raise LostReply(f"graph: {operation}: the server failed after receiving the request "
                                f"({error.code})") from error
            if error.status == 503 and not idempotent:
                raise LostReply(f"graph: {operation}: service unavailable after receiving the request "
                                f"({error.code})", retry_after=error.retry_after) from error
            retry = error.status == 429 or (is_transient(error) and idempotent)
            if not retry or attempt == self.max_attempts:
                raise call_error(error, operation) from error
            waited += self._pause(error.retry_after, attempt, waited, operation, error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, hint: float | None, attempt: int, waited: float, operation: str,
               error: GraphApiError | None) -> float:
        delay = hint if hint is not None else BASE_DELAY * 2 ** (attempt - 1)
        if waited + delay > self.max_total_wait:
            if error is not None:
                raise RateLimited(f"graph: {operation}: still throttled after {waited:.0f}s",
                                  code=error.code, retry_after=delay) from error
            raise TransientError(f"graph: {operation}: still failing after {waited:.0f}s")
        log.info("graph %s: retrying in %.2fs (attempt %d)", operation, delay, attempt)
        self.sleep(delay)
        self.waits.append(delay)
        return delay

    # -- collections --------------------------------------------------------------------------------------
    def pages(self, path: str, params: dict[str, str] | None = None, *, operation: str = "") -> Iterator[dict]:
        """Every page of a collection, following ``@odata.nextLink`` (the last page's answer included)."""
        url = self.url(path)
        if params:
            url = str(httpx.URL(url, params=params))
        while url:
            page = self.request("GET", url, page=True, operation=operation)
            yield page
            url = page.get("@odata.nextLink")

    # -- $batch -------------------------------------------------------------------------------------------
    def batch(self, subs: Sequence[Sub], *, operation: str = "$batch") -> list[SubResult | Exception]:
        """Run ``subs`` in ``$batch`` requests of at most 20, up to 4 batches at once; one result per sub-request,
        in order: a :class:`SubResult`, or :class:`LostReply` for a non-idempotent sub-request whose batch got no
        answer. Sub-requests answered 429 or 503 are sent again after their Retry-After.
        """
        results: list[SubResult | Exception | None] = [None] * len(subs)
        chunks = [list(range(i, min(i + BATCH_LIMIT, len(subs)))) for i in range(0, len(subs), BATCH_LIMIT)]

        def run(indexes: list[int]) -> None:
            position = {index: n for n, index in enumerate(indexes)}
            after = [position.get(subs[i].after) if subs[i].after is not None else None  # type: ignore[arg-type]
                     for i in indexes]
            for index, result in zip(indexes, self._batch_with_retries([subs[i] for i in indexes], operation, after),
                                     strict=True):
                results[index] = result

        if len(chunks) <= 1 or any(sub.after is not None for sub in subs):
            for chunk in chunks:
                run(chunk)
        else:
            with ThreadPoolExecutor(max_workers=MAILBOX_CONCURRENCY) as pool:
                for future in [pool.submit(run, chunk) for chunk in chunks]:
                    future.result()
        return results  # type: ignore[return-value]

    def _batch_with_retries(self, subs: list[Sub], operation: str, after: list[int | None] | None = None,
                            ) -> list[SubResult | Exception]:
        results: list[SubResult | Exception | None] = [None] * len(subs)
        pending = list(range(len(subs)))
        waited = 0.0
        for attempt in range(1, self.max_attempts + 1):
            batch = [subs[i] for i in pending]
            # a dependency answered in an earlier attempt is done: only those sent again are waited for
            sent = {index: n for n, index in enumerate(pending)}
            depends = [sent.get(after[i]) if after and after[i] is not None else None  # type: ignore[arg-type]
                       for i in pending]
            try:
                answers = self._batch_once(batch, operation, idempotent=all(s.idempotent for s in batch),
                                           depends=depends)
            except LostReply as lost:
                for i in pending:
                    results[i] = lost if not subs[i].idempotent else None
                pending = [i for i in pending if subs[i].idempotent]
                if not pending:
                    break
                waited += self._pause(None, attempt, waited, operation, None)
                continue
            retry, hint = [], None
            for i, answer in zip(pending, answers, strict=True):
                error_status = answer.status
                retryable = error_status == 429 or (error_status in (500, 502, 503, 504) and subs[i].idempotent)
                # a sub-request that failed only because its dependency is sent again goes again with it (424)
                retryable = retryable or (error_status == 424 and bool(after) and after[i] in retry)  # type: ignore[index]
                if retryable and attempt < self.max_attempts:
                    retry.append(i)
                    pause = retry_after_of(answer.headers)
                    hint = max(hint or 0.0, pause) if pause is not None else hint
                else:
                    results[i] = answer
            pending = retry
            if not pending:
                break
            waited += self._pause(hint, attempt, waited, operation, GraphApiError(429, "TooManyRequests", ""))
        return results  # type: ignore[return-value]

    def _batch_once(self, subs: list[Sub], operation: str, *, idempotent: bool,
                    depends: list[int | None] | None = None) -> list[SubResult]:
        requests = []
        for n, sub in enumerate(subs, start=1):
            entry: dict[str, Any] = {"id": str(n), "method": sub.method, "url": f"{self.root}{sub.url}",
                                     "headers": {"Prefer": self.prefer(page=sub.method == "GET"), **sub.headers}}
            if depends and depends[n - 1] is not None:
                entry["dependsOn"] = [str(depends[n - 1] + 1)]  # type: ignore[operator]
            if sub.body is not None:
                entry["body"] = sub.body
                entry["headers"]["Content-Type"] = "application/json"
            requests.append(entry)
        answer = self.request("POST", f"{self.base}/$batch", body={"requests": requests}, idempotent=idempotent,
                              operation=operation)
        by_id = {str(r.get("id")): r for r in (answer or {}).get("responses", [])}
        results = []
        for n in range(1, len(subs) + 1):
            found = by_id.get(str(n))
            if found is None:
                raise AdapterError(f"graph: {operation}: the batch answer has no response for request {n}")
            results.append(SubResult(int(found.get("status", 500)), found.get("body"),
                                     {str(k): str(v) for k, v in (found.get("headers") or {}).items()}))
        return results


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _date_of(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None


def _path(url: str) -> str:
    # for messages: the path only (a deltaLink's token is not a credential, but it is long and useless to read)
    return httpx.URL(url).path
