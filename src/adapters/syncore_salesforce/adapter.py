"""The Salesforce adapter: Event, Task and Contact through the REST API (simple-salesforce)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import attrs
import requests
from simple_salesforce import Salesforce

from syncore.abc import Adapter, ConnectionCheck
from syncore.errors import AdapterError, ConfigurationError, UnsupportedRecord
from syncore.models import Event, Kind, Record, Task
from syncore.remote import (
    Capabilities,
    ChangeSet,
    CreateRequest,
    CutRequest,
    DeleteRequest,
    RecurrenceSupport,
    RemoteRecord,
    UpdateRequest,
    WriteOutcome,
)

from ._accounts import AccountDirectory
from ._auth import ClientFactory
from ._batches import BatchWrites
from ._collections import MAX_RETRIEVE_IDS, MAX_WRITE_BATCH
from ._conditional import Conditions
from ._describe import DescribeCache
from ._limits import ApiBudget
from ._lookup import Lookup
from ._mapping import Mapping, contacts, events, tasks
from ._mapping import series as series_mapping
from ._query import DEFAULT_OVERLAP, ChangeFeed
from ._relate import Policy
from ._relations import Relations
from ._routing import deletes_series, is_series, names_series, split_writes
from ._rows import RowMapper
from ._scope import Scope
from ._series_cut import cut_series
from ._series_read import SeriesReader
from ._series_write import SeriesWriter
from ._signin import SignIn
from ._task_series import TaskSeries, creates_series
from ._transport import BACKOFF_SECONDS, MAX_RETRIES, Transport
from ._writes import ActivityWrites, ContactWrites
from .converter import is_record_id, to18
from .options import CREDENTIAL_NAMES, FeedMode, RelatedTo, SalesforceOptions, feed_mode_of

log = logging.getLogger(__name__)

MAPPINGS: dict[Kind, Mapping] = {m.kind: m for m in (events.MAPPING, tasks.MAPPING, contacts.MAPPING)}
#: the first three characters of every id of each synced object (Object Reference key prefixes; reference §1.7)
KEY_PREFIXES: dict[Kind, str] = {Kind.EVENT: "00U", Kind.TASK: "00T", Kind.CONTACT: "003"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SalesforceAdapter(SignIn, Adapter):
    """Salesforce Events, Tasks and Contacts as syncore records.

    NATIVE ID
        The 18-character record Id.
    VERSION
        A hash of the mapped content (sObject Collections writes do not return the new ``SystemModstamp``, and
        a save that changes no synced field is no change). Updates are conditional on it: each batch reads its
        targets first and refuses those whose version moved (:mod:`._conditional`).
    CURSOR
        JSON: the highest ``SystemModstamp`` seen, when it was read, and the rows already reported that the
        next read can return again (see :mod:`syncore_salesforce._query`).
    LINK
        The value of the External ID field named by ``link_field`` (optional).

    :param sf: a ready ``simple_salesforce.Salesforce`` (see :meth:`login` to build one from credentials), or
        ``None`` to sign in with ``relogin`` at the first call
    :param kinds: the kinds to sync (default: all three)
    :param scope: ``"owner"`` (default): only records owned by the running user (``OwnerId``); ``"all"``:
        every record the user can see
    :param owner_id: the user whose records are in scope (default: the running user, looked up once)
    :param extra_filter: a SOQL condition ANDed to every feed and scan query, e.g. ``"Type = 'Meeting'"``.
        It is **trusted input** from the configuration and is sent as written, never built from record data.
    :param link_field: an External ID text field present on Event, Task and Contact (e.g.
        ``"Syncore_Link__c"``): creates become upserts on it (idempotent) and ``capabilities.link_ids`` is true
    :param series_form: how new event series are written: ``"auto"`` (default: Lightning where the org lets the
        API create one, classic otherwise), ``"lightning"`` or ``"classic"`` (see docs/recurrence.md)
    :param series: sync recurring event series as series (``capabilities.recurrence`` = RULES; the default).
        Off: every row of a series is reported as unsupported and left alone (docs/recurrence.md).
    :param writes_land_within: how long a create whose answer never came may still be made (Salesforce documents
        a 10-minute call timeout): until then its copy is waited for, not created again (``Capabilities``)
    :param task_recurrence: sync recurring series of tasks and repeating tasks as recurring tasks
        (``capabilities.task_recurrence``; the default). Off: they are reported as unsupported and left alone.
    :param overlap: how far before the previous read the feed re-reads, for rows committed late, when Get Updated
        gave it no ``latestDateCovered`` (otherwise the read starts there)
    :param feed_mode: ``"fresh"`` (default: a sync reports an edit made seconds ago) or ``"settled"`` (a row is
        reported once Get Updated covers it: read once, a minute or two later; :class:`FeedMode`)
    :param max_api_share: stop with QuotaExhausted once the org has used this share of its daily API requests
    :param clock: returns the current aware UTC time (for cursor ages)
    :param sleep: used for back-off between retries (inject a no-op in tests)
    :param relogin: returns a freshly logged-in client after INVALID_SESSION_ID (set by :meth:`login`)
    :param create_accounts: a contact's company is its Account, created when none of that name exists (off:
        the contact is written without one, with a warning; see docs/relations.md)
    :param relate_activities: relate events and tasks to the Contacts (then Leads) among their attendees (a
        task: its contacts): ``WhoId``, ``WhatId`` and EventRelation / TaskRelation rows that follow changes
        (see :mod:`._relations`)
    :param relate_leads: look among open Leads for addresses no Contact has
    :param related_to: ``"unique"``, ``"first"`` or ``"never"``: what ``WhatId`` names (:class:`RelatedTo`)
    :param shared_activities: the org relates an activity to several people (off: the ``WhoId`` only)
    :param ignore: addresses and domains never looked up nor related
    :param ignore_own_domain: also ignore the domain of the running user's email address
    :param attendees_from_relations: events read from Salesforce carry their related people's addresses as
        attendees, so an event made in Salesforce reaches Outlook/Exchange with them (written without sending
        an invitation); off by default: adding attendees turns an appointment into a meeting
    """

    adapter_name: ClassVar[str] = "salesforce"
    display_name = "Salesforce"
    options_type: ClassVar[type] = SalesforceOptions
    credential_names: ClassVar[frozenset[str]] = CREDENTIAL_NAMES
    starter_credentials: ClassVar[tuple[str, ...]] = ("password", "security_token")
    #: sObject Collections: at most 200 records per write call (reference §3.2)
    MAX_WRITE_BATCH: ClassVar[int] = MAX_WRITE_BATCH
    #: sObject Collections retrieve: at most 2,000 ids per call (reference §3.1)
    MAX_READ_BATCH: ClassVar[int] = MAX_RETRIEVE_IDS

    def __init__(
        self,
        sf: Salesforce | None,
        *,
        kinds: Collection[Kind] = tuple(Kind),
        scope: str = "owner",
        owner_id: str | None = None,
        extra_filter: str | None = None,
        link_field: str | None = None,
        overlap: timedelta = DEFAULT_OVERLAP,
        feed_mode: str | FeedMode = FeedMode.FRESH,
        max_api_share: float = 1.0,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = MAX_RETRIES,
        backoff: float = BACKOFF_SECONDS,
        relogin: ClientFactory | None = None,
        create_accounts: bool = True,
        relate_activities: bool = True,
        relate_leads: bool = True,
        related_to: str | RelatedTo = RelatedTo.UNIQUE,
        shared_activities: bool = True,
        ignore: Collection[str] = (),
        ignore_own_domain: bool = True,
        attendees_from_relations: bool = False,
        series_form: str = "auto",
        series: bool = True,
        task_recurrence: bool = True,
        writes_land_within: timedelta = timedelta(minutes=10),
    ) -> None:
        if series_form not in ("auto", "lightning", "classic"):
            raise ConfigurationError(f"series_form: expected \"auto\", \"lightning\" or \"classic\", got "
                                     f"{series_form!r}", key="series_form", value=series_form)
        settled = feed_mode_of(feed_mode) is FeedMode.SETTLED
        if link_field is not None and not link_field.replace("_", "").isalnum():
            raise ConfigurationError(f"link_field: {link_field!r} is not a field name", key="link_field")
        if sf is None and relogin is None:
            raise ConfigurationError("a Salesforce client or credentials to sign in with are needed", key="sf")
        self.transport = Transport(sf, relogin=relogin, budget=ApiBudget(max_api_share), max_retries=max_retries,
                                   backoff=backoff, sleep=sleep)
        self.describe = DescribeCache(self.transport)
        self.scope = Scope(self.transport, scope=scope, owner_id=owner_id, extra_filter=extra_filter,
                           link_field=link_field)
        self.link_field = link_field
        self._clock = clock or _utcnow
        self._sleep = sleep
        self._backoff = backoff
        try:
            policy = Policy(related_to=RelatedTo(related_to), shared_activities=shared_activities)
        except ValueError:
            raise ConfigurationError(f"related_to: {related_to!r} is not one of: never, unique, first",
                                     key="related_to", value=related_to) from None
        self.relations = Relations(self.transport, self.scope, enabled=relate_activities, leads=relate_leads,
                                   policy=policy, ignore=tuple(ignore), ignore_own_domain=ignore_own_domain,
                                   sleep=sleep, backoff=backoff)
        self.accounts = AccountDirectory(self.transport, create=create_accounts)
        self.attendees_from_relations = attendees_from_relations
        self._caps = Capabilities(
            kinds=frozenset(kinds), formatted_bodies=False, link_ids=link_field is not None,
            max_create_batch=MAX_WRITE_BATCH, max_update_batch=MAX_WRITE_BATCH, max_delete_batch=MAX_WRITE_BATCH,
            max_fetch_batch=MAX_RETRIEVE_IDS,
            recurrence=RecurrenceSupport.RULES if series else RecurrenceSupport.NONE,
            # a Lightning series through fromThisEventOnwards, a classic one through a new end date
            cuts_series=series,
            task_recurrence=task_recurrence,
            # an event's attendees and a task's contacts become relations, never read back; without
            # create_accounts a company may find no Account
            write_only_fields=frozenset({"attendees", "contacts"}) if relate_activities else frozenset(),
            lossy_empty_fields=frozenset() if create_accounts else frozenset({"company"}),
            writes_land_within=writes_land_within,
            # what a create writes after the record is inserted, in later requests: an event's other people and a
            # task's contacts as relation rows (_batches.create -> ActivityWrites.after_create), an event series'
            # cancelled and modified occurrences (_series_write.create -> _series_steps.apply), the open
            # occurrences before a task series' due date removed (create -> _close_before_due: its due reads
            # earlier until then). A contact's Account goes in with the insert (ContactWrites.before)
            create_completes=(frozenset({"attendees", "contacts"}) if relate_activities else frozenset())
            | (frozenset({"recurrence"}) if series else frozenset())
            | (frozenset({"due"}) if task_recurrence else frozenset()),
        )
        self._series = series
        self.series_reader = SeriesReader(self.transport, self.scope, self.event_select, self._with_link)
        self.task_recurrence = task_recurrence
        self.task_series = TaskSeries(self.transport, self.scope, lambda: self._select(MAPPINGS[Kind.TASK]),
                                      self._with_link, enabled=task_recurrence)
        self.rows = RowMapper(MAPPINGS, self.series_reader if series else None, self.task_series, self._with_link)
        self.series_writer = SeriesWriter(self, series_form)
        self.lookup = Lookup(self.transport, self.scope, self.rows, MAPPINGS, self._select, link_field)
        self._feeds = {
            kind: ChangeFeed(self.transport, sobject=m.sobject, select=self._select(m), scope=self.scope.condition,
                             overlap=overlap, clock=self._clock, settled=settled,
                             # a renamed Account changes its contacts' company without touching them
                             also_changed=("Account.SystemModstamp",) if kind is Kind.CONTACT else ())
            for kind, m in MAPPINGS.items()
        }
        self._writes = BatchWrites(self.transport, self.describe, MAPPINGS, link_field=link_field,
                                   contacts=ContactWrites(self.accounts), activities=ActivityWrites(self.relations),
                                   conditions=Conditions(self.lookup.by_id, self.represent), sleep=sleep,
                                   backoff=backoff)

    # -- engine-facing interface ----------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def represent(self, record: Record) -> Record:
        return MAPPINGS[record.kind].represent(record)

    def unfit_reason(self, record: Record) -> str | None:
        """What Salesforce cannot hold of a series or recurring task (see docs/recurrence.md)."""
        if isinstance(record, Event) and record.recurrence is not None:
            return self.series_writer.unfit(record)
        if isinstance(record, Task) and record.recurrence is not None:
            return tasks.recurrence_unfit(record)
        return None

    def check_connection(self) -> ConnectionCheck:
        """One call (the REST resource list, after signing in); the server's clock from the reply's ``Date``."""
        dates: list[str] = []

        def remember_date(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if response.headers.get("Date"):
                dates.append(response.headers["Date"])

        def probe(sf: Salesforce) -> Any:
            hooks = sf.session.hooks["response"]
            hooks.append(remember_date)  # requests' public response hooks; removed again below
            try:
                return sf.restful("")
            finally:
                hooks.remove(remember_date)

        self.transport.call("connection check", probe)
        sf = self.transport.sf
        assert sf is not None
        return ConnectionCheck(details=f"signed in at https://{sf.sf_instance} (REST API {sf.sf_version})",
                               server_time=parsedate_to_datetime(dates[-1]) if dates else None)

    def changes(self, kind: Kind, cursor: str) -> ChangeSet:
        self._begin(kind)
        rows, new_cursor = self._feed(kind).changes(cursor)
        upserts, deletions, unsupported = self.rows.split(kind, rows)
        upserts = tuple(self._with_attendees(kind, upserts))
        log.debug("%s changes: %d upserts, %d deletions", kind.value, len(upserts), len(deletions))
        return ChangeSet(upserts=upserts, deletions=deletions, unsupported=unsupported, cursor=new_cursor)

    def full_scan(self, kind: Kind) -> ChangeSet:
        self._begin(kind)
        rows, cursor = self._feed(kind).full_scan()
        upserts, _, unsupported = self.rows.split(kind, rows)
        return ChangeSet(upserts=tuple(self._with_attendees(kind, upserts)), unsupported=unsupported,
                         cursor=cursor, complete=True)

    def unmatched(self, kind: Kind, records: Sequence[Record]) -> list[str | None]:
        """For ``require_match``: why each event or task relates to no Salesforce contact or lead (see
        :meth:`syncore.abc.Adapter.unmatched`); the lookups are kept for the creates that follow."""
        return self.relations.unmatched(self._kind(kind), records)

    def is_native_id(self, kind: Kind, value: str) -> bool:
        """A 15- or 18-character id (18: checksum matching) with the kind's key prefix (Event 00U, Task 00T,
        Contact 003)."""
        return is_record_id(value, KEY_PREFIXES[Kind(kind)])

    def fetch(self, kind: Kind, ids: Sequence[str]) -> dict[str, RemoteRecord]:
        """Records by id, **only those in scope**: an id of another object, of another user's record (scope
        ``owner``) or of a record outside ``extra_filter`` is reported as not found, so a link naming it
        cannot pair with it (see :meth:`._lookup.Lookup.by_id`)."""
        kind = self._kind(kind)
        # ids of another object or malformed ones are not this adapter's records: nothing to look up
        found = self.lookup.by_id(kind, [i for i in ids if self.is_native_id(kind, i)])
        return dict(zip(found, self._with_attendees(kind, list(found.values())), strict=True))

    def find_by_link(self, kind: Kind, links: Collection[str]) -> dict[str, RemoteRecord]:
        """Records in scope whose ``link_field`` holds one of ``links`` (case-insensitive, like Salesforce)."""
        found = self.lookup.by_link(self._kind(kind), links)
        return dict(zip(found, self._with_attendees(kind, list(found.values())), strict=True))

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """Create records (upserts on ``link_field`` when set); events come with their Who, What and
        relations, contacts with their Account (see :mod:`._batches`); event series go to the series writer."""
        if Kind(kind) is Kind.EVENT and self._series and any(is_series(r.record) for r in requests):
            return split_writes(requests, lambda r: is_series(r.record), self.series_writer.create,
                                      lambda rest: self.create(kind, rest))
        outcomes = self._writes.create(self._kind(kind), requests)
        if Kind(kind) is Kind.TASK and self.task_recurrence:
            self._close_before_due([(o.id, r.record) for r, o in zip(requests, outcomes, strict=True)
                                    if o.ok and o.id and r in creates_series(requests)], outcomes, requests)
        return outcomes

    def _close_before_due(self, written: list[tuple[str, Any]], outcomes: list[WriteOutcome],
                          requests: Sequence[Any]) -> None:
        """A series written with a later due date: its earlier open occurrences go (see :mod:`._task_series`)."""
        try:
            warnings = self.task_series.close_before_due(written)
        except AdapterError as exc:
            # the series themselves were written: their outcomes stand; the next read shows the earlier due date
            warnings = {to18(sid): [f"the occurrences before the due date could not be removed: {exc}"]
                        for sid, _ in written}
        for index, (request, outcome) in enumerate(zip(requests, outcomes, strict=True)):
            extra = warnings.get(to18(outcome.id)) if outcome.ok and outcome.id else None
            if extra:
                outcomes[index] = attrs.evolve(outcome, warnings=outcome.warnings + tuple(extra))

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """Write the named fields; an attendee change re-relates the event (only what syncore made is undone:
        the request's ``previous`` base says what that was), a company change moves the contact's Account. A
        series, or one occurrence named by its occurrence id, goes to the series writer."""
        if Kind(kind) is Kind.EVENT and self._series and any(names_series(r.id, r.record) for r in requests):
            return split_writes(requests, lambda r: names_series(r.id, r.record), self.series_writer.update,
                                      lambda rest: self.update(kind, rest))
        if Kind(kind) is Kind.TASK and self.task_recurrence:
            refused = self.task_series.refuse_kind_changes(requests)
            rest = [r for r in requests if r.ref not in refused]
            done = {o.ref: o for o in (self._writes.update(Kind.TASK, rest) if rest else [])}
            outcomes = [refused.get(r.ref) or done[r.ref] for r in requests]
            self._close_before_due([(to18(r.id), r.record) for r, o in zip(requests, outcomes, strict=True)
                                    if o.ok and "due" in r.fields], outcomes, requests)
            return outcomes
        return self._writes.update(self._kind(kind), requests)

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        if Kind(kind) is Kind.EVENT and self._series and any(deletes_series(r) for r in requests):
            return split_writes(requests, deletes_series, self.series_writer.delete,
                                      lambda rest: self.delete(kind, rest))
        return self._writes.delete(self._kind(kind), requests)

    def cut_series(self, kind: Kind, requests: Sequence[CutRequest]) -> list[WriteOutcome]:
        """End event series before a date, keeping their earlier occurrences (:mod:`._series_cut`)."""
        if Kind(kind) is not Kind.EVENT:
            return [WriteOutcome(ref=r.ref, error=UnsupportedRecord("only event series are cut")) for r in requests]
        return cut_series(self.series_writer.steps, requests)

    def close(self) -> None:
        session = getattr(self.transport.sf, "session", None)
        if session is not None:
            session.close()

    # -- helpers --------------------------------------------------------------------------------------
    def _begin(self, kind: Kind) -> None:
        """A sync starts reading ``kind``: people are looked up afresh for what follows."""
        if self.relations.spec(self._kind(kind)) is not None:
            self.relations.forget()

    def _feed(self, kind: Kind) -> ChangeFeed:
        return self._feeds[self._kind(kind)]

    def _with_attendees(self, kind: Kind, items: Sequence[RemoteRecord]) -> list[RemoteRecord]:
        """With ``attendees_from_relations``: events carry their related people's addresses."""
        return self.relations.with_attendees(kind, items) if self.attendees_from_relations else list(items)

    def _kind(self, kind: Kind) -> Kind:
        kind = Kind(kind)
        if kind not in self._caps.kinds:
            raise ConfigurationError(f"this Salesforce adapter does not sync {kind.value}s", key="kind")
        return kind

    def _with_link(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "_link": row.get(self.link_field)} if self.link_field else row

    def _select(self, mapping: Mapping) -> tuple[str, ...]:
        return mapping.select + ((self.link_field,) if self.link_field else ())

    def event_select(self) -> tuple[str, ...]:
        """The Event fields a series' rows are read with (the feed's, and the pattern text)."""
        return self._select(MAPPINGS[Kind.EVENT]) + series_mapping.SELECT

    def is_native_id_of_event(self, value: str) -> bool:
        return is_record_id(value, KEY_PREFIXES[Kind.EVENT])

    @property
    def owner_id(self) -> str:
        """The user whose records are in scope (see :class:`~._scope.Scope`)."""
        return self.scope.owner_id
