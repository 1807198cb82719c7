"""A switch to occurrences that stopped part-way (some occurrences created in the CRM, the rule copy's deletion
waiting for the rest) and whose series an edit then brings back within the CRM's limits, or deletes: the series is
held as a rule again (docs/recurrence.md, "Switching a series to its occurrences": the pair becomes the series'
pair only once the rule copy's deletion succeeded; a series the other side can hold syncs as a rule). The
occurrences the interrupted switch created go, their pairs are forgotten, and the retries of those it failed to
create are not copied as single events next to the rule copy: nothing duplicated, no pair left naming an
occurrence the rule no longer gives (found by the cutting series state machine: "a pair points at a record that
is gone")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_engine_series import keys
from test_engine_series_faults import faulty_sync
from test_series_switch import held_as_rule, lengthen

from syncore import ConflictPolicy, Kind, Side, SyncSettings
from syncore.errors import RecordRejected
from syncore.occurrences import split_occurrence_id
from syncore.recurrence import Recurrence
from syncore.testing.invariants import assert_in_step


def interrupted_switch(**world):
    """A series of 6 held as a rule in the CRM, lengthened to 12: the switch creates only its last two occurrences
    (the CRM refuses the others), so the rule copy's deletion waits."""
    w, pim_id, crm_id = held_as_rule(**world)
    lengthen(w, pim_id, count=12)
    landed = set(keys(12)[10:])
    w.crm.fail_record(lambda record: record.recurrence is None and record.start not in landed,
                      RecordRejected("refused", code="TEST"), times=10)
    faulty_sync(w)
    w.crm.clear_faults()
    singles = {i: e for i, e in w.crm_events().items() if e.recurrence is None}
    assert sorted(e.start for e in singles.values()) == keys(12)[10:]
    assert crm_id in w.crm_events(), "the rule copy waits for the other occurrences"
    w.now += timedelta(hours=1)  # (past the retry back-off: the failed creates are due)
    return w, pim_id, crm_id


def occurrence_pairs(w, pim_id):
    return [(p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)
            if (split := split_occurrence_id(p.pim_id)) is not None and split[0] == pim_id]


@pytest.mark.parametrize("count", [5, 8])
def test_a_series_shortened_back_within_the_limits_after_an_interrupted_switch_stays_a_rule(count):
    w, pim_id, crm_id = interrupted_switch()
    lengthen(w, pim_id, count=count)  # (the occurrences created, the 11th and 12th, are no longer on the rule)
    w.sync()
    crm = w.crm_events()
    assert list(crm) == [crm_id], "the occurrences the switch created are gone, none created next to the rule"
    assert crm[crm_id].recurrence.parts.count == count, "the rule copy holds the shortened series"
    assert occurrence_pairs(w, pim_id) == []
    assert [(p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)] == [(pim_id, crm_id)]
    assert_in_step(w.state, "default", Kind.EVENT, {Side.PIM: w.pim.records(Kind.EVENT), Side.CRM: crm},
                   w.crm.represent)
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_series_deleted_after_an_interrupted_switch_takes_every_copy_with_it():
    w, pim_id, _ = interrupted_switch()
    w.pim.remove(pim_id)
    w.sync()
    assert w.crm_events() == {}
    assert list(w.state.iter_pairs("default", Kind.EVENT)) == []
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_copy_whose_deletion_failed_when_its_switch_was_given_up_is_deleted_at_the_next_sync():
    """The sync that gives the switch up stores the series' pair with the rule copy's update, but the deletion of
    an occurrence copy the rule still gives fails: the next sync (a retry of that copy's pair) deletes it all the
    same, though the series is unchanged since, never keeping it paired next to the rule copy."""
    w, pim_id, crm_id = held_as_rule()
    lengthen(w, pim_id, count=12)
    landed = set(keys(12)[:2])
    w.crm.fail_record(lambda record: record.recurrence is None and record.start not in landed,
                      RecordRejected("refused", code="TEST"), times=10)
    faulty_sync(w)
    w.crm.clear_faults()
    singles = sorted(i for i, e in w.crm_events().items() if e.recurrence is None)
    assert len(singles) == 2
    lengthen(w, pim_id, count=5)  # (both occurrences the switch created are on the rule still)
    w.now += timedelta(hours=1)
    w.crm.fail_next("delete")
    faulty_sync(w)
    assert w.crm_events()[crm_id].recurrence.parts.count == 5, "the rule copy is updated"
    w.crm.clear_faults()
    w.now += timedelta(hours=1)  # (past the retry back-off)
    w.sync()
    assert list(w.crm_events()) == [crm_id]
    assert occurrence_pairs(w, pim_id) == []
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()


def test_a_copy_edited_in_the_crm_before_its_switch_was_given_up_is_kept_as_a_single_event_on_both_sides():
    """The edit wins over the deletion, as for any copy of an occurrence that goes (docs/recurrence.md: deleted on
    one side, edited on the other): re-created in the PIM as a single event, paired with it, never lost."""
    w, pim_id, crm_id = interrupted_switch()
    [copy_id] = [i for i, e in w.crm_events().items() if e.recurrence is None and e.start == keys(12)[10]]
    w.crm.edit(copy_id, subject="1:1 (moved room)")
    lengthen(w, pim_id, count=5)
    w.sync()
    crm = w.crm_events()
    assert sorted(crm) == sorted([crm_id, copy_id]), "the other copy is deleted, the edited one kept"
    [(single_id, single)] = [(i, e) for i, e in w.pim.records(Kind.EVENT).items() if i != pim_id]
    assert (single.subject, single.start, single.recurrence) == ("1:1 (moved room)", keys(12)[10], None)
    assert sorted((p.pim_id, p.crm_id) for p in w.state.iter_pairs("default", Kind.EVENT)) == sorted(
        [(pim_id, crm_id), (single_id, copy_id)])
    w.calm()


def test_a_switch_given_up_by_the_rule_copys_own_edit_leaves_no_copy_next_to_it():
    """The CRM user shortens the rule copy to 5 while the switch waits; under crm_wins that edit wins over the
    series' lengthening: the merged series fits the CRM again, so the switch is given up as for a series shortened on
    its own side (the copies go, the retries of the refused creates settle), never finished next to the rule copy
    (found by the cutting series state machine: the refused occurrences were created as single events beside it)."""
    w, pim_id, crm_id = interrupted_switch(settings=SyncSettings(conflict_policy=ConflictPolicy.CRM_WINS))
    w.crm.edit(crm_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=5", zone="Europe/Berlin"))
    result = w.sync()
    crm = w.crm_events()
    assert list(crm) == [crm_id], "the copies are gone, none created beside the rule copy"
    assert crm[crm_id].recurrence.parts.count == 5
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.parts.count == 5, "the rule copy's edit won"
    assert result.conflicts == 1
    assert occurrence_pairs(w, pim_id) == []
    assert w.engine.pending(Kind.EVENT) == []
    w.calm()
