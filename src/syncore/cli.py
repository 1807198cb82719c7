"""The ``syncore`` command line (also ``python -m syncore``).

Commands: ``plan``, ``apply PLAN.json``, ``sync``, ``run``, ``run-due``, ``history``, ``rebuild KIND``,
``unlock``, ``demo``.
Exit codes are listed in :data:`EXIT_CODES` and in ``syncore --help``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import attrs

from ._files import make_private_dirs
from .abc import Adapter
from .config import AdapterConfig, Config, load_config
from .credentials import resolve_credentials
from .engine import SyncEngine
from .errors import (
    AdapterError,
    ConfigurationError,
    SafetyLimitExceeded,
    StalePlan,
    StateStoreError,
    SyncLocked,
    SyncoreError,
)
from .models import Kind
from .notify import render_history
from .plan import Plan
from .registry import get_adapter_class, register_adapter, registry
from .results import EventType, SyncEvent, SyncResult
from .review import render_plan, review_plan
from .state import SqliteStateStore

EXIT_OK = 0
EXIT_RECORD_ERRORS = 1
EXIT_USAGE = 2
EXIT_HELD = 3
EXIT_LOCKED = 4
EXIT_BACKEND = 5
EXIT_STALE = 6
EXIT_STATE = 7
EXIT_INTERRUPTED = 130

#: every exit code the CLI uses, with its meaning
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success, or nothing was due",
    EXIT_RECORD_ERRORS: "the sync finished but some records failed (they are retried at the next sync)",
    EXIT_USAGE: "bad arguments or settings (the message names the key, the value and what is allowed)",
    EXIT_HELD: "held for review: the plan deletes too much or leaves conflicts; nothing was written",
    EXIT_LOCKED: "another sync of the same profile is running",
    EXIT_BACKEND: "a backend failed (connection, authentication, quota); the rest is retried later",
    EXIT_STALE: "the plan is stale: a sync ran after it was made; nothing was written, make a new plan",
    EXIT_STATE: "the state file cannot be read or written (damaged, not a state file, disk full)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

DEFAULT_CONFIG = "syncore.toml"
#: a progress bar is drawn for applies with at least this many operations
PROGRESS_MIN_OPERATIONS = 20


# -- progress --------------------------------------------------------------------------------------------------
class ProgressBar:
    """A one-line text bar on ``stream``, advanced by the engine's per-record events."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO, label: str = "") -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream
        self.label = label

    def __call__(self, event: SyncEvent) -> None:
        if event.type in (EventType.CREATED, EventType.UPDATED, EventType.DELETED, EventType.ERROR):
            self.done = min(self.done + 1, self.total)
            self.draw()

    def draw(self) -> None:
        """Redraw the bar in place."""
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        self.stream.write("\n")
        self.stream.flush()


# -- building the engine from the settings file ------------------------------------------------------------------
@attrs.define
class Context:
    """What a command works with: the settings, where they came from, and the engine."""

    config: Config
    base_dir: Path
    engine: SyncEngine

    def path(self, value: str) -> Path:
        """A path from the settings, relative to the settings file."""
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate


def _ensure_demo_adapter() -> None:
    if "demo_file" not in registry:
        register_adapter("demo_file", "syncore.demo:DemoFileAdapter")


def build_adapter(side: str, adapter_config: AdapterConfig | None, base_dir: Path) -> Adapter:
    """Instantiate one side's adapter from its settings.

    The adapter class gets the options and the resolved credentials as keyword arguments, or through its
    ``from_config(options, credentials)`` class method when it has one. Relative ``path`` options are taken
    relative to the settings file.

    :raises ConfigurationError: when the side is not configured or the adapter refuses its options
    """
    key = f"adapters.{side}"
    if adapter_config is None:
        raise ConfigurationError(f"{key}: missing; name the {side.upper()} adapter, e.g. [{key}] type = "
                                 f"\"{'exchange' if side == 'pim' else 'salesforce'}\"", key=key)
    _ensure_demo_adapter()
    try:
        cls = get_adapter_class(adapter_config.type)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{key}.type = {adapter_config.type!r}: {exc}", key=f"{key}.type",
                                 value=adapter_config.type) from exc
    options = dict(adapter_config.options)
    if isinstance(options.get("path"), str) and not Path(options["path"]).is_absolute():
        options["path"] = str(base_dir / options["path"])
    credentials = resolve_credentials(adapter_config.credentials, key_prefix=f"{key}.credentials")
    try:
        if hasattr(cls, "from_config"):
            return cls.from_config(options, credentials)  # type: ignore[attr-defined,no-any-return]
        return cls(**options, **credentials)
    except TypeError as exc:
        raise ConfigurationError(f"{key}.options: the {adapter_config.type} adapter refused them: {exc}",
                                 key=f"{key}.options", value=sorted(options)) from exc


