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
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

import attrs

from .converters import make_converter
from .models import Body, Kind, Record, slot_setter

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


# one encoder for every snapshot (json.dumps with arguments builds a new encoder per call)
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

#: per kind: (field name, stored key, unstructure hook, default's JSON form), named and short
_KEYED = {short: {kind: tuple((name, SHORT_KEYS.get(name, name) if short else name, unstructure, default)
                              for name, unstructure, default in encoders) for kind, encoders in _ENCODERS.items()}
          for short in (False, True)}


def _encoder(record_type: type[Record], short: bool) -> Callable[[Record], bytes]:
    """The compact JSON encoder of one record type, as straight-line code (the way attrs writes its methods): per
    field, its value unstructured (text is written as is), left out when it is the default's JSON form, else
    written under its key. The same text as the JSON encoder's of the dict of those values (each value is
    encoded by that same encoder, a text by the function it uses for texts); every changed pair's base is encoded
    at each sync, and a loop over the fields with the encoder building its dict cost twice as much."""
    env: dict[str, Any] = {"_json": _COMPACT.encode, "_text": encode_basestring}
    lines = ["def encode(record):", "    parts = []", "    add = parts.append"]
    for i, (name, key, unstructure, default) in enumerate(_KEYED[short][record_type.kind]):
        env[f"_default{i}"] = default
        lines.append(f"    value = record.{name}")
        if unstructure is None:
            lines += [f"    if value != _default{i}:", f"        add({_COMPACT.encode(key) + ':'!r} + _text(value))"]
        else:
            env[f"_unstructure{i}"] = unstructure
            lines += ["    if value is not None:", f"        value = _unstructure{i}(value)",
                      f"    if value != _default{i}:", f"        add({_COMPACT.encode(key) + ':'!r} + _json(value))"]
    lines.append("    return ('{' + ','.join(parts) + '}').encode()")
    exec(compile("\n".join(lines), f"<syncore encode {record_type.__name__}>", "exec"), env)  # noqa: S102
    return env["encode"]  # type: ignore[no-any-return]


#: per kind, the named and the short-keyed encoder
_ENCODE = {short: {kind: _encoder(kind.record_type, short) for kind in Kind} for short in (False, True)}


def encode_record(record: Record) -> bytes:
    """Compact JSON of a record with default-valued fields left out, each under its field name.

    The same as the converter's form of the record minus the defaults, field by field (every changed pair's
    base is encoded at each sync, so this avoids building the full form first).
    """
    return _ENCODE[False][record.kind](record)


def encode_base(record: Record) -> bytes:
    """:func:`encode_record` with the fields' short keys: the base a pair keeps (~70 bytes fewer a contact)."""
    return _ENCODE[True][record.kind](record)


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


@attrs.frozen
class _DecodePlan:
    """How to rebuild one record type: its field names, each stored key's field and structure hook, and the
    defaults of fields a snapshot leaves out (immutable ones shared, the rest made by their factory)."""

    names: tuple[str, ...]
    #: each field's slot setter, in the order of ``names``
    setters: tuple[Callable[[Any, Any], None], ...]
    by_key: dict[str, tuple[str, Callable[[Any], Any] | None]]
    defaults: dict[str, Any]
    factories: tuple[tuple[str, Callable[[], Any]], ...]


def _decode_plan(record_type: type[Record]) -> _DecodePlan:
    by_key: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
    defaults: dict[str, Any] = {}
    factories = []
    for name, short, structure, make_default in _field_decoders(record_type):
        by_key[name] = by_key[short] = (name, structure)
        value = make_default()
        if value is None or isinstance(value, (str, int, float, tuple, frozenset, Body)):
            defaults[name] = value  # immutable: one instance serves every record (a Body caches its text only)
        else:
            factories.append((name, make_default))
    names = tuple(attrs.fields_dict(record_type))
    return _DecodePlan(names=names, setters=tuple(slot_setter(record_type, name) for name in names), by_key=by_key,
                       defaults=defaults, factories=tuple(factories))


_DECODERS = {kind: _decode_plan(kind.record_type) for kind in Kind}
_JSON = json.JSONDecoder()
_MISSING = object()


def _decoder(record_type: type[Record], short: bool) -> Callable[[dict[str, Any]], Record]:
    """:func:`decode_record`'s work for a snapshot spelled all in one way (``short`` keys, or field names), as
    straight-line code: per field, the stored value (structured unless it is text) or the default, put in its
    slot (the loop over the stored keys, then over the slots, cost half as much again)."""
    plan = _DECODERS[record_type.kind]
    env: dict[str, Any] = {"_new": object.__new__, "_cls": record_type, "_MISSING": _MISSING}
    lines = ["def decode(stored):", "    record = _new(_cls)", "    get = stored.get"]
    for i, (name, key, structure, make_default) in enumerate(_field_decoders(record_type)):
        env[f"_set{i}"] = plan.setters[plan.names.index(name)]
        env[f"_structure{i}"] = structure
        key = key if short else name
        default = f"_default{i}" if name in plan.defaults else f"_default{i}()"
        env[f"_default{i}"] = plan.defaults.get(name, make_default)
        lines += [f"    value = get({key!r}, _MISSING)",
                  f"    _set{i}(record, {default} if value is _MISSING else "
                  + ("value)" if structure is None else f"_structure{i}(value))")]
    lines.append("    return record")
    exec(compile("\n".join(lines), f"<syncore decode {record_type.__name__}>", "exec"), env)  # noqa: S102
    return env["decode"]  # type: ignore[no-any-return]


#: per kind: the keys of each spelling, and its decoder
_DECODE = {kind: tuple((frozenset(SHORT_KEYS.get(name, name) if short else name for name in _DECODERS[kind].names),
                        _decoder(kind.record_type, short)) for short in (True, False)) for kind in Kind}


def decode_record(kind: Kind, blob: bytes) -> Record:
    """The inverse of :func:`encode_record` and of :func:`encode_base`.

    A snapshot was a valid record when it was encoded, so the record is rebuilt field by field without running
    the records' converters and validation again (every changed pair's base is decoded at each sync). A stored
    key no field answers to (a field removed since) is ignored.
    """
    # (raw_decode: a stored snapshot is our own compact JSON, without the whitespace and encoding sniffing
    # json.loads spends a third of its time on)
    stored = _JSON.raw_decode(blob.decode() if isinstance(blob, bytes) else blob)[0]
    for keys, decode in _DECODE[kind]:
        if stored.keys() <= keys:
            return decode(stored)
    # spelled both ways, or with a key no field answers to any more: field by field
    plan = _DECODERS[kind]
    values = dict(plan.defaults)
    for name, make_default in plan.factories:
        values[name] = make_default()
    by_key = plan.by_key
    for key, value in stored.items():
        entry = by_key.get(key)
        if entry is not None:
            name, structure = entry
            values[name] = value if structure is None else structure(value)
    record = object.__new__(kind.record_type)
    for name, put in zip(plan.names, plan.setters, strict=True):
        put(record, values[name])
    return record
