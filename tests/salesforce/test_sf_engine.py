"""End to end: MemoryAdapter (PIM, formatted bodies) <-> SalesforceAdapter (CRM) through SyncEngine.

The scenarios every pair shares (formatted body kept while the meeting moves, DST, deletions both ways,
request counts) are in syncore.testing.EngineContract (tests/engine/test_engine_contract.py); these are
Salesforce's own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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


def test_leaving_the_owner_scope_or_being_archived_is_not_a_deletion(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    for n in range(2):
        pim.put(_event(n))
    assert engine.sync(Kind.EVENT).ok
    by_subject = {row["Subject"]: row["Id"] for row in emu.all("Event")}
    emu.clock.advance(5)
    # another user takes over Event 0: it leaves the owner scope, which is not a deletion
    emu.update("Event", by_subject["Event 0"], {"OwnerId": emu.other_user_id})
    emu.archive("Event", by_subject["Event 1"])  # archived rows are not deletions either
    emu.clock.advance(1)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert sorted(r.subject for r in pim.records(Kind.EVENT).values()) == ["Event 0", "Event 1"]
    assert not any(row["IsDeleted"] for row in emu.all("Event", include_deleted=True))


def test_a_value_salesforce_cannot_hold_is_not_taken_for_an_edit(emu):
    crm = make_adapter(emu)
    engine, pim = _engine(emu, crm)
    pim_id = pim.put(_event(3).replace(show_as=ShowAs.TENTATIVE))
    result = engine.sync(Kind.EVENT)
    assert result.ok and any("tentative" in w for w in result.warnings)
    (row,) = emu.all("Event")
    assert row["ShowAs"] == "Busy"
    emu.clock.advance(5)
    emu.update("Event", row["Id"], {"Location": "Room 9"})
    emu.clock.advance(1)
    assert engine.sync(Kind.EVENT).ok
    record = pim.records(Kind.EVENT)[pim_id]
    assert record.location == "Room 9" and record.show_as is ShowAs.TENTATIVE


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
