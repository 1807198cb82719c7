"""The syncore side of the end-to-end benchmark: one process running one tree's syncore against the emulators.

    python bench/_e2e_client.py --tree DIR --state FILE --conn JSON [--feed-mode fresh|settled]

Standalone on purpose (it imports nothing from ``bench``): ``bench/e2e.py`` runs it once with this tree and
once with an older commit checked out in a temporary worktree, so the two are measured by the same code. The
tree's ``src`` and ``src/adapters`` go first on ``sys.path``. The adapters are built the way a user's settings
build them: an exchangelib ``Account`` on the EWS endpoint (Basic auth and the server version pinned, so no
detection requests) and a simple-salesforce client with a session id (its https URLs routed to the emulator's
loopback port by a transport adapter), the state in a SQLite file, the wall clock everywhere.

Once ready it prints ``{"ready": ...}`` and answers commands read from stdin, one JSON line each:

* ``sync KIND`` — one ``engine.sync(KIND)``: the CPU seconds of this process it took (``time.process_time``),
  wall seconds, its counts and errors;
* ``profile FILE`` — profile the next ``sync`` into FILE (cProfile stats with a CPU clock for ``*.pstats``,
  else pyinstrument's text);
* ``quit``.
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


def _adapters(conn: dict, feed_mode: str | None):
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
    # (feed_mode only when asked: older trees have no such option)
    options = {"feed_mode": feed_mode} if feed_mode else {}
    return ExchangeAdapter(account), SalesforceAdapter(sf, **options)


class _Profile:
    def __init__(self, path: str) -> None:
        self.path = path
        if path.endswith(".pstats"):
            import cProfile

            self.profiler = cProfile.Profile(time.process_time)  # CPU only: waits on the emulators are not ours
            self.profiler.enable()
        else:
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.002)
            self.profiler.start()

    def stop(self) -> None:
        if self.path.endswith(".pstats"):
            self.profiler.disable()
            self.profiler.dump_stats(self.path)
        else:
            self.profiler.stop()
            Path(self.path).write_text(self.profiler.output_text(unicode=True, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--conn", required=True, help="the emulator process's JSON line")
    parser.add_argument("--feed-mode", choices=("fresh", "settled"), help="the Salesforce adapter's feed_mode")
    args = parser.parse_args()
    _paths(args.tree.resolve())
    from syncore import Kind, SqliteStateStore, SyncEngine, SyncSettings

    pim, crm = _adapters(json.loads(args.conn), args.feed_mode)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(args.state),
                        settings=SyncSettings(max_delete_ratio=1.0))
    print(json.dumps({"ready": str(Path(sys.modules["syncore"].__file__).parent)}), flush=True)
    profile_to = None
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "profile":
            profile_to = argument
            print(json.dumps({"profile": argument}), flush=True)
        elif command == "sync":
            profile = _Profile(profile_to) if profile_to else None
            cpu, wall = time.process_time(), time.perf_counter()
            result = engine.sync(Kind(argument))
            out = {"kind": argument, "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                   "ok": result.ok, "errors": [e.message for e in result.errors[:3]],
                   "counts": result.summary.as_dict()["counts"]}
            if profile is not None:
                profile.stop()
                profile_to = None
            print(json.dumps(out), flush=True)
        elif command == "quit":
            break
    engine.state.close()
    pim.close()
    crm.close()


if __name__ == "__main__":
    main()
