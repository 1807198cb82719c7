"""Lean reading of EWS responses: exchangelib sends every request; only the reading of its answers is cut down.

Profiling a first sync of 20,000 items (issue 18) found most of the adapter's CPU in two places of exchangelib's
generic response path, neither of which is about what syncore reads:

* **the response body is parsed through ``response.iter_content()``**, whose default chunk is one byte: lxml then
  pulls a large SOAP answer through a Python generator byte by byte. :class:`WholeResponse` hands lxml the body
  requests has already read (``response.content``), with exchangelib's own parser (``exchangelib.util.to_xml``)
  and the same errors;
* **every item becomes a full exchangelib model**: ``Item.from_xml`` runs the parser of each of the ~60-80 fields
  of the model (whatever was asked), each searching the item's children, then the model's ``__init__`` and
  ``__setattr__`` validation per field. :func:`read_item` walks an item's children once and reads the fields
  syncore asked for alone, each the way exchangelib's parser of that field type reads it (values of an
  unusual form, extended properties, and a series' ``Recurrence``, ``ModifiedOccurrences`` and
  ``DeletedOccurrences``, by exchangelib's parser itself), into an :class:`ItemView` with exchangelib's
  attribute names, which the mapping already reads by duck typing (:mod:`._mapping`).

Writes keep exchangelib's models end to end (an item to update is a real ``CalendarItem``); only their answers
are read whole (:class:`WholeResponse` on the write services).

GetItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation
SyncFolderItems:
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from exchangelib import EWSTimeZone
from exchangelib.errors import MalformedResponseError, SOAPError
from exchangelib.fields import (
    AttendeesField,
    BodyField,
    DateOrDateTimeField,
    DateTimeBackedDateField,
    DateTimeField,
    EmailAddressesField,
    EWSElementField,
    FieldURIField,
    PhoneNumberField,
    PhysicalAddressField,
    TimeZoneField,
)
from exchangelib.folders import BaseFolder
from exchangelib.items import ID_ONLY, CalendarItem
from exchangelib.properties import Body, HTMLBody, ItemId, Mailbox, ParentFolderId
from exchangelib.services import GetItem, SyncFolderItems
from exchangelib.util import SOAPNS, TNS, ParseError, to_xml

_ITEM_ID = ItemId.response_tag()


class WholeResponse:
    """Mixin for an exchangelib service: parse the response body in one piece instead of byte by byte.

    exchangelib's ``_get_soap_parts`` feeds lxml from ``response.iter_content()`` (1-byte chunks); the body of a
    non-streaming request is already in memory, so it goes to the same parser at once. A streaming response (none
    of the services syncore uses) keeps exchangelib's own path.
    """

    @classmethod
    def _get_soap_parts(cls, response: Any) -> tuple[Any, Any]:
        content = getattr(response, "content", None)
        if not isinstance(content, bytes):
            return super()._get_soap_parts(response=response)  # type: ignore[misc]
        try:
            root = to_xml(content)
        except ParseError as e:
            raise SOAPError(f"Bad SOAP response: {e}") from e
        header = root.find(f"{{{SOAPNS}}}Header")
        body = root.find(f"{{{SOAPNS}}}Body")
        if body is None:
            raise MalformedResponseError("No Body element in SOAP response")
        return header, body


class ItemView:
    """The fields of one item that syncore asked for, under exchangelib's attribute names (plus ``id`` and
    ``changekey``). A field the item's model does not have is not an attribute, as on exchangelib's models."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"ItemView({self.__dict__!r})"


# -- per-field readers: exchangelib's ``from_xml`` of each field type, for the one element it reads ----------------
# Each takes the field's element (found by tag while walking the item's children once) and returns the value
# exchangelib's parser returns, or raises ``_Fallback`` for a value it does not handle itself (then exchangelib's
# own parser reads it). ``tests/exchange/test_ex_lean.py`` holds the two readings side by side.


