"""cattrs converter for Salesforce's REST wire conventions.

:func:`make_converter` returns a fresh converter (never a shared global) with these conventions:

* datetimes are ``2026-11-24T15:00:00.000+0000``: UTC, milliseconds, an offset without a colon; any ISO 8601
  offset form (``Z``, ``+01:00``, ``+0100``) is accepted on the way in, and the result is aware UTC
* dates are ``YYYY-MM-DD`` and never shifted by a zone (Salesforce keeps them at midnight UTC)
* ids (:class:`SalesforceId`) are structured to the canonical 18-character form; a 15-character id is
  case-sensitive and gets its checksum suffix, an 18-character one is re-cased from its suffix
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import cattrs

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ID = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


class SalesforceId(str):
    """A record id; structure one through :func:`make_converter` to get the 18-character form."""


def to18(value: str) -> str:
    """The canonical 18-character form of a 15- or 18-character id (``ValueError`` otherwise).

    Compare ids only in this form: 15-character ids are case-sensitive (reference §1.7).
    """
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(f"not a Salesforce id: {value!r}")
    if len(value) == 18:
        # The suffix encodes which of the first 15 characters are upper case.
        suffix = value[15:].upper()
        chars = list(value[:15])
        for chunk, code in enumerate(suffix):
            bits = _CHECKSUM_ALPHABET.index(code) if code in _CHECKSUM_ALPHABET else 0
            for i in range(5):
                ch = chars[chunk * 5 + i]
                chars[chunk * 5 + i] = ch.upper() if bits & (1 << i) else (ch.lower() if ch.isalpha() else ch)
        return "".join(chars) + suffix
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(value[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return value + suffix


def is_record_id(value: object, prefix: str) -> bool:
    """Whether ``value`` is a 15- or 18-character id of the object whose key prefix is ``prefix``.

    An 18-character id must be as the API returns it: its 3-character suffix matches the case of the first 15
    characters (a mangled or re-cased id is refused, not guessed at).
    """
    if not isinstance(value, str) or not _ID.match(value) or not value.startswith(prefix):
        return False
    return len(value) == 15 or to18(value[:15]) == value


def format_datetime(value: datetime) -> str:
    """``value`` (aware) as Salesforce writes it: ``2026-11-24T15:00:00.000+0000``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: Salesforce datetimes must be aware")
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str | datetime) -> datetime:
    """An aware UTC datetime from Salesforce's wire form (or any ISO 8601 offset form)."""
    if isinstance(text, datetime):
        if text.tzinfo is None:
            raise ValueError(f"naive datetime {text.isoformat()}")
        return text.astimezone(UTC)
    match = _DATETIME.match(text.strip())
    if not match:
        raise ValueError(f"not a Salesforce dateTime: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    zone = UTC
    if offset and offset != "Z":
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        zone = timezone(-delta if offset[0] == "-" else delta)
    value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=zone)
    return value.astimezone(UTC)


def parse_date(text: str | date) -> date:
    """A date from ``YYYY-MM-DD`` (a datetime's date part is not accepted: no zone may shift a date)."""
    if isinstance(text, datetime):
        raise TypeError(f"expected a date, got a datetime {text!r}")
    if isinstance(text, date):
        return text
    return date.fromisoformat(text.strip())


def make_converter() -> cattrs.Converter:
    """A new converter for Salesforce's wire values (see the module docstring)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, format_datetime)
    converter.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: parse_date(value))
    converter.register_unstructure_hook(SalesforceId, str)
    converter.register_structure_hook(SalesforceId, lambda value, _: SalesforceId(to18(value)))
    return converter
