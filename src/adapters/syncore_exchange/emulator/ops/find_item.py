"""FindItem: shallow, paged listing (IndexedPageItemView) or a simple CalendarView.

Restriction and SortOrder are evaluated by :mod:`..restriction` (unsupported filters fail with
ErrorUnsupportedQueryFilter). A CalendarView expands recurring series: it "hides recurring master appointments from
the result set", which holds "Non-recurring appointments, single occurrences of recurring series, and exceptions to
recurring series" overlapping the window; a paged view lists masters and single items, never occurrences
(https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/recurrence-patterns-and-ews,
table 3).
"""

from __future__ import annotations

from lxml import etree

from .. import occurrences
from ..render import Shape, render_item
from ..restriction import UnsupportedRestrictionError, matches, sort_items
from ..soap import response_root
from ..xmlns import bool_text, child, parse_datetime, sub
from .common import Context, OpError, item_refs


def _overlaps(item, start, end) -> bool:
    s, e = item.props.get("Start"), item.props.get("End")
    if s is None or e is None or "Recurrence" in item.props:
        return False
    return parse_datetime(s.text) < end and parse_datetime(e.text) > start


def _expanded(items, start, end) -> list:
    found = [i for i in items if _overlaps(i, start, end)]
    for master in (i for i in items if occurrences.is_master(i)):
        found.extend(occurrences.in_window(master, start, end))
    return sorted(found, key=lambda i: i.props["Start"].text)


def handle(ctx: Context):
    root, messages = response_root("FindItem")
    op = ctx.op
    shape = Shape.parse(child(op, "m:ItemShape"))
    paging = child(op, "m:IndexedPageItemView")
    calview = child(op, "m:CalendarView")
    restriction, sort_order = child(op, "m:Restriction"), child(op, "m:SortOrder")
    if restriction is not None:
        ctx.record.attrs["Restriction"] = (
            etree.tostring(restriction[0], encoding="unicode") if len(restriction) else ""
        )
    for ref in item_refs(child(op, "m:ParentFolderIds")):
        try:
            folder = ctx.folder_from_ref(ref)
        except OpError as e:
            ctx.write_error(messages, e.code, e.text)
            continue
        ctx.record.mailbox = ctx.record.mailbox or folder.mailbox
        ctx.record.folder = ctx.record.folder or folder.name
        if ctx.message_fault is not None:
            ctx.write_fault(messages, ctx.message_fault)
            continue
        try:
            items = [i for i in folder.items.values() if restriction is None or matches(i, restriction)]
            items = sort_items(items, sort_order)
        except UnsupportedRestrictionError as e:
            ctx.write_error(messages, "ErrorUnsupportedQueryFilter", str(e))
            continue
        msg = ctx.success(messages)
        rootfolder = sub(msg, "m:RootFolder")
        if calview is not None:
            start, end = parse_datetime(calview.get("StartDate")), parse_datetime(calview.get("EndDate"))
            items = _expanded(items, start, end)
            limit = int(calview.get("MaxEntriesReturned") or len(items) or 1)
            page, last = items[:limit], len(items) <= limit
        else:
            limit = int(paging.get("MaxEntriesReturned") or 1000) if paging is not None else 1000
            offset = int(paging.get("Offset") or 0) if paging is not None else 0
            if paging is not None and paging.get("BasePoint") == "End":
                page = items[max(0, len(items) - offset - limit) : len(items) - offset]
            else:
                page = items[offset : offset + limit]
            last = offset + len(page) >= len(items)
            rootfolder.set("IndexedPagingOffset", str(offset + len(page)))
        rootfolder.set("TotalItemsInView", str(len(items)))
        rootfolder.set("IncludesLastItemInRange", bool_text(last))
        container = sub(rootfolder, "t:Items")
        for item in page:
            container.append(render_item(item, shape, light=True))
        ctx.record.returned += len(page)
    return root
