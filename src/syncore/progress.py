"""Progress on the terminal: one line per step, redrawn in place, for reads and writes alike.

:class:`Progress` is the one mechanism the command line and the demo use. Reads are reported by
:class:`ReportingAdapter`, which wraps a side and tells the progress line what each call is reading and how many
records came back (a full scan or a large fetch is many calls, so the count moves while it runs); writes are
reported from the engine's per-record events. Nothing is drawn unless the stream is a terminal, so piped output
and logs stay clean.

A small hand-written line rather than a progress library: it needs no thread, no dependency, and redraws only
between two calls the engine makes anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TextIO

from .abc import Adapter, ConnectionCheck
from .models import Kind, Record, Side
from .remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    CutRequest,
    DeleteRequest,
    RemoteRecord,
    UpdateRequest,
    WriteOutcome,
)
from .results import EventType, SyncEvent

_WRITES = (EventType.CREATED, EventType.UPDATED, EventType.DELETED, EventType.ERROR)


class Progress:
    """A one-line status on ``stream`` (a terminal), redrawn in place; :meth:`done` ends the line.

    :param enabled: draw at all (default: when ``stream`` is a terminal)
    """

    BAR_WIDTH = 30

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self._width = 0
        self._total = 0
        self._done = 0
        self._label = ""

    def status(self, text: str) -> None:
        """Show ``text`` as the current step."""
        if not self.enabled:
            return
        padding = " " * max(self._width - len(text), 0)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self._width = len(text)

    def done(self) -> None:
        """End the current line (the next output starts on a fresh line)."""
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()
        self._width = 0

    # -- writes ----------------------------------------------------------------------------------------------
    def start_writes(self, total: int, label: str) -> None:
        """Begin a bar of ``total`` record writes (advanced by :meth:`on_event`)."""
        self._total, self._done, self._label = max(total, 1), 0, label
        self._draw_bar()

    def on_event(self, event: SyncEvent) -> None:
        """An engine event; each record written (or failed) moves the bar."""
        if event.type in _WRITES and self._total:
            self._done = min(self._done + 1, self._total)
            self._draw_bar()

    def _draw_bar(self) -> None:
        filled = self.BAR_WIDTH * self._done // self._total
        self.status(f"{self._label} [{'#' * filled}{'.' * (self.BAR_WIDTH - filled)}] {self._done}/{self._total}")

    def end_writes(self) -> None:
        """Finish the bar."""
        self._total = 0
        self.done()


class ReportingAdapter(Adapter):
    """``adapter`` with every read reported to a :class:`Progress`; everything else passes straight through."""

    def __init__(self, adapter: Adapter, progress: Progress, label: str) -> None:
        self.inner = adapter
        self.progress = progress
        self.label = label
        self.adapter_name = adapter.adapter_name  # type: ignore[misc]
        self.display_name = getattr(adapter, "display_name", "")
        self._read: dict[Kind, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _reading(self, kind: Kind, what: str) -> None:
        self.progress.status(f"{self.label}: reading {kind.value} {what}… {self._read.get(kind, 0)} so far")

    def _got(self, kind: Kind, n: int) -> None:
        self._read[kind] = self._read.get(kind, 0) + n
        self.progress.status(f"{self.label}: {self._read[kind]} {kind.value} record(s) read")

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        self._reading(kind, "changes")
        result = self.inner.changes(kind, cursor)
        self._got(kind, len(result.upserts) + len(result.deletions) + len(result.unread))
        return result

    def full_scan(self, kind: Kind) -> ChangeSet:
        self._reading(kind, "records (full scan)")
        result = self.inner.full_scan(kind)
        self._got(kind, len(result.upserts))
        return result

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        self._reading(kind, f"{len(ids)} record(s)")
        result = self.inner.fetch(kind, ids)
        self._got(kind, len(result))
        return result

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        self._reading(kind, f"links of {len(links)} record(s)")
        result = self.inner.find_by_link(kind, links)
        self._got(kind, len(result))
        return result

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        return self.inner.create(kind, requests)

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        return self.inner.update(kind, requests)

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        return self.inner.delete(kind, requests)

    def cut_series(self, kind: Kind, requests: Sequence[CutRequest]) -> list[WriteOutcome]:
        return self.inner.cut_series(kind, requests)

    def check_connection(self) -> ConnectionCheck:
        return self.inner.check_connection()

    def is_native_id(self, kind: Kind, value: str) -> bool:
        return self.inner.is_native_id(kind, value)

    def represent(self, record: Record) -> Record:
        return self.inner.represent(record)

    def unmatched(self, kind: Kind, records: Sequence[Record]) -> list[str | None]:
        return self.inner.unmatched(kind, records)

    def sign_in(self, show: Callable[[str], None]) -> bool:
        return self.inner.sign_in(show)

    def adopt_ids(self, source: str, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
        return self.inner.adopt_ids(source, kind, ids)

    def unfit_reason(self, record: Record) -> str | None:
        return self.inner.unfit_reason(record)

    def close(self) -> None:
        self.inner.close()

    def reset(self) -> None:
        """Forget the counts (before the next plan)."""
        self._read.clear()


def reporting(adapters: dict[Side, Adapter], progress: Progress, labels: dict[Side, str]) -> dict[Side, Adapter]:
    """Each side wrapped in a :class:`ReportingAdapter` (unchanged when ``progress`` draws nothing)."""
    if not progress.enabled:
        return adapters
    return {side: ReportingAdapter(adapter, progress, labels[side]) for side, adapter in adapters.items()}
