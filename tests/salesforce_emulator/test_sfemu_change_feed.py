"""What a change feed relies on, spoken to with raw ``requests`` (not our adapter): ``sobjects/{T}/updated/``
(its parameters, ``latestDateCovered``), a long-running transaction that commits late, and Composite carrying a
Get Updated and a queryAll subrequest as one API call. Each test cites the page its behaviour comes from.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

V = "59.0"
T0 = datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC)
GET_UPDATED = "https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html"
GET_UPDATED_RESULT = ("https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/"
                      "sforce_api_calls_getupdated_getupdatedresult.htm")
GET_UPDATED_SOAP = ("https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/"
                    "sforce_api_calls_getupdated.htm")
COMPOSITE = "https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html"


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=T0) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


@pytest.fixture
def http(emu):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        yield session


def url(emu: SalesforceEmulator, tail: str) -> str:
    return f"{emu.url}/services/data/v{V}/{tail}"


def iso(value: datetime) -> str:
    """The documented parameter form, URL-encoded: ``2013-05-06T00%3A00%3A00%2B00%3A00``."""
    return quote(value.strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe="")


def updated(emu, http, start: datetime, end: datetime, sobject: str = "Contact") -> requests.Response:
    return http.get(url(emu, f"sobjects/{sobject}/updated/?start={iso(start)}&end={iso(end)}"))


# -- Get Updated ------------------------------------------------------------------------------------------------

def test_get_updated_sample_response_shape(emu, http):
    """The documented example: ``{"ids": [...], "latestDateCovered": "2013-05-08T21:20:00.000+0000"}``: an end
    that lies ahead is covered up to the current minute (the example asks until 05-10 and was run on 05-08).
    https://developer.salesforce.com/docs/platform/api-rest/guide/dome-get-updated.html"""
    emu.clock.freeze(T0 + timedelta(minutes=19, seconds=30))
    rid = emu.insert("Contact", {"LastName": "Sample"})
    emu.clock.freeze(T0 + timedelta(minutes=20, seconds=42))
    later = emu.insert("Contact", {"LastName": "Not yet covered"})
    resp = updated(emu, http, T0, T0 + timedelta(days=2))
    assert resp.status_code == 200
    # the row of 15:20:42 is past latestDateCovered: the next call, starting there, lists it
    assert resp.json() == {"ids": [rid], "latestDateCovered": "2026-11-24T15:20:00.000+0000"}
    emu.clock.freeze(T0 + timedelta(minutes=21))
    nxt = http.get(url(emu, f"sobjects/Contact/updated/?start={quote('2026-11-24T15:20:00.000+0000', safe='')}"
                            f"&end={iso(T0 + timedelta(days=2))}")).json()
    assert nxt["ids"] == [later]


def test_get_updated_ignores_the_seconds_of_start_and_end(emu, http):
    """"The API ignores the seconds portion of the specified dateTime value (for example, 12:30:15 is
    interpreted as 12:30:00 UTC)." (GET_UPDATED, parameters)"""
    emu.clock.freeze(T0 + timedelta(minutes=30, seconds=15))
    inside = emu.insert("Contact", {"LastName": "12:30:15"})
    emu.clock.freeze(T0 + timedelta(minutes=40))
    # start 12:30:45 reads as 12:30:00, so a row stamped 12:30:15 is in; end 12:35:59 reads as 12:35:00
    body = updated(emu, http, T0 + timedelta(minutes=30, seconds=45), T0 + timedelta(minutes=35, seconds=59)).json()
    assert body == {"ids": [inside], "latestDateCovered": "2026-11-24T15:35:00.000+0000"}


