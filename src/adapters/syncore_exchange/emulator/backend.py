"""The engine contract's Exchange backend: ExchangeAdapter over exchangelib on the EWS emulator, plus a user
who edits the mailbox directly (as Outlook or OWA would), read back from the emulator's store.

Protocol limits (exchange.md §12,
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange):
SyncFolderItems returns at most 512 changes per call (``MaxChangesReturned`` 1-512). EWS sets no item maximum
for CreateItem / UpdateItem / DeleteItem / GetItem, only a one-minute execution limit per batch; the bound
used for those is 100 items per request, exchangelib's chunk size.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exchangelib import EWSTimeZone

from syncore.models import Event
from syncore.testing.backend import Backend, RequestLimits, StoredEvent

from ..adapter import ExchangeAdapter
from . import EwsEmulator, clear_protocol_cache

#: the mailbox's zone: new meetings and all-day events live in it
ZONE = "Europe/Berlin"


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class ExchangeBackend(Backend):
    """One mailbox (``user@example.com``) in Europe/Berlin."""

    limits = RequestLimits(
        write=100, feed_page=512, fetch=100,
        write_ops=frozenset({"CreateItem", "UpdateItem", "DeleteItem"}),
        feed_ops=frozenset({"SyncFolderItems"}), fetch_ops=frozenset({"GetItem"}),
        quiet={"SyncFolderItems": 1},
    )

    def __init__(self, now: datetime) -> None:
        self.emulator = EwsEmulator(mailboxes=["user@example.com"]).start()
        self.sleeps: list[float] = []  # back-off is recorded, never waited for
        self.adapter = ExchangeAdapter(self.emulator.account(default_timezone=EWSTimeZone(ZONE)),
                                       sleep=self.sleeps.append)

    def _times(self, start: date | datetime, end: date | datetime) -> dict[str, Any]:
        if isinstance(start, datetime):
            return {"Start": start, "End": end, "IsAllDayEvent": False}
        zone = ZoneInfo(ZONE)  # an all-day event runs from local midnight to local midnight
        return {"Start": datetime.combine(start, time.min, zone),  # type: ignore[arg-type]
                "End": datetime.combine(end, time.min, zone),  # type: ignore[arg-type]
                "IsAllDayEvent": True, "StartTimeZone": EWSTimeZone(ZONE), "EndTimeZone": EWSTimeZone(ZONE)}

    def user_create_event(self, event: Event) -> str:
        body = ("HTML", event.body.html) if event.body.html else ("Text", event.body.text)
        fields = {"Subject": event.subject, "Location": event.location, "Body": body,
                  **self._times(event.start, event.end)}
        return self.emulator.create_item(folder="calendar", fields=fields)

    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        fields: dict[str, Any] = {}
        if "subject" in changes:
            fields["Subject"] = changes["subject"]
        if "start" in changes:
            fields |= self._times(changes["start"], changes["end"])
        if "text" in changes:
            fields["Body"] = ("Text", changes["text"])
        self.emulator.update_item(native_id, fields)

    def user_delete_event(self, native_id: str) -> None:
        self.emulator.delete_item(native_id)

    def events(self) -> dict[str, StoredEvent]:
        return {item["id"]: self._stored(item["fields"]) for item in self.emulator.items("calendar")}

    @staticmethod
    def _stored(fields: dict[str, Any]) -> StoredEvent:
        start, end = _instant(fields["Start"]), _instant(fields["End"])
        if fields.get("IsAllDayEvent") == "true":
            zone = EWSTimeZone.from_ms_id(fields["StartTimeZone"])
            start, end = start.astimezone(zone).date(), end.astimezone(zone).date()  # type: ignore[assignment]
        formatted = fields.get("Body") if fields.get("BodyType") == "HTML" else None
        text = fields.get("TextBody") if formatted is not None else fields.get("Body")
        return StoredEvent(subject=fields.get("Subject") or "", start=start, end=end,
                           location=fields.get("Location") or "", text=text or "", formatted=formatted)

    def request_counts(self) -> Counter[str]:
        return Counter(self.emulator.request_counts())

    def reset_requests(self) -> None:
        self.emulator.reset_log()

    def advance(self, delta: timedelta) -> None:
        pass  # change keys change on every write; the emulator keeps no clock to move

    def close(self) -> None:
        self.adapter.close()
        self.emulator.stop()
        clear_protocol_cache()
