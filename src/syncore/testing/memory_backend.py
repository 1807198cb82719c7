"""The in-memory backend of the engine contract: a :class:`~syncore.testing.MemoryAdapter` and its user
API."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from ..models import Body, Event, Kind
from .backend import Backend, RequestLimits, StoredEvent
from .clock import ManualClock
from .memory import MemoryAdapter

#: the batch size the memory sides are built with below: their whole "protocol"
BATCH = 50


class MemoryBackend(Backend):
    """A PIM-like (formatted bodies, links) or CRM-like (plain text, no links) memory side."""

    limits = RequestLimits(
        write=BATCH, feed_page=None, fetch=BATCH,
        write_ops=frozenset({"create", "update", "delete"}), feed_ops=frozenset({"changes", "full_scan"}),
        fetch_ops=frozenset({"fetch"}), quiet={"changes": 1},
    )

    def __init__(self, now: datetime, *, name: str, formatted: bool, net_changes: bool = False) -> None:
        self.clock = ManualClock(now)
        self.adapter = MemoryAdapter(name=name, formatted_bodies=formatted, link_ids=formatted,
                                     batch_size=BATCH, clock=self.clock.now, net_changes=net_changes)

    @classmethod
    def pim_like(cls, now: datetime) -> MemoryBackend:
        return cls(now, name="pim", formatted=True)

    @classmethod
    def pim_like_with_net_changes(cls, now: datetime) -> MemoryBackend:
        """A PIM-like side whose feed reports net changes, as EWS's and Outlook's do."""
        return cls(now, name="pim", formatted=True, net_changes=True)

    @classmethod
    def crm_like(cls, now: datetime) -> MemoryBackend:
        return cls(now, name="crm", formatted=False)

    def user_create_event(self, event: Event) -> str:
        return self.adapter.put(event)

    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        if "text" in changes:
            changes["body"] = Body(text=changes.pop("text"))
        self.adapter.edit(native_id, **changes)

    def user_delete_event(self, native_id: str) -> None:
        self.adapter.remove(native_id)

    def events(self) -> dict[str, StoredEvent]:
        return {native_id: StoredEvent(subject=e.subject, start=e.start, end=e.end, location=e.location,
                                       text=e.body.text, formatted=e.body.html)  # type: ignore[attr-defined]
                for native_id, e in self.adapter.records(Kind.EVENT).items()}

    def request_counts(self) -> Counter[str]:
        return Counter({op: n for op, n in self.adapter.calls.items() if n})

    def reset_requests(self) -> None:
        self.adapter.calls.clear()

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
