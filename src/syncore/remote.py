"""The values that cross the adapter interface (see :mod:`syncore.abc`)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from .errors import AdapterError
from .models import Kind, Record


@attrs.frozen(kw_only=True)
class RemoteRecord:
    """A record as one side holds it right now.

    :ivar id: the side's native id (Salesforce 18-char Id, EWS ItemId, Outlook EntryID, …)
    :ivar version: an opaque string that changes whenever the record changes on that side
        (SystemModstamp, ChangeKey, LastModificationTime); compared for equality only
    :ivar record: the mapped record
    :ivar link: the counterpart's native id as stored on this record, when the side can store one
    :ivar modified_at: when the side last changed the record (UTC), for the ``newest_wins`` policy
    """

    id: str
    version: str | None
    record: Record
    link: str | None = None
    modified_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Unsupported:
    """A native item this side has but cannot map (e.g. a recurring series); reported and left alone."""

    id: str
    reason: str
    #: the item as a person knows it (``event series 'Weekly 1:1'``, made with
    #: :func:`syncore.results.describe_item`), for the report; the id when left empty
    label: str = ""


@attrs.frozen(kw_only=True)
class ChangeSet:
    """What a side reports for one kind: records changed or created, ids deleted, and the new cursor.

    :ivar complete: True for a full scan, where ``upserts`` lists every record that exists. The engine
        never reads absence from an incremental change set as a deletion.
    :ivar cursor: the position to pass to the next :meth:`~syncore.abc.Adapter.changes` call; stored only
        after the changes have been applied.
    """

    upserts: tuple[RemoteRecord, ...] = ()
    deletions: tuple[str, ...] = ()
    unsupported: tuple[Unsupported, ...] = ()
    cursor: str | None = None
    complete: bool = False
    #: changed records the adapter listed without reading them, as (native id, new version). The engine
    #: reads those whose version it does not know through :meth:`~syncore.abc.Adapter.fetch`, and skips the
    #: echoes of its own writes. For adapters whose feed lists versions more cheaply than records (EWS);
    #: incremental change sets only.
    unread: tuple[tuple[str, str | None], ...] = ()


class RecurrenceSupport(str, enum.Enum):
    """What a side can hold of a recurring event series (see docs/recurrence.md)."""

    #: nothing: the adapter reports its series as :class:`Unsupported` and is never sent one; series on the
    #: other side are reported and left alone
    NONE = "none"
    #: a series as one record with its rule, cancelled and modified occurrences
    #: (:class:`~syncore.recurrence.Recurrence`), within limits the adapter states per record
    #: (:meth:`~syncore.abc.Adapter.unfit_reason`); it also takes writes to one occurrence by its occurrence id
    #: (:func:`~syncore.occurrences.occurrence_id`)
    RULES = "rules"
    #: single events only: the engine writes a series from the other side as the occurrences inside the sync
    #: window, each linked to the series and its original start
    OCCURRENCES = "occurrences"


@attrs.frozen(kw_only=True)
class Capabilities:
    """What an adapter can do; the engine plans around these instead of trying and failing."""

    kinds: frozenset[Kind]
    #: keeps HTML/RTF bodies (Outlook, Exchange); when False the side stores plain text only
    formatted_bodies: bool = False
    #: can store the counterpart's id on a record and find records by it (idempotent creates)
    link_ids: bool = False
    read_only: bool = False
    #: the change feed reports net changes (EWS SyncFolderItems, Outlook's table diff, Graph delta): a record
    #: created after the cursor and deleted again before the next read is not reported at all, so the engine
    #: checks its own creates there until the feed has shown them
    net_change_feed: bool = False
    max_create_batch: int = 100
    max_update_batch: int = 100
    max_delete_batch: int = 100
    max_fetch_batch: int = 100
    #: fields this side acts on when they are written but never reports on a read (Salesforce relates an
    #: event to the people among its ``attendees``): a value read from this side is never an edit, the merge
    #: writes the field here whenever its merged value differs from the pair's base, and the update carries
    #: that base (:attr:`UpdateRequest.previous`) so the side can tell what it made from what it did not
    write_only_fields: frozenset[str] = frozenset()
    #: fields this side reports on a read but never takes on a write (Graph reads an event's attendees but
    #: never writes them: Graph would send meeting requests): the merge never writes them here; a value
    #: changed on the other side stays there while the pair's base keeps this side's value, so it is never
    #: copied back; a record created here holds them empty
    read_only_fields: frozenset[str] = frozenset()
    #: fields this side may have to leave empty where the record has a value (Salesforce with
    #: ``create_accounts`` off: a company that is no Account): an empty value read from this side never
    #: clears the field on the other side
    lossy_empty_fields: frozenset[str] = frozenset()
    #: what the side holds of recurring event series
    recurrence: RecurrenceSupport = RecurrenceSupport.NONE
    #: with ``recurrence`` RULES: ends a series before a given occurrence, keeping the earlier ones as they are
    #: (:meth:`~syncore.abc.Adapter.cut_series`). A series switched to its occurrences whose copy here has
    #: occurrences before the sync window is then cut and kept as history; without it, that switch waits
    cuts_series: bool = False
    #: holds recurring tasks (:class:`~syncore.recurrence.TaskRecurrence`); when False a recurring task from the
    #: other side is reported and left alone, never flattened into one task
    task_recurrence: bool = False
    #: how long after it was sent a write may still be made here though its sender never heard back (a request in
    #: flight when the process died, or whose reply timed out: the server finishes it all the same). Until then a
    #: create whose copy is not found yet is not made a second time: its source waits, reported. The default is
    #: Salesforce's documented call timeout (10 minutes), taken for every remote side (for the others a guess);
    #: a side whose writes are made inside the call (memory, files) says 0
    writes_land_within: timedelta = timedelta(minutes=10)
    #: the fields a create here may write only *after* the record exists, in later requests (Exchange writes a
    #: series' cancelled and modified occurrences after its master; Salesforce relates an event's other people
    #: after inserting it). A create whose reply was lost, or whose process died, may have left a copy without
    #: them: when the next sync finds that copy (``planning.recovery``), a difference in these fields is taken
    #: for the create's unfinished steps, completed from the source, and any other difference from what was
    #: written for the user's edit of the copy, kept. None (the default: unknown, e.g. a third-party adapter):
    #: every difference is taken for an unfinished create, the copy completed from its source (a user's edit of
    #: a copy whose create was interrupted is then lost). A side whose creates are one request says empty
    create_completes: frozenset[str] | None = None


@attrs.frozen(kw_only=True)
class CreateRequest:
    """Create ``record``; ``link`` is the source record's id, stored on the new record when supported."""

    ref: str
    record: Record
    link: str | None = None


