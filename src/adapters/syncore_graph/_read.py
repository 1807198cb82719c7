"""Reading: delta rounds (the change feed), full scans, fetch by id, find by link.

Delta (https://learn.microsoft.com/en-us/graph/delta-query-overview): follow ``@odata.nextLink`` until a page
carries ``@odata.deltaLink``, which is the cursor. Entries are de-duplicated by id (replays happen; the last
one wins). Events are read through ``calendarView/delta`` over the sync window
(https://learn.microsoft.com/en-us/graph/api/event-delta): its ``@removed`` entries also name events that
merely changed *outside* the window, so each one is looked up by id before it counts as a deletion.
calendarView and contact delta cannot ``$expand`` the link property, so change feeds carry no links; a full
scan reads them with one id-only listing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncore.errors import CursorExpired
from syncore.models import Kind
from syncore.remote import RemoteRecord, Unsupported

from . import _link
from ._client import GraphClient, Sub
from ._kinds import KindPaths, is_complete, label_of, to_remote, unsupported_reason, version_of

#: 2: event cursors know the series in their window. An event cursor of version 1 was made while series were
#: left alone, so the series it has seen were never read: it starts a new round (CursorExpired, a full scan). The
#: other kinds' cursors did not change.
CURSOR_VERSION = 2
_STILL_READ = {1: lambda key: "|event|" not in key}


def encode_cursor(key: str, window: tuple[datetime, datetime] | None, delta_link: str,
                  series: Sequence[str] = ()) -> str:
    """The cursor: the deltaLink, the window it lists and (events) the ids of the series known in it."""
    data: dict[str, Any] = {"v": CURSOR_VERSION, "key": key, "link": delta_link}
    if window is not None:
        data["window"] = [window[0].isoformat(), window[1].isoformat()]
    if series:
        data["series"] = sorted(set(series))
    return json.dumps(data, separators=(",", ":"))


def decode_cursor(cursor: str, key: str) -> tuple[tuple[str, str] | None, str, list[str]]:
    """(window as stored, deltaLink, known series ids); CursorExpired for an unreadable cursor or another
    mailbox/folder."""
    try:
        data = json.loads(cursor)
        known = data["v"] == CURSOR_VERSION or _STILL_READ.get(data["v"], lambda key: False)(key)
        ok = known and data["key"] == key and isinstance(data["link"], str)
        window = tuple(data["window"]) if "window" in data else None
        series = [str(i) for i in data.get("series") or ()]
    except (ValueError, TypeError, KeyError):
        ok, window, series = False, None, []
    if not ok:
        raise CursorExpired("graph: the change cursor is unreadable or belongs to another mailbox or folder")
    return window, data["link"], series  # type: ignore[return-value]


def window_params(window: tuple[datetime, datetime]) -> dict[str, str]:
    return {"startDateTime": window[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": window[1].strftime("%Y-%m-%dT%H:%M:%SZ")}


def read_round(client: GraphClient, url: str, params: dict[str, str] | None, kind: Kind,
               ) -> tuple[dict[str, dict[str, Any]], str]:
    """Every entry of one delta round (by id, last one wins) and the round's deltaLink."""
    entries: dict[str, dict[str, Any]] = {}
    delta_link = None
    for page in client.pages(url, params, operation=f"{kind.value} delta"):
        for entry in page.get("value") or ():
            entries.pop(entry["id"], None)
            entries[entry["id"]] = entry
        delta_link = page.get("@odata.deltaLink") or delta_link
    if delta_link is None:
        raise CursorExpired(f"graph: the {kind.value} delta round ended without a deltaLink")
    return entries, delta_link


