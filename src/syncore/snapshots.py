"""Compact snapshots of records: the base kept per pair, and the fingerprint journaled with each create."""

from __future__ import annotations

import functools
import hashlib
import json
import typing
from collections.abc import Callable
from typing import Any

import attrs

from .converters import make_converter
from .models import Body, Kind, Record

_converter = make_converter()


def _defaults(record_type: type[Record]) -> dict[str, Any]:
    """Each field's default in its JSON form (None where there is none)."""
    defaults = {}
    for field in attrs.fields(record_type):
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            defaults[field.name] = _converter.unstructure(field.default.factory())
        elif field.default is not attrs.NOTHING and field.default is not None:
            defaults[field.name] = _converter.unstructure(field.default)
        else:
            defaults[field.name] = None
    return defaults


def _field_encoders(record_type: type[Record]) -> tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]:
    """Per field: its name, its unstructure hook (None: text, written as is), and its default's JSON form."""
    hints = typing.get_type_hints(record_type)
    defaults = _defaults(record_type)
    return tuple((field.name, None if hints[field.name] is str else _converter.get_unstructure_hook(hints[field.name]),
                  defaults[field.name]) for field in attrs.fields(record_type))


_ENCODERS = {kind: _field_encoders(kind.record_type) for kind in Kind}


def encode_record(record: Record) -> bytes:
    """Compact JSON of a record with default-valued fields left out (state bytes per pair are measured).

    The same as the converter's form of the record minus the defaults, field by field (every changed pair's
    base is encoded at each sync, so this avoids building the full form first).
    """
    data = {}
    for name, unstructure, default in _ENCODERS[record.kind]:
        value = getattr(record, name)
        if unstructure is not None and value is not None:
            value = unstructure(value)
        if value != default:
            data[name] = value
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(record: Record) -> str:
    """A stable hash of a record's content (journaled with creates, to recognise the copy after a crash)."""
    return hashlib.sha256(encode_record(record)).hexdigest()[:32]


_Decoder = tuple[str, Callable[[Any], Any] | None, Callable[[], Any]]


def _field_decoders(record_type: type[Record]) -> tuple[_Decoder, ...]:
    """Per field: its name, how to structure a stored value (None: text, kept as is), and its default."""
    hints = typing.get_type_hints(record_type)
    decoders = []
    for field in attrs.fields(record_type):
        hint = hints[field.name]
        if hint is str:
            structure = None
        elif hint is Body:
            structure = _stored_body
        else:
            structure = functools.partial(_structure, _converter.get_structure_hook(hint), hint)
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            default = field.default.factory
        else:
            default = functools.partial(_constant, field.default)
        decoders.append((field.name, structure, default))
    return tuple(decoders)


def _stored_body(value: Any) -> Body:
    """A stored body (``{"text": …, "html"?: …, "rtf"?: …}``, see the converters), built without its converter."""
    if isinstance(value, str):
        value = {"text": value}
    body = object.__new__(Body)
    for name in ("text", "html", "rtf"):
        object.__setattr__(body, name, value.get(name, "" if name == "text" else None))
    object.__setattr__(body, "_normalized", None)
    return body


def _structure(hook: Callable[[Any, Any], Any], hint: Any, value: Any) -> Any:
    return None if value is None else hook(value, hint)


def _constant(value: Any) -> Any:
    return value


_DECODERS = {kind: _field_decoders(kind.record_type) for kind in Kind}


def decode_record(kind: Kind, blob: bytes) -> Record:
    """The inverse of :func:`encode_record`.

    A snapshot was a valid record when it was encoded, so the record is rebuilt field by field without running
    the records' converters and validation again (every changed pair's base is decoded at each sync).
    """
    data = json.loads(blob)
    record = object.__new__(kind.record_type)
    for name, structure, make_default in _DECODERS[kind]:
        if name in data:
            value = data[name] if structure is None else structure(data[name])
        else:
            value = make_default()
        object.__setattr__(record, name, value)
    return record
