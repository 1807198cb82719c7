"""Compact snapshots of records: the base kept per pair, and the fingerprint journaled with each create.

Two spellings of one JSON form: :func:`encode_record` names each field (the fingerprint hashes it, so it must
never change), :func:`encode_base` uses the field's short key (:data:`SHORT_KEYS`) where it has one, for the
bases the SQLite store keeps (state bytes per pair are measured). :func:`decode_record` reads both.
"""

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

#: The stored base's key of each field: one character, given once and never changed or given to another field,
#: so that every stored base decodes forever. A field without one (added later) is stored under its name.
SHORT_KEYS: dict[str, str] = {
    "first_name": "a", "last_name": "b", "email": "c", "phone": "d", "mobile_phone": "e", "title": "f",
    "department": "g", "company": "h", "mailing_street": "i", "mailing_city": "j", "mailing_state": "k",
    "mailing_postal_code": "l", "mailing_country": "m", "birthday": "n", "notes": "o", "subject": "p", "start": "q",
    "end": "r", "location": "s", "body": "t", "show_as": "u", "private": "v", "reminder_minutes": "w",
    "attendees": "x", "due": "y", "status": "z", "priority": "A", "completed_at": "B", "reminder_at": "C",
}


def _values(record: Record, short: bool) -> dict[str, Any]:
    data = {}
    for name, unstructure, default in _ENCODERS[record.kind]:
        value = getattr(record, name)
        if unstructure is not None and value is not None:
            value = unstructure(value)
        if value != default:
            data[SHORT_KEYS.get(name, name) if short else name] = value
    return data


def encode_record(record: Record) -> bytes:
    """Compact JSON of a record with default-valued fields left out, each under its field name.

    The same as the converter's form of the record minus the defaults, field by field (every changed pair's
    base is encoded at each sync, so this avoids building the full form first).
    """
    return json.dumps(_values(record, False), separators=(",", ":"), ensure_ascii=False).encode()


def encode_base(record: Record) -> bytes:
    """:func:`encode_record` with the fields' short keys: the base a pair keeps (~70 bytes fewer a contact)."""
    return json.dumps(_values(record, True), separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(record: Record) -> str:
    """A stable hash of a record's content (journaled with creates, to recognise the copy after a crash)."""
    return hashlib.sha256(encode_record(record)).hexdigest()[:32]


_Decoder = tuple[str, str, Callable[[Any], Any] | None, Callable[[], Any]]


def _field_decoders(record_type: type[Record]) -> tuple[_Decoder, ...]:
    """Per field: its name, its short key, how to structure a stored value (None: text, kept as is), and its
    default."""
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
        decoders.append((field.name, SHORT_KEYS.get(field.name, field.name), structure, default))
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
_ABSENT = object()


def decode_record(kind: Kind, blob: bytes) -> Record:
    """The inverse of :func:`encode_record` and of :func:`encode_base`.

    A snapshot was a valid record when it was encoded, so the record is rebuilt field by field without running
    the records' converters and validation again (every changed pair's base is decoded at each sync).
    """
    data = json.loads(blob)
    record = object.__new__(kind.record_type)
    for name, short, structure, make_default in _DECODERS[kind]:
        stored = data.get(short, _ABSENT)
        if stored is _ABSENT:
            stored = data.get(name, _ABSENT)
        if stored is _ABSENT:
            value = make_default()
        else:
            value = stored if structure is None else structure(stored)
        object.__setattr__(record, name, value)
    return record
