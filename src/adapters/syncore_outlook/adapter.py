"""OutlookComAdapter: the syncore adapter for Outlook desktop over COM (logic only; COM lives in _com.py).

Everything here works on an object shaped like :class:`syncore_outlook._protocol.Application`: the real one
from :meth:`OutlookComAdapter.connect` (Windows) or ``FakeOutlook(...).application`` in tests.

* Native id: an appointment's GlobalAppointmentID (stable when accepting a meeting, a move or an export/import
  gives the item a new EntryID), a contact's or task's EntryID; EntryIDs are located through the last scan.
* Version: LastModificationTime (true UTC) in milliseconds.
* Change feed: a ``GetTable`` scan diffed against the snapshot stored in the cursor; only new or changed items
  are opened (``GetItemFromID``), unchanged ones never.
* Link: a text UserProperty (``SyncoreLink`` by default) defined in the folder.
* Recurring series: one master item with its pattern and exceptions (_series.py, _series_writes.py).
* Writes of single items: _writes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from syncore.abc import Adapter
from syncore.errors import ConfigurationError, NotFound
from syncore.models import Event, Kind, Record, Task
from syncore.remote import Capabilities, ChangeSet, RecurrenceSupport, RemoteRecord, Unsupported
from syncore.timezones import UTC

from . import _series
from . import constants as C
from ._folders import resolve_folder
from ._ids import is_item_id
from ._labels import label_of, row_label
from ._link import DEFAULT_LINK_PROPERTY, check_name, define_in_folder, read_link
from ._mapping import MAPPINGS, KindMapping, task_recurrence
from ._scan import ScanRow, diff, scan, snapshot_of, unique_keys
from ._series_writes import SeriesWrites
from ._time import OutlookClock
from ._writes import RECURRING_REASON, ItemWrites
from .converter import decode_cursor, encode_cursor, make_converter, version_of, version_text
from .errors import OutlookUnavailable, is_com_error, translate
from .options import OutlookOptions, read_only_fields

if TYPE_CHECKING:
    from ._protocol import Application, Folder

T = TypeVar("T")

#: records per create/update/delete/fetch call. COM has no batch API and no limit; every item is one open plus
#: one Save on Outlook's single STA thread, so batches are sized to keep one call's journal small.
MAX_BATCH = 100


def _modified_at(version: int) -> datetime:
    return datetime.fromtimestamp(version / 1000, UTC)


class OutlookComAdapter(ItemWrites, SeriesWrites, Adapter):
    """Outlook desktop calendar, contacts and tasks through the Outlook object model.

    :param application: an ``Outlook.Application`` (real, from :meth:`connect`, or the fake's)
    :param kinds: the kinds to sync
    :param folders: per kind, another folder than the default one: an EntryID, or a path of sub-folder names
        below the default folder separated by ``/`` (e.g. ``{Kind.EVENT: "Projects/CRM"}``)
    :param link_property: name of the UserProperty that stores the counterpart's id
    :param runner: runs a function on the COM thread (set by :meth:`connect`; direct calls otherwise)
    """

    adapter_name: ClassVar[str] = "outlook"
    display_name = "Outlook"
    options_type: ClassVar[type] = OutlookOptions

    def __init__(
        self,
        application: Application,
        *,
        kinds: Collection[Kind] = tuple(Kind),
        folders: Mapping[Kind, str] | None = None,
        link_property: str = DEFAULT_LINK_PROPERTY,
        runner: Any = None,
        task_recurrence: bool = False,
    ) -> None:
        self._task_recurrence = task_recurrence
        self._app = application
        self._kinds = frozenset(Kind(kind) for kind in kinds)
        self._folder_options = {Kind(kind): value for kind, value in (folders or {}).items()}
        self.link_property = check_name(link_property)
        self._runner = runner
        self._folders: dict[Kind, Folder] = {}
        #: native id -> EntryID as of the last table scan (appointments are keyed by GlobalAppointmentID)
        self._locators: dict[Kind, dict[str, str]] = {}
        #: kinds whose locators were refreshed during the current call
        self._fresh: set[Kind] = set()
        self._depth = 0
        self._clock: OutlookClock | None = None
        self._converter = make_converter()
        self._caps = Capabilities(
            kinds=self._kinds, formatted_bodies=True, link_ids=True, max_create_batch=MAX_BATCH,
            net_change_feed=True,  # the table diff against the cursor's snapshot reports net changes
            max_update_batch=MAX_BATCH, max_delete_batch=MAX_BATCH, max_fetch_batch=MAX_BATCH,
            recurrence=RecurrenceSupport.RULES,  # a series is one master (_series.py)
            # a recurring task is one item with its pattern (_mapping/task_recurrence.py), when asked for
            task_recurrence=task_recurrence,
            # required attendees and a task's linked contacts are read, never written: recipients make it a
            # meeting (_mapping/calendar); links need contact items syncore does not create (_mapping/tasks)
            read_only_fields=read_only_fields(self._kinds),
            # a series' exceptions are written after the master is saved (_writes._create_one -> _series.finish),
            # a crash between the two leaves the master without them; the rest is one Save
            create_completes=frozenset({"recurrence"}),
        )

    @classmethod
    def connect(cls, **options: Any) -> OutlookComAdapter:
        """Start Outlook's COM thread, dispatch ``Outlook.Application`` on it and return an adapter (Windows).

        :raises OutlookUnavailable: without pywin32 or Outlook
        """
        from ._com import connect  # the only pywin32 user, imported on demand

        thread, application = connect()
        return cls(application, runner=thread, **options)

    @classmethod
    def from_config(cls, options: Any, credentials: Mapping[str, Any]) -> OutlookComAdapter:
        """Build from settings (``[adapters.pim] type = "outlook"``) and connect; Outlook needs no credentials.

        Options (:class:`OutlookOptions`): ``kinds`` (a list of "event", "contact", "task"), ``folders`` (a table
        of kind → EntryID or sub-folder path), ``link_property``.

        :raises ConfigurationError: for unknown options, kinds or credentials (checked before Outlook starts)
        """
        opts: OutlookOptions = cls.parse_options(options)
        cls.check_credential_names(credentials)
        return cls.connect(kinds=opts.kinds, folders=dict(opts.folders), link_property=opts.link_property,
                           task_recurrence=opts.task_recurrence)

    # -- plumbing ----------------------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the COM thread; COM errors that escape it become syncore errors."""
        if self._app is None:
            raise OutlookUnavailable("the Outlook adapter was closed")
        if self._depth == 0:
            self._fresh.clear()
        self._depth += 1
        try:
            if self._runner is not None:
                return self._runner.call(fn, *args)
            return fn(*args)
        except Exception as exc:
            if is_com_error(exc):
                raise translate(exc, what) from exc
            raise
        finally:
            self._depth -= 1

    @property
    def clock(self) -> OutlookClock:
        """Outlook's local-time conversions (its zone is read once from ``TimeZones.CurrentTimeZone``)."""
        if self._clock is None:
            self._clock = self._call("TimeZones", OutlookClock.for_application, self._app)
        return self._clock

    def _mapping(self, kind: Kind) -> KindMapping:
        kind = Kind(kind)
        if kind not in self._kinds:
            raise ConfigurationError(f"the Outlook adapter is not configured for {kind.value}s", key="kind")
        return MAPPINGS[kind]

    def _folder(self, kind: Kind) -> Folder:
        if kind not in self._folders:
            mapping = self._mapping(kind)
            namespace = self._app.GetNamespace("MAPI")
            folder = namespace.GetDefaultFolder(mapping.default_folder)
            option = self._folder_options.get(kind)
            if option:
                folder = resolve_folder(namespace, folder, option)
            define_in_folder(folder, self.link_property)
            self._folders[kind] = folder
        return self._folders[kind]

    def _open(self, kind: Kind, native_id: str) -> Any | None:
        """The item with ``native_id``, or None when it is gone or no longer in the synced folder."""
        entry_id = self._locators.get(kind, {}).get(native_id)
        if entry_id is None and not self._mapping(kind).calendar:
            entry_id = native_id
        item = self._open_entry(kind, entry_id) if entry_id else None
        if item is None and self._mapping(kind).calendar and kind not in self._fresh:
            # Unknown or moved: one table scan per call refreshes every locator.
            self._rows(kind)
            entry_id = self._locators[kind].get(native_id)
            item = self._open_entry(kind, entry_id) if entry_id else None
        return item

    def _open_entry(self, kind: Kind, entry_id: str) -> Any | None:
        """The item, or None when it is gone or no longer in the synced folder (e.g. in Deleted Items)."""
        folder = self._folder(kind)
        try:
            item = self._app.GetNamespace("MAPI").GetItemFromID(entry_id, folder.StoreID)
        except Exception as exc:
            if is_com_error(exc) and isinstance(translate(exc, "open"), NotFound):
                return None
            raise
        if item.Parent.EntryID != folder.EntryID:
            return None
        return item

    def _version(self, item: Any) -> int:
        # By DASL name the time is true UTC, the same value the scan's column reads.
        return version_of(self.clock.read_utc(item.PropertyAccessor.GetProperty(C.PR_LAST_MODIFICATION_TIME)))

    def _remote(self, kind: Kind, native_id: str, item: Any, version: int) -> RemoteRecord:
        calendar = self._mapping(kind).calendar
        record = _series.read(item, self.clock) if calendar and item.IsRecurring else \
            self._mapping(kind).read(item, self.clock)
        if kind is Kind.TASK and self._task_recurrence and item.IsRecurring:
            record = record.replace(recurrence=task_recurrence.read(item.GetRecurrencePattern()))
        return RemoteRecord(id=native_id, version=version_text(version), record=record,
                            link=read_link(item, self.link_property), modified_at=_modified_at(version))

    def _rows(self, kind: Kind) -> list[ScanRow]:
        mapping = self._mapping(kind)
        rows = unique_keys(list(scan(self._folder(kind), self.link_property, has_recurrence=mapping.has_recurrence,
                                     calendar=mapping.calendar)))
        self._locators[kind] = {row.key: row.entry_id for row in rows}
        self._fresh.add(kind)
        return rows

    # -- reading -----------------------------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        """Scan the folder's table and open only the items that are new or changed since ``cursor``."""
        return self._call("changes", self._feed, Kind(kind), cursor)

    def full_scan(self, kind: Kind) -> ChangeSet:
        """Every item of the folder, each opened once."""
        return self._call("full scan", self._feed, Kind(kind), None)

    def _feed(self, kind: Kind, cursor: str | None) -> ChangeSet:
        folder_id = self._folder(kind).EntryID
        snapshot = decode_cursor(cursor, folder_id, self._converter) if cursor is not None else None
        rows = self._rows(kind)
        found = diff(rows, snapshot, recurring_ok=self._recurring_ok(kind))
        upserts: list[RemoteRecord] = []
        unsupported = [Unsupported(id=row.key, reason=RECURRING_REASON,
                                   label=row_label(kind, row.subject))
                       for row in found.unsupported]
        deletions = list(found.deleted)
        vanished: set[str] = set()
        for row in found.changed:
            item = self._open_entry(kind, row.entry_id)
            if item is None:  # deleted between the scan and the open
                vanished.add(row.key)
                if snapshot is not None and row.key in snapshot.versions:
                    deletions.append(row.key)
                continue
            try:
                upserts.append(self._remote(kind, row.key, item, row.version))
            except ValueError as exc:  # InvalidRecordError, or a series syncore cannot read (Unfit)
                unsupported.append(Unsupported(id=row.key, reason=f"cannot be mapped: {exc}",
                                               label=label_of(kind, item)))
            del item  # release the COM reference promptly (reference §9.4)
        kept = [row for row in rows if row.key not in vanished]
        return ChangeSet(
            upserts=tuple(upserts), deletions=tuple(deletions), unsupported=tuple(unsupported),
            cursor=encode_cursor(snapshot_of(folder_id, kept), self._converter), complete=snapshot is None,
        )

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Open the given items; missing ones (or ones moved out of the folder) are left out."""
        return self._call("fetch", self._fetch, Kind(kind), list(ids))

    def _fetch(self, kind: Kind, ids: list[str]) -> dict[str, RemoteRecord]:
        found = {}
        for native_id in ids:
            item = self._open(kind, native_id)
            if item is not None:
                try:
                    found[native_id] = self._remote(kind, native_id, item, self._version(item))
                except ValueError:
                    continue  # a series syncore cannot read: the feed reports it
        return found

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """Items whose link property is one of ``links``, found by a table scan (no item opened to search)."""
        return self._call("find by link", self._find_by_link, Kind(kind), set(links))

    def _find_by_link(self, kind: Kind, links: set[str]) -> dict[str, RemoteRecord]:
        found = {}
        for row in self._rows(kind):
            if row.link in links and (not row.recurring or self._recurring_ok(kind)):
                item = self._open_entry(kind, row.entry_id)
                if item is not None:
                    remote = self._remote(kind, row.key, item, row.version)
                    if remote.link in links:
                        found[remote.link] = remote
        return found

    def _recurring_ok(self, kind: Kind) -> bool:
        """Recurring items of ``kind`` are read as records (appointments: series; tasks: with the option)."""
        return self._mapping(kind).calendar or (kind is Kind.TASK and self._task_recurrence)

    def represent(self, record: Record) -> Record:
        """``record`` as Outlook keeps it (attendees and task contacts, read-only, as they are; task completion is
        a date; a series in the zone its Windows zone maps back to, with the rule its pattern reads back as)."""
        kept = self._mapping(record.kind).represent(record, self.clock)
        if isinstance(kept, Event) and kept.recurrence is not None and _series.unfit_reason(kept) is None:
            return _series.stored_series(kept)
        if isinstance(kept, Task) and kept.recurrence is not None:
            return kept.replace(recurrence=task_recurrence.represent(kept.recurrence))
        return kept

    def unfit_reason(self, record: Record) -> str | None:
        """Why Outlook cannot hold a series (a rule no Outlook pattern gives, a zone without a Windows id) or a
        recurring task (a regeneration after the due date, a rule no pattern gives)."""
        if isinstance(record, Task) and record.recurrence is not None:
            return task_recurrence.unfit(record.recurrence)
        return _series.unfit_reason(record)

    def is_native_id(self, kind: Kind, value: str) -> bool:
        """An EntryID or (appointments) a GlobalAppointmentID: 21 to 1024 bytes as hex text."""
        return is_item_id(value)

    def close(self) -> None:
        """Drop every COM reference on the COM thread, then stop it (a second call does nothing)."""
        if self._app is None:
            return
        if self._runner is not None:
            self._runner.call(self._release)
            self._runner.stop()
        else:
            self._release()

    def _release(self) -> None:
        self._folders.clear()
        self._locators.clear()
        self._app = None  # type: ignore[assignment]


__all__ = ["OutlookComAdapter"]
