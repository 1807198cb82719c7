"""Rendering stored items as EWS response XML for a requested ItemShape."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from lxml import etree

from .itemxml import ext_key, full_name, html_to_text
from .schema import HEAVY_TAGS, INDEXED_CONTAINERS, ITEM_CLASS, kind_schema
from .series_xml import SERIES_COMPUTED, recurrence_value, series_value
from .store import StoredItem, folder_id
from .timezones import UnknownTimeZone, definition, display_name, duration_text
from .xmlns import bool_text, child, child_text, el, local, parse_datetime, sub, utc_text

FOLDER_CHANGEKEY = "AQAAABYAAAA="


@dataclass
class Shape:
    """A parsed ``ItemShape``: base shape, requested FieldURIs, indexed entries and extended properties."""

    base: str = "IdOnly"
    body_type: str = "Best"
    field_uris: set[str] = field(default_factory=set)
    indexed: dict[str, set[str]] = field(default_factory=dict)  # container tag -> keys
    extended: set[tuple] = field(default_factory=set)

    @classmethod
    def parse(cls, shape_elem: etree._Element | None) -> Shape:
        """Read ``<m:ItemShape>``; unknown FieldURIs are kept and later ignored (fetch asks for ~200)."""
        shape = cls()
        if shape_elem is None:
            return shape
        shape.base = child_text(shape_elem, "t:BaseShape") or "IdOnly"
        shape.body_type = child_text(shape_elem, "t:BodyType") or "Best"
        props = child(shape_elem, "t:AdditionalProperties")
        for p in [] if props is None else props:
            tag = local(p.tag) if isinstance(p.tag, str) else ""
            if tag == "FieldURI":
                shape.field_uris.add(p.get("FieldURI"))
            elif tag == "IndexedFieldURI":
                base = p.get("FieldURI", "").split(":")
                container = INDEXED_CONTAINERS.get(":".join(base[:2]))
                if container:
                    shape.indexed.setdefault(container, set()).add(p.get("FieldIndex"))
            elif tag == "ExtendedFieldURI":
                shape.extended.add(ext_key(p))
        return shape


def item_id_elem(item: StoredItem) -> etree._Element:
    """``<t:ItemId Id=... ChangeKey=.../>`` with the current change key."""
    return el("t:ItemId", attrs={"Id": item.id, "ChangeKey": item.changekey})


def id_only(item: StoredItem) -> etree._Element:
    """The minimal ``<t:Kind><t:ItemId/></t:Kind>`` used by Create/UpdateItem replies."""
    root = el(f"t:{item.kind}")
    root.append(item_id_elem(item))
    return root


def _computed(item: StoredItem, tag: str, body_type: str) -> etree._Element | None:
    props = item.props
    if tag == "ParentFolderId":
        return el(
            "t:ParentFolderId",
            attrs={"Id": folder_id(item.mailbox, item.folder), "ChangeKey": FOLDER_CHANGEKEY},
        )
    if tag == "ItemClass":
        return props.get("ItemClass") if "ItemClass" in props else el("t:ItemClass", ITEM_CLASS[item.kind])
    if tag in {"DateTimeCreated", "DateTimeReceived"}:
        return el(f"t:{tag}", utc_text(item.created))
    if tag == "LastModifiedTime":
        return el("t:LastModifiedTime", utc_text(item.modified))
    if tag == "HasAttachments":
        return el("t:HasAttachments", "false")
    if tag == "Size":
        return el("t:Size", str(len(etree.tostring(props["Body"])) + 512 if "Body" in props else 512))
    if tag == "TextBody":
        body = props.get("Body")
        if body is None:
            return None
        text = body.text or ""
        return el(
            "t:TextBody", html_to_text(text) if body.get("BodyType") == "HTML" else text, {"BodyType": "Text"}
        )
    if tag == "Body":
        return _body(props.get("Body"), body_type)
    if item.kind == "CalendarItem" and tag in {"IsMeeting", "MyResponseType"}:
        # A meeting is an appointment with attendees; its organiser's own response is "Organizer".
        meeting = any(t in props for t in ("RequiredAttendees", "OptionalAttendees", "Resources"))
        if tag == "IsMeeting":
            return el("t:IsMeeting", bool_text(meeting))
        return el("t:MyResponseType", "Organizer" if meeting else "NoResponseReceived")
    if item.kind == "CalendarItem" and tag in {"IsRecurring", "CalendarItemType"}:
        recurring = "Recurrence" in props or item.master is not None
        if tag == "IsRecurring":
            return el("t:IsRecurring", bool_text(recurring))
        if item.master is not None:
            return el("t:CalendarItemType", "Exception" if item.is_exception else "Occurrence")
        return el("t:CalendarItemType", "RecurringMaster" if recurring else "Single")
    if item.kind == "CalendarItem" and tag in SERIES_COMPUTED:
        return series_value(item, tag)
    if tag == "Recurrence":
        return recurrence_value(item)
    if item.kind == "CalendarItem" and tag in _APPOINTMENT_COMPUTED:
        return _appointment_value(item, tag)
    if item.kind == "Contact" and tag == "CompleteName":
        return _complete_name(item)
    if item.kind == "Task" and tag == "IsComplete":
        return el("t:IsComplete", bool_text(child_text_of(props.get("Status")) == "Completed"))
    if item.kind == "Task" and tag == "IsRecurring":
        return el("t:IsRecurring", bool_text("Recurrence" in props))
    return props.get(tag)


#: appointment properties the server computes (GetItem sample, AllProperties):
#: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
_APPOINTMENT_COMPUTED = {"StartTimeZone", "EndTimeZone", "TimeZone", "Duration", "AppointmentState", "ReminderDueBy"}


def _appointment_value(item: StoredItem, tag: str) -> etree._Element | None:
    props = item.props
    if tag in ("StartTimeZone", "EndTimeZone"):
        stored = props.get(tag)
        ms_id = None if stored is None else stored.get("Id")
        try:
            return stored if ms_id is None else definition(tag, ms_id)
        except UnknownTimeZone:
            return stored
    if tag == "TimeZone":
        zone_elem = props.get("StartTimeZone")
        ms_id = None if zone_elem is None else zone_elem.get("Id")
        try:
            return None if ms_id is None else el("t:TimeZone", display_name(ms_id))
        except UnknownTimeZone:
            return None
    start, end = props.get("Start"), props.get("End")
    if tag == "Duration":
        if start is None or end is None:
            return None
        return el("t:Duration", duration_text(parse_datetime(end.text) - parse_datetime(start.text)))
    if tag == "AppointmentState":
        # Bit 0x0001 "Meeting": an appointment with attendees. https://learn.microsoft.com/en-us/exchange/
        # client-developer/web-service-reference/appointmentstate
        meeting = any(t in props for t in ("RequiredAttendees", "OptionalAttendees", "Resources"))
        return el("t:AppointmentState", "1" if meeting else "0")
    # ReminderDueBy: when the reminder is due, the start unless a client set it.
    if "ReminderDueBy" in props:
        return props["ReminderDueBy"]
    return None if start is None else el("t:ReminderDueBy", start.text)


def _complete_name(item: StoredItem) -> etree._Element | None:
    parts = [("FirstName", "GivenName"), ("MiddleName", "MiddleName"), ("LastName", "Surname"),
             ("Initials", "Initials")]
    out = el("t:CompleteName")
    for name, tag in parts[:3]:
        if tag in item.props:
            sub(out, f"t:{name}", item.props[tag].text)
    if "Initials" in item.props:
        sub(out, "t:Initials", item.props["Initials"].text)
    if full_name(item):
        sub(out, "t:FullName", full_name(item))
    if "Nickname" in item.props:
        sub(out, "t:Nickname", item.props["Nickname"].text)
    return out if len(out) else None


def child_text_of(elem: etree._Element | None) -> str | None:
    """Text of an element or None."""
    return None if elem is None else elem.text


def _body(body: etree._Element | None, body_type: str) -> etree._Element | None:
    if body is None:
        return None
    stored = body.get("BodyType", "Text")
    if body_type in ("Best", stored):
        return body
    if body_type == "Text":
        return el("t:Body", html_to_text(body.text or ""), {"BodyType": "Text"})
    escaped = (body.text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return el("t:Body", f"<html><body>{escaped}</body></html>", {"BodyType": "HTML"})


def _wanted_tags(item: StoredItem, shape: Shape, light: bool) -> list[str]:
    schema = kind_schema(item.kind)
    if shape.base == "IdOnly":
        tags = {schema.uri_to_tag[u] for u in shape.field_uris if u in schema.uri_to_tag}
        tags |= set(shape.indexed)
    else:
        tags = set(item.props) | {
            "ParentFolderId",
            "ItemClass",
            "DateTimeCreated",
            "LastModifiedTime",
            "HasAttachments",
            "Size",
            "TextBody",
        }
        if item.kind == "CalendarItem":
            tags |= {"IsRecurring", "CalendarItemType", "IsMeeting", "MyResponseType"} | _APPOINTMENT_COMPUTED
            tags |= SERIES_COMPUTED
        if item.kind == "Contact":
            tags |= {"CompleteName"}
        if item.kind == "Task":
            tags |= {"IsComplete"}
        tags |= set(shape.indexed)
        if shape.base == "Default":
            tags.discard("TextBody")
    tags.discard("ItemId")
    if light:
        tags -= HEAVY_TAGS
    return sorted(tags, key=schema.position)


def render_item(item: StoredItem, shape: Shape, light: bool = False) -> etree._Element:
    """Serialise ``item`` for ``shape``; ``light`` strips Body & co. as SyncFolderItems/FindItem do."""
    schema = kind_schema(item.kind)
    root = el(f"t:{item.kind}")
    root.append(item_id_elem(item))
    ext_done = False
    for tag in _wanted_tags(item, shape, light):
        if not ext_done and schema.position(tag) > schema.position("ExtendedProperty"):
            _append_extended(root, item, shape)
            ext_done = True
        value = _computed(item, tag, shape.body_type)
        if value is None:
            continue
        if tag in shape.indexed and shape.base == "IdOnly":
            value = _filter_entries(value, shape.indexed[tag])
            if value is None:
                continue
        root.append(copy.deepcopy(value))
    if not ext_done:
        _append_extended(root, item, shape)
    return root


def _filter_entries(container: etree._Element, keys: set[str]) -> etree._Element | None:
    out = el(f"t:{local(container.tag)}")
    for entry in container:
        if entry.get("Key") in keys:
            out.append(copy.deepcopy(entry))
    return out if len(out) else None


def _append_extended(root: etree._Element, item: StoredItem, shape: Shape) -> None:
    for prop in item.extended:
        if ext_key(prop) in shape.extended:
            root.append(copy.deepcopy(prop))
