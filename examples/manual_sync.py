"""The recommended first sync: plan, show every change side by side, include or exclude each, apply, summarize.

    python examples/manual_sync.py                       # on the demo's sample data
    python examples/manual_sync.py --config syncore.toml # on your own accounts
    python examples/manual_sync.py --yes                 # include everything without asking

Nothing is written until you have seen the plan. A plan the safety policy flags (mass delete, an emptied side)
is applied only after you confirm it explicitly.
"""

from __future__ import annotations

import argparse

from syncore import Kind, SqliteStateStore, SyncEngine
from syncore.cli import open_context
from syncore.config import Config
from syncore.demo import build_demo_sides
from syncore.review import render_plan, review_plan


def make_engine(config_path: str | None) -> tuple[SyncEngine, object]:
    """The engine from a settings file, or over the demo's sample sides."""
    if config_path:
        return open_context(config_path).engine, lambda: None
    sides = build_demo_sides()
    print(f"Backends: {sides.description}")
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                        settings=Config().sync_settings())
    return engine, sides.close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="settings file (default: the demo's sample data)")
    parser.add_argument("--yes", action="store_true", help="include every change without asking")
    args = parser.parse_args(argv)
    engine, close = make_engine(args.config)
    try:
        for kind in Kind:
            plan = engine.plan(kind)              # reads both sides, writes nothing
            print()
            print(render_plan(plan))              # every change, Outlook and Salesforce side by side
            if plan.is_empty:
                continue
            if not args.yes and not review_plan(plan):   # include / exclude each change, resolve conflicts
                print(f"{kind.value}: cancelled, nothing written")
                continue
            force = False
            if plan.safety:
                if args.yes or input("The safety policy flags this plan. Apply anyway? [y/N] ").lower() != "y":
                    print(f"{kind.value}: not applied")
                    continue
                force = True
            result = engine.apply(plan, force=force)    # re-checks each source before writing it
            print()
            print(result.summary.render())
    finally:
        close()  # type: ignore[operator]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
