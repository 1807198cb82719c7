"""End to end through SyncEngine: Outlook (fake, Europe/Berlin) <-> CRM (Salesforce emulator, else memory).

The meeting is created in Outlook with a formatted body just before the EU fall-back change of 2026-10-25;
the CRM side rewrites the description and moves the meeting across the change. Outlook keeps its RTF body while
the time moves, and a sync without changes opens no Outlook item and reads no body.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncore import SyncEngine
from syncore.models import Body, Kind
from syncore.results import EventType
from syncore.settings import SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_outlook import OutlookComAdapter
from syncore_outlook.fake import FakeClock, FakeOutlook

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
HTML = ("<html><body><p>Agenda</p><ul><li><b>Budget 2027</b></li>"
        "<li><span style='color:red'>Hiring</span></li></ul></body></html>")
# Friday before the change (CEST, UTC+2) -> Monday after it (CET, UTC+1), both 10:00 Berlin
BEFORE = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
AFTER = datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)


class MemoryCrm:
    """The CRM side as a MemoryAdapter storing plain text only."""

    def __init__(self, clock: FakeClock) -> None:
        self.adapter = MemoryAdapter(name="crm", formatted_bodies=False, link_ids=True, clock=clock.now)
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()

    def advance(self, seconds: int) -> None:
        pass  # the fake's clock is shared and advanced by the test

    def only_event(self) -> tuple[str, str, datetime, datetime]:
        ((native_id, event),) = self.adapter.records(Kind.EVENT).items()
        return native_id, event.body.text, event.start, event.end

    def subject(self) -> str:
        (event,) = self.adapter.records(Kind.EVENT).values()
        return event.subject

    def user_edit(self, native_id: str, description: str, start: datetime, end: datetime) -> None:
        self.adapter.edit(native_id, body=Body(text=description), start=start, end=end)

    def close(self) -> None:
        pass


class SalesforceCrm:
    """The CRM side as SalesforceAdapter on the Salesforce emulator."""

    def __init__(self) -> None:
        adapter_module = pytest.importorskip("syncore_salesforce")
        if not hasattr(adapter_module, "SalesforceAdapter"):
            pytest.skip("syncore_salesforce has no SalesforceAdapter yet")
        from syncore_salesforce.converter import format_datetime
        from syncore_salesforce.emulator import SalesforceEmulator

        self._wire = format_datetime
        self.emu = SalesforceEmulator(start_time=T0).start()
        self.adapter = adapter_module.SalesforceAdapter(self.emu.client(), clock=self.emu.clock.now,
                                                        sleep=lambda seconds: None)

    def now(self) -> datetime:
        return self.emu.clock.now()

    def advance(self, seconds: int) -> None:
        self.emu.clock.advance(seconds)

    def only_event(self) -> tuple[str, str, datetime, datetime]:
        (row,) = [r for r in self.emu.all("Event") if not r.get("IsDeleted")]
        parse = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
        return row["Id"], row["Description"] or "", parse(row["StartDateTime"]), parse(row["EndDateTime"])

    def subject(self) -> str:
        (row,) = [r for r in self.emu.all("Event") if not r.get("IsDeleted")]
        return row["Subject"]

    def user_edit(self, native_id: str, description: str, start: datetime, end: datetime) -> None:
        self.emu.update("Event", native_id, {"Description": description, "StartDateTime": self._wire(start),
                                             "EndDateTime": self._wire(end)})

    def close(self) -> None:
        assert self.emu.errors == [], self.emu.errors[:1]
        self.emu.stop()


@pytest.fixture(params=["salesforce", "memory"])
def world(request) -> Any:
    fake = FakeOutlook(local_zone="Europe/Berlin", clock=FakeClock(T0))
    crm = SalesforceCrm() if request.param == "salesforce" else MemoryCrm(fake.clock)
    events: list[Any] = []
    engine = SyncEngine(pim=OutlookComAdapter(fake.application), crm=crm.adapter,
                        state=SqliteStateStore(":memory:"), settings=SyncSettings(), clock=crm.now,
                        on_event=events.append)
    yield fake, crm, engine, events
    crm.close()


def _tick(fake: FakeOutlook, crm: Any, seconds: int = 60) -> None:
    fake.clock.advance(seconds=seconds)
    crm.advance(seconds)


def test_formatted_outlook_body_is_kept_while_the_crm_moves_the_meeting_across_dst(world):
    fake, crm, engine, events = world
    eid = fake.user_create("calendar", Subject="Budget review", Start=BEFORE, End=BEFORE + timedelta(hours=1),
                           Location="Room 4")
    fake.set_formatted_body(eid, HTML)
    rtf = fake.record(eid).props["RTFBody"]
    plain = fake.record(eid).props["Body"]

    _tick(fake, crm)
    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    crm_id, description, start, end = crm.only_event()
    assert (start, end) == (BEFORE, BEFORE + timedelta(hours=1))
    assert "Budget 2027" in description

    # the CRM rewrites the description and moves the meeting to Monday, after the fall-back change
    _tick(fake, crm)
    crm.user_edit(crm_id, "Plain CRM notes", AFTER, AFTER + timedelta(hours=1))
    _tick(fake, crm)
    second = engine.sync(Kind.EVENT)
    assert second.ok, second.errors
    stored = fake.record(eid).props
    assert stored["start"] == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert stored["end"] == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert stored["RTFBody"] == rtf and stored["Body"] == plain, "the formatted Outlook body is kept"
    assert any(e.type is EventType.BODY_KEPT for e in events)
    assert crm.only_event()[1] == "Plain CRM notes", "the CRM keeps its own description"

    # the echo of our own write, then a quiet sync: no item opened, no body read, nothing written
    _tick(fake, crm)
    assert engine.sync(Kind.EVENT).ok
    _tick(fake, crm)
    fake.reset_counters()
    quiet = engine.sync(Kind.EVENT)
    assert quiet.ok and not quiet.counts, quiet.counts
    assert fake.item_opens == 0
    assert fake.access_count(prop="Body") == fake.access_count(prop="RTFBody") == 0
    assert fake.saves == 0
    assert fake.record(eid).props["RTFBody"] == rtf


def test_outlook_edit_reaches_the_crm_and_a_new_crm_event_reaches_outlook(world):
    fake, crm, engine, _ = world
    eid = fake.user_create("calendar", Subject="Call", Start=BEFORE, End=BEFORE + timedelta(minutes=30))
    _tick(fake, crm)
    assert engine.sync(Kind.EVENT).ok
    _tick(fake, crm)
    fake.user_edit(eid, Start=AFTER, End=AFTER + timedelta(minutes=45))
    _tick(fake, crm)
    fake.reset_counters()
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert fake.item_opens == 1, "only the edited item is opened"
    _, _, start, end = crm.only_event()
    assert (start, end) == (AFTER, AFTER + timedelta(minutes=45))
    assert fake.entry_ids("calendar") == [eid], "no duplicate in Outlook"


def test_accepting_a_meeting_new_entry_id_neither_deletes_nor_duplicates(world):
    fake, crm, engine, _ = world
    eid = fake.user_create("calendar", Subject="Invite", Start=AFTER, End=AFTER + timedelta(hours=1))
    _tick(fake, crm)
    assert engine.sync(Kind.EVENT).ok
    crm_id = crm.only_event()[0]
    _tick(fake, crm)
    new_eid = fake.user_respond(eid)  # Outlook replaces the item: new EntryID, same GlobalAppointmentID
    fake.user_edit(new_eid, Subject="Invite (accepted)")
    _tick(fake, crm)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    native_id, _, start, _ = crm.only_event()
    assert native_id == crm_id, "the CRM record is updated, not deleted and re-created"
    assert crm.subject() == "Invite (accepted)"
    assert fake.entry_ids("calendar") == [new_eid]
    assert start == AFTER
