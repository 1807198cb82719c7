"""cattrs converters: records to JSON-safe dicts and back, for state snapshots and plan files.

:func:`make_converter` returns a fresh converter (never a shared global) with these conventions:

* datetimes are ISO 8601 strings in UTC with a ``Z`` suffix and full microsecond precision
* dates are ``YYYY-MM-DD``; an event's ``start``/``end`` is a date when the string has no ``T``
* enums are their plain values; tuples are lists
* a :class:`~syncore.models.Body` is ``{"text": ...}`` plus ``html``/``rtf`` only when present
* records carry no kind tag themselves; :func:`unstructure_tagged` / :func:`structure_tagged` add one
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import cattrs

from .models import Body, Kind, Record
from .timezones import UTC, to_utc


def datetime_to_str(value: datetime) -> str:
    """A datetime as the converters write it: ISO 8601 in UTC, microseconds, ``Z``."""
    # Fixed width (always microseconds) so that stored timestamps also sort correctly as text.
    return to_utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _str_to_datetime(value: str, _: Any = None) -> datetime:
    parsed = datetime.fromisoformat(value)
    return to_utc(parsed) if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # our own files always say Z


def _day_or_instant_from_str(value: Any, _: Any = None) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    return _str_to_datetime(value) if "T" in value else date.fromisoformat(value)


def _unstructure_body(body: Body) -> dict[str, str]:
    data = {"text": body.text}
    if body.html is not None:
        data["html"] = body.html
    if body.rtf is not None:
        data["rtf"] = body.rtf
    return data


def _structure_body(data: Any, _: Any = None) -> Body:
    if isinstance(data, str):
        return Body(text=data)
    return Body(text=data.get("text", ""), html=data.get("html"), rtf=data.get("rtf"))


def make_converter() -> cattrs.Converter:
    """A new converter configured for syncore's JSON-safe form (see the module docstring)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, datetime_to_str)
    converter.register_structure_hook(datetime, _str_to_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    converter.register_structure_hook(date | datetime, _day_or_instant_from_str)
    converter.register_unstructure_hook(Body, _unstructure_body)
    converter.register_structure_hook(Body, _structure_body)
    converter.register_unstructure_hook(tuple, list)
    converter.register_unstructure_hook_func(lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum),
                                             lambda member: member.value)
    return converter


_default = make_converter()


def unstructure_record(record: Record, converter: cattrs.Converter | None = None) -> dict[str, Any]:
    """``record`` as a JSON-safe dict without a kind tag."""
    return (converter or _default).unstructure(record)


def structure_record(kind: Kind, data: dict[str, Any], converter: cattrs.Converter | None = None) -> Record:
    """Build a record of ``kind`` from its JSON-safe dict."""
    return (converter or _default).structure(data, kind.record_type)


def unstructure_tagged(record: Record, converter: cattrs.Converter | None = None) -> dict[str, Any]:
    """``record`` as ``{"kind": ..., "fields": {...}}``."""
    return {"kind": record.kind.value, "fields": unstructure_record(record, converter)}


def structure_tagged(data: dict[str, Any], converter: cattrs.Converter | None = None) -> Record:
    """The inverse of :func:`unstructure_tagged`."""
    return structure_record(Kind(data["kind"]), data["fields"], converter)
