"""Auto sync inside an application that already runs APScheduler 3.x.

    pip install "syncore[apscheduler]"
    python examples/embed_apscheduler.py --config syncore.toml
    python examples/embed_apscheduler.py --seconds 5     # demo sides, stop after 5 seconds

The helper adds one job that asks syncore's policy every minute what is due (frequency per kind, daily
window, back-off) and syncs it.
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from syncore import SqliteStateStore, SyncEngine
from syncore.cli import open_context
from syncore.config import AutoSync, Config
from syncore.demo import build_demo_sides
from syncore.integrations.apscheduler import schedule_auto_sync
from syncore.notify import SummaryPolicy
from syncore.runner import AutoSyncRunner
from syncore.schedule import Schedule


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="settings file (default: the demo's sample data, auto sync on)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    if args.config:
        ctx = open_context(args.config)
        engine, config = ctx.engine, ctx.config
        review_dir = ctx.path(config.review_dir)
    else:
        sides = build_demo_sides()
        config = Config(auto_sync=AutoSync(enabled=True), summary=SummaryPolicy.ALWAYS)
        engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                            settings=config.sync_settings())
        review_dir = None

    runner = AutoSyncRunner(engine, Schedule.from_config(config), notifications=config.notifications,
                            summary=config.summary, review_dir=review_dir)
    scheduler = BackgroundScheduler()
    schedule_auto_sync(scheduler, runner, check_every=timedelta(minutes=1))
    scheduler.start()
    try:
        if args.seconds is not None:
            time.sleep(args.seconds)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)  # waits for a sync in progress to finish
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
