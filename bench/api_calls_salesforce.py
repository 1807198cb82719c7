"""Salesforce API calls of incremental syncs against the lower bound (salesforce.md §5), from the emulator's log.

World: a PIM MemoryAdapter ⇄ the real SalesforceAdapter (simple-salesforce over HTTP to the in-repo emulator,
External ID link field, session-id client), N contacts synced and settled. For each k, k contacts are edited in
Salesforce by another user and k *other* contacts are edited in the PIM (each becomes one Salesforce update);
then one sync is measured: every request in the emulator log counts.

Lower bound per sObject type: ``L = max(1, ⌈k_S/2000⌉) + 2·⌈w_update/200⌉ + ⌈w_delete/200⌉`` with k_S = k and
w_update = k here: an update batch is conditional, so it costs its collections PATCH and one read of its targets'
versions right before it (docs/salesforce.md, "Updates are conditional"; the read could take 2,000 ids at once,
but reading each batch just before its PATCH keeps the window in which an edit can be overwritten one round
trip). Target: calls ≤ L + 2. The next (unmeasured) sync reads the engine's own k writes back
(the echo); its calls are shown too. Also: a no-change sync's calls per kind.
"""

from __future__ import annotations

import math
from collections import Counter

from ._common import (
    Config,
    Section,
    Table,
    Target,
    adapter_available,
    contact,
    cpu_timer,
    fmt_s,
    not_run,
    ops_text,
)

NAME = "api_calls_salesforce"
TITLE = "Salesforce API calls against the lower bound (emulator request log)"
KS = (0, 1, 199, 200, 201, 2500)
LINK_FIELD = "Syncore_Link__c"


def lower_bound(k_read: int, w_update: int, w_delete: int = 0) -> int:
    # 2,000 rows per query page; 200 records per collections write, each update batch read first (conditional)
    return max(1, math.ceil(k_read / 2000)) + 2 * math.ceil(w_update / 200) + math.ceil(w_delete / 200)


class SalesforceWorld:
    """A started emulator, the adapters and an engine with ``n`` contacts synced and settled."""

    def __init__(self, n: int) -> None:
        from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings
        from syncore.testing import MemoryAdapter
        from syncore_salesforce import SalesforceAdapter
        from syncore_salesforce.emulator import SalesforceEmulator

        from ._common import T0

        self.kind = Kind.CONTACT
        self.emu = SalesforceEmulator(start_time=T0).start()
        for sobject in ("Contact", "Event", "Task"):
            self.emu.add_external_id(sobject, LINK_FIELD)
        self.crm = SalesforceAdapter(self.emu.client(), clock=self.emu.clock.now, sleep=lambda s: None,
                                     link_field=LINK_FIELD)
        self.pim = MemoryAdapter(name="pim", batch_size=512, clock=self.emu.clock.now)
        for i in range(n):
            self.pim.put(contact(i))
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=SqliteStateStore(":memory:"),
                                 settings=SyncSettings(max_delete_ratio=1.0), clock=self.emu.clock.now)
        self.initial = self.sync()
        self.echo = self.sync()
        self.pairs = sorted((p.crm_id, p.pim_id) for p in self.engine.state.iter_pairs("default", self.kind))
        self.round = 0

    def sync(self, kind=None) -> dict:
        """One sync; returns its request counts (all requests, and those counted against the daily limit)."""
        self.emu.clock.advance(minutes=5)
        self.emu.reset_log()
        with cpu_timer() as t:
            result = self.engine.sync(kind or self.kind)
        log = self.emu.requests
        assert not self.emu.errors, self.emu.errors[:1]
        return {"ok": result.ok, "errors": [e.message for e in result.errors[:3]], "calls": len(log),
                "counted": sum(e.counted for e in log), "by_op": dict(Counter(e.operation for e in log)),
                "cpu": t["cpu"], "counts": result.summary.as_dict()["counts"]}

    def case(self, k: int) -> dict:
        self.round += 1
        self.emu.clock.advance(minutes=5)
        crm_side = self.pairs[:k]
        pim_side = self.pairs[k : 2 * k]
        for crm_id, _ in crm_side:
            self.emu.update("Contact", crm_id, {"Title": f"Director {self.round}"})
        for _, pim_id in pim_side:
            self.pim.edit(pim_id, phone=f"+1 555 {self.round:03d}{len(pim_id):04d}")
        self.pairs = self.pairs[2 * k :] + self.pairs[: 2 * k]  # next case edits other records first
        measured = self.sync()
        echo = self.sync()
        return {"k": k, "measured": measured, "echo": echo, "lower_bound": lower_bound(k, k)}

    def close(self) -> None:
        self.crm.close()
        self.emu.stop()


