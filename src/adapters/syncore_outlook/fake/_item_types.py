"""Item type number -> fake item class."""

from __future__ import annotations

from .. import constants as C
from ._appointment import FakeAppointmentItem
from ._contacts_tasks import FakeContactItem
from ._contacts_tasks import FakeTaskItem
from ._items import FakeItem

ITEM_CLASSES: dict[int, type[FakeItem]] = {
    C.olAppointmentItem: FakeAppointmentItem,
    C.olContactItem: FakeContactItem,
    C.olTaskItem: FakeTaskItem,
}
