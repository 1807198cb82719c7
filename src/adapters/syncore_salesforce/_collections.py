"""sObject Collections: the batched remote operations (reference §3.1-3.2, §6.4 item 4).

One function per remote operation. Each sends at most :data:`MAX_WRITE_BATCH` records (or
:data:`MAX_RETRIEVE_IDS` ids) in one call, with ``allOrNone: false`` so that one bad record does not roll back
the others; results come back in input order, one per record (HTTP 200 even when some fail).
simple-salesforce has no wrapper for these endpoints, so they go through ``sf.restful``.

* create: ``POST composite/sobjects`` (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm)
* update: ``PATCH composite/sobjects``
* upsert: ``PATCH composite/sobjects/{T}/{ExternalIdField}`` (v46+)
* delete: ``DELETE composite/sobjects?ids=…&allOrNone=false``
* retrieve: ``POST composite/sobjects/{T}`` with ``{"ids", "fields"}`` (GET hits HTTP 414 near 800 ids)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from syncore.errors import AdapterError, TransientError
from syncore.remote import WriteOutcome

from ._transport import Transport
from .converter import to18
from .errors import RETRYABLE_RECORD_CODES, record_error

#: sObject Collections accept at most 200 records per create/update/upsert/delete call (reference §3.2, §4)
MAX_WRITE_BATCH = 200
#: sObject Collections retrieve (POST) accepts at most 2,000 ids per call (reference §3.1, §4)
MAX_RETRIEVE_IDS = 2000
#: per-record UNABLE_TO_LOCK_ROW: how many times those records alone are sent again
MAX_LOCK_RETRIES = 3

Result = dict[str, Any]
#: key of a synthetic result: the whole-call error that stopped a retry of locked rows
CALL_FAILURE = "_call_failure"


def _check(size: int, limit: int) -> None:
    if size > limit:
        raise ValueError(f"{size} records in one call; sObject Collections allow {limit}")


def create(transport: Transport, sobject: str, records: Sequence[dict[str, Any]], *,
           idempotent: bool = False) -> list[Result]:
    """Create records; not idempotent, so a call without an answer is not sent again (see :mod:`._transport`),
    unless the caller says a second create of the same records is harmless (``idempotent``: the object refuses
    a duplicate and the caller counts that refusal as done)."""
    _check(len(records), MAX_WRITE_BATCH)
    body = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in records]}
    return transport.call(f"{sobject} create", lambda sf: sf.restful("composite/sobjects", method="POST", json=body),
                          write=True, idempotent=idempotent)


def upsert(transport: Transport, sobject: str, field: str, records: Sequence[dict[str, Any]]) -> list[Result]:
    """Create-or-update by external id ``field``: a retried call finds what the first one created."""
    _check(len(records), MAX_WRITE_BATCH)
    body = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in records]}
    return transport.call(f"{sobject} upsert",
                          lambda sf: sf.restful(f"composite/sobjects/{sobject}/{field}", method="PATCH", json=body),
                          write=True)


def update(transport: Transport, sobject: str, records: Sequence[dict[str, Any]]) -> list[Result]:
    """Update records (each carries its ``Id``); only the fields present are written."""
    _check(len(records), MAX_WRITE_BATCH)
    body = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in records]}
    return transport.call(f"{sobject} update", lambda sf: sf.restful("composite/sobjects", method="PATCH", json=body),
                          write=True)


def delete(transport: Transport, sobject: str, ids: Sequence[str]) -> list[Result]:
    """Move records to the Recycle Bin."""
    _check(len(ids), MAX_WRITE_BATCH)
    params = {"ids": ",".join(ids), "allOrNone": "false"}
    return transport.call(f"{sobject} delete", lambda sf: sf.restful("composite/sobjects", method="DELETE",
                                                                     params=params), write=True)


def retrieve(transport: Transport, sobject: str, ids: Sequence[str], fields: Sequence[str]) -> list[Any]:
    """Rows by id, in order; ``None`` for ids that do not exist or are deleted."""
    _check(len(ids), MAX_RETRIEVE_IDS)
    body = {"ids": list(ids), "fields": list(fields)}
    return transport.call(f"{sobject} retrieve",
                          lambda sf: sf.restful(f"composite/sobjects/{sobject}", method="POST", json=body)) or []


def with_lock_retries(
    send: Callable[[list[int]], list[Result]],
    count: int,
    *,
    sleep: Callable[[float], None],
    backoff: float,
    max_retries: int = MAX_LOCK_RETRIES,
) -> list[Result]:
    """Call ``send(indexes)`` for all items, then again for just those that failed with ``UNABLE_TO_LOCK_ROW``.

    A locked row was not written, so sending it again cannot duplicate it. When a retry fails as a whole, the
    results of the earlier calls are kept and the retried records carry that error (under
    :data:`CALL_FAILURE`), so no record the first call wrote is lost from the outcomes.
    """
    results: list[Result | None] = [None] * count
    pending = list(range(count))
    for attempt in range(max_retries + 1):
        try:
            answers = send(pending)
        except AdapterError as exc:
            if attempt == 0:
                raise
            for index in pending:
                results[index] = {"success": False, "errors": [], CALL_FAILURE: exc}
            break
        retry = []
        for index, answer in zip(pending, answers, strict=True):
            results[index] = answer
            codes = {e.get("statusCode") for e in answer.get("errors") or []}
            if not answer.get("success") and codes & RETRYABLE_RECORD_CODES:
                retry.append(index)
        if not retry or attempt == max_retries:
            break
        sleep(backoff * 2**attempt)
        pending = retry
    return results  # type: ignore[return-value]


def error_of(result: Result, sobject: str) -> AdapterError:
    """One record's failure: the whole-call error that stopped its retry, or its own collection errors."""
    failure = result.get(CALL_FAILURE)
    return failure if isinstance(failure, AdapterError) else record_error(result.get("errors") or [], sobject)


