"""An in-memory adapter, usable as either side, with a user-side API and fault injection for tests."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import attrs

from ..abc import Adapter
from ..converters import Invalid
from ..errors import (
    AdapterError,
    CursorExpired,
    NotFound,
    RecordRejected,
    VersionMismatch,
)
from ..merge import BODY_FIELDS
from ..models import Kind, Record
from ..remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    DeleteRequest,
    RecurrenceSupport,
    RemoteRecord,
    Unsupported,
    UpdateRequest,
    WriteOutcome,
)
from ..results import describe_record
from .memory_faults import OPERATIONS, Deferred, MemoryFaults
from .memory_series import SeriesMemory
from .memory_store import _Item, _Store

__all__ = ["OPERATIONS", "MemoryAdapter", "MemoryOptions"]


def _plain_bodies(record: Record) -> Record:
    # Only bodies with a formatted source need a copy; a record with plain bodies is returned as it is.
    changes = {}
    for name in BODY_FIELDS:
        value = getattr(record, name, None)
        if value is not None and (value.html is not None or value.rtf is not None):
            changes[name] = value.plain()
    return record.replace(**changes) if changes else record


def _positive(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise Invalid("expected a whole number >= 1", subkey=attribute.name)


@attrs.frozen(kw_only=True)
class MemoryOptions:
    """The settings file's ``options`` of a ``memory`` side (see :class:`MemoryAdapter`); nothing persists."""

    name: str = "mem"
    kinds: tuple[Kind, ...] = tuple(Kind)
    formatted_bodies: bool = True
    link_ids: bool = True
    read_only: bool = False
    batch_size: int = attrs.field(default=50, validator=_positive)
    unread_changes: bool = False
    recurrence: RecurrenceSupport = RecurrenceSupport.RULES
    task_recurrence: bool = True


