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
SERIES
    A recurring event: one :class:`~syncore.models.Event` whose ``recurrence`` holds the rule, the zone and the
    cancelled and modified occurrences, keyed by original start (:mod:`syncore.recurrence`). What a side can hold
    is declared in ``capabilities.recurrence`` (:class:`~syncore.remote.RecurrenceSupport`); a side that holds
    occurrences only gets the occurrences inside the sync window, each paired by series and original start
    (:mod:`syncore.occurrences`).

The engine (:class:`syncore.SyncEngine`) imports these interfaces only, never an adapter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .capabilities import EnforcedCapabilities
from .converters import structure_options
from .errors import ConfigurationError, UnsupportedRecord
from .models import Kind, Record, Side
from .occurrences import series_of_occurrence_ids
from .remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    CutRequest,
    DeleteRequest,
    RemoteRecord,
    UpdateRequest,
    WriteOutcome,
)
from .state_types import HistoryEntry, Intent, LockHolder, Pair, PendingItem


class Adapter(metaclass=EnforcedCapabilities):
    """One backend (Salesforce, Exchange, Outlook, memory) seen as batches of records per :class:`Kind`.

    Every method is batch-first: the engine hands over as many records as ``capabilities`` allows per call,
    and adapters return one outcome per record, in order. An error that affects a single record is reported
    in that record's :class:`~syncore.remote.WriteOutcome`; an exception from a method means the whole call
    failed and must be a :class:`~syncore.errors.AdapterError` subclass with the backend's exception as
    ``__cause__`` (never with a credential in its message).

    Adapters must be usable from one thread at a time; the engine never calls one concurrently.

    The declared :attr:`capabilities` are enforced for every caller by the metaclass
    (:class:`~syncore.capabilities.EnforcedCapabilities`): unsupported kinds, writes to a read-only side and
    oversized batches are refused before the adapter runs, a write must answer one outcome per request, and a
    delete's ``NotFound`` outcome counts as success.

    Recurring series (``capabilities.recurrence``): an adapter that declares ``NONE`` reports its series as
    :class:`~syncore.remote.Unsupported` and is never sent one. One that declares ``RULES`` reports a series as one
    record (never its occurrences one by one), creates series, updates ``recurrence`` as a whole (the rule, the
    zone, cancelled and modified occurrences: the adapter works out what changed), says in :meth:`unfit_reason`
    which series it cannot hold, and takes ``update``/``delete`` requests naming one occurrence by its occurrence
    id (an override; a cancellation). One that declares ``OCCURRENCES`` never receives a series: it stores the
    occurrences the engine writes as single events, with their link (the occurrence id on the other side).
    Recurring tasks are held when ``capabilities.task_recurrence`` is true. A value a side cannot hold is reported
    per record (an :class:`~syncore.remote.Unsupported` entry, or a write outcome's error), never flattened.

    A settings file builds an adapter through :meth:`from_config`: the adapter declares its options as an attrs
    class (:attr:`options_type`), the secrets it takes (:attr:`credential_names`), how it is named to people
    (:attr:`display_name`) and how ``syncore doctor`` checks its connection (:meth:`check_connection`).
    """

    #: the name the adapter is registered under (see :mod:`syncore.registry`)
    adapter_name: ClassVar[str]
    #: how plans, reviews and summaries name this side ("Salesforce", "Exchange"); an instance may refine it
    display_name: str = ""
    #: the attrs class of the options a settings file may give (``[adapters.crm] options = {…}``), structured
    #: by :func:`syncore.converters.structure_options`; a field's ``metadata={"path": True}`` makes it relative
    #: to the settings file, ``metadata={"ask": "question"}`` makes ``syncore init`` ask for it. None: the
    #: options table goes to the constructor unchecked
    options_type: ClassVar[type | None] = None
    #: the credential names a settings file may reference (``[adapters.crm] credentials = {…}``)
    credential_names: ClassVar[frozenset[str]] = frozenset()
    #: the credentials a first settings file references (``syncore init`` asks where each secret is kept)
    starter_credentials: ClassVar[tuple[str, ...]] = ()

    # -- construction from a settings file ----------------------------------------------------------------
    @classmethod
    def parse_options(cls, options: Any, *, key: str = "options") -> Any:
        """Check a settings file's options without touching the network: an :attr:`options_type` instance.

        ``options`` may already be one (it is returned as it is). An adapter without :attr:`options_type` gets
        the table back as a dict, unchecked. Adapters with their own converter hooks override this.

        :param key: the dotted key of the options table, for messages (``"adapters.crm.options"``)
        :raises ConfigurationError: naming the option, the value and what is allowed; an unknown name is
            refused with the list of allowed ones
        """
        if cls.options_type is None:
            return dict(options)
        if isinstance(options, cls.options_type):
            return options
        return structure_options(cls.options_type, options, key=key)

    @classmethod
    def starter_credentials_for(cls, options: Mapping[str, Any]) -> tuple[str, ...]:
        """The credentials a first settings file with these ``options`` (the table as given) references.

        ``syncore init`` asks where each is kept. The default is :attr:`starter_credentials`; an adapter whose
        secrets depend on an option (a sign-in mode that needs none) overrides it.
        """
        return cls.starter_credentials

    @classmethod
    def check_credential_names(cls, names: Iterable[str], *, key: str = "credentials") -> None:
        """Refuse credential names the adapter does not know (before any secret is looked up).

        :raises ConfigurationError: naming the first unknown name and listing the allowed ones
        """
        if cls.options_type is None:  # an adapter that declares no options takes any keyword arguments
            return
        for name in sorted(set(names) - cls.credential_names):
            allowed = ", ".join(sorted(cls.credential_names)) or "none (remove the table)"
            raise ConfigurationError(f"{key}.{name}: unknown credential for the {cls.adapter_name} adapter; "
                                     f"allowed: {allowed}", key=f"{key}.{name}", value=name)

    @classmethod
    def from_config(cls, options: Any, credentials: Mapping[str, str]) -> Adapter:
        """Build the adapter from a settings file: its ``options`` table and its resolved ``credentials``.

        This is how the command line builds every side. ``options`` is the table as read (or an already
        parsed :attr:`options_type` instance); ``credentials`` maps the names in :attr:`credential_names` to
        secrets. Every option is checked (:meth:`parse_options`) before anything touches the network.

        The default passes the options' fields and the credentials to the constructor as keyword arguments;
        adapters that sign in override it (and call :meth:`parse_options` first).

        :raises ConfigurationError: for a bad option or credential name
        :raises AdapterError: when signing in fails
        """
        parsed = cls.parse_options(options)
        if isinstance(parsed, dict):  # no options_type: the table goes to the constructor as it is
            try:
                return cls(**parsed, **credentials)
            except TypeError as exc:
                raise ConfigurationError(f"options: the {cls.adapter_name} adapter refused them: {exc}",
                                         key="options", value=sorted(parsed)) from exc
        cls.check_credential_names(credentials)
        return cls(**attrs.asdict(parsed, recurse=False), **credentials)

    def check_connection(self) -> ConnectionCheck:
        """Talk to the backend once, as cheaply as it allows, and say what was found (``syncore doctor``).

        The default makes no call and reports nothing. Adapters that talk to a server override it.

        :raises AdapterError: when the backend cannot be reached or refuses the credentials
        """
        return ConnectionCheck(details="no connection needed")

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
        """Create records; one outcome per request, in order. ``request.link`` is stored when supported.

        A create that writes some fields in requests after the one that makes the record (a series' exceptions
        after its master) declares them in ``capabilities.create_completes``: a copy whose create was interrupted
        between the two is then completed from its source, and its other differences kept as a user's edits.
        """

    @abstractmethod
    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """Write the named fields of existing records; one outcome per request, in order."""

    @abstractmethod
    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """Delete records; one outcome per request. A record that is already gone is a success."""

    def cut_series(self, kind: Kind, requests: Sequence[CutRequest]) -> list[WriteOutcome]:
        """End series before a date, keeping their earlier occurrences as they are; one outcome per request.

        Called only when ``capabilities.cuts_series`` is declared (with ``recurrence`` RULES), for a series of this
        side the engine switches to single events while the series has occurrences before the sync window here:
        instead of deleting that copy (and its history with it), the engine cuts it before the window's first
        occurrence, after the window's occurrences are written, and leaves what remains unpaired, as history.

        A cut must be idempotent: cutting a series that already ends before ``before`` changes nothing and
        succeeds (the engine repeats a cut whose reply was lost). A series that is gone is a success too (nothing
        is left to cut). A cut that would leave no occurrence is refused for that request (the engine never asks
        for one). The outcome's ``version`` is the series' version after the cut, when known.

        The default cuts nothing: every request fails with :class:`~syncore.errors.UnsupportedRecord`.
        """
        return [WriteOutcome(ref=request.ref, error=UnsupportedRecord("this side cannot cut a series"))
                for request in requests]

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

    def unmatched(self, kind: Kind, records: Sequence[Record]) -> list[str | None]:
        """For a job's ``require_match``: why each of ``records``, about to be created on this side,
        relates to none of this side's people (None: it does, e.g. an attendee is a Salesforce contact or
        lead).

        The planner asks once per sync, with every such record of the kind, and reports the ones with a reason
        as skipped (not as errors); they are looked at again when they change. Called only when the job sets
        ``require_match``. The default relates every record: a side without people never holds one back.
        """
        return [None] * len(records)

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

    def unfit_reason(self, record: Record) -> str | None:
        """Why this side cannot hold ``record`` as it is, or None when it can.

        For limits that depend on the record rather than on its kind: a series whose rule this side cannot
        express (Salesforce's classic series end after 100 daily occurrences; Recurrence2 takes at most 512
        characters), a recurring task of a kind it has no field for. The engine asks before it writes a series or a
        recurring task; a series that does not fit is written as its occurrences or reported, as the settings say.
        The default accepts everything ``capabilities`` declares.
        """
        return None

    def represent(self, record: Record) -> Record:
        """Return ``record`` as this side would store it (e.g. a tentative event becomes busy in Salesforce).

        The engine compares a side's records against the base *as this side represents it*, so a value the
        side cannot hold is not mistaken for an edit. The default keeps the record unchanged.
        """
        return record

    def close(self) -> None:
        """Release connections. The default does nothing."""


