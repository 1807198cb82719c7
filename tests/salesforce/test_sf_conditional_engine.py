"""Through the engine: a Salesforce edit made after the engine read the record is never overwritten by a change
from the PIM; the write is refused (VersionMismatch, named by subject), and the next sync merges both sides
field by field (different fields: both edits kept; the same field: the configured conflict policy).

PIM: MemoryAdapter; CRM: the real SalesforceAdapter (simple-salesforce over HTTP) on the emulator.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sfadapter_support import T0, make_adapter

from syncore import SyncEngine
from syncore.models import Event, Kind, Side
from syncore.results import EventType
from syncore.settings import ConflictPolicy, SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter

#: the engine retries a failed pair after settings.retry_base (5 minutes by default)
AFTER_BACK_OFF = timedelta(minutes=10)


def _world(emu, feed_mode: str = "fresh", **settings):
    crm = make_adapter(emu, feed_mode=feed_mode)
    pim = MemoryAdapter(name="pim", link_ids=True, batch_size=200, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(**settings),
                        clock=emu.clock.now)
    return engine, pim


def _event(n: int) -> Event:
    start = T0 + timedelta(days=1, minutes=n)
    return Event(subject=f"Event {n}", start=start, end=start + timedelta(minutes=30), location="Room 1")


def _synced(emu, engine, pim, n: int) -> list[tuple[str, str]]:
    """``n`` events created in the PIM and synced; (pim id, Salesforce id) pairs, in PIM order."""
    pim_ids = [pim.put(_event(i)) for i in range(n)]
    assert engine.sync(Kind.EVENT).ok
    by_subject = {row["Subject"]: row["Id"] for row in emu.all("Event")}
    emu.clock.advance(5)
    return [(pim_id, by_subject[f"Event {i}"]) for i, pim_id in enumerate(pim_ids)]


@pytest.mark.parametrize("feed_mode", ["fresh", "settled"])
def test_a_reviewed_plan_applied_after_a_salesforce_edit_of_another_field_keeps_both_edits(emu, feed_mode):
    engine, pim = _world(emu, feed_mode)
    ((pim_id, sf_id),) = _synced(emu, engine, pim, 1)
    pim.edit(pim_id, subject="Outlook title")
    emu.clock.advance(1)
    plan = engine.plan(Kind.EVENT)
    emu.update("Event", sf_id, {"Location": "Salesforce room"})  # a Salesforce user, while the plan is reviewed
    result = engine.apply(plan)
    (error,) = result.errors
    assert (error.side, error.code) == (Side.CRM, "CHANGED_SINCE_READ") and "Outlook title" in error.label
    row = emu.get("Event", sf_id)
    assert (row["Subject"], row["Location"]) == ("Event 0", "Salesforce room")  # nothing written over it

    emu.clock.advance(AFTER_BACK_OFF)
    assert engine.sync(Kind.EVENT).ok
    row = emu.get("Event", sf_id)
    assert (row["Subject"], row["Location"]) == ("Outlook title", "Salesforce room")
    record = pim.records(Kind.EVENT)[pim_id]
    assert (record.subject, record.location) == ("Outlook title", "Salesforce room")
    # the check costs nothing when there is nothing to update: a sync with no change is the feed's one request
    emu.clock.advance(timedelta(minutes=5))
    engine.sync(Kind.EVENT)  # the merge's echo
    emu.clock.advance(timedelta(minutes=5))
    emu.reset_log()
    assert engine.sync(Kind.EVENT).ok and emu.request_counts() == {"composite": 1}


@pytest.mark.parametrize(("policy", "salesforce", "pim_subject", "left_for_review"), [
    (ConflictPolicy.MANUAL, "Salesforce title", "Outlook title", 1),
    (ConflictPolicy.CRM_WINS, "Salesforce title", "Salesforce title", 0),
    (ConflictPolicy.PIM_WINS, "Outlook title", "Outlook title", 0),
])
def test_a_salesforce_edit_of_the_same_field_goes_to_the_conflict_policy(
        emu, policy, salesforce, pim_subject, left_for_review):
    engine, pim = _world(emu, conflict_policy=policy)
    ((pim_id, sf_id),) = _synced(emu, engine, pim, 1)
    pim.edit(pim_id, subject="Outlook title")
    emu.clock.advance(1)
    plan = engine.plan(Kind.EVENT)
    emu.update("Event", sf_id, {"Subject": "Salesforce title"})
    result = engine.apply(plan)
    assert [e.code for e in result.errors] == ["CHANGED_SINCE_READ"]
    assert emu.get("Event", sf_id)["Subject"] == "Salesforce title"  # not overwritten by the stale plan

    emu.clock.advance(AFTER_BACK_OFF)
    result = engine.sync(Kind.EVENT)
    assert result.ok and result.summary.unresolved_conflicts == left_for_review
    assert emu.get("Event", sf_id)["Subject"] == salesforce
    assert pim.records(Kind.EVENT)[pim_id].subject == pim_subject


def test_an_edit_racing_inside_one_sync_is_not_overwritten_and_merged_next_sync(emu):
    """201 updates go in two calls (200 per collections PATCH); a Salesforce user renames every event while the
    first call's results come in: the second call's record is refused, the first 200 were written before."""
    engine, pim = _world(emu)
    pairs = _synced(emu, engine, pim, 201)
    for pim_id, _ in pairs:
        pim.edit(pim_id, subject=pim.records(Kind.EVENT)[pim_id].subject + " (Outlook)")
    emu.clock.advance(1)
    renamed = []

    def salesforce_user(event):
        if event.type is EventType.UPDATED and event.side is Side.CRM and not renamed:
            for n, (_, sf_id) in enumerate(pairs):
                emu.update("Event", sf_id, {"Subject": f"Salesforce {n}"})
                renamed.append(sf_id)

    engine.on_event = salesforce_user
    emu.reset_log()
    result = engine.sync(Kind.EVENT)
    engine.on_event = None
    # two calls (200 + 1), each read right before its PATCH; the second's only record is refused: no PATCH
    assert (emu.count("composite_retrieve"), emu.count("composite_update")) == (2, 1)
    (error,) = result.errors
    assert error.code == "CHANGED_SINCE_READ" and len(renamed) == 201
    refused = error.native_id
    # every Salesforce edit is still there: the 200 written before it, the one refused after it
    assert [emu.get("Event", sf_id)["Subject"] for _, sf_id in pairs] == [f"Salesforce {n}" for n in range(201)]

    emu.clock.advance(AFTER_BACK_OFF)
    result = engine.sync(Kind.EVENT)
    assert result.ok and result.summary.unresolved_conflicts == 1  # the refused one: both sides renamed it
    subjects = {pim_id: pim.records(Kind.EVENT)[pim_id].subject for pim_id, _ in pairs}
    for n, (pim_id, sf_id) in enumerate(pairs):
        assert emu.get("Event", sf_id)["Subject"] == f"Salesforce {n}"
        # written before the edit: only Salesforce changed it since; the refused one keeps its own (manual policy)
        assert subjects[pim_id] == (f"Event {n} (Outlook)" if sf_id == refused else f"Salesforce {n}")


def test_settled_feed_an_edit_not_yet_reported_is_not_overwritten(emu):
    """``feed_mode="settled"`` reports a row once Get Updated covers its minute: an edit made seconds before a
    sync is not in that sync's read, so the PIM's change is planned against the version stored at the last sync.
    The check sees the edit, and the edit reaches the PIM (the conflict policy decides the field) a sync later."""
    engine, pim = _world(emu, "settled")
    ((pim_id, sf_id),) = _synced(emu, engine, pim, 1)
    emu.clock.advance(timedelta(minutes=5))
    assert engine.sync(Kind.EVENT).ok  # the creates' echo, once covered
    emu.update("Event", sf_id, {"Subject": "Salesforce title", "Location": "Salesforce room"})
    pim.edit(pim_id, subject="Outlook title")
    emu.clock.advance(10)
    plan = engine.plan(Kind.EVENT)
    assert not plan.conflicts, "the settled feed has not reported the Salesforce edit yet"
    result = engine.apply(plan)
    assert [e.code for e in result.errors] == ["CHANGED_SINCE_READ"]
    row = emu.get("Event", sf_id)
    assert (row["Subject"], row["Location"]) == ("Salesforce title", "Salesforce room")

    emu.clock.advance(AFTER_BACK_OFF)
    result = engine.sync(Kind.EVENT)
    assert result.ok and result.summary.unresolved_conflicts == 1  # subject: both changed it (manual policy)
    record = pim.records(Kind.EVENT)[pim_id]
    assert (record.subject, record.location) == ("Outlook title", "Salesforce room")
    assert emu.get("Event", sf_id)["Subject"] == "Salesforce title"
