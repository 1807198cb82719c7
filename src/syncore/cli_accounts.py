"""Commands about the accounts behind a profile: ``sign-in`` and ``migrate-profile``.

``syncore sign-in [pim|crm]`` runs a side's interactive sign-in (a Microsoft Graph device code sign-in, say) and
keeps what it needs for later runs (:meth:`~syncore.abc.Adapter.sign_in`).

``syncore migrate-profile --from exchange --to graph`` moves a profile's PIM side to another adapter of the
same mailbox, keeping every pair (see :mod:`syncore.migrate`).

Steps for the user (docs/graph.md): change ``[adapters.pim]`` in the settings file to the new adapter and its
options (for Graph: sign in once), then run this command; it refuses to run while the settings still name the
old adapter, so the stored ids are never translated twice by mistake.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .config import load_config
from .errors import ConfigurationError
from .migrate import migrate_pim_ids
from .models import Kind
from .state import SqliteStateStore


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sign-in", help="sign in to a side interactively (e.g. Microsoft Graph's device code) and "
                                       "keep the sign-in for later runs")
    p.add_argument("side", nargs="?", choices=["pim", "crm"], default="pim")
    p.set_defaults(func=cmd_sign_in)
    p = sub.add_parser("migrate-profile", help="move the PIM side to another adapter of the same mailbox "
                                               "(e.g. EWS to Microsoft Graph) without re-pairing")
    p.add_argument("--from", dest="source", required=True, metavar="ADAPTER",
                   help="the adapter the profile's pairs were made with (exchange)")
    p.add_argument("--to", dest="target", required=True, metavar="ADAPTER",
                   help="the adapter the settings file now names for the PIM side (graph)")
    p.add_argument("--kind", dest="kinds", action="append", choices=[k.value for k in Kind],
                   help="only this kind (repeatable; default: every kind)")
    p.set_defaults(func=cmd_migrate_profile)


def _load(args: argparse.Namespace) -> tuple[Any, Path]:
    from .cli import DEFAULT_CONFIG

    path = Path(args.config or os.environ.get("SYNCORE_CONFIG") or DEFAULT_CONFIG)
    if not path.exists():
        raise ConfigurationError(f"settings file {str(path)!r} not found; pass --config PATH", key="config",
                                 value=str(path))
    return load_config(path), path.resolve().parent


def cmd_sign_in(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .cli import EXIT_OK, build_adapter

    config, base_dir = _load(args)
    adapter = build_adapter(args.side, getattr(config.adapters, args.side), base_dir)
    try:
        signed = adapter.sign_in(show=lambda message: print(message, file=out, flush=True))
    finally:
        adapter.close()
    print("signed in; later runs use the kept sign-in" if signed else
          f"the {args.side.upper()} adapter needs no interactive sign-in", file=out)
    return EXIT_OK


def cmd_migrate_profile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .cli import EXIT_OK, EXIT_RECORD_ERRORS, build_adapter

    config, base_dir = _load(args)
    configured = config.adapters.pim.type if config.adapters.pim else None
    if args.source == args.target:
        raise ConfigurationError("--from and --to name the same adapter; nothing to migrate", key="to")
    if configured != args.target:
        raise ConfigurationError(
            f"adapters.pim.type is {configured!r}: first point [adapters.pim] at the new adapter (type = "
            f"{args.target!r} and its options, see docs/graph.md), then run migrate-profile", key="adapters.pim.type",
            value=configured)
    adapter = build_adapter("pim", config.adapters.pim, base_dir)
    state_path = Path(config.state).expanduser()
    state = SqliteStateStore(state_path if state_path.is_absolute() else base_dir / state_path)
    kinds = [Kind(k) for k in args.kinds] if args.kinds else list(Kind)
    try:
        report = migrate_pim_ids(state, config.profile, adapter, args.source, kinds,
                                 clock=lambda: datetime.now(UTC))
    finally:
        state.close()
        adapter.close()
    for line in report:
        print(line.summary(), file=out)
    print("the next sync reads the PIM side in full once and continues with the carried-over pairs", file=out)
    return EXIT_RECORD_ERRORS if any(r.dropped for r in report) else EXIT_OK