class MemoryAdapter(SeriesMemory, MemoryFaults, Adapter):
    """Keeps records in dicts. Every id, version and cursor behaves like a real backend's.

    :param formatted_bodies: keep HTML/RTF bodies (a PIM-like side); when False bodies are stored as plain text
    :param link_ids: store and find links (idempotent creates)
    :param batch_size: the max batch size reported in the capabilities
    :param clock: the time used for ``modified_at`` (defaults to the wall clock)
    :param unread_changes: the change feed lists changed records as ``unread`` (id, version) entries instead
        of records, as the EWS adapter does; the engine then fetches what it needs
    :param display_name: how plans and summaries name this side (default: ``memory (NAME)``)
    :param net_changes: the change feed reports net changes since the cursor, as EWS SyncFolderItems and
        Outlook's table diff do: a record created and deleted since the cursor is not reported at all
    :param recurrence: what the side holds of event series (default: rules); in the other modes a series stored
        here (by :meth:`put`) is reported as unsupported and writing one is refused
    :param task_recurrence: holds recurring tasks
    :param unfit: a side with limits: says why it cannot hold a record (a series past its limits), or None
    :param cuts_series: (a side that holds rules) ends a series before a date on request (``cut_series``)
    :param writes_land_within: how long a write may still land after its call (default 0: a write is made inside
        its call, or not at all); a side that says more may be given writes that land late (:meth:`defer_writes`)
    :param id_format: / version_format: how the n-th id and version are spelled (default ``NAME-n`` and ``n``),
        e.g. to give the records a real backend's id shapes and lengths (benchmarks measure state bytes)

    User-side API for tests: :meth:`put`, :meth:`edit`, :meth:`remove`, :meth:`restore`, :meth:`records`,
    :meth:`edit_occurrence`, :meth:`cancel_occurrence`.
    Faults (:class:`~syncore.testing.memory_faults.MemoryFaults`): :meth:`fail_next`, :meth:`fail_record`,
    :meth:`crash_after`, :meth:`lose_replies`, :meth:`defer_writes` (a lost reply whose writes are made later, by
    :meth:`land_deferred`, within ``writes_land_within`` of the call), :meth:`expire_cursors`.
    """

    adapter_name: ClassVar[str] = "memory"
    options_type: ClassVar[type] = MemoryOptions

    def __init__(
        self,
        *,
        name: str = "mem",
        kinds: Collection[Kind] = tuple(Kind),
        formatted_bodies: bool = True,
        link_ids: bool = True,
        read_only: bool = False,
        batch_size: int = 50,
        clock: Callable[[], datetime] | None = None,
        unread_changes: bool = False,
        display_name: str | None = None,
        net_changes: bool = False,
        recurrence: RecurrenceSupport = RecurrenceSupport.RULES,
        task_recurrence: bool = True,
        unfit: Callable[[Record], str | None] | None = None,
        cuts_series: bool = False,
        id_format: Callable[[int], str] | None = None,
        version_format: Callable[[int], str] | None = None,
        writes_land_within: timedelta = timedelta(0),
    ) -> None:
        self.name = name
        self._id_format = id_format or (lambda n: f"{name}-{n}")
        self._custom_ids = id_format is not None
        self._version_format = version_format or str
        self.display_name = display_name or f"memory ({name})"
        self.unread_changes = unread_changes
        self.net_changes = net_changes
        self._caps = Capabilities(
            kinds=frozenset(Kind(kind) for kind in kinds), formatted_bodies=formatted_bodies,
            link_ids=link_ids, read_only=read_only, net_change_feed=net_changes,
            max_create_batch=batch_size, max_update_batch=batch_size, max_delete_batch=batch_size,
            max_fetch_batch=batch_size, recurrence=RecurrenceSupport(recurrence), task_recurrence=task_recurrence,
            cuts_series=cuts_series and RecurrenceSupport(recurrence) is RecurrenceSupport.RULES,
            writes_land_within=writes_land_within,
            create_completes=frozenset(),  # a create is one write (create below): nothing follows it
        )
        self._unfit = unfit
        self._stores = {kind: _Store() for kind in Kind}
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._versions = itertools.count(1)
        self._epoch = 0
        self._clock = clock or (lambda: datetime.now(UTC))
        #: calls per operation name, for request-count assertions
        self.calls: Counter[str] = Counter()
        #: per operation, what its next calls do: raise the error, or (None) run normally
        self._fail_calls: dict[str, list[AdapterError | None]] = {op: [] for op in OPERATIONS}
        #: lost replies armed, per write operation (None: whichever write call comes next)
        self._lost_replies: Counter[str | None] = Counter()
        #: deferred writes armed (as lost replies), and the calls made so, not landed yet
        self._deferring: Counter[str | None] = Counter()
        self._deferred: list[Deferred] = []
        self._fail_records: list[tuple[Callable[[Record], bool], AdapterError, list[int]]] = []
        self._crash_after: int | None = None
        # (two flat lists rather than a dict: benchmarks create 100k records; see created_from)
        self._created_ids: list[str] = []
        self._created_links: list[str | None] = []

    # -- engine-facing interface ---------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def represent(self, record: Record) -> Record:
        return record if self._caps.formatted_bodies else _plain_bodies(record)

    def is_native_id(self, kind: Kind, value: str) -> bool:
        if self._custom_ids:
            return any(value in store.items or value in store.gone for store in self._stores.values())
        # the shape of this adapter's ids: "<name>-<number>"
        prefix, _, number = value.rpartition("-")
        return prefix == self.name and number.isdigit() and number.isascii()

    @property
    def created_from(self) -> dict[str, str | None]:
        """For every record the engine created: the link it asked for (kept even without link support), so
        tests can trace each record back to the user's original and spot duplicates (a new dict each time)."""
        return dict(zip(self._created_ids, self._created_links, strict=True))

    def _remote(self, native_id: str, item: _Item) -> RemoteRecord:
        return RemoteRecord(id=native_id, version=item.version, record=item.record, link=item.link,
                            modified_at=item.modified_at)

    def _cursor(self, kind: Kind) -> str:
        return f"{self._epoch}:{self._stores[kind].last_seq()}"

    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        self._enter("changes")
        try:
            epoch, seq = (int(part) for part in cursor.split(":"))
        except ValueError:
            raise CursorExpired(f"{self.name}: unreadable cursor {cursor!r}") from None
        if epoch != self._epoch:
            raise CursorExpired(f"{self.name}: cursor from an older epoch")
        store = self._stores[kind]
        items = store.items
        # a net-change feed reports only what the reader may know: not what came and went
        created_since = store.created if self.net_changes else {}
        deletions: list[str] = []
        unsupported_list: list[Unsupported] = []
        held_ids: list[str] = []
        held: list[_Item] = []
        # (only series and recurring tasks are; not looking at each contact spares reading 100k records)
        may_be_unsupported = kind is not Kind.CONTACT
        created = store.created_after(seq)
        touched: Iterable[str] = ()
        if created is not None and not may_be_unsupported:
            held_ids, held = created  # (an echo after a bulk load: every record, none looked up by id)
        else:
            touched = dict.fromkeys(store.touched_after(seq))
        for i in touched:  # (one pass)
            item = items.get(i)
            if item is None:
                if created_since.get(i, 0) <= seq:
                    deletions.append(i)
                continue
            reason = self._unsupported_reason(item.record) if may_be_unsupported else None
            if reason:
                unsupported_list.append(Unsupported(id=i, reason=reason, label=describe_record(item.record)))
            else:
                held_ids.append(i)
                held.append(item)
        unsupported, cursor = tuple(unsupported_list), self._cursor(kind)
        if self.unread_changes:
            unread = tuple(zip(held_ids, [item.version for item in held], strict=True))
            return ChangeSet(unread=unread, deletions=tuple(deletions), unsupported=unsupported, cursor=cursor)
        upserts = tuple(map(self._remote, held_ids, held))
        return ChangeSet(upserts=upserts, deletions=tuple(deletions), unsupported=unsupported, cursor=cursor)

    def full_scan(self, kind: Kind) -> ChangeSet:
        self._enter("full_scan")
        store = self._stores[kind]
        unsupported = tuple(Unsupported(id=i, reason=reason, label=describe_record(item.record))
                            for i, item in store.items.items()
                            if (reason := self._unsupported_reason(item.record)))
        return ChangeSet(upserts=tuple(self._remote(i, item) for i, item in store.items.items()
                                       if not self._unsupported_reason(item.record)),
                         unsupported=unsupported, cursor=self._cursor(kind), complete=True)

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        self._enter("fetch")
        malformed = [i for i in ids if not self.is_native_id(kind, i)]
        if malformed:
            # as a real backend answers a batched read naming a malformed id (Salesforce: MALFORMED_ID)
            raise RecordRejected(f"{self.name}: malformed id {malformed[0]!r} in a batched read", code="MALFORMED_ID")
        store = self._stores[kind]
        return {i: self._remote(i, store.items[i]) for i in ids
                if i in store.items and not self._unsupported_reason(store.items[i].record)}

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        self._enter("find_by_link")
        wanted = set(links)
        return {item.link: self._remote(i, item) for i, item in self._stores[kind].items.items()
                if item.link in wanted}  # type: ignore[misc]

    def _write(self, kind: Kind, native_id: str, record: Record, link: str | None) -> str:
        store = self._stores[kind]
        version = self._version_format(next(self._versions))
        seq = next(self._seq)
        store.write(seq, native_id, _Item(self.represent(record), version, link, self._clock()))
        if self.net_changes:
            store.created.setdefault(native_id, seq)
        return version

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        self._enter("create")
        self._defer("create", kind, requests)
        return self._reply(self._create(kind, requests), "create")

    def _create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        outcomes = []
        for request in requests:
            self._count_write()
            if (error := self._record_fault(request.record) or self._refusal(request.record)) is not None:
                outcomes.append(WriteOutcome(ref=request.ref, error=error))
                continue
            native_id = self._id_format(next(self._ids))
            self._created_ids.append(native_id)
            self._created_links.append(request.link)
            version = self._write(kind, native_id, request.record,
                                  request.link if self._caps.link_ids else None)
            self._written()
            outcomes.append(WriteOutcome(ref=request.ref, id=native_id, version=version))
        return outcomes

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        self._enter("update")
        self._defer("update", kind, requests)
        return self._reply(self._update(kind, requests), "update")

    def _update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        outcomes = []
        store = self._stores[kind]
        # (asked once per call, not per record: the benchmarks' stand-in backend should cost what a backend does)
        holds_series, faults = self._holds_series(kind), self._fail_records or self._crash_after is not None
        for request in requests:
            if faults:
                self._count_write()
            if holds_series and (occurrence := self._occurrence_update(kind, request)) is not None:
                outcomes.append(occurrence)
                if occurrence.ok:
                    self._written()
                continue
            item = store.items.get(request.id)
            if item is None:
                outcomes.append(WriteOutcome(ref=request.ref, error=NotFound(f"{self.name}: no record {request.id}")))
                continue
            if request.base_version is not None and request.base_version != item.version:
                outcomes.append(WriteOutcome(ref=request.ref, error=VersionMismatch(
                    f"{self.name}: {request.id} changed since version {request.base_version}")))
                continue
            if faults and (error := self._record_fault(request.record)) is not None:
                outcomes.append(WriteOutcome(ref=request.ref, error=error))
                continue
            try:
                updated = item.record.replace(**{f: getattr(request.record, f) for f in request.fields})
            except AdapterError as exc:  # pragma: no cover - defensive
                outcomes.append(WriteOutcome(ref=request.ref, error=exc))
                continue
            except ValueError as exc:
                outcomes.append(WriteOutcome(ref=request.ref, error=RecordRejected(str(exc))))
                continue
            if (error := self._refusal(updated)) is not None:
                outcomes.append(WriteOutcome(ref=request.ref, error=error))
                continue
            link = request.link if request.link is not None and self._caps.link_ids else item.link
            version = self._write(kind, request.id, updated, link)
            if faults:
                self._written()
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id, version=version))
        return outcomes

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        self._enter("delete")
        self._defer("delete", kind, requests)
        return self._reply(self._delete(kind, requests), "delete")

    def _delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        outcomes = []
        store = self._stores[kind]
        for request in requests:
            self._count_write()
            if self._occurrence_delete(kind, request.id):
                self._written()
                outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
                continue
            if request.id not in store.items:
                # already gone is what a delete asks for (syncore.abc.Adapter.delete)
                outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
                continue
            store.remove(request.id, next(self._seq))
            self._written()
            outcomes.append(WriteOutcome(ref=request.ref, id=request.id))
        return outcomes

    # -- user-side API (what a person does in Outlook or Salesforce) ---------------------------------------
    def put(self, record: Record, *, link: str | None = None) -> str:
        """Create ``record`` as a user would; returns its new id."""
        native_id = self._id_format(next(self._ids))
        self._write(record.kind, native_id, record, link)
        return native_id

    def edit(self, native_id: str, **fields: Any) -> Record:
        """Change fields of a record as a user would; returns the new record."""
        kind, item = self._find(native_id)
        updated = item.record.replace(**fields)
        self._write(kind, native_id, updated, item.link)
        return updated

    def remove(self, native_id: str) -> None:
        """Delete a record as a user would."""
        kind, _ = self._find(native_id)
        self._stores[kind].remove(native_id, next(self._seq))

    def restore(self, native_id: str) -> None:
        """Bring a deleted record back with its id, as a user restores it from the recycle bin (Salesforce keeps a
        deleted record's id when it is undeleted: "Restoring Deleted Records", Salesforce Help); a new version."""
        for kind, store in self._stores.items():
            if native_id in store.binned and native_id not in store.items:
                item = store.binned.pop(native_id)
                self._write(kind, native_id, item.record, item.link)
                return
        raise KeyError(native_id)

    def records(self, kind: Kind) -> dict[str, Record]:
        """Every record of ``kind`` by id."""
        return {i: item.record for i, item in self._stores[kind].items.items()}

    def modified_at(self, native_id: str) -> datetime:
        """When a user or a write last changed the record (what its feed reports for ``newest_wins``)."""
        return self._find(native_id)[1].modified_at

    def link_of(self, native_id: str) -> str | None:
        """The link stored on a record."""
        return self._find(native_id)[1].link

    def _find(self, native_id: str) -> tuple[Kind, _Item]:
        for kind, store in self._stores.items():
            if native_id in store.items:
                return kind, store.items[native_id]
        raise KeyError(native_id)
