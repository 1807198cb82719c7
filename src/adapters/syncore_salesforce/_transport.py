"""Every call to Salesforce goes through :class:`Transport`: budget, re-login, retries, error translation.

Policy (reference §3.5, §6.4):

* No client yet (built from settings): the first call signs in (errors as in :mod:`._auth`).
* ``INVALID_SESSION_ID`` (401): log in again **once** and retry the call; a second 401 is an
  :class:`~syncore.errors.AuthenticationError`. A client that cannot re-login (session id auth) fails at once.
* ``REQUEST_LIMIT_EXCEEDED`` (403): :class:`~syncore.errors.QuotaExhausted` at once, never retried.
* A connection that could not be made (refused, unknown host, connect timeout): the request never left, so
  any call - even a plain create - is retried up to ``max_retries`` times with exponential back-off
  (``sleep`` is injectable), then :class:`~syncore.errors.TransientError` naming the host.
* No answer after sending (dropped connection, read timeout) and HTTP 5xx: an idempotent call (a read, an
  update, a delete, an upsert by external id) is retried the same way. A plain create is not: the server may
  have made the records, and a second call could duplicate them.
* When a write still has no answer, or got a 5xx, its outcome is unknown: :class:`~syncore.errors.OutcomeUnknown`
  (the engine keeps the write's intent open and looks for what was made before writing again). A read that
  keeps failing is a plain TransientError. See :func:`.errors.request_was_sent` for which failure is which.
* The API budget (:class:`~._limits.ApiBudget`) is checked before and updated after every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from syncore.errors import AdapterError, AuthenticationError

from ._auth import ClientFactory
from ._limits import ApiBudget
from .errors import NETWORK_ERRORS, RETRYABLE_STATUSES, call_error, network_error, request_was_sent

log = logging.getLogger(__name__)

T = TypeVar("T")

#: retries of one call after a 5xx or a dropped connection (so at most 1 + MAX_RETRIES requests)
MAX_RETRIES = 3
#: first back-off in seconds, doubled per retry
BACKOFF_SECONDS = 1.0


class Transport:
    """Runs calls against one :class:`simple_salesforce.Salesforce` with the policy in the module docstring."""

    def __init__(
        self,
        sf: Salesforce | None,
        *,
        relogin: ClientFactory | None = None,
        budget: ApiBudget | None = None,
        max_retries: int = MAX_RETRIES,
        backoff: float = BACKOFF_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if sf is None and relogin is None:
            raise ValueError("a Transport needs a client or a way to sign in")
        #: the client; None until the first call signs in
        self.sf = sf
        self.relogin = relogin
        self.budget = budget or ApiBudget()
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        #: how many re-logins this transport made (for diagnostics and tests)
        self.relogins = 0

    def call(self, what: str, fn: Callable[[Salesforce], T], *, write: bool = False, idempotent: bool = True) -> T:
        """Run ``fn(sf)``; ``what`` names the call in errors and logs (never a credential).

        :param write: the call changes data (its failures after sending are OutcomeUnknown)
        :param idempotent: sending it twice does no harm (reads, updates, deletes, upserts; not a plain create)
        """
        attempt = 0
        relogged = False
        while True:
            self.budget.check()
            if self.sf is None:
                self.sf = self._sign_in()
            try:
                result = fn(self.sf)
            except SalesforceExpiredSession as exc:
                self._observe()
                if self.relogin is None or relogged:
                    raise self._auth_error(what, exc, relogged) from exc
                log.info("Salesforce session expired during %s; logging in again", what)
                relogged = True
                self.sf = self._login_again(what)
                continue
            except SalesforceError as exc:
                self._observe()
                status = getattr(exc, "status", None)
                if status in RETRYABLE_STATUSES and idempotent and attempt < self.max_retries:
                    attempt += 1
                    self._pause(what, attempt, f"HTTP {status}")
                    continue
                raise call_error(exc, what, write=write) from exc
            except NETWORK_ERRORS as exc:
                sent = request_was_sent(exc)
                if (idempotent or not sent) and attempt < self.max_retries:
                    attempt += 1
                    self._pause(what, attempt, "connection dropped" if sent else "cannot connect")
                    continue
                raise network_error(exc, what, write=write) from exc
            self._observe()
            return result

    def _pause(self, what: str, attempt: int, why: str) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        log.warning("Salesforce %s: %s; retry %d/%d in %.1fs", what, why, attempt, self.max_retries, delay)
        self.sleep(delay)

    def _observe(self) -> None:
        self.budget.observe(getattr(self.sf, "api_usage", None))

    def _login_again(self, what: str) -> Salesforce:
        self.relogins += 1
        return self._sign_in(f"{what} (re-login)")

    def _sign_in(self, what: str = "login") -> Salesforce:
        assert self.relogin is not None
        try:
            return self.relogin()
        except AdapterError:
            raise
        except SalesforceError as exc:
            raise call_error(exc, what) from exc

    @staticmethod
    def _auth_error(what: str, exc: Exception, relogged: bool) -> AuthenticationError:
        why = "still refused after logging in again" if relogged else "this client cannot log in again"
        return AuthenticationError(
            f"Salesforce {what} failed: INVALID_SESSION_ID, session expired or invalid ({why})",
            code="INVALID_SESSION_ID",
        )

    def query_pages(self, soql: str, *, include_deleted: bool, what: str) -> list[dict[str, Any]]:
        """Every row of ``soql`` (query or queryAll), following ``nextRecordsUrl`` one call per page."""
        page = self.call(what, lambda sf: sf.query(soql, include_deleted=include_deleted))
        rows = list(page["records"])
        while not page.get("done", True):
            url = page["nextRecordsUrl"]
            page = self.call(f"{what} (next page)", lambda sf, url=url: sf.query_more(url, identifier_is_url=True))
            rows.extend(page["records"])
        return rows
