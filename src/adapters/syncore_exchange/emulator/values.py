"""Python values <-> stored XML, for the emulator's direct-edit API ("another Exchange client")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from .schema import INDEXED_CONTAINERS, kind_schema
from .store import StoredItem
from .xmlns import bool_text, el, local, sub, utc_text

PUBLIC_STRINGS = "PublicStrings"
_ADDRESS_PARTS = {
    "street": "Street",
    "city": "City",
    "state": "State",
    "country": "CountryOrRegion",
    "zipcode": "PostalCode",
}
_EXT_ALIASES = {"ExtendedProperty", "ExtendedProperties", "extended_properties", "extended"}


def tag_for(kind: str, key: str) -> str:
    """Accept an EWS element name (``"Subject"``) or an exchangelib field name (``"subject"``)."""
    schema = kind_schema(kind)
    if key in schema.order or key in _EXT_ALIASES:
        return key
    if key in schema.name_to_tag:
        return schema.name_to_tag[key]
    raise KeyError(f"Unknown {kind} field {key!r}")


def to_elements(kind: str, key: str, value) -> list[etree._Element]:
    """Build the property element(s) for one field value."""
    tag = tag_for(kind, key)
    if tag in _EXT_ALIASES:
        return [extended_property(name, val) for name, val in value.items()]
    if isinstance(value, etree._Element):
        return [value]
    if hasattr(value, "to_xml") and not isinstance(value, str):
        from exchangelib.version import EXCHANGE_2016, Version

        elem = value.to_xml(version=Version(EXCHANGE_2016))
        if local(elem.tag) != tag:
            wrapper = el(f"t:{tag}")
            wrapper.append(elem)
            elem = wrapper
        return [elem]
    if tag == "Body":
        body_type = getattr(value, "body_type", None) or ("HTML" if isinstance(value, tuple) else "Text")
        text = value[1] if isinstance(value, tuple) else str(value)
        return [el("t:Body", text, {"BodyType": body_type})]
    if tag in {"StartTimeZone", "EndTimeZone", "MeetingTimeZone"}:
        return [el(f"t:{tag}", attrs={"Id": _ms_zone_id(value)})]
    if tag in {"Start", "End"} and not isinstance(value, dt.datetime):
        # A bare date is ambiguous here (which zone? inclusive end?); EWS stores all-day events as midnight
        # in the event's zone with an exclusive end, so make the caller say exactly that.
        raise TypeError(f"{tag} needs an aware datetime (all-day: midnight in the zone, exclusive End)")
    if tag in INDEXED_CONTAINERS.values():
        return [_indexed(tag, value)]
    if tag in {"RequiredAttendees", "OptionalAttendees", "Resources"}:
        container = el(f"t:{tag}")
        for address in value:
            mailbox = sub(sub(container, "t:Attendee"), "t:Mailbox")
            sub(mailbox, "t:EmailAddress", address)
        return [container]
    if tag in {"Categories", "Companies", "Children", "Contacts"}:
        container = el(f"t:{tag}")
        for v in value:
            sub(container, "t:String", v)
        return [container]
    return [el(f"t:{tag}", scalar_text(kind, tag, value))]


def _ms_zone_id(value) -> str:
    """Windows zone id from a str (taken as is), an EWSTimeZone or any zoneinfo-compatible tzinfo."""
    if isinstance(value, str):
        return value
    from exchangelib import EWSTimeZone

    return EWSTimeZone.from_timezone(value).ms_id


def scalar_text(kind: str, tag: str, value) -> str:
    """Text form of a scalar, in Exchange's response spelling."""
    if isinstance(value, bool):
        return bool_text(value)
    if isinstance(value, dt.datetime):
        # naive: a local time, read in the mailbox's zone when the item is built
        return value.isoformat() if value.tzinfo is None else utc_text(value)
    if isinstance(value, dt.date):
        if tag in kind_schema(kind).datetime_tags:
            return utc_text(dt.datetime.combine(value, dt.time(11, 59), dt.UTC))
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return str(value)


def _indexed(tag: str, value: dict) -> etree._Element:
    container = el(f"t:{tag}")
    for key, val in value.items():
        entry = sub(container, "t:Entry", attrs={"Key": key})
        if isinstance(val, dict):
            for part, text in val.items():
                if text is not None:
                    sub(entry, f"t:{_ADDRESS_PARTS.get(part, part)}", str(text))
        else:
            entry.text = str(val)
    return container


def extended_property(name: str, value, property_type: str = "String") -> etree._Element:
    """A PublicStrings named property, as exchangelib's ExtendedProperty subclasses send it."""
    prop = el("t:ExtendedProperty")
    sub(
        prop,
        "t:ExtendedFieldURI",
        attrs={
            "DistinguishedPropertySetId": PUBLIC_STRINGS,
            "PropertyName": name,
            "PropertyType": property_type,
        },
    )
    sub(prop, "t:Value", str(value))
    return prop


def snapshot(item: StoredItem) -> dict:
    """Plain-data view of an item: ids, bookkeeping and ``fields`` keyed by EWS element name."""
    from .render import _computed

    fields: dict = {}
    for tag, elem in item.props.items():
        fields[tag] = _elem_value(elem)
    for tag in ("TextBody", "LastModifiedTime", "DateTimeCreated"):
        value = _computed(item, tag, "Best")
        if value is not None:
            fields[tag] = value.text
    if "Body" in item.props:
        fields["BodyType"] = item.props["Body"].get("BodyType")
    fields["ExtendedProperty"] = {
        e[0].get("PropertyName") or e[0].get("PropertyId") or e[0].get("PropertyTag"): _elem_value(e[1])
        for e in item.extended
        if len(e) > 1
    }
    found = {
        "id": item.id,
        "changekey": item.changekey,
        "kind": item.kind,
        "mailbox": item.mailbox,
        "folder": item.folder,
        "fields": fields,
    }
    if item.exceptions or item.deleted:
        # a recurring master's ModifiedOccurrences (what each differs in) and DeletedOccurrences, by original start
        found["modified_occurrences"] = {key: {tag: _elem_value(elem) for tag, elem in props.items()}
                                         for key, props in sorted(item.exceptions.items())}
        found["deleted_occurrences"] = sorted(item.deleted)
    return found


def _elem_value(elem: etree._Element):
    tag = local(elem.tag)
    if tag in INDEXED_CONTAINERS.values():
        return {e.get("Key"): ({local(p.tag): p.text for p in e} if len(e) else e.text) for e in elem}
    if tag in {"StartTimeZone", "EndTimeZone", "MeetingTimeZone"}:
        return elem.get("Id")
    if len(elem):
        return etree.tostring(elem, encoding="unicode")
    return elem.text
