"""Shared helpers: import paths, CPU timing, sample data, in-memory worlds, and the result shape.

Every benchmark module exposes ``run(cfg: Config) -> Section``. Timings are CPU seconds of this process
(``time.process_time``): the machine is shared, so wall-clock absolutes would measure the neighbours.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "src" / "adapters"


def use_source_adapters() -> None:
    """Put src/adapters (and src) first on sys.path.

    A non-editable or stale install can leave adapter snapshots in site-packages, which would otherwise
    shadow the live sources (the adapter tests' conftest files do the same).
    """
    path = str(ADAPTERS)
    for entry in (str(ROOT / "src"), path):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    for name in [m for m in sys.modules if m.split(".")[0] in {"syncore_salesforce", "syncore_exchange"}]:
        module = sys.modules[name]
        if not str(getattr(module, "__file__", "") or "").startswith(path):
            del sys.modules[name]


use_source_adapters()

from syncore import Contact, Kind, SqliteStateStore, SyncEngine, SyncSettings
from syncore.testing import MemoryAdapter

T0 = datetime(2026, 11, 24, 9, tzinfo=UTC)


@attrs.define
class Config:
    """Options from the command line."""

    quick: bool = False
    soak: int | None = None
    jobs: int = 1
    verbose: bool = False


@attrs.define
class Target:
    """One target of the issue and what was measured against it."""

    name: str
    limit: str
    measured: str
    passed: bool | None  # None: not run / informational
    #: the issue-18 target this is (``"T1"`` …), listed in report.json's ``targets``; None for the others
    key: str | None = None

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "not run" if self.measured.startswith("not run") else "info"
        return "PASS" if self.passed else "MISS"


@attrs.define
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]


@attrs.define
class Section:
    """One benchmark's result, rendered into the Markdown report and dumped into the JSON one."""

    name: str
    title: str
    status: str = "ok"  # ok | not run | error
    reason: str = ""
    targets: list[Target] = attrs.field(factory=list)
    tables: list[Table] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    data: dict[str, Any] = attrs.field(factory=dict)
    cpu_seconds: float = 0.0


def not_run(name: str, title: str, reason: str, targets: list[str] = ()) -> Section:
    """A section for a benchmark that could not run (e.g. an adapter is unavailable)."""
    section = Section(name=name, title=title, status="not run", reason=reason)
    section.targets = [Target(t, "", f"not run: {reason}", None) for t in targets]
    return section


# -- timing ---------------------------------------------------------------------------------------------------
@contextmanager
def cpu_timer() -> Iterator[dict[str, float]]:
    """``with cpu_timer() as t: ...`` then ``t["cpu"]`` (process CPU seconds) and ``t["wall"]``."""
    out: dict[str, float] = {}
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        yield out
    finally:
        out["cpu"] = time.process_time() - cpu
        out["wall"] = time.perf_counter() - wall


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """Run ``fn`` ``repeat`` times; return the median CPU seconds and all samples."""
    samples = []
    for _ in range(repeat):
        with cpu_timer() as t:
            fn()
        samples.append(t["cpu"])
    return statistics.median(samples), samples


def ops_text(counts: dict[str, int]) -> str:
    """Request counts as "queryAll×1, query_more×2" (sorted by operation), or "none"."""
    return ", ".join(f"{op}×{n}" for op, n in sorted(counts.items())) or "none"


def fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float) -> str:
    if n < 1024:
        return f"{n:.0f} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024**2:.1f} MiB"


# -- sample data ----------------------------------------------------------------------------------------------
def contact(i: int, *, tag: str = "") -> Contact:
    """A realistic, unique contact (a Salesforce Contact's usual fields filled)."""
    return Contact(
        first_name=f"First{i}", last_name=f"Last{i}{tag}", email=f"user{i}@example{i % 97}.com",
        phone=f"+1 555 {i:07d}", title="Account Executive", company=f"Company {i % 500}",
        mailing_city="Berlin", mailing_country="Germany",
    )


def memory_world(n: int, *, batch_size: int = 200, state_path: str = ":memory:",
                 settings: SyncSettings | None = None,
                 real_ids: bool = False) -> tuple[SyncEngine, MemoryAdapter, MemoryAdapter]:
    """A PIM MemoryAdapter holding ``n`` contacts, an empty CRM MemoryAdapter, and an engine between them.

    ``real_ids``: the PIM's ids and versions are shaped like EWS ItemIds and change keys, the CRM's like
    Salesforce Ids and the Salesforce adapter's versions (:mod:`bench._realids`).
    """
    from ._realids import ews_change_key, ews_item_id, salesforce_id, salesforce_version

    clock = lambda: T0
    pim_ids = {"id_format": ews_item_id, "version_format": ews_change_key} if real_ids else {}
    crm_ids = {"id_format": salesforce_id, "version_format": salesforce_version} if real_ids else {}
    pim = MemoryAdapter(name="pim", formatted_bodies=True, batch_size=batch_size, clock=clock, **pim_ids)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, batch_size=batch_size, clock=clock, **crm_ids)
    for i in range(n):
        pim.put(contact(i))
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(state_path),
                        settings=settings or SyncSettings(max_delete_ratio=1.0), clock=clock)
    return engine, pim, crm


def synced_world(n: int, **kwargs: Any) -> tuple[SyncEngine, MemoryAdapter, MemoryAdapter]:
    """:func:`memory_world` after the initial sync and the echo sync (our own creates read back)."""
    engine, pim, crm = memory_world(n, **kwargs)
    engine.sync(Kind.CONTACT)
    engine.sync(Kind.CONTACT)
    pim.calls.clear()
    crm.calls.clear()
    return engine, pim, crm


# -- adapters -------------------------------------------------------------------------------------------------
def adapter_available(module: str, names: tuple[str, ...]) -> str | None:
    """None when ``module`` imports and has ``names``; else the reason (for a "not run" section)."""
    try:
        mod = importlib.import_module(module)
        for name in names:
            getattr(mod, name)
    except Exception as exc:  # noqa: BLE001 - any import failure means "unavailable"
        return f"adapter unavailable ({module}: {type(exc).__name__}: {exc})"
    return None


def error_section(name: str, title: str, exc: BaseException) -> Section:
    tb = traceback.format_exception(exc)
    return Section(name=name, title=title, status="error", reason=f"{type(exc).__name__}: {exc}",
                   notes=["```\n" + "".join(tb[-6:]).rstrip() + "\n```"])
