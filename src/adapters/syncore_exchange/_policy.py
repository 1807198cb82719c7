"""exchangelib's fail-fast retry policy, keeping what the server said about when to come back.

exchangelib's ``FailFast`` drops the server's back-off hints: a 503's ``Retry-After`` becomes "10 s"
(``Protocol.RETRY_WAIT``), and an ``ErrorServerBusy`` inside the response messages loses its
``BackOffMilliseconds`` (exchangelib reads that value only from SOAP faults). :class:`HintingFailFast` is a
``FailFast`` (exchangelib's documented ``Configuration(retry_policy=...)`` extension point) that raises
errors carrying the hint, so the adapter's :class:`~syncore_exchange._throttle.Throttle` waits exactly as long as
the server asked:

- HTTP 429 and the HTTP 5xx answers that are not SOAP faults raise :class:`HttpStatusError` with the status
  and the ``Retry-After`` seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date);
- an HTTP 200 whose every response message is ``ErrorServerBusy`` raises ``ErrorServerBusy`` with the
  messages' ``BackOffMilliseconds``. (A reply where only some messages are busy is left to the per-item
  handling: the other items were processed.)

https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

from exchangelib import FailFast
from exchangelib.errors import ErrorServerBusy, TransportError
from exchangelib.util import is_xml
from lxml import etree

_MNS = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
_TNS = "{http://schemas.microsoft.com/exchange/services/2006/types}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class HttpStatusError(TransportError):
    """An HTTP error status without a SOAP answer: ``status`` and the ``retry_after`` seconds asked for."""

    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"HTTP {status}" + (f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""))
        self.status = status
        self.retry_after = retry_after


class BusyMessages(ErrorServerBusy):
    """Every response message was ErrorServerBusy; ``server_hint`` is their BackOffMilliseconds in seconds, or
    None when they gave none (exchangelib then fills ``back_off`` with its own default)."""

    def __init__(self, server_hint: float | None):
        super().__init__("The server is busy (every response message)", back_off=server_hint)
        self.server_hint = server_hint


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delay-seconds or an HTTP-date (None when absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def message_back_off(content: bytes) -> tuple[bool, float | None]:
    """(every response message is ErrorServerBusy, their largest BackOffMilliseconds in seconds)."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        return False, None
    codes = [e.text for e in root.iter(f"{_MNS}ResponseCode")]
    if not codes or any(code != "ErrorServerBusy" for code in codes):
        return False, None
    waits = [
        int(value.text) / 1000.0
        for value in root.iter(f"{_TNS}Value")
        if value.get("Name") == "BackOffMilliseconds" and (value.text or "").strip().isdigit()
    ]
    return True, max(waits) if waits else None


class HintingFailFast(FailFast):
    """``FailFast`` whose errors carry the server's back-off hint (see the module docstring)."""

    def raise_response_errors(self, response) -> None:
        status = response.status_code
        if status == 200:
            if b"ErrorServerBusy" in response.content:
                all_busy, back_off = message_back_off(response.content)
                if all_busy:
                    raise BusyMessages(back_off)
            return
        soap_fault = status == 500 and is_xml(response.content)
        if status == 429 or (status >= 500 and not soap_fault):
            raise HttpStatusError(status, retry_after_seconds(response.headers.get("Retry-After")))
        super().raise_response_errors(response)


def keep_back_off_hints(account: Any) -> None:
    """Give an account that fails fast the hint-keeping policy (its protocol's, shared by the accounts of the
    same endpoint and credentials: the same behaviour, with the hints kept). Any other policy is the
    caller's choice and is left alone."""
    config = account.protocol.config
    if type(config.retry_policy) is FailFast:
        config.retry_policy = HintingFailFast()
