"""Neutral mapping values (see :mod:`._mapping`) → exchangelib objects, and the fields each kind reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from exchangelib import UTC, Body, EWSDate, EWSDateTime, HTMLBody
from exchangelib import recurrence as recurrence_module
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.items import CalendarItem, Contact, Task
from exchangelib.properties import Attendee, Mailbox

from syncore.models import Kind

from ._link import LINK_FIELD
from ._mapping import BodyValue
from ._mapping.recurrence import EwsPattern
from ._update import entry_name

ITEM_CLASS = {Kind.EVENT: CalendarItem, Kind.CONTACT: Contact, Kind.TASK: Task}

#: fields read with GetItem (always pass only_fields: without it exchangelib asks for ~200 FieldURIs); the
#: parent folder tells an item of the synced folder from one elsewhere
READ_FIELDS: dict[Kind, list[str]] = {
    Kind.EVENT: [
        "parent_folder_id",
        "subject", "start", "end", "is_all_day", "location", "body", "text_body", "legacy_free_busy_status",
        "sensitivity", "reminder_is_set", "reminder_minutes_before_start", "required_attendees", "type",
        "is_recurring", "_start_timezone", "_end_timezone", "last_modified_time", LINK_FIELD,
        "recurrence", "modified_occurrences", "deleted_occurrences",
    ],
    Kind.CONTACT: [
        "parent_folder_id", "given_name", "surname", "display_name", "company_name", "job_title", "department", "email_addresses",
        "phone_numbers", "physical_addresses", "birthday", "body", "text_body", "last_modified_time",
        LINK_FIELD,
    ],
    Kind.TASK: [
        "parent_folder_id", "subject", "due_date", "status", "percent_complete", "complete_date", "importance", "reminder_is_set",
        "reminder_due_by", "sensitivity", "body", "text_body", "is_recurring", "last_modified_time",
        LINK_FIELD, "recurrence",
    ],
}
#: fields read of a series' exceptions: what an occurrence may have of its own (syncore.recurrence.OVERRIDABLE)
EXCEPTION_FIELDS = ["parent_folder_id", "subject", "start", "end", "is_all_day", "location", "body", "text_body",
                    "legacy_free_busy_status", "sensitivity", "reminder_is_set", "reminder_minutes_before_start",
                    "required_attendees", "_start_timezone", "_end_timezone", "original_start", "type"]
#: fields asked of SyncFolderItems: cheap ones only (it never returns bodies anyway)
SYNC_FIELDS: dict[Kind, list[str]] = {
    Kind.EVENT: ["type", "is_recurring", "last_modified_time"],
    Kind.CONTACT: ["last_modified_time"],
    Kind.TASK: ["is_recurring", "last_modified_time"],
}

_INDEXED = {"email_addresses": EmailAddress, "phone_numbers": PhoneNumber, "physical_addresses": PhysicalAddress}


def ews_datetime(value: datetime) -> EWSDateTime:
    """An aware datetime as an ``EWSDateTime`` in exchangelib's UTC (it rejects ``datetime.timezone.utc``)."""
    naive = value.replace(tzinfo=None) - value.utcoffset()  # type: ignore[operator]
    return EWSDateTime(naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second,
                       naive.microsecond, tzinfo=UTC)


def _convert(name: str, value: Any) -> Any:
    if isinstance(value, BodyValue):
        return HTMLBody(value.html) if value.html is not None else Body(value.text)
    if isinstance(value, EwsPattern):
        return ews_recurrence(value)
    if isinstance(value, datetime):
        return ews_datetime(value)
    if isinstance(value, date):
        return EWSDate(value.year, value.month, value.day)
    if name == "required_attendees":
        return [Attendee(mailbox=Mailbox(email_address=a), response_type="Unknown") for a in value] or None
    if name == "percent_complete":
        return Decimal(value)
    if isinstance(value, str) and value == "" and name not in ("subject", "display_name"):
        return None
    return value


def _entries(name: str, wanted: dict[str, Any]) -> list[Any]:
    """The filled entries of ``wanted`` (``{label: value or None}``) as exchangelib indexed elements."""
    value_cls = _INDEXED[name]
    entries = []
    for label, value in wanted.items():
        if value is None:
            continue
        if name == "physical_addresses":
            entries.append(value_cls(label=label, **{k: v for k, v in value.items() if v}))
        elif name == "email_addresses":
            entries.append(value_cls(label=label, email=value))
        else:
            entries.append(value_cls(label=label, phone_number=value))
    return entries


def ews_recurrence(value: EwsPattern) -> Any:
    """An exchangelib ``Recurrence`` (a ``TaskRecurrence`` for a task) for a neutral pattern and range."""
    pattern = getattr(recurrence_module, value.pattern)(**value.fields)
    rng = value.range
    start = EWSDate(rng.start.year, rng.start.month, rng.start.day)
    if rng.count is not None:
        boundary = recurrence_module.NumberedPattern(start=start, number=rng.count)
    elif rng.end is not None:
        boundary = recurrence_module.EndDatePattern(start=start, end=EWSDate(rng.end.year, rng.end.month, rng.end.day))
    else:
        boundary = recurrence_module.NoEndPattern(start=start)
    cls = recurrence_module.TaskRecurrence if value.task else recurrence_module.Recurrence
    return cls(pattern=pattern, boundary=boundary)


def apply_values(item: Any, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``item``; returns the exchangelib field names to send.

    Indexed fields are named per entry (``phone_numbers__BusinessPhone``, see :mod:`._update`): an update
    sets the labels syncore owns, deletes those whose value is None, and never touches the item's others.
    """
    names = []
    for name, value in values.items():
        if name in _INDEXED:
            setattr(item, name, _entries(name, value) or None)
            names.extend(entry_name(name, label) for label in value)
            continue
        setattr(item, name, _convert(name, value))
        names.append(name)
    return names
