"""The rows a :class:`~syncore.abc.StateStore` keeps."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from .models import PIM, Body, Kind, Record, Side


@attrs.frozen(kw_only=True)
class Pair:
    """Two native ids known to be the same record, and the base they last agreed on.

    :ivar base: the record as both sides last agreed (the common ancestor for three-way merge)
    :ivar pim_body: set when the PIM kept its formatted body while the CRM's text moved on; it is the body
        the PIM side had then, so a later edit there is still noticed
    """

    profile: str
    kind: Kind
    pair_id: str
    pim_id: str
    crm_id: str
    pim_version: str | None
    crm_version: str | None
    base: Record
    pim_body: Body | None = None
    #: fields under an unresolved conflict; they are compared side against side (not against the base)
    conflicts: frozenset[str] = frozenset()

    def id_on(self, side: Side) -> str:
        """This pair's native id on ``side``."""
        return self.pim_id if side is PIM else self.crm_id

    def version_on(self, side: Side) -> str | None:
        """The last version seen on ``side``."""
        return self.pim_version if side is PIM else self.crm_version


class Action(str, enum.Enum):
    """What an operation does to its target side."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


#: the actions as plain names for the code that runs per record (see :data:`syncore.models.PIM`)
CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE


@attrs.frozen(kw_only=True)
class Intent:
    """A write about to be made, journaled first so a crash right after it can be recovered."""

    intent_id: str
    profile: str
    kind: Kind
    side: Side
    action: Action
    pair_id: str | None
    target_id: str | None
    source_id: str | None
    created_at: datetime
    #: for a create: the content hash of the record as the target stores it
    fingerprint: str | None = None
    #: for an update: the pair's new base and the fields written from it. A later sync that finds the target
    #: holding exactly those values adopts them into the pair's base, so our own write, interrupted before its
    #: outcome was stored, is never mistaken for a user's edit
    written: Record | None = None
    fields: frozenset[str] = frozenset()
    #: when its batch was sent (by default: when journaled); None while it is journaled ahead of its batch and that batch has not been sent (the
    #: executor marks a batch sent, :meth:`~syncore.abc.StateStore.mark_sent`, in the commit just before sending
    #: it). An open intent never sent cannot have landed; one sent may have, and a create may still land until
    #: the target's ``Capabilities.writes_land_within`` has passed since (docs/concepts.md, "Interrupted syncs")
    sent_at: datetime | None = attrs.field(default=attrs.Factory(lambda self: self.created_at, takes_self=True))

    @property
    def sent(self) -> bool:
        """Whether its batch was sent (so its write may have been made)."""
        return self.sent_at is not None


class PendingCategory(str, enum.Enum):
    """Why an item waits for a later sync."""

    FAILED = "failed"  # a write failed; retried with back-off
    CONFLICT = "conflict"  # both sides changed a field and the policy is manual
    EXCLUDED = "excluded"  # the user excluded the operation at review; offered again next time
    AMBIGUOUS = "ambiguous"  # first-sync matching found more than one candidate


@attrs.frozen(kw_only=True)
class PendingItem:
    """A record the next syncs must look at again, even if its side reports no change."""

    profile: str
    kind: Kind
    side: Side
    native_id: str
    category: PendingCategory
    reason: str
    pair_id: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    ignored: bool = False


@attrs.frozen(kw_only=True)
class LockHolder:
    """Who holds a profile's sync lock, and until when (shown by the "locked" message and ``syncore unlock``).

    :ivar owner: the holding engine's lock token (unique per :class:`~syncore.SyncEngine` instance)
    :ivar host: / pid: where the holder runs, so a holder that died on this host is recognised at once
    :ivar acquired_at: when the current holder took the lock
    :ivar expires_at: the end of the lease; the holder renews it while it works, a crashed holder lets it lapse
    """

    owner: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One sync run, as listed by ``syncore history``."""

    profile: str
    kind: Kind
    started_at: datetime
    finished_at: datetime
    ok: bool
    summary: dict[str, Any] = attrs.field(factory=dict)
