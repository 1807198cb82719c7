"""Turning client XML into stored item properties, and applying UpdateItem field changes.

Stored values are normalised on the way in (booleans ``true``/``false``, datetimes in UTC with ``Z``), so
every response is in the form Exchange itself emits.
"""

from __future__ import annotations

import copy
import re
import uuid

from lxml import etree, html

from .schema import COMPOUND_CONTAINERS, COMPUTED_TAGS, INDEXED_CONTAINERS, kind_schema
from .store import StoredItem
from .timezones import UTC_ID, localize
from .xmlns import (
    bool_text,
    child,
    el,
    local,
    normalize_datetime_text,
    now_utc,
    parse_bool,
    parse_datetime,
    qn,
    utc_text,
)

# The client may set these even though the server usually derives them.
_CLIENT_SETTABLE_COMPUTED = {"UID", "ItemClass"}


class UpdateError(Exception):
    """A per-item failure while applying changes; ``code`` is the EWS ResponseCode."""

    def __init__(self, code: str, text: str = ""):
        super().__init__(text or code)
        self.code = code
        self.text = text or code


def normalize(kind: str, elem: etree._Element) -> etree._Element:
    """Deep-copy a property element and rewrite booleans/datetimes to Exchange's response spelling."""
    schema = kind_schema(kind)
    elem = copy.deepcopy(elem)
    tag = local(elem.tag)
    if tag in schema.bool_tags and elem.text is not None:
        value = parse_bool(elem.text)
        elem.text = elem.text if value is None else bool_text(value)
    elif tag in schema.datetime_tags:
        elem.text = normalize_datetime_text(elem.text)
    return elem


def ext_key(elem: etree._Element) -> tuple:
    """Identity of an extended property: all attributes of its ExtendedFieldURI."""
    uri = elem if local(elem.tag) == "ExtendedFieldURI" else child(elem, "t:ExtendedFieldURI")
    if uri is None:
        return ()
    return tuple(sorted((k, v) for k, v in uri.attrib.items() if k != "PropertyType"))


def html_to_text(markup: str) -> str:
    """Plain-text rendering of an HTML body, roughly as Exchange produces TextBody."""
    try:
        doc = html.fromstring(markup)
    except (etree.ParserError, ValueError):
        return markup
    for br in doc.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in doc.iter("p", "div", "li", "tr", "h1", "h2", "h3"):
        block.tail = "\n" + (block.tail or "")
    text = doc.text_content()
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def build_item(
    store, mailbox: str, folder: str, item_elem: etree._Element, context_zone: str | None = None
) -> StoredItem:
    """Create a StoredItem from a CreateItem ``<t:CalendarItem>``/``<t:Contact>``/``<t:Task>`` element.

    ``context_zone`` is the Windows id times without an offset are read in when the item names no zone of its
    own (the request's TimeZoneContext; the mailbox's zone for items made by other clients); None is UTC.
    """
    kind = local(item_elem.tag)
    item_elem = copy.deepcopy(item_elem)
    localize(item_elem, context_zone)
    item = StoredItem(store.new_item_id(mailbox), kind, mailbox, folder)
    for prop in item_elem:
        if not isinstance(prop.tag, str):
            continue
        set_property(item, prop)
    apply_defaults(item, context_zone or UTC_ID)
    return item


def set_property(item: StoredItem, prop: etree._Element) -> None:
    """Store one property element, replacing any previous value of the same tag."""
    tag = local(prop.tag)
    if tag == "ExtendedProperty":
        key = ext_key(prop)
        item.extended = [e for e in item.extended if ext_key(e) != key] + [copy.deepcopy(prop)]
        return
    if tag in COMPUTED_TAGS and tag not in _CLIENT_SETTABLE_COMPUTED:
        return
    if tag in INDEXED_CONTAINERS.values():
        for entry in prop:
            merge_indexed_entry(item, tag, entry)
        return
    item.props[tag] = normalize(item.kind, prop)
    _derive(item, tag)


def merge_indexed_entry(item: StoredItem, container_tag: str, entry: etree._Element) -> None:
    """Merge one ``<t:Entry Key=...>`` into the container: by Key, and by sub-element for addresses."""
    container = item.props.get(container_tag)
    if container is None:
        container = item.props[container_tag] = el(f"t:{container_tag}")
    key = entry.get("Key")
    existing = next((e for e in container if e.get("Key") == key), None)
    if container_tag in COMPOUND_CONTAINERS and existing is not None:
        for part in entry:
            old = existing.find(part.tag)
            if old is not None:
                existing.remove(old)
            existing.append(copy.deepcopy(part))
        return
    if existing is not None:
        container.remove(existing)
    container.append(copy.deepcopy(entry))


def delete_indexed(item: StoredItem, container_tag: str, key: str, subfield: str | None) -> None:
    """Remove one Key (or one sub-field of an address entry); drop the container when it becomes empty."""
    container = item.props.get(container_tag)
    if container is None:
        return
    for entry in list(container):
        if entry.get("Key") != key:
            continue
        if subfield:
            part = entry.find(qn(f"t:{subfield}"))
            if part is not None:
                entry.remove(part)
            if len(entry):
                continue
        container.remove(entry)
    if not len(container):
        del item.props[container_tag]


