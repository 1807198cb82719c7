"""What a sync did: :class:`SyncResult`, its :class:`Summary` table, and the :class:`SyncEvent` stream."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from .models import Contact, Event, Kind, Record, Side
from .occurrences import split_occurrence_id
from .state_types import Action


def describe_record(record: Record | None, native_id: str | None = None,
                    zones: Mapping[str, str] | None = None) -> str:
    """A short human label for a record in messages: an item's subject, or a contact's name.

    A recurring series says so (``event series 'Weekly 1:1'``, ``recurring task 'Report'``). An occurrence of a series (``native_id`` is an
    occurrence id, :mod:`syncore.occurrences`) adds its start on the wall clock of its series' zone, looked up in
    ``zones`` by series id (``event 'Weekly 1:1' on 2026-03-23 09:00 CET``; in UTC when the zone is not known):
    a series' occurrences share their subject, so the subject alone names none of them.
    """
    if record is None:
        return "record"
    if isinstance(record, Contact):
        name = " ".join(part for part in (record.first_name, record.last_name) if part)
        return describe_item(Kind.CONTACT, name or record.email or record.company)
    subject = getattr(record, "subject", "")
    if getattr(record, "recurrence", None) is not None:
        return describe_item(record.kind, subject, series=True)
    split = split_occurrence_id(native_id) if native_id else None
    if split is None or not isinstance(record, Event):
        return describe_item(record.kind, subject)
    series_id, start = split[0], record.start
    if isinstance(start, datetime):
        tz = ZoneInfo((zones or {}).get(series_id, "UTC"))  # (zones hold IANA names the core checked)
        return f"{record.kind.value} '{subject}' on {start.astimezone(tz).strftime('%Y-%m-%d %H:%M %Z')}"
    return f"{record.kind.value} '{subject}' on {start.isoformat()}"


def describe_item(kind: Kind, name: str, *, series: bool = False) -> str:
    """The label :func:`describe_record` gives, for an item known only by its kind and its subject (a contact:
    its name): what an adapter puts in :attr:`~syncore.remote.Unsupported.label` for an item it cannot map to
    a record (``event series 'Weekly 1:1'``, ``recurring task 'Report'``, ``contact 'Ada Lovelace'``)."""
    if series and kind is Kind.EVENT:
        return f"event series '{name}'"
    if series and kind is Kind.TASK:
        return f"recurring task '{name}'"
    return f"{kind.value} '{name}'"


class EventType(str, enum.Enum):
    """What a :class:`SyncEvent` reports (the auto-sync notifications filter on these)."""

    STARTED = "started"
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    CONFLICT = "conflict"
    BODY_KEPT = "body_kept"
    SKIPPED = "skipped"
    ERROR = "error"
    #: a background plan the safety policy flagged was saved for review instead of applied
    HELD = "held"
    COMPLETED = "completed"


@attrs.frozen(kw_only=True)
class SyncEvent:
    """One thing that happened during a sync, sent to the engine's ``on_event`` callback."""

    type: EventType
    kind: Kind
    profile: str
    message: str
    side: Side | None = None
    record_id: str | None = None


@attrs.frozen(kw_only=True)
class RecordError:
    """A record that could not be written, with the reason; it is retried at later syncs."""

    side: Side
    native_id: str | None
    action: Action
    message: str
    code: str | None = None
    #: the record as a person knows it: "event 'Kickoff'", "contact 'Ada Lovelace'"
    label: str = ""

    def __str__(self) -> str:
        return f"{self.side.value} {self.action.value} of {self.label or self.native_id}: {self.message}"


#: failed records listed by name under a summary table (and kept in the history)
MAX_ERROR_LINES = 20


