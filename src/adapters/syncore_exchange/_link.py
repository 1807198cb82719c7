"""The syncore link stored on every synced item as a MAPI named property (PublicStrings "SyncoreLink").

PublicStrings is the namespace of Outlook's custom properties, so EWS, Outlook (COM ``PropertyAccessor``)
and a future Graph adapter (``singleValueExtendedProperties``) can all read the same value.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import Any

from exchangelib.extended_properties import ExtendedProperty
from exchangelib.items import CalendarItem, Contact, Task

log = logging.getLogger(__name__)

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


#: the longest link taken from an item: the other side's ids are far shorter (an Outlook EntryID is ~140 hex
#: characters, an EWS ItemId ~150, a Salesforce Id 18)
MAX_LINK_LENGTH = 512
_PRINTABLE_NO_SPACE = re.compile(r"^[\x21-\x7e]+$")


def read_link(item: Any) -> str | None:
    """The item's link, if it is one: a claim to verify, never trusted as it is.

    Anyone can edit the property, so a value that cannot be an id (not a string, empty, spaces or control
    characters, too long) is ignored for that item, with a warning naming the item, and the item syncs as
    unlinked; it never stops the other items.
    """
    value = getattr(item, LINK_FIELD, None)
    if value is None or value == "":
        return None
    if looks_like_link(value):
        return value
    log.warning("exchange: item %s: its %s property is not a link (ignored)", getattr(item, "id", "?"),
                PROPERTY_NAME)
    return None


def looks_like_link(value: Any) -> bool:
    """True for a value that can be an id of the other side: printable ASCII, no spaces, not too long."""
    return isinstance(value, str) and 0 < len(value) <= MAX_LINK_LENGTH and bool(_PRINTABLE_NO_SPACE.match(value))


#: EWS ItemIds are base64 (the EwsId format); real ones are ~150 characters
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def is_item_id(value: Any) -> bool:
    """True when ``value`` has the shape of an EWS ItemId: standard base64 of 12 to 1024 bytes."""
    if not isinstance(value, str) or not 16 <= len(value) <= 1368 or len(value) % 4 or not _BASE64.match(value):
        return False
    try:
        return len(base64.b64decode(value, validate=True)) >= 12
    except (binascii.Error, ValueError):
        return False
