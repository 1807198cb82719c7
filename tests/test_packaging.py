"""What a wheel user gets: the licence, type information, and the documentation the messages point to."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from syncore.docs import topics

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("syncore", "syncore_salesforce", "syncore_exchange", "syncore_outlook")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = folder.glob("syncore-*.whl")
    return built


def test_the_wheel_carries_licence_types_and_docs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
    (licence,) = [name for name in names if name.endswith("LICENSE")]
    assert "MIT License" in zipfile.ZipFile(wheel).read(licence).decode()
    docs = {Path(name).stem for name in names if re.fullmatch(r"syncore/docs/[^/]+\.md", name)}
    assert docs == {path.stem for path in (ROOT / "docs").glob("*.md")}


def test_syncore_docs_reads_the_wheels_copy(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import syncore.docs as d; print(d.docs_dir())"],
                            env={"PYTHONPATH": str(tmp_path), "PATH": ""}, capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert Path(result.stdout.strip()) == tmp_path / "syncore" / "docs"


def _message_strings(path: Path) -> list[str]:
    """String literals that can reach a user (docstrings left out: they are for readers of the code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_every_pointer_in_a_message_names_a_topic_that_exists():
    known = set(topics())
    texts = [text for path in sorted((ROOT / "src").rglob("*.py")) if "emulator" not in path.parts
             for text in _message_strings(path)]
    pointers = {topic for text in texts for topic in re.findall(r"syncore docs ([a-z_]+)", text)}
    assert pointers and pointers <= known, pointers - known
    # no message sends a wheel user to a checkout's docs/ folder
    assert [text for text in texts if re.search(r"docs/\w+\.md", text)] == []
