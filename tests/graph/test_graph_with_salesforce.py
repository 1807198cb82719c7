"""End to end with both emulators: GraphAdapter (PIM) ⇄ SalesforceAdapter (CRM) through SyncEngine.

What is Graph's own: Windows zone names on the wire, a moved event kept in its own zone, the link property,
contacts and To Do tasks. The shared scenarios (formatted bodies across DST, all-day round trips, deletions,
request counts) run for Graph in tests/engine/test_engine_contract.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pair_emulators import salesforce_emulator_at
from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Side
from syncore.state_types import Action

salesforce = pytest.importorskip("syncore_salesforce")
from syncore_salesforce.converter import format_datetime as sf_wire

T0 = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


sf = salesforce_emulator_at(T0)


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def _next_dst_change(zone: str) -> date:
    """The next day on which ``zone`` changes its UTC offset (within a year)."""
    tz = ZoneInfo(zone)
    day = T0.date() + timedelta(days=1)
    for _ in range(370):
        if datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset() != \
                datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset():
            return day
        day += timedelta(days=1)
    raise AssertionError("no DST change within a year")


def test_graph_and_salesforce_sync_both_ways(emu, sf, make_adapter, sleeps):
    pim = make_adapter(timezone="Europe/Berlin")
    crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=sf.clock.now)
    day = (T0 + timedelta(days=3)).date()
    html = "<html><body><p>Agenda: <b>pricing</b></p></body></html>"
    # made in Outlook by a user in Seattle: Windows zone names on the wire
    pacific = emu.create("event", {"subject": "Pacific call", "body": {"contentType": "html", "content": html},
                                   "start": {"dateTime": f"{day}T09:00:00", "timeZone": "Pacific Standard Time"},
                                   "end": {"dateTime": f"{day}T10:00:00", "timeZone": "Pacific Standard Time"}})
    offsite = emu.create("event", {"subject": "Offsite", "isAllDay": True,
                                   "start": {"dateTime": f"{day}T00:00:00", "timeZone": "W. Europe Standard Time"},
                                   "end": {"dateTime": f"{day + timedelta(days=2)}T00:00:00",
                                           "timeZone": "W. Europe Standard Time"}})
    switch = _next_dst_change("Europe/Berlin")
    night = datetime(switch.year, switch.month, switch.day, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    sf_id = sf.insert("Event", {"Subject": "Across the DST change", "StartDateTime": sf_wire(night.astimezone(UTC)),
                                "EndDateTime": sf_wire(night.astimezone(UTC) + timedelta(hours=3)),
                                "OwnerId": sf.user_id, "Description": "call notes"})
    sf.clock.advance(1)
    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert _writes(first) == {(Side.CRM, Action.CREATE): 2, (Side.PIM, Action.CREATE): 1}
    rows = {row["Subject"]: row for row in sf.all("Event")}
    start = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(UTC)
    assert rows["Pacific call"]["StartDateTime"] == sf_wire(start)
    assert rows["Pacific call"]["Description"].strip() == "Agenda: pricing"
    assert rows["Offsite"]["IsAllDayEvent"] is True and rows["Offsite"]["ActivityDate"] == day.isoformat()
    events = {e["subject"]: e for e in emu.items("event")}
    copy = events["Across the DST change"]
    assert copy["start"]["dateTime"].startswith(night.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert copy["originalStartTimeZone"] == "W. Europe Standard Time"
    linked = emu.get(copy["id"], expand="String {00020329-0000-0000-C000-000000000046} Name SyncoreLink")
    assert linked["singleValueExtendedProperties"] == [
        {"id": "String {00020329-0000-0000-C000-000000000046} Name SyncoreLink", "value": sf_id}]
    sf.clock.advance(60)
    assert not _writes(engine.sync(Kind.EVENT))

    # Salesforce moves the Pacific call: Outlook follows and keeps its formatted body
    sf.update("Event", rows["Pacific call"]["Id"], {"StartDateTime": sf_wire(start + timedelta(hours=2)),
                                                    "EndDateTime": sf_wire(start + timedelta(hours=3))})
    sf.clock.advance(60)
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}, result.errors
    moved = emu.get(pacific["id"])
    assert moved["start"]["dateTime"].startswith((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    assert moved["body"]["content"] == html
    assert moved["originalStartTimeZone"] == "Pacific Standard Time"  # moved in its own zone
    # Outlook deletes the offsite, Salesforce follows
    emu.delete(offsite["id"])
    sf.clock.advance(60)
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.CRM, Action.DELETE): 1}, result.errors
    assert "Offsite" not in {row["Subject"] for row in sf.all("Event")}


def test_contacts_and_tasks_sync_both_ways(emu, sf, make_adapter, sleeps):
    pim = make_adapter(timezone="America/New_York")
    crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=sf.clock.now)
    emu.create("contact", {"givenName": "Dana", "surname": "Scully", "companyName": "FBI",
                           "emailAddresses": [{"address": "dana@fbi.example"}]})
    due = (T0 + timedelta(days=5)).date()
    emu.create("task", {"title": "Send proposal", "importance": "high",
                        "dueDateTime": {"dateTime": f"{due}T00:00:00", "timeZone": "Eastern Standard Time"}})
    sf.clock.advance(1)
    for kind in (Kind.CONTACT, Kind.TASK):
        result = engine.sync(kind)
        assert result.ok and _writes(result) == {(Side.CRM, Action.CREATE): 1}, (kind, result.errors)
    contact = sf.all("Contact")[0]
    assert (contact["LastName"], contact["Email"]) == ("Scully", "dana@fbi.example")
    task = sf.all("Task")[0]
    assert task["Subject"] == "Send proposal" and task["ActivityDate"] == due.isoformat()
    sf.update("Task", task["Id"], {"Status": "Completed"})
    sf.clock.advance(60)
    result = engine.sync(Kind.TASK)
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}, result.errors
    assert emu.items("task")[0]["status"] == "completed"
