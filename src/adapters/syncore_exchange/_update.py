"""UpdateItem that writes single entries of indexed contact fields and returns conflicts per item.

exchangelib's UpdateItem writes an indexed field (``email_addresses``, ``phone_numbers``,
``physical_addresses``) as a whole: it sets the entries it is given and sends a DeleteItemField for every other
label. Writing BusinessPhone that way needs the item's other entries first (a GetItem per batch), or it wipes
HomePhone. EWS itself addresses one entry,
``<t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="BusinessPhone"/>``, so
:class:`EntryUpdateItem` accepts a field name with a label, ``phone_numbers__BusinessPhone`` (exchangelib's own
field-path spelling), and sets or deletes that entry alone.

UpdateItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation
IndexedFieldURI: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/indexedfielduri
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from exchangelib import errors as ews
from exchangelib.fields import FieldPath, IndexedField
from exchangelib.items import SAVE_ONLY, SEND_TO_NONE
from exchangelib.services import UpdateItem

from ._services import PerItemAnswers

#: between the field name and the label in a per-entry field name
ENTRY_SEPARATOR = "__"
#: per-item answers to a conditional update whose change key is no longer the item's
CONFLICT_TYPES: tuple[type[Exception], ...] = (ews.ErrorIrresolvableConflict, ews.ErrorStaleObject)


def entry_name(field_name: str, label: str) -> str:
    """The field name that makes :class:`EntryUpdateItem` write only the ``label`` entry of ``field_name``."""
    return f"{field_name}{ENTRY_SEPARATOR}{label}"


class EntryUpdateItem(PerItemAnswers, UpdateItem):
    """exchangelib's UpdateItem, plus per-entry names for indexed fields (see :func:`entry_name`).

    The item's value for such a field only needs the entries being written: a label with an entry is set
    (each empty part of an address deleted), a label without one is deleted. Other labels are not sent.
    Every per-item error (a stale change key above all) comes back for its item (:class:`PerItemAnswers`):
    exchangelib would raise it for the whole call and hide the results of the items the server saved.
    """

    def _update_elems(self, target: Any, fieldnames: Sequence[str]) -> Iterator[Any]:
        whole = [name for name in fieldnames if ENTRY_SEPARATOR not in name]
        if whole:
            yield from super()._update_elems(target=target, fieldnames=whole)
        for name in fieldnames:
            if ENTRY_SEPARATOR in name:
                field_name, label = name.split(ENTRY_SEPARATOR, 1)
                yield from self._entry_elems(target, field_name, label)

    def _entry_elems(self, target: Any, field_name: str, label: str) -> Iterator[Any]:
        field = target.get_field_by_fieldname(field_name)
        if not isinstance(field, IndexedField) or label not in field.value_cls.LABEL_CHOICES:
            raise ValueError(f"{field_name!r} has no entry {label!r}")
        entries = field.clean(getattr(target, field.name), version=self.account.version) or ()
        entry = next((e for e in entries if e.label == label), None)
        for subfield in field.value_cls.supported_fields(version=self.account.version):
            path = FieldPath(field=field, label=label, subfield=subfield)
            value = getattr(entry, subfield.name, None)
            if value:
                # one SetItemField per part, as exchangelib does: an Entry may only carry the part its path names
                part = field.value_cls(label=label, **{subfield.name: value})
                yield self._set_field_elem(target_model=type(target), field_path=path, value=part)
            else:
                yield self._delete_field_elem(field_path=path)


def bulk_update(account: Any, pairs: Sequence[tuple[Any, list[str]]], conflict_resolution: str) -> list[Any]:
    """``Account.bulk_update`` through :class:`EntryUpdateItem`: (id, change key) or an exception per item."""
    if not pairs:
        return []
    service = EntryUpdateItem(account=account)
    return list(service.call(items=pairs, conflict_resolution=conflict_resolution, message_disposition=SAVE_ONLY,
                             send_meeting_invitations_or_cancellations=SEND_TO_NONE, suppress_read_receipts=True))
