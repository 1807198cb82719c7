"""Found by the cutting series state machine (soak400 seed 42; the test fails on c8edaa7): a conflict left for review
on an occurrence copy of an interrupted switch was decided for the CRM without a pick, once that switch was given up
in a sync where the PIM (the series' side) was read-only. Fixed in ``series_fold``: a copy whose occurrence pair
holds an open conflict is not carried over to its series (kept as a single event, reported), as a copy whose own
merge leaves a conflict for review is not.

docs/recurrence.md, "A copy edited before its switch was given up": a copy's edit "conflicting with the series' own
edit of that occurrence's field, and the policy leaves it for review (`manual` …)" is "kept, reported: deleting the
copy would lose the value nobody picked". What happens instead:

1. the switch of a series held as a rule stops part-way (the CRM refuses some creates), two copies paired;
2. the PIM user renames one occurrence in the series, the CRM user renames its copy: a conflict on ``subject``,
   left open under ``manual`` (the switch still stopped part-way);
3. the PIM user shortens the series back within the CRM's limits (the override kept) and the sync runs while the
   PIM is read-only: the give-up is made all the same (the rule copy updated with the series, override included),
   the edited copy cannot be carried over, its pair *forgotten* with its open conflict
   ("deleted in PIM but edited here; re-creating is not allowed");
4. the CRM user touches the copy again (its location): the next sync finds it by its link, pairs it with the
   occurrence again and lists the conflicts; the sync after gives the switch up again and carries the copy over
   to the series (``series_fold``): its merge at series level sees no conflict (the rule pair's base already holds
   the series' rename, written in step 3), so the copy's values replace the PIM's rename on both sides and the copy
   is deleted, the open conflict gone without a pick.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
from test_engine_series import keys
from test_engine_series_faults import faulty_sync
from test_series_switch_abandoned_edits import switch_stopped_at_two_copies

from syncore import ConflictPolicy, Kind, SyncSettings
from syncore.errors import RecordRejected

HOUR = timedelta(hours=1)


def test_a_conflict_open_on_a_copy_is_not_decided_for_the_crm_after_a_give_up_while_the_pim_was_read_only():
    w, pim_id, _, copy_id = switch_stopped_at_two_copies(
        settings=SyncSettings(conflict_policy=ConflictPolicy.MANUAL))
    second = keys()[1]
    # 2. both users rename that occurrence, the switch still stopped part-way (the CRM still refuses the others)
    w.crm.edit(copy_id, subject="1:1 (CRM)")
    w.pim.edit_occurrence(pim_id, second, subject="1:1 (PIM)")
    landed = set(keys(12)[1:3])
    w.crm.fail_record(lambda record: record.recurrence is None and record.start not in landed,
                      RecordRejected("refused", code="TEST"), times=20)
    faulty_sync(w)
    w.crm.clear_faults()
    [conflicted] = [p for p in w.state.iter_pairs("default", Kind.EVENT) if p.crm_id == copy_id]
    assert conflicted.conflicts == frozenset({"subject"}), "the conflict is left open for review"
    # 3. the series shortened back within the CRM's limits (its rename kept), synced while the PIM is read-only
    recurrence = w.pim.records(Kind.EVENT)[pim_id].recurrence
    w.pim.edit(pim_id, recurrence=attrs.evolve(recurrence, rule="FREQ=WEEKLY;BYDAY=MO;COUNT=5"))
    w.now += HOUR
    w.pim.set_read_only(True)
    try:
        w.engine.sync(Kind.EVENT)
    finally:
        w.pim.set_read_only(False)
    # 4. the CRM user touches the copy again; two syncs that may write both sides
    w.crm.edit(copy_id, location="Room 2")
    for _ in range(2):
        w.now += HOUR
        w.sync()
    series = w.pim.records(Kind.EVENT)[pim_id]
    assert series.recurrence.override_for(second).subject == "1:1 (PIM)", (
        "the PIM's rename of the occurrence, in conflict and never picked against, was replaced by the CRM's")
    assert copy_id in w.crm_events(), "the copy holding the value nobody picked was deleted"
