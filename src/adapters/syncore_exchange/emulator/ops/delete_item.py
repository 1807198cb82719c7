"""DeleteItem: HardDelete / SoftDelete / MoveToDeletedItems."""

from __future__ import annotations

from ..soap import response_root
from ..xmlns import child
from .common import Context, item_refs


def handle(ctx: Context):
    root, messages = response_root("DeleteItem")
    op = ctx.op
    for name in ("DeleteType", "SendMeetingCancellations", "AffectedTaskOccurrences"):
        if op.get(name):
            ctx.record.attrs[name] = op.get(name)
    delete_type = op.get("DeleteType", "HardDelete")
    refs = item_refs(child(op, "m:ItemIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        with ctx.store.lock:
            item = ctx.store.get(ref.get("Id"))
            fault = ctx.error_for(item) if item is not None else ctx.error_for(item_id=ref.get("Id"))
            if fault is not None:
                ctx.write_fault(messages, fault)
                continue
            if item is None:
                ctx.write_error(messages, "ErrorItemNotFound")
                continue
            ctx.record.mailbox = ctx.record.mailbox or item.mailbox
            ctx.record.folder = ctx.record.folder or item.folder
            # A stale but well-formed change key is ignored on delete (as far as is known for Exchange).
            to_folder = {"MoveToDeletedItems": "deleteditems", "SoftDelete": "recoverableitemsdeletions"}.get(
                delete_type
            )
            if to_folder == item.folder:
                to_folder = None
            ctx.store.remove(item, to_folder=to_folder)
        ctx.success(messages)
        ctx.record.returned += 1
    return root