def test_get_updated_rejects_a_start_not_before_the_end(emu, http):
    """"The specified startDate cannot be the same value as, or later than, the specified endDate value.
    Otherwise, the API returns an INVALID_REPLICATION_DATE error." (GET_UPDATED_SOAP, rules) - once the seconds
    are ignored, 15:10:05 and 15:10:50 are the same minute."""
    emu.clock.freeze(T0 + timedelta(hours=1))
    for start, end in ((T0 + timedelta(minutes=10, seconds=5), T0 + timedelta(minutes=10, seconds=50)),
                       (T0 + timedelta(minutes=20), T0 + timedelta(minutes=10))):
        resp = updated(emu, http, start, end)
        assert resp.status_code == 400
        assert resp.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_get_updated_reaches_back_30_days(emu, http):
    """"Results are returned for no more than 30 days previous to the day the call is executed." (GET_UPDATED)"""
    resp = updated(emu, http, T0 - timedelta(days=31), T0)
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    assert updated(emu, http, T0 - timedelta(days=29), T0).status_code == 200


# -- a long-running transaction ---------------------------------------------------------------------------------

def test_an_open_long_transaction_holds_latest_date_covered_at_its_start(emu, http):
    """"If Salesforce executes a long-running transaction on your instance, the value in this field is the start
    time of that long-running transaction until it completes." (GET_UPDATED_RESULT, latestDateCovered)"""
    emu.clock.freeze(T0 + timedelta(minutes=1, seconds=12, milliseconds=345))
    txn = emu.long_transaction()
    emu.clock.freeze(T0 + timedelta(minutes=4))
    body = updated(emu, http, T0, T0 + timedelta(minutes=10)).json()
    assert body["latestDateCovered"] == "2026-11-24T15:01:12.345+0000"
    txn.commit()
    assert updated(emu, http, T0, T0 + timedelta(minutes=10)).json()["latestDateCovered"] == (
        "2026-11-24T15:04:00.000+0000")


def test_a_long_transaction_commits_rows_stamped_before_rows_committed_meanwhile(emu, http):
    """The hazard latestDateCovered exists for: "use this value for the startDate of your next call to capture
    the changes that started after this date but did not complete before the endDate and were, therefore, not
    returned in the previous call" (GET_UPDATED_RESULT). Until it commits, the transaction's row is in no read;
    then it appears with the stamp of its write, earlier than a row committed in between."""
    emu.clock.freeze(T0 + timedelta(minutes=1))
    with emu.long_transaction() as txn:
        late = txn.insert("Contact", {"LastName": "Late"})
        emu.clock.freeze(T0 + timedelta(minutes=2))
        quick = emu.insert("Contact", {"LastName": "Quick"})
        soql = "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp"
        rows = http.get(url(emu, "queryAll/"), params={"q": soql}).json()["records"]
        assert [r["Id"] for r in rows] == [quick]
        assert http.get(url(emu, f"sobjects/Contact/{late}")).status_code == 404
        assert updated(emu, http, T0, T0 + timedelta(minutes=5)).json()["ids"] == []  # [start, 15:01)
    rows = http.get(url(emu, "queryAll/"), params={"q": soql}).json()["records"]
    assert [(r["Id"], r["SystemModstamp"]) for r in rows] == [
        (late, "2026-11-24T15:01:00.000+0000"), (quick, "2026-11-24T15:02:00.000+0000")]
    emu.clock.freeze(T0 + timedelta(minutes=3))
    assert set(updated(emu, http, T0, T0 + timedelta(minutes=5)).json()["ids"]) == {late, quick}


# -- Composite --------------------------------------------------------------------------------------------------

