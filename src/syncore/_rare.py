"""Attributes that most instances of a class leave at their default, kept together in one slot.

An initial load of 100k records plans one :class:`~syncore.plan.Operation` and one
:class:`~syncore.plan.PairPlan` per record, and holds them through the whole apply (issue 18, T6: the apply's
peak). Every slot is 8 bytes in every instance, and pymalloc hands out objects in steps of 16 bytes, so each
attribute that only some writes have (an update's previous base, a delete's held record, an occurrence's label,
a pair's conflicts and tombstones) cost about 0.8 MB at 100k records while staying at its default in nearly all
of them. :func:`with_rare` keeps such attributes in one frozen *holder* (an attrs class whose fields are those
attributes, with their defaults) in the instance's ``_rare`` slot, made only for an instance that sets one of
them; ``_rare`` is None exactly when all of them are at their defaults, so equality is unchanged.

To its users the class looks as before: the constructor takes the attributes as keywords, reading one is
an attribute read, setting one (an attrs class's mutable attribute) replaces the holder (never changed in place:
``attrs.evolve`` copies share it), and :func:`unstructure_hook` / :func:`structure_hook` keep the JSON form
flat (each attribute under its own name, missing ones at their default).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

T = TypeVar("T")


class _RareAttribute:
    """One attribute kept in the holder: read from it, or its default when the instance has none."""

    def __init__(self, name: str, default: Any) -> None:
        self.name = name
        self.default = default

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        holder = instance._rare
        return self.default if holder is None else getattr(holder, self.name)

    def __set__(self, instance: Any, value: Any) -> None:
        holder = instance._rare
        if holder is None:
            if value is self.default or value == self.default:
                return  # (still all defaults: no holder made)
            holder = type(instance).__rare__()
        holder = attrs.evolve(holder, **{self.name: value})
        instance._rare = None if holder == type(instance).__rare__() else holder


class _Unset:
    """The default of a rare attribute's keyword: not given (so that ``attrs.evolve`` keeps what the copied
    instance holds, while any value given, its default included, replaces it)."""

    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def _set_given(instance: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if value is not _UNSET:
            setattr(instance, name, value)


def with_rare(holder: type) -> Callable[[type[T]], type[T]]:
    """Class decorator for an attrs class declared with ``init=False`` and a ``_rare: holder | None`` field
    (default None, alias ``rare``): adds one attribute per field of ``holder`` and a constructor taking them.

    The constructor is generated as attrs generates its own (one assignment per slot: it runs once per record of
    an initial load, and a generic one taking ``**kwargs`` cost about 3 times attrs' own). So the class's fields may
    have plain defaults only: no validator, converter or factory.
    """

    def decorate(cls: type[T]) -> type[T]:
        own = attrs.fields(cls)
        rare = attrs.fields(holder)
        unsupported = [field.name for field in own if field.validator is not None or field.converter is not None
                       or isinstance(field.default, attrs.Factory) or not field.init]  # type: ignore[arg-type]
        if unsupported:
            raise TypeError(f"{cls.__name__}: with_rare supports plain fields only, not {', '.join(unsupported)}")
        if "_rare" not in attrs.fields_dict(cls):
            raise TypeError(f"{cls.__name__}: with_rare needs a field _rare (default None, alias rare)")
        namespace: dict[str, Any] = {"_UNSET": _UNSET, "_set_given": _set_given}
        params = []
        for field in own:
            if field.default is attrs.NOTHING:
                params.append(field.alias)
            else:
                namespace[f"_default_{field.name}"] = field.default
                params.append(f"{field.alias}=_default_{field.name}")
        params += [f"{field.name}=_UNSET" for field in rare]
        namespace.update({f"_rare_default_{field.name}": field.default for field in rare})
        given = ", ".join(f"{field.name!r}: {field.name}" for field in rare)
        source = "\n    ".join([
            f"def __init__(self, *, {', '.join(params)}):",
            *(f"self.{field.name} = {field.alias}" for field in own),
            # (the common case, cheaply: no holder given, and each rare keyword left out or given as its default)
            "if self._rare is None:",
            *(f"    if {field.name} is not _UNSET and {field.name} is not _rare_default_{field.name}: "
              f"self.{field.name} = {field.name}" for field in rare),
            "else:",
            f"    _set_given(self, {{{given}}})",
        ])
        exec(source, namespace)  # noqa: S102 - code made from the attrs fields above, as attrs makes its own
        init = namespace["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__signature__ = inspect.Signature([  # (the rare attributes with their real defaults, for help())
            *inspect.signature(init).parameters.values()][: 1 + len(own)] + [
            inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=field.default) for field in rare])
        cls.__init__ = init  # type: ignore[misc]
        cls.__rare__ = holder  # type: ignore[attr-defined]
        for field in rare:
            setattr(cls, field.name, _RareAttribute(field.name, field.default))
        return cls

    return decorate


def unstructure_hook(conv: cattrs.Converter, cls: type, **overrides: Any) -> Callable[[Any], dict[str, Any]]:
    """cattrs' dict form of ``cls`` (see :func:`cattrs.gen.make_dict_unstructure_fn`) with the rare attributes
    written under their own names, as plain attributes are."""
    generated = make_dict_unstructure_fn(cls, conv, _rare=override(omit=True), **overrides)
    fields = attrs.fields(attrs.resolve_types(cls.__rare__))  # type: ignore[attr-defined]

    def unstructure(instance: Any) -> dict[str, Any]:
        data = generated(instance)
        for field in fields:
            data[field.name] = conv.unstructure(getattr(instance, field.name), field.type)
        return data

    return unstructure


def structure_hook(conv: cattrs.Converter, cls: type, **overrides: Any) -> Callable[[dict[str, Any], Any], Any]:
    """The reverse of :func:`unstructure_hook`: a rare attribute missing from the data keeps its default."""
    generated = make_dict_structure_fn(cls, conv, _rare=override(omit=True), **overrides)
    fields = attrs.fields(attrs.resolve_types(cls.__rare__))  # type: ignore[attr-defined]

    def structure(data: dict[str, Any], _: Any) -> Any:
        data = dict(data)
        rare = {field.name: conv.structure(data.pop(field.name), field.type) for field in fields
                if field.name in data}
        instance = generated(data, cls)
        for name, value in rare.items():
            setattr(instance, name, value)
        return instance

    return structure
