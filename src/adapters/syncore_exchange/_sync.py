"""The change feed: SyncFolderItems with the sync state kept in the engine's cursor, bodies by GetItem.

Incremental feeds list changed items as (id, change key) and leave reading them to the engine, which fetches
only the items whose change key it does not know; a full scan reads everything.

https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
"""

from __future__ import annotations

import json
from typing import Any

from syncore.errors import CursorExpired
from syncore.models import Kind
from syncore.remote import ChangeSet, RemoteRecord, Unsupported

from ._ews import SYNC_FIELDS
from ._lean import sync_changes
from ._read import read_records, unsupported_reason
from ._throttle import Throttle

#: EWS accepts 1..512 changes per SyncFolderItems page; exchangelib's default is only 100, which would
#: multiply the calls of an initial sync by five.
MAX_CHANGES_RETURNED = 512
CURSOR_VERSION = 1


def encode_cursor(folder_key: str, state: str) -> str:
    """The engine's cursor: our folder (so a reconfigured folder is detected) and the opaque sync state."""
    return json.dumps({"v": CURSOR_VERSION, "folder": folder_key, "state": state}, separators=(",", ":"))


def decode_cursor(cursor: str, folder_key: str) -> str:
    """The sync state inside ``cursor``; CursorExpired when it is unreadable or for another folder."""
    try:
        data = json.loads(cursor)
        ok = data["v"] == CURSOR_VERSION and data["folder"] == folder_key and isinstance(data["state"], str)
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise CursorExpired("exchange: the change cursor is unreadable or belongs to another folder")
    return data["state"]


def _drain(account: Any, folder: Any, kind: Kind, state: str | None) -> tuple[list[tuple[str, Any]], str]:
    # every page is read before the new state is returned (IncludesLastItemInRange), so the state covers exactly
    # the changes listed: an interrupted feed raises and returns no cursor
    return sync_changes(account, folder, SYNC_FIELDS[kind], state, MAX_CHANGES_RETURNED)


def read_changes(account: Any, folder: Any, kind: Kind, folder_key: str, state: str | None,
                 throttle: Throttle) -> ChangeSet:
    """Every change after ``state`` (all items when None), with full records fetched by id."""
    # ErrorInvalidSyncStateData becomes CursorExpired (errors.call_error); the engine then calls full_scan
    changes, new_state = throttle.call("SyncFolderItems", lambda: _drain(account, folder, kind, state))
    upsert_ids: dict[str, None] = {}
    changekeys: dict[str, str | None] = {}
    deletions: dict[str, None] = {}
    unsupported_early = {}
    for change_type, item in changes:
        if change_type == "delete":
            deletions[item.id] = None
            upsert_ids.pop(item.id, None)
        elif change_type in ("create", "update"):
            reason = unsupported_reason(kind, item)
            if reason is not None:
                unsupported_early[item.id] = reason  # known from the cheap fields: no GetItem needed
            else:
                upsert_ids[item.id] = None
                changekeys[item.id] = item.changekey
            deletions.pop(item.id, None)
    early_records, unsupported = name_early(account, folder, kind, unsupported_early, throttle)
    if state is not None:
        # Incremental: list ids with their change keys and let the engine fetch the ones it does not know
        # (the echo of its own writes costs no GetItem).
        return ChangeSet(
            upserts=tuple(early_records),
            unread=tuple((item_id, changekeys[item_id]) for item_id in upsert_ids),
            deletions=tuple(deletions),
            unsupported=tuple(unsupported),
            cursor=encode_cursor(folder_key, new_state),
        )
    upserts, unreadable = read_records(account, folder, kind, list(upsert_ids), throttle) if upsert_ids else ([], [])
    return ChangeSet(
        upserts=tuple(upserts + early_records),
        deletions=tuple(deletions),
        unsupported=tuple(unreadable + unsupported),
        cursor=encode_cursor(folder_key, new_state),
        complete=True,
    )


def name_early(account: Any, folder: Any, kind: Kind, early: dict[str, str],
               throttle: Throttle) -> tuple[list[RemoteRecord], list[Unsupported]]:
    """Items the cheap fields already rule out (an occurrence), read whole so that the report names them by
    subject, as every unsupported item is named. SyncFolderItems lists no occurrences, so against Exchange this
    is a guard and costs no request; an item that no longer reads as unsupported is returned as a record, and
    one that is gone by now is named by its id (nothing else is known of it)."""
    if not early:
        return [], []
    records, read = read_records(account, folder, kind, list(early), throttle)
    named = {item.id: item for item in read}
    known = named.keys() | {record.id for record in records}
    gone = [Unsupported(id=item_id, reason=reason) for item_id, reason in early.items() if item_id not in known]
    return records, list(named.values()) + gone
