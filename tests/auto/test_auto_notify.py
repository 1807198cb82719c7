"""Notification switches, the summary policy and the history table."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from syncore import Kind, Side
from syncore.notify import (
    NotificationFilter,
    Notifications,
    SummaryPolicy,
    chain,
    log_notifier,
    render_history,
)
from syncore.results import EventType, Summary, SyncEvent
from syncore.state_types import Action, HistoryEntry

SWITCHED = {
    EventType.STARTED: "started", EventType.COMPLETED: "completed", EventType.CREATED: "created",
    EventType.UPDATED: "updated", EventType.DELETED: "deleted", EventType.CONFLICT: "conflict",
    EventType.ERROR: "error",
}


def _event(event_type: EventType) -> SyncEvent:
    return SyncEvent(type=event_type, kind=Kind.EVENT, profile="p", message=f"{event_type.value} happened",
                     side=Side.CRM, record_id="r1")


@pytest.mark.parametrize("event_type,switch", SWITCHED.items())
def test_each_switch_lets_exactly_its_events_through(event_type, switch):
    only = Notifications(**{name: name == switch for name in set(SWITCHED.values())})
    received = []
    notify = NotificationFilter(only, received.append)
    for each in EventType:
        notify(_event(each))
    # held plans are always announced, whatever the switches say
    assert {e.type for e in received} <= {event_type, EventType.BODY_KEPT, EventType.HELD}
    assert event_type in {e.type for e in received}


def test_skipped_records_are_never_announced():
    everything = Notifications(**{name: True for name in set(SWITCHED.values())})
    assert not everything.allows(EventType.SKIPPED)
    assert everything.allows(EventType.BODY_KEPT)


def test_defaults_announce_only_what_needs_the_user():
    defaults = Notifications()
    assert {t for t in EventType if defaults.allows(t)} == {EventType.CONFLICT, EventType.ERROR, EventType.HELD}


def test_the_default_notifier_logs(caplog):
    with caplog.at_level(logging.INFO, logger="syncore.notify"):
        NotificationFilter(Notifications(error=True))(_event(EventType.ERROR))
        log_notifier(_event(EventType.CREATED))
    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.ERROR, logging.INFO]
    assert "r1" in caplog.records[0].getMessage()


def test_chain_calls_every_callback_in_order():
    calls = []
    chain(lambda e: calls.append(1), None, lambda e: calls.append(2))(_event(EventType.CREATED))
    assert calls == [1, 2]


def _summary(*, changes=0, errors=0, unresolved=0, held=False) -> Summary:
    counts = {(Side.CRM, Action.CREATE): changes} if changes else {}
    return Summary(kind=Kind.TASK, counts=counts, conflicts=unresolved, unresolved_conflicts=unresolved, skipped=0,
                   errors=errors, duration=timedelta(seconds=1), held_for_review=held)


@pytest.mark.parametrize("summary,expected", [
    (_summary(), {SummaryPolicy.ALWAYS}),
    (_summary(changes=2), {SummaryPolicy.ALWAYS, SummaryPolicy.WHEN_CHANGES}),
    (_summary(unresolved=1), {SummaryPolicy.ALWAYS, SummaryPolicy.WHEN_CHANGES}),
    (_summary(errors=1), {SummaryPolicy.ALWAYS, SummaryPolicy.WHEN_CHANGES, SummaryPolicy.WHEN_ERRORS}),
    (_summary(held=True), {SummaryPolicy.ALWAYS, SummaryPolicy.WHEN_CHANGES, SummaryPolicy.WHEN_ERRORS}),
])
def test_summary_policy(summary, expected):
    assert {policy for policy in SummaryPolicy if policy.should_show(summary)} == expected


def test_history_table_has_one_row_per_run():
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    entries = [
        HistoryEntry(profile="p", kind=Kind.EVENT, started_at=now, finished_at=now, ok=True,
                     summary={"counts": {"crm.create": 2, "pim.create": 1, "pim.delete": 1}, "conflicts": 0,
                              "errors": 0, "duration_s": 1.5}),
        HistoryEntry(profile="p", kind=Kind.TASK, started_at=now, finished_at=now, ok=False,
                     summary={"counts": {}, "held_for_review": True}),
    ]
    lines = render_history(entries).splitlines()
    assert len(lines) == 2 + len(entries)
    event_row = lines[2].split()
    assert "event" in event_row and "3" in event_row  # three creates on the two sides together
    assert "held" in lines[3].split()
    assert len(render_history([]).splitlines()) == 1
