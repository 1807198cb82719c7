"""The sync commands of the command line: plan, apply, sync, run, run-due, history, rebuild, unlock, demo."""

from __future__ import annotations

import argparse
import logging
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from ._files import make_private_dirs
from .cli_run import (
    EXIT_BACKEND,
    EXIT_HELD,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_RECORD_ERRORS,
    Run,
    display_zone,
)
from .context import Context
from .errors import ConfigurationError
from .models import Kind
from .notify import render_history
from .plan import Plan
from .progress import Progress
from .results import SyncEvent, SyncResult
from .review import conflict_record, render_conflict, render_plan, render_plan_header, review_plan

log = logging.getLogger("syncore.cli")

def _kinds(args: argparse.Namespace, ctx: Context) -> list[Kind]:
    if args.kinds:
        return [Kind(k) for k in args.kinds]
    return [kind for kind in Kind if ctx.config.jobs.for_kind(kind).enabled and _both_sides_sync(ctx, kind)]


def _both_sides_sync(ctx: Context, kind: Kind) -> bool:
    # A kind a side does not sync (its kinds option, or an app-only Microsoft 365 side without tasks) is left out
    # of the default kinds; asking for it by name is still the engine's clear error.
    return all(kind in adapter.capabilities.kinds for adapter in ctx.engine.adapters.values())


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
        ctx.engine, _synced(Schedule.from_config(ctx.config), ctx), notifications=ctx.config.notifications,
        summary=ctx.config.summary, on_summary=show_summary, notifier=show_event,
        review_dir=ctx.path(ctx.config.review_dir), on_outcome=show_outcome, command=run.command(),
    )


def _synced(schedule: Any, ctx: Context) -> Any:
    """The schedule without the kinds a side does not sync (see :func:`_both_sides_sync`)."""
    return attrs.evolve(schedule, kinds=frozenset(k for k in schedule.kinds if _both_sides_sync(ctx, k)))


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
                    progress=run.progress, pim=run.args.pim)


