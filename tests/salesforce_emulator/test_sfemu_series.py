"""Recurring event series in the Salesforce emulator, driven by raw ``requests`` calls (not our adapter).

Every test cites the page its behaviour comes from; behaviours the pages do not pin are marked (unverified) in
the emulator (emulator/series.py, emulator/patterns.py) and asserted here only as far as the pages go.

Pages:
- Event object reference (fields, createable/updateable, Recurrence2 RRULE parts and ranges):
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm
- Change Data Capture, "Recurring Activities" (series record GroupEventType '3' plus one Event per occurrence;
  critical edits delete and re-create the occurrences):
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_task_event_recurring.htm
- REST API, "Delete Lightning Experience Event Series":
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_event_series_delete.htm
- Knowledge Article 000212481 (classic occurrence limits: Daily 100, Weekly 53, Monthly 59, Yearly 9):
  https://help.salesforce.com/apex/HTViewSolution?id=000212481&language=en_US
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

V = "59.0"
BERLIN = ZoneInfo("Europe/Berlin")
#: Monday 16 March 2026, 09:00 in Berlin (CET, UTC+1); Berlin moves to CEST (UTC+2) on Sunday 29 March 2026
FIRST_MONDAY = "2026-03-16T08:00:00.000+0000"


@pytest.fixture
def emu():
    with SalesforceEmulator() as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


@pytest.fixture
def http(emu):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        yield session


def url(emu: SalesforceEmulator, tail: str, version: str = V) -> str:
    return f"{emu.url}/services/data/v{version}/{tail}"


def rows(emu, http, where: str = "", fields: str = "") -> list[dict]:
    soql = ("SELECT Id, Subject, StartDateTime, EndDateTime, GroupEventType, IsRecurrence, IsRecurrence2, "
            "IsRecurrence2Exception, Recurrence2PatternText, Recurrence2PatternTimeZone, RecurrenceActivityId"
            f"{fields} FROM Event {where} ORDER BY StartDateTime, GroupEventType DESC")
    resp = http.get(url(emu, "query/"), params={"q": soql})
    assert resp.status_code == 200, resp.text
    return resp.json()["records"]


def weekly_series(**extra) -> dict:
    """A Lightning weekly series on Mondays at 09:00 Berlin time, 4 occurrences, across the spring DST change."""
    return {"Subject": "1:1", "StartDateTime": FIRST_MONDAY, "EndDateTime": "2026-03-16T08:30:00.000+0000",
            "Recurrence2PatternText": "FREQ=WEEKLY;COUNT=4;BYDAY=MO", "Recurrence2PatternTimeZone": "Europe/Berlin",
            **extra}


def create(emu, http, payload: dict, version: str = V) -> requests.Response:
    return http.post(url(emu, "sobjects/Event/", version), json=payload)


def local(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(BERLIN)


# -- Lightning: storage ---------------------------------------------------------------------------------------


def test_lightning_series_is_a_series_record_plus_one_event_per_occurrence(emu, http):
    """CDC "Recurring Activities": creating a series makes the series record (``GroupEventType`` 3) and one
    Event per occurrence; both carry ``Recurrence2PatternText``."""
    resp = create(emu, http, weekly_series())
    assert resp.status_code == 201, resp.text
    found = rows(emu, http)
    series = [r for r in found if r["GroupEventType"] == "3"]
    occurrences = [r for r in found if r["GroupEventType"] != "3"]
    assert len(series) == 1 and len(occurrences) == 4
    assert all(r["IsRecurrence2"] and not r["IsRecurrence"] for r in found)
    assert {r["Recurrence2PatternText"] for r in found} == {"RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=1;COUNT=4"}
    # The create answers an id of the series' rows: the one the REST guide deletes a whole series with.
    assert resp.json()["id"] in {r["Id"] for r in found}


def test_lightning_occurrences_keep_their_wall_time_across_the_dst_change(emu, http):
    """Event reference, ``Recurrence2PatternTimeZone``: the pattern runs in that zone, so a 09:00 Berlin meeting
    stays at 09:00 Berlin time (08:00Z before 29 March 2026, 07:00Z after)."""
    create(emu, http, weekly_series())
    occurrences = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert [r["StartDateTime"] for r in occurrences] == [
        "2026-03-16T08:00:00.000+0000", "2026-03-23T08:00:00.000+0000",
        "2026-03-30T07:00:00.000+0000", "2026-04-06T07:00:00.000+0000"]
    assert {local(r["StartDateTime"]).strftime("%a %H:%M") for r in occurrences} == {"Mon 09:00"}
    assert {local(r["EndDateTime"]).strftime("%H:%M") for r in occurrences} == {"09:30"}


@pytest.mark.parametrize(("sent", "stored"), [
    # The stored example of the project reference §1.4 (parts reordered, INTERVAL=1 inserted, RRULE: prefixed)
    ("FREQ=WEEKLY;COUNT=13;WKST=SU;BYDAY=MO", "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13"),
    ("RRULE:INTERVAL=2;FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR;UNTIL=20261231T235959Z",
     "RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;INTERVAL=2;UNTIL=20261231T235959Z"),
    ("freq=yearly;bymonth=3;bymonthday=16;count=2", "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=16;INTERVAL=1;COUNT=2"),
])
def test_pattern_text_is_rewritten_to_the_normal_form(emu, http, sent, stored):
    """Event reference, ``Recurrence2PatternText``: Salesforce stores the RRULE in its normal form (reference
    §1.4: parts in the order FREQ, BYMONTH, BYMONTHDAY, BYDAY, WKST, BYSETPOS, INTERVAL, UNTIL, COUNT)."""
    resp = create(emu, http, weekly_series(Recurrence2PatternText=sent))
    assert resp.status_code == 201, resp.text
    assert {r["Recurrence2PatternText"] for r in rows(emu, http)} == {stored}


@pytest.mark.parametrize(("text", "why"), [
    ("FREQ=DAILY;INTERVAL=1000;COUNT=2", "daily INTERVAL is 1-999"),
    ("FREQ=WEEKLY;INTERVAL=100;BYDAY=MO;COUNT=2", "weekly INTERVAL is 1-99"),
    ("FREQ=MONTHLY;INTERVAL=100;COUNT=2", "monthly INTERVAL is 1-99"),
    ("FREQ=YEARLY;INTERVAL=2;COUNT=2", "yearly INTERVAL is 1"),
    ("FREQ=WEEKLY;COUNT=2", "WEEKLY requires BYDAY"),
    ("FREQ=DAILY;COUNT=1000", "COUNT is 1-999"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20261231T000000Z", "COUNT not together with UNTIL"),
    ("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL is yyyyMMddTHHmmssZ"),
    ("FREQ=DAILY;BYHOUR=9;COUNT=2", "BYHOUR is not an accepted part"),
    ("FREQ=HOURLY;COUNT=2", "FREQ is DAILY, WEEKLY, MONTHLY or YEARLY"),
])
def test_patterns_outside_what_recurrence2_accepts_are_refused(emu, http, text, why):
    """Event reference, ``Recurrence2PatternText``: the accepted RRULE parts and their ranges (reference §1.4).
    The error code is (unverified): FIELD_INTEGRITY_EXCEPTION, Salesforce's code for the Event integrity rules."""
    resp = create(emu, http, weekly_series(Recurrence2PatternText=text))
    assert resp.status_code == 400, why
    assert resp.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert resp.json()[0]["fields"] == ["Recurrence2PatternText"]
    assert rows(emu, http) == []