class _Fallback(Exception):
    pass


_BOOLEANS = {"true": True, "on": True, "false": False, "off": False}
_UTC_LENGTH = len("2026-11-24T09:00:00Z")


def _text(elem: Any, default: Any) -> Any:
    return elem.text or default


def _boolean(elem: Any, default: Any) -> Any:
    value = elem.text
    return default if not value else _BOOLEANS.get(value.lower())


def _number(convert: Any) -> Any:
    def read(elem: Any, default: Any) -> Any:
        value = elem.text
        if not value:
            return default
        try:
            return convert(value)
        except (ValueError, ArithmeticError):
            raise _Fallback from None  # exchangelib logs the bad value and returns None

    return read


def _utc(value: str) -> datetime:
    # EWS sends instants in UTC as "YYYY-MM-DDTHH:MM:SSZ"; any other form is left to exchangelib
    if len(value) != _UTC_LENGTH or value[-1] != "Z" or value[10] != "T":
        raise _Fallback
    try:
        return datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]),
                        int(value[17:19]), tzinfo=UTC)
    except ValueError:
        raise _Fallback from None


def _datetime(elem: Any, default: Any) -> Any:
    value = elem.text
    return default if not value else _utc(value)


def _date_backed(elem: Any, default: Any) -> Any:
    value = elem.text
    return default if not value else _utc(value).date()


def _body(elem: Any, default: Any) -> Any:
    value = elem.text
    if not value:
        return default
    body_type = elem.get("BodyType")
    if body_type == "HTML":
        return HTMLBody(value)
    if body_type == "Text":
        return Body(value)
    raise _Fallback


@functools.lru_cache(maxsize=256)
def _zone(ms_id: str) -> Any:
    return EWSTimeZone.from_ms_id(ms_id)


def _timezone(elem: Any, default: Any) -> Any:
    try:
        return _zone(elem.get("Id") or elem.get("Name"))
    except Exception:  # noqa: BLE001 - an unknown zone: exchangelib warns and returns None
        raise _Fallback from None


def _id_element(elem: Any, default: Any) -> Any:
    return ItemView(id=elem.get("Id"), changekey=elem.get("ChangeKey"))


_ENTRY = f"{{{TNS}}}Entry"
_ADDRESS_PARTS = {"street": f"{{{TNS}}}Street", "city": f"{{{TNS}}}City", "state": f"{{{TNS}}}State",
                  "country": f"{{{TNS}}}CountryOrRegion", "zipcode": f"{{{TNS}}}PostalCode"}


def _emails(elem: Any, default: Any) -> Any:
    return [ItemView(label=e.get("Key"), email=e.text or e.get("Name")) for e in elem.iterchildren(_ENTRY)]


def _phones(elem: Any, default: Any) -> Any:
    return [ItemView(label=e.get("Key"), phone_number=e.text) for e in elem.iterchildren(_ENTRY)]


def _addresses(elem: Any, default: Any) -> Any:
    out = []
    for entry in elem.iterchildren(_ENTRY):
        parts = {name: None for name in _ADDRESS_PARTS}
        for name, tag in _ADDRESS_PARTS.items():
            part = entry.find(tag)
            if part is not None:
                parts[name] = part.text or None
        out.append(ItemView(label=entry.get("Key"), **parts))
    return out


_ATTENDEE, _MAILBOX = f"{{{TNS}}}Attendee", f"{{{TNS}}}Mailbox"
_MAILBOX_PARTS = {"name": f"{{{TNS}}}Name", "email_address": f"{{{TNS}}}EmailAddress",
                  "routing_type": f"{{{TNS}}}RoutingType", "mailbox_type": f"{{{TNS}}}MailboxType"}
_MAILBOX_DEFAULTS = {name: Mailbox.get_field_by_fieldname(name).default for name in _MAILBOX_PARTS}


