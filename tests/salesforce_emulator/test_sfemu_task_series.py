"""Recurring and repeating tasks in the Salesforce emulator, driven by raw ``requests`` calls (not our adapter).

Pages:
- Task object reference, fields and "Usage" (recurring tasks from API 16.0; IsRecurrence requires
  RecurrenceStartDateOnly, RecurrenceEndDateOnly, RecurrenceType and the type's properties; ActivityDate can't be
  set for a recurring task; a pattern change re-creates the open occurrences; an API delete of the series removes
  open and closed occurrences; RecurrenceRegeneratedType and RecurrenceInterval in days):
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm
  (read in the stored copies of the v202.0 and v252.0/v260.0 pages)
- Change Data Capture, "Recurring Activities" (children carry RecurrenceActivityId = the main record's id):
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_task_event_recurring.htm
Behaviours the pages do not pin are marked (unverified) in emulator/task_series.py and asserted only as modelled.
"""

from __future__ import annotations

import pytest
import requests

from syncore_salesforce.emulator import SalesforceEmulator

V = "59.0"
FIELDS = ("Id, Subject, Status, IsClosed, ActivityDate, IsRecurrence, RecurrenceActivityId, RecurrenceType, "
          "RecurrenceInterval, RecurrenceDayOfMonth, RecurrenceStartDateOnly, RecurrenceEndDateOnly, "
          "RecurrenceRegeneratedType")


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


def url(emu, tail: str) -> str:
    return f"{emu.url}/services/data/v{V}/{tail}"


def rows(emu, http, where: str = "") -> list[dict]:
    resp = http.get(url(emu, "query/"), params={"q": f"SELECT {FIELDS} FROM Task {where} ORDER BY ActivityDate"})
    assert resp.status_code == 200, resp.text
    return resp.json()["records"]


def monthly(**extra) -> dict:
    """Day 15 of every month, January to April 2027: four occurrences."""
    return {"Subject": "Monthly report", "IsRecurrence": True, "RecurrenceType": "RecursMonthly",
            "RecurrenceInterval": 1, "RecurrenceDayOfMonth": 15, "RecurrenceStartDateOnly": "2027-01-15",
            "RecurrenceEndDateOnly": "2027-04-30", **extra}


def test_a_recurring_series_is_a_main_record_plus_one_open_task_per_occurrence(emu, http):
    """Task reference "Usage" and CDC "Recurring Activities": the main record holds the pattern; each occurrence is
    a task whose RecurrenceActivityId names the main record."""
    resp = http.post(url(emu, "sobjects/Task/"), json=monthly())
    assert resp.status_code == 201, resp.text
    main_id = resp.json()["id"]
    found = rows(emu, http)
    [main] = [r for r in found if r["IsRecurrence"]]
    children = [r for r in found if not r["IsRecurrence"]]
    assert main["Id"] == main_id and main["ActivityDate"] is None
    assert [c["ActivityDate"] for c in children] == ["2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15"]
    assert {c["RecurrenceActivityId"] for c in children} == {main_id}
    assert all(not c["IsClosed"] and c["Subject"] == "Monthly report" for c in children)


@pytest.mark.parametrize("missing", ["RecurrenceStartDateOnly", "RecurrenceEndDateOnly", "RecurrenceType",
                                     "RecurrenceDayOfMonth"])
def test_a_series_without_its_pattern_fields_is_refused(emu, http, missing):
    """Task reference "Usage": "If IsRecurrence is true, then RecurrenceStartDateOnly, RecurrenceEndDateOnly,
    RecurrenceType, and any properties associated with the given recurrence type must be populated"."""
    payload = monthly()
    del payload[missing]
    resp = http.post(url(emu, "sobjects/Task/"), json=payload)
    assert resp.status_code == 400
    [error] = resp.json()
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING" and error["fields"] == [missing]
    assert rows(emu, http) == []


def test_the_due_date_of_a_recurring_task_cannot_be_set(emu, http):
    """Task reference, ActivityDate: "This field can't be set or updated for a recurring task (IsRecurrence is
    true)" (the error code is unverified)."""
    resp = http.post(url(emu, "sobjects/Task/"), json=monthly(ActivityDate="2027-01-15"))
    assert resp.status_code == 400 and resp.json()[0]["fields"] == ["ActivityDate"]
    main_id = http.post(url(emu, "sobjects/Task/"), json=monthly()).json()["id"]
    resp = http.patch(url(emu, f"sobjects/Task/{main_id}"), json={"ActivityDate": "2027-01-20"})
    assert resp.status_code == 400 and resp.json()[0]["fields"] == ["ActivityDate"]


