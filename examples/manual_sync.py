"""The recommended first sync: plan, show every change side by side, include or exclude each, apply, summarize.

    python examples/manual_sync.py                       # on the demo's sample data
    python examples/manual_sync.py --config syncore.toml # on your own accounts
    python examples/manual_sync.py --yes                 # include everything without asking

Nothing is written until you have seen the plan. A plan the safety policy flags (mass delete, an emptied side)
is applied only after you confirm it explicitly. When the input ends before an answer (``< /dev/null``, cron),
it stops at that question, writes nothing more and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from syncore import Kind, SqliteStateStore, SyncEngine
from syncore.config import Config
from syncore.context import open_context
from syncore.demo import build_demo_sides
from syncore.display import Display, side_labels
from syncore.errors import ConfigurationError, SyncoreError
from syncore.review import render_plan, render_plan_header, review_plan

# the syncore command line's exit codes: 2 bad settings or no answer to a question, 5 a backend failed
EXIT_USAGE = 2
EXIT_BACKEND = 5


def make_engine(config_path: str | None) -> tuple[SyncEngine, Callable[[], None]]:
    """The engine from a settings file, or over the demo's sample sides."""
    if config_path:
        return open_context(config_path).engine, lambda: None
    sides = build_demo_sides()
    print(f"Backends: {sides.description}")
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                        settings=Config().sync_settings())
    return engine, sides.close


def sync_all(engine: SyncEngine, yes: bool) -> None:
    """Plan, review and apply each kind in turn."""
    display = Display(labels=side_labels(engine.pim, engine.crm))  # "Exchange (PIM)", "Salesforce (CRM)"
    for kind in Kind:
        plan = engine.plan(kind)              # reads both sides, writes nothing
        print()
        if plan.is_empty or yes:
            print(render_plan(plan, display))   # every change, both sides side by side
            if plan.is_empty:
                continue
        else:
            print(render_plan_header(plan, display))
            if not review_plan(plan, display=display):   # include / exclude each change, resolve conflicts
                print(f"{kind.value}: cancelled, nothing written")
                continue
        force = False
        if plan.safety:
            if yes or input("The safety policy flags this plan. Apply anyway? [y/N] ").lower() != "y":
                print(f"{kind.value}: not applied")
                continue
            force = True
        result = engine.apply(plan, force=force)    # re-checks each source before writing it
        print()
        print(result.summary.render(display.labels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="settings file (default: the demo's sample data)")
    parser.add_argument("--yes", action="store_true", help="include every change without asking")
    args = parser.parse_args(argv)
    try:
        engine, close = make_engine(args.config)
        try:
            sync_all(engine, args.yes)
        finally:
            close()
    except EOFError:
        print("\nmanual_sync: no answer (end of input): stopped at the question; nothing more was written. "
              "Pass --yes to include every change without asking.", file=sys.stderr)
        return EXIT_USAGE
    except ConfigurationError as exc:
        print(f"manual_sync: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SyncoreError as exc:
        print(f"manual_sync: backend error: {exc}", file=sys.stderr)
        return EXIT_BACKEND
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