def test_composite_get_updated_and_query_all_are_one_api_call(emu, http):
    """"Executes a series of REST API requests in a single call ... The entire series of requests counts as a
    single call toward your API limits." Composite supports "All sObject resources (/services/data/vXX.X/
    sobjects/)" - Get Updated is one - and the Query and QueryAll resources (COMPOSITE). The query's first page
    comes in the composite response; its nextRecordsUrl is fetched as usual."""
    emu.clock.freeze(T0 + timedelta(minutes=3, seconds=30))
    for n in range(2_001):
        emu.insert("Contact", {"LastName": f"N{n}"})
    emu.reset_log()
    soql = "SELECT Id FROM Contact WHERE SystemModstamp >= 2026-11-24T15:00:00.000Z ORDER BY SystemModstamp, Id"
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "referenceId": "covered",
         "url": f"/services/data/v{V}/sobjects/Contact/updated/?start={iso(T0)}&end={iso(T0 + timedelta(hours=1))}"},
        {"method": "GET", "referenceId": "rows", "url": f"/services/data/v{V}/queryAll/?q={quote(soql)}"},
    ]}
    resp = http.post(url(emu, "composite"), json=body)
    assert resp.status_code == 200
    covered, rows = resp.json()["compositeResponse"]
    assert (covered["referenceId"], covered["httpStatusCode"]) == ("covered", 200)
    assert covered["body"]["latestDateCovered"] == "2026-11-24T15:03:00.000+0000"
    assert (rows["referenceId"], rows["httpStatusCode"]) == ("rows", 200)
    assert rows["body"]["totalSize"] == 2_001 and len(rows["body"]["records"]) == 2_000
    assert rows["body"]["done"] is False
    more = http.get(emu.url + rows["body"]["nextRecordsUrl"])
    assert more.status_code == 200 and len(more.json()["records"]) == 1
    assert [(e.operation, e.counted) for e in emu.requests] == [("composite", True), ("query_more", True)]
    assert [s["operation"] for s in emu.requests[0].subrequests] == ["updated", "queryAll"]
    assert emu.api_usage()[0] == 2


def test_composite_subrequest_errors_stay_in_their_own_response(emu, http):
    """"You can specify whether an error in a subrequest causes the whole composite request to roll back or just
    the subrequests that depend on it" (COMPOSITE): with allOrNone false a failing Get Updated answers its own
    status and error body, and the query still runs."""
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "referenceId": "covered",
         "url": f"/services/data/v{V}/sobjects/Contact/updated/?start={iso(T0 - timedelta(days=40))}&end={iso(T0)}"},
        {"method": "GET", "referenceId": "rows", "url": f"/services/data/v{V}/queryAll/?q=SELECT+Id+FROM+Contact"},
    ]}
    covered, rows = http.post(url(emu, "composite"), json=body).json()["compositeResponse"]
    assert covered["httpStatusCode"] == 400 and covered["body"][0]["errorCode"] == "INVALID_REPLICATION_DATE"
    assert rows["httpStatusCode"] == 200 and rows["body"]["records"] == []


def test_composite_holds_at_most_25_subrequests_and_5_queries(emu, http):
    """"You can have up to 25 subrequests in a single call. Up to 5 of these subrequests can be sObject Collections
    or query operations, including Query and QueryAll requests." (COMPOSITE; reference §3.3). Get Updated is
    neither. The error body is the one a client recorded from a real org for 26 subrequests (secondary:
    https://github.com/guardian/support-service-lambdas/pull/766)."""
    sub = {"method": "GET", "url": f"/services/data/v{V}/sobjects/Contact/describe"}
    resp = http.post(url(emu, "composite"),
                     json={"compositeRequest": [{**sub, "referenceId": f"r{i}"} for i in range(26)]})
    assert resp.status_code == 400
    assert resp.json() == {"compositeResponse": [{
        "body": [{"errorCode": "LIMIT_EXCEEDED", "message": "The request can’t contain more than 25 operations."}],
        "httpHeaders": {}, "httpStatusCode": 400, "referenceId": None}]}
    ok = http.post(url(emu, "composite"), json={"compositeRequest": [{**sub, "referenceId": f"r{i}"}
                                                                     for i in range(25)]})
    assert ok.status_code == 200 and len(ok.json()["compositeResponse"]) == 25
    query = {"method": "GET", "url": f"/services/data/v{V}/queryAll/?q=SELECT+Id+FROM+Contact"}
    updated_ = {"method": "GET",
                "url": f"/services/data/v{V}/sobjects/Contact/updated/?start={iso(T0)}&end={iso(T0 + timedelta(1))}"}
    five = [{**query, "referenceId": f"q{i}"} for i in range(5)] + [
        {**updated_, "referenceId": f"u{i}"} for i in range(10)]
    assert http.post(url(emu, "composite"), json={"compositeRequest": five}).status_code == 200
    six = five + [{**query, "referenceId": "q5"}]
    resp = http.post(url(emu, "composite"), json={"compositeRequest": six})
    assert resp.status_code == 400
    assert resp.json()["compositeResponse"][0]["body"][0]["errorCode"] == "LIMIT_EXCEEDED"
