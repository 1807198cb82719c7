"""Three-way merge at series level: the rule, cancelled occurrences and each modified occurrence merge on their own;
what does not combine is a reported conflict, never a silent drop; rules compare by their occurrences."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncore import ConflictPolicy, Event, KindSettings, Override, Recurrence, Side
from syncore.merge import MergeInput, merge

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 9, tzinfo=BERLIN)  # a Monday
WEEK = [START + timedelta(days=7 * n) for n in range(10)]


def weekly(rule="FREQ=WEEKLY;COUNT=10", exdates=(), overrides=(), **fields) -> Event:
    return Event(subject="1:1", start=START, end=START + timedelta(hours=1), **fields,
                 recurrence=Recurrence(rule=rule, zone="Europe/Berlin", exdates=exdates, overrides=overrides))


def moved(n: int, hours: int = 2, **fields) -> Override:
    return Override(original_start=WEEK[n], start=WEEK[n] + timedelta(hours=hours),
                    end=WEEK[n] + timedelta(hours=hours + 1), **fields)


def run(base, pim=None, crm=None, policy=ConflictPolicy.MANUAL, settings=None):
    return merge(MergeInput(base=base, pim=pim, crm=crm), represent_pim=lambda r: r, represent_crm=lambda r: r,
                 settings=settings or KindSettings(), policy=policy, preserve_formatted_bodies=True,
                 pim_keeps_formatting=True)


BASE = weekly()


def test_a_rule_edit_on_one_side_and_a_moved_occurrence_on_the_other_are_both_kept():
    pim = weekly(rule="FREQ=WEEKLY;COUNT=8")
    crm = weekly(overrides=[moved(3)])
    result = run(BASE, pim, crm)
    assert result.conflicts == ()
    assert result.base.recurrence == Recurrence(rule="FREQ=WEEKLY;BYDAY=MO;COUNT=8", zone="Europe/Berlin",
                                                overrides=[moved(3)])
    assert result.to_pim == {"recurrence"} and result.to_crm == {"recurrence"}


def test_cancelled_on_one_side_moved_on_the_other_different_occurrences_both_kept():
    result = run(BASE, weekly(exdates=[WEEK[1]]), weekly(overrides=[moved(2)]))
    assert result.conflicts == ()
    assert result.base.recurrence.exdates == (WEEK[1].astimezone(BERLIN),)
    assert result.base.recurrence.overrides == (moved(2),)


def test_one_occurrence_changed_in_different_fields_on_each_side_keeps_both_fields():
    result = run(BASE, weekly(overrides=[moved(4)]), weekly(overrides=[Override(original_start=WEEK[4],
                                                                                 location="Room 2")]))
    assert result.conflicts == ()
    assert result.base.recurrence.overrides == (moved(4, location="Room 2"),)


def test_one_occurrence_changed_in_the_same_field_differently_is_a_conflict_naming_it():
    result = run(BASE, weekly(overrides=[moved(4)]), weekly(overrides=[moved(4, hours=3)]),
                 policy=ConflictPolicy.MANUAL)
    [conflict] = result.conflicts
    assert conflict.field == "recurrence" and conflict.winner is None
    assert "the occurrence of 2026-03-30T07:00:00+00:00 changed on both sides (start)" in conflict.reason
    assert result.base == BASE and result.to_pim == result.to_crm == frozenset()


def test_a_conflict_resolved_by_policy_sends_the_winners_whole_recurrence():
    pim, crm = weekly(overrides=[moved(4)]), weekly(overrides=[moved(4, hours=3)], exdates=[WEEK[6]])
    result = run(BASE, pim, crm, policy=ConflictPolicy.CRM_WINS)
    assert result.conflicts[0].winner is Side.CRM
    assert result.base.recurrence == crm.recurrence and result.to_pim == {"recurrence"}


def test_the_rule_changed_on_both_sides_differently_is_a_conflict():
    result = run(BASE, weekly(rule="FREQ=WEEKLY;COUNT=8"), weekly(rule="FREQ=WEEKLY;COUNT=12"))
    [conflict] = result.conflicts
    assert "the rule changed on both sides" in conflict.reason


def test_a_moved_occurrence_the_new_rule_no_longer_has_is_reported_not_dropped():
    pim = weekly(rule="FREQ=WEEKLY;COUNT=4")  # ends before the 6th occurrence
    crm = weekly(overrides=[moved(5)])
    result = run(BASE, pim, crm, policy=ConflictPolicy.MANUAL)
    [conflict] = result.conflicts
    assert "2026-04-06T07:00:00+00:00 no longer fall on the series after its rule changed" in conflict.reason
    assert conflict.winner is None and result.base == BASE, "nothing is written until someone decides"


def test_a_cancelled_occurrence_the_new_rule_no_longer_has_is_dropped():
    result = run(BASE, weekly(rule="FREQ=WEEKLY;COUNT=4"), weekly(exdates=[WEEK[5]]))
    assert result.conflicts == ()
    assert result.base.recurrence == Recurrence(rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", zone="Europe/Berlin")


def test_an_occurrence_cancelled_on_one_side_and_changed_on_the_other_stays_with_the_change():
    result = run(BASE, weekly(exdates=[WEEK[2]]), weekly(overrides=[moved(2)]))
    assert result.conflicts == ()
    assert result.base.recurrence.exdates == () and result.base.recurrence.overrides == (moved(2),)
    assert "recurrence" in result.to_pim


def test_rules_spelled_differently_are_no_change():
    # Salesforce stores the rule in its own order with defaults (salesforce.md §1.4); UNTIL equals COUNT=10 here
    crm = weekly(rule="RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;UNTIL=20260504T070000Z")
    assert crm.recurrence != BASE.recurrence
    result = run(BASE, None, crm)
    assert result.to_pim == result.to_crm == frozenset() and result.conflicts == ()


def test_a_series_edit_on_one_side_and_a_subject_edit_on_the_other_both_travel():
    result = run(BASE, weekly(exdates=[WEEK[3]]), weekly().replace(subject="Weekly sync"))
    assert result.conflicts == ()
    assert result.to_crm == {"recurrence"} and result.to_pim == {"subject"}
    assert result.base.subject == "Weekly sync" and result.base.recurrence.exdates == (WEEK[3].astimezone(BERLIN),)


def test_a_side_that_may_not_be_updated_keeps_the_ordinary_conflict_rules():
    settings = KindSettings(update_on=frozenset({Side.CRM}))
    result = run(BASE, weekly(rule="FREQ=WEEKLY;COUNT=8"), weekly(overrides=[moved(3)]), settings=settings,
                 policy=ConflictPolicy.PIM_WINS)
    assert [c.winner for c in result.conflicts] == [Side.PIM]
    assert result.to_pim == frozenset() and result.to_crm == {"recurrence"}