def series_counts() -> tuple[list[list[object]], bool]:
    """Requests of syncing one weekly series of N occurrences from a PIM that holds rules, per Salesforce form."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from syncore import Event, Kind, Recurrence, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.remote import RecurrenceSupport
    from syncore.testing import MemoryAdapter
    from syncore_salesforce import SalesforceAdapter
    from syncore_salesforce.emulator import SalesforceEmulator

    writes = ("composite_create", "composite_update", "composite_delete", "composite_upsert",
              "delete_from_this_event_onwards")
    first = datetime(2026, 3, 16, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    rows: list[list[object]] = []
    ok = True
    for form, counts in (("lightning", (2, 50, 500)), ("classic", (2, 53))):
        for count in counts:
            emu = SalesforceEmulator(start_time=datetime(2026, 3, 10, tzinfo=UTC)).start()
            try:
                crm = SalesforceAdapter(emu.client(), clock=emu.clock.now, sleep=lambda s: None, series_form=form)
                pim = MemoryAdapter(name="pim", recurrence=RecurrenceSupport.RULES, clock=emu.clock.now)
                engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                                    clock=emu.clock.now)
                series_id = pim.put(Event(subject="1:1", start=first, end=first + timedelta(minutes=30),
                                          recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}",
                                                                zone="Europe/Berlin")))

                def one_sync(emu: SalesforceEmulator = emu, engine: SyncEngine = engine) -> tuple[int, int]:
                    emu.clock.advance(minutes=5)
                    emu.reset_log()
                    engine.sync(Kind.EVENT)
                    return sum(e.operation in writes for e in emu.requests), len(emu.requests)

                created, calls = one_sync()
                pim.edit_occurrence(series_id, first.astimezone(UTC), subject="moved")
                pim.cancel_occurrence(series_id, (first + timedelta(days=7)).astimezone(UTC))
                edited, _ = one_sync()
                echo, _ = one_sync()
                ok = ok and created == 1 and echo == 0
                rows.append([form, count, created, calls, edited, echo])
            finally:
                emu.stop()
    return rows, ok


def run(cfg: Config) -> Section:
    reason = adapter_available("syncore_salesforce", ("SalesforceAdapter",)) or adapter_available(
        "syncore_salesforce.emulator", ("SalesforceEmulator",))
    targets = [f"k = {k}: calls ≤ lower bound + 2" for k in KS] + ["no-change sync: 1 call per kind (Salesforce)"]
    if reason:
        return not_run(NAME, TITLE, reason, targets)
    ks = tuple(k for k in KS if k <= 201) if cfg.quick else KS
    n = 500 if cfg.quick else max(1000, 2 * max(ks))
    section = Section(name=NAME, title=TITLE)
    world = SalesforceWorld(n)
    try:
        rows, cases = [], []
        for k in ks:
            c = world.case(k)
            cases.append(c)
            m, bound = c["measured"], c["lower_bound"]
            ok = m["ok"] and m["calls"] <= bound + 2
            rows.append([k, m["calls"], m["counted"], bound, f"{m['calls'] / bound:.2f}", ops_text(m["by_op"]),
                         c["echo"]["calls"], fmt_s(m["cpu"]), "yes" if ok else "NO"])
            section.targets.append(Target(f"Salesforce calls, k = {k} changes each side", f"≤ L + 2 = {bound + 2}",
                                          f"{m['calls']} (ratio {m['calls'] / bound:.2f})", ok))
        section.tables.append(Table(
            f"Incremental contact syncs over {n:,} synced pairs: k Salesforce edits + k PIM edits",
            ["k", "calls", "counted", "lower bound L", "calls / L", "requests", "echo sync calls", "CPU", "≤ L+2"],
            rows))
        from syncore import Kind

        for kind in (Kind.EVENT, Kind.TASK):
            world.sync(kind)  # first sync of an empty kind is a full scan
        # A read re-reads what was stamped in the minute its previous read's Get Updated covered up to (rows a
        # long transaction commits late carry older stamps); these syncs are 5 minutes apart, so none does.
        after_burst = {kind.value: world.sync(kind) for kind in Kind}
        per_kind = {kind.value: world.sync(kind) for kind in Kind}
        section.tables.append(Table(
            "No-change sync, calls per kind (Salesforce)",
            ["kind", "first sync after the last writes", "requests", "every later no-change sync", "requests"],
            [[k, after_burst[k]["calls"], ops_text(after_burst[k]["by_op"]), v["calls"], ops_text(v["by_op"])]
             for k, v in per_kind.items()]))
        one = all(v["calls"] == 1 and v["ok"] for v in per_kind.values())
        section.targets.append(Target("no-change sync: 1 call per kind (Salesforce)", "1 per kind",
                                      ", ".join(f"{k} {v['calls']}" for k, v in per_kind.items()), one))
        section.notes.append(
            "Each Salesforce feed read is one Composite request (Get Updated, then the queryAll); it starts at the "
            "latestDateCovered answered before the previous read, a whole minute, so only syncs within a burst's "
            "minute re-read it (these syncs run 5 minutes apart on the emulator's clock).")
        section.notes.append(
            f"Initial load of {n:,} contacts: {world.initial['calls']} calls ({ops_text(world.initial['by_op'])}); "
            f"its echo sync: {world.echo['calls']} ({ops_text(world.echo['by_op'])})."
        )
        section.notes.append("CPU includes the emulator, which serves HTTP on a thread of this process.")
        if cfg.quick:
            section.notes.append("--quick: k = 2500 skipped (needs 5,000 synced contacts).")
        series_rows, series_ok = series_counts()
        section.tables.append(Table(
            "Recurring series (weekly, Europe/Berlin) written to Salesforce: requests per sync",
            ["form", "occurrences", "create sync: writes", "all requests", "1 moved + 1 cancelled: writes",
             "next sync: writes"], series_rows))
        section.targets.append(Target("series of N occurrences: O(1) writes", "1 create, whatever N",
                                      "; ".join(f"{r[0]} N={r[1]}: {r[2]}" for r in series_rows), series_ok))
        section.data = {"series": series_rows, "n": n, "cases": cases, "no_change": per_kind, "no_change_after_burst": after_burst, "initial": world.initial, "echo": world.echo}
    finally:
        world.close()
    return section
