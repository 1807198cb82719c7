"""Every extension point of syncore, in one place.

Terminology used throughout:

NATIVE ID
    A side's own identifier for a record: a Salesforce Id, an EWS ItemId, an Outlook EntryID.
VERSION
    An opaque string that changes whenever the record changes on its side (SystemModstamp, ChangeKey,
    LastModificationTime). The engine only compares versions for equality.
CURSOR
    An opaque position in a side's change feed. The engine stores it after a sync has applied everything the
    feed reported, and passes it back to get only what changed since.
LINK
    The counterpart's native id, stored on a record by sides that can (a custom field, an extended property,
    a user property). It makes creates idempotent and lets pairs be rebuilt without duplicates.
PAIR
    Two native ids, one per side, known to be the same contact, event or task, plus the *base*: the record as
    it was when both sides last agreed. Field-level merge compares each side against the base.

The engine (:class:`syncore.SyncEngine`) imports these interfaces only, never an adapter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import ClassVar

from .models import Kind, Record, Side
from .remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    DeleteRequest,
    RemoteRecord,
    UpdateRequest,
    WriteOutcome,
)
from .state_types import HistoryEntry, Intent, LockHolder, Pair, PendingItem


class Adapter(ABC):
    """One backend (Salesforce, Exchange, Outlook, memory) seen as batches of records per :class:`Kind`.

    Every method is batch-first: the engine hands over as many records as ``capabilities`` allows per call,
    and adapters return one outcome per record, in order. An error that affects a single record is reported
    in that record's :class:`~syncore.remote.WriteOutcome`; an exception from a method means the whole call
    failed and must be a :class:`~syncore.errors.AdapterError` subclass with the backend's exception as
    ``__cause__`` (never with a credential in its message).

    Adapters must be usable from one thread at a time; the engine never calls one concurrently.
    """

    #: the name the adapter is registered under (see :mod:`syncore.registry`)
    adapter_name: ClassVar[str]

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this adapter supports: kinds, formatted bodies, link ids, batch sizes, read-only."""

    @abstractmethod
    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        """Return what changed for ``kind`` since ``cursor``: upserts, deletions and a new cursor.

        A record may be reported again (overlap windows, echoes of our own writes); the engine filters by
        version. Absence from the result never means deletion. An adapter whose feed lists ids and versions
        more cheaply than records may report changed records as ``unread`` (id, version) entries instead of
        ``upserts``: the engine fetches only those whose version it does not already know.

        :raises CursorExpired: when ``cursor`` is too old or invalid; the engine then calls :meth:`full_scan`
        """

    @abstractmethod
    def full_scan(self, kind: Kind) -> ChangeSet:
        """Return every record of ``kind`` in scope (``complete=True``) and a cursor for the next changes."""

    @abstractmethod
    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Read records by native id. Ids that no longer exist are absent from the result.

        The engine passes at most ``capabilities.max_fetch_batch`` ids per call.
        """

    @abstractmethod
    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """Create records; one outcome per request, in order. ``request.link`` is stored when supported."""

    @abstractmethod
    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """Write the named fields of existing records; one outcome per request, in order."""

    @abstractmethod
    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """Delete records; one outcome per request. A record that is already gone is a success."""

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """Find records whose stored link is one of ``links``; keyed by link.

        Only called when ``capabilities.link_ids`` is true. The default finds nothing.
        """
        return {}

    def is_native_id(self, kind: Kind, value: str) -> bool:
        """True when ``value`` is shaped like a native id of ``kind`` on this side.

        A link read from the other side is a claim, not a fact: the engine checks its shape here before looking
        it up, so a malformed or foreign value (another object type's Salesforce id, a truncated ItemId) is
        reported for that one record instead of failing a whole batched read. The default accepts any
        non-empty string.
        """
        return bool(value)

    def sign_in(self, show: Callable[[str], None]) -> bool:
        """Run this side's interactive sign-in (``syncore sign-in``), telling the user what to do through
        ``show``, and keep what later runs need. Returns False when the adapter needs none (the default)."""
        return False

    def adopt_ids(self, source: str, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
        """Translate native ids that adapter ``source`` (an ``adapter_name``) stored for the same records into
        this adapter's ids: ``{old id: new id}``, ids that cannot be translated left out.

        Used to move a profile from one adapter to another reaching the same data (``syncore migrate-profile``,
        e.g. EWS ItemIds to Microsoft Graph immutable ids), so existing pairs carry over without re-pairing.
        The default translates nothing.

        :raises ConfigurationError: when this adapter cannot take over ids from ``source`` at all
        """
        return {}

    def represent(self, record: Record) -> Record:
        """Return ``record`` as this side would store it (e.g. a tentative event becomes busy in Salesforce).

        The engine compares a side's records against the base *as this side represents it*, so a value the
        side cannot hold is not mistaken for an edit. The default keeps the record unchanged.
        """
        return record

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. The default does nothing."""


class StateStore(ABC):
    """The engine's memory between syncs: pairs, cursors, tombstones, journal, pending items, history.

    Everything is scoped by *profile* (one store can hold several PIM/CRM pairs of accounts) and kind.
    Writes made inside :meth:`transaction` are committed together or not at all; a crash loses at most the
    transaction in progress.
    """

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A context in which all writes commit atomically (re-entrant: inner contexts join the outer one)."""

    # -- pairs ---------------------------------------------------------------------------------------------
    @abstractmethod
    def pairs_for(
        self, profile: str, kind: Kind, *, pim_ids: Iterable[str] = (), crm_ids: Iterable[str] = ()
    ) -> list[Pair]:
        """The pairs that contain any of the given native ids."""

    def pair_versions(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> dict[str, str | None]:
        """For each of ``ids`` that is paired on ``side``: the version stored for it at the last sync.

        The planner uses it to set aside records whose version has not moved (our own writes echoed back by a
        change feed) without loading their pairs. The default goes through :meth:`pairs_for`; a store should
        answer from its version column alone.
        """
        pairs = self.pairs_for(profile, kind, **{f"{side.value}_ids": list(ids)})
        return {pair.id_on(side): pair.version_on(side) for pair in pairs}

    @abstractmethod
    def iter_pairs(self, profile: str, kind: Kind) -> Iterator[Pair]:
        """Every pair of ``kind`` (used by full scans and rebuilds, never by an incremental sync)."""

    @abstractmethod
    def count_pairs(self, profile: str, kind: Kind) -> int:
        """How many pairs ``kind`` has."""

    @abstractmethod
    def save_pair(self, pair: Pair) -> None:
        """Insert or replace a pair (keyed by ``pair.pair_id``)."""

    def save_pairs(self, pairs: Sequence[Pair]) -> None:
        """Insert or replace several pairs at once (the executor stores a write batch's pairs together).

        The default calls :meth:`save_pair` for each, in one transaction; a store can do better.
        """
        with self.transaction():
            for pair in pairs:
                self.save_pair(pair)

    @abstractmethod
    def delete_pair(self, profile: str, kind: Kind, pair_id: str) -> None:
        """Forget a pair."""

    # -- cursors -------------------------------------------------------------------------------------------
    @abstractmethod
    def get_cursor(self, profile: str, kind: Kind, side: Side) -> str | None:
        """The stored change cursor of one side, or None before the first sync."""

    @abstractmethod
    def set_cursor(self, profile: str, kind: Kind, side: Side, cursor: str | None) -> None:
        """Store (or clear, with None) one side's cursor."""

    # -- tombstones ----------------------------------------------------------------------------------------
    @abstractmethod
    def add_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str], at: datetime) -> None:
        """Remember native ids deleted (or left behind on purpose) so they never come back as new records."""

    @abstractmethod
    def tombstoned(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` have tombstones."""

    @abstractmethod
    def remove_tombstones(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        """Drop tombstones (the record was edited after all and is synced again)."""

    # -- journal of write intents --------------------------------------------------------------------------
    @abstractmethod
    def journal(self, intents: Iterable[Intent]) -> None:
        """Record intents before the writes they describe are made."""

    @abstractmethod
    def complete_intents(self, intent_ids: Iterable[str]) -> None:
        """Mark intents done once their outcome is stored."""

    @abstractmethod
    def open_intents(self, profile: str, kind: Kind) -> list[Intent]:
        """Intents journaled but never completed: writes a crash may have left half-done."""

    # -- pending items: failures, conflicts left for review, excluded operations ---------------------------
    @abstractmethod
    def put_pending(self, item: PendingItem) -> None:
        """Insert or replace a pending item (keyed by profile, kind, side, native id)."""

    @abstractmethod
    def remove_pending(self, profile: str, kind: Kind, side: Side, native_ids: Iterable[str]) -> None:
        """Forget pending items that have been dealt with."""

    @abstractmethod
    def pending(self, profile: str, kind: Kind) -> list[PendingItem]:
        """Every pending item of ``kind``, ignored ones included."""

    # -- history and runs ----------------------------------------------------------------------------------
    @abstractmethod
    def add_history(self, entry: HistoryEntry) -> None:
        """Append one sync run's summary."""

    @abstractmethod
    def history(self, profile: str, since: datetime | None = None) -> list[HistoryEntry]:
        """Past runs, newest first."""

    @abstractmethod
    def purge_history(self, before: datetime) -> int:
        """Delete history (and tombstones) older than ``before``; returns the number of rows removed."""

    @abstractmethod
    def last_run(self, profile: str, kind: Kind) -> datetime | None:
        """When ``kind`` last finished a sync in ``profile``."""

    @abstractmethod
    def set_last_run(self, profile: str, kind: Kind, at: datetime) -> None:
        """Record a finished sync."""

    # -- the state generation: which plans still fit -------------------------------------------------------
    @abstractmethod
    def generation(self, profile: str, kind: Kind) -> int:
        """A counter of applies that wrote to a side (0 before the first).

        A plan records the generation it was made at; applying it is refused once the generation has moved, so
        a plan never repeats writes made after it was planned (by another sync, or by one that stopped part-way).
        """

    @abstractmethod
    def bump_generation(self, profile: str, kind: Kind) -> int:
        """Advance the generation (called in the same transaction as an apply's first journaled write)."""

    # -- the profile lock: a lease renewed while a sync works -----------------------------------------------
    @abstractmethod
    def acquire_lock(self, profile: str, holder: LockHolder, *, now: datetime) -> bool:
        """Take the profile's sync lock for ``holder`` unless another owner holds an unexpired lease.

        Re-acquiring by the same ``holder.owner`` renews the lease to ``holder.expires_at``; an expired lease is
        taken over. Returns True when ``holder`` holds the lock afterwards.
        """

    @abstractmethod
    def renew_lock(self, profile: str, owner: str, *, expires_at: datetime) -> bool:
        """Extend ``owner``'s lease to ``expires_at``; False when ``owner`` no longer holds the lock."""

    @abstractmethod
    def lock_holder(self, profile: str) -> LockHolder | None:
        """The current holder of the profile's lock (expired or not), or None when nobody holds it."""

    @abstractmethod
    def release_lock(self, profile: str, owner: str) -> None:
        """Release the lock if ``owner`` holds it (also how a dead holder's lock is broken: by its owner)."""

    # -- reset ---------------------------------------------------------------------------------------------
    @abstractmethod
    def reset_kind(self, profile: str, kind: Kind) -> None:
        """Forget pairs, cursors, tombstones, intents and pending items of ``kind`` (data is untouched).

        The generation is bumped, not forgotten: a plan made before the reset no longer fits.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the underlying storage."""
