"""Notifications ("show messages when") and the summary policy ("when to display the synchronization summary").

The engine reports everything it does as :class:`~syncore.results.SyncEvent` objects. A
:class:`NotificationFilter` passes on only the event types the user switched on to a *notifier*: any callable
taking one event. The default notifier, :func:`log_notifier`, writes to the ``syncore.notify`` logger;
``examples/desktop_notifications.py`` shows a desktop pop-up hook.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from .results import EventType, Summary, SyncEvent
from .state_types import HistoryEntry

#: anything that accepts a :class:`~syncore.results.SyncEvent`
Notifier = Callable[[SyncEvent], None]

_LOG = logging.getLogger("syncore.notify")


@attrs.frozen(kw_only=True)
class Notifications:
    """Which messages are shown, one switch per line of the product's "show messages when" list.

    By default only conflicts and errors are shown: a background sync should be silent unless the user
    has to act.
    """

    started: bool = False
    completed: bool = False
    created: bool = False
    updated: bool = False
    deleted: bool = False
    conflict: bool = True
    error: bool = True

    def allows(self, event_type: EventType) -> bool:
        """True when events of ``event_type`` are shown.

        A kept formatted body counts as an update; skipped records are never announced (they are listed
        in the plan and the summary instead).
        """
        if EventType(event_type) is EventType.HELD:
            return True  # the user must act on a held plan: it is announced whatever the switches say
        switch = _SWITCHES.get(EventType(event_type))
        return bool(switch and getattr(self, switch))


_SWITCHES: dict[EventType, str] = {
    EventType.STARTED: "started",
    EventType.COMPLETED: "completed",
    EventType.CREATED: "created",
    EventType.UPDATED: "updated",
    EventType.BODY_KEPT: "updated",
    EventType.DELETED: "deleted",
    EventType.CONFLICT: "conflict",
    EventType.ERROR: "error",
}


class NotificationFilter:
    """An ``on_event`` callback that forwards only the events :class:`Notifications` allows.

    :param settings: the switches
    :param notifier: where allowed events go (default :func:`log_notifier`)
    """

    def __init__(self, settings: Notifications, notifier: Notifier | None = None) -> None:
        self.settings = settings
        self.notifier = notifier or log_notifier

    def __call__(self, event: SyncEvent) -> None:
        if self.settings.allows(event.type):
            self.notifier(event)


def log_notifier(event: SyncEvent) -> None:
    """The default notifier: one log line per event (errors at ERROR, conflicts at WARNING, the rest INFO)."""
    level = {EventType.ERROR: logging.ERROR, EventType.CONFLICT: logging.WARNING}.get(event.type, logging.INFO)
    where = f" [{event.side.value} {event.record_id}]" if event.side is not None and event.record_id else ""
    first_line = event.message.splitlines()[0] if event.message else ""
    _LOG.log(level, "%s %s %s%s: %s", event.profile, event.kind.value, event.type.value, where, first_line)


def chain(*callbacks: Callable[[SyncEvent], None] | None) -> Callable[[SyncEvent], None]:
    """One ``on_event`` callback that calls each of ``callbacks`` (None entries are ignored) in order."""
    active = [callback for callback in callbacks if callback is not None]

    def on_event(event: SyncEvent) -> None:
        for callback in active:
            callback(event)

    return on_event


class SummaryPolicy(str, enum.Enum):
    """When the synchronization summary is shown after a background sync."""

    ALWAYS = "always"
    #: when records were written, conflicts were left for review, or anything failed
    WHEN_CHANGES = "when_changes"
    #: when anything failed or the plan was held for review
    WHEN_ERRORS = "when_errors"
    NEVER = "never"

    def should_show(self, summary: Summary) -> bool:
        """True when ``summary`` is to be shown under this policy."""
        troubled = summary.errors > 0 or summary.held_for_review
        if self is SummaryPolicy.ALWAYS:
            return True
        if self is SummaryPolicy.WHEN_CHANGES:
            return troubled or summary.changes > 0 or summary.unresolved_conflicts > 0
        if self is SummaryPolicy.WHEN_ERRORS:
            return troubled
        return False


def render_history(entries: Iterable[HistoryEntry], *, zone: object = None) -> str:
    """The sync history as a readable table, newest first, one row per run.

    :param zone: a ``tzinfo`` to show times in (default: UTC); the column title names it
    """
    zone_name = getattr(zone, "key", None) or (str(zone) if zone is not None else "UTC")
    rows = [(f"finished ({zone_name})", "kind", "result", "created", "updated", "deleted", "conflicts", "errors",
             "time")]
    for entry in entries:
        summary = entry.summary
        counts: dict[str, int] = summary.get("counts", {})

        def total(action: str, counts: dict[str, int] = counts) -> str:
            return str(sum(n for key, n in counts.items() if key.endswith("." + action)))

        finished: datetime = entry.finished_at.astimezone(zone) if zone is not None else entry.finished_at  # type: ignore[arg-type]
        result = "ok" if entry.ok else "errors"
        if summary.get("held_for_review"):
            result = "held"
        rows.append((
            finished.strftime("%Y-%m-%d %H:%M"), entry.kind.value, result, total("create"), total("update"),
            total("delete"), str(summary.get("conflicts", 0)), str(summary.get("errors", 0)),
            f"{summary.get('duration_s', 0):.1f} s",
        ))
    if len(rows) == 1:
        return "no synchronizations in the history"
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