def split(kind: Kind, entries: dict[str, dict[str, Any]], zone: str, links: dict[str, str] | None = None,
          ) -> tuple[list[RemoteRecord], list[str], list[Unsupported], list[tuple[str, str | None]]]:
    """(records, removed ids, unsupported items, partial entries to read) of a round's entries."""
    records, removed, unsupported, partial = [], [], [], []
    for item_id, entry in entries.items():
        if "@removed" in entry:
            removed.append(item_id)
            continue
        reason = unsupported_reason(kind, entry)
        if reason is not None:
            unsupported.append(Unsupported(id=item_id, reason=reason, label=label_of(kind, entry)))
            continue
        if not is_complete(kind, entry):
            partial.append((item_id, version_of(kind, entry)))
            continue
        try:
            records.append(to_remote(kind, entry, zone, (links or {}).get(item_id)))
        except (ValueError, TypeError) as exc:
            # one odd item is reported and never stops the feed
            unsupported.append(Unsupported(id=item_id, reason=f"cannot be mapped: {exc}",
                                           label=label_of(kind, entry)))
    return records, removed, unsupported, partial


def fetch_items(client: GraphClient, paths: KindPaths, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Items by id through $batch GETs (with their links); ids that name nothing are absent."""
    subs = [Sub("GET", f"{paths.item(i)}?{_link.query(**paths.read_query)}") for i in ids]
    found: dict[str, dict[str, Any]] = {}
    for item_id, result in zip(ids, client.batch(subs, operation=f"fetch {paths.kind.value}s"), strict=True):
        if isinstance(result, Exception):
            raise result
        if result.ok and isinstance(result.body, dict):
            found[item_id] = result.body
        elif result.status not in (400, 404):
            raise_call(result, f"fetch {paths.kind.value}")
    return found


def raise_call(result: Any, operation: str) -> None:
    from .errors import call_error

    error = result.error()
    raise call_error(error, operation) from error


def resolve_removed(client: GraphClient, paths: KindPaths, removed: list[str], zone: str,
                    ) -> tuple[list[RemoteRecord], list[str], list[Unsupported], list[str]]:
    """calendarView ``@removed`` ids: those that still exist changed outside the window (upserts or
    unsupported; an occurrence or exception names its series, last in the answer), the others are
    deletions."""
    if not removed:
        return [], [], [], []
    from ._series_read import set_aside

    found = fetch_items(client, paths, removed)
    plain, series = set_aside(found)
    records, _, unsupported, _ = split(paths.kind, plain, zone)
    return records, [i for i in removed if i not in found], unsupported, series


def links_in_scope(client: GraphClient, paths: KindPaths, window: tuple[datetime, datetime] | None,
                   ) -> dict[str, str]:
    """{item id: link} for every linked item in scope, in one id-only listing (full scans)."""
    if paths.kind is Kind.EVENT:
        assert window is not None
        path, params = "/calendarView", {**window_params(window), "$select": "id", "$expand": _link.EXPAND}
    else:
        path, params = paths.collection, {"$select": "id", "$expand": _link.EXPAND}
    links = {}
    for page in client.pages(path, params, operation=f"{paths.kind.value} links"):
        for item in page.get("value") or ():
            link = _link.read_property(item)
            if link:
                links[item["id"]] = link
    return links


def find_by_link(client: GraphClient, paths: KindPaths, links: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{link: item} for items whose link is one of ``links``."""
    if paths.kind is Kind.TASK:
        wanted = set(links)
        found = {}
        for page in client.pages(paths.collection, {"$expand": "linkedResources"}, operation="find tasks by link"):
            for task in page.get("value") or ():
                link = _link.read_linked_resource(task)
                if link in wanted:
                    found[link] = task
        return found  # type: ignore[return-value]
    collection = "/events" if paths.kind is Kind.EVENT else "/contacts"
    subs = [Sub("GET", f"{collection}?{_link.query(**{'$filter': _link.link_filter(link), '$expand': _link.EXPAND})}")
            for link in links]
    found = {}
    for link, result in zip(links, client.batch(subs, operation=f"find {paths.kind.value}s by link"), strict=True):
        if isinstance(result, Exception):
            raise result
        if not result.ok:
            raise_call(result, f"find {paths.kind.value}s by link")
        for item in (result.body or {}).get("value") or ():
            if _link.read_property(item) == link:
                found[link] = item
    return found
