"""Item ↔ record mapping per kind (pure Python; items are anything shaped like the OOM protocol)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from syncore.models import Kind, Record

from .. import constants as C
from .._time import OutlookClock
from . import calendar, contacts, tasks


@attrs.frozen(kw_only=True)
class KindMapping:
    """How one kind lives in Outlook: its default folder, item type and field mapping."""

    kind: Kind
    default_folder: int
    item_type: int
    #: the folder's table has an IsRecurring column (calendars and tasks)
    has_recurrence: bool
    calendar: bool
    read: Callable[[Any, OutlookClock], Record]
    write: Callable[[Any, Record, frozenset[str], OutlookClock], list[str]]
    represent: Callable[[Record, OutlookClock], Record]


MAPPINGS: dict[Kind, KindMapping] = {
    Kind.EVENT: KindMapping(kind=Kind.EVENT, default_folder=C.olFolderCalendar, item_type=C.olAppointmentItem,
                            has_recurrence=True, calendar=True, read=calendar.read, write=calendar.write,
                            represent=calendar.represent),
    Kind.CONTACT: KindMapping(kind=Kind.CONTACT, default_folder=C.olFolderContacts, item_type=C.olContactItem,
                              has_recurrence=False, calendar=False, read=contacts.read, write=contacts.write,
                              represent=contacts.represent),
    Kind.TASK: KindMapping(kind=Kind.TASK, default_folder=C.olFolderTasks, item_type=C.olTaskItem,
                           has_recurrence=True, calendar=False, read=tasks.read, write=tasks.write,
                           represent=tasks.represent),
}
