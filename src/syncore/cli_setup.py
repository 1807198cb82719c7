"""The getting-started commands: ``init``, ``doctor``, ``emulators`` and ``docs`` (see :mod:`syncore.cli`)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import docs, doctor
from .config import save_config
from .context import DEFAULT_CONFIG, settings_path
from .errors import ConfigurationError
from .models import Side
from .registry import available_adapters
from .starter import interview, parse_assignments, starter_config

if TYPE_CHECKING:
    from .cli_run import Run

EMULATOR_SETTINGS = "syncore-emulators.toml"


def add_commands(command: Any) -> None:
    """Add the commands to the parser (``command(name, summary, description, func)`` makes one)."""
    p = command("init", "write a starter settings file for your backends, and check the connection",
                "Write a settings file (--config PATH, default ./syncore.toml) for the chosen backends. Without "
                "--pim and --crm it asks; with them it asks nothing. Secrets are never written: the file says "
                "where each one lives (by default the environment variables SYNCORE_PIM_PASSWORD and so on). "
                "Then it checks the connection like `syncore doctor` and prints the next command.", cmd_init)
    p.add_argument("--pim", metavar="TYPE",
                   help="the PIM adapter: exchange, graph, outlook, demo_file, … (default: ask)")
    p.add_argument("--crm", metavar="TYPE", help="the CRM adapter: salesforce, demo_file, … (default: ask)")
    p.add_argument("--set", action="append", default=[], metavar="SIDE.NAME=VALUE",
                   help="an adapter option, e.g. pim.email=me@example.com (repeatable)")
    p.add_argument("--secret", action="append", default=[], metavar="SIDE.NAME=REFERENCE",
                   help="where a secret lives, e.g. crm.password=env:SF_PASSWORD (repeatable)")
    p.add_argument("--timezone", default="system", help='your IANA zone, or "system" (default)')
    p.add_argument("--force", action="store_true", help="overwrite an existing settings file")
    p.add_argument("--no-check", action="store_true", help="do not check the connection")

    command("doctor", "check settings, credentials, connections, clocks and file permissions",
            "Check everything a sync needs, without writing anything: the settings file, each side's options and "
            "credentials, a connection to each backend, this computer's clock against the servers', and that the "
            "state file and held plans are readable by you alone. Every problem comes with its fix. Exit code 0: "
            "no problem; 2: settings, credentials or files; 5: a backend cannot be reached.", cmd_doctor)

    p = command("emulators", "serve the Exchange (or Graph) and Salesforce emulators, with settings that use them",
                "Start the emulators on 127.0.0.1 with the demo's sample week, write a settings file pointing at "
                f"them (--config PATH, default ./{EMULATOR_SETTINGS}; secrets go to an owner-only folder next to "
                "it), and serve until Ctrl-C (--pim graph: Microsoft Graph instead of Exchange). In another "
                f"terminal every command works against them, e.g. `syncore --config {EMULATOR_SETTINGS} plan`. "
                "Each start is fresh: the previous state is removed.",
                cmd_emulators)
    p.add_argument("--empty", action="store_true", help="start with empty mailboxes and org (no sample week)")
    p.add_argument("--pim", metavar="EMULATOR",
                   help="the Outlook side's emulator: exchange (EWS, the default) or graph (Microsoft Graph)")

    p = command("docs", "show the documentation (the topics, or one of them)",
                "Print a documentation topic (Markdown), or list the topics. The documentation ships with syncore, "
                "so this works wherever it is installed.", cmd_docs)
    p.add_argument("topic", nargs="?", help="e.g. settings, adapters, salesforce, troubleshooting")


# -- init ----------------------------------------------------------------------------------------------------------
def cmd_init(run: Run) -> int:
    """Write a starter settings file, check it, print the next command."""
    args = run.args
    target = settings_path(args.config)
    if target.exists() and not args.force:
        raise ConfigurationError(f"{target} already exists; pass --force to replace it, or --config PATH to write "
                                 "another file", key="config", value=str(target))
    types: dict[Side, str | None] = {Side.PIM: args.pim, Side.CRM: args.crm}
    options = parse_assignments(args.set, "set")
    secrets = parse_assignments(args.secret, "secret")
    interactive = args.pim is None or args.crm is None
    if interactive:
        run.say(f"A settings file for syncore, written to {target}. Press Enter to keep the [default].")
        interview(input, run.say, types, options, secrets, available_adapters())
    while True:
        try:
            config = starter_config({side: str(types[side]) for side in Side}, options, secrets,
                                    timezone=args.timezone)
            break
        except ConfigurationError as exc:
            if not interactive:
                raise
            fix = input(f"{exc}\nset an option to fix it, SIDE.NAME=VALUE (Enter: stop): ").strip()
            if not fix:
                raise
            for side, values in parse_assignments([fix], "set").items():
                options[side].update(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_config(config, target)
    run.say(f"wrote {target}")
    secrets_used = [f"{side.value}.{name} = {ref}" for side in Side
                    for name, ref in getattr(config.adapters, side.value).credentials.items()]
    if secrets_used:
        run.say("secrets are read from: " + "; ".join(secrets_used))
    if args.no_check:
        run.say(f"next: check it with `{run.command('doctor')}`")
        return 0
    findings = doctor.diagnose(target)
    run.say(doctor.render(findings))
    code = doctor.exit_code(findings)
    if code == 0:
        run.say(f"next: see what the first sync would do (nothing is written): {run.command('plan')}")
    else:
        run.say(f"next: fix the problems above, then run: {run.command('doctor')}")
    return code


# -- doctor --------------------------------------------------------------------------------------------------------
def cmd_doctor(run: Run) -> int:
    """Check everything and say how to fix what is wrong."""
    findings = doctor.diagnose(run.args.config)
    run.say(doctor.render(findings))
    code = doctor.exit_code(findings)
    run.say("no problems found" if code == 0 else f"{sum(f.level is doctor.Level.PROBLEM for f in findings)} "
            "problem(s) found")
    return code


# -- emulators -----------------------------------------------------------------------------------------------------
def cmd_emulators(run: Run) -> int:
    """Serve the emulators with a settings file that points at them, until Ctrl-C or SIGTERM."""
    from datetime import datetime

    from .emulated import running_backends, write_emulator_settings
    from .testing.demo_data import sample_data, seed
    from .timezones import UTC

    target = Path(run.args.config or EMULATOR_SETTINGS)
    state = target.with_name(target.stem + ".state.db")
    chosen = {Side.PIM: run.args.pim} if run.args.pim else None
    with running_backends(external=True, chosen=chosen) as backends:
        if not run.args.empty:
            data = sample_data(datetime.now(UTC).date())
            seed(backends[Side.PIM].adapter(), [*data.pim_only, *data.both])
            seed(backends[Side.CRM].adapter(), [*data.crm_only, *data.both])
        write_emulator_settings(backends, target, state=state.name, review_dir=target.stem + "-review")
        for stale in (state, state.with_name(state.name + "-wal"), state.with_name(state.name + "-shm")):
            stale.unlink(missing_ok=True)  # the emulators start empty: an old pairing would point at nothing
        for backend in backends.values():
            run.say(backend.description)
        config = ["--config", str(target)] if str(target) != DEFAULT_CONFIG else []
        hint = " ".join(["syncore", *config, "plan"])
        run.say(f"settings written to {target} (secrets in {target.stem}.secrets/). In another terminal try: {hint}")
        run.say("serving until Ctrl-C; nothing is kept afterwards")
        _serve_until_stopped()
    return 0


def _serve_until_stopped() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- docs ----------------------------------------------------------------------------------------------------------
def cmd_docs(run: Run) -> int:
    """List the topics, or print one."""
    if run.args.topic:
        run.say(docs.read_topic(run.args.topic))
        return 0
    found = docs.topics()
    if not found:
        run.say("this installation has no documentation folder")
        return 0
    width = max(len(name) for name in found)
    for name, title in found.items():
        run.say(f"{name:<{width}}  {title}")
    run.say("\nshow one with: syncore docs TOPIC")
    return 0
