"""Lightning series deletions that Salesforce finishes after answering (``SalesforceEmulator(series_delete_lag=…)``),
driven by raw ``requests`` calls with the documented request (not our adapter).

REST API, "Delete Lightning Experience Event Series" (DELETE_SERIES): ``curl …/sobjects/Event/00Uxx0000000000/
fromThisEventOnwards -H "Authorization: Bearer token" -X DELETE``, no body, answered ``{success: We're deleting the
selected events from the series. Wait for all events to be removed.}``; earlier versions of the page (v45.0, v53.0)
show the same answer for a whole series deleted by its first occurrence. The page says no more: that the doomed rows
stay readable as live rows until the deletion finishes, and for how long, is the emulator's guess
(emulator/deferred.py); these tests pin that model so the adapter tests can rely on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

V = "59.0"
T0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
DELETE_SERIES = "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm"
#: Monday 16 March 2026, 09:00 Berlin; six weekly occurrences
SERIES = {"Subject": "1:1", "StartDateTime": "2026-03-16T08:00:00.000+0000",
          "EndDateTime": "2026-03-16T08:30:00.000+0000", "Recurrence2PatternText": "FREQ=WEEKLY;COUNT=6;BYDAY=MO",
          "Recurrence2PatternTimeZone": "Europe/Berlin"}
ANSWER = {"success": "We’re deleting the selected events from the series. Wait for all events to be removed."}


def started(lag: int | None, **options):
    server = SalesforceEmulator(start_time=T0, series_delete_lag=lag, **options).start()
    server.clock.freeze(T0)
    return server


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def url(emu: SalesforceEmulator, tail: str) -> str:
    return f"{emu.url}/services/data/v{V}/{tail}"


def auth(emu: SalesforceEmulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.issue_token()}"}


def query(emu, http, soql: str, *, all_rows: bool = False) -> list[dict]:
    resp = http.get(url(emu, "queryAll/" if all_rows else "query/"), params={"q": soql}, headers=auth(emu))
    assert resp.status_code == 200, resp.text
    return resp.json()["records"]


def live_ids(emu, http) -> set[str]:
    return {r["Id"] for r in query(emu, http, "SELECT Id FROM Event")}


def series(emu, http) -> tuple[str, list[str]]:
    """Create the series with the client; its series record's id and its occurrence ids by start."""
    resp = http.post(url(emu, "sobjects/Event/"), json=SERIES, headers=auth(emu))
    assert resp.status_code == 201, resp.text
    rows = query(emu, http, "SELECT Id, GroupEventType FROM Event ORDER BY StartDateTime, GroupEventType DESC")
    return rows[0]["Id"], [r["Id"] for r in rows if r["GroupEventType"] != "3"]


def delete_onwards(emu, http, event_id: str) -> requests.Response:
    """The documented request: DELETE, the bearer token, no body."""
    return http.delete(url(emu, f"sobjects/Event/{event_id}/fromThisEventOnwards"), headers=auth(emu))


