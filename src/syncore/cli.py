"""The ``syncore`` command line (also ``python -m syncore``).

Commands: ``plan``, ``apply PLAN.json``, ``sync``, ``run``, ``run-due``, ``history``, ``rebuild KIND``,
``unlock``, ``demo`` (:mod:`syncore.cli_commands`), for getting started ``init``, ``doctor``, ``emulators`` and
``docs`` (:mod:`syncore.cli_setup`), and about the accounts ``sign-in`` and ``migrate-profile``
(:mod:`syncore.cli_accounts`). Exit codes are listed in :data:`EXIT_CODES` and in ``syncore --help``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any, TextIO

from . import __version__
from .cli_commands import (
    cmd_apply,
    cmd_demo,
    cmd_history,
    cmd_plan,
    cmd_rebuild,
    cmd_run,
    cmd_run_due,
    cmd_sync,
    cmd_unlock,
)
from .cli_run import (
    EXIT_BACKEND,
    EXIT_CODES,
    EXIT_HELD,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_STALE,
    EXIT_STATE,
    EXIT_USAGE,
    Run,
)
from .context import DEFAULT_CONFIG, Context, build_adapter, open_context
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

__all__ = ["EXIT_CODES", "Context", "build_adapter", "build_parser", "main", "open_context"]


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
    from . import cli_accounts, cli_setup

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

    for name, entry in sorted(extension_commands().items()):
        # (added without loading them: an extension's own parser answers `syncore NAME --help`)
        sub.add_parser(name, help=f"commands of an installed extension ({entry.value}); see syncore {name} --help",
                       description=f"Commands provided by the installed extension {entry.value}. Run "
                                   f"'syncore {name} --help' for their own help.")

    p = command("demo", "a manual sync on sample data against local emulators (no accounts needed)",
                "A manual sync of a sample week against the Exchange (or, with --pim graph, Microsoft Graph) and "
                "Salesforce emulators started on this computer (in-memory sides when they cannot start). Nothing "
                "is kept afterwards.", cmd_demo)
    p.add_argument("--yes", action="store_true", help="include every change without asking")
    p.add_argument("--memory", action="store_true", help="use in-memory sides even when the emulators are available")
    p.add_argument("--pim", metavar="EMULATOR",
                   help="the Outlook side's emulator: exchange (EWS, the default) or graph (Microsoft Graph)")

    cli_setup.add_commands(command)
    cli_accounts.add_commands(command)
    return parser


def extension_commands() -> dict[str, metadata.EntryPoint]:
    """Subcommands other packages add through the ``syncore.commands`` entry-point group (e.g. ``server``).

    The core knows them by name only: it never imports an extension until its command runs.
    """
    return {entry.name: entry for entry in metadata.entry_points(group="syncore.commands")}


def _extension_main(entry: metadata.EntryPoint, argv: list[str], out: TextIO, err: TextIO) -> int:
    try:
        run = entry.load()
    except ImportError as exc:
        print(f"syncore: the {entry.name} commands need their extra installed (see `syncore docs {entry.name}`): "
              f"{exc}", file=err)
        return EXIT_USAGE
    return int(run(argv, out, err))


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (see :data:`EXIT_CODES`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    extensions = extension_commands()
    if argv[:1] and argv[0] in extensions:
        return _extension_main(extensions[argv[0]], argv[1:], out, err)
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

