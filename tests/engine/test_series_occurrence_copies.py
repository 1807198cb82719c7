"""Occurrence copies are not unique as records users create are (found by the cutting series state machine; its
oracle, state_machine_occurrence_copies.py, learnt both): two occurrences of one series can hold the same data, so
without links a copy recovered by content may stand for either; and an occurrence's name can come back, so a
copy's edit that reached its occurrence gives way to the series' later change that dropped and re-gave it
(docs/recurrence.md, "Occurrences on a side that holds occurrences only")."""

from __future__ import annotations

from datetime import timedelta

from test_engine_series import World, keys, weekly
from test_engine_series_faults import faulty_sync
from test_series_switch import held_as_rule, lengthen

from syncore import Kind, Recurrence
from syncore.errors import RecordRejected
from syncore.occurrences import occurrence_id

HOUR = timedelta(hours=1)


def test_identical_occurrences_recovered_by_content_get_one_copy_each():
    """The second occurrence moved onto the first one's times (the two hold the same data); the series is switched to
    its occurrences on a CRM without links, the first one's create is refused and the moved one's lands unanswered.
    The next sync recognises the landed copy by content, pairs it with one of the two (either holds that data) and
    creates one more: each occurrence once, nothing twice (recovery._by_fingerprint)."""
    w, pim_id, _ = held_as_rule(crm_links=False)
    k = keys(12)
    lengthen(w, pim_id, count=12)
    w.pim.edit_occurrence(pim_id, k[1], start=k[0], end=k[0] + HOUR)
    w.crm.fail_record(lambda record: record.recurrence is None and record.start == k[0],
                      RecordRejected("injected", code="TEST"), times=1)
    w.crm.lose_replies(1, op="create")
    faulty_sync(w)
    w.crm.clear_faults()
    landed = [e.start for e in w.crm_events().values() if e.recurrence is None]
    assert landed.count(k[0]) == 1, "one of the two identical creates landed (its reply lost)"
    w.now += HOUR
    w.sync()
    crm = w.crm_events()
    assert all(e.recurrence is None for e in crm.values()), "switched: the rule copy is gone"
    assert sorted(e.start for e in crm.values()) == [k[0], k[0], *k[2:]], "each occurrence once"
    paired = sorted(p.pim_id for p in w.state.iter_pairs("default", Kind.EVENT) if "#" in p.pim_id)
    assert paired == sorted(occurrence_id(pim_id, key) for key in k)
    w.calm()


def test_a_copy_edit_gives_way_to_the_series_dropping_and_regiving_its_occurrence():
    """A CRM copy renamed, carried to the series as that occurrence's rename; then the series is shortened past that
    occurrence and lengthened again before any sync: the occurrence is new (plain), and its copy follows it."""
    w = World()
    pim_id = w.pim.put(weekly(count=6))
    w.sync()
    k = keys(6)
    copy_id = next(i for i, e in w.crm_events().items() if e.start == k[3])
    w.crm.edit(copy_id, subject="Renamed")
    w.now += HOUR
    w.sync()
    [override] = w.pim.records(Kind.EVENT)[pim_id].recurrence.overrides
    assert (override.original_start, override.subject) == (k[3], "Renamed"), "the copy's edit reached the series"
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=2", zone="Europe/Berlin"))
    w.pim.edit(pim_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=6", zone="Europe/Berlin"))
    w.now += HOUR
    w.sync()
    crm = w.crm_events()
    assert sorted(e.start for e in crm.values()) == k
    assert {e.subject for e in crm.values()} == {"1:1"}, "the copy follows its re-given occurrence"
    assert w.pim.records(Kind.EVENT)[pim_id].recurrence.overrides == ()
    w.calm()
