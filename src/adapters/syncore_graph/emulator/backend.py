"""The engine contract's Graph backend: GraphAdapter over msal + httpx on the Graph emulator, plus a user who
edits the mailbox directly (as Outlook or OWA would), read back from the emulator's mailbox.

Protocol limits: a JSON ``$batch`` holds at most 20 requests
(https://learn.microsoft.com/en-us/graph/json-batching), so writes and reads by id travel 20 to a request;
Outlook collections (a calendarView delta included) page 10 items unless ``Prefer: odata.maxpagesize`` asks
for more (https://learn.microsoft.com/en-us/graph/api/user-list-events, "default page size of 10"), so 10 is the
bound a feed read is held to whatever page size is asked. The request log's ``batch`` operation is split by
what it carried: ``batch (writes)`` when any sub-request writes, ``batch (reads)`` otherwise.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncore.models import Event
from syncore.testing.backend import Backend, RequestLimits, StoredEvent
from syncore.testing.clock import ManualClock

from ..adapter import GraphAdapter
from .common import html_to_text
from .emulator import GraphEmulator

#: the mailbox user's zone: all-day events are its midnights, new events are written in it
ZONE = "Europe/Berlin"
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def _instant(value: dict[str, str]) -> datetime:
    # rendered without a zone preference: UTC wall time with seven fractional digits
    return datetime.fromisoformat(value["dateTime"][:26]).replace(tzinfo=UTC)


class GraphBackend(Backend):
    """One mailbox (``user@example.com``, in Europe/Berlin) reached by an app-only sign-in."""

    limits = RequestLimits(
        write=20, feed_page=10, fetch=20,
        write_ops=frozenset({"batch (writes)"}), feed_ops=frozenset({"event_delta"}),
        fetch_ops=frozenset({"batch (reads)"}),
        quiet={"event_delta": 1},
    )

    def __init__(self, now: datetime) -> None:
        self.clock = ManualClock(now)
        self.emulator = GraphEmulator(mailboxes=["user@example.com"], clock=self.clock.now).start()
        self.sleeps: list[float] = []  # back-off is recorded, never waited for
        self.adapter = GraphAdapter.for_emulator(self.emulator, auth="app", timezone=ZONE,
                                                 clock=self.clock.now, sleep=self.sleeps.append)

    @staticmethod
    def _times(start: date | datetime, end: date | datetime) -> dict[str, Any]:
        if isinstance(start, datetime):
            return {"isAllDay": False, "start": _utc_value(start),
                    "end": _utc_value(end)}  # type: ignore[arg-type]
        # an all-day event runs from the user's midnight to a later midnight
        return {"isAllDay": True, "start": {"dateTime": f"{start.isoformat()}T00:00:00", "timeZone": ZONE},
                "end": {"dateTime": f"{end.isoformat()}T00:00:00", "timeZone": ZONE}}

    def user_create_event(self, event: Event) -> str:
        body = ({"contentType": "html", "content": event.body.html} if event.body.html
                else {"contentType": "text", "content": event.body.text})
        fields = {"subject": event.subject, "location": {"displayName": event.location}, "body": body,
                  **self._times(event.start, event.end)}
        return str(self.emulator.create("event", fields)["id"])

    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        fields: dict[str, Any] = {}
        if "subject" in changes:
            fields["subject"] = changes["subject"]
        if "start" in changes:
            fields |= self._times(changes["start"], changes["end"])
        if "text" in changes:
            fields["body"] = {"contentType": "text", "content": changes["text"]}
        self.emulator.update(native_id, fields)

    def user_delete_event(self, native_id: str) -> None:
        self.emulator.delete(native_id)

    def events(self) -> dict[str, StoredEvent]:
        return {item["id"]: self._stored(item) for item in self.emulator.items("event")}

    @staticmethod
    def _stored(item: dict[str, Any]) -> StoredEvent:
        start: date | datetime
        end: date | datetime
        if item.get("isAllDay"):
            start = date.fromisoformat(item["start"]["dateTime"][:10])
            end = date.fromisoformat(item["end"]["dateTime"][:10])
        else:
            start, end = _instant(item["start"]), _instant(item["end"])
        body = item.get("body") or {}
        html = body.get("content") if body.get("contentType") == "html" else None
        text = html_to_text(html) if html is not None else body.get("content") or ""
        return StoredEvent(subject=item.get("subject") or "", start=start, end=end,
                           location=(item.get("location") or {}).get("displayName") or "", text=text,
                           formatted=html)

    def request_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for record in self.emulator.requests:
            op = record.operation
            if op == "batch":
                methods = {str(r.get("method", "")).upper() for r in (record.body or {}).get("requests", [])}
                op = "batch (writes)" if methods & _WRITES else "batch (reads)"
            counts[op] += 1
        return counts

    def reset_requests(self) -> None:
        self.emulator.reset_log()

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    def close(self) -> None:
        self.adapter.close()
        self.emulator.stop()


def _utc_value(instant: datetime) -> dict[str, str]:
    return {"dateTime": instant.astimezone(UTC).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}
