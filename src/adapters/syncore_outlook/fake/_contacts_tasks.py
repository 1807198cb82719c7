"""ContactItem and TaskItem (reference §2.2-2.4)."""

from __future__ import annotations

from typing import Any

from .. import constants as C
from ._item_types import registers
from ._items import COMMON_PROPS, COMMON_RO_PROPS, FakeItem
from ._links import FakeLinks
from ._recurrence import FakeTaskRecurrencePattern, default_task_pattern


@registers(C.olContactItem)
class FakeContactItem(FakeItem):
    """``ContactItem``; e-mail members are guard-protected."""

    _ITEM_TYPE = C.olContactItem
    _CLASS = C.olContact
    _MESSAGE_CLASS = C.MESSAGE_CLASS_CONTACT
    _PROPS = {**COMMON_PROPS, **{n: "str" for n in (
        "FirstName", "LastName", "MiddleName", "Title", "Suffix", "CompanyName", "JobTitle", "Department",
        "Email1Address", "Email1AddressType", "Email1DisplayName", "Email2Address", "Email2AddressType",
        "Email2DisplayName", "Email3Address", "Email3AddressType", "Email3DisplayName", "IMAddress",
        "BusinessTelephoneNumber", "Business2TelephoneNumber", "MobileTelephoneNumber", "HomeTelephoneNumber",
        "BusinessFaxNumber", "AssistantTelephoneNumber", "OtherTelephoneNumber", "WebPage",
        "BusinessAddressStreet", "BusinessAddressCity", "BusinessAddressState", "BusinessAddressPostalCode",
        "BusinessAddressCountry", "HomeAddressStreet", "HomeAddressCity", "HomeAddressState",
        "HomeAddressPostalCode", "HomeAddressCountry", "MailingAddressStreet", "MailingAddressCity",
        "MailingAddressState", "MailingAddressPostalCode", "MailingAddressCountry", "AssistantName",
        "NickName")},
        "Birthday": "date", "Anniversary": "date"}
    _RO_PROPS = dict(COMMON_RO_PROPS)
    _GUARDED = FakeItem._GUARDED | {f"Email{i}{s}" for i in (1, 2, 3)
                                    for s in ("Address", "AddressType", "DisplayName", "EntryID")} | {
        "IMAddress"}
    _SPECIAL = FakeItem._SPECIAL | {"FullName", "FileAs", "Email1EntryID", "Email2EntryID", "Email3EntryID"}

    def _get_FullName(self) -> str:
        p = self._rec.props
        return p.get("FullName") or " ".join(x for x in (p.get("FirstName"), p.get("LastName")) if x)

    def _set_FullName(self, value: str) -> None:
        # Outlook parses FullName into name parts; the fake splits on the last space.
        first, _, last = str(value).rpartition(" ")
        self._rec.props.update(FullName=str(value), FirstName=first, LastName=last)

    def _get_FileAs(self) -> str:
        p = self._rec.props
        if p.get("FileAs"):
            return p["FileAs"]
        return ", ".join(x for x in (p.get("LastName"), p.get("FirstName")) if x) or p.get("CompanyName", "")

    def _set_FileAs(self, value: str) -> None:
        self._rec.props["FileAs"] = str(value)

    def _get_Subject(self) -> str:
        # Outlook keeps a contact's Subject equal to its full name.
        return self._rec.props.get("Subject") or self._get_FullName()

    def _get_Email1EntryID(self) -> str:
        return ""

    _get_Email2EntryID = _get_Email3EntryID = _get_Email1EntryID

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in ("Email1Address", "Email2Address", "Email3Address") and value:
            # Assigning an SMTP address sets its address type, as Outlook resolves it.
            if not self._rec.props.get(name + "Type"):
                self._rec.props[name + "Type"] = "SMTP"


@registers(C.olTaskItem)
class FakeTaskItem(FakeItem):
    """``TaskItem``; StartDate/DueDate/DateCompleted are date-only, "none" is 4501-01-01."""

    _ITEM_TYPE = C.olTaskItem
    _CLASS = C.olTask
    _MESSAGE_CLASS = C.MESSAGE_CLASS_TASK
    _PROPS = {**COMMON_PROPS, "StartDate": "date", "DueDate": "date", "DateCompleted": "date",
              "Status": "int",
              "PercentComplete": "int", "ReminderSet": "bool", "ReminderTime": "local", "TotalWork": "int",
              "ActualWork": "int"}
    _RO_PROPS = {**COMMON_RO_PROPS, "Owner": "str", "Delegator": "str"}
    _DEFAULTS = {"Importance": C.olImportanceNormal, "Status": C.olTaskNotStarted}
    _GUARDED = FakeItem._GUARDED | {"Owner", "Delegator"}
    _SPECIAL = FakeItem._SPECIAL | {"Complete", "IsRecurring", "Links"}

    def _get_Links(self) -> FakeLinks:
        return FakeLinks(self)

    def _get_Complete(self) -> bool:
        return self._rec.props.get("Status") == C.olTaskComplete

    def _set_Complete(self, value: bool) -> None:
        p = self._rec.props
        if value:
            p.update(Status=C.olTaskComplete, PercentComplete=100,
                     DateCompleted=self._fake.clock.now().astimezone(self._fake.time.local).date())
        else:
            p.update(Status=C.olTaskNotStarted, PercentComplete=0, DateCompleted=None)

    def _set_Status(self, value: int) -> None:
        self._rec.props["Status"] = int(value)
        if int(value) == C.olTaskComplete:
            self._set_Complete(True)

    def _get_IsRecurring(self) -> bool:
        # "True if the task is a recurring task" (TaskItem.IsRecurring)
        return self._rec.pattern is not None

    def GetRecurrencePattern(self) -> Any:
        """The task's pattern, bound to this item object (a weekly default on a single task)."""
        self._alive()
        if getattr(self, "_pattern_obj", None) is None:
            if self._rec.pattern is None:
                self._rec.pattern = default_task_pattern(self._fake, self._rec)
                object.__setattr__(self, "_dirty", True)
            object.__setattr__(self, "_pattern_obj", FakeTaskRecurrencePattern(self))
        return self._pattern_obj

    def ClearRecurrencePattern(self) -> None:
        """Make the task single again (on Save)."""
        self._alive()
        self._rec.pattern = None
        object.__setattr__(self, "_pattern_obj", None)
        object.__setattr__(self, "_dirty", True)
