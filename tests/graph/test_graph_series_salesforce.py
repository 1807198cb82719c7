"""Issue 14's acceptance through Microsoft Graph, end to end through both real adapters and both emulators:

* a weekly series made in Outlook (the documented "Create a recurring event" request of
  https://learn.microsoft.com/en-us/graph/api/user-post-events, Windows zone names) at 09:00 Europe/Berlin across
  the spring DST change (29 March 2026) reaches Salesforce with every occurrence at 09:00 Berlin time; moving one
  occurrence (PATCH of its instance) and cancelling another (DELETE of its instance,
  https://learn.microsoft.com/en-us/graph/api/event-list-instances) in Graph follows; a second sync writes nothing;
* a series created in Salesforce (Lightning and classic) reaches Graph as one series (one master), not as separate
  meetings, at 09:00 Berlin on both sides of the DST change.

Expected instants are written out by hand (08:00Z while CET, 07:00Z from 29 March, CEST).
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import httpx
import pytest

from pair_emulators import salesforce_emulator_at
from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Kind
from syncore_graph import GraphAdapter
from syncore_graph.emulator import GraphEmulator

salesforce = pytest.importorskip("syncore_salesforce")

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
# Mondays 16 March … 20 April 2026 at 09:00 Berlin: CET (UTC+1) until Sunday 29 March, then CEST (UTC+2)
MONDAYS_UTC = ["2026-03-16T08:00", "2026-03-23T08:00", "2026-03-30T07:00", "2026-04-06T07:00",
               "2026-04-13T07:00", "2026-04-20T07:00"]
VIEW = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-06-01T00:00:00Z"}


sf = salesforce_emulator_at(NOW)


@pytest.fixture
def graph(sf):
    with GraphEmulator(clock=sf.clock.now) as emulator:
        yield emulator
        assert emulator.errors == []


@pytest.fixture
def me(graph):
    """Raw HTTP as another Graph client (Outlook) would send it."""
    with httpx.Client(base_url=f"{graph.url}/v1.0/me",
                      headers={"Authorization": f"Bearer {graph.issue_token()}",
                               "Prefer": 'IdType="ImmutableId", outlook.timezone="UTC"'},
                      verify=ssl.create_default_context(cafile=graph.ca_cert_path)) as http:
        yield http


@pytest.fixture
def engine(sf, graph):
    pim = GraphAdapter.for_emulator(graph, auth="app", timezone="Europe/Berlin", clock=sf.clock.now,
                                    sleep=lambda s: None)
    crm = salesforce.SalesforceAdapter(sf.client(), clock=sf.clock.now, sleep=lambda s: None)
    return SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                      clock=sf.clock.now)


def sync(sf, engine):
    sf.clock.advance(2)
    result = engine.sync(Kind.EVENT)
    assert result.ok, result.errors
    assert not result.skipped, result.skipped
    return result


def writes(result) -> int:
    return sum(result.counts.values())


def sf_occurrences(sf) -> list[tuple[str, str]]:
    """(UTC start to the minute, subject) of the Salesforce rows that are occurrences of a series."""
    rows = [r for r in sf.all("Event") if r.get("GroupEventType") != "3" and not r.get("IsDeleted")]
    return sorted((r["StartDateTime"][:16], r["Subject"]) for r in rows)


def graph_view(me) -> list[tuple[str, str, str]]:
    view = me.get("/calendarView", params={**VIEW, "$top": "100"}).json()["value"]
    return sorted((e["start"]["dateTime"][:16], e["subject"], e["type"]) for e in view)


def test_a_weekly_graph_series_across_dst_reaches_salesforce_at_nine_berlin_and_follows_edits(sf, graph, me, engine):
    master = me.post("/events", json={
        "subject": "1:1 with Anna", "body": {"contentType": "html", "content": "Weekly check-in"},
        "start": {"dateTime": "2026-03-16T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-03-16T09:30:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                                   "firstDayOfWeek": "sunday"},
                       "range": {"type": "numbered", "startDate": "2026-03-16", "numberOfOccurrences": 6,
                                 "recurrenceTimeZone": "W. Europe Standard Time"}}})
    assert master.status_code == 201, master.text

    sync(sf, engine)
    assert len([r for r in sf.all("Event") if r.get("GroupEventType") == "3"]) == 1, "one Lightning series record"
    assert sf_occurrences(sf) == [(start, "1:1 with Anna") for start in MONDAYS_UTC]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"

    # in Outlook: the 23 March meeting moves to 14:00 and the 13 April one is cancelled
    instances = me.get(f"/events/{master.json()['id']}/instances", params=VIEW).json()["value"]
    assert me.patch(f"/events/{instances[1]['id']}", json={
        "start": {"dateTime": "2026-03-23T14:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-03-23T14:30:00", "timeZone": "W. Europe Standard Time"}}).status_code == 200
    assert me.delete(f"/events/{instances[4]['id']}").status_code == 204

    sync(sf, engine)
    assert sf_occurrences(sf) == [(start, "1:1 with Anna") for start in
                                  ["2026-03-16T08:00", "2026-03-23T13:00", "2026-03-30T07:00", "2026-04-06T07:00",
                                   "2026-04-20T07:00"]]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"
    masters = [e for e in graph.items("event") if e["type"] == "seriesMaster"]
    assert len(masters) == 1, "Graph still holds one master"
    assert graph.invitations() == [] and graph.cancellations() == []


def _lightning(sf) -> None:
    sf.insert("Event", {"Subject": "Pipeline review", "StartDateTime": "2026-03-16T08:00:00.000+0000",
                        "EndDateTime": "2026-03-16T09:00:00.000+0000", "OwnerId": sf.user_id,
                        "Recurrence2PatternText": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                        "Recurrence2PatternTimeZone": "Europe/Berlin"})


def _classic(sf) -> None:
    sf.insert("Event", {"Subject": "Pipeline review", "StartDateTime": "2026-03-16T08:00:00.000+0000",
                        "DurationInMinutes": 60, "OwnerId": sf.user_id, "IsRecurrence": True,
                        "RecurrenceStartDateTime": "2026-03-16T08:00:00.000+0000",
                        "RecurrenceEndDateOnly": "2026-04-20", "RecurrenceType": "RecursWeekly",
                        "RecurrenceInterval": 1, "RecurrenceDayOfWeekMask": 2,
                        "RecurrenceTimeZoneSidKey": "Europe/Berlin"})


@pytest.mark.parametrize("make_series", [_lightning, _classic], ids=["lightning", "classic"])
def test_a_salesforce_series_reaches_graph_as_one_master_at_nine_berlin(sf, graph, me, engine, make_series):
    make_series(sf)
    sync(sf, engine)
    masters = [e for e in graph.items("event") if e["type"] == "seriesMaster"]
    assert len(masters) == 1, "one series in Graph, not separate meetings"
    assert masters[0]["recurrence"]["range"]["recurrenceTimeZone"] == "W. Europe Standard Time"
    assert graph_view(me) == [(start, "Pipeline review", "occurrence") for start in MONDAYS_UTC]
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"
    assert graph.invitations() == [] and graph.cancellations() == []


def test_occurrences_moved_and_cancelled_in_salesforce_reach_graph_on_the_one_master(sf, graph, me, engine):
    _lightning(sf)
    sync(sf, engine)
    rows = sorted((r for r in sf.all("Event") if r["GroupEventType"] != "3"), key=lambda r: r["StartDateTime"])
    sf.delete("Event", rows[4]["Id"])  # 13 April
    sf.update("Event", rows[1]["Id"], {"Subject": "Pipeline review (moved)",
                                       "StartDateTime": "2026-03-23T13:00:00.000+0000",
                                       "EndDateTime": "2026-03-23T14:00:00.000+0000"})
    sync(sf, engine)
    assert graph_view(me) == sorted([(start, "Pipeline review", "occurrence") for start in MONDAYS_UTC
                                     if start not in ("2026-03-23T08:00", "2026-04-13T07:00")]
                                    + [("2026-03-23T13:00", "Pipeline review (moved)", "exception")])
    assert len([e for e in graph.items("event") if e["type"] == "seriesMaster"]) == 1
    assert writes(sync(sf, engine)) == 0, "a second sync writes nothing"
    assert graph.invitations() == [] and graph.cancellations() == []
