"""Initial sync throughput of 10k contacts through both emulators, with a batch-size sweep.

Both real adapters, each on its in-repo emulator (HTTP on 127.0.0.1), synced by one engine:

* **EWS → Salesforce**: 10k contacts in the mailbox, Salesforce empty; the sweep varies the Salesforce
  write batch (sObject Collections, at most 200).
* **Salesforce → EWS**: 10k contacts in Salesforce, the mailbox empty; the sweep varies the EWS CreateItem
  batch (exchangelib's default chunk is 100; EWS sets no item maximum, only a one-minute batch limit).

The batch size is applied with a delegating wrapper that lowers ``capabilities.max_*_batch`` (the engine
sizes its calls from it). Throughput = contacts / second of the initial sync (plan + apply), CPU and wall.
CPU includes both emulators (threads of this process); wall-clock depends on the machine's load and is
given for orientation only.
"""

from __future__ import annotations

from collections import Counter

from ._common import T0, Config, Section, Table, Target, adapter_available, cpu_timer, not_run, ops_text
from ._limit import BatchLimited

NAME = "throughput"
TITLE = "Initial sync throughput through both emulators (batch-size sweep)"


def _worlds():
    from exchangelib import EWSTimeZone

    from syncore_exchange import ExchangeAdapter
    from syncore_exchange.emulator import EwsEmulator
    from syncore_salesforce import SalesforceAdapter
    from syncore_salesforce.emulator import SalesforceEmulator

    sf = SalesforceEmulator(start_time=T0).start()
    ews = EwsEmulator(mailboxes=["user@example.com"]).start()
    crm = SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=lambda s: None)
    pim = ExchangeAdapter(ews.account(default_timezone=EWSTimeZone("Europe/Berlin")), sleep=lambda s: None)
    return sf, ews, crm, pim


def one_run(n: int, direction: str, batch: int) -> dict:
    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings
    from syncore_exchange.emulator import clear_protocol_cache

    sf, ews, crm, pim = _worlds()
    try:
        if direction == "ews_to_sf":
            for i in range(n):
                ews.create_item(folder="contacts", fields={
                    "GivenName": f"First{i}", "Surname": f"Last{i}", "JobTitle": "Account Executive",
                    "EmailAddresses": {"EmailAddress1": f"user{i}@example{i % 97}.com"},
                    "PhoneNumbers": {"BusinessPhone": f"+1 555 {i:07d}"}})
            crm = BatchLimited(crm, max_create_batch=batch, max_update_batch=batch, max_delete_batch=batch)
        else:
            for i in range(n):
                sf.insert("Contact", {"FirstName": f"First{i}", "LastName": f"Last{i}", "Title": "Account Executive",
                                      "Email": f"user{i}@example{i % 97}.com", "Phone": f"+1 555 {i:07d}",
                                      "OwnerId": sf.user_id})
            pim = BatchLimited(pim, max_create_batch=batch, max_update_batch=batch, max_delete_batch=batch)
        sf.clock.advance(minutes=5)
        engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"),
                            settings=SyncSettings(max_delete_ratio=1.0), clock=sf.clock.now)
        sf.reset_log()
        ews.reset_log()
        with cpu_timer() as t:
            result = engine.sync(Kind.CONTACT)
        created = result.summary.as_dict()["counts"]
        assert result.ok, [e.message for e in result.errors[:3]]
        calls = {"salesforce": dict(Counter(e.operation for e in sf.requests)), "ews": dict(ews.request_counts())}
        assert not sf.errors, sf.errors[:1]
        return {"n": n, "direction": direction, "batch": batch, "cpu": t["cpu"], "wall": t["wall"],
                "created": created, "calls": calls}
    finally:
        crm.close()
        pim.close()
        sf.stop()
        ews.stop()
        clear_protocol_cache()


def run(cfg: Config) -> Section:
    reason = (adapter_available("syncore_salesforce", ("SalesforceAdapter",))
              or adapter_available("syncore_exchange", ("ExchangeAdapter",))
              or adapter_available("syncore_salesforce.emulator", ("SalesforceEmulator",))
              or adapter_available("syncore_exchange.emulator", ("EwsEmulator",)))
    if reason:
        return not_run(NAME, TITLE, reason, ["initial sync throughput of 10k contacts"])
    n = 1_000 if cfg.quick else 10_000
    sweeps = {"ews_to_sf": [200] if cfg.quick else [50, 100, 200],
              "sf_to_ews": [100] if cfg.quick else [25, 50, 100, 250]}
    section = Section(name=NAME, title=TITLE)
    rows, runs = [], []
    for direction, batches in sweeps.items():
        for batch in batches:
            r = one_run(n, direction, batch)
            runs.append(r)
            sf_calls = sum(r["calls"]["salesforce"].values())
            ews_calls = sum(r["calls"]["ews"].values())
            rows.append(["EWS → Salesforce" if direction == "ews_to_sf" else "Salesforce → EWS", batch,
                         f"{n / r['cpu']:.0f}", f"{n / r['wall']:.0f}", f"{r['cpu']:.1f} s",
                         f"{sf_calls} ({ops_text(r['calls']['salesforce'])})",
                         f"{ews_calls} ({ops_text(r['calls']['ews'])})"])
    section.tables.append(Table(
        f"Initial sync of {n:,} contacts (one engine.sync, plan + apply)",
        ["direction", "write batch", "contacts / CPU s", "contacts / wall s", "CPU", "Salesforce calls",
         "EWS calls"], rows))
    best = max(runs, key=lambda r: r["n"] / r["cpu"])
    section.targets.append(Target(f"initial sync throughput, {n:,} contacts (informational; no target set)",
                                  "report", f"best {n / best['cpu']:.0f} contacts/CPU s "
                                  f"({best['direction']}, batch {best['batch']})", None))
    section.data = {"runs": runs}
    return section
