"""The syncore link stored on every synced item as a MAPI named property (PublicStrings "SyncoreLink").

PublicStrings is the namespace of Outlook's custom properties, so EWS, Outlook (COM ``PropertyAccessor``)
and a future Graph adapter (``singleValueExtendedProperties``) can all read the same value.
"""

from __future__ import annotations

from exchangelib.extended_properties import ExtendedProperty
from exchangelib.items import CalendarItem, Contact, Task

#: the attribute name on exchangelib items
LINK_FIELD = "syncore_link"
PROPERTY_NAME = "SyncoreLink"


class SyncoreLink(ExtendedProperty):
    """String named property ``{00020329-0000-0000-C000-000000000046}/SyncoreLink``."""

    distinguished_property_set_id = "PublicStrings"
    property_name = PROPERTY_NAME
    property_type = "String"


def register() -> None:
    """Register the property on calendar items, contacts and tasks (idempotent; exchangelib refuses twice)."""
    for cls in (CalendarItem, Contact, Task):
        if LINK_FIELD not in {field.name for field in cls.FIELDS}:
            cls.register(LINK_FIELD, SyncoreLink)


register()
