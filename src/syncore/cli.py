"""The ``syncore`` command line (also ``python -m syncore``).

Commands: ``plan``, ``apply PLAN.json``, ``sync``, ``run``, ``run-due``, ``history``, ``rebuild KIND``,
``unlock``, ``demo``, and for getting started ``init``, ``doctor``, ``emulators`` and ``docs`` (see
:mod:`syncore.cli_setup`).
Exit codes are listed in :data:`EXIT_CODES` and in ``syncore --help``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import attrs

from . import __version__
from ._files import make_private_dirs
from .context import DEFAULT_CONFIG, Context, build_adapter, open_context
from .display import Display, side_labels
from .errors import (
    AdapterError,
    ConfigurationError,
    SafetyLimitExceeded,
    StalePlan,
    StateStoreError,
    SyncLocked,
    SyncoreError,
)
from .models import Kind, Side
from .notify import render_history
from .plan import Plan
from .progress import Progress
from .results import SyncEvent, SyncResult
from .review import conflict_record, render_conflict, render_plan, render_plan_header, review_plan

__all__ = ["EXIT_CODES", "Context", "build_adapter", "build_parser", "main", "open_context"]

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
    EXIT_USAGE: "bad arguments or settings (the message names the key, the value and what is allowed), or no "
                "answer to a question (end of input: pass --yes)",
    EXIT_HELD: "held for review: the plan deletes too much or leaves conflicts; nothing was written",
    EXIT_LOCKED: "another sync of the same profile is running",
    EXIT_BACKEND: "a backend failed (connection, authentication, quota); the rest is retried later",
    EXIT_STALE: "the plan is stale: a sync ran after it was made; nothing was written, make a new plan",
    EXIT_STATE: "the state file cannot be read or written (damaged, not a state file, disk full)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

log = logging.getLogger("syncore.cli")


# -- what every command works with ----------------------------------------------------------------------------
@attrs.define
class Run:
    """One command run: its arguments, its output streams, and how to show times, sides and progress."""

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    display: Display = attrs.field(factory=Display)
    progress: Progress | None = None

    def say(self, text: str = "") -> None:
        """Print a line of output (after ending any progress line)."""
        if self.progress is not None:
            self.progress.done()
        print(text, file=self.out, flush=True)

    def command(self, *words: str) -> str:
        """A ``syncore`` command line to suggest, with the ``--config`` this run was given."""
        config = getattr(self.args, "config", None)
        prefix = ["syncore", *(["--config", config] if config else [])]
        return shlex.join([*prefix, *words])

    def open(self) -> Context:
        """The settings and the engine; sides are wrapped to report reads on the progress line."""
        self.progress = Progress(self.err)
        ctx = open_context(getattr(self.args, "config", None), progress=self.progress)
        labels = side_labels(ctx.engine.pim, ctx.engine.crm)
        self.display = Display(labels=labels, zone=display_zone(self.args, ctx.config.auto_sync.timezone))
        if self.progress.enabled:
            ctx.engine.on_event = self.progress.on_event
        log.info("settings %s: profile %r, %s and %s", ctx.config_path, ctx.config.profile, labels[Side.PIM],
                 labels[Side.CRM])
        return ctx


def display_zone(args: argparse.Namespace, configured: str = "system") -> str:
    """The zone times are shown in: UTC with ``--utc``, else the settings' zone, else the computer's."""
    if getattr(args, "utc", False):
        return "UTC"
    from .schedule import system_zone_name
    from .timezones import zone

    name = system_zone_name() if configured == "system" else configured
    try:
        zone(name)
    except ConfigurationError:
        return "UTC"
    return name


# -- commands ------------------------------------------------------------------------------------------------------
def _kinds(args: argparse.Namespace, ctx: Context) -> list[Kind]:
    if args.kinds:
        return [Kind(k) for k in args.kinds]
    return [kind for kind in Kind if ctx.config.jobs.for_kind(kind).enabled]


def _plan_path(out: str, kind: Kind, several: bool) -> Path:
    path = Path(out)
    return path.with_name(f"{path.stem}.{kind.value}{path.suffix or '.json'}") if several else path


def _plan(run: Run, ctx: Context, kind: Kind) -> Plan:
    log.info("planning %ss", kind.value)
    try:
        return ctx.engine.plan(kind)
    finally:
        if run.progress is not None:
            run.progress.done()


def _apply(run: Run, ctx: Context, plan: Plan, *, force: bool, recheck: bool) -> SyncResult:
    total = len(plan.active_operations)
    log.info("applying %d %s operation(s)", total, plan.kind.value)
    assert run.progress is not None
    run.progress.start_writes(total, f"{plan.kind.value}: writing")
    try:
        return ctx.engine.apply(plan, force=force, recheck=recheck)
    finally:
        run.progress.end_writes()


def _report(run: Run, plan: Plan, result: SyncResult) -> None:
    """The summary, then every conflict left for review once, with the command that resolves them."""
    run.say(result.summary.render(run.display.labels))
    open_conflicts = [c for c in plan.conflicts if c.resolution is None]
    if open_conflicts:
        for conflict in open_conflicts:
            run.say(render_conflict(conflict, run.display, record=conflict_record(plan, conflict)))
        run.say(f"{len(open_conflicts)} conflict(s) left for review; nothing was written for those fields. Resolve "
                f"them with: {run.command('sync', '--review', plan.kind.value)} (or set other.conflict_policy)")


def _exit_code(result: SyncResult) -> int:
    return EXIT_OK if result.ok else (EXIT_BACKEND if result.stopped else EXIT_RECORD_ERRORS)


def cmd_plan(run: Run) -> int:
    """Show the plan of each kind and optionally save it as JSON."""
    ctx = run.open()
    kinds = _kinds(run.args, ctx)
    for kind in kinds:
        plan = _plan(run, ctx, kind)
        run.say(render_plan(plan, run.display))
        if run.args.out:
            target = _plan_path(run.args.out, kind, len(kinds) > 1)
            plan.save(target)  # creates missing folders owner-only
            run.say(f"plan saved to {target}; apply it with: {run.command('apply', str(target))}")
    return EXIT_OK


def cmd_apply(run: Run) -> int:
    """Apply a saved plan (single-use; sources re-checked before each write)."""
    ctx = run.open()
    plan = Plan.load(run.args.plan)
    if run.args.exclude:
        plan.exclude(*run.args.exclude)
    result = _apply(run, ctx, plan, force=run.args.force, recheck=True)
    _report(run, plan, result)
    return _exit_code(result)


def cmd_sync(run: Run) -> int:
    """Plan and apply now; a plan the safety policy flags is saved and held unless --force."""
    ctx = run.open()
    code = EXIT_OK
    for kind in _kinds(run.args, ctx):
        with ctx.engine.locked():  # plan, review and apply see one state: no other sync writes in between
            code = max(code, _sync_kind(run, ctx, kind))
    return code


def _sync_kind(run: Run, ctx: Context, kind: Kind) -> int:
    plan = _plan(run, ctx, kind)
    if run.args.review:
        run.say(render_plan_header(plan, run.display))
        if not review_plan(plan, ask=input, show=run.say, display=run.display):
            run.say(f"{kind.value} sync cancelled; nothing written")
            return EXIT_OK
    if plan.safety and not run.args.force:
        review_dir = ctx.path(ctx.config.review_dir)
        make_private_dirs(review_dir)
        target = review_dir / f"{plan.profile}-{kind.value}-{plan.plan_id[:8]}.json"
        plan.save(target)
        if not run.args.review:
            run.say(render_plan(plan, run.display))
        run.say(f"{kind.value}: held for review, nothing written ({'; '.join(plan.safety)}). Review the plan, "
                f"then run: {run.command('apply', '--force', str(target))}")
        return EXIT_HELD
    result = _apply(run, ctx, plan, force=run.args.force, recheck=False)
    _report(run, plan, result)
    return _exit_code(result)


def _runner(run: Run, ctx: Context) -> Any:
    from .runner import AutoSyncRunner, KindOutcome
    from .schedule import Schedule

    def show_summary(result: SyncResult) -> None:
        run.say(result.summary.render(run.display.labels))

    def show_event(event: SyncEvent) -> None:
        first_line = event.message.splitlines()[0] if event.message else ""
        where = f" {run.display.short(event.side)} {event.record_id}" if event.side is not None and event.record_id else ""
        run.say(f"[{event.kind.value} {event.type.value}{where}] {first_line}")

    def show_outcome(outcome: KindOutcome) -> None:
        run.say(f"{run.display.time(ctx.engine.now())}  {describe_outcome(outcome)}")

    ctx.engine.on_event = None  # background syncs draw no progress line
    return AutoSyncRunner(
        ctx.engine, Schedule.from_config(ctx.config), notifications=ctx.config.notifications,
        summary=ctx.config.summary, on_summary=show_summary, notifier=show_event,
        review_dir=ctx.path(ctx.config.review_dir), on_outcome=show_outcome, command=run.command(),
    )


def describe_outcome(outcome: Any) -> str:
    """One line for one kind's background sync: ``event: ok, 3 written``."""
    text = f"{outcome.kind.value}: {outcome.status}"
    if outcome.result is not None and outcome.status in ("ok", "errors"):
        summary = outcome.result.summary
        text += f", {summary.changes} written"
        if summary.unresolved_conflicts:
            text += f", {summary.unresolved_conflicts} conflict(s) left for review"
        if summary.errors:
            text += f", {summary.errors} failed"
    if outcome.message:
        text += f": {outcome.message}"
    return text


