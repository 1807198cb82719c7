"""The Salesforce emulator against clients that are not our adapter: raw ``requests`` calls (chunked and not)
built from the documented sample requests, checked against the documented responses. Each test cites the
page its behaviour comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

USERNAME, PASSWORD, TOKEN = "syncore@example.com", "emulator-password", "EMULATORTOKEN"
V = "59.0"


def chunked(body: bytes, size: int = 7) -> Iterator[bytes]:
    """A body requests sends with ``Transfer-Encoding: chunked`` (a generator has no length)."""
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.fixture
def emu():
    with SalesforceEmulator() as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


@pytest.fixture
def http(emu):
    """A plain requests session (keep-alive) with a valid session id, as any REST client would hold."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        yield session


def data_url(emu: SalesforceEmulator, tail: str) -> str:
    return f"{emu.url}/services/data/v{V}/{tail}"


def query(emu: SalesforceEmulator, http: requests.Session, soql: str) -> dict:
    resp = http.get(data_url(emu, "query/"), params={"q": soql})
    assert resp.status_code == 200, resp.text
    return resp.json()


# -- request bodies: Content-Length and chunked ------------------------------------------------------------

#: The SOAP API's sample login request ("Quick Start", login()):
#: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm
SOAP_LOGIN = f"""<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
  <env:Body>
    <n1:login xmlns:n1="urn:partner.soap.sforce.com">
      <n1:username>{USERNAME}</n1:username>
      <n1:password>{PASSWORD}{TOKEN}</n1:password>
    </n1:login>
  </env:Body>
</env:Envelope>""".encode()


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_soap_login_sample_request(emu, framing):
    """SOAP login(): https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm
    (jsforce sends its login envelope chunked: the emulator must read it either way)."""
    body = SOAP_LOGIN if framing == "content-length" else chunked(SOAP_LOGIN)
    headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"}
    with requests.Session() as session:
        resp = session.post(f"{emu.url}/services/Soap/u/{V}", data=body, headers=headers)
        assert resp.status_code == 200, resp.text
        session_id = re.search(r"<sessionId>([^<]+)</sessionId>", resp.text).group(1)
        server_url = re.search(r"<serverUrl>([^<]+)</serverUrl>", resp.text).group(1)
        assert server_url.endswith(f"/services/Soap/u/{V}/{emu.org_id[:15]}")
        assert f"<userId>{emu.user_id}</userId>" in resp.text
        # The same kept-alive connection carries the next request, framed correctly.
        limits = session.get(data_url(emu, "limits/"), headers={"Authorization": f"Bearer {session_id}"})
        assert limits.status_code == 200
    logged = emu.requests[0]
    assert logged.operation == "login" and logged.body_size == len(SOAP_LOGIN)
    assert logged.headers.get("Transfer-Encoding") == ("chunked" if framing == "chunked" else None)


