"""GetItem (fetch by id, in batches) and FindItem (find by the link property), mapped to RemoteRecords.

GetItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation
FindItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncore.models import Kind, Record
from syncore.remote import RemoteRecord, Unsupported
from syncore.results import describe_item

from ._ews import EXCEPTION_FIELDS, READ_FIELDS
from ._lean import get_models, get_views
from ._link import LINK_FIELD, is_item_id, read_link
from ._mapping import (
    contact_from_item,
    event_from_item,
    is_master,
    recurring_reason,
    series_from_item,
    task_from_item,
)
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
    """Why an item is reported as unsupported instead of synced (an occurrence: its series syncs), or None."""
    if kind is Kind.EVENT:
        return recurring_reason(item)
    return None


def to_remote(kind: Kind, item: Any, exceptions: Mapping[str, Any] | None = None) -> RemoteRecord:
    """An exchangelib item as a RemoteRecord: version = change key, link = the SyncoreLink property. A recurring
    master is a series; ``exceptions`` holds its modified occurrences by id (:func:`read_exceptions`)."""
    modified = getattr(item, "last_modified_time", None)
    if kind is Kind.EVENT and is_master(item):
        record: Record = series_from_item(item, exceptions or {})
    else:
        record = _FROM_ITEM[kind](item)
    return RemoteRecord(
        id=item.id,
        version=item.changekey,
        record=record,
        link=read_link(item),
        modified_at=plain_utc(modified) if modified is not None else None,
    )


def _valid_ids(ids: Sequence[str]) -> list[str]:
    return [i for i in ids if is_item_id(i)]


def read_exceptions(account: Any, folder: Any, items: Sequence[Any], throttle: Throttle) -> dict[str, Any]:
    """The modified occurrences of the recurring masters among ``items``, by id, as :class:`~._lean.ItemView`
    objects: one GetItem per FETCH_BATCH of them (a master lists only their ids and times; their subject,
    location, body … are on the exceptions)."""
    ids = [occurrence.id for item in items if is_master(item) for occurrence in item.modified_occurrences or ()]
    found: dict[str, Any] = {}
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = ids[start : start + FETCH_BATCH]
        results = throttle.call("GetItem", lambda chunk=chunk: get_views(account, folder, chunk, EXCEPTION_FIELDS))
        found.update({item.id: item for item in results if not isinstance(item, Exception)})
    return found


def read_records(account: Any, folder: Any, kind: Kind, ids: Sequence[str],
                 throttle: Throttle) -> tuple[list[RemoteRecord], list[Unsupported]]:
    """The records of ``ids`` (GetItem, and one more GetItem for the exceptions of recurring series)."""
    items = read_items(account, folder, kind, ids, throttle)
    exceptions = read_exceptions(account, folder, items, throttle) if kind is Kind.EVENT else {}
    return map_items(kind, items, exceptions)


def read_items(account: Any, folder: Any, kind: Kind, ids: Sequence[str], throttle: Throttle) -> list[Any]:
    """What syncore reads of the items ``ids`` that are items of ``folder`` (others left out), in batches of
    FETCH_BATCH, as :class:`~._lean.ItemView` objects (the reading path: feeds, fetches, link lookups).

    An id is a claim (it may come from the other side's link): one that is not shaped like an ItemId is
    not sent (it could not even be written into the request), one the server calls malformed or missing is
    left out, and an item of another folder or mailbox is not ours to return. All-day ends are exact
    (:func:`~._lean.read_item`), so no second read is needed near a DST change.
    """
    ids = _valid_ids(ids)
    items: list[Any] = []
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = ids[start : start + FETCH_BATCH]
        results = throttle.call("GetItem", lambda chunk=chunk: get_views(account, folder, chunk, READ_FIELDS[kind]))
        # ErrorItemNotFound and friends come back as exception instances: the id is simply absent
        items.extend(item for item in results if not isinstance(item, Exception) and _in_folder(item, folder))
    return items


def get_items(account: Any, folder: Any, kind: Kind, ids: Sequence[str], throttle: Throttle) -> list[Any]:
    """Like :func:`read_items`, as exchangelib models (the write path modifies and saves them)."""
    ids = _valid_ids(ids)
    items: list[Any] = []
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = ids[start : start + FETCH_BATCH]
        results = throttle.call("GetItem", lambda chunk=chunk: get_models(account, folder, chunk, READ_FIELDS[kind]))
        items.extend(item for item in results if not isinstance(item, Exception) and _in_folder(item, folder))
    if kind is Kind.EVENT:
        _fix_all_day_ends(account, folder, items, throttle)
    return items


def _in_folder(item: Any, folder: Any) -> bool:
    parent = getattr(item, "parent_folder_id", None)
    return parent is not None and parent.id == folder.id


def _inclusive_end_is_ambiguous(item: Any) -> bool:
    """True when exchangelib's inclusive all-day end may be a day off (a 23-hour DST day nearby).

    exchangelib reads an all-day end as ``(end_utc - 24 hours)`` in the item's zone. When the day before
    the exclusive end is 23 hours long (spring forward) that lands on the wrong date, and an exclusive end
    of I+1 and of I+2 can then both read back as the inclusive end I.
    """
    tz = getattr(item, "_end_timezone", None) or getattr(item, "_start_timezone", None)
    if tz is None or not item.is_all_day or item.end is None:
        return False
    inclusive = item.end

    def day_hours(day: date) -> float:
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = start + timedelta(days=1)
        return (nxt.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600

    return day_hours(inclusive) != 24 or day_hours(inclusive + timedelta(days=1)) != 24


def _fix_all_day_ends(account: Any, folder: Any, items: list[Any], throttle: Throttle) -> None:
    # Re-read the raw End of the few all-day items near a DST change: without is_all_day in the shape,
    # exchangelib leaves the value alone (the exact UTC instant of the exclusive local midnight).
    suspects = [item for item in items if _inclusive_end_is_ambiguous(item)]
    if not suspects:
        return
    ids = [item.id for item in suspects]
    raw = throttle.call("GetItem", lambda: get_models(account, folder, ids, ["end"]))
    for item, bare in zip(suspects, raw, strict=True):
        if isinstance(bare, Exception) or bare.end is None:
            continue
        tz = item._end_timezone or item._start_timezone
        exclusive = bare.end.astimezone(tz).date()
        item.end = exclusive - timedelta(days=1)


def map_items(kind: Kind, items: Iterable[Any],
              exceptions: Mapping[str, Any] | None = None) -> tuple[list[RemoteRecord], list[Unsupported]]:
    """Split items into mapped records and unsupported ones (occurrences, items that cannot be read)."""
    records, unsupported = [], []
    for item in items:
        reason = unsupported_reason(kind, item)
        if reason is None:
            try:
                records.append(to_remote(kind, item, exceptions))
                continue
            except (ValueError, TypeError) as exc:  # InvalidRecordError is a ValueError
                # one odd item (no start, end before start…) is reported, never allowed to stop the feed
                reason = f"cannot be mapped: {exc}"
        unsupported.append(Unsupported(id=item.id, reason=reason, label=label_of(kind, item)))
    return records, unsupported


def label_of(kind: Kind, item: Any) -> str:
    """An item as a person knows it, for a report: its subject (a contact: its name); an occurrence or a
    master names its series."""
    if kind is Kind.CONTACT:
        parts = (getattr(item, "given_name", None), getattr(item, "surname", None))
        name = " ".join(part for part in parts if part)
        return describe_item(kind, name or getattr(item, "display_name", None)
                             or getattr(item, "company_name", None) or "")
    return describe_item(kind, getattr(item, "subject", None) or "",
                         series=bool(getattr(item, "is_recurring", False) or is_master(item)))


def find_ids_by_link(folder: Any, links: Sequence[str], throttle: Throttle) -> list[str]:
    """Ids of items whose SyncoreLink is one of ``links`` (FindItem with a restriction on the property)."""
    ids: list[str] = []
    for start in range(0, len(links), FIND_BATCH):
        chunk = list(links[start : start + FIND_BATCH])
        query = folder.filter(**{f"{LINK_FIELD}__in": chunk})
        ids.extend(throttle.call("FindItem", lambda query=query: [i.id for i in query.only("id", "changekey")]))
    return ids