def test_pattern_text_longer_than_512_characters_is_refused(emu, http):
    """Event reference / describe: ``Recurrence2PatternText`` is a 512-character text area (STRING_TOO_LONG)."""
    days = ",".join(["MO"] * 170)  # 'FREQ=WEEKLY;COUNT=2;BYDAY=' + 170 x 'MO,' is past 512 characters
    resp = create(emu, http, weekly_series(Recurrence2PatternText=f"FREQ=WEEKLY;COUNT=2;BYDAY={days}"))
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "STRING_TOO_LONG"
    assert rows(emu, http) == []


def test_pattern_is_create_only(emu, http):
    """Event reference: ``Recurrence2PatternText`` is Create (not Update) — a PATCH that sends it is refused."""
    create(emu, http, weekly_series())
    series = next(r for r in rows(emu, http) if r["GroupEventType"] == "3")
    resp = http.patch(url(emu, f"sobjects/Event/{series['Id']}"),
                      json={"Recurrence2PatternText": "FREQ=WEEKLY;BYDAY=TU;COUNT=4"})
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


@pytest.mark.parametrize(("version", "lightning", "createable"), [("51.0", True, False), ("52.0", True, True),
                                                                   ("59.0", False, False)])
def test_describe_says_whether_the_api_may_create_a_lightning_series(version, lightning, createable):
    """Event reference: ``Recurrence2PatternText`` is createable from API 52.0 (read-only 44.0-51.0); an org can
    also keep Lightning series off the API (``lightning_series=False``). Creating one then is refused."""
    with SalesforceEmulator(api_version=version, lightning_series=lightning) as emu, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        describe = http.get(url(emu, "sobjects/Event/describe/", version)).json()
        field = next(f for f in describe["fields"] if f["name"] == "Recurrence2PatternText")
        assert field["createable"] is createable
        resp = create(emu, http, weekly_series(), version)
        assert resp.status_code == (201 if createable else 400), resp.text
        if not createable:
            assert resp.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


