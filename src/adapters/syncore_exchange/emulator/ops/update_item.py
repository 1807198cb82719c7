"""UpdateItem: Set/Append/DeleteItemField with change-key conflict detection.

The target is an ItemId, an OccurrenceItemId or a RecurringMasterItemId. Writing an occurrence makes it an exception
of its master ("that occurrence is added to an array of modified appointments associated with the recurring master",
…/how-to-update-a-recurring-series-by-using-ews); the master gets a new change key, which is every occurrence's
(…/occurrenceitemid). A new pattern on a master drops its exceptions (see :func:`..occurrences.prune`).
"""

from __future__ import annotations

import base64
import copy

from lxml import etree

from .. import occurrences
from ..itemxml import UpdateError, check_item, delete_property, set_from_update
from ..recurrence import RecurrenceError
from ..render import id_only
from ..soap import response_root
from ..timezones import UnknownTimeZone, localize_values, zones_for
from ..xmlns import child, local, sub
from .common import Context, OpError, find_target, item_refs

_PATH_TAGS = {"FieldURI", "IndexedFieldURI", "ExtendedFieldURI"}


def check_changekey(item, changekey: str | None, resolution: str) -> None:
    """NeverOverwrite with a stale key is a conflict; a malformed key is always an error."""
    if not changekey:
        return
    try:
        ok = base64.b64decode(changekey.encode(), validate=True).startswith(b"CK")
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        raise OpError("ErrorInvalidChangeKey")
    if resolution == "NeverOverwrite" and changekey != item.changekey:
        raise OpError("ErrorIrresolvableConflict")


def apply_updates(item, updates, context_zone: str | None = None) -> None:
    """Apply the ``<t:Updates>`` children to ``item`` (a working copy).

    Times without an offset are read like a created item's: in a zone this change sets, else the request's
    TimeZoneContext, else the item's own zones.
    """
    updates = [u for u in updates if isinstance(u.tag, str)]
    _localize_updates(item, updates, context_zone)
    for update in updates:
        kind = local(update.tag)
        path = next((c for c in update if isinstance(c.tag, str) and local(c.tag) in _PATH_TAGS), None)
        if path is None:
            raise UpdateError("ErrorInvalidPropertyRequest", f"{kind} without a field path")
        if kind == "DeleteItemField":
            delete_property(item, path)
            continue
        container = next(
            (c for c in update if isinstance(c.tag, str) and local(c.tag) not in _PATH_TAGS), None
        )
        if kind == "AppendToItemField" and container is not None:
            _append(item, container)
        set_from_update(item, path, container)


def _localize_updates(item, updates, context_zone: str | None) -> None:
    containers = [
        c for u in updates for c in u if isinstance(c.tag, str) and local(c.tag) not in _PATH_TAGS
    ]
    stored = {tag: item.props[tag].get("Id") for tag in _ZONE_TAGS if tag in item.props}
    zones = zones_for(containers, context_zone, stored)
    for container in containers:
        localize_values(container, *zones)


_ZONE_TAGS = ("StartTimeZone", "EndTimeZone")
_LIST_TAGS = {"RequiredAttendees", "OptionalAttendees", "Resources", "Categories"}


def _append(item, container) -> None:
    # AppendToItemField appends text to Body and entries to list properties; turn the value into a full
    # replacement before it is set.
    for new in container:
        tag = local(new.tag) if isinstance(new.tag, str) else ""
        old = item.props.get(tag)
        if old is None:
            continue
        if tag == "Body":
            new.text = (old.text or "") + (new.text or "")
        elif tag in _LIST_TAGS:
            for index, entry in enumerate(old):
                new.insert(index, copy.deepcopy(entry))


def _settle_series(item, work) -> None:
    """Check a written occurrence's move, or a master's new pattern, and drop what the new pattern invalidates."""
    if item.master is not None:
        if work.props.get("Start") is not None and work.props["Start"].text != item.props["Start"].text:
            occurrences.check_move(work)
        return
    before, after = item.props.get("Recurrence"), work.props.get("Recurrence")
    changed = (before is None) != (after is None) or (
        before is not None and etree.tostring(before) != etree.tostring(after))
    if before is not None or after is not None:
        occurrences.prune(work, recurrence_changed=changed)
        occurrences.check_pattern(work)


def handle(ctx: Context):
    root, messages = response_root("UpdateItem")
    op = ctx.op
    for name in ("ConflictResolution", "MessageDisposition", "SendMeetingInvitationsOrCancellations"):
        if op.get(name):
            ctx.record.attrs[name] = op.get(name)
    resolution = op.get("ConflictResolution", "AutoResolve")
    changes = item_refs(child(op, "m:ItemChanges"))
    context = ctx.context_zone()
    ctx.record.item_count = len(changes)
    for change in changes:
        ref = next((c for c in change if isinstance(c.tag, str) and local(c.tag) != "Updates"), None)
        try:
            if ref is None:
                raise OpError("ErrorInvalidOperation", "an ItemChange names no item")
            with ctx.store.lock:
                item = find_target(ctx, ref)
                if item.kind == "CalendarItem" and op.get("SendMeetingInvitationsOrCancellations") is None:
                    raise OpError("ErrorSendMeetingInvitationsOrCancellationsRequired")
                ctx.record.mailbox = ctx.record.mailbox or item.mailbox
                ctx.record.folder = ctx.record.folder or item.folder
                fault = ctx.error_for(item)
                if fault is not None:
                    ctx.write_fault(messages, fault)
                    continue
                check_changekey(item, ref.get("ChangeKey"), resolution)
                work = item.clone()
                try:
                    apply_updates(
                        work,
                        child(change, "t:Updates") if child(change, "t:Updates") is not None else [],
                        context,
                    )
                    check_item(work)
                    _settle_series(item, work)
                except (UpdateError, RecurrenceError, occurrences.OccurrenceError) as e:
                    raise OpError(e.code, e.text) from e
                except UnknownTimeZone as e:
                    raise OpError("ErrorTimeZone", f"Unknown time zone: {e}") from e
                if item.master is not None:
                    occurrences.store_exception(work)
                    ctx.store.touch(item.master)
                else:
                    item.props, item.extended = work.props, work.extended
                    item.exceptions, item.deleted = work.exceptions, work.deleted
                    ctx.store.touch(item)
        except OpError as e:
            ctx.write_error(messages, e.code, e.text)
            continue
        msg = ctx.success(messages)
        sub(msg, "m:Items").append(id_only(item))
        sub(sub(msg, "m:ConflictResults"), "t:Count", "0")
        ctx.record.returned += 1
    return root
