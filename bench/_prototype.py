"""Prototypes of the core fixes this issue's profiling suggests, applied by monkeypatching (src/ is untouched).

``python -m bench.run --prototype all`` (or a comma-separated list of names below) measures with them, so the
report can show before/after numbers from the same code base. Each patch is small and mirrors the change
proposed for the source; see bench/README.md "Profiling findings".
"""

from __future__ import annotations

import inspect
import os
import textwrap
import time
from collections.abc import Callable
from typing import Any

import attrs

PATCHES: dict[str, Callable[[], str]] = {}
_ORIGINALS: list[tuple[Any, str, Any]] = []


def _set(owner: Any, name: str, value: Any) -> None:
    """Replace ``owner.name``, remembering the original for :func:`undo`."""
    _ORIGINALS.append((owner, name, owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)))
    setattr(owner, name, value)


def undo() -> None:
    """Restore everything the applied patches replaced (newest first)."""
    while _ORIGINALS:
        owner, name, value = _ORIGINALS.pop()
        setattr(owner, name, value)
    _APPLIED.clear()


def patch(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(fn: Callable[[], str]) -> Callable[[], str]:
        PATCHES[name] = fn
        return fn

    return register


@patch("field_names")
def _field_names() -> str:
    """models.py Record.field_names: cache the tuple per class instead of calling attrs.fields() every time."""
    from syncore import models

    cache: dict[type, tuple[str, ...]] = {}

    def field_names(cls: type) -> tuple[str, ...]:
        try:
            return cache[cls]
        except KeyError:
            names = cache[cls] = tuple(f.name for f in attrs.fields(cls))
            return names

    _set(models.Record, "field_names", classmethod(field_names))
    return "Record.field_names cached per class"


@patch("replace")
def _replace() -> str:
    """models.py Record.replace: convert only the changed fields, copy the others (attrs.evolve re-runs every
    field's converter); validation (per-field collect + cross-field) still runs on the result."""
    from syncore import models

    fields_of: dict[type, tuple[Any, ...]] = {}
    setter = object.__setattr__

    def replace(self: Any, **changes: Any) -> Any:
        if not changes:
            return self
        cls = type(self)
        fields = fields_of.get(cls)
        if fields is None:
            fields = fields_of[cls] = attrs.fields(cls)
        unknown = set(changes) - {f.name for f in fields}
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
        new = object.__new__(cls)
        for f in fields:
            if f.name in changes:
                value = changes[f.name]
                setter(new, f.name, f.converter(value) if f.converter is not None else value)
            else:
                setter(new, f.name, getattr(self, f.name))
        models._validate(new)
        return new

    _set(models.Record, "replace", replace)
    return "Record.replace converts only changed fields"


@patch("save_pair")
def _save_pair() -> str:
    """state/sqlite.py save_pair: drop the two DELETE statements before INSERT OR REPLACE. The unique indexes
    pairs_pim / pairs_crm already make REPLACE delete a row holding the same native id under another pair."""
    import json

    from syncore.state import sqlite

    def save_pair(self: Any, pair: Any) -> None:
        body = None
        if pair.pim_body is not None:
            body = json.dumps(sqlite._converter.unstructure(pair.pim_body), separators=(",", ":")).encode()
        self._run(
            f"INSERT OR REPLACE INTO pairs ({self._PAIR_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [pair.profile, pair.kind.value, pair.pair_id, pair.pim_id, pair.crm_id, pair.pim_version,
             pair.crm_version, sqlite.encode_record(pair.base), body, ",".join(sorted(pair.conflicts)) or None],
        )

    _set(sqlite.SqliteStateStore, "save_pair", save_pair)
    return "save_pair: one INSERT OR REPLACE (unique indexes evict a moved native id)"


@patch("create_changes")
def _create_changes() -> str:
    """planner.py _plan_create: list only the fields a new record actually sets (not 15 FieldChange objects
    per create, most of them empty)."""
    from syncore import planner

    source = textwrap.dedent(inspect.getsource(planner.Planner._plan_create))
    old = "for f, v in item.record.values().items())"
    if old not in source:
        return "create_changes: NOT APPLIED (source changed)"
    source = source.replace(old, "for f, v in item.record.values().items() if not _is_empty(v))")
    from syncore.merge import _is_empty

    namespace = vars(planner)  # the live module globals, so later patches (e.g. "ids") are seen
    namespace.setdefault("_is_empty", _is_empty)
    original = namespace["Planner"].__dict__["_plan_create"]
    exec(compile(source, planner.__file__, "exec"), namespace)  # noqa: S102 - prototype of a one-line change
    planner.Planner._plan_create = original  # so _set records the original
    _set(planner.Planner, "_plan_create", namespace.pop("_plan_create"))
    return "_plan_create: FieldChange only for non-empty fields"


@patch("create_changes_lazy")
def _create_changes_lazy() -> str:
    """planner.py _plan_create: no FieldChange tuple at all for a create (``op.record`` holds every value; the
    review screen and plan JSON would derive the lines from it). Use instead of ``create_changes``."""
    from syncore import planner

    source = textwrap.dedent(inspect.getsource(planner.Planner._plan_create))
    line = "changes=tuple(FieldChange(field=f, old=None, new=v) for f, v in item.record.values().items()),"
    if line not in source:
        return "create_changes_lazy: NOT APPLIED (source changed)"
    source = source.replace(line, "changes=(),")
    namespace = vars(planner)
    original = namespace["Planner"].__dict__["_plan_create"]
    exec(compile(source, planner.__file__, "exec"), namespace)  # noqa: S102
    planner.Planner._plan_create = original
    _set(planner.Planner, "_plan_create", namespace.pop("_plan_create"))
    return "_plan_create: no FieldChange tuple for creates (derived from op.record when shown)"


