"""cattrs converters for adapters and the core: records as JSON-safe dicts, and settings with exact errors.

Every function returns a *fresh* converter; nothing here is shared module state, so an adapter can add its own
hooks without changing anyone else's.

**Records** (:func:`make_converter`), for state snapshots, plan files and adapters' wire formats:

* datetimes are ISO 8601 strings in UTC with a ``Z`` suffix and full microsecond precision
* dates are ``YYYY-MM-DD``; an event's ``start``/``end`` is a date when the string has no ``T``
* enums are their plain values; tuples are lists
* a :class:`~syncore.models.Body` is ``{"text": ...}`` plus ``html``/``rtf`` only when present
* a series' :class:`~syncore.recurrence.Recurrence` is ``{"rule", "zone", "exdates", "overrides"}``; an
  :class:`~syncore.recurrence.Override` lists only the fields it changes (with its ``original_start``)
* records carry no kind tag themselves; :func:`unstructure_tagged` / :func:`structure_tagged` add one

**Settings** (:func:`make_settings_converter`, :func:`structure_options`), for the settings file and each
adapter's options class (see :meth:`syncore.abc.Adapter.from_config`). Values are taken as written, never
coerced: ``"5"`` is not a number and ``1`` is not ``true``. Lists are TOML arrays (a single string is not a list
of one), tables are TOML tables, enums are their values, unknown keys are refused. Every bad value becomes one
:class:`~syncore.errors.ConfigurationError` whose ``key`` is the dotted key, whose ``value`` is the value found
and whose message says what is allowed. A hook or validator reports a bad value by raising :class:`Invalid`.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, ClassValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_unstructure_fn

from .errors import ConfigurationError
from .models import Body, Kind, Record
from .recurrence import Override
from .timezones import UTC, to_utc


# -- records -----------------------------------------------------------------------------------------------
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


def _optional_day_or_instant(value: Any, _: Any = None) -> date | datetime | None:
    return None if value is None else _day_or_instant_from_str(value)


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
    """A new converter for syncore's JSON-safe form of records (see the module docstring)."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, datetime_to_str)
    converter.register_structure_hook(datetime, _str_to_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    # (a union spelled date | datetime and one resolved from an annotation are different objects to cattrs)
    converter.register_structure_hook_func(lambda cls: set(typing.get_args(cls)) - {type(None)} == {date, datetime},
                                           _optional_day_or_instant)
    converter.register_unstructure_hook(Body, _unstructure_body)
    converter.register_structure_hook(Body, _structure_body)
    converter.register_unstructure_hook(tuple, list)
    # an override names only what it changes: its unset fields are left out
    override_fields = make_dict_unstructure_fn(Override, converter)
    converter.register_unstructure_hook(
        Override, lambda item: {k: v for k, v in override_fields(item).items() if v is not None})
    converter.register_unstructure_hook_func(lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum),
                                             lambda member: member.value)
    return converter


def unstructure_record(record: Record, converter: cattrs.Converter) -> dict[str, Any]:
    """``record`` as a JSON-safe dict without a kind tag."""
    return converter.unstructure(record)  # type: ignore[no-any-return]


def structure_record(kind: Kind, data: dict[str, Any], converter: cattrs.Converter) -> Record:
    """Build a record of ``kind`` from its JSON-safe dict."""
    return converter.structure(data, kind.record_type)


def unstructure_tagged(record: Record, converter: cattrs.Converter) -> dict[str, Any]:
    """``record`` as ``{"kind": ..., "fields": {...}}``."""
    return {"kind": record.kind.value, "fields": unstructure_record(record, converter)}


def structure_tagged(data: dict[str, Any], converter: cattrs.Converter) -> Record:
    """The inverse of :func:`unstructure_tagged`."""
    return structure_record(Kind(data["kind"]), data["fields"], converter)


# -- settings: leaf values -----------------------------------------------------------------------------------
class Invalid(ValueError):
    """A settings value is wrong; the message says what is allowed (turned into a ConfigurationError).

    :param subkey: the entry inside the value that is wrong (``start`` of a window, an option name checked
        by a validator or ``__attrs_post_init__``), appended to the key
    """

    def __init__(self, message: str, subkey: str | None = None) -> None:
        super().__init__(message)
        self.subkey = subkey


def _bool(value: Any, _: Any = None) -> bool:
    if not isinstance(value, bool):
        raise Invalid("expected true or false")
    return value


