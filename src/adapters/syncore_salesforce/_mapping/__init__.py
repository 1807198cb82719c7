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

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from syncore.converters import make_converter as _records_converter
from syncore.converters import unstructure_record
from syncore.models import Body, Kind, Record
from syncore.remote import RemoteRecord, Unsupported

from .._describe import ObjectInfo, TaskStatusInfo
from ..converter import make_converter

CONVERTER = make_converter()
#: syncore's own record form, hashed into versions (kept apart from the wire converter so versions stay stable)
_RECORDS = _records_converter()


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


def content_version(record: Record) -> str:
    """The version of a record as Salesforce stores it: a hash of its mapped content.

    ``SystemModstamp`` is not used: sObject Collections do not return it after a write, so a write's outcome
    could not carry the new version without one more call per batch, and the echo of every write would look
    like an edit made in Salesforce. A content hash is known right after the write, changes whenever a synced
    field changes, and stays put when automation touches fields syncore does not sync.
    """
    data = unstructure_record(record, _RECORDS)
    # Bodies compare by normalized plain text (syncore.models.Body), so they hash that way too.
    data.update({name: value.normalized for name, value in record.values().items() if isinstance(value, Body)})
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return "c" + digest[:24]


def remote(row: dict[str, Any], record: Record) -> RemoteRecord:
    """A RemoteRecord with id, version, modified time and (when selected) the link field."""
    modified = row.get("LastModifiedDate") or row.get("SystemModstamp")
    return RemoteRecord(
        id=row["Id"], version=content_version(record), record=record, link=row.get("_link"),
        modified_at=_instant(modified),
    )


def _instant(value: Any) -> datetime | None:
    return CONVERTER.structure(value, datetime) if value else None
