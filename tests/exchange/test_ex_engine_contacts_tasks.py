"""End to end for contacts and tasks: ExchangeAdapter (PIM) ⇄ MemoryAdapter (CRM, plain bodies, no links)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Contact, Event, Kind, Side, Task, TaskPriority, TaskStatus
from syncore.state_types import Action
from syncore.testing import MemoryAdapter

NOW = datetime(2031, 3, 3, 8, tzinfo=UTC)


def _engine(pim, crm):
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=lambda: NOW)


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def test_contact_phone_from_the_crm_keeps_the_outlook_only_entries(emu, make_adapter):
    pim = make_adapter()
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    item = emu.create_item(folder="contacts", fields={
        "DisplayName": "Ann Lee", "GivenName": "Ann", "Surname": "Lee", "CompanyName": "ACME",
        "PhoneNumbers": {"BusinessPhone": "+1 111", "MobilePhone": "+1 222", "HomePhone": "+1 333"},
        "EmailAddresses": {"EmailAddress1": "ann@acme.example", "EmailAddress2": "ann@home.example"}})
    crm_only = crm.put(Contact(first_name="Bo", last_name="Ng", email="bo@example.com", mobile_phone="+1 999"))
    engine = _engine(pim, crm)
    assert _writes(engine.sync(Kind.CONTACT)) == {(Side.CRM, Action.CREATE): 1, (Side.PIM, Action.CREATE): 1}
    (ann_crm,) = [i for i, r in crm.records(Kind.CONTACT).items() if r.last_name == "Lee"]
    assert crm.records(Kind.CONTACT)[ann_crm].mobile_phone == "+1 222"
    crm.edit(ann_crm, phone="+1 555", title="CTO")
    assert _writes(engine.sync(Kind.CONTACT)) == {(Side.PIM, Action.UPDATE): 1}
    fields = emu.get_item(item)["fields"]
    assert fields["PhoneNumbers"] == {"BusinessPhone": "+1 555", "MobilePhone": "+1 222", "HomePhone": "+1 333"}
    assert fields["EmailAddresses"]["EmailAddress2"] == "ann@home.example" and fields["JobTitle"] == "CTO"
    emu.update_item(item, {"PhoneNumbers": {"MobilePhone": "+1 777"}})
    assert _writes(engine.sync(Kind.CONTACT)) == {(Side.CRM, Action.UPDATE): 1}
    assert crm.records(Kind.CONTACT)[ann_crm].mobile_phone == "+1 777"
    (bo,) = [i["fields"] for i in emu.items("contacts") if i["fields"].get("Surname") == "Ng"]
    assert bo["ExtendedProperty"] == {"SyncoreLink": crm_only} and bo["PhoneNumbers"] == {"MobilePhone": "+1 999"}
    assert not _writes(engine.sync(Kind.CONTACT))


def test_task_completion_travels_both_ways(emu, make_adapter):
    pim = make_adapter()
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=False, clock=lambda: NOW)
    item = emu.create_item(folder="tasks", fields={"Subject": "Send quote", "DueDate": date(2031, 3, 10),
                                                    "Importance": "High"})
    engine = _engine(pim, crm)
    assert engine.sync(Kind.TASK).ok
    (crm_id,) = crm.records(Kind.TASK)
    assert crm.records(Kind.TASK)[crm_id].priority is TaskPriority.HIGH
    crm.edit(crm_id, status=TaskStatus.IN_PROGRESS, due=date(2031, 3, 12))
    assert _writes(engine.sync(Kind.TASK)) == {(Side.PIM, Action.UPDATE): 1}
    fields = emu.get_item(item)["fields"]
    assert fields["Status"] == "InProgress" and fields["DueDate"].startswith("2031-03-12")
    emu.update_item(item, {"Status": "Completed"})
    result = engine.sync(Kind.TASK)
    assert _writes(result) == {(Side.CRM, Action.UPDATE): 1}
    done = crm.records(Kind.TASK)[crm_id]
    assert done.status is TaskStatus.COMPLETED and done.completed_at is not None
    assert emu.get_item(item)["fields"]["PercentComplete"] == "100"
    assert not _writes(engine.sync(Kind.TASK))
    crm.edit(crm_id, subject="Send quote v2")
    engine.sync(Kind.TASK)
    assert not _writes(engine.sync(Kind.TASK)), "no ping-pong over the server-set completion time"
    assert isinstance(pim.fetch(Kind.TASK, [item])[item].record, Task)


def test_first_sync_against_items_the_server_filled_in_sees_no_change_after(emu, make_adapter):
    # Items made by another client carry what Exchange fills in itself: the mailbox's default reminder (15
    # minutes) on appointments, a DisplayName and CompleteName on contacts, zones, durations. The adapter
    # maps what it syncs and ignores the rest, so the copies it makes agree with what it reads next time.
    pim = make_adapter()
    crm = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=True, clock=lambda: NOW)
    start = datetime(2031, 3, 4, 9, tzinfo=UTC)
    emu.create_item(folder="calendar", fields={"Subject": "Defaults", "Start": start,
                                               "End": start.replace(hour=10)})
    emu.create_item(folder="contacts", fields={"GivenName": "Ann", "Surname": "Lee"})  # no DisplayName
    emu.create_item(folder="tasks", fields={"Subject": "Call back"})
    engine = _engine(pim, crm)
    for kind in Kind:
        first = engine.sync(kind)
        assert first.ok, first.errors
        assert _writes(first) == {(Side.CRM, Action.CREATE): 1}, kind
        assert not _writes(engine.sync(kind)), kind
    (event,) = crm.records(Kind.EVENT).values()
    assert event.reminder_minutes == 15  # Exchange's reminder is real: Outlook shows it
    # and a record the CRM gave no reminder keeps none in Exchange (ReminderIsSet is written as false)
    crm.put(Event(subject="No reminder", start=start.replace(day=5), end=start.replace(day=5, hour=10)))
    assert _writes(engine.sync(Kind.EVENT)) == {(Side.PIM, Action.CREATE): 1}
    assert not _writes(engine.sync(Kind.EVENT))
    (created,) = [i for i in emu.items("calendar") if i["fields"]["Subject"] == "No reminder"]
    assert created["fields"]["ReminderIsSet"] == "false"
