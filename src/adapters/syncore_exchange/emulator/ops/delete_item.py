"""DeleteItem: HardDelete / SoftDelete / MoveToDeletedItems.

Deleting an occurrence (its ItemId, or an OccurrenceItemId) deletes that occurrence only: its master lists it in
DeletedOccurrences and gets a new change key (…/how-to-delete-appointments-in-a-recurring-series-by-using-ews-in-exchange).
"""

from __future__ import annotations

from .. import occurrences
from ..soap import response_root
from ..xmlns import child
from .common import Context, OpError, find_target, item_refs, ref_id

# Optional in the schema, required by the operation for these item types:
# https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
_REQUIRED_FOR = {
    "CalendarItem": ("SendMeetingCancellations", "ErrorSendMeetingCancellationsRequired"),
    "Task": ("AffectedTaskOccurrences", "ErrorAffectedTaskOccurrencesRequired"),
}


def handle(ctx: Context):
    root, messages = response_root("DeleteItem")
    op = ctx.op
    for name in ("DeleteType", "SendMeetingCancellations", "AffectedTaskOccurrences"):
        if op.get(name):
            ctx.record.attrs[name] = op.get(name)
    delete_type = op.get("DeleteType")  # required by the schema (validated before)
    refs = item_refs(child(op, "m:ItemIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        with ctx.store.lock:
            try:
                item = find_target(ctx, ref)
            except OpError as e:
                item, missing = None, e
            fault = ctx.error_for(item) if item is not None else ctx.error_for(item_id=ref_id(ref))
            if fault is not None:
                ctx.write_fault(messages, fault)
                continue
            if item is None:
                ctx.write_error(messages, missing.code, missing.text)
                continue
            required = _REQUIRED_FOR.get(item.kind)
            if required is not None and op.get(required[0]) is None:
                ctx.write_error(messages, required[1])
                continue
            ctx.record.mailbox = ctx.record.mailbox or item.mailbox
            ctx.record.folder = ctx.record.folder or item.folder
            if item.master is not None:
                occurrences.delete(item)
                ctx.store.touch(item.master)
                ctx.success(messages)
                ctx.record.returned += 1
                continue
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
