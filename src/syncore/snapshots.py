"""Compact snapshots of records: the base kept per pair, and the fingerprint journaled with each create."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from ._converters import make_converter
from .models import Kind, Record

_converter = make_converter()


def _defaults(record_type: type[Record]) -> dict[str, Any]:
    defaults = {}
    for field in attrs.fields(record_type):
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            defaults[field.name] = _converter.unstructure(field.default.factory())
        elif field.default is not attrs.NOTHING and field.default is not None:
            defaults[field.name] = _converter.unstructure(field.default)
        else:
            defaults[field.name] = None
    return defaults


_DEFAULTS = {kind: _defaults(kind.record_type) for kind in Kind}


def encode_record(record: Record) -> bytes:
    """Compact JSON of a record with default-valued fields left out (state bytes per pair are measured)."""
    defaults = _DEFAULTS[record.kind]
    data = {k: v for k, v in _converter.unstructure(record).items() if v != defaults[k]}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(record: Record) -> str:
    """A stable hash of a record's content (journaled with creates, to recognise the copy after a crash)."""
    return hashlib.sha256(encode_record(record)).hexdigest()[:32]


def decode_record(kind: Kind, blob: bytes) -> Record:
    """The inverse of :func:`encode_record`."""
    data = dict(_DEFAULTS[kind])
    data.update(json.loads(blob))
    return _converter.structure(data, kind.record_type)
