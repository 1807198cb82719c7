"""AppointmentItem ↔ :class:`~syncore.models.Event`.

Timed events use ``StartUTC``/``EndUTC`` (true UTC); all-day events use local ``Start``/``End`` midnights with
an exclusive end ("Outlook's AllDayEvent relates to Start and not StartUtc", reference §9.1).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from syncore.models import Event, Record, ShowAs

from .. import constants as C
from .._bodies import read_body, write_body
from .._time import OutlookClock

if TYPE_CHECKING:
    from .._protocol import AppointmentItem

_SHOW_AS = {C.olFree: ShowAs.FREE, C.olTentative: ShowAs.TENTATIVE, C.olBusy: ShowAs.BUSY,
            C.olOutOfOffice: ShowAs.OUT_OF_OFFICE, C.olWorkingElsewhere: ShowAs.BUSY}
_BUSY_STATUS = {ShowAs.FREE: C.olFree, ShowAs.TENTATIVE: C.olTentative, ShowAs.BUSY: C.olBusy,
                ShowAs.OUT_OF_OFFICE: C.olOutOfOffice}


def read(item: AppointmentItem, clock: OutlookClock) -> Event:
    """The event an appointment holds. Attendees are not read (guarded, and never written back)."""
    start: Any
    end: Any
    if item.AllDayEvent:
        start, end = clock.read_date(item.Start), clock.read_date(item.End)
        if end is None or end <= start:  # type: ignore[operator]
            end = start + timedelta(days=1)
    else:
        start, end = clock.read_utc(item.StartUTC), clock.read_utc(item.EndUTC)
    return Event(
        subject=item.Subject,
        start=start,
        end=end,
        location=item.Location,
        body=read_body(item),
        show_as=_SHOW_AS.get(item.BusyStatus, ShowAs.BUSY),
        private=item.Sensitivity == C.olPrivate,
        reminder_minutes=item.ReminderMinutesBeforeStart if item.ReminderSet else None,
    )


def write(item: AppointmentItem, record: Record, fields: frozenset[str], clock: OutlookClock) -> list[str]:
    """Write the named ``fields`` of ``record``; returns what could not be kept."""
    assert isinstance(record, Event)
    warnings: list[str] = []
    if "subject" in fields:
        item.Subject = record.subject
    if "location" in fields:
        item.Location = record.location
    if "start" in fields or "end" in fields:
        if record.all_day:
            assert isinstance(record.start, date) and isinstance(record.end, date)
            item.AllDayEvent = True
            item.Start = clock.write_date(record.start)
            item.End = clock.write_date(record.end)
        else:
            if item.AllDayEvent:
                item.AllDayEvent = False
            item.StartUTC = clock.write_utc(record.start)  # type: ignore[arg-type]
            item.EndUTC = clock.write_utc(record.end)  # type: ignore[arg-type]
    if "body" in fields:
        write_body(item, record.body)
    if "show_as" in fields:
        item.BusyStatus = _BUSY_STATUS[record.show_as]
    if "private" in fields:
        item.Sensitivity = C.olPrivate if record.private else C.olNormal
    if "reminder_minutes" in fields:
        item.ReminderSet = record.reminder_minutes is not None
        if record.reminder_minutes is not None:
            item.ReminderMinutesBeforeStart = record.reminder_minutes
    if "attendees" in fields and record.attendees:
        warnings.append("attendees not written: syncore never adds recipients to Outlook meetings")
    return warnings


def represent(record: Record, clock: OutlookClock) -> Record:
    """Outlook keeps everything but attendees (see :func:`write`)."""
    assert isinstance(record, Event)
    return record.replace(attendees=()) if record.attendees else record
