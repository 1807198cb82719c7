"""XML namespaces and tiny lxml helpers shared by the emulator modules."""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

SOAPNS = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENS = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAPNS, "m": MNS, "t": TNS}

_PREFIX = {"s": SOAPNS, "m": MNS, "t": TNS, "e": ENS}
_DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def qn(name: str) -> str:
    """Turn ``"t:Subject"`` into the Clark notation ``"{types-ns}Subject"``."""
    prefix, _, local = name.partition(":")
    return f"{{{_PREFIX[prefix]}}}{local}"


def local(tag: str) -> str:
    """Strip the namespace from a Clark-notation tag."""
    return tag.rsplit("}", 1)[-1]


def el(name: str, text: str | None = None, attrs: dict[str, str] | None = None, nsmap=None) -> etree._Element:
    """Create an element from a prefixed name, with optional text and attributes."""
    e = etree.Element(qn(name), nsmap=nsmap)
    if attrs:
        for k, v in attrs.items():
            e.set(k, v)
    if text is not None:
        e.text = text
    return e


def sub(parent: etree._Element, name: str, text: str | None = None, attrs: dict[str, str] | None = None):
    """Append a new child element to ``parent`` and return it."""
    child = el(name, text, attrs)
    parent.append(child)
    return child


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    """Find a direct child by prefixed name (None-safe)."""
    if parent is None:
        return None
    return parent.find(qn(name))


def child_text(parent: etree._Element | None, name: str) -> str | None:
    """Text of a direct child, or None."""
    c = child(parent, name)
    return None if c is None else c.text


def bool_text(value: bool) -> str:
    """EWS responses spell booleans ``true``/``false``; exchangelib cannot parse ``1``/``0``."""
    return "true" if value else "false"


def parse_bool(text: str | None) -> bool | None:
    """Accept every xs:boolean spelling that a client may send."""
    if text is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(text.strip().lower())


def utc_text(value: dt.datetime) -> str:
    """Format an aware datetime as UTC with a ``Z`` suffix, as Exchange does."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_datetime_text(text: str | None) -> str | None:
    """Rewrite an xs:dateTime with any offset to UTC ``Z``; leave anything else untouched."""
    if not text or not _DATETIME_RE.match(text.strip()):
        return text
    return utc_text(parse_datetime(text))


def parse_datetime(text: str) -> dt.datetime:
    """Parse an xs:dateTime; naive values are taken as UTC."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def now_utc() -> dt.datetime:
    """Current time, truncated to seconds (EWS has no sub-second precision on these fields)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
