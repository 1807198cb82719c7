"""From a settings file to a ready engine: where the file is, each side's adapter, the state store.

Used by the command line, ``syncore doctor`` and applications that embed syncore with a settings file
(``examples/manual_sync.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from .abc import Adapter
from .config import AdapterConfig, Config, load_config
from .credentials import resolve_credentials
from .display import side_labels
from .engine import SyncEngine
from .errors import ConfigurationError
from .models import Side
from .progress import Progress, reporting
from .registry import get_adapter_class
from .state import SqliteStateStore

DEFAULT_CONFIG = "syncore.toml"


@attrs.define
class Context:
    """What a command works with: the settings, where they came from, and the engine."""

    config: Config
    base_dir: Path
    engine: SyncEngine
    config_path: Path

    def path(self, value: str) -> Path:
        """A path from the settings, relative to the settings file."""
        return relative_to(self.base_dir, value)


def relative_to(base_dir: Path, value: str) -> Path:
    """``value`` with ``~`` expanded, taken relative to ``base_dir`` unless absolute."""
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


def settings_path(config_path: str | os.PathLike[str] | None) -> Path:
    """The settings file to use: ``--config``, else ``$SYNCORE_CONFIG``, else ``./syncore.toml``."""
    return Path(config_path or os.environ.get("SYNCORE_CONFIG") or DEFAULT_CONFIG)


def read_settings(config_path: str | os.PathLike[str] | None) -> tuple[Config, Path]:
    """Load the settings file (see :func:`settings_path`); returns it and its path.

    :raises ConfigurationError: when it is missing or has a bad value
    """
    path = settings_path(config_path)
    if not path.exists():
        raise ConfigurationError(
            f"settings file {str(path)!r} not found; pass --config PATH or set SYNCORE_CONFIG, or write one with "
            "`syncore init` (see `syncore docs settings`; `syncore demo` needs none)", key="config", value=str(path))
    return load_config(path), path


def parse_side(side: str, adapter_config: AdapterConfig | None, base_dir: Path) -> tuple[type[Adapter], Any]:
    """One side's adapter class and its checked options, without resolving a secret or touching the network.

    Options that name files (``metadata={"path": True}`` on the options class, or ``path`` for adapters without
    one) are taken relative to the settings file.

    :raises ConfigurationError: when the side is missing, its adapter unknown or not installed, or an option or
        credential name is wrong
    """
    key = f"adapters.{side}"
    if adapter_config is None:
        example = "exchange" if side == "pim" else "salesforce"
        raise ConfigurationError(f'{key}: missing; name the {side.upper()} adapter, e.g. [{key}] type = "{example}"',
                                 key=key)
    try:
        cls = get_adapter_class(adapter_config.type)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{key}.type = {adapter_config.type!r}: {exc}", key=f"{key}.type",
                                 value=adapter_config.type) from exc
    options = cls.parse_options(adapter_config.options, key=f"{key}.options")
    cls.check_credential_names(adapter_config.credentials, key=f"{key}.credentials")
    return cls, _with_paths(options, base_dir)


def _with_paths(options: Any, base_dir: Path) -> Any:
    if isinstance(options, dict):
        if isinstance(options.get("path"), str):
            return {**options, "path": str(relative_to(base_dir, options["path"]))}
        return options
    changes = {field.name: str(relative_to(base_dir, getattr(options, field.name)))
               for field in attrs.fields(type(options))
               if field.metadata.get("path") and isinstance(getattr(options, field.name), str)}
    return attrs.evolve(options, **changes) if changes else options


def build_adapter(side: str, adapter_config: AdapterConfig | None, base_dir: Path) -> Adapter:
    """Instantiate one side's adapter from its settings, through :meth:`Adapter.from_config`.

    Everything that needs no network is checked first (options, credential names), then the secrets are
    looked up, then the adapter connects.

    :raises ConfigurationError: when the side is not configured or the adapter refuses its options
    """
    cls, options = parse_side(side, adapter_config, base_dir)
    assert adapter_config is not None
    credentials = resolve_credentials(adapter_config.credentials, key_prefix=f"adapters.{side}.credentials",
                                      base_dir=base_dir)
    return cls.from_config(options, credentials)


def open_context(config_path: str | os.PathLike[str] | None, *, on_event: Any = None,
                 progress: Progress | None = None) -> Context:
    """Load the settings and build the engine (adapters, state store).

    :param progress: report each side's reads on this progress line
    """
    config, path = read_settings(config_path)
    base_dir = path.resolve().parent
    pim = build_adapter("pim", config.adapters.pim, base_dir)
    try:
        crm = build_adapter("crm", config.adapters.crm, base_dir)
    except BaseException:
        pim.close()
        raise
    if progress is not None:
        sides = reporting({Side.PIM: pim, Side.CRM: crm}, progress, side_labels(pim, crm))
        pim, crm = sides[Side.PIM], sides[Side.CRM]
    state = SqliteStateStore(relative_to(base_dir, config.state))
    engine = SyncEngine(pim=pim, crm=crm, state=state, settings=config.sync_settings(), on_event=on_event)
    return Context(config=config, base_dir=base_dir, engine=engine, config_path=path)
