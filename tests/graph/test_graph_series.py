"""A Graph series read into the core's series model (syncore.recurrence), checked against the Graph emulator.

The master and its instances are read with raw HTTP (https://learn.microsoft.com/en-us/graph/api/event-get,
https://learn.microsoft.com/en-us/graph/api/event-list-instances): the core's expansion of the mapped series
(syncore.series) must give exactly the occurrences Graph lists, moved and cancelled ones included, at the
series' wall time across a DST change.
"""

from __future__ import annotations

import ssl
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from syncore.series import Series, Window
from syncore_graph._mapping.series import recurrence_to_graph, series_from_graph

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
PREFER = 'IdType="ImmutableId", outlook.timezone="UTC"'


@pytest.fixture
def me(emu):
    with httpx.Client(base_url=f"{emu.url}/v1.0/me", headers={"Authorization": f"Bearer {emu.issue_token()}",
                                                              "Prefer": PREFER},
                      verify=ssl.create_default_context(cafile=emu.ca_cert_path)) as http:
        yield http


def _read(me, master_id):
    master = me.get(f"/events/{master_id}").json()
    params = {"startDateTime": WINDOW[0].isoformat(), "endDateTime": WINDOW[1].isoformat()}
    instances = me.get(f"/events/{master_id}/instances", params=params).json()["value"]
    return master, instances


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)


def test_a_weekly_series_with_a_moved_and_a_cancelled_occurrence(emu, me):
    # Monday 09:00 in Berlin (the Windows name, as Outlook writes it), six times; clocks move on 29 March
    master = me.post("/events", json={
        "subject": "1:1", "body": {"contentType": "text", "content": "agenda"},
        "start": {"dateTime": "2026-03-09T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-03-09T09:30:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                       "range": {"type": "numbered", "startDate": "2026-03-09", "numberOfOccurrences": 6,
                                 "recurrenceTimeZone": "W. Europe Standard Time"}}}).json()
    _, instances = _read(me, master["id"])
    second, third = instances[1], instances[2]
    assert me.patch(f"/events/{second['id']}", json={
        "subject": "1:1 (moved)", "start": {"dateTime": "2026-03-16T11:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-03-16T11:30:00", "timeZone": "Europe/Berlin"}}).status_code == 200
    assert me.delete(f"/events/{third['id']}").status_code == 204

    master, instances = _read(me, master["id"])
    event = series_from_graph(master, instances, WINDOW, "Europe/Berlin")
    assert event.recurrence.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=6"
    assert event.recurrence.zone == "Europe/Berlin"
    assert event.start == datetime(2026, 3, 9, 9, tzinfo=BERLIN)
    assert event.recurrence.exdates == (datetime(2026, 3, 23, 9, tzinfo=BERLIN).astimezone(UTC),)
    (override,) = event.recurrence.overrides
    assert override.original_start == datetime(2026, 3, 16, 9, tzinfo=BERLIN)
    assert (override.start, override.subject, override.body) == (datetime(2026, 3, 16, 11, tzinfo=BERLIN),
                                                                 "1:1 (moved)", None)  # only what differs
    expanded = [(o.event.start, o.event.end, o.event.subject) for o in Series(event).expand(Window(
        WINDOW[0].date(), WINDOW[1].date()))]
    listed = [(_utc(i["start"]["dateTime"]), _utc(i["end"]["dateTime"]), i["subject"]) for i in instances]
    assert expanded == sorted(listed) and len(listed) == 5
    assert [start.astimezone(BERLIN).hour for start, _, subject in expanded if subject == "1:1"] == [9] * 4

    # and back: the same pattern, in the series' zone
    back = recurrence_to_graph(event)
    assert back["pattern"]["type"] == "weekly" and back["pattern"]["daysOfWeek"] == ["monday"]
    assert back["range"] == {"startDate": "2026-03-09", "recurrenceTimeZone": "W. Europe Standard Time",
                             "type": "numbered", "numberOfOccurrences": 6}


def test_an_endless_monthly_series_knows_cancellations_inside_the_listed_window_only(emu, me):
    master = me.post("/events", json={
        "subject": "Review", "start": {"dateTime": "2026-03-05T15:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-03-05T16:00:00", "timeZone": "Europe/Berlin"},
        "recurrence": {"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["thursday"],
                                   "index": "first"},
                       "range": {"type": "noEnd", "startDate": "2026-03-05"}}}).json()
    _, instances = _read(me, master["id"])
    assert me.delete(f"/events/{instances[1]['id']}").status_code == 204  # April's
    master, instances = _read(me, master["id"])
    event = series_from_graph(master, instances, WINDOW, "Europe/Berlin")
    assert event.recurrence.rule == "FREQ=MONTHLY;BYDAY=1TH"
    assert event.recurrence.exdates == (datetime(2026, 4, 2, 15, tzinfo=BERLIN).astimezone(UTC),)
    later = Series(event).expand(Window(date(2026, 5, 1), date(2026, 8, 1)))
    assert [o.event.start.astimezone(BERLIN).date() for o in later] == [date(2026, 5, 7), date(2026, 6, 4),
                                                                       date(2026, 7, 2)]
    assert all(o.event.end - o.event.start == timedelta(hours=1) for o in later)
