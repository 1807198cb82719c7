"""Lean reading of EWS responses: exchangelib sends every request; only the reading of its answers is cut down.

Profiling a first sync of 20,000 items (issue 18) found most of the adapter's CPU in two places of exchangelib's
generic response path, neither of which is about what syncore reads:

* **the response body is parsed through ``response.iter_content()``**, whose default chunk is one byte: lxml then
  pulls a large SOAP answer through a Python generator byte by byte. :class:`WholeResponse` hands lxml the body
  requests has already read (``response.content``), with exchangelib's own parser (``exchangelib.util.to_xml``)
  and the same errors;
* **every item becomes a full exchangelib model**: ``Item.from_xml`` runs the parser of each of the ~60-80 fields
  of the model (whatever was asked) and then the model's ``__init__`` and ``__setattr__`` validation per field.
  :func:`read_item` runs exchangelib's own field parsers (``Field.from_xml``) for the fields syncore asked for
  alone and returns an :class:`ItemView` with exchangelib's attribute names, which the mapping already reads
  by duck typing (:mod:`._mapping`).

Writes keep exchangelib's models end to end (an item to update is a real ``CalendarItem``); only their answers
are read whole (:class:`WholeResponse` on the write services).

GetItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation
SyncFolderItems:
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from exchangelib.errors import MalformedResponseError, SOAPError
from exchangelib.folders import BaseFolder
from exchangelib.items import ID_ONLY, CalendarItem
from exchangelib.properties import ItemId
from exchangelib.services import GetItem, SyncFolderItems
from exchangelib.util import SOAPNS, ParseError, to_xml


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
        return f"ItemView(id={self.__dict__.get('id')!r})"


@functools.cache
def _fields(model: type, names: tuple[str, ...]) -> tuple[Any, ...]:
    """exchangelib's field objects of ``model`` among ``names`` (those the model has)."""
    have = {field.name: field for field in model.FIELDS}
    return tuple(have[name] for name in names if name in have)


def read_item(elem: Any, names: tuple[str, ...], account: Any) -> ItemView:
    """An item element as an :class:`ItemView` of ``names``, each parsed by exchangelib's own field parser.

    An all-day calendar item's start and end become dates as exchangelib hands them out (an inclusive end), but
    the end is taken in the item's end zone *before* stepping back a day: exchangelib steps back 24 hours first,
    which lands on the wrong date when the last day is 23 hours long (spring forward).
    """
    model = BaseFolder.item_model_from_tag(elem.tag)
    values = {field.name: field.from_xml(elem=elem, account=account) for field in _fields(model, names)}
    id_elem = elem.find(ItemId.response_tag())
    if id_elem is not None:
        values["id"], values["changekey"] = id_elem.get(ItemId.ID_ATTR), id_elem.get(ItemId.CHANGEKEY_ATTR)
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
