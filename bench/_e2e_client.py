"""The syncore side of the end-to-end benchmark: one process running one tree's syncore against the emulators.

    python bench/_e2e_client.py --tree DIR --state FILE --conn JSON [--kind contact --kind event] [--repeat-echo]

Standalone on purpose (it imports nothing from ``bench``): ``bench/e2e.py`` runs it once with this tree and
once with an older commit checked out in a temporary worktree, so the two are measured by the same code. The
tree's ``src`` and ``src/adapters`` go first on ``sys.path``. The adapters are built the way a user's settings
build them: an exchangelib ``Account`` on the EWS endpoint (Basic auth and the server version pinned, so no
detection requests) and a simple-salesforce client with a session id (its https URLs routed to the emulator's
loopback port by a transport adapter), the state in a SQLite file, the wall clock everywhere.

Prints one JSON line: the CPU seconds of this process spent in the syncs (``time.process_time``), wall
seconds, and each sync's counts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _paths(tree: Path) -> None:
    for entry in (tree / "src", tree / "src" / "adapters"):
        sys.path.insert(0, str(entry))


def _adapters(conn: dict):
    import requests
    from exchangelib import (
        BASIC,
        DELEGATE,
        Account,
        Build,
        Configuration,
        Credentials,
        EWSTimeZone,
        FailFast,
        Version,
    )
    from simple_salesforce import Salesforce

    from syncore_exchange import ExchangeAdapter
    from syncore_salesforce import SalesforceAdapter
    from syncore_salesforce.emulator.wiring import wire_session

    config = Configuration(service_endpoint=conn["ews_url"], credentials=Credentials(conn["mailbox"], conn["password"]),
                           auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)), retry_policy=FailFast())
    account = Account(conn["mailbox"], config=config, autodiscover=False, access_type=DELEGATE,
                      default_timezone=EWSTimeZone("Europe/Berlin"))
    session = wire_session(requests.Session(), conn["sf_url"], None)
    sf = Salesforce(instance_url=conn["instance_url"], session_id=conn["session_id"], version=conn["api_version"],
                    session=session)
    return ExchangeAdapter(account), SalesforceAdapter(sf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--conn", required=True, help="the emulator process's JSON line")
    parser.add_argument("--kind", action="append", default=[])
    parser.add_argument("--echo", action="store_true", help="also run (and time) the next sync of each kind")
    parser.add_argument("--profile", metavar="FILE", help="profile the syncs into FILE: cProfile stats for *.pstats, else pyinstrument text")
    args = parser.parse_args()
    _paths(args.tree.resolve())
    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings

    pim, crm = _adapters(json.loads(args.conn))
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(args.state),
                        settings=SyncSettings(max_delete_ratio=1.0))
    out: dict = {"syncore": str(Path(sys.modules["syncore"].__file__).parent), "syncs": []}
    phases = ["first"] + (["echo"] if args.echo else [])
    profiler = None
    if args.profile and args.profile.endswith(".pstats"):
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU only: waits on the emulators are not our cost
        profiler.enable()
    elif args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    for phase in phases:
        cpu, wall = time.process_time(), time.perf_counter()
        for name in args.kind or ["contact", "event"]:
            result = engine.sync(Kind(name))
            errors = [e.message for e in result.errors[:3]]
            out["syncs"].append({"phase": phase, "kind": name, "ok": result.ok, "errors": errors,
                                 "counts": result.summary.as_dict()["counts"]})
        out[f"{phase}_cpu"] = time.process_time() - cpu
        out[f"{phase}_wall"] = time.perf_counter() - wall
    if profiler is not None and args.profile.endswith(".pstats"):
        profiler.disable()
        profiler.dump_stats(args.profile)
    elif profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
    engine.state.close()
    pim.close()
    crm.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
