"""TaskItem ↔ :class:`~syncore.models.Task`.

``DueDate`` and ``DateCompleted`` are date-only local values (4501-01-01 = none); ``completed_at`` therefore
comes back as local midnight of the completion day. ``ReminderTime`` is local wall time.

``contacts`` are read, never written (as attendees are, ``_mapping/calendar.py``): the e-mail addresses of the
contacts the task is linked to, ``TaskItem.Links`` ("the contacts to which the item is linked",
https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/bb609394(v=office.14)), each
``Link.Item`` a ContactItem
(https://learn.microsoft.com/en-us/previous-versions/office/developer/office-2010/ff869034(v=office.14)) whose
address is ``Email1Address`` (for an Exchange "EX" entry the SMTP address behind it, as
:mod:`.contacts` reads it). A link that is no contact, whose contact is gone, or whose contact has no SMTP
address is skipped. Never written: linking needs a contact item in the user's folders, which syncore does not
create for a task; the adapter declares ``contacts`` read-only (``Capabilities.read_only_fields``), so the
engine never asks for it; an explicit request gets a warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncore.models import Record, Task, TaskPriority, TaskStatus

from .. import constants as C
from .._bodies import read_body, write_body
from .._time import OutlookClock
from ..errors import is_com_error, scode_of
from .contacts import email_of

if TYPE_CHECKING:
    from .._protocol import TaskItem

#: what opening a link to a deleted contact may raise (GUESS for real Outlook; the fake raises NOT_FOUND)
_CONTACT_GONE = frozenset({C.MAPI_E_NOT_FOUND, C.MAPI_E_OBJECT_DELETED})
CONTACTS_NOT_WRITTEN = "contacts are not written to Outlook (syncore never adds links to a task)"

_STATUS = {C.olTaskNotStarted: TaskStatus.NOT_STARTED, C.olTaskInProgress: TaskStatus.IN_PROGRESS,
           C.olTaskComplete: TaskStatus.COMPLETED, C.olTaskWaiting: TaskStatus.WAITING,
           C.olTaskDeferred: TaskStatus.DEFERRED}
_OL_STATUS = {value: key for key, value in _STATUS.items()}
_PRIORITY = {C.olImportanceLow: TaskPriority.LOW, C.olImportanceNormal: TaskPriority.NORMAL,
             C.olImportanceHigh: TaskPriority.HIGH}
_IMPORTANCE = {value: key for key, value in _PRIORITY.items()}


def linked_contacts(item: TaskItem) -> tuple[str, ...]:
    """The lower-case SMTP addresses of the contacts linked to the task, sorted, without duplicates."""
    links = item.Links
    found = set()
    for index in range(1, links.Count + 1):
        link = links.Item(index)
        if link.Type != C.olContact:
            continue  # "only contacts can be linked" since Outlook 2000; anything else is not a person
        try:
            contact = link.Item
        except Exception as exc:
            if is_com_error(exc) and scode_of(exc) in _CONTACT_GONE:
                continue  # the linked contact was deleted or moved away: nobody to relate
            raise  # a guard denial or an outage is no missing contact: the caller reports it
        address = (email_of(contact) or "").strip().lower()
        # an unresolved name or a leftover DN is not an address Salesforce can match: input to verify
        if "@" in address and not address.startswith("/"):
            found.add(address)
    return tuple(sorted(found))


def read(item: TaskItem, clock: OutlookClock) -> Task:
    """The task a TaskItem holds."""
    completed = clock.read_date(item.DateCompleted)
    return Task(
        subject=item.Subject,
        due=clock.read_date(item.DueDate),
        status=_STATUS.get(item.Status, TaskStatus.NOT_STARTED),
        priority=_PRIORITY.get(item.Importance, TaskPriority.NORMAL),
        completed_at=clock.local_midnight(completed) if completed is not None else None,
        reminder_at=clock.read_local(item.ReminderTime) if item.ReminderSet else None,
        body=read_body(item),
        private=item.Sensitivity == C.olPrivate,
        contacts=linked_contacts(item),
    )


def write(item: TaskItem, record: Record, fields: frozenset[str], clock: OutlookClock) -> list[str]:
    """Write the named ``fields`` of ``record``; Status goes before DateCompleted, which Outlook derives from it."""
    assert isinstance(record, Task)
    warnings: list[str] = []
    if "subject" in fields:
        item.Subject = record.subject
    if "due" in fields:
        item.DueDate = clock.write_date(record.due)
    if "status" in fields:
        item.Status = _OL_STATUS[record.status]
    if ("completed_at" in fields or "status" in fields) and record.completed_at is not None:
        item.DateCompleted = clock.write_date(clock.local_date(record.completed_at))
        if record.completed_at != clock.local_midnight(clock.local_date(record.completed_at)):
            warnings.append("completed_at stored as a date: Outlook keeps no time of completion")
    if "priority" in fields:
        item.Importance = _IMPORTANCE[record.priority]
    if "reminder_at" in fields:
        item.ReminderSet = record.reminder_at is not None
        if record.reminder_at is not None:
            item.ReminderTime = clock.write_local(record.reminder_at)
    if "body" in fields:
        write_body(item, record.body)
    if "private" in fields:
        item.Sensitivity = C.olPrivate if record.private else C.olNormal
    if "contacts" in fields and record.contacts:
        warnings.append(CONTACTS_NOT_WRITTEN)
    return warnings


def represent(record: Record, clock: OutlookClock) -> Record:
    """Completion times become the local midnight of their day; a reminder is local wall time, so one in the
    repeated hour of a fall-back night comes back as the first of the two instants. ``contacts`` are a
    read-only field: kept as they are, never compared with what was written."""
    assert isinstance(record, Task)
    changes: dict[str, object] = {}
    if record.completed_at is not None:
        changes["completed_at"] = clock.local_midnight(clock.local_date(record.completed_at))
    if record.reminder_at is not None:
        changes["reminder_at"] = clock.read_local(clock.write_local(record.reminder_at))
    return record.replace(**changes) if changes else record
