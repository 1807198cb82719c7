"""``syncore server …``: run and operate the worker fleet (``syncore server --help``).

Commands: ``init-db``, ``worker``, ``beat``, ``set-defaults FILE``, ``add-profile NAME``, ``list``,
``status``, ``sync NAME KIND``. The database and broker come from ``SYNCORE_DATABASE_URL`` and
``SYNCORE_BROKER_URL`` (see docs/server.md). Exit codes are syncore's (``syncore --help``).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from syncore.cli import EXIT_BACKEND, EXIT_OK, EXIT_USAGE
from syncore.errors import ConfigurationError

from .settings import ServerSettings

HISTORY = timedelta(days=30)


def _settings() -> ServerSettings:
    return ServerSettings.from_env()


def _server() -> Any:
    from .runtime import Server

    return Server(_settings())


def _read_toml(path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path!r}: {exc.strerror}", key="settings", value=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path!r} is not valid TOML: {exc}", key="settings", value=path) from exc


# -- commands ------------------------------------------------------------------------------------------------
def cmd_init_db(args: argparse.Namespace, out: TextIO) -> int:
    server = _server()  # opening migrates the state store's and the server's tables
    try:
        print(f"database ready: schema {server.settings.schema!r}, state tables version "
              f"{server.store.schema_version}", file=out)
    finally:
        server.close()
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    from .app import DISPATCH_QUEUE, SYNC_QUEUE, app

    _settings()  # a missing variable is reported before Celery starts
    argv = ["worker", "--loglevel", args.loglevel, "--pool", "prefork", "--concurrency", str(args.concurrency),
            "--queues", args.queues or f"{SYNC_QUEUE},{DISPATCH_QUEUE}", "--without-gossip", "--without-mingle"]
    if args.name:
        argv += ["--hostname", args.name]
    if args.beat:
        argv += ["--beat", "--schedule", args.schedule_file]
    app.worker_main(argv)
    return EXIT_OK


def cmd_beat(args: argparse.Namespace, out: TextIO) -> int:
    from .app import app

    _settings()
    app.Beat(schedule=args.schedule_file, loglevel=args.loglevel).run()
    return EXIT_OK


def cmd_set_defaults(args: argparse.Namespace, out: TextIO) -> int:
    from .admin import set_defaults

    server = _server()
    try:
        set_defaults(server.db, _read_toml(args.file), server.secrets)
    finally:
        server.close()
    print(f"defaults stored from {args.file}", file=out)
    return EXIT_OK


def cmd_add_profile(args: argparse.Namespace, out: TextIO) -> int:
    from .admin import add_profile

    overrides = _read_toml(args.settings) if args.settings else {}
    server = _server()
    try:
        add_profile(server.db, args.name, overrides, server.secrets, org=args.org, mailbox=args.mailbox,
                    enabled=not args.disabled)
    finally:
        server.close()
    print(f"profile {args.name} stored", file=out)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from .profiles import budget_keys, profile_config

    server = _server()
    try:
        defaults = server.db.defaults()
        rows = []
        for row in server.db.profiles():
            try:
                config = profile_config(row, defaults, server.secrets)
                org, mailbox = budget_keys(row, config)
                pim = config.adapters.pim.type if config.adapters.pim else "-"
                crm = config.adapters.crm.type if config.adapters.crm else "-"
                problem = ""
            except ConfigurationError as exc:
                org, mailbox, pim, crm, problem = row.org, row.mailbox, "?", "?", str(exc)
            rows.append({"profile": row.profile, "enabled": row.enabled, "pim": pim, "crm": crm, "org": org,
                         "mailbox": mailbox, "problem": problem})
    finally:
        server.close()
    if args.json:
        json.dump(rows, out, indent=2)
        out.write("\n")
    else:
        _table(out, ["profile", "enabled", "pim", "crm", "org", "mailbox", "problem"], rows)
    return EXIT_OK


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    delta = (value - now).total_seconds()
    word = f"in {_span(delta)}" if delta >= 0 else f"{_span(-delta)} ago"
    return f"{value:%Y-%m-%d %H:%M} UTC ({word})"


def _span(seconds: float) -> str:
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    settings = _settings()
    from .db import ServerDB

    db = ServerDB(settings.dsn, schema=settings.schema)
    now = datetime.now(UTC)
    try:
        rows = db.status(now, history=HISTORY, running_within=timedelta(seconds=settings.time_limit))
    finally:
        db.close()
    if args.profile:
        rows = [row for row in rows if row["profile"] == args.profile]
    if args.json:
        json.dump([{k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()} for row in rows],
                  out, indent=2)
        out.write("\n")
        return EXIT_OK
    shown = []
    for row in rows:
        if row["running"]:
            state = f"syncing {row['running']}"
        elif not row["enabled"]:
            state = "disabled"
        elif row["claimed_until"] and row["claimed_until"] > now:
            state = "queued"
        elif row["backoff_until"] and row["backoff_until"] > now:
            state = "backing off"
        else:
            state = "idle"
        shown.append({"profile": row["profile"], "state": state, "next due": _when(row["next_due"], now),
                      "last success": _when(row["last_success"], now), "errors": row["error_count"],
                      "back-off until": _when(row["backoff_until"], now),
                      "runs 30d": row["runs"], "failed 30d": row["failures"],
                      "last error": (row["last_error"] or "")[:60]})
    _table(out, ["profile", "state", "next due", "last success", "errors", "back-off until", "runs 30d",
                 "failed 30d", "last error"], shown)
    print(f"{len(rows)} profile(s); {sum(1 for r in shown if r['state'].startswith('syncing'))} syncing, "
          f"{sum(1 for r in rows if r['error_count'])} with errors", file=out)
    return EXIT_OK


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    from .tasks import sync_profile

    _settings()
    sync_profile.apply_async((args.name, args.kind, "operator"))
    print(f"sync of {args.kind}s of profile {args.name} queued", file=out)
    return EXIT_OK


def _table(out: TextIO, columns: list[str], rows: list[dict[str, Any]]) -> None:
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip(), file=out)


# -- parser --------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="syncore server", description="Run and operate the syncore worker "
                                     "fleet (Celery + PostgreSQL). Needs SYNCORE_DATABASE_URL and SYNCORE_BROKER_URL.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init-db", help="create or migrate the tables (also done by every process at start)")
    p.set_defaults(func=cmd_init_db)
    p = sub.add_parser("worker", help="run a Celery worker (syncs and dispatcher ticks)")
    p.add_argument("--concurrency", type=int, default=2, help="syncs in parallel (processes; default 2)")
    p.add_argument("--queues", help="comma-separated queues (default: syncore.sync,syncore.dispatch)")
    p.add_argument("--name", help="the worker's node name, e.g. sync1@%%h")
    p.add_argument("--loglevel", default="INFO")
    p.add_argument("--beat", action="store_true",
                   help="also run the dispatcher's beat in this worker (a single-machine deployment: one only)")
    p.add_argument("--schedule-file", default="celerybeat-schedule", help="with --beat: beat's last run times")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("beat", help="run the one periodic dispatcher (exactly one per deployment)")
    p.add_argument("--schedule-file", default="celerybeat-schedule", help="where beat keeps its last run times")
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(func=cmd_beat)
    p = sub.add_parser("set-defaults", help="store the settings every profile starts from (a settings file)")
    p.add_argument("file", metavar="DEFAULTS.toml")
    p.set_defaults(func=cmd_set_defaults)
    p = sub.add_parser("add-profile", help="add or replace a user's profile (validated like a settings file)")
    p.add_argument("name")
    p.add_argument("--settings", metavar="USER.toml", help="the user's overrides of the defaults")
    p.add_argument("--org", help="the Salesforce org whose API budget it shares (default: from the CRM options)")
    p.add_argument("--mailbox", help="the mailbox whose concurrency cap it counts on (default: from the PIM options)")
    p.add_argument("--disabled", action="store_true", help="store it without syncing it")
    p.set_defaults(func=cmd_add_profile)
    p = sub.add_parser("list", help="the profiles, their sides, org and mailbox")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("status", help="per profile: state, next due, last success, errors, back-off, 30-day runs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--profile", help="only this profile")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("sync", help="queue one sync of a profile now (an operator's request)")
    p.add_argument("name")
    p.add_argument("kind", choices=["event", "contact", "task"])
    p.set_defaults(func=cmd_sync)
    return parser


def main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = build_parser().parse_args(list(argv))
    import psycopg

    try:
        return int(args.func(args, out))
    except ConfigurationError as exc:
        print(f"syncore server: error: {exc}", file=err)
        return EXIT_USAGE
    except psycopg.OperationalError as exc:
        print(f"syncore server: the database cannot be reached: {str(exc).splitlines()[0]}", file=err)
        return EXIT_BACKEND
