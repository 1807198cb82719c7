"""exchangelib's CreateItem / DeleteItem services with every per-item answer kept per item.

exchangelib returns a handful of per-item errors (ErrorItemNotFound, ErrorItemSave …) and *raises* every
other one, which aborts the whole bulk call although the server answered each item on its own (and carried
out the others). A response code exchangelib does not know at all becomes a TransportError that fails the
call the same way. Here every response message with an error becomes that item's exception, and an unknown
code an :class:`UnknownResponseCode` naming it, so one refused record never fails its batch.

Per-item answers: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
"""

from __future__ import annotations

from typing import Any

from exchangelib import errors as ews
from exchangelib.items import SAVE_ONLY, SEND_TO_NONE
from exchangelib.services import CreateItem, DeleteItem

from ._lean import WholeResponse


class UnknownResponseCode(ews.ResponseMessageError):
    """A response code exchangelib has no class for; ``code`` names it."""

    def __init__(self, code: str, text: str | None):
        super().__init__(f"{code}: {text or 'no message'}")
        self.code = code


class PerItemAnswers(WholeResponse):
    """Mixin for an exchangelib service: every error in a response message is returned for its item (and the
    answer is parsed whole, see :class:`~._lean.WholeResponse`)."""

    ERRORS_TO_CATCH_IN_RESPONSE = (ews.EWSError,)

    @staticmethod
    def _get_exception(code, text, msg_xml=None, rule_errors=None):
        exc = CreateItem._get_exception(code=code, text=text, msg_xml=msg_xml, rule_errors=rule_errors)
        if code and type(exc) is ews.TransportError and not hasattr(ews, code):
            return UnknownResponseCode(code, text)
        return exc


class PerItemCreateItem(PerItemAnswers, CreateItem):
    """CreateItem with one result per item: the created item's id and change key, or its exception."""


class PerItemDeleteItem(PerItemAnswers, DeleteItem):
    """DeleteItem with one result per item: True, or its exception."""


def bulk_create(account: Any, folder: Any, items: list[Any]) -> list[Any]:
    """``Account.bulk_create`` (SaveOnly, no invitations sent) with per-item answers."""
    if not items:
        return []
    return list(PerItemCreateItem(account=account).call(
        items=items, folder=folder, message_disposition=SAVE_ONLY, send_meeting_invitations=SEND_TO_NONE))


def bulk_delete(account: Any, ids: list[Any]) -> list[Any]:
    """``Account.bulk_delete`` (HardDelete, no cancellations, every task occurrence) with per-item answers."""
    if not ids:
        return []
    return list(PerItemDeleteItem(account=account).call(
        items=ids, delete_type="HardDelete", send_meeting_cancellations=SEND_TO_NONE,
        affected_task_occurrences="AllOccurrences", suppress_read_receipts=True))
