"""A series copied by a create whose reply was lost (or whose sync crashed after it), then edited past the other side's
limits before the next sync (docs/recurrence.md, "Interrupted syncs"): the recovery pairs it with the copy that
landed before anything else is decided on it, so it is switched (or its edit held) like any series held as a rule,
never copied a second time as single events next to its rule copy (found by probing: on 2058471 every occurrence
was left twice in the CRM)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import NOW, World, keys, weekly
from test_engine_series_faults import faulty_sync
from test_series_switch import lengthen, unfit

from syncore import ConflictPolicy, Event, Kind, SyncSettings
from syncore.remote import RecurrenceSupport


def landed_unanswered(w: World, record: Event) -> tuple[str, str]:
    """``record`` put in the PIM and copied to the CRM by a sync whose reply was lost."""
    pim_id = w.pim.put(record)
    w.crm.lose_replies(1, op="create")
    faulty_sync(w)
    [crm_id] = w.crm_events()
    return pim_id, crm_id


def settle(w: World, syncs: int = 3) -> None:
    for _ in range(syncs):
        w.now += timedelta(hours=1)  # (past any retry's back-off)
        w.sync()


# -- a series whose copy landed, then edited past the other side's limits ---------------------------------------------
def held_as_rule_unanswered(links: bool, policy: ConflictPolicy = ConflictPolicy.PIM_WINS,
                            days: int = 0) -> tuple[World, str, str]:
    """A weekly series of 8 copied to a CRM holding at most 8 occurrences as a rule, the reply lost; then lengthened
    to 12 in the PIM."""
    w = World(crm_holds=RecurrenceSupport.RULES, crm_unfit=unfit, crm_links=links,
              settings=SyncSettings(conflict_policy=policy))
    w.now = NOW + timedelta(days=days)
    pim_id, crm_id = landed_unanswered(w, weekly(count=8))
    lengthen(w, pim_id)
    return w, pim_id, crm_id


@pytest.mark.parametrize("links", [True, False])
def test_it_is_switched_to_its_occurrences_each_once(links):
    w, _, crm_id = held_as_rule_unanswered(links)
    settle(w)
    crm = w.crm_events()
    assert crm_id not in crm, "the rule copy is deleted once the occurrences are there"
    assert sorted(e.start for e in crm.values()) == keys(12)
    assert all(e.recurrence is None for e in crm.values())
    w.calm()


@pytest.mark.parametrize("links", [True, False])
def test_with_occurrences_before_the_window_its_edit_waits_and_nothing_is_copied(links):
    w, pim_id, crm_id = held_as_rule_unanswered(links, days=60)
    w.now += timedelta(hours=1)
    plan = w.engine.plan(Kind.EVENT)
    assert plan.operations == []
    assert [(s.native_id, s.reason) for s in plan.skipped] == [(pim_id, (
        "not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); switching it to single "
        "events would delete its 4 occurrences before the sync window there"))]
    w.engine.apply(plan)
    settle(w)
    assert list(w.crm_events()) == [crm_id] and w.crm_events()[crm_id] == weekly(count=8)
    assert [(p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)] == [(pim_id, crm_id)]


@pytest.mark.parametrize("links", [True, False])
def test_an_edit_of_the_series_meanwhile_goes_with_the_switch(links):
    w, pim_id, _ = held_as_rule_unanswered(links)
    w.pim.edit(pim_id, location="Room 2")
    settle(w)
    crm = w.crm_events()
    assert sorted(e.start for e in crm.values()) == keys(12)
    assert {e.location for e in crm.values()} == {"Room 2"}
    w.calm()


@pytest.mark.parametrize("policy", [ConflictPolicy.MANUAL, ConflictPolicy.CRM_WINS])
def test_under_any_policy_the_recovered_pair_is_kept_while_its_edit_waits(policy):
    """A pair found this sync whose update waits (here: the history before the window) is stored all the same,
    without versions: the sync after merges it again, and no sync copies the series as single events."""
    w, pim_id, crm_id = held_as_rule_unanswered(True, policy, days=60)
    for _ in range(3):
        w.now += timedelta(hours=1)
        plan = w.engine.plan(Kind.EVENT)
        assert plan.operations == [] and plan.conflicts == []
        w.engine.apply(plan)
    assert [(p.pim_id, p.crm_id, p.crm_version) for p in w.state.iter_pairs("default", Kind.EVENT)] == [
        (pim_id, crm_id, None)]
