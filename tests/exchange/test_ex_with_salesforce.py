"""End to end with both emulators: ExchangeAdapter (PIM) ⇄ SalesforceAdapter (CRM) through SyncEngine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind, Side
from syncore.state_types import Action

salesforce = pytest.importorskip("syncore_salesforce")
from syncore_salesforce.converter import format_datetime as sf_wire
from syncore_salesforce.emulator import SalesforceEmulator

T0 = datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC)


@pytest.fixture
def sf():
    with SalesforceEmulator(start_time=T0) as server:
        yield server
        assert server.errors == []


def _writes(result):
    return {key: n for key, n in result.counts.items() if n}


def test_exchange_and_salesforce_sync_both_ways(emu, sf, make_adapter, sleeps):
    pim = make_adapter()
    crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=sleeps)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=sf.clock.now)
    start = T0 + timedelta(days=2)
    html = "<html><body><p>Agenda: <b>pricing</b></p></body></html>"
    ex_id = emu.create_item(folder="calendar", fields={"Subject": "Exchange meeting", "Start": start,
                                                       "End": start + timedelta(hours=1), "Body": ("HTML", html)})
    sf_id = sf.insert("Event", {"Subject": "Salesforce call", "StartDateTime": sf_wire(start + timedelta(days=1)),
                                "EndDateTime": sf_wire(start + timedelta(days=1, hours=1)), "OwnerId": sf.user_id,
                                "Description": "call notes"})
    sf.clock.advance(1)
    first = engine.sync(Kind.EVENT)
    assert first.ok, first.errors
    assert _writes(first) == {(Side.CRM, Action.CREATE): 1, (Side.PIM, Action.CREATE): 1}
    rows = {row["Subject"]: row for row in sf.all("Event")}
    assert set(rows) == {"Exchange meeting", "Salesforce call"}
    assert rows["Exchange meeting"]["Description"].strip() == "Agenda: pricing"
    items = {i["fields"]["Subject"]: i for i in emu.items("calendar")}
    assert items["Salesforce call"]["fields"]["ExtendedProperty"] == {"SyncoreLink": sf_id}
    sf.clock.advance(60)
    assert not _writes(engine.sync(Kind.EVENT))

    # Salesforce moves the meeting: Exchange follows and keeps its formatted body
    crm_copy = rows["Exchange meeting"]["Id"]
    sf.update("Event", crm_copy, {"StartDateTime": sf_wire(start + timedelta(hours=2)),
                                  "EndDateTime": sf_wire(start + timedelta(hours=3))})
    sf.clock.advance(60)
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.PIM, Action.UPDATE): 1}, result.errors
    fields = emu.get_item(ex_id)["fields"]
    assert fields["Start"] == (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ") and fields["Body"] == html
    # Exchange deletes, Salesforce follows
    emu.delete_item(ex_id)
    sf.clock.advance(60)
    result = engine.sync(Kind.EVENT)
    assert _writes(result) == {(Side.CRM, Action.DELETE): 1}
    assert [row["Subject"] for row in sf.all("Event")] == ["Salesforce call"]
