"""Injectable UTC clock with millisecond precision, and Salesforce wire datetime formats."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone

_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def truncate_ms(value: datetime) -> datetime:
    """Drop sub-millisecond precision; Salesforce stores milliseconds."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_datetime(value: datetime) -> str:
    """Render as Salesforce does on the wire: ``2026-11-24T15:00:00.000+0000``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}+0000"


def format_date(value: date) -> str:
    """Render a date as ``YYYY-MM-DD``."""
    return value.isoformat()


def parse_datetime(text: str) -> datetime:
    """Parse the ISO 8601 forms Salesforce accepts in JSON payloads and query parameters.

    A missing offset is read as UTC (Salesforce treats it as GMT). Raises ``ValueError``.
    """
    m = _ISO_RE.match(text.strip())
    if not m:
        raise ValueError(f"not a dateTime: {text!r}")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    offset = UTC
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo=offset)
    return truncate_ms(value.astimezone(UTC))


def parse_date(text: str) -> date:
    """Parse ``YYYY-MM-DD``. Raises ``ValueError``."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(text.strip())


class Clock:
    """The org's notion of "now": it runs in real time, like a real org's clock.

    It starts at *start* (default: the system time) and ticks with the machine's monotonic clock.
    :meth:`set` and :meth:`advance` move it (it keeps running); :meth:`freeze` stops it where a test of one
    specific instant needs that, :meth:`unfreeze` lets it run again. All values are aware UTC datetimes
    truncated to milliseconds.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._anchor = truncate_ms(datetime.now(UTC))
        self._mono = time.monotonic()
        if start is not None:
            self.set(start)
        if frozen:
            self.freeze()

    def now(self) -> datetime:
        """Current org time (aware UTC, millisecond precision)."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return truncate_ms(self._anchor + timedelta(seconds=time.monotonic() - self._mono))

    def set(self, value: datetime) -> None:
        """Move the clock to *value* (aware); a frozen clock stays frozen there, a running one runs on."""
        if value.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime")
        value = truncate_ms(value.astimezone(UTC))
        with self._lock:
            self._anchor, self._mono = value, time.monotonic()
            if self._frozen is not None:
                self._frozen = value

    def advance(self, delta: timedelta | float = 0.001, /, **kwargs: float) -> datetime:
        """Move the clock forward by *delta* (a timedelta or seconds) or timedelta kwargs; returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if kwargs:
            step = timedelta(**kwargs)
        self.set(self.now() + step)
        return self.now()

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock (at *at*, default: now); returns where it stopped."""
        if at is not None:
            self.set(at)
        with self._lock:
            if self._frozen is None:
                self._frozen = truncate_ms(self._anchor + timedelta(seconds=time.monotonic() - self._mono))
            return self._frozen

    def unfreeze(self) -> None:
        """Let a frozen clock run again from where it stopped."""
        with self._lock:
            if self._frozen is not None:
                self._anchor, self._mono, self._frozen = self._frozen, time.monotonic(), None

    @property
    def frozen(self) -> bool:
        """True while the clock is stopped."""
        return self._frozen is not None