def open_context(config_path: str | None, *, on_event: Any = None) -> Context:
    """Load the settings and build the engine (adapters, state store)."""
    path = Path(config_path or os.environ.get("SYNCORE_CONFIG") or DEFAULT_CONFIG)
    if not path.exists():
        raise ConfigurationError(
            f"settings file {str(path)!r} not found; pass --config PATH or set SYNCORE_CONFIG "
            "(see docs/settings.md, or try `syncore demo`)", key="config", value=str(path))
    config = load_config(path)
    base_dir = path.resolve().parent
    pim = build_adapter("pim", config.adapters.pim, base_dir)
    crm = build_adapter("crm", config.adapters.crm, base_dir)
    state_path = Path(config.state).expanduser()
    state = SqliteStateStore(state_path if state_path.is_absolute() else base_dir / state_path)
    engine = SyncEngine(pim=pim, crm=crm, state=state, settings=config.sync_settings(), on_event=on_event)
    return Context(config=config, base_dir=base_dir, engine=engine)


# -- commands ------------------------------------------------------------------------------------------------------
def _kinds(args: argparse.Namespace, config: Config) -> list[Kind]:
    if args.kinds:
        return [Kind(k) for k in args.kinds]
    return [kind for kind in Kind if config.jobs.for_kind(kind).enabled]


def _plan_path(out: str, kind: Kind, several: bool) -> Path:
    path = Path(out)
    return path.with_name(f"{path.stem}.{kind.value}{path.suffix or '.json'}") if several else path


def _apply(ctx: Context, plan: Plan, *, force: bool, recheck: bool, err: TextIO) -> SyncResult:
    total = len(plan.active_operations)
    bar = None
    if total >= PROGRESS_MIN_OPERATIONS and err.isatty():
        bar = ProgressBar(total, err, label=plan.kind.value)
        previous = ctx.engine.on_event
        ctx.engine.on_event = lambda event: (bar(event), previous and previous(event))  # type: ignore[func-returns-value]
    try:
        return ctx.engine.apply(plan, force=force, recheck=recheck)
    finally:
        if bar is not None:
            bar.finish()


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Show the plan of each kind and optionally save it as JSON."""
    ctx = open_context(args.config)
    kinds = _kinds(args, ctx.config)
    for kind in kinds:
        plan = ctx.engine.plan(kind)
        print(render_plan(plan), file=out)
        if args.out:
            target = _plan_path(args.out, kind, len(kinds) > 1)
            plan.save(target)  # creates missing folders owner-only
            print(f"plan saved to {target}; apply it with: syncore apply {target}", file=out)
    return EXIT_OK


def cmd_apply(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Apply a saved plan (single-use; sources re-checked before each write)."""
    ctx = open_context(args.config)
    plan = Plan.load(args.plan)
    if args.exclude:
        plan.exclude(*args.exclude)
    result = _apply(ctx, plan, force=args.force, recheck=True, err=err)
    print(result.summary.render(), file=out)
    return EXIT_OK if result.ok else (EXIT_BACKEND if result.stopped else EXIT_RECORD_ERRORS)


