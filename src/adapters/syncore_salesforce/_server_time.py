"""The server's clock, as its responses state it: the ``Date`` header (RFC 9110 §6.6.1).

A change feed anchors its window on the time the server read the rows, never on the local clock: a local clock
ahead of Salesforce's by more than the overlap would otherwise put the next read's start past rows the server
has not even stamped yet. requests' public response hooks record the header (simple-salesforce returns only the
parsed JSON); a re-login keeps the same session, so the hook stays in place (and a response without the header
only makes the feed fall back on its watermark, a wider window).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests


class ServerDates:
    """Records the ``Date`` of every response on a session while :meth:`recording` is active (per thread)."""

    def __init__(self) -> None:
        self._local = threading.local()
        #: the last parseable Date seen on the session, and this machine's monotonic clock when it arrived
        self._last: tuple[datetime, float] | None = None

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        text = response.headers.get("Date")
        dates = getattr(self._local, "dates", None)
        if dates is not None:
            dates.append(text)
        value = first_server_time([text])
        if value is not None:
            self._last = (value, time.monotonic())

    def now(self) -> datetime | None:
        """The server's clock now, as the last response's ``Date`` plus the (monotonic) time since it arrived:
        at most about a second behind the server (the header is rounded down to whole seconds); ``None`` before
        any response was seen."""
        last = self._last
        if last is None:
            return None
        value, arrived = last
        return value + timedelta(seconds=max(0.0, time.monotonic() - arrived))

    def install(self, client: Any) -> None:
        """Hook into the HTTP session of *client* (a ``simple_salesforce.Salesforce``); idempotent, no request."""
        session: requests.Session | None = getattr(client, "session", None)
        if session is None:
            return
        hooks = session.hooks.setdefault("response", [])
        if self._hook not in hooks:
            hooks.append(self._hook)

    @contextmanager
    def recording(self) -> Iterator[list[str | None]]:
        """Collect the ``Date`` headers of the responses received inside the block (this thread), oldest first."""
        self._local.dates = []
        try:
            yield self._local.dates
        finally:
            self._local.dates = None


def first_server_time(dates: list[str | None]) -> datetime | None:
    """The earliest parseable ``Date`` (aware UTC; whole seconds, rounded down by the server) or ``None``."""
    for text in dates:
        if not text:
            continue
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            continue
        if value.tzinfo is not None:
            return value.astimezone(UTC)
    return None
