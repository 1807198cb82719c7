"""EWS calls for recurring series (issue 14): a series costs O(1) requests whatever its number of occurrences.

World: the real ExchangeAdapter (exchangelib over HTTP to the in-repo EWS emulator) as the PIM ⇄ a CRM
MemoryAdapter that holds rules. S weekly series in Europe/Berlin, each with N occurrences, one cancelled and one
moved occurrence, are created in the CRM and synced to Exchange (the create sync); then one occurrence of each is
edited and one more cancelled in the CRM (the edit sync); then nothing changes (the quiet sync).

Expected per sync, independent of N (exchange.md §12: 100 items per write request): create: CreateItem + DeleteItem
+ UpdateItem + GetItem per 100 series (plus the feed's SyncFolderItems); edit: the masters and their exceptions read
(GetItem ×2), DeleteItem, UpdateItem, GetItem for the new change keys; quiet: 1 SyncFolderItems.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ._common import Config, Section, Table, Target, adapter_available, cpu_timer, fmt_s, not_run, ops_text

NAME = "series_ews"
TITLE = "EWS calls for recurring series (N occurrences each)"
NS = (5, 52, 520)
SERIES = 20
#: "now" of the syncs: the series start the next day, inside the sync window
NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _series(i: int, n: int, extra_exdate: bool = False, extra_override: bool = False):
    import itertools

    from syncore.models import Event
    from syncore.recurrence import Override, Recurrence
    from syncore.series import Series

    start = datetime(2031, 3, 4, 8, tzinfo=UTC) + timedelta(days=i % 5)  # 09:00 Berlin
    weekday = ("TU", "WE", "TH", "FR", "SA")[i % 5]
    rule = Recurrence(rule=f"FREQ=WEEKLY;BYDAY={weekday};COUNT={n}", zone="Europe/Berlin")
    plain = Event(subject=f"Series {i}", start=start, end=start + timedelta(hours=1), recurrence=rule)
    keys = list(itertools.islice(Series(plain).starts(), 5))
    exdates = [keys[1]] + ([keys[3]] if extra_exdate else [])
    overrides = [Override(original_start=keys[2], subject="moved")]
    if extra_override:
        overrides.append(Override(original_start=keys[4], location="Room 4"))
    return plain.replace(recurrence=Recurrence(rule=rule.rule, zone=rule.zone, exdates=exdates, overrides=overrides))


def _measure(n: int) -> dict:
    from exchangelib import EWSTimeZone

    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore.testing import MemoryAdapter
    from syncore_exchange import ExchangeAdapter
    from syncore_exchange.emulator import EwsEmulator, clear_protocol_cache

    emu = EwsEmulator(mailboxes=["user@example.com"]).start()
    pim = ExchangeAdapter(emu.account(default_timezone=EWSTimeZone("Europe/Berlin")), sleep=lambda s: None)
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=lambda: NOW)
    ids = [crm.put(_series(i, n)) for i in range(SERIES)]

    def sync() -> dict:
        emu.reset_log()
        with cpu_timer() as t:
            result = engine.sync(Kind.EVENT)
        counts = dict(emu.request_counts())
        return {"ok": result.ok, "calls": sum(counts.values()), "by_op": counts, "cpu": t["cpu"]}

    try:
        out = {"create": sync()}
        for i, crm_id in enumerate(ids):
            crm.edit(crm_id, recurrence=_series(i, n, extra_exdate=True, extra_override=True).recurrence)
        out["edit"] = sync()
        out["quiet"] = sync()
        out["masters"] = len(emu.items("calendar"))
        return out
    finally:
        pim.close()
        emu.stop()
        clear_protocol_cache()


def run(cfg: Config) -> Section:
    reason = adapter_available("syncore_exchange", ("ExchangeAdapter",))
    targets = ["series writes independent of the number of occurrences"]
    if reason:
        return not_run(NAME, TITLE, reason, targets)
    section = Section(name=NAME, title=TITLE)
    results = {n: _measure(n) for n in NS}
    rows = []
    for n, r in results.items():
        rows.append([n, r["masters"], *(f"{r[p]['calls']} ({ops_text(r[p]['by_op'])})" for p in ("create", "edit", "quiet")),
                     fmt_s(r["create"]["cpu"])])
    section.tables.append(Table(f"{SERIES} weekly series, Europe/Berlin, CRM → Exchange",
                                ["occurrences each", "masters", "create sync", "edit sync", "quiet sync", "create CPU"],
                                rows))
    same = len({(r["create"]["calls"], r["edit"]["calls"], r["quiet"]["calls"]) for r in results.values()}) == 1
    ok = same and all(r["create"]["ok"] and r["edit"]["ok"] and r["masters"] == SERIES for r in results.values())
    section.targets.append(Target(targets[0], "the same calls for every N",
                                  ", ".join(f"N={n}: {r['create']['calls']}/{r['edit']['calls']}/{r['quiet']['calls']}"
                                            for n, r in results.items()), ok))
    section.data = {str(n): r for n, r in results.items()}
    return section
