"""The engine contract's Outlook backend: OutlookComAdapter on the fake Outlook (Europe/Berlin), plus a user
who works in Outlook itself, read back from the fake's store.

COM has no batch API: every item written is one ``Save`` (or ``Delete``) and every item read one
``GetItemFromID``; the change feed is one ``GetTable`` scan of the folder.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncore.models import Event
from syncore.testing.backend import Backend, RequestLimits, StoredEvent

from ..adapter import OutlookComAdapter
from ._app import FakeOutlook
from ._time import FakeClock

ZONE = "Europe/Berlin"


class OutlookFakeBackend(Backend):
    """The default calendar of a fake Outlook whose local zone is Europe/Berlin."""

    limits = RequestLimits(
        write=1, feed_page=None, fetch=1,
        write_ops=frozenset({"Save", "Delete"}), feed_ops=frozenset({"GetTable"}),
        fetch_ops=frozenset({"GetItemFromID"}), quiet={"GetTable": 1},
        # the rows of the one table scan, read in chunks
        uncounted_ops=frozenset({"Table.GetArray", "Table.GetNextRow"}),
    )

    def __init__(self, now: datetime) -> None:
        self.fake = FakeOutlook(local_zone=ZONE, clock=FakeClock(now))
        self.adapter = OutlookComAdapter(self.fake.application)

    def _entry_id(self, native_id: str) -> str:
        # appointments are known to the adapter by their GlobalAppointmentID, the user by their EntryID
        for entry_id in self.fake.entry_ids("calendar"):
            if self._native_id(entry_id) == native_id:
                return entry_id
        raise KeyError(native_id)

    def _native_id(self, entry_id: str) -> str:
        return self.fake.record(entry_id).global_object_id.hex().upper() or entry_id

    @staticmethod
    def _times(start: date | datetime, end: date | datetime) -> dict[str, Any]:
        return {"Start": start, "End": end, "AllDayEvent": not isinstance(start, datetime)}

    def user_create_event(self, event: Event) -> str:
        entry_id = self.fake.user_create("calendar", Subject=event.subject, Location=event.location,
                                         Body=event.body.text, **self._times(event.start, event.end))
        if event.body.html:
            self.fake.set_formatted_body(entry_id, event.body.html)
        return self._native_id(entry_id)

    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        props: dict[str, Any] = {}
        if "subject" in changes:
            props["Subject"] = changes["subject"]
        if "start" in changes:
            props |= self._times(changes["start"], changes["end"])
        if "text" in changes:
            props["Body"] = changes["text"]
        self.fake.user_edit(self._entry_id(native_id), **props)

    def user_delete_event(self, native_id: str) -> None:
        self.fake.user_delete(self._entry_id(native_id))

    def events(self) -> dict[str, StoredEvent]:
        return {self._native_id(entry_id): self._stored(self.fake.record(entry_id).props)
                for entry_id in self.fake.entry_ids("calendar")}

    @staticmethod
    def _stored(props: dict[str, Any]) -> StoredEvent:
        start, end = props["start"], props["end"]
        if props.get("AllDayEvent"):
            zone = ZoneInfo(ZONE)  # all-day events run from local midnight to local midnight
            start, end = start.astimezone(zone).date(), end.astimezone(zone).date()
        return StoredEvent(subject=props.get("Subject") or "", start=start, end=end,
                           location=props.get("Location") or "", text=props.get("Body") or "",
                           formatted=props.get("RTFBody"))

    def request_counts(self) -> Counter[str]:
        return Counter({call: n for call, n in self.fake.calls.items() if n})

    def reset_requests(self) -> None:
        self.fake.reset_counters()

    def advance(self, delta: timedelta) -> None:
        self.fake.clock.advance(delta)

    def close(self) -> None:
        self.adapter.close()