_STATUS_CODES = {"ok": EXIT_OK, "errors": EXIT_RECORD_ERRORS, "held": EXIT_HELD, "locked": EXIT_LOCKED,
                 "failed": EXIT_BACKEND}


def cmd_run_due(run: Run) -> int:
    """One auto-sync tick: sync the kinds due now, print the outcomes and the next run time."""
    ctx = run.open()
    if not ctx.config.auto_sync.enabled:
        run.say("auto sync is off (auto_sync.enabled = false); nothing to do")
        return EXIT_OK
    report = _runner(run, ctx).run_due()
    if not report.outcomes:
        run.say("nothing is due")
    if report.next_run is not None:
        run.say(f"next run: {run.display.time(report.next_run)}")
    severity = [EXIT_OK, EXIT_RECORD_ERRORS, EXIT_HELD, EXIT_LOCKED, EXIT_BACKEND]
    return max((_STATUS_CODES[o.status] for o in report.outcomes), key=severity.index, default=EXIT_OK)


def cmd_run(run: Run) -> int:
    """Auto sync in the foreground until Ctrl-C or SIGTERM."""
    ctx = run.open()
    if not ctx.config.auto_sync.enabled:
        raise ConfigurationError("auto_sync.enabled = false: turn auto sync on in the settings file to use `run`",
                                 key="auto_sync.enabled", value=False)
    runner = _runner(run, ctx)
    previous = signal.signal(signal.SIGTERM, lambda *_: runner.stop(timeout=0))
    run.say(f"auto sync running (times in {run.display.zone}); a line per sync below; press Ctrl-C to stop")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop(timeout=0)
    finally:
        signal.signal(signal.SIGTERM, previous)
    run.say("auto sync stopped")
    return EXIT_OK


