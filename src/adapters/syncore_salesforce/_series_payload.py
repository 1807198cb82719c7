"""The rows a series is written as: its pattern row (Lightning ``Recurrence2PatternText`` or the classic
recurrence fields, reference §1.4) and patches of its fields, checked against the org's field lengths."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from syncore.errors import RecordRejected, UnsupportedRecord
from syncore.models import Event

from . import _recurrence
from ._mapping import CONVERTER, WriteContext, events
from ._mapping.series import LIGHTNING

if TYPE_CHECKING:
    from .adapter import SalesforceAdapter

#: the longest event Salesforce holds, so the longest occurrence of a series
MAX_LENGTH = timedelta(days=events.MAX_EVENT_DAYS)


class SeriesPayloads:
    """Builds a series' rows with the org's Event describe (field lengths, what is createable)."""

    def __init__(self, adapter: SalesforceAdapter) -> None:
        self.adapter = adapter

    def _context(self) -> WriteContext:
        return WriteContext(info=self.adapter.describe.get("Event"))

    def fields(self, event: Event, fields: frozenset[str]) -> dict[str, Any]:
        """A patch of the named fields of the pattern row (or of one occurrence row)."""
        return dict(events.to_sf(event.replace(recurrence=None), fields, self._context()).fields)

    def pattern(self, event: Event, link: str | None, form: str) -> dict[str, Any]:
        """The pattern row that creates the series in ``form`` (Salesforce makes the occurrence rows)."""
        ctx = self._context()
        payload = events.to_sf(event.replace(recurrence=None), None, ctx)
        data = dict(payload.fields)
        assert event.recurrence is not None
        if form == LIGHTNING:
            data.update(Recurrence2PatternText=_recurrence.lightning_text(event), Recurrence2PatternVersion="1",
                        Recurrence2PatternTimeZone=event.recurrence.zone)
        else:
            data.update(classic_pattern(event))
        if link is not None and self.adapter.link_field:
            data[self.adapter.link_field] = link
        too_long = ctx.info.too_long(data)
        if too_long:
            raise RecordRejected("; ".join(f"Event.{name} is {size} characters, Salesforce allows {limit}"
                                           for name, size, limit in too_long) + " (not truncated)",
                                 code="STRING_TOO_LONG")
        return data


def classic_pattern(event: Event, *, create: bool = True) -> dict[str, Any]:
    """The classic recurrence fields of a series (every one updateable, a patch re-creates the occurrences, but
    ``IsRecurrence``: create-only, reference §1.4, so left out of a patch, ``create`` false)."""
    assert event.recurrence is not None
    try:
        fields = _recurrence.classic_fields(event.recurrence.parts)
    except _recurrence.Unfit as exc:
        raise UnsupportedRecord(f"Salesforce cannot hold this series as a classic series: {exc}") from None
    if fields["RecurrenceType"] == "RecursEveryWeekday":
        fields.pop("RecurrenceDayOfWeekMask", None)
    fields.update(RecurrenceTimeZoneSidKey=event.recurrence.zone,
                  RecurrenceStartDateTime=CONVERTER.unstructure(instant(event.start), datetime),
                  RecurrenceEndDateOnly=_recurrence.last_day(event).isoformat())
    return {"IsRecurrence": True, **fields} if create else fields


def instant(value: date | datetime) -> datetime:
    """An all-day series' first day as the instant its rows are stamped with (midnight UTC)."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(), tzinfo=UTC)
