"""Recurring series: calendarView expansion, /instances, exceptions and cancelled occurrences.

* https://learn.microsoft.com/en-us/graph/api/user-list-calendarview (occurrences and exceptions, not masters)
* https://learn.microsoft.com/en-us/graph/api/event-list-instances
* https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence (sample: weekly on Monday, endDate)
* https://learn.microsoft.com/en-us/graph/api/event-delta ("occurrences and exceptions of a recurring series")
"""

from __future__ import annotations

from graphemu_support import event_body

WINDOW = {"startDateTime": "2026-12-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}
WEEKLY = {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
          "range": {"type": "endDate", "startDate": "2026-12-07", "endDate": "2026-12-28"}}


def _series(me):
    body = event_body("Weekly sync", "2026-12-07T09:00:00", "2026-12-07T09:30:00", "W. Europe Standard Time",
                      recurrence=WEEKLY)
    created = me.post("/me/events", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def test_calendar_view_expands_a_series_into_occurrences_and_never_lists_the_master(me):
    master = _series(me)
    assert master["type"] == "seriesMaster" and master["recurrence"]["pattern"]["type"] == "weekly"
    view = me.get("/me/calendarView", params={**WINDOW, "$top": "50"}).json()["value"]
    assert [e["type"] for e in view] == ["occurrence"] * 4
    assert {e["seriesMasterId"] for e in view} == {master["id"]}
    assert [e["start"]["dateTime"][:16] for e in view] == [f"2026-12-{d}T08:00" for d in ("07", "14", "21", "28")]
    instances = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    assert [e["id"] for e in instances] == [e["id"] for e in view]


def test_an_edited_occurrence_becomes_an_exception_and_a_deleted_one_is_cancelled(me):
    master = _series(me)
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    edited = me.patch(f"/me/events/{occurrences[1]['id']}", json={"subject": "Weekly sync (moved room)"}).json()
    assert edited["type"] == "exception" and edited["id"] == occurrences[1]["id"]
    assert edited["originalStart"].startswith("2026-12-14T08:00:00")
    assert me.delete(f"/me/events/{occurrences[2]['id']}").status_code == 204
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [(e["type"], e["subject"]) for e in view] == [
        ("occurrence", "Weekly sync"), ("exception", "Weekly sync (moved room)"), ("occurrence", "Weekly sync")]


def test_delta_over_a_view_reports_occurrences_and_removals_of_a_series(me):
    first = me.get("/me/calendarView/delta", params=WINDOW, headers={"Prefer": "odata.maxpagesize=50"}).json()
    assert first["value"] == []
    master = _series(me)
    second = me.get(first["@odata.deltaLink"]).json()
    assert [e["type"] for e in second["value"]] == ["occurrence"] * 4
    cancelled = second["value"][0]["id"]
    me.delete(f"/me/events/{cancelled}")
    third = me.get(second["@odata.deltaLink"]).json()
    assert {"id": cancelled, "@removed": {"reason": "deleted"}} in third["value"]
    assert all(e.get("type") != "seriesMaster" for e in third["value"])
    assert me.get(f"/me/events/{master['id']}").json()["type"] == "seriesMaster"


def test_a_new_pattern_drops_the_exceptions_and_cancellations_and_delta_shows_the_occurrences_again(me):
    # unverified, as the EWS emulator: Outlook warns "any exceptions associated with this recurring appointment
    # will be lost" when a series' pattern is changed; the occurrence keeps its id
    master = _series(me)
    first = me.get("/me/calendarView/delta", params=WINDOW).json()
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    me.patch(f"/me/events/{occurrences[1]['id']}", json={"subject": "moved room"})
    me.delete(f"/me/events/{occurrences[2]['id']}")
    rewritten = me.patch(f"/me/events/{master['id']}", json={"recurrence": WEEKLY})
    assert rewritten.status_code == 200, rewritten.text
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [(e["type"], e["subject"]) for e in view] == [("occurrence", "Weekly sync")] * 4
    assert [e["id"] for e in view] == [e["id"] for e in occurrences]
    changed = me.get(first["@odata.deltaLink"]).json()["value"]
    assert sorted(e["id"] for e in changed if "@removed" not in e) == sorted(e["id"] for e in occurrences)
    assert not [e for e in changed if "@removed" in e]


def test_new_times_of_a_master_keep_the_exceptions_the_pattern_still_gives(me):
    master = _series(me)
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    me.patch(f"/me/events/{occurrences[1]['id']}", json={"subject": "moved room"})
    me.patch(f"/me/events/{master['id']}", json={"subject": "Weekly sync (renamed)"})
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [e["type"] for e in view] == ["occurrence", "exception", "occurrence", "occurrence"]


def test_deleting_an_occurrence_of_a_meeting_sends_its_attendees_a_cancellation(emu, me):
    # https://learn.microsoft.com/en-us/graph/api/event-delete: "If the event is a meeting, deleting the event on
    # the organizer's calendar sends a cancellation message to the meeting attendees."
    attendees = [{"emailAddress": {"address": "samanthab@contoso.com", "name": "Samantha Booth"},
                  "type": "required"}]
    body = event_body("Weekly sync", "2026-12-07T09:00:00", "2026-12-07T09:30:00", "W. Europe Standard Time",
                      recurrence=WEEKLY, attendees=attendees)
    master = me.post("/me/events", json=body).json()
    plain = me.post("/me/events", json=event_body("Dentist")).json()
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    assert me.delete(f"/me/events/{plain['id']}").status_code == 204
    assert emu.cancellations() == [], "an event without attendees is no meeting: nobody is told"
    assert me.delete(f"/me/events/{occurrences[0]['id']}").status_code == 204
    assert emu.cancellations() == [(occurrences[0]["id"], ["samanthab@contoso.com"])]


def test_a_calendar_view_delta_never_reports_a_series_master(me):
    # https://learn.microsoft.com/en-us/graph/delta-query-events: "The returned events may include single
    # instances or occurrences and exceptions of a recurring series"
    master = _series(me)
    first = me.get("/me/calendarView/delta", params=WINDOW).json()
    assert first["value"] and all(e["type"] == "occurrence" for e in first["value"])
    me.patch(f"/me/events/{master['id']}", json={"subject": "renamed"})
    again = me.get(first["@odata.deltaLink"]).json()["value"]
    assert [e["type"] for e in again] == ["occurrence"] * 4 and {e["subject"] for e in again} == {"renamed"}


def test_an_occurrence_edited_in_another_field_keeps_its_own_times(me):
    # https://learn.microsoft.com/en-us/graph/api/event-update on an occurrence's id: only the given properties
    # change; the exception stays at its occurrence's start (not the series' first)
    master = _series(me)
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    edited = me.patch(f"/me/events/{occurrences[2]['id']}", json={"subject": "renamed"})
    assert edited.status_code == 200, edited.text
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [(e["start"]["dateTime"][:16], e["subject"]) for e in view] == [
        ("2026-12-07T08:00", "Weekly sync"), ("2026-12-14T08:00", "Weekly sync"), ("2026-12-21T08:00", "renamed"),
        ("2026-12-28T08:00", "Weekly sync")]
    renamed_again = me.patch(f"/me/events/{occurrences[2]['id']}", json={"location": {"displayName": "Room 2"}})
    assert renamed_again.json()["start"]["dateTime"].startswith("2026-12-21T08:00")


def test_a_renamed_series_renames_its_exceptions_unless_they_were_renamed_themselves(me):
    # unverified, as the EWS emulator: an exception holds only what differs from its master
    master = _series(me)
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    me.patch(f"/me/events/{occurrences[1]['id']}", json={"location": {"displayName": "Room 2"}})
    me.patch(f"/me/events/{occurrences[2]['id']}", json={"subject": "Special sync"})
    me.patch(f"/me/events/{master['id']}", json={"subject": "Weekly review"})
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [(e["subject"], e["location"]["displayName"]) for e in view] == [
        ("Weekly review", ""), ("Weekly review", "Room 2"), ("Special sync", ""), ("Weekly review", "")]


def test_an_occurrence_moved_past_its_neighbour_is_refused(me):
    # ErrorOccurrenceCrossingBoundary, https://learn.microsoft.com/en-us/exchange/client-developer/
    # web-service-reference/responsecode: "earlier or later than the corresponding previous or next occurrence"
    master = _series(me)
    occurrences = me.get(f"/me/events/{master['id']}/instances", params=WINDOW).json()["value"]
    crossing = me.patch(f"/me/events/{occurrences[1]['id']}", json={
        "start": {"dateTime": "2026-12-21T10:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-12-21T10:30:00", "timeZone": "W. Europe Standard Time"}})
    assert crossing.status_code == 400
    assert crossing.json()["error"]["code"] == "ErrorOccurrenceCrossingBoundary"
    view = me.get("/me/calendarView", params=WINDOW).json()["value"]
    assert [e["type"] for e in view] == ["occurrence"] * 4, "nothing was changed"
    # past a cancelled neighbour it may go (only occurrences that are there bound it)
    assert me.delete(f"/me/events/{occurrences[2]['id']}").status_code == 204
    moved = me.patch(f"/me/events/{occurrences[1]['id']}", json={
        "start": {"dateTime": "2026-12-22T10:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-12-22T10:30:00", "timeZone": "W. Europe Standard Time"}})
    assert moved.status_code == 200, moved.text