def cmd_history(run: Run) -> int:
    """List past synchronizations, newest first."""
    ctx = run.open()
    since = ctx.engine.now() - timedelta(days=run.args.days)
    entries = ctx.engine.state.history(ctx.config.profile, since)
    if run.args.kind:
        entries = [entry for entry in entries if entry.kind is Kind(run.args.kind)]
    run.say(render_history(entries, zone=ZoneInfo(run.display.zone)))
    return EXIT_OK


def _confirm(question: str) -> bool:
    """A yes/no question whose default is no; the end of input (cron, ``< /dev/null``) answers no."""
    try:
        return input(question).strip().lower().startswith("y")
    except EOFError:
        print("(no answer: end of input)", flush=True)
        return False


def cmd_rebuild(run: Run) -> int:
    """Forget one kind's pairing (records untouched); the next sync re-matches."""
    ctx = run.open()
    kind = Kind(run.args.kind)
    if not run.args.yes and not _confirm(f"forget every {kind.value} pairing of profile {ctx.config.profile!r}? "
                                         "Records are not touched; the next sync re-matches them. [y/N] "):
        run.say("nothing changed (pass --yes to confirm without a question)")
        return EXIT_OK
    ctx.engine.rebuild(kind)
    run.say(f"{kind.value} pairing forgotten; the next sync re-matches records on both sides")
    return EXIT_OK