def test_a_task_cannot_become_recurring_or_stop_being_it(emu, http):
    """Task reference "Usage": "After a task is created, it can't be changed from recurring to nonrecurring or vice
    versa" (IsRecurrence is create-only)."""
    main_id = http.post(url(emu, "sobjects/Task/"), json=monthly()).json()["id"]
    single_id = http.post(url(emu, "sobjects/Task/"), json={"Subject": "Call", "ActivityDate": "2027-01-03"}).json()["id"]
    for record_id, value in ((main_id, False), (single_id, True)):
        resp = http.patch(url(emu, f"sobjects/Task/{record_id}"), json={"IsRecurrence": value})
        assert resp.status_code == 400, resp.text
        assert resp.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_a_pattern_change_recreates_the_open_occurrences_and_keeps_the_closed_ones(emu, http):
    """Task reference "Usage": "When you change the RecurrenceStartDateOnly field or the recurrence pattern, all
    open tasks occurrences in the series are deleted and new open task occurrences are created"."""
    main_id = http.post(url(emu, "sobjects/Task/"), json=monthly()).json()["id"]
    first = next(r for r in rows(emu, http) if not r["IsRecurrence"])
    assert http.patch(url(emu, f"sobjects/Task/{first['Id']}"), json={"Status": "Completed"}).status_code == 204
    old_open = {r["Id"] for r in rows(emu, http) if not r["IsRecurrence"] and not r["IsClosed"]}
    resp = http.patch(url(emu, f"sobjects/Task/{main_id}"), json={"RecurrenceDayOfMonth": 20})
    assert resp.status_code == 204, resp.text
    children = [r for r in rows(emu, http) if not r["IsRecurrence"]]
    assert [(c["ActivityDate"], c["IsClosed"]) for c in children] == [
        ("2027-01-15", True), ("2027-01-20", False), ("2027-02-20", False), ("2027-03-20", False),
        ("2027-04-20", False)]
    assert not old_open & {c["Id"] for c in children}, "the open occurrences are new records"


def test_deleting_the_series_through_the_api_removes_open_and_closed_occurrences(emu, http):
    """Task reference "Usage": "When you delete a recurring task series through the API, all open and closed task
    occurrences in the series are removed"."""
    main_id = http.post(url(emu, "sobjects/Task/"), json=monthly()).json()["id"]
    first = next(r for r in rows(emu, http) if not r["IsRecurrence"])
    http.patch(url(emu, f"sobjects/Task/{first['Id']}"), json={"Status": "Completed"})
    assert http.delete(url(emu, f"sobjects/Task/{main_id}")).status_code == 204
    assert rows(emu, http) == []


def test_a_repeating_task_is_one_task_with_a_regeneration_in_days(emu, http):
    """Task reference, RecurrenceRegeneratedType: "what triggers a repeating task to repeat"; RecurrenceInterval
    "determines the number of days between the triggering date (due date or close date) and the due date of the
    next repeating task". Closing it stores the next one and marks it RecurrenceRegenerated "(Task Closed)" (the
    mechanics are unverified)."""
    resp = http.post(url(emu, "sobjects/Task/"), json={
        "Subject": "Water plants", "ActivityDate": "2027-01-04",
        "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterDueDate", "RecurrenceInterval": 14})
    assert resp.status_code == 201, resp.text
    task_id = resp.json()["id"]
    [row] = rows(emu, http)
    assert (row["IsRecurrence"], row["ActivityDate"], row["RecurrenceInterval"]) == (False, "2027-01-04", 14)
    assert http.patch(url(emu, f"sobjects/Task/{task_id}"), json={"Status": "Completed"}).status_code == 204
    closed, nxt = rows(emu, http)
    assert (closed["Id"], closed["IsClosed"], closed["RecurrenceRegeneratedType"]) == (
        task_id, True, "RecurrenceRegenerated")
    assert (nxt["ActivityDate"], nxt["IsClosed"], nxt["RecurrenceRegeneratedType"], nxt["Subject"]) == (
        "2027-01-18", False, "RecurrenceRegenerateAfterDueDate", "Water plants")


def test_a_repeating_task_needs_its_interval_and_is_no_recurring_series(emu, http):
    """The interval is what the regeneration counts (Task reference, RecurrenceRegeneratedType); a recurring series
    cannot also repeat (unverified: the edit page offers one or the other)."""
    resp = http.post(url(emu, "sobjects/Task/"), json={
        "Subject": "Water plants", "RecurrenceRegeneratedType": "RecurrenceRegenerateAfterToday"})
    assert resp.status_code == 400 and resp.json()[0]["fields"] == ["RecurrenceInterval"]
    resp = http.post(url(emu, "sobjects/Task/"), json=monthly(RecurrenceRegeneratedType="RecurrenceRegenerateAfterToday"))
    assert resp.status_code == 400 and resp.json()[0]["fields"] == ["RecurrenceRegeneratedType"]
    assert rows(emu, http) == []
