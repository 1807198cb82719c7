"""First-sync matching: contacts by email then name+company, events by subject+start+end, tasks by subject+due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

import syncore.matching
from syncore import Contact, Event, Kind, Task
from syncore.matching import match
from syncore.remote import RemoteRecord

T = datetime(2026, 6, 1, 10, tzinfo=UTC)


def rr(native_id, record):
    return RemoteRecord(id=native_id, version="1", record=record)


def ids(result):
    return sorted((p.id, c.id) for p, c in result.pairs)


def ambiguous_ids(result):
    return sorted(item.id for _, item, _ in result.ambiguous)


# -- contacts -------------------------------------------------------------------------------------------------
def test_contacts_match_by_email_case_insensitively():
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee", email="Ann.Lee@Example.com"))]
    crm = [rr("c1", Contact(first_name="Annie", last_name="Lee-Smith", email="ann.lee@example.COM"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("p1", "c1")] and result.ambiguous == ()


def test_contacts_fall_back_to_first_last_company():
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee", company="ACME")),
           rr("p2", Contact(first_name="Bob", last_name="Roe", company="ACME"))]
    crm = [rr("c1", Contact(first_name=" ann ", last_name="LEE", company="acme", email="ann@example.com")),
           rr("c2", Contact(first_name="Bob", last_name="Roe", company="Other Inc"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("p1", "c1")]  # Bob's company differs: no match


def test_email_key_takes_precedence_over_name():
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee", email="ann@example.com")),
           rr("p2", Contact(first_name="Ann", last_name="Lee", email="other@example.com"))]
    crm = [rr("c1", Contact(first_name="Ann", last_name="Lee", email="ANN@example.com"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("p1", "c1")] and result.ambiguous == ()


def test_same_name_with_different_emails_are_two_people():
    # issue 11.5: they used to pair by name, and crm_wins then overwrote John's email and title on every sync
    pim = [rr("p1", Contact(first_name="John", last_name="Smith", email="john@a.example", title="CEO"))]
    crm = [rr("c1", Contact(first_name="John", last_name="Smith", email="john.smith@b.example", title="Intern"))]
    result = match(Kind.CONTACT, pim, crm)
    assert result.pairs == () and result.ambiguous == ()


def test_name_matching_pairs_when_one_side_has_no_email():
    for pim_email, crm_email in (("john@a.example", ""), ("", "john@a.example"), ("", "")):
        pim = [rr("p1", Contact(first_name="John", last_name="Smith", email=pim_email))]
        crm = [rr("c1", Contact(first_name="John", last_name="Smith", email=crm_email))]
        assert ids(match(Kind.CONTACT, pim, crm)) == [("p1", "c1")], (pim_email, crm_email)


def test_name_matching_skips_partners_that_both_have_emails_and_pairs_the_compatible_one():
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee", email="ann@a.example")),
           rr("p2", Contact(first_name="Ann", last_name="Lee"))]
    crm = [rr("c1", Contact(first_name="Ann", last_name="Lee", email="ann@b.example"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("p2", "c1")] and result.ambiguous == ()


def test_a_name_match_with_two_compatible_partners_is_ambiguous():
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee"))]
    crm = [rr("c1", Contact(first_name="Ann", last_name="Lee", email="ann@b.example")),
           rr("c2", Contact(first_name="Ann", last_name="Lee", email="ann@c.example"))]
    result = match(Kind.CONTACT, pim, crm)
    assert result.pairs == () and ambiguous_ids(result) == ["c1", "c2", "p1"]


def test_contact_different_emails_do_not_match_on_email():
    pim = [rr("p1", Contact(email="a@example.com"))]
    crm = [rr("c1", Contact(email="b@example.com"))]
    assert match(Kind.CONTACT, pim, crm).pairs == ()


def test_ambiguous_contacts_are_reported_not_paired():
    pim = [rr("p1", Contact(last_name="Lee", email="ann@example.com")),
           rr("p2", Contact(last_name="Lee2", email="Ann@example.com")),
           rr("p3", Contact(last_name="Solo", email="solo@example.com"))]
    crm = [rr("c1", Contact(last_name="Lee", email="ann@example.com")),
           rr("c3", Contact(last_name="Solo", email="solo@example.com"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("p3", "c3")]
    assert ambiguous_ids(result) == ["c1", "p1", "p2"]
    assert all("ambiguous" in reason for _, _, reason in result.ambiguous)


def test_ambiguous_records_are_not_paired_by_a_later_key():
    # two PIM contacts share the email; by name only p1 would fit c1 — still ambiguous, not guessed
    pim = [rr("p1", Contact(first_name="Ann", last_name="Lee", email="ann@example.com")),
           rr("p2", Contact(first_name="Bob", last_name="Roe", email="ann@example.com"))]
    crm = [rr("c1", Contact(first_name="Ann", last_name="Lee", email="ann@example.com"))]
    result = match(Kind.CONTACT, pim, crm)
    assert result.pairs == ()
    assert ambiguous_ids(result) == ["c1", "p1", "p2"]


def test_same_native_id_on_both_sides_does_not_confuse_matching():
    # Native ids are only unique per side (two MemoryAdapters with the default name both hand out "mem-1").
    pim = [rr("mem-1", Contact(last_name="A", email="dup@example.com")),
           rr("mem-2", Contact(last_name="B", email="dup@example.com")),
           rr("mem-3", Contact(last_name="C", email="carol@example.com"))]
    crm = [rr("mem-9", Contact(last_name="A", email="dup@example.com")),
           rr("mem-1", Contact(last_name="C", email="carol@example.com"))]
    result = match(Kind.CONTACT, pim, crm)
    assert ids(result) == [("mem-3", "mem-1")]
    assert len(result.ambiguous) == 3


def test_ambiguous_on_both_sides_with_shared_ids_reports_every_record():
    pim = [rr("x-1", Contact(last_name="A", email="dup@example.com")),
           rr("x-2", Contact(last_name="B", email="dup@example.com"))]
    crm = [rr("x-1", Contact(last_name="A", email="dup@example.com")),
           rr("x-2", Contact(last_name="B", email="dup@example.com"))]
    result = match(Kind.CONTACT, pim, crm)
    assert result.pairs == ()
    assert len(result.ambiguous) == 4  # two PIM records and two CRM records


# -- events ---------------------------------------------------------------------------------------------------
def test_events_match_by_subject_start_end():
    e = Event(subject="Weekly Sync", start=T, end=T + timedelta(hours=1))
    pim = [rr("p1", e), rr("p2", e.replace(subject="Other"))]
    crm = [rr("c1", e.replace(subject="weekly  sync ", location="Room 2")),
           rr("c2", e.replace(subject="Other", end=T + timedelta(hours=2)))]
    result = match(Kind.EVENT, pim, crm)
    assert ids(result) == [("p1", "c1")]


def test_event_same_instant_in_other_zone_matches():
    from zoneinfo import ZoneInfo
    berlin = ZoneInfo("Europe/Berlin")
    pim = [rr("p1", Event(subject="x", start=datetime(2026, 6, 1, 12, tzinfo=berlin),
                          end=datetime(2026, 6, 1, 13, tzinfo=berlin)))]
    crm = [rr("c1", Event(subject="x", start=T, end=T + timedelta(hours=1)))]
    assert ids(match(Kind.EVENT, pim, crm)) == [("p1", "c1")]


def test_all_day_event_does_not_match_timed_event():
    pim = [rr("p1", Event(subject="x", start=date(2026, 6, 1), end=date(2026, 6, 2)))]
    crm = [rr("c1", Event(subject="x", start=datetime(2026, 6, 1, tzinfo=UTC), end=datetime(2026, 6, 2, tzinfo=UTC)))]
    assert match(Kind.EVENT, pim, crm).pairs == ()


def test_ambiguous_events():
    e = Event(subject="Standup", start=T, end=T + timedelta(minutes=15))
    result = match(Kind.EVENT, [rr("p1", e)], [rr("c1", e), rr("c2", e)])
    assert result.pairs == ()
    assert ambiguous_ids(result) == ["c1", "c2", "p1"]


# -- tasks ----------------------------------------------------------------------------------------------------
def test_tasks_match_by_subject_and_due():
    pim = [rr("p1", Task(subject="Call Bob", due=date(2026, 6, 1))),
           rr("p2", Task(subject="Call Bob", due=date(2026, 6, 2)))]
    crm = [rr("c1", Task(subject="call bob", due=date(2026, 6, 2)))]
    assert ids(match(Kind.TASK, pim, crm)) == [("p2", "c1")]


def test_tasks_without_due_match_by_subject_alone():
    pim = [rr("p1", Task(subject="Email report"))]
    crm = [rr("c1", Task(subject="EMAIL REPORT"))]
    assert ids(match(Kind.TASK, pim, crm)) == [("p1", "c1")]


def test_task_with_due_does_not_match_task_without():
    pim = [rr("p1", Task(subject="Email report", due=date(2026, 6, 1)))]
    crm = [rr("c1", Task(subject="Email report"))]
    assert match(Kind.TASK, pim, crm).pairs == ()


def test_ambiguous_tasks():
    result = match(Kind.TASK, [rr("p1", Task(subject="x")), rr("p2", Task(subject="X"))], [rr("c1", Task(subject="x"))])
    assert result.pairs == () and ambiguous_ids(result) == ["c1", "p1", "p2"]


def test_no_candidates():
    assert match(Kind.TASK, [], []).pairs == ()
    assert match(Kind.TASK, [rr("p1", Task(subject="x"))], []).pairs == ()


def test_no_key_is_made_when_a_side_has_no_unpaired_record(monkeypatch):
    # an initial load into an empty side: the other side's keys would be made and dropped unused
    made = []

    def counting_key(record):
        made.append(record)
        return record.subject

    monkeypatch.setitem(syncore.matching.MATCH_KEYS, Kind.TASK, ((counting_key, lambda pim, crm: True),))
    tasks = [rr(f"t{i}", Task(subject=f"task {i}")) for i in range(3)]
    assert match(Kind.TASK, tasks, []) == match(Kind.TASK, [], tasks) == syncore.matching.MatchResult(pairs=(),
                                                                                                   ambiguous=())
    assert made == []
    assert ids(match(Kind.TASK, tasks[:1], [rr("c0", Task(subject="task 0"))])) == [("t0", "c0")]
    assert len(made) == 2  # (the same key function, both sides, once there is a candidate on each)


# -- property -------------------------------------------------------------------------------------------------
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=6),
       st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=6))
def test_matching_property(pim_subjects, crm_subjects):
    pim = [rr(f"p{i}", Task(subject=s)) for i, s in enumerate(pim_subjects)]
    crm = [rr(f"c{i}", Task(subject=s.upper())) for i, s in enumerate(crm_subjects)]
    result = match(Kind.TASK, pim, crm)
    paired = {p.record.subject for p, _ in result.pairs}
    for subject in set(pim_subjects) | set(crm_subjects):
        n_pim, n_crm = pim_subjects.count(subject), crm_subjects.count(subject)
        if n_pim == 1 and n_crm == 1:
            assert subject in paired
        else:
            assert subject not in paired
        amb = [item for _, item, _ in result.ambiguous if item.record.subject.lower() == subject]
        assert len(amb) == ((n_pim + n_crm) if n_pim and n_crm and (n_pim > 1 or n_crm > 1) else 0)
    for p, c in result.pairs:
        assert p.record.subject.lower() == c.record.subject.lower()