def send_in_batches(
    sobject: str,
    ready: list[tuple[str, tuple[dict[str, Any], tuple[str, ...]]]],
    outcomes: dict[str, WriteOutcome],
    versions: dict[str, str],
    call: Callable[[list[dict[str, Any]]], list[Result]],
    *,
    sleep: Callable[[float], None],
    backoff: float,
    answered: bool = False,
    guard: Callable[[list[str]], set[str]] | None = None,
) -> bool:
    """Send ``(ref, (payload, warnings))`` items in batches of :data:`MAX_WRITE_BATCH`, each with
    :func:`with_lock_retries`, and record one outcome per ref. Returns whether any call got an answer.

    ``guard`` is asked right before each batch is sent which of its refs to send; it records the outcomes of
    the others (the check of :mod:`._conditional`). A whole-call failure (of the guard too) before any answer
    propagates (nothing was written). After an answer it becomes the outcome of that batch's records, so the
    records already written keep their ids.
    """
    for start in range(0, len(ready), MAX_WRITE_BATCH):
        chunk = ready[start : start + MAX_WRITE_BATCH]
        try:
            if guard is not None:
                chosen = guard([ref for ref, _ in chunk])
                chunk = [item for item in chunk if item[0] in chosen]
            results = with_lock_retries(lambda indexes, chunk=chunk: call([chunk[i][1][0] for i in indexes]),
                                        len(chunk), sleep=sleep, backoff=backoff) if chunk else []
        except AdapterError as exc:
            if not answered:
                raise
            fail_rest([ref for ref, _ in chunk] + [ref for ref, _ in ready[start + MAX_WRITE_BATCH :]], len(chunk),
                      exc, outcomes)
            return answered
        answered = answered or bool(chunk)
        for (ref, (_, warnings)), result in zip(chunk, results, strict=True):
            if result.get("success"):
                outcomes[ref] = WriteOutcome(ref=ref, id=to18(result["id"]), version=versions.get(ref),
                                             warnings=warnings)
            else:
                outcomes[ref] = WriteOutcome(ref=ref, error=error_of(result, sobject))
    return answered


def fail_rest(refs: list[str], failed: int, exc: AdapterError, outcomes: dict[str, WriteOutcome]) -> None:
    """The first ``failed`` refs were in the call that failed with ``exc``; the others were never sent."""
    for ref in refs[:failed]:
        outcomes[ref] = WriteOutcome(ref=ref, error=exc)
    unsent = TransientError(f"not sent: an earlier batch of this call failed ({exc})", code="NOT_SENT")
    for ref in refs[failed:]:
        outcomes[ref] = WriteOutcome(ref=ref, error=unsent)