@attrs.frozen(kw_only=True)
class UpdateRequest:
    """Write ``fields`` of ``record`` onto the existing record ``id``.

    Only the named fields change; the rest of the native record (including a body the engine decided to
    keep) is left as it is. ``base_version`` is the version the change was planned against; adapters that can
    do conditional writes refuse with :class:`~syncore.errors.VersionMismatch` when it no longer matches.

    ``previous`` is the pair's base before this merge (what both sides last agreed on), given when ``fields``
    names one of the side's :attr:`~Capabilities.write_only_fields`: the side compares the two to undo only
    what it made from the earlier value.
    """

    ref: str
    id: str
    record: Record
    fields: frozenset[str]
    base_version: str | None = None
    link: str | None = None
    previous: Record | None = None


@attrs.frozen(kw_only=True)
class DeleteRequest:
    """Delete the record ``id``. Deleting a record that is already gone counts as success."""

    ref: str
    id: str
    base_version: str | None = None


@attrs.frozen(kw_only=True)
class CutRequest:
    """End the series ``id`` before ``before``: its occurrences whose original start is ``before`` or later go,
    the earlier ones stay exactly as they are (see :meth:`~syncore.abc.Adapter.cut_series`).

    ``before`` is a key of that series (:data:`~syncore.recurrence.Key`): an aware UTC datetime for a timed series,
    a date for an all-day one."""

    ref: str
    id: str
    before: date | datetime
    base_version: str | None = None


@attrs.frozen(kw_only=True)
class WriteOutcome:
    """The result of one record's write, in request order. Exactly one of ``error`` / success holds.

    :ivar id: the native id (new for a create)
    :ivar version: the version after the write, when the backend reports it
    :ivar record: the record as stored, when the backend changed it on the way in (optional)
    :ivar warnings: what the side could not keep, e.g. "show_as tentative stored as busy"
    """

    ref: str
    id: str | None = None
    version: str | None = None
    error: AdapterError | None = None
    record: Record | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the record was written."""
        return self.error is None


def read_unread(adapter: Any, kind: Kind, changes: ChangeSet) -> ChangeSet:
    """``changes`` with its :attr:`~ChangeSet.unread` entries fetched into ``upserts`` (gone ones left out).

    For code that reads a change feed without a state store, e.g. tests.
    """
    if not changes.unread:
        return changes
    fetched = fetch_in_batches(adapter, kind, [native_id for native_id, _ in changes.unread])
    read = tuple(fetched[native_id] for native_id, _ in changes.unread if native_id in fetched)
    return attrs.evolve(changes, upserts=changes.upserts + read, unread=())


def fetch_in_batches(adapter: Any, kind: Kind, ids: Iterable[str]) -> dict[str, RemoteRecord]:
    """Read ``ids`` through ``adapter.fetch`` in batches of its ``max_fetch_batch``; missing ids are absent.

    On a side that holds series, an occurrence id (:mod:`syncore.occurrences`) is answered by reading its series
    and expanding it: adapters never have to read one occurrence.
    """
    wanted = sorted(set(ids))
    occurrences: dict[str, tuple[str, Any]] = {}
    if kind is Kind.EVENT and adapter.capabilities.recurrence is RecurrenceSupport.RULES:
        from .occurrences import split_occurrence_id

        occurrences = {i: found for i in wanted if (found := split_occurrence_id(i)) is not None}
        wanted = sorted({i for i in wanted if i not in occurrences} | {s for s, _ in occurrences.values()})
    batch = max(1, adapter.capabilities.max_fetch_batch)
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(wanted), batch):
        found.update(adapter.fetch(kind, wanted[start : start + batch]))
    if occurrences:
        from .occurrences import occurrence_record

        asked = set(ids)
        for occurrence, (series_id, original_start) in occurrences.items():
            series = found.get(series_id)
            record = occurrence_record(series, occurrence, original_start) if series is not None else None
            if record is not None:
                found[occurrence] = record
        found = {i: item for i, item in found.items() if i in asked}
    return found
