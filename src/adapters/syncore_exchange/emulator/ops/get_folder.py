"""GetFolder: distinguished folders (root, msgfolderroot, calendar, contacts, tasks ...) and FolderIds."""

from __future__ import annotations

from ..render import FOLDER_CHANGEKEY
from ..schema import FOLDERS
from ..soap import response_root
from ..store import folder_id
from ..xmlns import child, sub
from .common import Context, OpError, item_refs


def handle(ctx: Context):
    root, messages = response_root("GetFolder")
    refs = item_refs(child(ctx.op, "m:FolderIds"))
    ctx.record.item_count = len(refs)
    for ref in refs:
        if ctx.message_fault is not None:
            ctx.write_fault(messages, ctx.message_fault)
            continue
        try:
            folder = ctx.folder_from_ref(ref)
        except OpError as e:
            ctx.write_error(messages, e.code, e.text)
            continue
        ctx.record.mailbox = ctx.record.mailbox or folder.mailbox
        ctx.record.folder = ctx.record.folder or folder.name
        definition = FOLDERS[folder.name]
        msg = ctx.success(messages)
        elem = sub(sub(msg, "m:Folders"), f"t:{definition.element}")
        sub(elem, "t:FolderId", attrs={"Id": folder.id, "ChangeKey": FOLDER_CHANGEKEY})
        if definition.parent:
            sub(
                elem,
                "t:ParentFolderId",
                attrs={"Id": folder_id(folder.mailbox, definition.parent), "ChangeKey": FOLDER_CHANGEKEY},
            )
        if definition.folder_class:
            sub(elem, "t:FolderClass", definition.folder_class)
        sub(elem, "t:DisplayName", definition.display_name)
        sub(elem, "t:TotalCount", str(len(folder.items)))
        sub(elem, "t:ChildFolderCount", str(sum(1 for d in FOLDERS.values() if d.parent == folder.name)))
        if definition.element == "Folder":
            sub(elem, "t:UnreadCount", "0")
        sub(elem, "t:DistinguishedFolderId", folder.name)
    ctx.record.returned = ctx.record.codes.count("NoError")
    return root
