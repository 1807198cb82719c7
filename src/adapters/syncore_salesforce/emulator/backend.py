"""The engine contract's Salesforce backend: SalesforceAdapter over simple-salesforce on the emulator, plus a
user who edits the org directly (as the Salesforce UI would), read back from the emulator's store.

Protocol limits: sObject Collections write at most 200 records per request
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm),
and retrieve at most 2,000 ids; a query returns at most 2,000 records per page
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from syncore.models import Event
from syncore.testing.backend import Backend, RequestLimits, StoredEvent

from ..adapter import SalesforceAdapter
from .clock import format_datetime, parse_datetime
from .emulator import SalesforceEmulator


class SalesforceBackend(Backend):
    """The emulator's default user's events, with the org's clock starting at ``now``."""

    limits = RequestLimits(
        write=200, feed_page=2000, fetch=2000,
        write_ops=frozenset({"composite_create", "composite_update", "composite_delete", "composite_upsert",
                             "sobject_create", "sobject_update", "sobject_delete", "upsert"}),
        # the feed reads through Composite (Get Updated, then queryAll: one request), later pages by query_more
        feed_ops=frozenset({"query", "queryAll", "query_more", "composite"}),
        fetch_ops=frozenset({"composite_retrieve"}),
        quiet={"composite": 1},
    )

    def __init__(self, now: datetime) -> None:
        self.emulator = SalesforceEmulator(start_time=now).start()
        self.sleeps: list[float] = []  # back-off is recorded, never waited for
        self.adapter = SalesforceAdapter(self.emulator.client(), clock=self.emulator.clock.now,
                                         sleep=self.sleeps.append)

    @staticmethod
    def _times(start: date | datetime, end: date | datetime) -> dict[str, Any]:
        if isinstance(start, datetime):
            return {"IsAllDayEvent": False, "StartDateTime": format_datetime(start),
                    "EndDateTime": format_datetime(end)}  # type: ignore[arg-type]
        # an all-day event is its first day and a whole number of days
        return {"IsAllDayEvent": True, "ActivityDate": start.isoformat(),
                "DurationInMinutes": (end - start).days * 1440}  # type: ignore[operator]

    def user_create_event(self, event: Event) -> str:
        fields = {"Subject": event.subject, "Location": event.location, "Description": event.body.text,
                  "OwnerId": self.emulator.user_id, **self._times(event.start, event.end)}
        return self.emulator.insert("Event", fields)

    def user_edit_event(self, native_id: str, **changes: Any) -> None:
        fields: dict[str, Any] = {}
        if "subject" in changes:
            fields["Subject"] = changes["subject"]
        if "start" in changes:
            fields |= self._times(changes["start"], changes["end"])
        if "text" in changes:
            fields["Description"] = changes["text"]
        self.emulator.update("Event", native_id, fields)

    def user_delete_event(self, native_id: str) -> None:
        self.emulator.delete("Event", native_id)

    def events(self) -> dict[str, StoredEvent]:
        return {row["Id"]: self._stored(row) for row in self.emulator.all("Event")}

    @staticmethod
    def _stored(row: dict[str, Any]) -> StoredEvent:
        start: date | datetime = parse_datetime(row["StartDateTime"])
        end: date | datetime = parse_datetime(row["EndDateTime"])
        if row["IsAllDayEvent"]:
            # EndDateTime holds the last day of an all-day event
            start, end = date.fromisoformat(row["ActivityDate"]), end.date() + timedelta(days=1)  # type: ignore[union-attr]
        return StoredEvent(subject=row.get("Subject") or "", start=start, end=end,
                           location=row.get("Location") or "", text=row.get("Description") or "")

    def request_counts(self) -> Counter[str]:
        return Counter(getattr(r, "op", None) or r.operation for r in self.emulator.requests)

    def reset_requests(self) -> None:
        self.emulator.reset_log()

    def advance(self, delta: timedelta) -> None:
        self.emulator.clock.advance(delta)

    def close(self) -> None:
        self.adapter.close()
        errors = list(self.emulator.errors)
        self.emulator.stop()
        assert errors == [], errors[:1]  # an emulator bug fails the test that met it
