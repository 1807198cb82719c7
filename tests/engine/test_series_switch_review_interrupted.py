"""A switch waiting for review after an earlier switch of the same series stopped part-way (docs/recurrence.md, "A
switch waiting for review"): the copies the interrupted switch made, their pairs and the retries of the occurrences
whose creates the CRM refused wait with the series: nothing is written for the series until the conflict is
resolved, then the switch goes ahead with the value picked (found by the cutting series state machine: the refused
occurrences were created with the series' side of the conflict, a value nobody picked, while the copies already
there kept the old one — "pair differs in ['subject']")."""

from __future__ import annotations

from test_engine_series import keys
from test_series_switch import assert_switched
from test_series_switch_abandoned import interrupted_switch
from test_series_switch_review import MANUAL, writes

from syncore import Kind, Side
from syncore.occurrences import occurrence_id

WAITS = ("not written to the CRM: the CRM side cannot hold the rule (more than 8 occurrences); switching it to "
         "single events waits for the conflict on subject to be resolved at review")


def conflicting_edits():
    """The interrupted switch (the 11th and 12th occurrences copied, the other ten refused and due for a retry),
    then the series renamed Delta in the PIM and its rule copy Müller & Söhne in the CRM."""
    w, pim_id, crm_id = interrupted_switch(settings=MANUAL)
    w.pim.edit(pim_id, subject="Delta")
    w.crm.edit(crm_id, subject="Müller & Söhne")
    return w, pim_id, crm_id


def test_an_interrupted_switch_waits_with_its_series_for_the_review_then_finishes_with_the_value_picked():
    w, pim_id, crm_id = conflicting_edits()
    before_crm = w.crm_events()
    assert sorted((e.subject, e.start) for i, e in before_crm.items() if i != crm_id) == [
        ("1:1", k) for k in keys(12)[10:]]
    before = writes(w)
    for _ in range(2):  # at every sync while nobody resolves it
        plan = w.engine.plan(Kind.EVENT)
        assert plan.operations == [] and plan.needs_review
        assert [(c.field, c.pim_value, c.crm_value, c.resolution) for c in plan.conflicts] == [
            ("subject", "Delta", "Müller & Söhne", None)]
        assert [(s.side, s.native_id, s.reason) for s in plan.skipped] == [(Side.PIM, pim_id, WAITS)]
        result = w.engine.apply(plan)
        assert result.ok, result.errors
        assert writes(w) == before, "nothing written for the series: no refused occurrence created with Delta"
        assert w.crm_events() == {**before_crm, crm_id: before_crm[crm_id].replace(subject="Müller & Söhne")}
        # the refused occurrences' retries stay, and so does the rule copy's (the switch made after the review
        # settles them)
        assert sorted((p.side.value, p.native_id) for p in w.engine.pending(Kind.EVENT)
                      if p.category.value != "conflict") == sorted(
            [("crm", crm_id)] + [("pim", occurrence_id(pim_id, k)) for k in keys(12)[:10]])
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    w.sync()
    assert_switched(w, pim_id, location="Room 1", subject="Müller & Söhne")
    assert w.pim.records(Kind.EVENT)[pim_id].subject == "Müller & Söhne"
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_copy_edited_while_the_switch_waits_for_review_reaches_the_series_once_it_is_resolved():
    """A copy the interrupted switch made is edited in the CRM during the review: the sync that lists it holds it
    with the series (its cursor goes past that edit). The switch made after the resolution reads it again (the
    series is due for a retry), so the edit reaches the series as the override of its occurrence, and the copy is
    never written over with the stored version it no longer has (before: that update failed, "changed since")."""
    w, pim_id, crm_id = conflicting_edits()
    copy_id = next(i for i, e in w.crm_events().items() if e.recurrence is None and e.start == keys(12)[10])
    w.crm.edit(copy_id, location="Room 9")
    assert w.engine.apply(w.engine.plan(Kind.EVENT)).ok  # (waits for review: the copy listed, and held)
    plan = w.engine.plan(Kind.EVENT)
    plan.resolve(plan.conflicts[0].conflict_id, Side.CRM)
    assert w.engine.apply(plan).ok
    w.sync()
    crm = w.crm_events()
    assert crm_id not in crm and sorted(e.start for e in crm.values()) == keys(12), "each occurrence once"
    assert crm[copy_id].location == "Room 9" and crm[copy_id].subject == "Müller & Söhne"
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert [(o.original_start, o.location) for o in series.recurrence.overrides] == [(keys(12)[10], "Room 9")]
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()