@attrs.frozen(kw_only=True)
class Summary:
    """Counts of one sync run: per side × action, conflicts, skips, errors, and the duration."""

    kind: Kind
    counts: dict[tuple[Side, Action], int]
    conflicts: int
    unresolved_conflicts: int
    skipped: int
    errors: int
    duration: timedelta
    held_for_review: bool = False
    #: one line per failed record, naming it (shown under the table; the first few are kept in the history)
    error_lines: tuple[str, ...] = ()

    @property
    def changes(self) -> int:
        """Records written in total."""
        return sum(self.counts.values())

    def count(self, side: Side, action: Action) -> int:
        """Records ``action``-ed on ``side``."""
        return self.counts.get((side, action), 0)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (kept in the sync history)."""
        return {
            "kind": self.kind.value,
            "counts": {f"{side.value}.{action.value}": n for (side, action), n in self.counts.items() if n},
            "conflicts": self.conflicts,
            "unresolved_conflicts": self.unresolved_conflicts,
            "skipped": self.skipped,
            "errors": self.errors,
            "duration_s": round(self.duration.total_seconds(), 3),
            "held_for_review": self.held_for_review,
            **({"error_lines": list(self.error_lines[:MAX_ERROR_LINES])} if self.error_lines else {}),
        }

    def render(self, labels: Mapping[Side, str] | None = None) -> str:
        """A readable table, as the product's synchronization summary shows it.

        :param labels: the column titles per side (see :func:`syncore.display.side_labels`; default PIM, CRM)
        """
        title = f"{self.kind.value.capitalize()} sync"
        names = labels or {Side.PIM: "PIM", Side.CRM: "CRM"}
        rows = [("", names[Side.PIM], names[Side.CRM])]
        for action in Action:
            rows.append((action.value + "d", str(self.count(Side.PIM, action)), str(self.count(Side.CRM, action))))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        line = "+".join("-" * (w + 2) for w in widths)
        out = [title, line]
        for index, row in enumerate(rows):
            out.append("|".join(f" {cell:<{widths[i]}} " if i == 0 else f" {cell:>{widths[i]}} " for i, cell in enumerate(row)))
            if index == 0:
                out.append(line)
        out.append(line)
        out.append(
            f"conflicts: {self.conflicts} ({self.unresolved_conflicts} left for review)   skipped: {self.skipped}   "
            f"errors: {self.errors}   time: {self.duration.total_seconds():.1f} s"
        )
        if self.held_for_review:
            out.append("held for review: nothing was written (see the plan)")
        out.extend(f"  ! {line}" for line in self.error_lines[:MAX_ERROR_LINES])
        if len(self.error_lines) > MAX_ERROR_LINES:
            out.append(f"  … and {len(self.error_lines) - MAX_ERROR_LINES} more failed records")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


@attrs.define(kw_only=True)
class SyncResult:
    """The outcome of :meth:`SyncEngine.apply` or :meth:`SyncEngine.sync`."""

    plan_id: str
    profile: str
    kind: Kind
    started_at: datetime
    finished_at: datetime
    counts: dict[tuple[Side, Action], int] = attrs.field(factory=dict)
    conflicts: int = 0
    unresolved_conflicts: int = 0
    skipped: list[str] = attrs.field(factory=list)
    errors: list[RecordError] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    held_for_review: bool = False
    #: set when the sync stopped early (quota, authentication…); the rest is retried next time
    stopped: str | None = None

    @property
    def ok(self) -> bool:
        """True when every planned write succeeded and the sync was not stopped."""
        return not self.errors and self.stopped is None

    @property
    def summary(self) -> Summary:
        """The counts of this run, renderable as a table."""
        return Summary(
            kind=self.kind,
            counts=dict(self.counts),
            conflicts=self.conflicts,
            unresolved_conflicts=self.unresolved_conflicts,
            skipped=len(self.skipped),
            errors=len(self.errors) + (1 if self.stopped else 0),
            duration=self.finished_at - self.started_at,
            held_for_review=self.held_for_review,
            error_lines=tuple(str(error) for error in self.errors) + ((f"stopped: {self.stopped}",)
                                                                     if self.stopped else ()),
        )

    def bump(self, side: Side, action: Action, n: int = 1) -> None:
        """Count ``n`` more records ``action``-ed on ``side``."""
        self.counts[(side, action)] = self.counts.get((side, action), 0) + n
