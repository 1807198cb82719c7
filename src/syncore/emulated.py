"""Emulated backends found through the registry: the demo's sides, and a settings file that points at them.

:func:`start_backends` starts one emulator per side from the ``syncore.emulators`` entry points (never importing
an adapter package by name); :func:`write_emulator_settings` writes a settings file whose adapters reach them
(``syncore emulators``, and the docs tests).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from .abc import EmulatedBackend
from .config import AdapterConfig, Adapters, AutoSync, Config, save_config
from .errors import ConfigurationError
from .models import Side
from .registry import emulator_factory, emulator_names


def start_backends(*, external: bool = False,
                   chosen: Mapping[Side, str] | None = None) -> dict[Side, EmulatedBackend]:
    """Start one emulator for each side: the one ``chosen`` for it, else the first installed one by name.

    :param external: other processes will reach them through a settings file
        (:meth:`~syncore.abc.EmulatedBackend.settings`)
    :param chosen: side → emulator name (``{Side.PIM: "graph"}``: the Graph emulator plays the Outlook side)
    :raises ConfigurationError: when a side has no installed emulator, or one cannot be imported, or a chosen
        emulator is unknown or plays the other side
    """
    chosen = dict(chosen or {})
    started: dict[Side, EmulatedBackend] = {}
    try:
        for side, name in chosen.items():
            backend = emulator_factory(name)(external=external)  # type: ignore[call-arg]
            if backend.side is not side:
                backend.close()
                raise ConfigurationError(f"emulator {name!r} plays the {backend.side.value} side, not the "
                                         f"{side.value} side", key="emulator", value=name)
            started[side] = backend
        for name in emulator_names():
            if len(started) == len(Side):
                break
            if name in chosen.values():
                continue
            backend = emulator_factory(name)(external=external)  # type: ignore[call-arg]
            if backend.side in started:
                backend.close()
                continue
            started[backend.side] = backend
    except BaseException:
        close_all(started)
        raise
    missing = [side.value for side in Side if side not in started]
    if missing:
        close_all(started)
        raise ConfigurationError(f"no emulator installed for the {' and '.join(missing)} side; installed: "
                                 f"{', '.join(emulator_names()) or 'none'}", key="emulator")
    return started


def close_all(backends: dict[Side, EmulatedBackend]) -> None:
    """Stop every emulator in ``backends``."""
    for backend in backends.values():
        with contextlib.suppress(Exception):
            backend.close()


@contextlib.contextmanager
def running_backends(*, external: bool = False,
                     chosen: Mapping[Side, str] | None = None) -> Iterator[dict[Side, EmulatedBackend]]:
    """:func:`start_backends` as a context manager that stops them on exit."""
    backends = start_backends(external=external, chosen=chosen)
    try:
        yield backends
    finally:
        close_all(backends)


def write_emulator_settings(backends: dict[Side, EmulatedBackend], path: str | os.PathLike[str], *,
                            timezone: str = "system", state: str = "syncore-state.db",
                            review_dir: str = "review") -> Path:
    """Write a settings file whose two sides are ``backends``; their secrets go to ``<name>.secrets/``.

    :param state: / review_dir: as in the settings file (relative to it)
    """
    target = Path(path)
    secrets = target.with_name(target.stem + ".secrets")
    secrets.mkdir(mode=0o700, parents=True, exist_ok=True)
    sides = {}
    for side, backend in backends.items():
        options, credentials = backend.settings(str(secrets))
        sides[side.value] = AdapterConfig(type=backend.adapter_name, options=options, credentials=credentials)
    config = Config(adapters=Adapters(**sides), auto_sync=AutoSync(timezone=timezone), state=state,
                    review_dir=review_dir)
    save_config(config, target)
    return target
