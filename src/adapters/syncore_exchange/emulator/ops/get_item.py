"""GetItem: full items by id, with the requested shape (Body, TextBody, extended properties ...).

An id may name an occurrence of a recurring series (its ItemId, or an OccurrenceItemId: the master and an index),
or ask for the master of an occurrence (RecurringMasterItemId):
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-access-a-recurring-series-by-using-ews-in-exchange
"""

from __future__ import annotations

from ..render import Shape, render_item
from ..soap import response_root
from ..xmlns import child, sub
from .common import Context, OpError, find_target, item_refs, ref_id


def handle(ctx: Context):
    root, messages = response_root("GetItem")
    shape = Shape.parse(child(ctx.op, "m:ItemShape"))
    refs = item_refs(child(ctx.op, "m:ItemIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        try:
            item = find_target(ctx, ref)
        except OpError as e:
            fault = ctx.error_for(item_id=ref_id(ref))
            if fault is not None:
                ctx.write_fault(messages, fault)
            else:
                ctx.write_error(messages, e.code, e.text)
            continue
        ctx.record.mailbox = ctx.record.mailbox or item.mailbox
        ctx.record.folder = ctx.record.folder or item.folder
        fault = ctx.error_for(item)
        if fault is not None:
            ctx.write_fault(messages, fault)
            continue
        msg = ctx.success(messages)
        sub(msg, "m:Items").append(render_item(item, shape))
        ctx.record.returned += 1
    return root