def cmd_unlock(run: Run) -> int:
    """Free the profile lock left behind by a sync that is gone (asks first; refuses a live holder)."""
    from .locking import describe_holder, holder_is_dead, this_host

    ctx = run.open()
    state, profile, now = ctx.engine.state, ctx.config.profile, ctx.engine.now()
    holder = state.lock_holder(profile)
    if holder is None:
        run.say(f"profile {profile!r} is not locked; nothing to do")
        return EXIT_OK
    who = describe_holder(holder, now)
    if holder.expires_at > now and not holder_is_dead(holder):
        if holder.host == this_host():
            print(f"syncore: the lock of profile {profile!r} is {who}, and that process is running; stop it "
                  "first (unlocking would let two syncs write at once)", file=run.err)
        else:
            print(f"syncore: the lock of profile {profile!r} is {who}; it cannot be checked from here whether "
                  "that process still runs. If that host is down, the lock frees itself when the lease ends.",
                  file=run.err)
        return EXIT_LOCKED
    if not run.args.yes and not _confirm(f"the lock of profile {profile!r} is {who}; that sync is gone. "
                                         "Free it? [y/N] "):
        run.say("nothing changed")
        return EXIT_OK
    state.release_lock(profile, holder.owner)
    run.say(f"lock of profile {profile!r} freed")
    return EXIT_OK


def cmd_demo(run: Run) -> int:
    """The manual-sync demo on sample data."""
    from .demo import run_demo

    zone = display_zone(run.args)
    run.progress = Progress(run.err)
    return run_demo(yes=run.args.yes, show=run.say, prefer_emulators=not run.args.memory, zone_name=zone,
                    progress=run.progress)


