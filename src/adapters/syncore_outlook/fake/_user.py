"""Helpers that act as "the user in Outlook": create, edit, delete items behind the adapter's back."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._records import ExceptionData, FolderData, PatternData, Record
from ._recurrence import original_starts
from ._rtf import html_rtf, html_to_text
from ._time import FakeTimeZone

if TYPE_CHECKING:
    from ._items import FakeItem


class UserActions:
    """Mixin for :class:`~._app.FakeOutlook`. Helpers never touch the counters and bypass the guard.

    Datetimes passed to helpers are real instants (aware); the pywin32 trap does not apply to them.
    """

    # --- "the user in Outlook" ---------------------------------------------------------------------------
    def user_create(self, folder_kind: int | str, **props: Any) -> str:
        """Create and save an item as the user would; returns its EntryID.

        ``props`` use COM names. Datetimes must be aware (true instants; no pywin32 trap); ``Start``/``End``
        may be ``date`` objects for all-day events. ``StartTimeZone``/``EndTimeZone`` take Windows ids.
        ``Categories`` takes a string or a list. ``Email1SmtpAddress`` (helper-only) sets the SMTP address
        behind an ``Email1AddressType="EX"`` contact, read through ``PID_EMAIL1_SMTP``. ``UserProperties={"Name": value}`` creates olText (or
        olYesNo/olNumber/olDateTime by value type) properties registered in the folder. ``Recurrence={...}``
        takes :class:`PatternData` fields (dates as ``date``). ``Links=[entry_id, ...]`` links a task to saved
        contacts (``TaskItem.Links``).
        """
        folder = self.folder(folder_kind)
        item_type = props.pop("ItemType", folder.default_item_type)
        with self._silent():
            item = self._new_item(item_type, folder)
            self._apply(item, props)
            self._save(item)
        return item._rec.entry_id

    def user_edit(self, entry_id: str, **props: Any) -> None:
        """Edit and save an existing item as the user would (bumps LastModificationTime)."""
        folder, rec = self._require(entry_id)
        with self._silent():
            item = self._open(rec, folder)
            self._apply(item, props)
            self._save(item)

    def user_delete(self, entry_id: str) -> str:
        """Delete as the user would: moves to Deleted Items; returns the item's new EntryID there."""
        folder, rec = self._require(entry_id)
        deleted = self.store.folders[C.olFolderDeletedItems]
        del folder.records[entry_id]
        if folder is deleted:
            return ""
        return self._relocate(rec, deleted).entry_id

    def user_respond(self, entry_id: str) -> str:
        """Simulate what accepting a meeting (``Respond``), an export/import or a store move does to an
        item: a new EntryID for the same item, GlobalAppointmentID unchanged. Returns the new EntryID."""
        folder, rec = self._require(entry_id)
        del folder.records[entry_id]
        return self._relocate(rec, folder).entry_id

    def user_hard_delete(self, entry_id: str) -> None:
        """Shift+Delete: remove permanently without passing through Deleted Items."""
        folder, _ = self._require(entry_id)
        del folder.records[entry_id]

    def set_formatted_body(self, entry_id: str, html: str) -> None:
        """Give an item a formatted body: RTFBody with encapsulated HTML, Body its plain text."""
        folder, rec = self._require(entry_id)
        rec.props["RTFBody"] = html_rtf(html)
        rec.props["Body"] = html_to_text(html)
        rec.props["LastModificationTime"] = self.clock.stamp()

    def user_delete_occurrence(self, entry_id: str, original_date: date) -> None:
        """Delete one occurrence of a recurring series (creates a deleted exception)."""
        _, rec = self._require(entry_id)
        start = None
        for day, when in (original_starts(self, rec) if rec.pattern else ()):
            if day >= original_date:  # the series may be endless: stop at the requested date
                start = when if day == original_date else None
                break
        if start is None:
            raise KeyError(f"no occurrence on {original_date}")
        rec.pattern.exceptions[original_date] = ExceptionData(start, True)
        rec.props["LastModificationTime"] = self.clock.stamp()

    def record(self, entry_id: str) -> Record:
        """The stored record (for assertions in tests; do not mutate)."""
        return self._require(entry_id)[1]

    def entry_ids(self, folder_kind: int | str) -> list[str]:
        """EntryIDs stored in a folder, in creation order."""
        return list(self.folder(folder_kind).records)

    def _require(self, entry_id: str) -> tuple[FolderData, Record]:
        hit = self._locate(entry_id)
        if hit is None:
            raise KeyError(f"no item with EntryID {entry_id}")
        return hit

    def _apply(self, item: FakeItem, props: dict[str, Any]) -> None:
        props = dict(props)
        rec = item._rec
        for key in ("StartTimeZone", "EndTimeZone"):
            if key in props:
                setattr(item, key, FakeTimeZone(props.pop(key)))
        user_props = props.pop("UserProperties", {})
        if "Email1SmtpAddress" in props:  # helper-only: SMTP address behind an "EX" Email1Address
            rec.props["email1_smtp"] = props.pop("Email1SmtpAddress")
        recurrence = props.pop("Recurrence", None)
        if "Recipients" in props:  # RecipientData (_records.smtp_recipient / exchange_recipient)
            rec.recipients = [copy.copy(data) for data in props.pop("Recipients")]
            for key, rtype in (("RequiredAttendees", C.olRequired), ("OptionalAttendees", C.olOptional),
                               ("Resources", C.olResource)):
                rec.props[key] = "; ".join(data.name for data in rec.recipients if data.type == rtype)
        if "Links" in props:  # EntryIDs of saved contacts (a task's linked contacts, _links.py)
            rec.links = [str(entry_id) for entry_id in props.pop("Links")]
        all_day = props.pop("AllDayEvent", None)
        for key in ("Start", "End"):  # order matters: Start keeps the duration, End then sets it
            if key in props:
                setattr(item, key, self._user_time(props.pop(key)))
        if "Categories" in props and not isinstance(props["Categories"], str):
            props["Categories"] = (self.list_separator + " ").join(props["Categories"])
        for key, value in props.items():
            setattr(item, key, self._user_time(value) if isinstance(value, (datetime, date)) else value)
        if all_day is not None:
            item.AllDayEvent = all_day
        for name, value in user_props.items():
            prop_type = (C.olYesNo if isinstance(value, bool)
                         else C.olNumber if isinstance(value, (int, float))
                         else C.olDateTime if isinstance(value, datetime) else C.olText)
            up = item.UserProperties.Add(name, prop_type, True)
            up.Value = self._user_time(value) if isinstance(value, datetime) else value
        if recurrence is not None:
            fields = dict(recurrence)
            if "start" in rec.props:  # an appointment's pattern starts on its local start date; a task's is given
                fields.setdefault("PatternStartDate",
                                  rec.props["start"].astimezone(self.zone_for(rec.props["start_tz"])).date())
            if fields.get("PatternEndDate") or fields.get("Occurrences"):
                fields.setdefault("NoEndDate", False)
            rec.pattern = PatternData(**fields)

    def _user_time(self, value: Any) -> Any:
        # The user's times are real instants: hand COM the local wall clock labelled UTC (no trap).
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("user helpers need aware datetimes")
            return self.time.local_out(value)
        if isinstance(value, date):
            return self.time.local_out(self.time.local_midnight(value))
        return value