def delete_property(item: StoredItem, path: etree._Element) -> None:
    """Apply a DeleteItemField path (FieldURI, IndexedFieldURI or ExtendedFieldURI)."""
    kind_tag = local(path.tag)
    if kind_tag == "ExtendedFieldURI":
        key = ext_key(path)
        item.extended = [e for e in item.extended if ext_key(e) != key]
        return
    uri = path.get("FieldURI", "")
    if kind_tag == "IndexedFieldURI":
        base, _, subfield = uri.partition(":")[2].partition(":")
        container = INDEXED_CONTAINERS.get(f"contacts:{base}")
        if container is None:
            raise UpdateError("ErrorInvalidPropertyDelete", f"Unknown indexed field {uri}")
        delete_indexed(item, container, path.get("FieldIndex"), subfield or None)
        return
    tag = kind_schema(item.kind).uri_to_tag.get(uri)
    if tag is None:
        raise UpdateError("ErrorInvalidPropertyDelete", f"Property {uri} is not valid for {item.kind}")
    item.props.pop(tag, None)
    _derive(item, tag)


def set_from_update(item: StoredItem, path: etree._Element, container: etree._Element) -> None:
    """Apply a SetItemField/AppendToItemField: ``container`` is the ``<t:Contact>`` etc. holding the value."""
    if container is None or not len(container):
        raise UpdateError("ErrorInvalidPropertySet", "SetItemField carries no value")
    if local(container.tag) != item.kind:
        raise UpdateError(
            "ErrorIncorrectUpdatePropertyCount", f"Update is for {local(container.tag)}, item is {item.kind}"
        )
    for prop in container:
        if isinstance(prop.tag, str):
            set_property(item, prop)


def check_item(item: StoredItem) -> None:
    """Refuse what Exchange refuses to store: a calendar item whose End is before its Start.

    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
    (ErrorCalendarEndDateIsEarlierThanStartDate; an End equal to the Start is a zero-length appointment).
    """
    if item.kind != "CalendarItem":
        return
    start, end = item.props.get("Start"), item.props.get("End")
    if start is not None and end is not None and parse_datetime(end.text) < parse_datetime(start.text):
        raise UpdateError("ErrorCalendarEndDateIsEarlierThanStartDate")


#: the mailbox's default reminder for new appointments (Outlook's and Exchange's default: 15 minutes), e.g.
#: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
DEFAULT_REMINDER_MINUTES = "15"


def apply_defaults(item: StoredItem, creation_zone: str = UTC_ID) -> None:
    """Fill what a real server fills on creation.

    Appointments: the creation zone as Start/EndTimeZone (a legacy MeetingTimeZone names it too), a reminder
    15 minutes before the start unless the client said otherwise. Contacts: a DisplayName from the name parts
    when none was given.
    """
    props = item.props
    if item.kind == "Contact" and "DisplayName" not in props:
        name = full_name(item) or child_text_of(props.get("CompanyName"))
        if name:
            props["DisplayName"] = el("t:DisplayName", name)
    if item.kind == "CalendarItem":
        meeting = props.get("MeetingTimeZone")
        if meeting is not None and meeting.get("TimeZoneName"):
            creation_zone = meeting.get("TimeZoneName")
        props.setdefault("ReminderIsSet", el("t:ReminderIsSet", "true"))
        props.setdefault("ReminderMinutesBeforeStart", el("t:ReminderMinutesBeforeStart", DEFAULT_REMINDER_MINUTES))
        props.setdefault("UID", el("t:UID", uuid.uuid4().hex.upper()))
        if "Organizer" not in props:
            # Items created in a mailbox are organised by its owner.
            organizer = el("t:Organizer")
            mailbox = el("t:Mailbox")
            organizer.append(mailbox)
            mailbox.append(el("t:EmailAddress", item.mailbox))
            mailbox.append(el("t:RoutingType", "SMTP"))
            mailbox.append(el("t:MailboxType", "Mailbox"))
            props["Organizer"] = organizer
        props.setdefault("IsCancelled", el("t:IsCancelled", "false"))
        # Exchange always knows an item's zones; exchangelib needs them to turn all-day datetimes into dates.
        props.setdefault("StartTimeZone", el("t:StartTimeZone", attrs={"Id": creation_zone}))
        props.setdefault("EndTimeZone", el("t:EndTimeZone", attrs={"Id": props["StartTimeZone"].get("Id")}))
        props.setdefault("IsAllDayEvent", el("t:IsAllDayEvent", "false"))
        props.setdefault("LegacyFreeBusyStatus", el("t:LegacyFreeBusyStatus", "Busy"))
    elif item.kind == "Task":
        props.setdefault("Status", el("t:Status", "NotStarted"))
        props.setdefault("PercentComplete", el("t:PercentComplete", "0"))
    props.setdefault("Sensitivity", el("t:Sensitivity", "Normal"))
    props.setdefault("Importance", el("t:Importance", "Normal"))
    _derive(item, "Status")


def full_name(item: StoredItem) -> str:
    """Given, middle and surname joined: a contact's CompleteName/FullName (and default DisplayName)."""
    parts = (child_text_of(item.props.get(tag)) for tag in ("GivenName", "MiddleName", "Surname"))
    return " ".join(p for p in parts if p)


def child_text_of(elem: etree._Element | None) -> str | None:
    """Text of an element or None."""
    return None if elem is None else elem.text


def _derive(item: StoredItem, tag: str) -> None:
    # Task completion is server-owned: "CompleteDate ... is ignored by the server, which sets it to now()".
    if item.kind != "Task" or tag not in {"Status", "CompleteDate"}:
        return
    status = item.props.get("Status")
    if status is not None and status.text == "Completed":
        item.props["PercentComplete"] = el("t:PercentComplete", "100")
        item.props["CompleteDate"] = el("t:CompleteDate", utc_text(now_utc()))
    else:
        item.props.pop("CompleteDate", None)
