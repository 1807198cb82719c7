"""The adapter registry: names → adapter classes and emulators, imported lazily, with install hints.

Adapters shipped with syncore are listed in :data:`KNOWN_ADAPTERS`; other packages register theirs through the
``syncore.adapters`` entry-point group or :func:`register_adapter`. Nothing is imported until asked for, so a
missing optional dependency only matters for the adapter that needs it.

Emulators (a backend served on 127.0.0.1, for the demo and for trying the command line) are found through the
``syncore.emulators`` entry-point group: each entry names a callable returning a started
:class:`~syncore.abc.EmulatedBackend`. The core never imports an adapter package itself.
"""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Callable
from importlib import metadata
from importlib.metadata import entry_points

from .abc import Adapter, EmulatedBackend
from .errors import ConfigurationError

#: name → ("module:Class", the syncore extra that installs what it needs, or None)
KNOWN_ADAPTERS: dict[str, tuple[str, str | None]] = {
    "memory": ("syncore.testing.memory:MemoryAdapter", None),
    "demo_file": ("syncore.testing.demo_file:DemoFileAdapter", None),
    "salesforce": ("syncore_salesforce:SalesforceAdapter", "salesforce"),
    "exchange": ("syncore_exchange:ExchangeAdapter", "exchange"),
    "graph": ("syncore_graph:GraphAdapter", "graph"),
    "outlook": ("syncore_outlook:OutlookComAdapter", "outlook"),
}
EMULATOR_GROUP = "syncore.emulators"

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


def install_hint(extra: str) -> str:
    """How to install what syncore's ``extra`` needs, for the way syncore itself was installed.

    syncore is installed from a checkout or a wheel, not from a package index, so the hint names the extra's
    own requirements (``pip install "simple-salesforce>=1.12,<2"``), which pip finds wherever syncore came from.
    """
    try:
        requirements = metadata.requires("syncore") or []
    except metadata.PackageNotFoundError:
        requirements = []
    marker = re.compile(rf"""extra\s*==\s*["']{re.escape(extra)}["']""")
    wanted = [req.split(";", 1)[0].strip() for req in requirements if marker.search(req)]
    if wanted:
        return "pip install " + " ".join(f'"{req}"' for req in wanted)
    return f'pip install ".[{extra}]" in your syncore checkout'


def _import(path: str, extra: str | None, name: str) -> type[Adapter]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        advice = f"; install it with: {install_hint(extra)}" if extra else ""
        if extra == "outlook":
            advice += " (Windows with Outlook only)"
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
        (the message says which ``pip install`` fixes it)
    """
    target: type[Adapter] | str | None = _registry.get(name)
    hint: str | None = None
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


def emulator_names() -> list[str]:
    """The names of every installed emulator (the ``syncore.emulators`` entry-point group)."""
    return sorted({ep.name for ep in entry_points(group=EMULATOR_GROUP)})


def emulator_factory(name: str) -> Callable[[], EmulatedBackend]:
    """The callable that starts the emulator registered as ``name``.

    :raises ConfigurationError: when no emulator has that name, or its package cannot be imported (the
        message says what to install)
    """
    for ep in entry_points(group=EMULATOR_GROUP):
        if ep.name == name:
            try:
                return ep.load()  # type: ignore[no-any-return]
            except ImportError as exc:
                extra = KNOWN_ADAPTERS.get(name, ("", None))[1]
                advice = f"; install it with: {install_hint(extra)}" if extra else ""
                raise ConfigurationError(f"emulator {name!r} is not available ({exc.name or ep.value} is not "
                                         f"installed){advice}", key="emulator", value=name) from exc
    raise ConfigurationError(f"unknown emulator {name!r}; installed: {', '.join(emulator_names()) or 'none'}",
                             key="emulator", value=name)
