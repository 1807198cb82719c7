"""Item type number -> fake item class: a registry the item modules fill in (``@registers``).

A registry rather than imports of the item classes, so the property lookup (``_values``) that the item classes
use through their user properties needs no import of them: the fake's modules form no import cycle. The
package's ``__init__`` imports every item module, so the registry is complete before any lookup runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ._items import FakeItem

ItemClass = TypeVar("ItemClass", bound="type[FakeItem]")

ITEM_CLASSES: dict[int, type[FakeItem]] = {}


def registers(item_type: int) -> Callable[[ItemClass], ItemClass]:
    """Class decorator: *item_type* (``olAppointmentItem`` ...) is made of the decorated class."""

    def register(cls: ItemClass) -> ItemClass:
        ITEM_CLASSES[item_type] = cls
        return cls

    return register
