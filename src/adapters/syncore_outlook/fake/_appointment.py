"""AppointmentItem: times stored as UTC instants plus Windows zone ids (reference §2.1, §9.1, §12.3-5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._item_types import registers
from ._items import COMMON_PROPS, COMMON_RO_PROPS, FakeItem
from ._recipients import FakeRecipients
from ._recurrence import FakeRecurrencePattern, default_pattern
from ._time import FakeTimeZone

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import FolderData, Record


@registers(C.olAppointmentItem)
class FakeAppointmentItem(FakeItem):
    """``AppointmentItem``: instants stored in UTC plus the Windows zone of start and end."""

    _ITEM_TYPE = C.olAppointmentItem
    _CLASS = C.olAppointment
    _MESSAGE_CLASS = C.MESSAGE_CLASS_APPOINTMENT
    _PROPS = {**COMMON_PROPS, "Location": "str", "BusyStatus": "int", "ReminderSet": "bool",
              "ReminderMinutesBeforeStart": "int", "MeetingStatus": "int", "RequiredAttendees": "str",
              "OptionalAttendees": "str", "Resources": "str", "ResponseRequested": "bool"}
    _RO_PROPS = {**COMMON_RO_PROPS, "Organizer": "str"}
    _DEFAULTS = {"BusyStatus": C.olBusy, "ReminderSet": True, "ReminderMinutesBeforeStart": 15,
                 "Importance": C.olImportanceNormal}
    _GUARDED = FakeItem._GUARDED | {"Organizer", "RequiredAttendees", "OptionalAttendees", "Resources",
                                    "Recipients"}
    _SPECIAL = FakeItem._SPECIAL | {
        "Start", "End", "StartUTC", "EndUTC", "StartInStartTimeZone", "EndInEndTimeZone", "StartTimeZone",
        "EndTimeZone", "AllDayEvent", "Duration", "GlobalAppointmentID", "IsRecurring", "RecurrenceState",
        "Recipients",
    }

    def __init__(self, fake: FakeOutlook, rec: Record, folder: FolderData | None, occurrence: Any = None):
        super().__init__(fake, rec, folder)
        object.__setattr__(self, "_occurrence", occurrence)  # _recurrence.OccurrenceRef or None
        object.__setattr__(self, "_pattern_obj", None)

    # start/end are aware UTC instants; start_tz/end_tz Windows ids.
    def _zone(self, key: str) -> Any:
        return self._fake.zone_for(self._rec.props[key])

    def _move_start(self, start: datetime) -> None:
        # Outlook keeps Duration when Start moves.
        duration = self._rec.props["end"] - self._rec.props["start"]
        self._rec.props["start"] = start
        self._rec.props["end"] = start + duration

    def _get_Start(self) -> datetime:
        return self._fake.time.local_out(self._rec.props["start"])

    def _set_Start(self, value: datetime) -> None:
        t = self._fake.time
        self._move_start(t.local_wall_to_instant(t.to_wall(value)))

    def _get_End(self) -> datetime:
        return self._fake.time.local_out(self._rec.props["end"])

    def _set_End(self, value: datetime) -> None:
        t = self._fake.time
        self._rec.props["end"] = t.local_wall_to_instant(t.to_wall(value))

    def _get_StartUTC(self) -> datetime:
        return self._fake.time.utc_out(self._rec.props["start"])

    def _set_StartUTC(self, value: datetime) -> None:
        self._move_start(self._fake.time.label(self._fake.time.to_wall(value)))

    def _get_EndUTC(self) -> datetime:
        return self._fake.time.utc_out(self._rec.props["end"])

    def _set_EndUTC(self, value: datetime) -> None:
        self._rec.props["end"] = self._fake.time.label(self._fake.time.to_wall(value))

    def _get_StartInStartTimeZone(self) -> datetime:
        wall = self._rec.props["start"].astimezone(self._zone("start_tz")).replace(tzinfo=None)
        return self._fake.time.label(wall)

    def _set_StartInStartTimeZone(self, value: datetime) -> None:
        wall = self._fake.time.to_wall(value)
        self._move_start(self._fake.time.utc_out(wall.replace(tzinfo=self._zone("start_tz"))))

    def _get_EndInEndTimeZone(self) -> datetime:
        wall = self._rec.props["end"].astimezone(self._zone("end_tz")).replace(tzinfo=None)
        return self._fake.time.label(wall)

    def _set_EndInEndTimeZone(self, value: datetime) -> None:
        wall = self._fake.time.to_wall(value)
        self._rec.props["end"] = self._fake.time.utc_out(wall.replace(tzinfo=self._zone("end_tz")))

    def _get_StartTimeZone(self) -> FakeTimeZone:
        return FakeTimeZone(self._rec.props["start_tz"])

    def _set_StartTimeZone(self, value: FakeTimeZone) -> None:
        # The wall clock in the item's zone is kept; Start and StartUTC are recalculated (reference §12.4).
        wall = self._rec.props["start"].astimezone(self._zone("start_tz")).replace(tzinfo=None)
        duration = self._rec.props["end"] - self._rec.props["start"]
        self._rec.props["start_tz"] = value.ID
        self._rec.props["start"] = self._fake.time.utc_out(wall.replace(tzinfo=self._zone("start_tz")))
        if self._rec.props["end"] < self._rec.props["start"]:
            self._rec.props["end"] = self._rec.props["start"] + duration

    def _get_EndTimeZone(self) -> FakeTimeZone:
        return FakeTimeZone(self._rec.props["end_tz"])

    def _set_EndTimeZone(self, value: FakeTimeZone) -> None:
        wall = self._rec.props["end"].astimezone(self._zone("end_tz")).replace(tzinfo=None)
        self._rec.props["end_tz"] = value.ID
        self._rec.props["end"] = self._fake.time.utc_out(wall.replace(tzinfo=self._zone("end_tz")))

    def _get_AllDayEvent(self) -> bool:
        return bool(self._rec.props.get("AllDayEvent"))

    def _set_AllDayEvent(self, value: bool) -> None:
        self._rec.props["AllDayEvent"] = bool(value)
        if value:
            snap_all_day(self._fake, self._rec)

    def _get_Duration(self) -> int:
        return int((self._rec.props["end"] - self._rec.props["start"]).total_seconds() // 60)

    def _set_Duration(self, value: int) -> None:
        self._rec.props["end"] = self._rec.props["start"] + timedelta(minutes=int(value))

    def _get_GlobalAppointmentID(self) -> str:
        return self._rec.global_object_id.hex().upper()

    def _get_IsRecurring(self) -> bool:
        return self._occurrence is not None or self._rec.pattern is not None

    def _get_RecurrenceState(self) -> int:
        if self._occurrence is not None:
            return C.olApptException if self._occurrence.is_exception else C.olApptOccurrence
        return C.olApptMaster if self._rec.pattern is not None else C.olApptNotRecurring

    def _get_Recipients(self) -> Any:
        return FakeRecipients(self)

    def GetRecurrencePattern(self) -> Any:
        """Pattern bound to this item object; creates a weekly default on a non-recurring item."""
        self._alive()
        if self._pattern_obj is None:
            if self._rec.pattern is None:
                self._rec.pattern = default_pattern(self._fake, self._rec)
                object.__setattr__(self, "_dirty", True)
            object.__setattr__(self, "_pattern_obj", FakeRecurrencePattern(self))
        return self._pattern_obj

    def ClearRecurrencePattern(self) -> None:
        """Turn a master back into a single appointment (on Save)."""
        self._alive()
        self._rec.pattern = None
        object.__setattr__(self, "_pattern_obj", None)
        object.__setattr__(self, "_dirty", True)

    def Send(self) -> None:
        """A sync must never send invitations; the fake refuses loudly."""
        raise AssertionError("AppointmentItem.Send() called: syncore must never send invitations")


def snap_all_day(fake: FakeOutlook, rec: Record) -> None:
    """All-day events span local midnights with an exclusive end (unverified: exact snapping rule)."""
    t = fake.time
    start_day = rec.props["start"].astimezone(t.local).date()
    end_local = rec.props["end"].astimezone(t.local)
    end_day = end_local.date()
    if end_local.time() != datetime.min.time() or end_day <= start_day:
        end_day = max(end_day, start_day) + timedelta(days=1)
    rec.props["start"] = t.local_midnight(start_day)
    rec.props["end"] = t.local_midnight(end_day)
    rec.props["start_tz"] = rec.props["end_tz"] = fake.local_windows_id
