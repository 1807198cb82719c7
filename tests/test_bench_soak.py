"""`python -m bench.run --only soak` loads the core state machine from tests/engine in a process of its own.

The machine's rules live in modules beside it (state_machine_review, engine_world, ...); once they were split out,
the bench's loader failed with ModuleNotFoundError where pytest (whose rootdir insertion puts tests/engine on the
path) did not. So this runs the loader as the bench does: in a fresh interpreter, from the repository root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_bench_soak_loads_the_core_state_machine_in_a_fresh_process():
    done = subprocess.run(
        [sys.executable, "-c", "from bench import soak; machine = soak._load_core_machine(); "
                               "print(machine.__name__, machine.__module__)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["SyncMachine", "_bench_core_state_machine"]
