"""FakeOutlook: the controller owning the stored state, counters and the item lifecycle (reference §12)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .. import constants as C
from ._appointment import FakeAppointmentItem, snap_all_day
from ._errors import FakeComError, outlook_error
from ._item_types import ITEM_CLASSES
from ._items import FakeItem
from ._oom import ITEM_TYPE_OF_FOLDER, FakeApplication, FakeFolder
from ._records import ExceptionData, FolderData, Record, StoreData, new_global_object_id
from ._recurrence import OccurrenceRef, occurrence_record
from ._time import FakeClock, Pywin32Time, iana_zone, windows_id
from ._user import UserActions

_FOLDER_NAMES = {
    C.olFolderDeletedItems: ("Deleted Items", C.olMailItem),
    C.olFolderCalendar: ("Calendar", C.olAppointmentItem),
    C.olFolderContacts: ("Contacts", C.olContactItem),
    C.olFolderTasks: ("Tasks", C.olTaskItem),
}
_KIND_ALIASES = {"calendar": C.olFolderCalendar, "contacts": C.olFolderContacts, "tasks": C.olFolderTasks,
                 "deleted": C.olFolderDeletedItems}

Guard = str | Callable[[str], bool]


class FakeOutlook(UserActions):
    """In-memory Outlook desktop object model, seen as through pywin32.

    :param local_zone: IANA zone of Outlook / Windows (``Application.TimeZones.CurrentTimeZone``).
    :param guard: Object Model Guard behaviour: ``"allow"`` (trusted, no prompt), ``"deny"`` (every guarded
        member raises ``MAPI_E_NOT_SUPPORTED``), or a callable ``member -> bool`` (True = allowed) receiving
        names like ``"Body"``, ``"Email1Address"``, ``"Columns.Add"``. May be changed at any time.
    :param clock: :class:`FakeClock` for LastModificationTime / CreationTime.
    :param list_separator: Windows list separator used in ``Categories``.

    ``application`` is the ``Outlook.Application`` object. The ``user_*`` helpers act as the user editing in
    Outlook and never touch the counters.
    """

    def __init__(self, local_zone: str = "Europe/Berlin", guard: Guard = "allow", *,
                 clock: FakeClock | None = None, list_separator: str = ",", user_name: str = "Test User",
                 store_name: str = "user@example.com"):
        self.local_zone = ZoneInfo(local_zone)
        self.local_windows_id = windows_id(local_zone)
        self.time = Pywin32Time(self.local_zone)
        self.clock = clock or FakeClock()
        self.guard: Guard = guard
        self.list_separator = list_separator
        self.user_name = user_name
        self.store = StoreData(store_name)
        self._folders: list[FolderData] = []
        for kind, (name, item_type) in _FOLDER_NAMES.items():
            folder = FolderData(self.store, name, item_type, self.store.new_entry_id(b"\x03\x00"))
            self.store.folders[kind] = folder
            self._folders.append(folder)
        self._zones: dict[str, ZoneInfo] = {}
        self._quiet = 0
        self.item_opens = 0
        self.saves = 0
        self.guard_denials = 0
        self.calls: Counter[str] = Counter()
        self._faults: dict[str, list[BaseException]] = {}
        self._matched_faults: dict[str, list[tuple[Callable[[Any], bool], BaseException, list[int]]]] = {}
        self._access: Counter[tuple[str, str]] = Counter()
        self.application = FakeApplication(self)

    # --- counters ----------------------------------------------------------------------------------------
    def access_count(self, entry_id: str | None = None, prop: str | None = None) -> int:
        """Item property reads, optionally for one EntryID ("" = unsaved items) and/or one property name."""
        return sum(n for (eid, name), n in self._access.items()
                   if (entry_id is None or eid == entry_id) and (prop is None or name == prop))

    def reset_counters(self) -> None:
        """Zero item_opens, saves, guard_denials, calls and property-access counts."""
        self.item_opens = self.saves = self.guard_denials = 0
        self.calls.clear()
        self._access.clear()

    def _count(self, entry_id: str, prop: str) -> None:
        if not self._quiet:
            self._access[(entry_id, prop)] += 1

    def _guard(self, member: str) -> None:
        allowed = self.guard(member) if callable(self.guard) else self.guard != "deny"
        if not allowed and not self._quiet:
            self.guard_denials += 1
            raise outlook_error(C.MAPI_E_NOT_SUPPORTED, f"Access to {member} was denied by the user.")

    def inject_error(self, call: str, error: BaseException | None = None, times: int = 1,
                     match: Callable[[Any], bool] | None = None) -> None:
        """Make the next ``times`` calls of ``call`` raise ``error``.

        ``call`` is a :attr:`calls` key: ``"GetItemFromID"``, ``"GetTable"``, ``"Table.GetArray"``,
        ``"Table.GetNextRow"``, ``"Items.Restrict"``, ``"Save"``, ``"Delete"``. The default error is
        ``RPC_E_CALL_REJECTED`` (Outlook busy), raised as a bare HRESULT like COM's message filter does.

        With ``match`` (``"Save"`` / ``"Delete"`` only) the error is raised only for items for which
        ``match(item)`` is true (the item object being saved or deleted), ``times`` of them (-1: always).
        """
        if error is None:
            error = FakeComError(C.RPC_E_CALL_REJECTED, "Call was rejected by callee.", None, None)
        if match is not None:
            self._matched_faults.setdefault(call, []).append((match, error, [times]))
            return
        self._faults.setdefault(call, []).extend([error] * times)

    def _call(self, name: str, subject: Any = None) -> None:
        """Record one COM call (for :attr:`calls`) and raise an injected fault, if any."""
        if self._quiet:
            return
        self.calls[name] += 1
        if subject is not None:
            for match, error, remaining in self._matched_faults.get(name, ()):
                if remaining[0] != 0:
                    with self._silent():  # the predicate's own property reads are not the adapter's
                        hit = match(subject)
                    if hit:
                        remaining[0] -= 1
                        raise error
        pending = self._faults.get(name)
        if pending:
            raise pending.pop(0)

    @contextmanager
    def _silent(self) -> Any:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    # --- lookups -----------------------------------------------------------------------------------------
    def zone_for(self, win_id: str) -> ZoneInfo:
        """ZoneInfo for a Windows zone id (the CLDR table the core uses)."""
        if win_id not in self._zones:
            self._zones[win_id] = iana_zone(win_id)
        return self._zones[win_id]

    def folder(self, kind: int | str | FakeFolder) -> FolderData:
        """Stored folder by OlDefaultFolders number, alias ("calendar", "contacts", "tasks", "deleted") or
        a :class:`FakeFolder` (e.g. a sub-folder made with ``Folders.Add``)."""
        if isinstance(kind, FakeFolder):
            return kind._data
        kind = _KIND_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
        return self.store.folders[kind]

    def _locate(self, entry_id: str) -> tuple[FolderData, Record] | None:
        for folder in self._folders:
            rec = folder.records.get(entry_id)
            if rec is not None:
                return folder, rec
        return None

    def _stored(self, entry_id: str) -> Record | None:
        hit = self._locate(entry_id) if entry_id else None
        return hit[1] if hit else None

    def _folder_obj(self, folder: FolderData | None) -> FakeFolder | None:
        return None if folder is None else FakeFolder(self, folder)

    # --- item lifecycle ----------------------------------------------------------------------------------
    def _new_item(self, item_type: int, folder: FolderData | None) -> FakeItem:
        if folder is None:
            folder = self.store.folders[{v: k for k, v in ITEM_TYPE_OF_FOLDER.items()}[item_type]]
        props: dict[str, Any] = {}
        if item_type == C.olAppointmentItem:
            # New appointments start at the next half hour, 30 minutes long (Outlook's default).
            local = self.clock.now().astimezone(self.local_zone).replace(second=0, microsecond=0)
            local += timedelta(minutes=30 - local.minute % 30)
            start = self.time.local_wall_to_instant(local.replace(tzinfo=None))
            props.update(start=start, end=start + timedelta(minutes=30), start_tz=self.local_windows_id,
                         end_tz=self.local_windows_id, Organizer=self.user_name)
        return ITEM_CLASSES[item_type](self, Record(item_type, props), folder)

    def _open(self, rec: Record, folder: FolderData) -> FakeItem:
        if not self._quiet:
            self.item_opens += 1
        return ITEM_CLASSES[rec.item_type](self, rec.clone(), folder)

    def _open_occurrence(self, rec: Record, ref: OccurrenceRef) -> FakeItem:
        if not self._quiet:
            self.item_opens += 1
        folder = self._locate(ref.master_entry_id)[0]
        return FakeAppointmentItem(self, rec.clone(), folder, occurrence=ref)

    def _save(self, item: FakeItem) -> None:
        if getattr(item, "_occurrence", None) is not None:
            self._save_occurrence(item)
            return
        rec = item._rec
        if rec.item_type == C.olAppointmentItem:
            if rec.props.get("AllDayEvent"):
                snap_all_day(self, rec)
            if rec.props["end"] < rec.props["start"]:
                raise outlook_error(C.E_FAIL, "The end date you entered occurs before the start date.")
        now = self.clock.stamp()
        if not rec.entry_id:
            rec.entry_id = self.store.new_entry_id()
            rec.props["CreationTime"] = now
            if rec.item_type == C.olAppointmentItem:
                rec.global_object_id = new_global_object_id(now)
        rec.props["LastModificationTime"] = now
        folder = item._folder
        hit = self._locate(rec.entry_id)
        if hit is not None:
            folder = hit[0]
        folder.records[rec.entry_id] = rec.clone()
        object.__setattr__(item, "_folder", folder)
        object.__setattr__(item, "_dirty", False)
        if not self._quiet:
            self.saves += 1

    def _save_occurrence(self, item: FakeAppointmentItem) -> None:
        # Saving an occurrence stores the differences from the generated occurrence as an exception.
        ref = item._occurrence
        master = self._stored(ref.master_entry_id)
        if master is None or master.pattern is None:
            raise outlook_error(C.MAPI_E_OBJECT_DELETED, "The recurring master no longer exists.")
        generated = master.clone()
        generated.pattern.exceptions.pop(ref.original_date, None)
        base, _ = occurrence_record(generated, ref.original_date, ref.original_start)
        overrides = {k: v for k, v in item._rec.props.items()
                     if base.props.get(k) != v and k not in ("LastModificationTime", "CreationTime")}
        master.pattern.exceptions[ref.original_date] = ExceptionData(ref.original_start, False, overrides)
        master.props["LastModificationTime"] = self.clock.stamp()
        object.__setattr__(item, "_occurrence", OccurrenceRef(ref.master_entry_id, ref.original_date,
                                                              ref.original_start, True))
        object.__setattr__(item, "_dirty", False)
        if not self._quiet:
            self.saves += 1

    def _delete(self, item: FakeItem) -> None:
        ref = getattr(item, "_occurrence", None)
        if ref is not None:
            master = self._stored(ref.master_entry_id)
            if master is not None and master.pattern is not None:
                master.pattern.exceptions[ref.original_date] = ExceptionData(ref.original_start, True)
                master.props["LastModificationTime"] = self.clock.stamp()
            object.__setattr__(item, "_gone", True)
            return
        hit = self._locate(item._rec.entry_id) if item._rec.entry_id else None
        object.__setattr__(item, "_gone", True)
        if hit is None:
            return
        folder, rec = hit
        deleted = self.store.folders[C.olFolderDeletedItems]
        del folder.records[rec.entry_id]
        if folder is not deleted:
            self._relocate(rec, deleted)

    def _relocate(self, rec: Record, dest: FolderData) -> Record:
        # Moving changes the EntryID (Exchange store behaviour; GlobalAppointmentID stays, reference §2.1).
        rec.entry_id = self.store.new_entry_id()
        rec.props["LastModificationTime"] = self.clock.stamp()
        dest.records[rec.entry_id] = rec
        return rec

    def _move(self, item: FakeItem, dest: FolderData) -> FakeItem:
        hit = self._locate(item._rec.entry_id)
        if hit is None:
            raise outlook_error(C.E_FAIL, "Save the item before moving it.")
        folder, rec = hit
        del folder.records[rec.entry_id]
        moved = self._relocate(rec, dest)
        object.__setattr__(item, "_gone", True)
        return self._open(moved, dest)
