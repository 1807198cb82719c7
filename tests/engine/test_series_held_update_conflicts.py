"""A series' update held back because the other side cannot hold it (docs/recurrence.md, "Switching a series to its
occurrences": a rule copy with occurrences before the window is not switched) while its merge leaves a conflict for
review: the conflict is listed with both values all the same, nothing is written, and a resolution at review is kept
for the sync that can write the update (found by the cutting series state machine, soak seed 27: an open conflict
on such a series was missing from the plan, so a review never showed it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import NOW, World, weekly
from test_series_switch import lengthen, unfit

from syncore import ConflictPolicy, Kind, Plan, Side, SyncSettings
from syncore.remote import RecurrenceSupport
from syncore.review import conflict_record

HELD = ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); switching it to single "
        "events would delete its 4 occurrences before the sync window there")


def held_with_a_conflict() -> tuple[World, str, str]:
    """A weekly series of 8 held as a rule in the CRM, 4 of its occurrences before the window (so it is not switched);
    then lengthened past the CRM's limits and moved to Room 2 in the PIM while its copy moved to Room 9."""
    w = World(crm_holds=RecurrenceSupport.RULES, crm_unfit=unfit,
              settings=SyncSettings(conflict_policy=ConflictPolicy.MANUAL))
    w.now = NOW + timedelta(days=60)
    pim_id = w.pim.put(weekly(count=8))
    w.sync()
    [crm_id] = w.crm_events()
    lengthen(w, pim_id)
    w.pim.edit(pim_id, location="Room 2")
    w.crm.edit(crm_id, location="Room 9")
    return w, pim_id, crm_id


def conflicts(plan: Plan) -> list[tuple[str, str, object, object, object]]:
    return [(conflict_record(plan, c), c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts]


def test_the_conflict_is_listed_while_the_update_waits_and_nothing_is_written():
    w, pim_id, crm_id = held_with_a_conflict()
    copy, series = w.crm_events()[crm_id], w.pim.records(Kind.EVENT)[pim_id]
    before = w.writes(w.pim) + w.writes(w.crm)
    for _ in range(2):  # at every sync while nobody resolves it
        plan = w.engine.plan(Kind.EVENT)
        assert plan.operations == [] and plan.needs_review
        assert conflicts(plan) == [("1:1", "location", "Room 2", "Room 9", None)]
        assert [(s.native_id, s.reason) for s in plan.skipped] == [(pim_id, HELD)]
        result = w.engine.apply(plan)
        assert (result.conflicts, result.unresolved_conflicts) == (1, 1)
        assert w.crm_events() == {crm_id: copy} and w.pim.records(Kind.EVENT)[pim_id] == series
        assert w.writes(w.pim) + w.writes(w.crm) == before


@pytest.mark.parametrize(("winner", "location"), [(Side.PIM, "Room 2"), (Side.CRM, "Room 9")])
def test_a_resolution_is_kept_until_the_update_can_be_written(winner, location):
    w, pim_id, crm_id = held_with_a_conflict()
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, winner)
    before = w.writes(w.pim) + w.writes(w.crm)
    result = w.engine.apply(plan)
    assert (result.conflicts, result.unresolved_conflicts) == (1, 0)
    assert w.writes(w.pim) + w.writes(w.crm) == before, "the update still waits"
    plan = w.engine.plan(Kind.EVENT)
    assert plan.conflicts == [] and plan.operations == []
    assert [(s.native_id, s.reason) for s in plan.skipped] == [(pim_id, HELD)]
    # the series is shortened back to what the CRM holds: the update goes ahead with the value picked
    lengthen(w, pim_id, count=8)
    w.sync()
    assert w.pim.records(Kind.EVENT)[pim_id].location == location
    assert w.crm_events()[crm_id].location == location
    assert w.crm_events()[crm_id].recurrence.parts.count == 8
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()
