"""_com.py: the only pywin32 importer, lazily; one COM thread that owns every Outlook object."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import syncore_outlook
from syncore.models import Kind, Task
from syncore.remote import CreateRequest
from syncore_outlook import OutlookComAdapter, OutlookUnavailable
from syncore_outlook._com import ComThread
from syncore_outlook.fake import FakeOutlook

ROOT = Path(syncore_outlook.__file__).parent
PYWIN32 = {"pythoncom", "pywintypes", "win32com", "win32api"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_com_module_imports_pywin32():
    users = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py") if _imports(p) & PYWIN32)
    assert users == ["_com.py"]


def test_importing_the_package_does_not_import_pywin32():
    code = (f"import sys; sys.path.insert(0, {str(ROOT.parent)!r}); import syncore_outlook; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {PYWIN32!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(sys.platform == "win32", reason="checks the behaviour without pywin32")
def test_connect_without_pywin32_says_how_to_install():
    try:
        import pythoncom  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pywin32 is installed")
    with pytest.raises(OutlookUnavailable, match=r"syncore\[outlook\]"):
        OutlookComAdapter.connect()


def test_com_thread_initializes_runs_everything_and_uninitializes():
    events: list[tuple[str, int]] = []
    thread = ComThread(initialize=lambda: events.append(("init", threading.get_ident())),
                       uninitialize=lambda: events.append(("uninit", threading.get_ident()))).start()
    ran_on = {thread.call(threading.get_ident) for _ in range(5)}
    assert ran_on == {thread.thread_id} and thread.thread_id != threading.get_ident()
    with pytest.raises(ZeroDivisionError):
        thread.call(lambda: 1 / 0)
    assert thread.call(lambda: 42) == 42, "an exception does not kill the thread"
    thread.stop()
    assert events == [("init", thread.thread_id), ("uninit", thread.thread_id)]
    with pytest.raises(OutlookUnavailable):
        thread.call(lambda: 1)


def test_initialization_failure_is_raised_by_start():
    def fail() -> None:
        raise OutlookUnavailable("no COM here")

    with pytest.raises(OutlookUnavailable, match="no COM here"):
        ComThread(initialize=fail, uninitialize=lambda: None).start()


class _ThreadCheckingApp:
    """Wraps the fake's Application and records the thread of every attribute access on it."""

    def __init__(self, app):
        self._app = app
        self.threads: set[int] = set()

    def __getattr__(self, name):
        self.threads.add(threading.get_ident())
        return getattr(self._app, name)


def test_adapter_calls_run_on_the_com_thread():
    fake = FakeOutlook(local_zone="Europe/Berlin")
    thread = ComThread(initialize=lambda: None, uninitialize=lambda: None).start()
    app = _ThreadCheckingApp(fake.application)
    adapter = OutlookComAdapter(app, runner=thread)
    (out,) = adapter.create(Kind.TASK, [CreateRequest(ref="t", record=Task(subject="threaded"))])
    assert adapter.fetch(Kind.TASK, [out.id])[out.id].record.subject == "threaded"
    adapter.represent(Task(subject="x"))
    adapter.close()
    assert app.threads == {thread.thread_id}
    adapter.close()  # idempotent
    with pytest.raises(OutlookUnavailable, match="closed"):
        adapter.fetch(Kind.TASK, [out.id])
