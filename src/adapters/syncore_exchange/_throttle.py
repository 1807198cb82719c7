"""Bounded retries around EWS calls: ErrorServerBusy back-off, HTTP 503, HTTP 429, dropped connections.

The adapter's accounts use :class:`._policy.HintingFailFast` (exchangelib's ``FailFast`` keeping the server's
hints), so every wait happens here, through an injectable ``sleep`` (tests pass a recorder and never wait),
and lasts exactly what the server asked for: ``Retry-After`` seconds, ``BackOffMilliseconds``. Without a
hint the pause is ``BASE_DELAY`` doubled per attempt. A hint longer than what is left of
``MAX_TOTAL_WAIT`` (120 s per call) is not waited out: the call fails with RateLimited(retry_after=hint),
so the engine can come back later. With a ``FaultTolerance`` account exchangelib retries 503 and
ErrorServerBusy itself; HTTP 429 is never retried by exchangelib and always lands here.

A write that was sent but got no answer (lost connection, read timeout, a 5xx that is not an EWS answer) is
repeated only when the caller says it is idempotent; otherwise it fails with OutcomeUnknown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import attrs
from exchangelib import errors as ews

from .errors import TRANSIENT_TYPES, call_error, is_http_429, outcome_unknown, retry_after_of

log = logging.getLogger(__name__)
T = TypeVar("T")

#: attempts per call, the first included
MAX_ATTEMPTS = 5
#: the longest total pause per call; a server asking for more makes the call fail with RateLimited
MAX_TOTAL_WAIT = 120.0
#: pause before the first retry when the server gave no hint; doubled per attempt
BASE_DELAY = 1.0


def _retryable(exc: BaseException, idempotent: bool) -> bool:
    # A request sent without an answer may have been carried out: only safe to repeat for reads and for
    # writes made idempotent by the caller.
    if outcome_unknown(exc):
        return idempotent
    if isinstance(exc, (ews.ErrorServerBusy, ews.RateLimitError)) or is_http_429(exc):
        return True
    return isinstance(exc, TRANSIENT_TYPES)


@attrs.define
class Throttle:
    """Runs calls with bounded retries. ``waits`` lists every pause taken (for tests and metrics)."""

    sleep: Callable[[float], None]
    max_attempts: int = MAX_ATTEMPTS
    max_total_wait: float = MAX_TOTAL_WAIT
    base_delay: float = BASE_DELAY
    waits: list[float] = attrs.field(factory=list)

    def call(self, operation: str, fn: Callable[[], T], *, idempotent: bool = True, write: bool = False) -> T:
        """Return ``fn()``, retrying throttling and transient failures; raise a syncore error otherwise.

        ``write``: a failure after sending is OutcomeUnknown rather than a plain TransientError.
        """
        waited = 0.0
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn()
            except Exception as exc:
                if not _retryable(exc, idempotent) or attempt == self.max_attempts:
                    raise call_error(exc, operation, write=write) from exc
                hint = retry_after_of(exc)
                delay = hint if hint is not None else self.base_delay * 2 ** (attempt - 1)
                if waited + delay > self.max_total_wait:
                    raise call_error(exc, operation, write=write) from exc
                log.info("exchange %s: %s, retrying in %.2fs (attempt %d)", operation, type(exc).__name__,
                         delay, attempt)
                self.sleep(delay)
                self.waits.append(delay)
                waited += delay
        raise AssertionError("unreachable")  # pragma: no cover