# -- parser ------------------------------------------------------------------------------------------------------
def _kind_arg(value: str) -> str:
    if value not in {k.value for k in Kind}:
        raise argparse.ArgumentTypeError(f"invalid kind {value!r}; choose from event, contact, task")
    return value


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # The same options before or after the command: on a subcommand they default to "not given", so a value
    # given before the command is kept.
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument("--config", metavar="PATH", default=default,
                        help=f"settings file (default: $SYNCORE_CONFIG or ./{DEFAULT_CONFIG})")
    parser.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="log what happens (INFO) to stderr")
    parser.add_argument("--utc", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="show times in UTC (default: the settings' auto_sync.timezone, else this computer's)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exit codes in the epilog)."""
    from . import cli_setup

    epilog = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="syncore", formatter_class=_Formatter, epilog=epilog,
        description="Sync Outlook/Exchange and Salesforce calendar events, contacts and tasks: plan, review, apply.\n"
                    "New here? `syncore demo` needs nothing; `syncore init` writes a settings file for your "
                    "accounts; `syncore docs` lists the documentation.")
    parser.add_argument("--version", action="version", version=f"syncore {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    kinds = [k.value for k in Kind]

    def command(name: str, summary: str, description: str, func: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=description, formatter_class=_Formatter, epilog=epilog)
        _common(p, top=False)
        p.set_defaults(func=func)
        return p

    p = command("plan", "show what a sync would do, and save the plan as JSON",
                "Read both sides and show, per kind, every change a sync would make (field by field, old → new), "
                "the conflicts and the skipped records. Nothing is written anywhere. With -o the plan is saved "
                "for `syncore apply`.", cmd_plan)
    p.add_argument("kinds", nargs="*", type=_kind_arg, metavar="KIND", help="event, contact or task (default: all)")
    p.add_argument("-o", "--out", metavar="PLAN.json", help="save the plan (one file per kind when several)")

    p = command("apply", "apply a saved plan (changes made since are re-checked)",
                "Write what a saved plan says. Each source record is re-read first and skipped if it changed "
                "since the plan was made. A plan is single-use: once its kind synced again it is stale (exit 6).",
                cmd_apply)
    p.add_argument("plan", metavar="PLAN.json")
    p.add_argument("--exclude", action="append", metavar="OP_ID", help="leave this operation out (repeatable)")
    p.add_argument("--force", action="store_true", help="apply even though the safety policy flags the plan")

    p = command("sync", "plan and apply now",
                "Plan and apply each kind now. A plan the safety policy flags (mass delete, an emptied side) is "
                "saved under review_dir and held (exit 3) unless --force. With --review every change and every "
                "conflict is shown once and you choose.", cmd_sync)
    p.add_argument("kinds", nargs="*", type=_kind_arg, metavar="KIND", help="event, contact or task (default: all)")
    p.add_argument("--review", action="store_true", help="show each change and ask whether to include it")
    p.add_argument("--force", action="store_true", help="apply even though the safety policy flags the plan")

    command("run", "auto sync in the foreground until stopped (Ctrl-C or SIGTERM)",
            "Run auto sync (the settings' [auto_sync]) in the foreground: each kind syncs on its frequency "
            "inside the daily window, one line per sync. Stops on Ctrl-C or SIGTERM.", cmd_run)
    command("run-due", "sync the kinds that are due now and exit (for cron, Task Scheduler, Celery)",
            "One auto-sync tick: sync the kinds that are due now, print one line each and the next run time, "
            "and exit. Call it every few minutes from cron, Task Scheduler or Celery.", cmd_run_due)

    p = command("history", "list past synchronizations",
                "List past synchronizations of this profile, newest first, with their counts.", cmd_history)
    p.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    p.add_argument("--kind", choices=kinds)

    p = command("rebuild", "forget the pairing of one kind (records untouched); the next sync re-matches",
                "Forget which records of one kind are paired (records are not touched). The next sync matches "
                "them again instead of copying them; use it after moving mailboxes or restoring a backup.",
                cmd_rebuild)
    p.add_argument("kind", choices=kinds)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = command("unlock", "free the profile lock left by a sync that is gone (refuses a live one)",
                "Free the profile's sync lock when the sync holding it is gone (crashed, killed). A lock held by "
                "a running process, or by another host whose lease has not ended, is refused (exit 4).",
                cmd_unlock)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = command("demo", "a manual sync on sample data against local emulators (no accounts needed)",
                "A manual sync of a sample week against the Exchange and Salesforce emulators started on this "
                "computer (in-memory sides when they cannot start). Nothing is kept afterwards.", cmd_demo)
    p.add_argument("--yes", action="store_true", help="include every change without asking")
    p.add_argument("--memory", action="store_true", help="use in-memory sides even when the emulators are available")

    cli_setup.add_commands(command)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (see :data:`EXIT_CODES`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=err,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run = Run(args=args, out=out, err=err)
    try:
        return int(args.func(run))
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
    except EOFError:  # a question got no answer: stdin is closed or empty (cron, `< /dev/null`)
        if run.progress is not None:
            run.progress.done()
        print("\nsyncore: no answer (end of input): stopped at the question; nothing more was written. Pass --yes "
              "to answer yes to every question, or run it in a terminal.", file=err)
        return EXIT_USAGE
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
