"""The README's Quick start stays true: CI runs exactly the documented test command."""

from __future__ import annotations

import re
from pathlib import Path

from syncore import Action, Side

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "demo" in commands[0] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quick_start_commands()[1] in ci_lines


def test_readme_example_runs(tmp_path, monkeypatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## The public API in one example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README example", "exec"), namespace)
    assert namespace["result"].summary.count(Side.CRM, Action.CREATE) == 1
    assert len(namespace["salesforce"].records(namespace["Kind"].EVENT)) == 1
