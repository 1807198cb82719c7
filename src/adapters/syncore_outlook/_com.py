"""The only module that touches pywin32: the COM thread, ``Dispatch("Outlook.Application")``, COM errors.

``pythoncom`` and ``win32com`` are imported lazily, inside the COM thread, so importing :mod:`syncore_outlook`
works everywhere (pywin32 ships Windows wheels only, reference §9.3). Outlook's object model is single-threaded
(an STA; "COM will serialize all calls", reference §9.2): one dedicated thread calls ``CoInitialize``, creates
every COM object and runs every adapter call; other threads hand it work through a queue, so no COM object
ever crosses a thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from .errors import OutlookUnavailable, is_com_error, translate

T = TypeVar("T")

INSTALL_HINT = "pip install syncore[outlook] (pywin32, Windows only) and run on Windows with Outlook installed"


def _co_initialize() -> None:
    try:
        import pythoncom
    except ImportError as exc:
        raise OutlookUnavailable(f"Outlook over COM needs pywin32: {INSTALL_HINT}") from exc
    pythoncom.CoInitialize()


def _co_uninitialize() -> None:
    import pythoncom

    pythoncom.CoUninitialize()


def dispatch_outlook() -> Any:
    """``Outlook.Application`` (starts Outlook when needed). Call it on the COM thread."""
    try:
        import win32com.client
    except ImportError as exc:
        raise OutlookUnavailable(f"Outlook over COM needs pywin32: {INSTALL_HINT}") from exc
    try:
        return win32com.client.Dispatch("Outlook.Application")
    except Exception as exc:
        if is_com_error(exc):
            raise OutlookUnavailable(f"cannot start Outlook over COM: {translate(exc, 'Dispatch')}") from exc
        raise


class ComThread:
    """One thread owning a COM apartment; :meth:`call` runs a function on it and returns its result.

    :param initialize: run first on the thread (default ``pythoncom.CoInitialize``)
    :param uninitialize: run last on the thread (default ``pythoncom.CoUninitialize``)
    """

    def __init__(
        self,
        *,
        initialize: Callable[[], None] = _co_initialize,
        uninitialize: Callable[[], None] = _co_uninitialize,
        name: str = "syncore-outlook-com",
    ) -> None:
        self._initialize = initialize
        self._uninitialize = uninitialize
        self._queue: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> ComThread:
        """Start the thread and wait until its apartment is initialized (re-raises an initialization error)."""
        self._thread.start()
        self._ready.result()
        return self

    def _run(self) -> None:
        try:
            self._initialize()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that called start()
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            while (job := self._queue.get()) is not None:
                work, future = job
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(work())
                    except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                        future.set_exception(exc)
        finally:
            self._uninitialize()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on the COM thread and return its result (or raise its exception)."""
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        if not self._thread.is_alive():
            raise OutlookUnavailable("the Outlook COM thread is not running (adapter closed?)")
        future: Future[T] = Future()
        self._queue.put((lambda: fn(*args, **kwargs), future))
        return future.result()

    @property
    def thread_id(self) -> int | None:
        """The COM thread's identifier."""
        return self._thread.ident

    def stop(self) -> None:
        """Finish queued work, uninitialize COM and end the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def connect() -> tuple[ComThread, Any]:
    """Start a COM thread and dispatch Outlook on it; returns both (the Application lives on that thread)."""
    thread = ComThread().start()
    try:
        return thread, thread.call(dispatch_outlook)
    except BaseException:
        thread.stop()
        raise