def _attendees(elem: Any, default: Any) -> Any:
    out = []
    for attendee in elem.iterchildren(_ATTENDEE):
        mailbox = attendee.find(_MAILBOX)
        if mailbox is not None:
            parts = dict(_MAILBOX_DEFAULTS)
            for name, tag in _MAILBOX_PARTS.items():
                part = mailbox.find(tag)
                if part is not None and part.text:
                    parts[name] = part.text
            mailbox = ItemView(**parts)
        response = attendee.find(f"{{{TNS}}}ResponseType")
        out.append(ItemView(mailbox=mailbox, response_type=(response.text if response is not None else None)
                            or "Unknown"))
    return out


def _reader_for(field: Any) -> Any:
    """The fast reader of one exchangelib field, or None where exchangelib's own parser is used."""
    if isinstance(field, TimeZoneField):
        return _timezone
    if isinstance(field, BodyField):
        return _body
    if isinstance(field, EmailAddressesField):
        return _emails
    if isinstance(field, PhoneNumberField):
        return _phones
    if isinstance(field, PhysicalAddressField):
        return _addresses
    if isinstance(field, AttendeesField):
        return _attendees
    if type(field) is EWSElementField and field.value_cls is ParentFolderId:
        return _id_element
    if type(field) is DateTimeBackedDateField:
        return _date_backed
    if type(field) in (DateTimeField, DateOrDateTimeField):
        return _datetime  # (a date-only value, as task recurrences send, is not of the UTC form: exchangelib's)
    if type(field).from_xml is FieldURIField.from_xml and not field.is_attribute and not field.is_list:
        plain = {str: _text, bool: _boolean, int: _number(int), Decimal: _number(Decimal)}
        return plain.get(field.value_cls)
    # nested elements (Recurrence, TaskRecurrence, Modified/DeletedOccurrences, extended properties): exchangelib's
    # parser builds its own classes, which the mapping reads as they are
    return None


@functools.cache
def _plan(model: type, names: tuple[str, ...]) -> tuple[dict[str, tuple[Any, Any]], tuple[Any, ...]]:
    """For ``model`` and the asked ``names``: {element tag: (field, reader)} and the fields exchangelib reads."""
    have = {field.name: field for field in model.FIELDS}
    fast, slow = {}, []
    for name in names:
        field = have.get(name)
        if field is None:
            continue
        reader = _reader_for(field)
        if reader is None:
            slow.append(field)
        else:
            fast[field.response_tag()] = (field, reader)
    return fast, tuple(slow)


def read_item(elem: Any, names: tuple[str, ...], account: Any) -> ItemView:
    """An item element as an :class:`ItemView` of ``names``, each value as exchangelib's field parser returns it.

    The item's children are walked once; each asked field's element is read by a small reader of its type, and
    the few fields without one (extended properties; a master's recurrence and occurrence lists and a task's
    recurrence, whose nested patterns are exchangelib's own classes) by exchangelib's own parser. An all-day calendar item's
    start and end become dates as exchangelib hands them out (an inclusive end), but the end is taken in the
    item's end zone *before* stepping back a day: exchangelib steps back 24 hours first, which lands on the wrong
    date when the last day is 23 hours long (spring forward).
    """
    model = BaseFolder.item_model_from_tag(elem.tag)
    fast, slow = _plan(model, names)
    values: dict[str, Any] = {field.name: field.default for field, _ in fast.values()}
    for child in elem:
        entry = fast.get(child.tag)
        if entry is not None:
            field, reader = entry
            try:
                values[field.name] = reader(child, field.default)
            except _Fallback:
                values[field.name] = field.from_xml(elem=elem, account=account)
        elif child.tag == _ITEM_ID:
            values["id"], values["changekey"] = child.get("Id"), child.get("ChangeKey")
    for field in slow:
        values[field.name] = field.from_xml(elem=elem, account=account)
    if model is CalendarItem and values.get("is_all_day"):
        start_tz = values.get("_start_timezone")
        end_tz = values.get("_end_timezone") or start_tz
        if values.get("start") is not None:
            values["start"] = values["start"].astimezone(start_tz).date()
        if values.get("end") is not None:
            values["end"] = values["end"].astimezone(end_tz).date() - timedelta(days=1)
    return ItemView(**values)


