"""Drive auto sync from your own loop with the pure policy (here: asyncio).

    python examples/custom_scheduler.py --once            # one tick on the demo's sample data
    python examples/custom_scheduler.py --config syncore.toml

``syncore.schedule.decide(schedule, last_runs, now)`` says which kinds are due and when the next one is; it
never sleeps, reads a clock or touches a store, so it fits any scheduler. ``AutoSyncRunner.run_kind`` adds
the profile lock, holding flagged plans for review, and failure back-off; use it rather than calling
``engine.sync`` yourself.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from syncore import Kind, SqliteStateStore, SyncEngine
from syncore.cli import open_context
from syncore.config import AutoSync, Config
from syncore.demo import build_demo_sides
from syncore.runner import AutoSyncRunner
from syncore.schedule import Schedule, decide


async def auto_sync(runner: AutoSyncRunner, schedule: Schedule, *, once: bool) -> None:
    engine = runner.engine
    while True:
        now = datetime.now(UTC)
        # The inputs of the policy: the settings and each kind's last run from the state store.
        last_runs = {kind: engine.state.last_run(engine.settings.profile, kind) for kind in Kind}
        decision = decide(schedule, last_runs, now)
        for kind in decision.due:
            # Syncing talks to servers and blocks; keep the event loop free.
            outcome = await asyncio.to_thread(runner.run_kind, kind)
            print(f"{kind.value}: {outcome.status} {outcome.message}")
        if once or decision.next_run is None:
            print("next run:", decision.next_run)
            return
        await asyncio.sleep(max(0.0, (decision.next_run - datetime.now(UTC)).total_seconds()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="settings file (default: the demo's sample data, auto sync on)")
    parser.add_argument("--once", action="store_true", help="one tick, then exit")
    args = parser.parse_args(argv)
    if args.config:
        ctx = open_context(args.config)
        engine, config = ctx.engine, ctx.config
    else:
        sides = build_demo_sides()
        config = Config(auto_sync=AutoSync(enabled=True))
        engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                            settings=config.sync_settings())
    schedule = Schedule.from_config(config)
    runner = AutoSyncRunner(engine, schedule, notifications=config.notifications, summary=config.summary)
    try:
        asyncio.run(auto_sync(runner, schedule, once=args.once))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
