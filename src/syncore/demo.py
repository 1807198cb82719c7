"""``syncore demo``: a manual sync end to end against sample data, with nothing to set up.

:func:`build_demo_sides` produces the two sides. It starts an emulator for each side through the registry's
``syncore.emulators`` entry points (the Exchange and Salesforce emulators, reached by the real adapters over
127.0.0.1; ``pim="graph"`` puts the Microsoft Graph emulator on the Outlook side); when none can start it falls back to two in-memory sides (Outlook-like with formatted bodies, and
Salesforce-like with plain text). Either way both are seeded with the same sample week (see
:mod:`syncore.testing.demo_data`), some records already on both sides. Every run starts afresh: nothing is
kept after it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import attrs

from .abc import Adapter
from .config import Config
from .display import Display, record_title, side_labels
from .emulated import close_all, start_backends
from .engine import SyncEngine
from .errors import ConfigurationError, SafetyLimitExceeded
from .models import Kind, Side
from .plan import Plan
from .progress import Progress, reporting
from .registry import emulator_names
from .review import render_plan, render_plan_header, review_plan
from .state import SqliteStateStore
from .testing.demo_data import SampleData, sample_data, seed
from .testing.demo_file import (
    DemoFileAdapter,  # the old registry path syncore.demo:DemoFileAdapter still works
)
from .testing.memory import MemoryAdapter
from .timezones import UTC, zone

__all__ = ["DemoFileAdapter", "DemoSides", "SampleData", "build_demo_sides", "run_demo", "sample_data", "seed"]


@attrs.define(kw_only=True)
class DemoSides:
    """The two demo backends, a line saying what they are, and how to shut them down."""

    pim: Adapter
    crm: Adapter
    description: str
    close: Callable[[], None] = lambda: None


def build_demo_sides(*, today: date | None = None, zone_name: str = "UTC", prefer_emulators: bool = True,
                     pim: str | None = None) -> DemoSides:
    """The demo's PIM and CRM sides, seeded with :func:`sample_data`.

    :param prefer_emulators: try the installed emulators first (falls back to memory sides, saying why)
    :param pim: the emulator that plays the Outlook side (``"graph"``); default: the first installed one
    :raises ConfigurationError: when ``pim`` names no installed emulator or one of the other side (a typo is not
        a reason to fall back)
    """
    if pim is not None and prefer_emulators and pim not in emulator_names():
        raise ConfigurationError(f"--pim {pim}: no such emulator; installed: {', '.join(emulator_names()) or 'none'}",
                                 key="pim", value=pim)
    data = sample_data(today or datetime.now(UTC).date(), zone_name)
    reason = "not asked for (--memory)"
    if prefer_emulators:
        try:
            backends = start_backends(chosen={Side.PIM: pim} if pim else None)
        except ConfigurationError as exc:
            if pim is not None and exc.value == pim:
                raise  # the emulator asked for by name cannot play the Outlook side: a usage error, no fallback
            reason = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - any problem means: use the memory sides instead
            reason = f"{type(exc).__name__}: {exc}"
        else:
            try:
                pim, crm = backends[Side.PIM].adapter(), backends[Side.CRM].adapter()
                seed(pim, [*data.pim_only, *data.both])
                seed(crm, [*data.crm_only, *data.both])
            except Exception as exc:  # noqa: BLE001
                close_all(backends)
                reason = f"the emulators could not be seeded: {type(exc).__name__}: {exc}"
            else:
                description = " and ".join(backend.description for backend in backends.values())
                return DemoSides(pim=pim, crm=crm, close=lambda: close_all(backends),
                                 description=f"{description}, through the real adapters")
    pim = MemoryAdapter(name="outlook", formatted_bodies=True, display_name="Outlook-like, in memory")
    crm = MemoryAdapter(name="salesforce", formatted_bodies=False, display_name="Salesforce-like, in memory")
    seed(pim, [*data.pim_only, *data.both])
    seed(crm, [*data.crm_only, *data.both])
    return DemoSides(pim=pim, crm=crm,
                     description=f"in-memory sides (Outlook-like with formatted bodies, Salesforce-like plain text); "
                                 f"emulators not used: {reason}")


def paired_titles(plan: Plan) -> list[str]:
    """Records this plan found on both sides and pairs instead of copying (nothing is written for them)."""
    written = {op.pair_id for op in plan.operations}
    # found_base marks a pair found this sync; base is the record both sides agree on
    return [record_title(pair.base) for pair in plan.pairs
            if pair.found_base is not None and pair.pair_id not in written and pair.base is not None]


def run_demo(
    *,
    yes: bool = False,
    ask: Callable[[str], str] = input,
    show: Callable[[str], None] = print,
    state_path: str = ":memory:",
    prefer_emulators: bool = True,
    zone_name: str | None = None,
    progress: Progress | None = None,
    pim: str | None = None,
) -> int:
    """The recommended first sync on sample data: plan, review each change, apply, show the summary.

    :param yes: include every change without asking (non-interactive)
    :param zone_name: the zone times are shown in and the sample week is placed in (default: the system's)
    :param progress: show reads and writes on this progress line (the command line's, on a terminal)
    :param pim: the emulator that plays the Outlook side (see :func:`build_demo_sides`)
    :returns: the exit code (0 when every kind synced)
    :raises EOFError: when the input ends at a question (the caller says so; nothing more is written)
    """
    from .schedule import system_zone_name

    shown_zone = _safe_zone(zone_name or system_zone_name())
    sides = build_demo_sides(zone_name=shown_zone, prefer_emulators=prefer_emulators, pim=pim)
    labels = side_labels(sides.pim, sides.crm)
    display = Display(labels=labels, zone=shown_zone)
    show(f"Backends: {sides.description}")
    adapters = reporting({Side.PIM: sides.pim, Side.CRM: sides.crm}, progress, labels) if progress else {
        Side.PIM: sides.pim, Side.CRM: sides.crm}
    engine = SyncEngine(pim=adapters[Side.PIM], crm=adapters[Side.CRM], state=SqliteStateStore(state_path),
                        settings=Config().sync_settings(),
                        on_event=progress.on_event if progress is not None and progress.enabled else None)
    code = 0
    try:
        for kind in Kind:
            plan = engine.plan(kind)
            if progress is not None:
                progress.done()
            show("")
            if yes:
                show(render_plan(plan, display))
            else:
                show(render_plan_header(plan, display))
                if not review_plan(plan, ask=ask, show=show, display=display):
                    show(f"{kind.value} sync cancelled; nothing written")
                    continue
            paired = paired_titles(plan)
            if paired:
                show(f"  already on both sides, paired instead of copied: {', '.join(paired)}")
            try:
                if progress is not None:
                    progress.start_writes(len(plan.active_operations), f"{kind.value}: writing")
                try:
                    result = engine.apply(plan)
                finally:
                    if progress is not None:
                        progress.end_writes()
            except SafetyLimitExceeded as exc:
                show(f"{kind.value}: not applied: {exc}")
                code = max(code, 3)
                continue
            show("")
            show(result.summary.render(display.labels))
            if not result.ok:
                code = max(code, 1)
        show("")
        show("Done: the two sides are in step. Nothing was saved: every `syncore demo` starts again from the same "
             "sample week on fresh sides. Next: `syncore emulators` keeps emulators running for the other commands; "
             "`syncore init` sets up your own accounts (`syncore docs adapters`).")
    finally:
        sides.close()
        engine.state.close()
    return code


def _safe_zone(name: str) -> str:
    try:
        zone(name)
        return name
    except Exception:  # noqa: BLE001
        return "UTC"
