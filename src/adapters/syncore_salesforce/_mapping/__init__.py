"""Record mappings: one module per sObject (``events``, ``tasks``, ``contacts``).

Each mapping module provides a :class:`Mapping` with

* ``select``: the fields read by every query and retrieve;
* ``from_sf(row)``: a wire row to a :class:`~syncore.remote.RemoteRecord`, or an
  :class:`~syncore.remote.Unsupported` for rows syncore cannot map (child events, series, >14-day events);
* ``to_sf(record, fields, ctx)``: the payload that writes ``fields`` of ``record`` (all fields for a create),
  plus warnings about what Salesforce cannot keep; :class:`~syncore.errors.UnsupportedRecord` or
  :class:`~syncore.errors.RecordRejected` for a record that cannot be written;
* ``represent(record)``: the record as Salesforce would store it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from syncore.models import Body, Kind, Record
from syncore.remote import RemoteRecord, Unsupported

from .._describe import ObjectInfo, TaskStatusInfo
from ..converter import make_converter

CONVERTER = make_converter()


@attrs.frozen(kw_only=True)
class WriteContext:
    """What a mapping may consult while building a payload: the describe and (for tasks) the statuses."""

    info: ObjectInfo
    task_statuses: Callable[[], TaskStatusInfo] | None = None


@attrs.frozen(kw_only=True)
class Payload:
    """The fields to send for one record, and what was lost on the way."""

    fields: dict[str, Any]
    warnings: tuple[str, ...] = ()


@attrs.define
class Mapping:
    """How one :class:`~syncore.models.Kind` maps to one sObject."""

    kind: Kind
    sobject: str
    select: tuple[str, ...]
    from_sf: Callable[[dict[str, Any]], RemoteRecord | Unsupported]
    to_sf: Callable[[Record, frozenset[str] | None, WriteContext], Payload]
    represent: Callable[[Record], Record]


def text(row: dict[str, Any], name: str) -> str:
    """A text field ('' for null)."""
    value = row.get(name)
    return "" if value is None else str(value)


def body(row: dict[str, Any], name: str = "Description") -> Body:
    """A plain-text body from a textarea."""
    return Body(text=text(row, name))


def version_of(row: dict[str, Any]) -> str | None:
    """The version of a row: its SystemModstamp as sent (changes on every save, by users or automation)."""
    return row.get("SystemModstamp")


def remote(row: dict[str, Any], record: Record) -> RemoteRecord:
    """A RemoteRecord with id, version, modified time and (when selected) the link field."""
    modified = row.get("LastModifiedDate") or row.get("SystemModstamp")
    return RemoteRecord(
        id=row["Id"], version=version_of(row), record=record, link=row.get("_link"),
        modified_at=_instant(modified),
    )


def _instant(value: Any) -> datetime | None:
    return CONVERTER.structure(value, datetime) if value else None
