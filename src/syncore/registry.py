"""The adapter registry: names → adapter classes, imported lazily, with install hints.

Adapters shipped with syncore are listed in :data:`KNOWN_ADAPTERS`; other packages register theirs through the
``syncore.adapters`` entry-point group or :func:`register_adapter`. Nothing is imported until asked for, so a
missing optional dependency only matters for the adapter that needs it.
"""

from __future__ import annotations

import importlib
import types
from importlib.metadata import entry_points

from .abc import Adapter
from .errors import ConfigurationError

#: name → ("module:Class", the command that installs what it needs)
KNOWN_ADAPTERS: dict[str, tuple[str, str]] = {
    "memory": ("syncore.testing.memory:MemoryAdapter", "pip install syncore"),
    "demo_file": ("syncore.demo:DemoFileAdapter", "pip install syncore"),
    "salesforce": ("syncore_salesforce:SalesforceAdapter", "pip install syncore[salesforce]"),
    "exchange": ("syncore_exchange:ExchangeAdapter", "pip install syncore[exchange]"),
    "graph": ("syncore_graph:GraphAdapter", "pip install syncore[graph]"),
    "outlook": ("syncore_outlook:OutlookComAdapter", "pip install syncore[outlook]  (Windows with Outlook only)"),
}

_registry: dict[str, type[Adapter] | str] = {}
#: a read-only view of explicitly registered adapters
registry = types.MappingProxyType(_registry)
ENTRY_POINT_GROUP = "syncore.adapters"


def register_adapter(name: str, cls: type[Adapter] | str, *, clobber: bool = False) -> None:
    """Register an adapter class (or a lazy ``"module:Class"`` path) under ``name``.

    :raises ConfigurationError: when ``name`` is taken and ``clobber`` is false
    """
    if name in _registry and not clobber:
        raise ConfigurationError(f"adapter name {name!r} is already registered", key="adapter", value=name)
    _registry[name] = cls


def available_adapters() -> list[str]:
    """Every adapter name known from the built-in table, registrations and entry points."""
    names = set(KNOWN_ADAPTERS) | set(_registry)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def _import(path: str, hint: str | None, name: str) -> type[Adapter]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        advice = f"; install it with: {hint}" if hint else ""
        raise ConfigurationError(
            f"adapter {name!r} is not available ({exc.name or module_name} is not installed){advice}",
            key="adapter",
            value=name,
        ) from exc
    try:
        return getattr(module, attr)  # type: ignore[no-any-return]
    except AttributeError:
        raise ConfigurationError(f"adapter {name!r}: {module_name} has no {attr}", key="adapter", value=name) from None


def get_adapter_class(name: str) -> type[Adapter]:
    """Return the adapter class registered as ``name``, importing it on first use.

    :raises ConfigurationError: for an unknown name, or when the adapter's optional dependency is missing
        (the message says which ``pip install syncore[...]`` fixes it)
    """
    target: type[Adapter] | str | None = _registry.get(name)
    hint = None
    if target is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == name:
                target = ep.value
                break
    if target is None and name in KNOWN_ADAPTERS:
        target, hint = KNOWN_ADAPTERS[name]
    elif name in KNOWN_ADAPTERS:
        hint = KNOWN_ADAPTERS[name][1]
    if target is None:
        raise ConfigurationError(
            f"unknown adapter {name!r}; available: {', '.join(available_adapters())}", key="adapter", value=name
        )
    cls = _import(target, hint, name) if isinstance(target, str) else target
    if getattr(cls, "adapter_name", name) != name:
        raise ConfigurationError(
            f"adapter {name!r} resolved to {cls.__name__}, whose adapter_name is {cls.adapter_name!r}",
            key="adapter",
            value=name,
        )
    return cls
