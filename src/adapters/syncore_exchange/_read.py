"""GetItem (fetch by id, in batches) and FindItem (find by the link property), mapped to RemoteRecords.

GetItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation
FindItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from exchangelib.properties import ItemId

from syncore.models import Kind, Record
from syncore.remote import RemoteRecord, Unsupported

from ._ews import READ_FIELDS
from ._link import LINK_FIELD
from ._mapping import contact_from_item, event_from_item, recurring_reason, task_from_item
from ._mapping.values import plain_utc
from ._throttle import Throttle

#: ids per GetItem request. Microsoft suggests 10 per batch for mailbox sync and exchangelib sends 100; EWS
#: has no item maximum, only a one-minute execution limit per batch, and 100 light items stay far below it.
FETCH_BATCH = 100
#: links per FindItem restriction; restricted searches return at most 250 items (EWSFindCountLimit)
FIND_BATCH = 50

_FROM_ITEM: dict[Kind, Callable[[Any], Record]] = {
    Kind.EVENT: event_from_item,
    Kind.CONTACT: contact_from_item,
    Kind.TASK: task_from_item,
}


def unsupported_reason(kind: Kind, item: Any) -> str | None:
    """Why an item is reported as unsupported instead of synced (recurring series), or None."""
    if kind is Kind.EVENT:
        return recurring_reason(item)
    if kind is Kind.TASK and getattr(item, "is_recurring", False):
        return "recurring task not supported yet"
    return None


def to_remote(kind: Kind, item: Any) -> RemoteRecord:
    """An exchangelib item as a RemoteRecord: version = change key, link = the SyncoreLink property."""
    modified = getattr(item, "last_modified_time", None)
    return RemoteRecord(
        id=item.id,
        version=item.changekey,
        record=_FROM_ITEM[kind](item),
        link=getattr(item, LINK_FIELD, None) or None,
        modified_at=plain_utc(modified) if modified is not None else None,
    )


def get_items(account: Any, folder: Any, kind: Kind, ids: Sequence[str], throttle: Throttle) -> list[Any]:
    """Full items for ``ids`` (missing ones left out), in batches of FETCH_BATCH.

    Ids go in as ``ItemId`` objects: exchangelib would split a plain string id into characters.
    """
    items: list[Any] = []
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = [ItemId(id=i) for i in ids[start : start + FETCH_BATCH]]
        results = throttle.call(
            "GetItem", lambda chunk=chunk: list(account.fetch(chunk, folder=folder, only_fields=READ_FIELDS[kind]))
        )
        # ErrorItemNotFound and friends come back as exception instances: the id is simply absent
        items.extend(item for item in results if not isinstance(item, Exception))
    return items


def map_items(kind: Kind, items: Iterable[Any]) -> tuple[list[RemoteRecord], list[Unsupported]]:
    """Split items into mapped records and unsupported ones (recurring series)."""
    records, unsupported = [], []
    for item in items:
        reason = unsupported_reason(kind, item)
        if reason is not None:
            unsupported.append(Unsupported(id=item.id, reason=reason))
        else:
            records.append(to_remote(kind, item))
    return records, unsupported


def find_ids_by_link(folder: Any, links: Sequence[str], throttle: Throttle) -> list[str]:
    """Ids of items whose SyncoreLink is one of ``links`` (FindItem with a restriction on the property)."""
    ids: list[str] = []
    for start in range(0, len(links), FIND_BATCH):
        chunk = list(links[start : start + FIND_BATCH])
        query = folder.filter(**{f"{LINK_FIELD}__in": chunk})
        ids.extend(throttle.call("FindItem", lambda query=query: [i.id for i in query.only("id", "changekey")]))
    return ids
