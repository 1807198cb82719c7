"""GetItem: full items by id, with the requested shape (Body, TextBody, extended properties ...)."""

from __future__ import annotations

from ..render import Shape, render_item
from ..soap import response_root
from ..xmlns import child, local, sub
from .common import Context, OpError, find_item, item_refs


def lookup(ctx: Context, ref):
    """Stored item for an ``ItemId``/``RecurringMasterItemId`` reference, else OpError."""
    tag = local(ref.tag)
    if tag == "ItemId":
        item_id = ref.get("Id")
    elif tag == "RecurringMasterItemId":
        # Occurrences are not modelled separately; the master is what we have.
        item_id = ref.get("OccurrenceId")
    else:
        raise OpError(
            "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
            "The emulator does not expand recurring series into occurrences.",
        )
    return find_item(ctx, item_id)


def handle(ctx: Context):
    root, messages = response_root("GetItem")
    shape = Shape.parse(child(ctx.op, "m:ItemShape"))
    refs = item_refs(child(ctx.op, "m:ItemIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        try:
            item = lookup(ctx, ref)
        except OpError as e:
            fault = ctx.error_for(item_id=ref.get("Id"))
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
