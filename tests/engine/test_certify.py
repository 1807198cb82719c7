"""The one-command certification (docs/adapters.md) runs, passes for the memory adapter and fails a broken
one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent


def certify(tmp_path, *options):
    plugins = {entry.value for entry in entry_points(group="pytest11")}
    assert "syncore.testing.pytest_plugin" in plugins, (
        "syncore's pytest11 entry point is not installed (an install older than pyproject.toml): "
        'pip install -e ".[dev]" again')
    # the command from docs/adapters.md, in a fresh process, from a directory of the author's own
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider",
                           "--pyargs", "syncore.testing.certify", *options],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


def counts(output):
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|xfailed|error)", output)}


def test_the_memory_adapter_and_backend_are_certified(tmp_path):
    code, output = certify(tmp_path, "--adapter-factory", "certify_factories:memory",
                           "--backend-factory", "syncore.testing.memory_backend:MemoryBackend.crm_like",
                           "--backend-side", "crm")
    assert code == 0, output
    found = counts(output)
    assert "failed" not in found and found["passed"] > 50, output
    # what was not certified is listed with the reason
    assert "memory ids do not name their kind (ids_name_their_kind = False)" in output


def test_an_adapter_that_trusts_any_id_is_not_certified(tmp_path):
    code, output = certify(tmp_path, "--adapter-factory", "certify_factories:trusting")
    assert code == 1, output
    failed = set(re.findall(r"FAILED \S+::(test_\w+)", output))
    assert failed == {"test_is_native_id_accepts_own_ids_and_refuses_malformed_ones"}, output
    # the end-to-end scenarios need a backend: skipped, saying which option they need
    assert "give --backend-factory MODULE:CALLABLE to run the end-to-end scenarios" in output

