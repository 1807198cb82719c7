"""Replay the soak's shrunk failures (their ``@reproduce_failure`` blobs) against the current tree.

    python -m bench.replay [bench/results/report.json ...]

Prints, per blob, whether the minimal failing example still fails and with what.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, reproduce_failure, settings
from hypothesis.stateful import run_state_machine_as_test

from bench import soak
from bench._common import ROOT

BLOB = re.compile(r"reproduce_failure\('([^']+)', (b'[^']+')\)")


def blobs(paths: list[Path]) -> list[tuple[str, bytes]]:
    found = []
    for path in paths:
        report = json.loads(path.read_text(encoding="utf-8"))
        for section in report["sections"]:
            if section["name"] != "soak":
                continue
            for failure in (section["data"].get("core") or {}).get("failures", []):
                found += [(version, eval(data)) for version, data in BLOB.findall(failure)]
    return found


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [ROOT / "bench" / "results" / "report.json"]
    still = 0
    for version, data in blobs(paths):
        machine = reproduce_failure(version, data)(soak._load_core_machine())
        try:
            run_state_machine_as_test(machine, settings=settings(deadline=None, database=None, print_blob=False,
                                                                 suppress_health_check=list(HealthCheck)))
            print(f"passes now: {data[:32]!r}...")
        except Exception as exc:  # noqa: BLE001 - reporting the failure is the point
            still += 1
            print(f"FAILS: {type(exc).__name__}: {str(exc)[:300]}\n  @reproduce_failure({version!r}, {data!r})")
    return 1 if still else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
