"""What a sync reports about series names them as a person knows them: a series by its subject, an occurrence by
its series' subject and its start on the wall clock of the series' zone (its occurrences share the subject), in
the sync result's skips, errors and warnings alike, never by an id."""

from __future__ import annotations

from test_engine_series import World, keys, weekly

from syncore import Kind
from syncore.errors import RecordRejected
from syncore.occurrences import occurrence_id
from syncore.remote import RecurrenceSupport


def test_a_series_left_alone_is_named_by_its_subject():
    w = World(crm_holds=RecurrenceSupport.NONE)
    w.pim.put(weekly())
    w.crm.put(weekly().replace(subject="Review"))  # the CRM side reads it as unsupported (Unsupported.label)
    result = w.sync()
    assert sorted(result.skipped) == [
        "crm event series 'Review': recurring series not supported",
        "pim event series '1:1': left alone: a recurring series; the CRM side syncs no recurring series"]


def test_an_occurrence_is_named_by_its_subject_and_local_start_in_the_series_zone():
    w = World()
    pim_id = w.pim.put(weekly())
    w.sync()
    by_key = {w.crm.link_of(i): i for i in w.crm_events()}
    # (only the CRM copy changed: the series is not read this sync, its zone comes from its stored pair)
    w.crm.edit(by_key[occurrence_id(pim_id, keys()[2])], reminder_minutes=30, subject="Prep")
    result = w.sync()
    assert result.skipped == [("pim event 'Prep' on 2026-03-30 09:00 CEST: not written: one occurrence of a PIM "
                               "series cannot have its own reminder_minutes; the series keeps its value")]


def test_an_occurrence_whose_write_fails_is_named_by_its_subject_and_local_start():
    w = World()
    w.crm.fail_record(lambda record: record.start == keys()[1], RecordRejected("no room", code="TEST"), times=1)
    w.pim.put(weekly())
    result = w.engine.sync(Kind.EVENT)
    [error] = result.errors
    assert str(error) == "crm create of event '1:1' on 2026-03-23 09:00 CET: no room"
    assert len(w.crm_events()) == 5, "the other occurrences travel"