def _additional_fields(folder: Any, version: Any, names: tuple[str, ...]) -> set[Any]:
    """The FieldPaths a request asks for (``names`` checked against the folder, as ``Account.fetch`` does)."""
    for name in names:
        folder.validate_item_field(field=name, version=version)
    return {f for f in folder.normalize_fields(fields=list(names)) if not f.field.is_attribute}


class WholeGetItem(WholeResponse, GetItem):
    """GetItem returning exchangelib's models (for writes, which modify and save them), its answer read whole."""


def get_models(account: Any, folder: Any, ids: Sequence[str], names: Sequence[str]) -> list[Any]:
    """``Account.fetch(ids, folder=folder, only_fields=names)`` in one request: a model or an exception per id."""
    service = WholeGetItem(account=account, chunk_size=max(1, len(ids)))
    fields = _additional_fields(folder, account.version, tuple(names))
    return list(service.call(items=[ItemId(id=i) for i in ids], additional_fields=fields, shape=ID_ONLY))


class LeanGetItem(WholeResponse, GetItem):
    """GetItem returning :class:`ItemView` objects (or the per-item exception, as exchangelib does)."""

    def __init__(self, *, names: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names = names

    def _elem_to_obj(self, elem: Any) -> ItemView:
        return read_item(elem, self.names, self.account)


def get_views(account: Any, folder: Any, ids: Sequence[str], names: Sequence[str]) -> list[Any]:
    """One GetItem of ``ids`` (at most one batch): an :class:`ItemView` or an exception per id, in order."""
    names = tuple(names)
    service = LeanGetItem(account=account, names=names, chunk_size=max(1, len(ids)))
    fields = _additional_fields(folder, account.version, names)
    return list(service.call(items=[ItemId(id=i) for i in ids], additional_fields=fields, shape=ID_ONLY))


class LeanSyncFolderItems(WholeResponse, SyncFolderItems):
    """SyncFolderItems returning ``(change type, ItemView)`` pairs; a deletion's view has the id alone."""

    def __init__(self, *, names: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names = names

    def _elem_to_obj(self, elem: Any) -> tuple[str, ItemView]:
        change_type = self.change_types_map[elem.tag]
        if change_type in (self.DELETE, self.READ_FLAG_CHANGE):
            id_elem = elem.find(ItemId.response_tag())
            return change_type, ItemView(id=id_elem.get(ItemId.ID_ATTR), changekey=id_elem.get(ItemId.CHANGEKEY_ATTR))
        # the change holds one item element, whose tag says its type (exchangelib reads elem[0] too)
        return change_type, read_item(elem[0], self.names, self.account)


def sync_changes(account: Any, folder: Any, names: Sequence[str], state: str | None,
                 max_changes: int) -> tuple[list[tuple[str, ItemView]], str]:
    """Every change after ``state`` (all items when None), page by page, and the state after the last page.

    The loop is exchangelib's ``FolderCollection.sync_items``: it stops on the last page, or when the server hands
    the same state back. The new state is returned only once every page has been read, so an interrupted feed
    raises and yields no cursor.
    """
    names = tuple(names)
    service = LeanSyncFolderItems(account=account, names=names)
    fields = _additional_fields(folder, account.version, names)
    changes: list[tuple[str, ItemView]] = []
    while True:
        changes.extend(service.call(folder=folder, shape=ID_ONLY, additional_fields=fields, sync_state=state,
                                    ignore=None, max_changes_returned=max_changes, sync_scope=None))
        if service.sync_state == state:
            break
        state = service.sync_state
        if service.includes_last_item_in_range:
            break
    return changes, service.sync_state