# -- Lightning: edits -----------------------------------------------------------------------------------------


def test_editing_an_occurrence_makes_it_an_exception_and_leaves_the_others(emu, http):
    """Event reference, ``IsRecurrence2Exception``: an occurrence edited on its own is an exception."""
    create(emu, http, weekly_series())
    second = [r for r in rows(emu, http) if r["GroupEventType"] != "3"][1]
    resp = http.patch(url(emu, f"sobjects/Event/{second['Id']}"), json={"Subject": "moved 1:1"})
    assert resp.status_code == 204, resp.text
    after = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert [(r["Subject"], r["IsRecurrence2Exception"]) for r in after] == [
        ("1:1", False), ("moved 1:1", True), ("1:1", False), ("1:1", False)]


def test_critical_edit_recreates_the_occurrences_with_new_ids(emu, http):
    """CDC "Updating Recurring Calendar Events": a change to the series' timing deletes and re-creates the
    occurrences, so their ids change; a non-critical change (subject) keeps them."""
    create(emu, http, weekly_series())
    series = next(r for r in rows(emu, http) if r["GroupEventType"] == "3")
    before = {r["Id"] for r in rows(emu, http) if r["GroupEventType"] != "3"}
    http.patch(url(emu, f"sobjects/Event/{series['Id']}"), json={"Subject": "weekly 1:1"}).raise_for_status()
    kept = rows(emu, http)
    assert {r["Id"] for r in kept if r["GroupEventType"] != "3"} == before
    assert {r["Subject"] for r in kept} == {"weekly 1:1"}

    resp = http.patch(url(emu, f"sobjects/Event/{series['Id']}"),
                      json={"StartDateTime": "2026-03-16T09:00:00.000+0000",
                            "EndDateTime": "2026-03-16T09:30:00.000+0000"})
    assert resp.status_code == 204, resp.text
    after = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert len(after) == 4 and not {r["Id"] for r in after} & before
    assert {local(r["StartDateTime"]).strftime("%a %H:%M") for r in after} == {"Mon 10:00"}
    # The series record keeps its id.
    assert series["Id"] in {r["Id"] for r in rows(emu, http) if r["GroupEventType"] == "3"}
    deleted = http.get(url(emu, "queryAll/"), params={"q": "SELECT Id FROM Event WHERE IsDeleted = true"}).json()
    assert {r["Id"] for r in deleted["records"]} == before


# -- Lightning: deletes ---------------------------------------------------------------------------------------


