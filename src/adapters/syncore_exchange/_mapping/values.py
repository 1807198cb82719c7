"""Neutral values shared by the mapping modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from syncore.bodies import html_to_text
from syncore.models import Body


@attrs.frozen
class BodyValue:
    """A body to write: HTML when ``html`` is set (EWS ``BodyType="HTML"``), otherwise plain text."""

    text: str
    html: str | None = None


def body_from_item(body: Any, text_body: Any) -> Body:
    """syncore :class:`Body` from an EWS ``Body``/``HTMLBody`` (a ``str`` subclass) and ``TextBody``.

    ``HTMLBody`` means the storage is formatted. Its plain text is rendered by :mod:`syncore.bodies`, the
    same rendering every other side's HTML gets: Exchange's ``TextBody`` puts blank lines differently, and
    two renderings of one body must never look like an edit. ``TextBody`` (Exchange 2013+) is the fallback
    when the HTML yields no text of its own.
    """
    if body is None:
        return Body()
    if type(body).__name__ == "HTMLBody" or getattr(body, "body_type", None) == "HTML":
        return Body(text=html_to_text(str(body)) or (str(text_body) if text_body else ""), html=str(body))
    return Body(text=str(body))


def body_value(body: Body) -> BodyValue:
    """What to write for a syncore body: its HTML source when it has one, else its text."""
    return BodyValue(text=body.text, html=body.html)


def plain_utc(value: datetime) -> datetime:
    """An aware datetime (e.g. exchangelib's ``EWSDateTime``) as a plain ``datetime`` in UTC."""
    offset = value.utcoffset() or timedelta(0)
    naive = datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                     value.microsecond) - offset
    return naive.replace(tzinfo=UTC)


def plain_date(value: Any) -> date | None:
    """A ``date`` (exchangelib's ``EWSDate`` or a date-backed datetime) as a plain ``date``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return date(value.year, value.month, value.day)


def text(value: Any) -> str:
    """EWS strings are None when absent; syncore uses ''."""
    return "" if value is None else str(value)
