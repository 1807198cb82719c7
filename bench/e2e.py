"""End to end, the way a user runs syncore: the real adapters, the emulators in another process, state in a file.

Three processes per run: the emulators (``bench/_e2e_emulators.py``: the EWS and the Salesforce emulator of this
tree, real-time clocks, N contacts and N timed events in the mailbox, Salesforce empty), one syncore
(``bench/_e2e_client.py``, a standalone driver run with a tree's ``src`` first on ``sys.path``) and this one,
which sends both their commands and reads their CPU clocks. Nothing is in-process, so each CPU figure is one
process's own.

* **T1** — the first sync of the contacts and the events (Exchange → Salesforce): syncore's CPU against the same
  sync by the code of commit ``e34b74c`` (checked out into a temporary ``git worktree`` in /tmp, run by the same
  driver in its own process, against fresh emulators of this tree, in this same run), and against the
  emulators' CPU during the sync. Targets: ≥ 3× lower than e34b74c; ≤ 1.5× the emulators'.
* **T7** — requests per kind and side of a no-change sync right after that bulk load, from the emulators' logs,
  in both of the Salesforce adapter's feed modes (a run each). Target: 1. ``fresh`` (the default): after the
  echo sync that reads the engine's own creates back, a sync right after it and a back-to-back one. A fresh read
  takes what is newer than the largest stamp read (nothing, here) and the span Get Updated's
  ``latestDateCovered`` settles since the previous read (a whole minute: docs/salesforce.md, change feed), where
  rows committed late are found. So the bench then waits, in real time, for the Salesforce clock's next
  minute and measures three more syncs: the first of that minute, which re-reads once what was stamped in the
  echo's minute (at most the load), the next one and a back-to-back one (1 again).
  ``settled``: reads stop at the covered minute, so the syncs right after the load and back to back read
  nothing of it; the first sync of the next minute reads it once (``SETTLED_PHASES``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._common import ROOT, Config, Section, Table, Target, adapter_available, fmt_s, not_run, ops_text

NAME = "e2e"
TITLE = "End to end: real adapters, emulators in another process, state in a file (T1, T7)"
OLD_COMMIT = "e34b74c"
CPU_RATIO_GOAL = 3.0
EMULATOR_RATIO_GOAL = 1.5
KINDS = ("contact", "event", "task")
#: the syncs after the first one (feed_mode "fresh"); the fourth waits for the Salesforce clock's next minute first
PHASES = ("echo", "right after the load", "back to back", "first sync of a later minute",
          "the next sync", "back to back after it")
#: the same with feed_mode "settled": no echo right after the load (its minute is not covered yet); the third
#: waits for the next minute and reads the load once
SETTLED_PHASES = ("right after the load", "back to back", "first sync of a later minute", "the next sync",
                  "back to back after it")
#: requests to read n rows: the Composite request (its first 2,000-row page) and one per further page
PAGE = 2_000


class Child:
    """A subprocess spoken to in JSON lines (a command on stdin, one JSON answer on stdout)."""

    def __init__(self, args: list[str], cwd: Path, log: Path) -> None:
        self.log = log
        self._stderr = log.open("w")
        self.process = subprocess.Popen(args, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True, bufsize=1)

    def read(self) -> dict:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            self.process.wait(timeout=30)
            raise RuntimeError(f"{self.process.args[1:3]} exited ({self.process.returncode}): "
                               f"{self.log.read_text()[-1500:]}")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.write("quit\n")  # type: ignore[union-attr]
                self.process.stdin.flush()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


@contextlib.contextmanager
def old_tree(commit: str) -> Iterator[Path]:
    """``commit`` checked out into a temporary worktree in /tmp (removed afterwards)."""
    path = Path(tempfile.mkdtemp(prefix=f"syncore-{commit}-", dir="/tmp"))
    path.rmdir()
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), commit],
                   check=True, capture_output=True, text=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], capture_output=True,
                       check=False)
        shutil.rmtree(path, ignore_errors=True)


def run_tree(tree: Path, n: int, *, no_change: bool, profile: str | None = None,
             feed_mode: str | None = None) -> dict:
    """One first sync of ``n`` contacts + ``n`` events by ``tree``'s syncore; then, with ``no_change``, the
    syncs of ``PHASES`` (``SETTLED_PHASES`` with ``feed_mode="settled"``) of every kind, with the requests each
    one cost. Settled, the first sync starts just after a minute begins, so that the load lies in one minute
    (when it takes less than one) and the syncs right after it run in that minute."""
    with tempfile.TemporaryDirectory(prefix="syncore-e2e-") as tmp_name:
        tmp = Path(tmp_name)
        emulators = Child([sys.executable, "-m", "bench._e2e_emulators", "--contacts", str(n), "--events", str(n)],
                          cwd=ROOT, log=tmp / "emulators.log")
        client = None
        try:
            conn = emulators.read()
            client = Child([sys.executable, str(ROOT / "bench" / "_e2e_client.py"), "--tree", str(tree),
                            "--state", str(tmp / "state.db"), "--conn", json.dumps(conn),
                            *(["--feed-mode", feed_mode] if feed_mode else [])], cwd=tmp,
                           log=tmp / "client.log")
            ready = client.read()
            phases = SETTLED_PHASES if feed_mode == "settled" else PHASES
            if feed_mode == "settled":
                emulators.ask("next_minute")
            emulators.ask("counts")  # starts the request log afresh
            emulator_cpu = emulators.ask("cpu")["cpu"]
            first = []
            for kind in ("contact", "event"):
                if profile:
                    client.ask(f"profile {profile}.{kind}.pstats")
                first.append(client.ask(f"sync {kind}"))
            emulator_cpu = emulators.ask("cpu")["cpu"] - emulator_cpu
            out = {"tree": ready["ready"], "n": n, "first": first, "first_requests": emulators.ask("counts"),
                   "syncore_cpu": sum(r["cpu"] for r in first), "syncore_wall": sum(r["wall"] for r in first),
                   "emulator_cpu": emulator_cpu, "phases": {}}
            if no_change:
                if feed_mode == "settled":
                    # the tasks' first sync (EWS finds the task folder: GetFolder), which the fresh run's echo
                    # phase holds; not a no-change sync
                    client.ask("sync task")
                    emulators.ask("counts")
                for phase in phases:
                    if phase == "first sync of a later minute":
                        out["waited"] = emulators.ask("next_minute")["waited"]
                    out["phases"][phase] = {kind: {"sync": client.ask(f"sync {kind}"),
                                                   "requests": emulators.ask("counts")} for kind in KINDS}
            return out
        finally:
            if client is not None:
                client.close()
            emulators.close()


def _one_per_kind(phase: dict) -> bool:
    return all(sum(c["requests"]["ews"].values()) == 1 and sum(c["requests"]["salesforce"].values()) == 1
               for c in phase.values())


def _salesforce(phase: dict, kind: str) -> int:
    return sum(phase[kind]["requests"]["salesforce"].values())


def _requests_text(phase: dict) -> str:
    return "; ".join(f"{kind}: EWS {sum(c['requests']['ews'].values())}, "
                     f"Salesforce {sum(c['requests']['salesforce'].values())}" for kind, c in phase.items())


def run(cfg: Config) -> Section:
    reason = (adapter_available("syncore_salesforce", ("SalesforceAdapter",))
              or adapter_available("syncore_exchange", ("ExchangeAdapter",)))
    t1 = ["T1 e2e first sync CPU vs e34b74c", "T1 e2e first sync CPU vs the emulators"]
    fresh, settled = "(feed_mode fresh, the default)", "(feed_mode settled)"
    t7 = [f"T7 {fresh} no-change sync right after a bulk load: requests per kind per side",
          f"T7 {fresh} no-change sync back to back: requests per kind per side",
          f"T7 {fresh} the first sync once the load's minute is covered: Salesforce re-reads at most the load "
          + "once (late commits), EWS 1 per kind",
          f"T7 {fresh} no-change syncs after it, and back to back: requests per kind per side"]
    t7s = [f"T7 {settled} no-change sync right after a bulk load, and back to back: requests per kind per side",
           f"T7 {settled} the load read once (the first sync of a later minute), then no-change syncs back "
           + "to back: requests per kind per side"]
    if reason:
        return not_run(NAME, TITLE, reason, t1 + t7 + t7s)
    # (quick: 3,000 rows are more than one 2,000-row Salesforce query page, so the overlap re-read still shows)
    n = 3_000 if cfg.quick else 10_000
    size = f"{n:,} contacts + {n:,} events"
    quick = f" (quick: {size}, not 10,000 + 10,000)" if cfg.quick else ""
    section = Section(name=NAME, title=TITLE)
    new = run_tree(ROOT, n, no_change=True)
    calm = run_tree(ROOT, n, no_change=True, feed_mode="settled")
    try:
        with old_tree(OLD_COMMIT) as tree:
            old = run_tree(tree, n, no_change=False)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        old = None
        section.notes.append(f"commit {OLD_COMMIT} could not be run: {exc}")
    runs = [("this tree", new)] + ([(f"commit {OLD_COMMIT}", old)] if old else [])
    section.tables.append(Table(
        f"First sync of {size}, Exchange → Salesforce (CPU seconds of each process)",
        ["syncore", "syncore CPU", "syncore wall", "emulators CPU", "syncore / emulators", "EWS requests",
         "Salesforce requests"],
        [[label, fmt_s(r["syncore_cpu"]), fmt_s(r["syncore_wall"]), fmt_s(r["emulator_cpu"]),
          f"{r['syncore_cpu'] / r['emulator_cpu']:.2f}×", ops_text(r["first_requests"]["ews"]),
          ops_text(r["first_requests"]["salesforce"])] for label, r in runs]))
    ok = all(r["ok"] for _, run_ in runs for r in run_["first"])
    if old:
        ratio = old["syncore_cpu"] / new["syncore_cpu"]
        section.targets.append(Target(
            t1[0] + quick, f"≥ {CPU_RATIO_GOAL:.0f}× lower", f"{fmt_s(old['syncore_cpu'])} → "
            f"{fmt_s(new['syncore_cpu'])}: {ratio:.2f}× lower", ok and ratio >= CPU_RATIO_GOAL, key="T1"))
    else:
        section.targets.append(Target(t1[0] + quick, f"≥ {CPU_RATIO_GOAL:.0f}× lower",
                                      f"not run: commit {OLD_COMMIT} unavailable", None, key="T1"))
    share = new["syncore_cpu"] / new["emulator_cpu"]
    section.targets.append(Target(
        t1[1] + quick, f"≤ {EMULATOR_RATIO_GOAL}× the emulators' CPU",
        f"syncore {fmt_s(new['syncore_cpu'])}, emulators {fmt_s(new['emulator_cpu'])}: {share:.2f}×",
        ok and share <= EMULATOR_RATIO_GOAL, key="T1"))
    for mode, result in (("fresh", new), ("settled", calm)):
        rows = []
        for phase, kinds in result["phases"].items():
            for kind, c in kinds.items():
                rows.append([phase, kind, ops_text(c["requests"]["ews"]), ops_text(c["requests"]["salesforce"]),
                             fmt_s(c["sync"]["cpu"]), "ok" if c["sync"]["ok"] else "; ".join(c["sync"]["errors"])])
        section.tables.append(Table(f"The syncs after the load, per kind (this tree, feed_mode {mode}; {size}; "
                                    f"first sync {fmt_s(result['syncore_wall'])} wall)",
                                    ["sync", "kind", "EWS requests", "Salesforce requests", "syncore CPU",
                                     "result"], rows))
    # n rows read once: ceil(n / 2,000) requests for contacts and events (the load), 1 for tasks; then 1 each
    load = -(-n // PAGE)
    for name, phases in zip(t7[:2], (PHASES[1:2], PHASES[2:3]), strict=True):
        measured = [new["phases"][phase] for phase in phases]
        section.targets.append(Target(name + quick, "1 per kind per side",
                                      " | ".join(_requests_text(m) for m in measured),
                                      all(_one_per_kind(m) for m in measured), key="T7"))
    settling = new["phases"][PHASES[3]]
    section.targets.append(Target(
        t7[2] + quick, f"Salesforce ≤ {load}, ≤ {load}, 1; EWS 1", _requests_text(settling),
        all(sum(c["requests"]["ews"].values()) == 1 for c in settling.values())
        and all(_salesforce(settling, kind) <= most
                for kind, most in zip(KINDS, (load, load, 1), strict=True)),
        key="T7"))
    measured = [new["phases"][phase] for phase in PHASES[4:6]]
    section.targets.append(Target(t7[3] + quick, "1 per kind per side",
                                  " | ".join(_requests_text(m) for m in measured),
                                  all(_one_per_kind(m) for m in measured), key="T7"))
    measured = [calm["phases"][phase] for phase in SETTLED_PHASES[:2]]
    section.targets.append(Target(t7s[0] + quick, "1 per kind per side",
                                  " | ".join(_requests_text(m) for m in measured),
                                  all(_one_per_kind(m) for m in measured), key="T7"))
    reading, after = calm["phases"][SETTLED_PHASES[2]], [calm["phases"][p] for p in SETTLED_PHASES[3:]]
    read_once = (all(sum(c["requests"]["ews"].values()) == 1 for c in reading.values())
                 and [_salesforce(reading, kind) for kind in KINDS] == [load, load, 1])
    section.targets.append(Target(
        t7s[1] + quick, f"the load once ({load}, {load}, 1), then 1 per kind per side",
        " | ".join(_requests_text(m) for m in (reading, *after)),
        read_once and all(_one_per_kind(m) for m in after), key="T7"))
    section.notes.append(
        "Both clocks run in real time. The echo sync (the first after the load) reads the engine's own creates "
        "back from Salesforce's change feed; the first two T7 syncs follow immediately. A fresh read (the "
        "default) takes what is stamped past the largest stamp read so far, and the span of stamps that "
        "Get Updated's latestDateCovered settles since the previous read: a whole minute while no long "
        "transaction is open, because Get Updated ignores seconds. A row stamped in the current minute can "
        "still be committed late, and no SOQL filter tells it from a row already read, so the first sync once that minute is covered "
        "re-reads what was stamped in it, once (docs/salesforce.md, change feed). The bench waited "
        f"{new.get('waited', 0)} s for the Salesforce clock's next minute: its first sync re-reads what was "
        "loaded in the echo's minute; the next ones cost 1 request per kind.")
    section.notes.append(
        "feed_mode settled (a second run of this tree, on fresh emulators): a read returns only rows stamped "
        "before the minute Get Updated covers. The first sync starts just after a minute begins, so the load "
        "lies in that minute if it takes less than one (its wall time is in the table's title); the syncs right "
        "after it and back to back then read nothing of it (1 request per kind); the bench waits for the next "
        f"minute ({calm.get('waited', 0)} s), whose first sync reads the load once, and the syncs after that are "
        "1 request per kind again. The price: a change is reported a minute or two after it was made.")
    section.data = {"n": n, "new": new, "settled": calm, "old": old, "old_commit": OLD_COMMIT}
    return section
