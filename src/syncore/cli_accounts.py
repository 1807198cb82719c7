"""Commands about the accounts behind a profile: ``sign-in`` and ``migrate-profile`` (see :mod:`syncore.cli`).

``syncore sign-in [pim|crm]`` runs a side's interactive sign-in (a Microsoft Graph device code sign-in, say)
and keeps what it needs for later runs (:meth:`~syncore.abc.Adapter.sign_in`).

``syncore migrate-profile --from exchange --to graph`` moves a profile's PIM side to another adapter of the
same mailbox, keeping every pair (see :mod:`syncore.migrate`).

Steps for the user (docs/graph.md): change ``[adapters.pim]`` in the settings file to the new adapter and its
options (for Graph: sign in once), then run this command; it refuses to run while the settings still name the
old adapter, so the stored ids are never translated twice by mistake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .cli_run import EXIT_OK, EXIT_RECORD_ERRORS
from .context import build_adapter, read_settings, relative_to
from .errors import ConfigurationError
from .migrate import migrate_pim_ids
from .models import Kind
from .state import SqliteStateStore

if TYPE_CHECKING:
    from .cli_run import Run


def add_commands(command: Any) -> None:
    """Add the commands to the parser (``command(name, summary, description, func)`` makes one)."""
    p = command("sign-in", "sign in to a side interactively (e.g. Microsoft Graph's device code) and keep it",
                "Run a side's interactive sign-in and keep what later runs need: for a Microsoft Graph side "
                "with auth = \"device_code\", a code to enter at https://microsoft.com/devicelogin; the "
                "tokens are kept (owner-only) in the file its sign_in_cache option names. Sides that need "
                "no interactive sign-in say so.", cmd_sign_in)
    p.add_argument("side", nargs="?", choices=["pim", "crm"], default="pim")

    p = command("migrate-profile",
                "move the PIM side to another adapter of the same mailbox without re-pairing",
                "Move a profile's PIM side to another adapter that reaches the same mailbox (EWS to "
                "Microsoft Graph): the stored ids are translated, every pair keeps its base and its CRM side. Point "
                "[adapters.pim] at the new adapter first (and sign in); nothing is written to either side. "
                "Exit 1 when some pairs could not be carried over (their records are matched again at the "
                "next sync).", cmd_migrate_profile)
    p.add_argument("--from", dest="source", required=True, metavar="ADAPTER",
                   help="the adapter the profile's pairs were made with (exchange)")
    p.add_argument("--to", dest="target", required=True, metavar="ADAPTER",
                   help="the adapter the settings file now names for the PIM side (graph)")
    p.add_argument("--kind", dest="kinds", action="append", choices=[k.value for k in Kind],
                   help="only this kind (repeatable; default: every kind)")


def cmd_sign_in(run: Run) -> int:
    """Run one side's interactive sign-in."""
    config, path = read_settings(run.args.config)
    side = run.args.side
    adapter = build_adapter(side, getattr(config.adapters, side), path.resolve().parent)
    try:
        signed = adapter.sign_in(show=run.say)
    finally:
        adapter.close()
    run.say("signed in; later runs use the kept sign-in" if signed else
            f"the {side.upper()} adapter needs no interactive sign-in")
    return EXIT_OK


def cmd_migrate_profile(run: Run) -> int:
    """Translate the stored PIM ids to the adapter the settings now name."""
    args = run.args
    config, path = read_settings(args.config)
    base_dir = path.resolve().parent
    configured = config.adapters.pim.type if config.adapters.pim else None
    if args.source == args.target:
        raise ConfigurationError("--from and --to name the same adapter; nothing to migrate", key="to",
                                 value=args.target)
    if configured != args.target:
        raise ConfigurationError(
            f"adapters.pim.type is {configured!r}: first point [adapters.pim] at the new adapter (type = "
            f"{args.target!r} and its options: `syncore docs graph`), then run migrate-profile",
            key="adapters.pim.type", value=configured)
    adapter = build_adapter("pim", config.adapters.pim, base_dir)
    state = SqliteStateStore(relative_to(base_dir, config.state))
    kinds = [Kind(k) for k in args.kinds] if args.kinds else list(Kind)
    try:
        report = migrate_pim_ids(state, config.profile, adapter, args.source, kinds,
                                 clock=lambda: datetime.now(UTC))
    finally:
        state.close()
        adapter.close()
    for line in report:
        run.say(line.summary())
    run.say("the next sync reads the PIM side in full once and continues with the carried-over pairs")
    return EXIT_RECORD_ERRORS if any(r.dropped for r in report) else EXIT_OK
