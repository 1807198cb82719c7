"""The emulators' and the fake's modules import one another without cycles (issue 12 §4): every relative import,
at module level or inside a function, counts; imports only for type checkers (``if TYPE_CHECKING:``) do not run
and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = {
    "syncore.testing.emulation": SRC / "syncore/testing/emulation",
    "syncore_salesforce.emulator": SRC / "adapters/syncore_salesforce/emulator",
    "syncore_exchange.emulator": SRC / "adapters/syncore_exchange/emulator",
    "syncore_graph.emulator": SRC / "adapters/syncore_graph/emulator",
    "syncore_outlook.fake": SRC / "adapters/syncore_outlook/fake",
}


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join([package, *parts[:-1]] + ([] if parts[-1] == "__init__" else [parts[-1]]))


def _runtime_imports(tree: ast.AST) -> list[ast.ImportFrom]:
    found: list[ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(package: str, root: Path) -> dict[str, set[str]]:
    modules = {_module_name(package, root, p): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        edges = set()
        for node in _runtime_imports(ast.parse(path.read_text("utf-8"))):
            if not node.level:
                continue
            anchor = base[: len(base) - (node.level - 1)]
            targets = [".".join(anchor + node.module.split("."))] if node.module else []
            targets += [".".join(anchor + [a.name]) for a in node.names if not node.module]
            edges |= {t for t in targets if t in modules and t != name}
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycle(package):
    graph = import_graph(package, PACKAGES[package])
    assert len(graph) > 3
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_checker_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
