"""Ids and versions shaped and sized like the real backends' (state bytes per pair depend on them).

* **EWS ItemId**: 152 characters, the base64 of a 113-byte EwsId — compression byte, storage type
  ``MailboxItemMailboxGuidBased``, the mailbox GUID as a counted 36-character ASCII moniker, and the counted
  70-byte store ENTRYID (flags, provider UID, folder and message long-term ids: database GUID plus a 6-byte
  global counter). Items of one folder differ only in the message counter near the end. Format:
  https://github.com/DotExch/Docs/blob/master/EwsId_format.txt; the 152-character length is what Exchange
  hands out (learn.microsoft.com, "EWS identifiers in Exchange", advises storing up to 512).
* **EWS ChangeKey**: 40 characters, the base64 of a 30-byte key (type, length, the store's GUID and a 6-byte
  change number).
* **Salesforce Id**: 18 characters — key prefix (``003`` Contact), pod, reserved zeros, a base-62 record number
  and the 3-character case-safe suffix (``syncore_salesforce.converter.to18``).
* **Salesforce version**: the adapter's own, ``"c"`` + 24 hex digits of a content hash.
"""

from __future__ import annotations

import base64
import hashlib
import struct

_MAILBOX_GUID = b"7d5e2c31-9a4b-4f0e-8c21-5b6a0e9d4f17"
_PROVIDER_UID = bytes.fromhex("b0c5a2d84f3e11d0a8e200aa006c0e9b")
_DATABASE_GUID = bytes.fromhex("4a8f2e9c1b7d4c3e9f0a6b5d2c8e1f70")
_FOLDER_COUNTER = bytes.fromhex("00000002b1c4")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def ews_item_id(n: int) -> str:
    counter = (0x1A2B3C00 + 7 * n).to_bytes(6, "big")  # a database-wide counter: gaps between one folder's items
    entry_id = (b"\x00\x00\x00\x00" + _PROVIDER_UID + b"\x07\x00" + _DATABASE_GUID + _FOLDER_COUNTER + b"\x00\x00"
                + _DATABASE_GUID + counter + b"\x00\x00")
    payload = (b"\x03" + struct.pack("<H", len(_MAILBOX_GUID)) + _MAILBOX_GUID + b"\x00"
               + struct.pack("<H", len(entry_id)) + entry_id)
    return base64.b64encode(b"\x00" + payload).decode()


def ews_change_key(n: int) -> str:
    return base64.b64encode(b"\x09\x00\x00\x00\x16\x00\x00\x00" + _DATABASE_GUID
                            + (0x3F000 + n).to_bytes(6, "big")).decode()


def salesforce_id(n: int, prefix: str = "003") -> str:
    number = ""
    for _ in range(5):
        n, digit = divmod(n, 62)
        number = _BASE62[digit] + number
    id15 = f"{prefix}Dn00000{number}"
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if ch.isupper())
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def salesforce_version(n: int) -> str:
    return "c" + hashlib.sha256(str(n).encode()).hexdigest()[:24]
