"""What the series state machines found once their sides' writes could land late (test_state_machine_series.py with
state_machine_late_landing.py, a side's ``writes_land_within`` at 15 minutes; docs/concepts.md, "Interrupted syncs";
docs/recurrence.md, "A create of a series that may still land")."""

from __future__ import annotations

from datetime import timedelta

from test_engine_series import World, weekly
from test_engine_series_faults import faulty_sync

from syncore import Kind, SyncEngine
from syncore.errors import RecordRejected
from syncore.remote import RecurrenceSupport
from syncore.testing import MemoryAdapter


def _world() -> World:
    """The series world with a CRM that holds occurrences only, creates 4 a call, and whose writes may land up to 10
    minutes after their call (Salesforce documents a 10-minute call timeout)."""
    w = World()
    w.crm = MemoryAdapter(name="crm", recurrence=RecurrenceSupport.OCCURRENCES, formatted_bodies=False,
                          link_ids=False, clock=w.clock, batch_size=4, writes_land_within=timedelta(minutes=10))
    w.engine = SyncEngine(pim=w.pim, crm=w.crm, state=w.state, settings=w.settings, clock=w.clock)
    return w


def test_a_series_deleted_while_its_occurrence_creates_may_still_land_takes_every_copy_with_it():
    """Found by the cutting series machine under ci (create_series, lose_a_reply on the CRM, a sync with one
    occurrence refused, the series deleted, a sync, a clean sync); fails on daeef0c. The sync while the series waits
    reads its deletion from the feed and holds it; the series' retry must read it again (``_read_landing``), or the
    deletion is never seen again and the paired copies stay in the CRM for good."""
    w = _world()
    pim_id = w.pim.put(weekly(count=12))
    w.crm.lose_replies(1, op="create")  # the first call's 4 copies are written, its reply lost
    w.crm.fail_record(lambda record: True, RecordRejected("refused", code="TEST"), times=1)  # (one is retried)
    faulty_sync(w)
    w.crm.clear_faults()
    assert len(w.crm_events()) == 11
    w.pim.remove(pim_id)  # the PIM user deletes the series
    w.now += timedelta(seconds=30)
    w.sync()  # the series waits: a create of it may still land
    w.now += timedelta(minutes=15)
    w.sync()
    w.now += timedelta(minutes=1)
    w.sync()
    assert w.crm_events() == {}, "the deleted series' occurrences stay in the CRM"
    assert list(w.state.iter_pairs("default", Kind.EVENT)) == []
