"""SyncFolderItems: collapsed, paged replay of a folder's change log behind an opaque sync state."""

from __future__ import annotations

import base64
import json

from ..render import Shape, render_item
from ..soap import response_root
from ..store import FolderState, Store
from ..xmlns import bool_text, child, child_text, el, sub
from .common import Context, OpError, item_refs

MAX_CHANGES = 512


def encode_state(store: Store, folder: FolderState, position: int) -> str:
    """Opaque base64 state: emulator instance, folder, folder epoch and log position."""
    raw = json.dumps(
        {"e": store.token, "f": folder.id, "g": folder.epoch, "p": position}, separators=(",", ":")
    )
    return base64.b64encode(raw.encode()).decode()


def decode_state(store: Store, folder: FolderState, state: str | None) -> int:
    """Log position encoded in ``state``; OpError(ErrorInvalidSyncStateData) if it is not valid here."""
    if not state:
        return 0
    try:
        data = json.loads(base64.b64decode(state.encode(), validate=True))
        valid = (
            data["e"] == store.token
            and data["f"] == folder.id
            and data["g"] == folder.epoch
            and 0 <= int(data["p"]) <= folder.last_seq
        )
    except Exception:  # noqa: BLE001 - garbage of any kind is "invalid sync state"
        valid = False
    if not valid:
        raise OpError("ErrorInvalidSyncStateData")
    return int(data["p"])


def collect_changes(folder: FolderState, position: int, limit: int, ignore: set[str]):
    """Return ``(changes, new_position)`` for log entries after ``position``.

    The window grows entry by entry until it would touch more than ``limit`` distinct items. Within the
    window, changes are collapsed per item (create+update -> create, create+delete -> nothing) and ordered
    by each item's last change.
    """
    touched: dict[str, int] = {}
    end = position
    for seq, item_id, _ in folder.log[position:]:
        if item_id not in touched and len(touched) >= limit:
            break
        touched[item_id] = seq
        end = seq
    deleted_in_window = {i for s, i, op in folder.log[position:end] if op == "delete"}
    changes = []
    for item_id, _ in sorted(touched.items(), key=lambda kv: kv[1]):
        if item_id in ignore:
            continue
        existed = folder.created_seq.get(item_id, 0) <= position
        item = folder.items.get(item_id)
        if item is None:
            # Gone now: report a delete only if the client may know the item and the delete is in the window.
            if existed and item_id in deleted_in_window:
                changes.append(("Delete", item_id, None))
            continue
        changes.append(("Update" if existed else "Create", item_id, item))
    return changes, end


def handle(ctx: Context):
    root, messages = response_root("SyncFolderItems")
    op = ctx.op
    # Required, and 1..512 (MaxSyncChangesReturnedType): the schema validation checked both.
    limit = int(child_text(op, "m:MaxChangesReturned"))
    ctx.record.attrs["MaxChangesReturned"] = str(limit)
    state_in = child_text(op, "m:SyncState")
    ctx.record.attrs["SyncState"] = "given" if state_in else "none"
    try:
        folder = ctx.resolve_folder(child(op, "m:SyncFolderId"))
        if ctx.message_fault is not None:
            raise OpError(ctx.message_fault.params["code"], ctx.message_fault.params.get("text"))
        position = decode_state(ctx.store, folder, state_in)
    except OpError as e:
        fault = ctx.message_fault
        back_off = fault.params.get("back_off_ms") if fault is not None else None
        msg = ctx.write_error(messages, e.code, e.text, back_off_ms=back_off)
        if fault is not None:
            ctx.record.fault = f"{fault.kind}:{fault.params['code']}"
        # exchangelib reads these two before it looks at ResponseClass.
        msg.append(el("m:SyncState", state_in or ""))
        msg.append(el("m:IncludesLastItemInRange", "true"))
        return root
    ignore = {r.get("Id") for r in item_refs(child(op, "m:Ignore"))}
    changes, end = collect_changes(folder, position, limit, ignore)
    shape = Shape.parse(child(op, "m:ItemShape"))
    msg = ctx.success(messages)
    sub(msg, "m:SyncState", encode_state(ctx.store, folder, end))
    sub(msg, "m:IncludesLastItemInRange", bool_text(end >= folder.last_seq))
    container = sub(msg, "m:Changes")
    for change_type, item_id, item in changes:
        change = sub(container, f"t:{change_type}")
        if item is None:
            sub(change, "t:ItemId", attrs={"Id": item_id, "ChangeKey": ""})
        else:
            change.append(render_item(item, shape, light=True))
    ctx.record.returned = len(changes)
    ctx.record.attrs["IncludesLastItemInRange"] = bool_text(end >= folder.last_seq)
    return root