def cmd_sync(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Plan and apply now; a plan the safety policy flags is saved and held unless --force."""
    ctx = open_context(args.config)
    code = EXIT_OK
    for kind in _kinds(args, ctx.config):
        with ctx.engine.locked():  # plan, review and apply see one state: no other sync writes in between
            code = max(code, _sync_kind(ctx, kind, args, out, err))
    return code


def _sync_kind(ctx: Context, kind: Kind, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    plan = ctx.engine.plan(kind)
    if args.review:
        print(render_plan(plan), file=out)
        if not review_plan(plan):
            print(f"{kind.value} sync cancelled; nothing written", file=out)
            return EXIT_OK
    if plan.safety and not args.force:
        review_dir = ctx.path(ctx.config.review_dir)
        make_private_dirs(review_dir)
        target = review_dir / f"{plan.profile}-{kind.value}-{plan.plan_id[:8]}.json"
        plan.save(target)
        print(render_plan(plan), file=out)
        print(f"{kind.value}: held for review, nothing written ({'; '.join(plan.safety)}). Review the plan, "
              f"then run: syncore apply --force {target}", file=out)
        return EXIT_HELD
    result = _apply(ctx, plan, force=args.force, recheck=False, err=err)
    print(result.summary.render(), file=out)
    if not result.ok:
        return EXIT_BACKEND if result.stopped else EXIT_RECORD_ERRORS
    return EXIT_OK


def _runner(ctx: Context, out: TextIO) -> Any:
    from .runner import AutoSyncRunner
    from .schedule import Schedule

    def show_summary(result: SyncResult) -> None:
        print(result.summary.render(), file=out, flush=True)

    def show_event(event: SyncEvent) -> None:
        first_line = event.message.splitlines()[0] if event.message else ""
        where = f" {event.side.value} {event.record_id}" if event.side is not None and event.record_id else ""
        print(f"[{event.kind.value} {event.type.value}{where}] {first_line}", file=out, flush=True)

    return AutoSyncRunner(
        ctx.engine, Schedule.from_config(ctx.config), notifications=ctx.config.notifications,
        summary=ctx.config.summary, on_summary=show_summary, notifier=show_event,
        review_dir=ctx.path(ctx.config.review_dir),
    )


_STATUS_CODES = {"ok": EXIT_OK, "errors": EXIT_RECORD_ERRORS, "held": EXIT_HELD, "locked": EXIT_LOCKED,
                 "failed": EXIT_BACKEND}


def cmd_run_due(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One auto-sync tick: sync the kinds due now, print the outcomes and the next run time."""
    ctx = open_context(args.config)
    if not ctx.config.auto_sync.enabled:
        print("auto sync is off (auto_sync.enabled = false); nothing to do", file=out)
        return EXIT_OK
    report = _runner(ctx, out).run_due()
    for outcome in report.outcomes:
        print(f"{outcome.kind.value}: {outcome.status}{': ' + outcome.message if outcome.message else ''}", file=out)
    if not report.outcomes:
        print("nothing is due", file=out)
    if report.next_run is not None:
        print(f"next run: {report.next_run.isoformat()}", file=out)
    severity = [EXIT_OK, EXIT_RECORD_ERRORS, EXIT_HELD, EXIT_LOCKED, EXIT_BACKEND]
    return max((_STATUS_CODES[o.status] for o in report.outcomes), key=severity.index, default=EXIT_OK)


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Auto sync in the foreground until Ctrl-C or SIGTERM."""
    ctx = open_context(args.config)
    if not ctx.config.auto_sync.enabled:
        raise ConfigurationError("auto_sync.enabled = false: turn auto sync on in the settings file to use `run`",
                                 key="auto_sync.enabled", value=False)
    runner = _runner(ctx, out)
    previous = signal.signal(signal.SIGTERM, lambda *_: runner.stop(timeout=0))
    print("auto sync running; press Ctrl-C to stop", file=out, flush=True)
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop(timeout=0)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("auto sync stopped", file=out)
    return EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List past synchronizations, newest first."""
    ctx = open_context(args.config)
    since = ctx.engine.now() - timedelta(days=args.days)
    entries = ctx.engine.state.history(ctx.config.profile, since)
    if args.kind:
        entries = [entry for entry in entries if entry.kind is Kind(args.kind)]
    print(render_history(entries), file=out)
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Forget one kind's pairing (records untouched); the next sync re-matches."""
    ctx = open_context(args.config)
    kind = Kind(args.kind)
    if not args.yes:
        answer = input(f"forget every {kind.value} pairing of profile {ctx.config.profile!r}? Records are not "
                       "touched; the next sync re-matches them. [y/N] ")
        if not answer.strip().lower().startswith("y"):
            print("nothing changed", file=out)
            return EXIT_OK
    ctx.engine.rebuild(kind)
    print(f"{kind.value} pairing forgotten; the next sync re-matches records on both sides", file=out)
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Free the profile lock left behind by a sync that is gone (asks first; refuses a live holder)."""
    from .locking import describe_holder, holder_is_dead, this_host

    ctx = open_context(args.config)
    state, profile, now = ctx.engine.state, ctx.config.profile, ctx.engine.now()
    holder = state.lock_holder(profile)
    if holder is None:
        print(f"profile {profile!r} is not locked; nothing to do", file=out)
        return EXIT_OK
    who = describe_holder(holder, now)
    if holder.expires_at > now and not holder_is_dead(holder):
        if holder.host == this_host():
            print(f"syncore: the lock of profile {profile!r} is {who}, and that process is running; stop it "
                  "first (unlocking would let two syncs write at once)", file=err)
        else:
            print(f"syncore: the lock of profile {profile!r} is {who}; it cannot be checked from here whether "
                  "that process still runs. If that host is down, the lock frees itself when the lease ends.",
                  file=err)
        return EXIT_LOCKED
    if not args.yes:
        try:
            answer = input(f"the lock of profile {profile!r} is {who}; that sync is gone. Free it? [y/N] ")
        except EOFError:
            answer = ""
        if not answer.strip().lower().startswith("y"):
            print("nothing changed", file=out)
            return EXIT_OK
    state.release_lock(profile, holder.owner)
    print(f"lock of profile {profile!r} freed", file=out)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The manual-sync demo on sample data."""
    from .demo import run_demo

    return run_demo(yes=args.yes, show=lambda text: print(text, file=out, flush=True),
                    prefer_emulators=not args.memory, pim=args.pim)


# -- parser ------------------------------------------------------------------------------------------------------
def _kind_arg(value: str) -> str:
    if value not in {k.value for k in Kind}:
        raise argparse.ArgumentTypeError(f"invalid kind {value!r}; choose from event, contact, task")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exit codes in the epilog)."""
    epilog = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="syncore", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=epilog,
        description="Sync Outlook/Exchange and Salesforce calendar events, contacts and tasks: "
                    "plan, review, apply.")
    parser.add_argument("--config", metavar="PATH",
                        help=f"settings file (default: $SYNCORE_CONFIG or ./{DEFAULT_CONFIG})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens (INFO) to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    kinds = [k.value for k in Kind]

    p = sub.add_parser("plan", help="show what a sync would do, and save the plan as JSON")
    p.add_argument("kinds", nargs="*", type=_kind_arg, metavar="KIND", help="event, contact or task (default: all)")
    p.add_argument("-o", "--out", metavar="PLAN.json", help="save the plan (one file per kind when several)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("apply", help="apply a saved plan (changes made since are re-checked)")
    p.add_argument("plan", metavar="PLAN.json")
    p.add_argument("--exclude", action="append", metavar="OP_ID", help="leave this operation out (repeatable)")
    p.add_argument("--force", action="store_true", help="apply even though the safety policy flags the plan")
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("sync", help="plan and apply now")
    p.add_argument("kinds", nargs="*", type=_kind_arg, metavar="KIND", help="event, contact or task (default: all)")
    p.add_argument("--review", action="store_true", help="show each change and ask whether to include it")
    p.add_argument("--force", action="store_true", help="apply even though the safety policy flags the plan")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("run", help="auto sync in the foreground until stopped (Ctrl-C or SIGTERM)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("run-due", help="sync the kinds that are due now and exit (for cron, Task Scheduler, Celery)")
    p.set_defaults(func=cmd_run_due)

    p = sub.add_parser("history", help="list past synchronizations")
    p.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    p.add_argument("--kind", choices=kinds)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("rebuild", help="forget the pairing of one kind (records untouched); the next sync re-matches")
    p.add_argument("kind", choices=kinds)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("unlock", help="free the profile lock left by a sync that is gone (refuses a live one)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_unlock)

    from .cli_accounts import add_parsers as add_account_parsers

    add_account_parsers(sub)  # sign-in, migrate-profile

    p = sub.add_parser("demo", help="a manual sync on sample data against local emulators (no accounts needed)")
    p.add_argument("--yes", action="store_true", help="include every change without asking")
    p.add_argument("--memory", action="store_true", help="use in-memory sides even when the emulators are available")
    p.add_argument("--pim", choices=["exchange", "graph"], default="exchange",
                   help="the Outlook side's emulator: EWS (exchange) or Microsoft Graph (graph)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (see :data:`EXIT_CODES`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=err,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args, out, err))
    except StalePlan as exc:
        print(f"syncore: stale plan: {exc}", file=err)
        return EXIT_STALE
    except StateStoreError as exc:
        print(f"syncore: state file problem: {exc}", file=err)
        return EXIT_STATE
    except ConfigurationError as exc:
        print(f"syncore: error: {exc}", file=err)
        return EXIT_USAGE
    except SafetyLimitExceeded as exc:
        print(f"syncore: held for review: {exc}", file=err)
        return EXIT_HELD
    except SyncLocked as exc:
        print(f"syncore: {exc}", file=err)
        return EXIT_LOCKED
    except (AdapterError, SyncoreError) as exc:
        print(f"syncore: backend error: {exc}", file=err)
        return EXIT_BACKEND
    except BrokenPipeError:  # the output was piped into e.g. `head`, which exited; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file named on the command line or in the settings cannot be read or written
        print(f"syncore: error: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("syncore: interrupted", file=err)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
