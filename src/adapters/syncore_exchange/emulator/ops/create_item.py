"""CreateItem: new calendar items, contacts and tasks in a folder (SaveOnly)."""

from __future__ import annotations

from ..itemxml import UpdateError, build_item, check_item
from ..occurrences import check_pattern
from ..recurrence import RecurrenceError
from ..render import id_only
from ..schema import FOLDER_FOR_KIND, FOLDERS, kind_for_tag
from ..soap import response_root
from ..timezones import UnknownTimeZone
from ..xmlns import child, local, sub
from .common import Context, OpError, subject_of


def handle(ctx: Context):
    root, messages = response_root("CreateItem")
    op = ctx.op
    for name in ("MessageDisposition", "SendMeetingInvitations"):
        if op.get(name):
            ctx.record.attrs[name] = op.get(name)
    items = [
        c
        for c in (child(op, "m:Items") if child(op, "m:Items") is not None else [])
        if isinstance(c.tag, str)
    ]
    ctx.record.item_count = len(items)
    context = ctx.context_zone()
    saved = child(op, "m:SavedItemFolderId")
    try:
        target = ctx.resolve_folder(saved) if saved is not None else None
    except OpError as e:
        for _ in items:
            ctx.write_error(messages, e.code, e.text)
        return root
    for elem in items:
        kind = kind_for_tag(local(elem.tag))
        if ctx.message_fault is not None:
            ctx.write_fault(messages, ctx.message_fault)
            continue
        if kind is None:
            ctx.write_error(
                messages, "ErrorInvalidOperation", f"The emulator cannot store {local(elem.tag)} items"
            )
            continue
        folder = target or ctx.store.folder(ctx.default_mailbox(), FOLDER_FOR_KIND[kind])
        if FOLDERS[folder.name].kind not in (None, kind):
            ctx.write_error(
                messages,
                "ErrorCannotCreateCalendarItemInNonCalendarFolder"
                if kind == "CalendarItem"
                else "ErrorInvalidOperation",
                f"Cannot create {kind} in folder {folder.name}",
            )
            continue
        if kind == "CalendarItem" and op.get("SendMeetingInvitations") is None:
            # Optional in the schema, required for calendar items by the operation:
            # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
            ctx.write_error(messages, "ErrorSendMeetingInvitationsRequired")
            continue
        with ctx.store.lock:
            try:
                item = build_item(ctx.store, folder.mailbox, folder.name, elem, context)
            except UnknownTimeZone as e:
                ctx.write_error(messages, "ErrorTimeZone", f"Unknown time zone: {e}")
                continue
            fault = ctx.error_for(item_id=None, subject=subject_of(item))
            if fault is not None:
                ctx.write_fault(messages, fault)
                continue
            try:
                check_item(item)
                check_pattern(item)
            except (UpdateError, RecurrenceError) as e:
                ctx.write_error(messages, e.code, e.text if e.text != e.code else None)
                continue
            ctx.store.add(item)
        msg = ctx.success(messages)
        sub(msg, "m:Items").append(id_only(item))
        ctx.record.returned += 1
    return root
