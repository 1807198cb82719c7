"""End to end: MemoryAdapter (PIM, formatted bodies) <-> SalesforceAdapter (CRM) through SyncEngine."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sfadapter_support import T0, make_adapter

from syncore import SyncEngine
from syncore.models import Body, Contact, Event, Kind, ShowAs, Task, TaskPriority, TaskStatus
from syncore.settings import ConflictPolicy, SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_salesforce.converter import format_datetime as wire

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WRITE_OPS = ("composite_create", "composite_update", "composite_delete", "composite_upsert")


def _engine(emu, crm, pim=None, **settings):
    pim = pim or MemoryAdapter(name="pim", formatted_bodies=True, link_ids=True, batch_size=200, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"),
                        settings=SyncSettings(**settings), clock=emu.clock.now)
    return engine, pim


def _event(n: int, zone=BERLIN, day: date | None = None) -> Event:
    day = day or (T0.date() + timedelta(days=1 + n % 30))
    start = datetime(day.year, day.month, day.day, 8 + n % 9, 0, tzinfo=zone)
    return Event(subject=f"Event {n}", start=start, end=start + timedelta(minutes=30), location=f"Room {n % 7}",
                 body=Body(text=f"Agenda {n}"), reminder_minutes=10)


def _sf_rows(emu, sobject):
    return {row["Id"]: row for row in emu.all(sobject)}


def _sf_event(emu, subject, start, end, **extra):
    fields = {"Subject": subject, "StartDateTime": wire(start), "EndDateTime": wire(end), "OwnerId": emu.user_id,
              **extra}
    return emu.insert("Event", fields)


def test_first_sync_pairs_records_on_both_sides_and_creates_the_rest(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    shared = [_event(n) for n in range(3)]
    for event in shared:
        pim.put(event)
        _sf_event(emu, event.subject, event.start, event.end, Location=event.location, Description="Agenda")
    pim.put(_event(10))
    sf_only = _sf_event(emu, "Only in Salesforce", T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1))
    emu.clock.advance(1)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    subjects = sorted(row["Subject"] for row in emu.all("Event"))
    assert subjects == ["Event 0", "Event 1", "Event 10", "Event 2", "Only in Salesforce"]
    assert sorted(r.subject for r in pim.records(Kind.EVENT).values()) == subjects
    assert sf_only in _sf_rows(emu, "Event")


@pytest.mark.parametrize("kind", [Kind.EVENT, Kind.TASK, Kind.CONTACT])
def test_450_records_cross_the_batch_boundary_and_incremental_syncs_stay_within_the_call_bound(emu, kind):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    sobject = {Kind.EVENT: "Event", Kind.TASK: "Task", Kind.CONTACT: "Contact"}[kind]
    for n in range(450):
        if kind is Kind.EVENT:
            pim.put(_event(n))
        elif kind is Kind.TASK:
            pim.put(Task(subject=f"Task {n}", due=T0.date() + timedelta(days=n % 40), priority=TaskPriority.HIGH))
        else:
            pim.put(Contact(first_name=f"Ada{n}", last_name=f"Lovelace{n}", email=f"ada{n}@example.com"))
    emu.reset_log()
    first = engine.sync(kind)
    assert first.ok, first.errors[:3]
    assert len(emu.all(sobject)) == 450
    assert emu.count("composite_create") == 3  # 200 + 200 + 50
    assert emu.count("queryAll") == 1  # the full scan

    # incremental: k changes in Salesforce, w in the PIM
    emu.clock.advance(60)
    sf_ids = sorted(_sf_rows(emu, sobject))
    text_field = {"Event": "Subject", "Task": "Subject", "Contact": "Title"}[sobject]
    for sf_id in sf_ids[:5]:
        emu.update(sobject, sf_id, {text_field: "Changed in Salesforce"})
    emu.clock.advance(1)
    field = "title" if kind is Kind.CONTACT else "subject"
    pim_ids = sorted(pim.records(kind))[-3:]
    for pim_id in pim_ids:
        pim.edit(pim_id, **{field: "Changed in Outlook"})
    emu.reset_log()
    second = engine.sync(kind)
    assert second.ok, second.errors
    k, w = 5, 3
    bound = max(1, math.ceil(k / 2000)) + math.ceil(w / 200)
    assert len(emu.requests) <= bound + 2, [(e.operation, e.path) for e in emu.requests]
    assert emu.count("composite_update") == 1
    assert sum(1 for r in pim.records(kind).values() if getattr(r, field) == "Changed in Salesforce") == 5
    assert sum(1 for row in emu.all(sobject) if row[text_field] == "Changed in Outlook") == 3

    # w = 250 PIM edits and k = 0: one read, two update calls (200 + 50)
    emu.clock.advance(60)
    for pim_id in sorted(pim.records(kind))[:250]:
        pim.edit(pim_id, **{field: "Bulk edit"})
    emu.reset_log()
    bulk = engine.sync(kind)
    assert bulk.ok, bulk.errors[:2]
    assert len(emu.requests) <= 1 + math.ceil(250 / 200) + 2
    assert emu.count("composite_update") == 2 and emu.count("queryAll") == 1

    # no change: exactly one query per kind
    emu.clock.advance(60)
    emu.reset_log()
    third = engine.sync(kind)
    assert third.ok and third.summary.changes == 0
    assert [(e.operation, e.sobject) for e in emu.requests] == [("queryAll", sobject)]


def test_deletions_flow_both_ways_and_are_not_inferred_from_absence(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    ids = [pim.put(_event(n)) for n in range(4)]
    assert engine.sync(Kind.EVENT).ok
    by_subject = {row["Subject"]: row["Id"] for row in emu.all("Event")}
    emu.clock.advance(5)
    emu.delete("Event", by_subject["Event 0"])  # deleted in Salesforce
    pim.remove(ids[1])  # deleted in the PIM
    # another user takes over Event 2: it leaves the owner scope, which is not a deletion
    emu.update("Event", by_subject["Event 2"], {"OwnerId": emu.other_user_id})
    emu.archive("Event", by_subject["Event 3"])  # archived rows are not deletions either
    emu.clock.advance(1)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert sorted(r.subject for r in pim.records(Kind.EVENT).values()) == ["Event 2", "Event 3"]
    live = sorted(row["Subject"] for row in emu.all("Event"))
    assert live == ["Event 2", "Event 3"]
    deleted = {row["Subject"] for row in emu.all("Event", include_deleted=True) if row["IsDeleted"]}
    assert deleted == {"Event 0", "Event 1"}


def test_conflicting_edits_are_reported_then_resolved_by_policy(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    pim_id = pim.put(_event(1))
    assert engine.sync(Kind.EVENT).ok
    (sf_id,) = _sf_rows(emu, "Event")
    emu.clock.advance(5)
    pim.edit(pim_id, subject="Outlook title")
    emu.update("Event", sf_id, {"Subject": "Salesforce title"})
    emu.clock.advance(1)
    plan = engine.plan(Kind.EVENT)
    assert [c.field for c in plan.conflicts] == ["subject"]
    engine.apply(plan, recheck=False)
    assert pim.records(Kind.EVENT)[pim_id].subject == "Outlook title"  # manual: nothing written
    assert emu.get("Event", sf_id)["Subject"] == "Salesforce title"

    engine.settings = SyncSettings(conflict_policy=ConflictPolicy.CRM_WINS)
    emu.clock.advance(5)
    pim.edit(pim_id, location="Outlook room")
    emu.update("Event", sf_id, {"Location": "Salesforce room"})
    emu.clock.advance(1)
    assert engine.sync(Kind.EVENT).ok
    assert pim.records(Kind.EVENT)[pim_id].location == "Salesforce room"
    assert emu.get("Event", sf_id)["Location"] == "Salesforce room"


def test_formatted_pim_body_is_kept_while_the_start_moves(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    html = "<html><body><p><b>Budget</b> review</p><ul><li>Hiring</li></ul></body></html>"
    pim_id = pim.put(_event(2).replace(body=Body(html=html)))
    assert engine.sync(Kind.EVENT).ok
    (sf_id,) = _sf_rows(emu, "Event")
    assert emu.get("Event", sf_id)["Description"] == Body(html=html).text  # plain text went to Salesforce
    emu.clock.advance(5)
    old = pim.records(Kind.EVENT)[pim_id]
    new_start = old.start + timedelta(hours=2)
    emu.update("Event", sf_id, {"Description": "Budget review (moved)", "StartDateTime": wire(new_start),
                                "EndDateTime": wire(new_start + timedelta(minutes=30))})
    emu.clock.advance(1)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    now = pim.records(Kind.EVENT)[pim_id]
    assert now.start == new_start
    assert now.body.html == html, "the formatted PIM body stays"


def test_all_day_and_dst_events_keep_their_dates_and_instants(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    eu_spring, eu_fall, us_spring = date(2027, 3, 28), date(2027, 10, 31), date(2027, 3, 14)
    events = {
        "berlin spring": Event(subject="berlin spring", start=datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN),
                               end=datetime(2027, 3, 28, 4, 0, tzinfo=BERLIN)),
        "berlin fall": Event(subject="berlin fall", start=datetime(2027, 10, 31, 2, 30, fold=0, tzinfo=BERLIN),
                             end=datetime(2027, 10, 31, 4, 0, tzinfo=BERLIN)),
        "ny spring": Event(subject="ny spring", start=datetime(2027, 3, 14, 1, 0, tzinfo=NEW_YORK),
                           end=datetime(2027, 3, 14, 4, 0, tzinfo=NEW_YORK)),
        "all day": Event(subject="all day", start=eu_spring, end=eu_spring + timedelta(days=1)),
        "three days": Event(subject="three days", start=eu_fall - timedelta(days=1), end=eu_fall + timedelta(days=2),
                            show_as=ShowAs.TENTATIVE),
        "us all day": Event(subject="us all day", start=us_spring, end=us_spring + timedelta(days=1)),
    }
    ids = {name: pim.put(event) for name, event in events.items()}
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert any("tentative" in w for w in result.warnings)
    rows = {row["Subject"]: row for row in emu.all("Event")}
    assert rows["berlin spring"]["StartDateTime"] == "2027-03-28T00:30:00.000+0000"
    assert rows["berlin spring"]["EndDateTime"] == "2027-03-28T02:00:00.000+0000"  # CEST after the jump
    assert rows["ny spring"]["EndDateTime"] == "2027-03-14T08:00:00.000+0000"
    assert rows["all day"]["IsAllDayEvent"] and rows["all day"]["ActivityDate"] == "2027-03-28"
    assert rows["three days"]["ActivityDate"] == "2027-10-30"
    assert rows["three days"]["EndDateTime"] == "2027-11-01T00:00:00.000+0000"  # last day, inclusive
    assert rows["three days"]["ShowAs"] == "Busy"
    # moved in Salesforce by a day: dates stay dates, instants stay instants
    emu.clock.advance(5)
    for name in ("all day", "berlin fall"):
        row = rows[name]
        emu.update("Event", row["Id"], {"ActivityDate": "2027-03-29"} if name == "all day" else
                   {"StartDateTime": wire(datetime(2027, 10, 31, 1, 30, tzinfo=BERLIN)),
                    "EndDateTime": wire(datetime(2027, 10, 31, 3, 30, tzinfo=BERLIN))})
    emu.clock.advance(1)
    assert engine.sync(Kind.EVENT).ok
    records = pim.records(Kind.EVENT)
    assert records[ids["all day"]].start == date(2027, 3, 29)
    assert records[ids["all day"]].end == date(2027, 3, 30)
    assert records[ids["berlin fall"]].start == datetime(2027, 10, 30, 23, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 CEST
    assert records[ids["three days"]].show_as is ShowAs.TENTATIVE  # the loss is not taken as an edit
    assert records[ids["us all day"]].start == us_spring


def test_tasks_and_contacts_round_trip_through_the_engine(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    task_id = pim.put(Task(subject="Call back", due=date(2026, 12, 1), status=TaskStatus.IN_PROGRESS,
                           priority=TaskPriority.LOW))
    contact_id = pim.put(Contact(first_name="Grace", company="Navy", email="grace@example.com"))
    assert engine.sync(Kind.TASK).ok
    result = engine.sync(Kind.CONTACT)
    assert result.ok
    assert any("last name" in w for w in result.warnings)
    (task_row,) = emu.all("Task")
    assert (task_row["Status"], task_row["Priority"], task_row["ActivityDate"]) == ("In Progress", "Low", "2026-12-01")
    (contact_row,) = emu.all("Contact")
    assert contact_row["LastName"] == "Navy"
    emu.clock.advance(5)
    emu.update("Task", task_row["Id"], {"Status": "Completed"})
    emu.clock.advance(1)
    assert engine.sync(Kind.TASK).ok
    task = pim.records(Kind.TASK)[task_id]
    assert task.status is TaskStatus.COMPLETED and task.completed_at is not None
    emu.clock.advance(5)
    assert engine.sync(Kind.CONTACT).summary.changes == 0  # the fallback name is not an edit
    assert pim.records(Kind.CONTACT)[contact_id].last_name == ""
