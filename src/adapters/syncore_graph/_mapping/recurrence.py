"""Recurring events: the one place where ``patternedRecurrence`` ⇄ the core's recurrence rule will live.

The core has no series model yet (see the recurrence issue), so series masters, occurrences and exceptions
are reported as :class:`~syncore.remote.Unsupported`, as the Exchange adapter does. When the core gains
``Event`` series (an RFC 5545 rule, an IANA zone, EXDATEs and overrides), this module maps
https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence both ways, and the change feed
compares the instances in the window with the master (``/events/{id}/instances``) to find moved and cancelled
occurrences.
"""

from __future__ import annotations

from typing import Any

RECURRING_TYPES = frozenset({"occurrence", "exception", "seriesMaster"})


def recurring_reason(event: dict[str, Any]) -> str | None:
    """Why an event cannot be synced yet (part of a recurring series), or None."""
    kind = event.get("type")
    if kind in RECURRING_TYPES:
        return f"recurring series not supported yet (Graph event type {kind})"
    if event.get("recurrence"):
        return "recurring series not supported yet (the event has a recurrence)"
    return None


def task_recurring_reason(task: dict[str, Any]) -> str | None:
    return "recurring task not supported yet" if task.get("recurrence") else None