def deleted_feed(emu, http) -> set[str]:
    """The ids ``deleted/`` lists (the clock moved past the minute, which it covers whole)."""
    emu.clock.advance(60)
    start = quote((T0 - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe="")
    end = quote((T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe="")
    resp = http.get(url(emu, f"sobjects/Event/deleted/?start={start}&end={end}"), headers=auth(emu))
    assert resp.status_code == 200, resp.text
    return {r["id"] for r in resp.json()["deletedRecords"]}


def test_from_this_event_onwards_answers_at_once_and_the_doomed_rows_stay_until_the_deletion_finishes(http):
    """DELETE_SERIES: the answer says the events are being deleted ("Wait for all events to be removed"). Until the
    deletion finishes the doomed rows read as they were (query, queryAll, the row itself; not in ``deleted/``);
    then they go as an immediate delete takes them, stamped with the moment they go."""
    emu = started(None)
    try:
        record_id, occurrences = series(emu, http)
        doomed = occurrences[3:]
        before = {r["Id"]: r for r in query(emu, http, "SELECT Id, Subject, StartDateTime, SystemModstamp FROM Event")}
        emu.clock.advance(60)
        resp = delete_onwards(emu, http, occurrences[3])
        assert resp.status_code == 200 and resp.json() == ANSWER
        # the series' pattern ends one second before that event (6 April 09:00 CEST) at once (unverified)
        [pattern] = query(emu, http, f"SELECT Recurrence2PatternText FROM Event WHERE Id = '{record_id}'")
        assert pattern["Recurrence2PatternText"].endswith("UNTIL=20260406T065959Z")
        assert live_ids(emu, http) == {record_id, *occurrences}
        lingering = query(emu, http, "SELECT Id, Subject, StartDateTime, SystemModstamp, IsDeleted FROM Event "
                                     "WHERE IsDeleted = false", all_rows=True)
        assert {r["Id"]: (r["Subject"], r["StartDateTime"], r["SystemModstamp"]) for r in lingering
                if r["Id"] in doomed} == {i: (before[i]["Subject"], before[i]["StartDateTime"],
                                              before[i]["SystemModstamp"]) for i in doomed}, "untouched"
        assert http.get(url(emu, f"sobjects/Event/{doomed[1]}"), headers=auth(emu)).status_code == 200
        assert deleted_feed(emu, http) == set()
        assert emu.pending_deletions() == doomed

        emu.clock.advance(60)
        assert emu.finish_pending_deletions() == 3
        assert live_ids(emu, http) == {record_id, *occurrences[:3]}
        gone = query(emu, http, "SELECT Id, SystemModstamp FROM Event WHERE IsDeleted = true", all_rows=True)
        assert {r["Id"]: r["SystemModstamp"] for r in gone} == {i: "2026-03-10T08:03:00.000+0000" for i in doomed}
        assert deleted_feed(emu, http) == set(doomed)
        resp = http.get(url(emu, f"sobjects/Event/{doomed[1]}"), headers=auth(emu))
        assert resp.status_code == 404 and resp.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
        assert emu.pending_deletions() == [] and emu.finish_pending_deletions() == 0
    finally:
        emu.stop()
    assert emu.errors == []


def test_with_a_lag_the_rows_stay_through_that_many_further_api_requests(http):
    """``series_delete_lag=2``: the two API requests after the DELETE still see the doomed rows; the third does
    not (the emulator's stand-in for "Wait for all events to be removed", DELETE_SERIES)."""
    emu = started(2)
    try:
        record_id, occurrences = series(emu, http)
        assert delete_onwards(emu, http, occurrences[4]).status_code == 200
        assert live_ids(emu, http) == {record_id, *occurrences}
        assert live_ids(emu, http) == {record_id, *occurrences}
        assert live_ids(emu, http) == {record_id, *occurrences[:4]}
        assert deleted_feed(emu, http) == set(occurrences[4:])
    finally:
        emu.stop()
    assert emu.errors == []


def test_a_whole_series_deleted_by_its_first_occurrence_stays_until_the_deletion_finishes(http):
    """DELETE_SERIES: "To delete an entire event series, specify the event ID of the first occurrence"; the page's
    earlier versions answer it as the onwards deletion, so it is deferred alike: 204 at once, every row of the
    series live until the deletion finishes, then all of them deleted."""
    emu = started(None)
    try:
        record_id, occurrences = series(emu, http)
        resp = http.delete(url(emu, f"sobjects/Event/{occurrences[0]}"), headers=auth(emu))
        assert resp.status_code == 204
        assert live_ids(emu, http) == {record_id, *occurrences}
        assert emu.finish_pending_deletions() == 7
        assert live_ids(emu, http) == set()
        assert deleted_feed(emu, http) == {record_id, *occurrences}
    finally:
        emu.stop()
    assert emu.errors == []


def test_the_request_repeated_while_the_deletion_runs_answers_alike_and_does_not_put_it_off(http):
    """A client that lost the answer sends the documented request again (DELETE_SERIES): the event is still
    there, so it is answered as the first; the rows go when the first request's lag runs out."""
    emu = started(3)
    try:
        record_id, occurrences = series(emu, http)
        assert delete_onwards(emu, http, occurrences[2]).status_code == 200
        resp = delete_onwards(emu, http, occurrences[2])  # the first request after it
        assert resp.status_code == 200 and resp.json() == ANSWER
        assert live_ids(emu, http) == {record_id, *occurrences}  # the second
        assert live_ids(emu, http) == {record_id, *occurrences}  # the third
        assert live_ids(emu, http) == {record_id, *occurrences[:2]}
    finally:
        emu.stop()
    assert emu.errors == []


def test_without_a_lag_the_rows_go_at_once():
    """The default (``series_delete_lag=0``) deletes as the emulator always did: nothing is left pending."""
    with SalesforceEmulator(start_time=T0) as emu, requests.Session() as http:
        record_id, occurrences = series(emu, http)
        assert delete_onwards(emu, http, occurrences[2]).status_code == 200
        assert live_ids(emu, http) == {record_id, *occurrences[:2]}
        assert emu.pending_deletions() == [] and emu.finish_pending_deletions() == 0
        assert emu.errors == []


def test_a_whole_series_delete_rolled_back_with_its_request_dooms_nothing(http):
    """sObject Collections, DELETE with ``allOrNone=true``: "If true, any failed records in a call cause all changes
    for the call to be rolled back"
    (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm).
    A series deletion in such a call, rolled back with it, is not carried out later either."""
    emu = started(None)
    try:
        record_id, occurrences = series(emu, http)
        missing = occurrences[0][:-6] + "AAAAAA"  # an Event id no record has
        resp = http.delete(url(emu, "composite/sobjects"), params={"ids": f"{occurrences[0]},{missing}",
                                                                   "allOrNone": "true"}, headers=auth(emu))
        assert resp.status_code == 200, resp.text
        assert [r["success"] for r in resp.json()] == [False, False]
        assert emu.pending_deletions() == []
        assert emu.finish_pending_deletions() == 0
        assert live_ids(emu, http) == {record_id, *occurrences}
    finally:
        emu.stop()
    assert emu.errors == []


def test_with_lingering_rows_cut_the_doomed_occurrences_take_the_cut_pattern_while_they_linger(http):
    """The other reading of DELETE_SERIES's "Wait for all events to be removed" (``lingering_rows_cut=True``, a
    guess as much as the default): the occurrences the cut dooms linger with the pattern the kept rows get, stamped
    with the request's moment; they still go when the deletion finishes."""
    emu = started(None, lingering_rows_cut=True)
    try:
        record_id, occurrences = series(emu, http)
        emu.clock.advance(60)
        assert delete_onwards(emu, http, occurrences[3]).status_code == 200
        found = {r["Id"]: r for r in query(emu, http, "SELECT Id, Recurrence2PatternText, SystemModstamp FROM Event")}
        assert set(found) == {record_id, *occurrences}
        assert {r["Recurrence2PatternText"] for r in found.values()} == {
            "RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=1;UNTIL=20260406T065959Z"}
        assert {found[i]["SystemModstamp"] for i in occurrences[3:]} == {"2026-03-10T08:01:00.000+0000"}
        assert emu.finish_pending_deletions() == 3
        assert live_ids(emu, http) == {record_id, *occurrences[:3]}
    finally:
        emu.stop()
    assert emu.errors == []
