"""The core (src/syncore) never imports an adapter package (src/adapters/*): adapters are found by name through
the registry and the ``syncore.adapters`` / ``syncore.emulators`` entry points only."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "src" / "syncore"
ADAPTER_PACKAGES = sorted(path.name for path in (ROOT / "src" / "adapters").iterdir()
                          if (path / "__init__.py").exists())


def test_there_are_adapter_packages_to_keep_out():
    assert {"syncore_salesforce", "syncore_exchange", "syncore_outlook"} <= set(ADAPTER_PACKAGES)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_core_module_imports_an_adapter_anywhere_in_its_source():
    # Every import statement, also those inside functions (a lazy import is still a dependency).
    offending = [f"{path.relative_to(ROOT)}:{line}: import {name}"
                 for path in sorted(CORE.rglob("*.py")) for line, name in _imports(path)
                 if name.split(".")[0] in ADAPTER_PACKAGES]
    assert offending == []


def test_importing_every_core_module_loads_no_adapter():
    # The import graph as Python walks it, in a fresh interpreter: every module under syncore imported
    # (except __main__, which runs the command line rather than defining anything).
    script = """
import importlib, json, pkgutil, sys
import syncore
names = [m.name for m in pkgutil.walk_packages(syncore.__path__, "syncore.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout)
    assert "syncore.cli" in report["imported"] and "syncore.demo" in report["imported"]
    leaked = [name for name in report["loaded"] if name.split(".")[0] in ADAPTER_PACKAGES]
    assert leaked == []