def test_deleting_one_occurrence_leaves_the_rest(emu, http):
    """REST "Delete Lightning Experience Event Series": ``DELETE sobjects/Event/{id}`` deletes one occurrence."""
    create(emu, http, weekly_series())
    occurrences = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert http.delete(url(emu, f"sobjects/Event/{occurrences[2]['Id']}")).status_code == 204
    left = [r["Id"] for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert left == [occurrences[0]["Id"], occurrences[1]["Id"], occurrences[3]["Id"]]


def test_deleting_the_first_occurrence_deletes_the_series(emu, http):
    """REST "Delete Lightning Experience Event Series": to delete the series, delete its first occurrence."""
    create(emu, http, weekly_series())
    first = next(r for r in rows(emu, http) if r["GroupEventType"] != "3")
    assert http.delete(url(emu, f"sobjects/Event/{first['Id']}")).status_code == 204
    assert rows(emu, http) == []


def test_delete_from_this_event_onwards(emu, http):
    """REST "Delete Lightning Experience Event Series": ``DELETE sobjects/Event/{id}/fromThisEventOnwards`` deletes
    that occurrence and the later ones; the earlier ones stay."""
    create(emu, http, weekly_series())
    occurrences = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    resp = http.delete(url(emu, f"sobjects/Event/{occurrences[2]['Id']}/fromThisEventOnwards"))
    assert resp.status_code == 200, resp.text
    assert "success" in resp.json()
    left = rows(emu, http)
    assert [r["Id"] for r in left if r["GroupEventType"] != "3"] == [occurrences[0]["Id"], occurrences[1]["Id"]]
    assert len([r for r in left if r["GroupEventType"] == "3"]) == 1


def test_delete_from_this_event_onwards_keeps_the_earlier_rows_and_ends_the_pattern_before_that_event(emu, http):
    """REST "Delete Lightning Experience Event Series": "all events following and including a specific event" go;
    the earlier occurrence rows keep their ids and values. That the series' ``Recurrence2PatternText`` then ends
    before the deleted event (``UNTIL`` one second before it) is (unverified): the page shows no pattern after
    the call."""
    create(emu, http, weekly_series())
    before = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert http.delete(url(emu, f"sobjects/Event/{before[2]['Id']}/fromThisEventOnwards")).status_code == 200
    found = rows(emu, http)
    kept = [r for r in found if r["GroupEventType"] != "3"]
    assert [(r["Id"], r["Subject"], r["StartDateTime"], r["EndDateTime"]) for r in kept] == [
        (r["Id"], r["Subject"], r["StartDateTime"], r["EndDateTime"]) for r in before[:2]]
    [series] = [r for r in found if r["GroupEventType"] == "3"]
    assert series["Recurrence2PatternText"].endswith("UNTIL=20260330T065959Z"), series["Recurrence2PatternText"]


def test_delete_from_this_event_onwards_of_a_deleted_event_is_not_found(emu, http):
    """REST "Delete Lightning Experience Event Series" names the event by its ID through the sObject Rows
    resource; a record that is gone is answered 404 (REST guide, "Status Codes and Error Responses": 404 "The
    requested resource couldn't be found"). A second call for the same event therefore deletes nothing more."""
    create(emu, http, weekly_series())
    occurrences = [r for r in rows(emu, http) if r["GroupEventType"] != "3"]
    assert http.delete(url(emu, f"sobjects/Event/{occurrences[2]['Id']}/fromThisEventOnwards")).status_code == 200
    resp = http.delete(url(emu, f"sobjects/Event/{occurrences[2]['Id']}/fromThisEventOnwards"))
    assert resp.status_code == 404, resp.text
    assert [r["Id"] for r in rows(emu, http) if r["GroupEventType"] != "3"] == [r["Id"] for r in occurrences[:2]]


def test_delete_from_this_event_onwards_needs_a_lightning_occurrence(emu, http):
    """REST "Delete Lightning Experience Event Series": the record must be an occurrence of an event series
    (``IsRecurrence2`` true); a single event is refused and kept."""
    single = http.post(url(emu, "sobjects/Event/"), json={
        "Subject": "single", "StartDateTime": FIRST_MONDAY, "EndDateTime": "2026-03-16T08:30:00.000+0000"}).json()
    resp = http.delete(url(emu, f"sobjects/Event/{single['id']}/fromThisEventOnwards"))
    assert resp.status_code == 400
    assert [r["Id"] for r in rows(emu, http)] == [single["id"]]


# -- classic --------------------------------------------------------------------------------------------------


def classic_weekly(end: str, **extra) -> dict:
    """A classic weekly series on Mondays at 09:00 Berlin time from 16 March 2026 to ``end``."""
    return {"Subject": "classic 1:1", "StartDateTime": FIRST_MONDAY, "DurationInMinutes": 30, "IsRecurrence": True,
            "RecurrenceStartDateTime": FIRST_MONDAY, "RecurrenceEndDateOnly": end, "RecurrenceType": "RecursWeekly",
            "RecurrenceInterval": 1, "RecurrenceDayOfWeekMask": 2, "RecurrenceTimeZoneSidKey": "Europe/Berlin",
            **extra}


def test_classic_series_is_a_main_record_plus_children(emu, http):
    """CDC "Recurring Activities" (API 41 example) and Event reference ``RecurrenceActivityId``: the main record
    (``IsRecurrence`` true) and its occurrences all carry the main record's id; the pattern runs in
    ``RecurrenceTimeZoneSidKey`` (09:00 Berlin on both sides of the DST change)."""
    resp = create(emu, http, classic_weekly("2026-04-06"))
    assert resp.status_code == 201, resp.text
    main_id = resp.json()["id"]
    found = rows(emu, http, fields=", RecurrenceType")
    main = [r for r in found if r["IsRecurrence"]]
    children = [r for r in found if not r["IsRecurrence"]]
    assert [r["Id"] for r in main] == [main_id]
    assert {r["RecurrenceActivityId"] for r in found} == {main_id}
    assert len(children) == 4
    assert {local(r["StartDateTime"]).strftime("%a %H:%M") for r in children} == {"Mon 09:00"}
    assert {r["RecurrenceType"] for r in children} == {None}


@pytest.mark.parametrize(("kind", "extra", "limit", "first", "past"), [
    ("RecursDaily", {}, 100, "2026-06-23", "2026-06-24"),
    ("RecursWeekly", {"RecurrenceDayOfWeekMask": 2}, 53, "2027-03-15", "2027-03-22"),
    ("RecursMonthly", {"RecurrenceDayOfMonth": 16}, 59, "2031-01-16", "2031-02-16"),
    ("RecursYearly", {"RecurrenceDayOfMonth": 16, "RecurrenceMonthOfYear": "March"}, 9, "2034-03-16",
     "2035-03-16"),
])
def test_classic_occurrence_limits(emu, http, kind, extra, limit, first, past):
    """Knowledge Article 000212481: a classic series holds at most 100 daily, 53 weekly, 59 monthly or 9 yearly
    occurrences. The error code is (unverified): FIELD_INTEGRITY_EXCEPTION."""
    resp = create(emu, http, classic_weekly(first, RecurrenceType=kind, **extra))
    assert resp.status_code == 201, resp.text
    assert len([r for r in rows(emu, http) if not r["IsRecurrence"]]) == limit
    resp = create(emu, http, classic_weekly(past, RecurrenceType=kind, Subject="one too many", **extra))
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert rows(emu, http, where="WHERE Subject = 'one too many'") == []


def test_a_classic_series_takes_a_new_end_date_and_re_creates_its_occurrences(emu, http):
    """Event reference (classic recurrence fields, reference §1.4): ``RecurrenceEndDateOnly`` is the series' end
    and can be updated, ``IsRecurrence`` is create-only; CDC "Recurring Activities": a change of the pattern deletes
    and re-creates the occurrences (so the kept ones get new ids; unverified for a change of the end date
    alone)."""
    main_id = create(emu, http, classic_weekly("2026-04-06")).json()["id"]
    before = [r for r in rows(emu, http) if not r["IsRecurrence"]]
    resp = http.patch(url(emu, f"sobjects/Event/{main_id}"), json={"RecurrenceEndDateOnly": "2026-03-23"})
    assert resp.status_code == 204, resp.text
    after = [r for r in rows(emu, http) if not r["IsRecurrence"]]
    assert [r["StartDateTime"] for r in after] == [r["StartDateTime"] for r in before[:2]]
    assert not {r["Id"] for r in after} & {r["Id"] for r in before}
    resp = http.patch(url(emu, f"sobjects/Event/{main_id}"), json={"IsRecurrence": True})
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_deleting_the_classic_main_record_deletes_the_series(emu, http):
    """Event reference (classic recurrence): deleting a series via the API removes all occurrences."""
    main_id = create(emu, http, classic_weekly("2026-04-06")).json()["id"]
    assert http.delete(url(emu, f"sobjects/Event/{main_id}")).status_code == 204
    assert rows(emu, http) == []


def test_classic_series_cannot_also_be_a_lightning_series(emu, http):
    """Event reference, ``IsRecurrence2``: can't be combined with ``IsRecurrence``."""
    resp = create(emu, http, classic_weekly("2026-04-06", Recurrence2PatternText="FREQ=WEEKLY;BYDAY=MO;COUNT=4"))
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert rows(emu, http) == []


def test_a_classic_weekly_series_counts_its_weeks_from_sunday(emu, http):
    """Event reference: ``RecurrenceDayOfWeekMask`` runs Sunday = 1 ... Saturday = 64, and the pattern text
    Salesforce stores spells out ``WKST=SU`` (CDC "Recurring Activities" example, reference §1.4): a
    Salesforce week starts on Sunday. So "every 2 weeks on Sunday and Wednesday" from Sunday 15 March 2026
    takes the Wednesday three days later (same Sunday week), not the one ten days later (same ISO week).
    (Unverified for classic series against a live org: no page shows a classic multi-day series with an
    interval.)"""
    sunday = "2026-03-15T08:00:00.000+0000"  # 09:00 in Berlin
    resp = create(emu, http, classic_weekly("2026-04-26", StartDateTime=sunday,
                                            RecurrenceStartDateTime=sunday, RecurrenceInterval=2,
                                            RecurrenceDayOfWeekMask=1 + 8))
    assert resp.status_code == 201, resp.text
    children = [r for r in rows(emu, http) if not r["IsRecurrence"]]
    assert [local(r["StartDateTime"]).strftime("%a %Y-%m-%d %H:%M") for r in children] == [
        "Sun 2026-03-15 09:00", "Wed 2026-03-18 09:00", "Sun 2026-03-29 09:00", "Wed 2026-04-01 09:00",
        "Sun 2026-04-12 09:00", "Wed 2026-04-15 09:00", "Sun 2026-04-26 09:00"]