@patch("ids")
def _ids() -> str:
    """planner.py _new_id: time-ordered ids (a 12-hex-digit microsecond counter, unique per process, plus 4
    random bytes: 20 chars) instead of uuid4 hex (32): cheaper, shorter, and appended in key order so the
    pairs B-tree pages fill up. The first 12 characters stay unique (op ids are ``_new_id()[:12]``)."""
    import itertools

    from syncore import planner

    counter = itertools.count((time.time_ns() // 1000) & (2**48 - 1))

    def new_id() -> str:
        return f"{next(counter):012x}{os.urandom(4).hex()}"

    _set(planner, "_new_id", new_id)
    return "_new_id: time-ordered 20-char ids"


@patch("compact_base")
def _compact_base() -> str:
    """state/sqlite.py encode_record/decode_record: key the base JSON by field position (\"3\") instead of
    the field name (\"mailing_country\"); needs a schema step that rewrites stored bases."""
    import json

    from syncore import snapshots
    from syncore.models import Kind
    from syncore.state import sqlite

    names = {kind: kind.record_type.field_names() for kind in Kind}
    index = {kind: {name: str(i) for i, name in enumerate(names[kind])} for kind in Kind}

    def encode_record(record: Any) -> bytes:
        defaults = snapshots._DEFAULTS[record.kind]
        keys = index[record.kind]
        data = {keys[k]: v for k, v in snapshots._converter.unstructure(record).items() if v != defaults[k]}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    def decode_record(kind: Any, blob: bytes) -> Any:
        data = dict(snapshots._DEFAULTS[kind])
        fields = names[kind]
        data.update((fields[int(k)], v) for k, v in json.loads(blob).items())
        return snapshots._converter.structure(data, kind.record_type)

    _set(sqlite, "encode_record", encode_record)
    _set(sqlite, "decode_record", decode_record)
    return "base JSON keyed by field position"


@patch("plain_bodies")
def _plain_bodies() -> str:
    """testing/memory.py _plain_bodies: return the record itself when no body has a formatted source (it built
    a new record on every represent() call). The Salesforce mapping's represent already does this."""
    from syncore.models import Body
    from syncore.testing import memory

    def plain_bodies(record: Any) -> Any:
        changes = {name: value.plain() for name, value in record.values().items()
                   if isinstance(value, Body) and (value.html is not None or value.rtf is not None)}
        return record.replace(**changes) if changes else record

    _set(memory, "_plain_bodies", plain_bodies)
    return "MemoryAdapter represent: no copy for plain bodies"


@patch("trusted_decode")
def _trusted_decode() -> str:
    """state/sqlite.py decode_record: bases come from our own store and were validated when written, so build
    the record without re-running every converter and validator (cattrs structure -> Contact(**data))."""
    import json
    import typing

    from syncore import snapshots
    from syncore.models import Kind
    from syncore.state import sqlite

    plans = {}
    for kind in Kind:
        cls = kind.record_type
        hints = typing.get_type_hints(cls)
        fields = []
        for f in attrs.fields(cls):
            if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
                default = (True, f.default.factory)
            else:
                default = (False, f.default)
            fields.append((f.name, hints[f.name], hints[f.name] is str, default))
        plans[kind] = (cls, fields)
    encoded_keys = {kind: None for kind in Kind}
    setter = object.__setattr__
    structure = snapshots._converter.structure

    names = {kind: kind.record_type.field_names() for kind in Kind}

    def decode_record(kind: Any, blob: bytes) -> Any:
        data = json.loads(blob)
        if data and next(iter(data)).isdigit():  # compact_base keys
            data = {names[kind][int(k)]: v for k, v in data.items()}
        cls, fields = plans[kind]
        new = object.__new__(cls)
        for name, hint, is_str, (is_factory, default) in fields:
            if name in data:
                value = data[name]
                if not is_str and value is not None:
                    value = structure(value, hint)
            else:
                value = default() if is_factory else default
            setter(new, name, value)
        return new

    del encoded_keys
    _set(sqlite, "decode_record", decode_record)
    return "decode_record builds stored bases without re-validation"


@patch("body_check")
def _body_check() -> str:
    """planner.py build: compare a CRM item's body with the base only when its version changed (an echo of our
    own write, or any unchanged record, cannot carry a new body); Body equality normalizes text every time."""
    from syncore import planner

    source = textwrap.dedent(inspect.getsource(planner.Planner.build))
    old = "and any(getattr(crm_item.record, f, None) != getattr(pair.base, f, None) for f in BODY_FIELDS)"
    if old not in source:
        return "body_check: NOT APPLIED (source changed)"
    gate = "and (crm_item.version != pair.crm_version or is_forced)\n" + " " * 16
    source = source.replace(old, gate + old)
    namespace = vars(planner)
    original = namespace["Planner"].__dict__["build"]
    exec(compile(source, planner.__file__, "exec"), namespace)  # noqa: S102
    planner.Planner.build = original
    _set(planner.Planner, "build", namespace.pop("build"))
    return "build: body check only for CRM items whose version changed"


_APPLIED: dict[str, str] = {}


def apply(names: str) -> list[str]:
    """Apply the named patches ("all" for every one) once per process; returns what was applied."""
    default = [name for name in PATCHES if name != "create_changes_lazy"]  # alternative to create_changes
    wanted = default if names == "all" else [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in PATCHES]
    if unknown:
        raise SystemExit(f"unknown prototype patch(es) {unknown}; known: {', '.join(PATCHES)}")
    for name in wanted:
        if name not in _APPLIED:
            _APPLIED[name] = PATCHES[name]()
    return [_APPLIED[name] for name in wanted]