def test_jsforce_soap_login_sent_chunked(emu):
    """jsforce's loginBySoap envelope (no XML declaration, an ``se:`` prefix, the partner namespace as default,
    ``SOAPAction: ""``), streamed with ``Transfer-Encoding: chunked`` as its HTTP layer does; the SOAP login
    call itself: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm"""
    envelope = (
        '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body>'
        '<login xmlns="urn:partner.soap.sforce.com">'
        f"<username>{USERNAME}</username><password>{PASSWORD}{TOKEN}</password>"
        "</login></se:Body></se:Envelope>"
    ).encode()
    with requests.Session() as session:
        resp = session.post(
            f"{emu.url}/services/Soap/u/{V}",
            data=chunked(envelope, 16),
            headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        )
        assert resp.status_code == 200, resp.text
        assert "<sessionId>" in resp.text and f"<userName>{USERNAME}</userName>" in resp.text
        wrong = envelope.replace(TOKEN.encode(), b"WRONG")
        refused = session.post(f"{emu.url}/services/Soap/u/{V}", data=chunked(wrong), headers={"SOAPAction": '""'})
        assert refused.status_code == 500 and "<faultcode>INVALID_LOGIN</faultcode>" in refused.text


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_oauth_username_password_flow_sample(emu, framing):
    """OAuth 2.0 username-password flow, request body and response fields:
    https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_username_password_flow.htm"""
    form = (
        f"grant_type=password&client_id={emu.consumer_key}&client_secret={emu.consumer_secret}"
        f"&username={USERNAME.replace('@', '%40')}&password={PASSWORD}{TOKEN}"
    ).encode()
    body = form if framing == "content-length" else chunked(form)
    with requests.Session() as session:
        resp = session.post(
            f"{emu.url}/services/oauth2/token",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert resp.status_code == 200, resp.text
        token = resp.json()
        assert set(token) >= {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
        assert token["token_type"] == "Bearer"
        # The identity URL is on the emulator itself: following it never reaches login.salesforce.com.
        identity = urlsplit(token["id"])
        assert f"{identity.scheme}://{identity.netloc}" == emu.url
        assert identity.path == f"/id/{emu.org_id}/{emu.user_id}"
        me = session.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.status_code == 200 and me.json()["user_id"] == emu.user_id


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_rest_create_sample_request(emu, http, framing):
    """Create a record, sample request and response:
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm"""
    payload = b'{\n"Name" : "Express Logistics and Transport"\n}'
    body = payload if framing == "content-length" else chunked(payload, 5)
    resp = http.post(
        data_url(emu, "sobjects/Account/"), data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created == {"id": created["id"], "success": True, "errors": []}
    assert created["id"].startswith("001") and len(created["id"]) == 18
    # Keep-alive survived the chunked body: the next request on the session is read as its own.
    rows = query(emu, http, "SELECT Name FROM Account")["records"]
    assert [r["Name"] for r in rows] == ["Express Logistics and Transport"]


# -- identity URL, versions, limits ------------------------------------------------------------------------


def test_identity_url_response(emu, http):
    """Identity URL response fields, and ``version`` filling the API URLs' {version}:
    https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_openid.htm and
    https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-using-identity-urls.html"""
    url = f"{emu.url}/id/{emu.org_id}/{emu.user_id}"
    body = http.get(url).json()
    assert body["id"].endswith(f"/id/{emu.org_id}/{emu.user_id}")
    assert (body["user_id"], body["organization_id"], body["username"]) == (emu.user_id, emu.org_id, USERNAME)
    assert body["asserted_user"] is True and body["active"] is True
    assert body["timezone"] == "GMT"
    assert set(body["urls"]) >= {"enterprise", "metadata", "partner", "rest", "sobjects", "query", "profile"}
    assert "{version}" in body["urls"]["rest"], "without ?version the URLs keep the literal {version}"
    versioned = http.get(url, params={"version": "latest"}).json()
    assert versioned["urls"]["rest"].endswith(f"/services/data/v{V}/")
    # The token may also come as the oauth_token parameter (documented).
    token = http.headers["Authorization"].split(" ", 1)[1]
    assert requests.get(url, params={"oauth_token": token}).status_code == 200


def test_identity_url_of_another_user_or_without_token_is_refused(emu, http):
    """ "Client access to the identity URL for one user doesn't give it access to the identity URL for another
    user": https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_openid.htm"""
    other = emu.add_user("second@example.com", "pw", "TOK")
    assert http.get(f"{emu.url}/id/{emu.org_id}/{other.user_id}").status_code == 403
    assert requests.get(f"{emu.url}/id/{emu.org_id}/{emu.user_id}").status_code == 403


def test_versions_list(emu):
    """List available REST API versions (no authentication; label, url, version; the documented sample
    starts at 31.0 "Summer '14"): https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.html"""
    versions = requests.get(f"{emu.url}/services/data/").json()
    assert versions[0] == {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
    assert versions[1] == {"label": "Winter '15", "url": "/services/data/v32.0", "version": "32.0"}
    assert versions[-1] == {"label": "Winter '24", "url": f"/services/data/v{V}", "version": V}
    assert [v["version"] for v in versions] == [f"{n}.0" for n in range(31, 60)]
    # "latest" resolves to the most recent version (documented alias).
    resources = requests.get(
        f"{emu.url}/services/data/latest/", headers={"Authorization": f"Bearer {emu.issue_token()}"}
    ).json()
    assert resources["sobjects"] == f"/services/data/v{V}/sobjects"


def test_limits_full_key_set(emu, http):
    """Limits resource, Response Body table:
    https://developer.salesforce.com/docs/platform/api-rest/guide/resources-limits.html"""
    body = http.get(data_url(emu, "limits/")).json()
    documented = {
        "ConcurrentAsyncGetReportInstances",
        "ConcurrentSyncReportRuns",
        "DailyApiRequests",
        "DailyAsyncApexExecutions",
        "DailyBulkApiBatches",
        "DailyBulkV2QueryFileStorageMB",
        "DailyBulkV2QueryJobs",
        "DailyDurableGenericStreamingApiEvents",
        "DailyDurableStreamingApiEvents",
        "DailyGenericStreamingApiEvents",
        "DailyStreamingApiEvents",
        "DailyWorkflowEmails",
        "DataStorageMB",
        "DurableStreamingApiConcurrentClients",
        "FileStorageMB",
        "HourlyAsyncReportRuns",
        "HourlyDashboardRefreshes",
        "HourlyDashboardResults",
        "HourlyDashboardStatuses",
        "HourlyODataCallout",
        "HourlySyncReportRuns",
        "HourlyTimeBasedWorkflow",
        "MassEmail",
        "PermissionSets",
        "SingleEmail",
        "StreamingApiConcurrentClients",
    }
    assert documented <= set(body)
    assert all(set(v) >= {"Max", "Remaining"} for v in body.values())
    assert body["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - 1}
    assert body["PermissionSets"]["CreateCustom"] == {"Max": 1000, "Remaining": 1000}


# -- ids: case-sensitive values ----------------------------------------------------------------------------


def test_order_by_id_is_case_sensitive_and_keyset_paging_visits_every_row_once(emu, http):
    """IDs are case-sensitive ("ID Field Type": https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/
    field_types.htm), so they order by exact characters, 0-9 before A-Z before a-z, and
    ``WHERE Id > :last ORDER BY Id`` pages through a table without skipping or repeating a row."""
    ids = [emu.insert("Contact", {"LastName": f"n{i}"}) for i in range(150)]
    ordered = [r["Id"] for r in query(emu, http, "SELECT Id FROM Contact ORDER BY Id")["records"]]
    assert ordered == sorted(ids), "ASCII order: digits, upper case, lower case"
    assert ordered != sorted(ids, key=str.lower), "the generated ids mix cases, so the two orders differ"
    seen: list[str] = []
    last = "000000000000000AAA"
    while True:
        page = query(emu, http, f"SELECT Id FROM Contact WHERE Id > '{last}' ORDER BY Id LIMIT 40")["records"]
        if not page:
            break
        seen += [r["Id"] for r in page]
        last = page[-1]["Id"]
    assert seen == sorted(ids)


def test_id_equality_accepts_15_and_18_characters_but_not_another_case(emu, http):
    """A 15-character id is case-sensitive; the 18-character form is its case-safe version:
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm"""
    rid = emu.insert("Contact", {"LastName": "Case"})
    assert query(emu, http, f"SELECT Id FROM Contact WHERE Id = '{rid[:15]}'")["totalSize"] == 1
    assert query(emu, http, f"SELECT Id FROM Contact WHERE Id = '{rid.lower()}'")["totalSize"] == 1
    swapped = rid[:15].swapcase()
    assert query(emu, http, f"SELECT Id FROM Contact WHERE Id = '{swapped}'")["totalSize"] == 0


# -- date literals -----------------------------------------------------------------------------------------

DATE_LITERALS = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm"


def _due_dates(emu: SalesforceEmulator, http: requests.Session, literal: str) -> list[str]:
    soql = f"SELECT ActivityDate FROM Task WHERE ActivityDate = {literal} ORDER BY ActivityDate"
    return [r["ActivityDate"] for r in query(emu, http, soql)["records"]]


def test_date_literals_on_a_date_field(emu, http):
    """Date literal ranges (YESTERDAY, TODAY, TOMORROW, LAST_N_DAYS:n includes today, NEXT_N_DAYS:n starts
    tomorrow, THIS_WEEK from Sunday in the en_US locale, N_DAYS_AGO:n): see DATE_LITERALS."""
    # A frozen clock: this test is about one specific day (Tuesday 2026-11-24, noon UTC).
    emu.clock.freeze(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    for offset in range(-10, 11):
        emu.insert(
            "Task", {"Subject": f"d{offset}", "ActivityDate": str(date(2026, 11, 24) + timedelta(offset))}
        )
    day = lambda n: str(date(2026, 11, 24) + timedelta(n))
    assert _due_dates(emu, http, "TODAY") == [day(0)]
    assert _due_dates(emu, http, "YESTERDAY") == [day(-1)]
    assert _due_dates(emu, http, "TOMORROW") == [day(1)]
    assert _due_dates(emu, http, "LAST_N_DAYS:2") == [day(-2), day(-1), day(0)]
    assert _due_dates(emu, http, "NEXT_N_DAYS:2") == [day(1), day(2)]
    assert _due_dates(emu, http, "N_DAYS_AGO:3") == [day(-3)]
    assert _due_dates(emu, http, "THIS_WEEK") == [day(n) for n in range(-2, 5)]  # Sun 22nd .. Sat 28th
    assert _due_dates(emu, http, "LAST_WEEK") == [day(n) for n in range(-9, -2)]
    soql = "SELECT ActivityDate FROM Task WHERE ActivityDate > NEXT_N_DAYS:8 ORDER BY ActivityDate"
    assert [r["ActivityDate"] for r in query(emu, http, soql)["records"]] == [day(9), day(10)]
    soql = "SELECT ActivityDate FROM Task WHERE ActivityDate < LAST_N_DAYS:9 ORDER BY ActivityDate"
    assert [r["ActivityDate"] for r in query(emu, http, soql)["records"]] == [day(-10)]


def test_date_literals_on_a_datetime_field_start_at_the_users_midnight(emu):
    """ "The exact start and end of the range depends on ... the user sending the query" (DATE_LITERALS):
    TODAY on a dateTime field is the querying user's local day, as UTC instants."""
    emu.clock.freeze(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))  # frozen: 05:00 on the 25th in Tokyo
    stamps = {
        "la-day": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),  # 01:00 on the 24th in Los Angeles
        "utc-day": datetime(2026, 11, 24, 6, 0, tzinfo=UTC),  # 22:00 on the 23rd in Los Angeles
        "tokyo-day": datetime(2026, 11, 24, 16, 0, tzinfo=UTC),  # 01:00 on the 25th in Tokyo
    }
    for name, stamp in stamps.items():
        emu.insert("Contact", {"LastName": name}, system_modstamp=stamp)
    names = {}
    for zone in ("GMT", "America/Los_Angeles", "Asia/Tokyo"):
        username = zone.replace("/", ".").lower() + "@example.com"
        emu.add_user(username, "pw", "T", time_zone=zone)
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {emu.issue_token(username)}"
            rows = query(emu, session, "SELECT LastName FROM Contact WHERE CreatedDate = TODAY")["records"]
        names[zone] = sorted(r["LastName"] for r in rows)
    assert names == {
        "GMT": ["la-day", "tokyo-day", "utc-day"],
        "America/Los_Angeles": ["la-day", "tokyo-day"],  # 24th 00:00 PST = 08:00Z .. 25th 08:00Z
        "Asia/Tokyo": ["tokyo-day"],  # the 25th in Tokyo = 24th 15:00Z .. 25th 15:00Z
    }


def test_date_literal_with_a_missing_or_unexpected_parameter_is_malformed(emu, http):
    """LAST_N_DAYS:n needs its n; TODAY takes none (DATE_LITERALS)."""
    for soql in (
        "SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS",
        "SELECT Id FROM Task WHERE ActivityDate = TODAY:2",
    ):
        resp = http.get(data_url(emu, "query/"), params={"q": soql})
        assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "MALFORMED_QUERY"


# -- relationship fields -----------------------------------------------------------------------------------

RELATIONSHIPS = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm"
POLYMORPHIC = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm"


def test_child_to_parent_relationship_in_select_and_where(emu, http):
    """ "SELECT Id, Name, Account.Name FROM Contact WHERE Account.Industry = 'media'" (RELATIONSHIPS): the parent
    is a nested record with its own attributes, null when the reference is empty."""
    media = emu.insert("Account", {"Name": "Acme Media", "Industry": "Other"})
    emu.insert("Account", {"Name": "Globex", "Industry": "Banking"})
    contact = emu.insert("Contact", {"LastName": "Lovelace", "AccountId": media})
    emu.insert("Contact", {"LastName": "Orphan"})
    rows = query(emu, http, "SELECT Id, Name, Account.Name FROM Contact WHERE Account.Industry = 'other'")
    assert rows["records"] == [
        {
            "attributes": {"type": "Contact", "url": f"/services/data/v{V}/sobjects/Contact/{contact}"},
            "Id": contact,
            "Name": "Lovelace",
            "Account": {
                "attributes": {"type": "Account", "url": f"/services/data/v{V}/sobjects/Account/{media}"},
                "Name": "Acme Media",
            },
        }
    ]
    everyone = query(emu, http, "SELECT LastName, Account.Name FROM Contact ORDER BY Account.Name NULLS LAST")
    assert [(r["LastName"], r["Account"]) for r in everyone["records"]][1] == ("Orphan", None)
    owners = query(emu, http, "SELECT Owner.Name, Owner.Email FROM Contact WHERE LastName = 'Lovelace'")
    assert owners["records"][0]["Owner"]["Email"] == "other.user@example.com"


def test_polymorphic_relationships_lead_to_the_name_object(emu, http):
    """Who / What / Owner name several objects, so they lead to the Name object (``Type`` is the record's
    object): "SELECT Id FROM Event WHERE What.Type IN ('Account', 'Opportunity')" (POLYMORPHIC)."""
    account = emu.insert("Account", {"Name": "Initech"})
    contact = emu.insert("Contact", {"LastName": "Lumbergh", "Email": "bill@initech.example"})
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC).isoformat()
    event = http.post(
        data_url(emu, "sobjects/Event/"),
        json={
            "Subject": "TPS",
            "StartDateTime": start,
            "DurationInMinutes": 30,
            "WhoId": contact,
            "WhatId": account,
        },
    ).json()["id"]
    http.post(
        data_url(emu, "sobjects/Event/"),
        json={"Subject": "Alone", "StartDateTime": start, "DurationInMinutes": 5},
    )
    rows = query(
        emu,
        http,
        "SELECT Subject, Who.Email, What.Name, What.Type, Owner.Name FROM Event WHERE What.Type IN ('Account')",
    )["records"]
    assert len(rows) == 1
    row = rows[0]
    assert row["Who"] == {
        "attributes": {"type": "Name", "url": f"/services/data/v{V}/sobjects/Contact/{contact}"},
        "Email": "bill@initech.example",
    }
    assert row["What"]["Name"] == "Initech" and row["What"]["Type"] == "Account"
    assert row["Owner"]["Name"] == "syncore"
    by_email = query(emu, http, "SELECT Id FROM Event WHERE Who.Email LIKE '%@initech.example'")["records"]
    assert [r["Id"] for r in by_email] == [event]
    alone = query(emu, http, "SELECT Who.Email FROM Event WHERE Subject = 'Alone'")["records"][0]
    assert alone["Who"] is None


def test_unknown_relationship_is_invalid_field(emu, http):
    """An unknown relationship name is INVALID_FIELD ("Didn't understand relationship"), RELATIONSHIPS."""
    resp = http.get(data_url(emu, "query/"), params={"q": "SELECT Acount.Name FROM Contact"})
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "Didn't understand relationship 'Acount'" in resp.json()[0]["message"]


# -- users' time zones -------------------------------------------------------------------------------------

EVENT = "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm"


@pytest.mark.parametrize(
    ("zone", "start", "local_day"),
    [
        # 23:30 on the 23rd in Los Angeles is already the 24th in UTC.
        ("America/Los_Angeles", datetime(2026, 11, 24, 7, 30, tzinfo=UTC), date(2026, 11, 23)),
        # 08:30 on the 25th in Tokyo is still the 24th in UTC.
        ("Asia/Tokyo", datetime(2026, 11, 24, 23, 30, tzinfo=UTC), date(2026, 11, 25)),
    ],
)
def test_dates_are_derived_in_the_users_time_zone(zone, start, local_day):
    """A timed event's ActivityDate is its start's date for the user; an all-day event given by its start
    instant falls on the user's date and is stored at midnight UTC of it (ActivityDate "always set to
    midnight in UTC"), EVENT. The dates a client sends (ActivityDate) are never shifted."""
    with SalesforceEmulator(time_zone=zone) as emu, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        timed = http.post(
            data_url(emu, "sobjects/Event/"),
            json={"Subject": "timed", "StartDateTime": start.isoformat(), "DurationInMinutes": 60},
        ).json()["id"]
        local_midnight = start.astimezone(ZoneInfo(zone)).replace(hour=0, minute=0)
        all_day = http.post(
            data_url(emu, "sobjects/Event/"),
            json={"Subject": "all day", "IsAllDayEvent": True, "StartDateTime": local_midnight.isoformat()},
        ).json()["id"]
        given = http.post(
            data_url(emu, "sobjects/Event/"),
            json={"Subject": "dated", "IsAllDayEvent": True, "ActivityDate": "2026-12-01"},
        ).json()["id"]
        rows = {
            r["Id"]: r
            for r in query(emu, http, "SELECT Id, ActivityDate, StartDateTime, EndDate FROM Event")["records"]
        }
        assert rows[timed]["ActivityDate"] == str(local_day)
        assert rows[all_day]["ActivityDate"] == str(local_midnight.date())
        assert rows[all_day]["StartDateTime"] == f"{local_midnight.date()}T00:00:00.000+0000"
        assert rows[given]["ActivityDate"] == "2026-12-01"
        assert rows[given]["StartDateTime"] == "2026-12-01T00:00:00.000+0000"
        login = requests.post(
            f"{emu.url}/services/Soap/u/{V}", data=SOAP_LOGIN, headers={"SOAPAction": "login"}
        ).text
        assert f"<userTimeZone>{zone}</userTimeZone>" in login
        assert emu.errors == []


def test_server_date_header_is_the_orgs_clock(emu, http):
    """Every response carries the server's Date (RFC 9110 §6.6.1); a client can take its watermark from it."""
    # A frozen clock: the header must equal this one instant.
    emu.clock.freeze(datetime(2026, 11, 24, 15, 10, 30, tzinfo=UTC))
    resp = http.get(data_url(emu, "limits/"))
    assert parsedate_to_datetime(resp.headers["Date"]) == datetime(2026, 11, 24, 15, 10, 30, tzinfo=UTC)