@attrs.frozen(kw_only=True)
class ConnectionCheck:
    """What :meth:`Adapter.check_connection` found.

    :ivar details: one line for the user ("signed in as me@example.com at https://acme.my.salesforce.com")
    :ivar server_time: the server's clock (an aware datetime), when the backend tells it; ``syncore doctor``
        compares it with this computer's clock
    """

    details: str
    server_time: datetime | None = None


class EmulatedBackend(ABC):
    """A backend's emulator running on 127.0.0.1, with what it takes to reach it.

    Adapter packages offer one through the ``syncore.emulators`` entry-point group: the entry point names a
    callable ``start(*, external=False)`` that starts the emulator and returns an instance (``external``: other
    processes will reach it through :meth:`settings`, e.g. over TLS). ``syncore demo`` and ``syncore emulators``
    find them there, so the core never imports an adapter. Use it as a context manager, or call :meth:`close`.
    """

    #: the adapter name (registry) that talks to this emulator
    adapter_name: ClassVar[str]
    #: the side this backend plays in the demo
    side: ClassVar[Side]

    @abstractmethod
    def adapter(self) -> Adapter:
        """A new adapter connected to the emulator (through the real client library)."""

    @abstractmethod
    def settings(self, secrets_dir: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The ``options`` and ``credentials`` tables of a settings file that reaches this emulator.

        Secrets (a password, a session id) are written to owner-only files in ``secrets_dir`` and referenced
        as ``file:`` credentials; the emulator's CA certificate, when it serves TLS, goes there too.
        """

    @property
    @abstractmethod
    def description(self) -> str:
        """One line for the user: what runs where ("Salesforce emulator at https://127.0.0.1:PORT")."""

    @abstractmethod
    def close(self) -> None:
        """Stop the emulator."""

    def __enter__(self) -> EmulatedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StateStore(ABC):
    """The engine's memory between syncs: pairs, cursors, tombstones, journal, pending items, history.

    Everything is scoped by *profile* (one store can hold several PIM/CRM pairs of accounts) and kind.
    Writes made inside :meth:`transaction` are committed together or not at all; a crash loses at most the
    transaction in progress.
    """

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A context in which all writes commit atomically (re-entrant: inner contexts join the outer one)."""

    def durable_transaction(self) -> AbstractContextManager[None]:
        """An outermost :meth:`transaction` whose commit is on disk when it returns, power loss included.

        The executor journals write intents in one before sending the writes: a journal entry lost after its
        write was made would let the next sync make the write again. The default is :meth:`transaction`, right
        for a store whose every commit is durable (PostgreSQL's default); a store that relaxes durability for
        speed overrides it (SQLite in WAL mode).
        """
        return self.transaction()

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

    def not_at_stored_version(
        self, profile: str, kind: Kind, side: Side, listed: Collection[tuple[str, str | None]]
    ) -> set[str]:
        """The ids of ``listed`` ((native id, version) as a feed reports them, in its order) that are not paired
        on ``side`` at that very version: unpaired ids, ids listed without a version, ids whose stored version
        differs. An id listed more than once may be named whatever its versions.

        The planner sets aside every other listed record as an echo of our own write, unchanged since the
        last sync (a record named needlessly only costs loading its pair). An echo lists nearly every record
        of the scope (100,000 after an initial load) and the answer is then nearly empty, so a store should
        compare in one pass over its version column without building a version per id; the default compares
        :meth:`pair_versions`.
        """
        listed = dict(listed)
        stored = self.pair_versions(profile, kind, side, list(listed))
        return {native_id for native_id, version in listed.items()
                if version is None or native_id not in stored or stored[native_id] != version}

    @abstractmethod
    def iter_pairs(self, profile: str, kind: Kind) -> Iterator[Pair]:
        """Every pair of ``kind`` (used by rebuilds, never by an incremental sync)."""

    def paired_ids(self, profile: str, kind: Kind, side: Side) -> set[str]:
        """Every native id of ``side`` that a pair of ``kind`` holds (a full scan looks for those it did not list).

        The default goes through :meth:`iter_pairs`; a store should answer from its id column alone.
        """
        return {pair.id_on(side) for pair in self.iter_pairs(profile, kind)}

    def pairs_by_prefix(self, profile: str, kind: Kind, side: Side, prefix: str) -> list[Pair]:
        """The pairs whose native id on ``side`` starts with ``prefix`` (a non-empty string).

        The planner finds a series' occurrence pairs (``"<series id>#"``) and the series whose occurrences the
        other side holds (``"series:"``) this way. The default scans every pair; a store should use its index.
        """
        return [pair for pair in self.iter_pairs(profile, kind) if pair.id_on(side).startswith(prefix)]

    def series_with_occurrence_pairs(self, profile: str, kind: Kind, side: Side) -> set[str]:
        """The series ids that have occurrence pairs on ``side``: for every pair of ``kind`` whose native id on
        ``side`` is an occurrence id (``"<series id>#<original start>"``, as
        :func:`syncore.occurrences.split_occurrence_id` reads it: the part before the *last* ``#``, and a start
        that parses), its series id. Ids with a ``#`` that are no occurrence id (``"X#notes"``) give nothing.

        The planner asks once per sync and side, only when it has a record to look up: a new single event or an
        unpaired deletion is a series whose first expansion was cut short when its id is in the answer (then
        its occurrence pairs are loaded with :meth:`pairs_by_prefix`), instead of one prefix lookup per record.

        Not abstract: the default answers from :meth:`paired_ids` (so from :meth:`iter_pairs` unless the store
        overrides that), correct for any store that keeps the other methods' contract. A store should read its
        id column alone and let its query skip the ids without a ``#``.
        """
        return series_of_occurrence_ids(self.paired_ids(profile, kind, side))

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
    def mark_sent(self, intent_ids: Iterable[str], at: datetime) -> None:
        """Mark open intents journaled ahead of their batch (``Intent.sent_at`` None) as sent ``at``: called in the
        commit just before their batch goes out. ``open_intents`` reports that time from then on; ids not open are
        ignored. (A mark lost to a power cut makes an update's recovery less sure, never wrong: an update reported
        unsent is taken as not landed, which is what recovery assumed of every update before; a create reported
        unsent is still looked for, as every create is.)"""

    @abstractmethod
    def open_intents(self, profile: str, kind: Kind) -> list[Intent]:
        """Intents journaled but never completed: writes a crash may have left half-done."""

    # -- creates not yet seen in a net-change feed --------------------------------------------------------
    @abstractmethod
    def add_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        """Remember records the engine created on a side whose feed reports net changes only.

        Such a feed never reports a record created and deleted between two reads, so until the feed has shown
        it, the next sync looks each one up (see :attr:`~syncore.remote.Capabilities.net_change_feed`).
        """

    @abstractmethod
    def unconfirmed(self, profile: str, kind: Kind, side: Side) -> set[str]:
        """The records :meth:`add_unconfirmed` remembered and no applied plan has accounted for yet."""

    @abstractmethod
    def forget_unconfirmed(self, profile: str, kind: Kind, side: Side, ids: Iterable[str]) -> None:
        """Drop records the feed (or a lookup) has accounted for."""

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

    def close(self) -> None:
        """Release the underlying storage."""


class SecretsProvider(ABC):
    """Where credentials live besides environment variables and the system keyring (a vault, a cloud secret
    manager): settings name a secret as ``"SCHEME:PATH"`` and the provider registered for ``SCHEME`` returns it.

    The server mode (``syncore_server``) resolves every profile's credentials at the start of each sync, so a
    rotated secret is picked up without a restart, and never stores a secret: only the reference is kept.
    """

    #: the reference prefix this provider answers, e.g. ``"vault"`` for ``"vault:kv/sales/alice"``
    scheme: ClassVar[str]

    @abstractmethod
    def get_secret(self, path: str) -> str:
        """The secret at ``path``.

        :raises ConfigurationError: when there is none; the message names ``path``, never a secret
        """
