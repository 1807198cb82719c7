"""Shared plumbing for operation handlers: the request context and folder/mailbox resolution."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .. import occurrences
from ..faults import Fault, Faults
from ..log import RequestRecord
from ..soap import SoapRequest, error_message
from ..store import FolderState, Store, StoredItem, is_item_id, parse_folder_id
from ..timezones import UnknownTimeZone, context_zone_id
from ..xmlns import child, child_text, local


class OpError(Exception):
    """A per-message error raised inside a handler; becomes an error ResponseMessage."""

    def __init__(self, code: str, text: str | None = None):
        super().__init__(text or code)
        self.code = code
        self.text = text


class SoapFaultError(Exception):
    """Fail the whole request with a SOAP fault (HTTP 500)."""

    def __init__(self, code: str, text: str | None = None):
        super().__init__(text or code)
        self.code = code
        self.text = text


@dataclass
class Context:
    """Everything a handler needs for one request."""

    store: Store
    faults: Faults
    request: SoapRequest
    record: RequestRecord
    user: str | None
    message_fault: Fault | None = None

    @property
    def op(self) -> etree._Element:
        return self.request.body

    def context_zone(self) -> str | None:
        """The Windows id of the request's TimeZoneContext (None without one); SOAP fault for an unknown id."""
        try:
            return context_zone_id(self.request.timezone)
        except UnknownTimeZone as e:
            raise SoapFaultError("ErrorTimeZone", f"The time zone in TimeZoneContext is not valid: {e}") from e

    def default_mailbox(self) -> str:
        """Impersonated user, else the authenticated user if it is a mailbox, else the first mailbox."""
        for candidate in (self.request.impersonated, self.user):
            if candidate and candidate.lower() in self.store.mailboxes:
                return candidate.lower()
        return self.store.mailboxes[0]

    def resolve_folder(self, container: etree._Element | None) -> FolderState:
        """Resolve the first DistinguishedFolderId/FolderId child of ``container``."""
        ref = None if container is None else next((c for c in container if isinstance(c.tag, str)), None)
        folder = self.folder_from_ref(ref)
        self.record.mailbox = self.record.mailbox or folder.mailbox
        self.record.folder = self.record.folder or folder.name
        return folder

    def folder_from_ref(self, ref: etree._Element | None) -> FolderState:
        """Folder for a ``DistinguishedFolderId`` or ``FolderId`` element, or OpError(ErrorFolderNotFound)."""
        if ref is None:
            raise OpError("ErrorFolderNotFound")
        if local(ref.tag) == "DistinguishedFolderId":
            address = child_text(child(ref, "t:Mailbox"), "t:EmailAddress")
            mailbox = address.lower() if address else self.default_mailbox()
            if mailbox not in self.store.mailboxes:
                raise OpError("ErrorNonExistentMailbox", f"No mailbox with such guid or SMTP {mailbox}")
            folder = self.store.folder(mailbox, ref.get("Id"))
        else:
            parsed = parse_folder_id(ref.get("Id", ""))
            folder = None if parsed is None else self.store.folder(*parsed)
        if folder is None:
            raise OpError("ErrorFolderNotFound")
        return folder

    def error_for(
        self, item: StoredItem | None = None, item_id: str | None = None, subject: str | None = None
    ) -> Fault | None:
        """The injected fault this message should fail with, if any (whole-request first, then per item)."""
        if self.message_fault is not None:
            return self.message_fault
        if item is not None:
            item_id, subject = item.id, subject_of(item)
        if item_id is None and subject is None:
            return None
        return self.faults.take_item_error(self.request.operation, item_id, subject)

    def write_fault(self, messages: etree._Element, fault: Fault) -> None:
        """Emit an injected error as a ResponseMessage and note it in the log."""
        params = fault.params
        self.write_error(messages, params["code"], params.get("text"), back_off_ms=params.get("back_off_ms"))
        self.record.fault = self.record.fault or f"{fault.kind}:{params['code']}"

    def write_error(
        self, messages: etree._Element, code: str, text: str | None = None, back_off_ms: int | None = None
    ) -> etree._Element:
        """Emit an error ResponseMessage for this operation."""
        self.record.codes.append(code)
        return error_message(messages, self.request.operation, code, text, back_off_ms=back_off_ms)

    def success(self, messages: etree._Element) -> etree._Element:
        """Emit a NoError ResponseMessage for this operation."""
        from ..soap import success_message

        self.record.codes.append("NoError")
        return success_message(messages, self.request.operation)


def find_item(ctx: Context, item_id: str | None) -> StoredItem:
    """The item (or the occurrence, as an item made from its master) an ``Id`` attribute names, or OpError:
    empty, malformed, or not found.

    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
    (ErrorInvalidIdEmpty, ErrorInvalidIdMalformed, ErrorItemNotFound).
    """
    if not item_id:
        raise OpError("ErrorInvalidIdEmpty")
    if not is_item_id(item_id):
        raise OpError("ErrorInvalidIdMalformed")
    item = occurrences.lookup(ctx.store, item_id)
    if item is None:
        raise OpError("ErrorItemNotFound")
    return item


def find_target(ctx: Context, ref: etree._Element) -> StoredItem:
    """The item an ``ItemId``, ``OccurrenceItemId`` (a master and a 1-based instance index) or
    ``RecurringMasterItemId`` (an occurrence's master) names; see :mod:`..occurrences` for the errors."""
    tag = local(ref.tag)
    try:
        if tag == "OccurrenceItemId":
            master = find_item(ctx, ref.get("RecurringMasterId"))
            if not occurrences.is_master(master):
                raise OpError("ErrorCalendarCannotUseIdForRecurringMasterId")
            return occurrences.view(master, occurrences.by_index(master, int(ref.get("InstanceIndex"))))
        if tag == "RecurringMasterItemId":
            item = find_item(ctx, ref.get("OccurrenceId"))
            if item.master is None:
                raise OpError("ErrorCalendarCannotUseIdForOccurrenceId")
            return item.master
    except occurrences.OccurrenceError as e:
        raise OpError(e.code, e.text) from e
    return find_item(ctx, ref.get("Id"))


def ref_id(ref: etree._Element) -> str | None:
    """The id a reference element carries (for fault matching and logs)."""
    return ref.get("Id") or ref.get("RecurringMasterId") or ref.get("OccurrenceId")


def subject_of(item: StoredItem) -> str | None:
    """Subject, or DisplayName for contacts, used to match per-item faults."""
    for tag in ("Subject", "DisplayName"):
        if tag in item.props:
            return item.props[tag].text
    return None


def item_refs(container: etree._Element | None) -> list[etree._Element]:
    """Element children of an ``ItemIds``-like container."""
    return [] if container is None else [c for c in container if isinstance(c.tag, str)]