def _int(value: Any, _: Any = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("expected a whole number >= 0")
    return value


def _float(value: Any, _: Any = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("expected a number")
    return float(value)


def _str(value: Any, cls: Any = str) -> Any:
    if _is_enum(cls):  # a str-based enum reaches the str hook first (singledispatch follows the MRO)
        return _enum(value, cls)
    if not isinstance(value, str) or not value.strip():
        raise Invalid("expected a non-empty string")
    return value


def allowed_values(cls: type[enum.Enum]) -> str:
    """``"a", "b" or "c"``: the values of an enum as a settings file spells them."""
    values = [f'"{member.value}"' for member in cls]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _enum(value: Any, cls: type[enum.Enum]) -> Any:
    try:
        return cls(value)
    except (ValueError, TypeError):
        raise Invalid(f"expected {allowed_values(cls)}") from None


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _example(item_type: Any) -> str:
    if _is_enum(item_type):
        return "[" + ", ".join(f'"{member.value}"' for member in list(item_type)[:2]) + "]"
    return '["…"]'


def _is_list_type(cls: Any) -> bool:
    origin = typing.get_origin(cls)
    args = typing.get_args(cls)
    return origin in (list, frozenset, set) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)


def _list_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        origin = typing.get_origin(cls)
        item_type = typing.get_args(cls)[0]

        def structure(value: Any, _: Any) -> Any:
            # A TOML string is iterable, so without this check kinds = "event" would read as five kinds.
            if not isinstance(value, list):
                raise Invalid(f"expected a list, e.g. {_example(item_type)}")
            items = []
            for index, item in enumerate(value, 1):
                try:
                    items.append(conv.structure(item, item_type))
                except Invalid as exc:
                    raise Invalid(f"entry {index} ({item!r}): {exc}") from None
            return origin(items)

        return structure

    return factory


def _table_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        key_type, value_type = typing.get_args(cls)

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise Invalid("expected a table, e.g. { event = \"…\" }" if _is_enum(key_type) else "expected a table")
            result = {}
            for name, item in value.items():
                try:
                    key = conv.structure(name, key_type)
                except Invalid as exc:
                    raise Invalid(f"{exc} as a key", subkey=str(name)) from None
                try:
                    result[key] = conv.structure(item, value_type)
                except Invalid as exc:
                    raise Invalid(str(exc), subkey=str(name)) from None
            return result

        return structure

    return factory


def make_settings_converter() -> cattrs.Converter:
    """A new converter with the strict settings conventions (see the module docstring).

    It knows booleans, whole numbers (>= 0), numbers, non-empty strings, enums (:class:`~syncore.models.Kind`
    and any other), lists (``list``, ``tuple[X, ...]``, ``frozenset``) and tables (``dict[K, V]``) of those,
    optional values and attrs classes. Add hooks for other types; raise :class:`Invalid` from them.
    """
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook_func(_is_enum, _enum)
    conv.register_structure_hook_factory(_is_list_type, _list_hook(conv))
    conv.register_structure_hook_factory(lambda cls: typing.get_origin(cls) is dict, _table_hook(conv))
    conv.register_unstructure_hook_func(_is_enum, lambda member: member.value)
    return conv


# -- settings: errors with the dotted key ------------------------------------------------------------------
def _lookup(data: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _leaf(exc: BaseException, path: list[str]) -> tuple[BaseException, list[str]]:
    """Follow cattrs' exception group down to the first leaf error, collecting attribute names."""
    while isinstance(exc, ClassValidationError):
        inner = exc.exceptions[0]
        notes = [n for n in getattr(inner, "__notes__", []) if isinstance(n, AttributeValidationNote)]
        if notes:
            path = [*path, notes[0].name]
        exc = inner
    return exc, path


def _names(cls: type) -> str:
    return ", ".join(field.name for field in attrs.fields(cls))


def as_configuration_error(
    exc: BaseException, data: Mapping[str, Any], *, prefix: str = "", unknown: str = "unknown key",
    table: str = "expected a table of settings (section)",
) -> ConfigurationError:
    """Turn a structuring error of ``data`` into one :class:`ConfigurationError` naming the dotted key.

    :param prefix: the dotted key of ``data`` itself (``"adapters.crm.options"``), or "" for the whole file
    :param unknown: what an unknown key is called in the message (``"unknown option"``)
    :param table: the reason given when a table was expected and something else was found
    """
    leaf, path = _leaf(exc, [])
    start = [prefix] if prefix else []
    if isinstance(leaf, ForbiddenExtraKeysError):
        extra = min(leaf.extra_fields)
        key = ".".join([*start, *path, extra])
        value = _lookup(data, [*path, extra])
        return ConfigurationError(f"{key} = {value!r}: {unknown}; allowed here: {_names(leaf.cl)}", key=key,
                                  value=value)
    if isinstance(leaf, Invalid) and leaf.subkey:
        path = [*path, leaf.subkey]
    key = ".".join([*start, *path]) or "<file>"
    value = _lookup(data, path) if path else data
    if isinstance(leaf, Invalid):
        reason = str(leaf)
    elif isinstance(leaf, KeyError) and isinstance(_lookup(data, path[:-1]) if path[:-1] else data, Mapping):
        return ConfigurationError(f"{key}: missing, and it is required", key=key, value=None)
    else:
        reason = table
    return ConfigurationError(f"{key} = {value!r}: {reason}", key=key, value=value)


def structure_settings(converter: cattrs.Converter, data: Any, cls: type, *, prefix: str = "",
                       unknown: str = "unknown key") -> Any:
    """``converter.structure(data, cls)``, every failure as a :class:`ConfigurationError` naming the key.

    :raises ConfigurationError: for the first bad value
    """
    if not isinstance(data, Mapping):
        key = prefix or "<file>"
        raise ConfigurationError(f"{key} = {data!r}: expected a table", key=key, value=data)
    try:
        return converter.structure(dict(data), cls)
    except (ClassValidationError, ForbiddenExtraKeysError, Invalid) as exc:
        raise as_configuration_error(exc, data, prefix=prefix, unknown=unknown) from None


def structure_options(cls: type[Any], options: Mapping[str, Any], *, key: str = "options",
                      converter: cattrs.Converter | None = None) -> Any:
    """An adapter's options class built from a settings file's ``options`` table (no network, no side effect).

    :param key: the dotted key of the table, used in messages (``"adapters.crm.options"``)
    :param converter: a converter from :func:`make_settings_converter` with the adapter's own hooks added
    :raises ConfigurationError: naming ``key.option``, the value and what is allowed; an unknown option name is
        refused with the list of allowed names
    """
    return structure_settings(converter or make_settings_converter(), options, cls, prefix=key,
                              unknown="unknown option")
