"""The shape of the adapter's ids: an item's EntryID, or an appointment's GlobalAppointmentID, as hex text.

Both are binary MAPI properties that the object model hands out as hexadecimal strings (reference §3:
``EntryID`` is ``PidTagEntryId``, ``GlobalAppointmentID`` is ``PidLidGlobalObjectId``). Every EntryID starts
with 4 flag bytes and the 16-byte UID of the provider that made it, followed by the provider's own bytes
(the MAPI ENTRYID structure, https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/entryid);
a GlobalObjectId starts with a 16-byte class id ([MS-OXOCAL] 2.2.1.27). No format sets a maximum; 1 KiB is far
above any id Outlook hands out (Exchange's EntryIDs are about 70 bytes).
"""

from __future__ import annotations

import string

#: the flags and the provider UID, plus at least one byte of the provider's own
MIN_BYTES = 21
MAX_BYTES = 1024
_HEX = frozenset(string.hexdigits)


def is_item_id(value: str) -> bool:
    """True when ``value`` can be an EntryID or a GlobalAppointmentID: whole bytes in hex, 21 to 1024 of
    them."""
    return (isinstance(value, str) and len(value) % 2 == 0 and MIN_BYTES * 2 <= len(value) <= MAX_BYTES * 2
            and _HEX.issuperset(value))
