"""Events, contacts and To Do tasks: server-filled properties, validation, extended properties, ids.

* event: https://learn.microsoft.com/en-us/graph/api/resources/event (transactionId, originalStartTimeZone,
  changeKey); https://learn.microsoft.com/en-us/graph/api/user-post-events (sample body with Pacific Standard
  Time; its sample response's attendees); https://learn.microsoft.com/en-us/graph/api/resources/attendee;
  https://learn.microsoft.com/en-us/graph/api/event-get (Prefer outlook.timezone and
  outlook.body-content-type: HTML without it)
* extended properties: https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-post-singlevalueextendedproperties,
  https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get
* immutable ids: https://learn.microsoft.com/en-us/graph/outlook-immutable-id
* errors: https://learn.microsoft.com/en-us/graph/errors
* To Do: https://learn.microsoft.com/en-us/graph/api/todotasklist-post-tasks (sample with linkedResources),
  https://learn.microsoft.com/en-us/graph/api/resources/todotasklist (wellknownListName)
"""

from __future__ import annotations

from graphemu_support import client, event_body

LINK = "String {00020329-0000-0000-C000-000000000046} Name SyncoreLink"


def test_documented_event_create_in_pacific_time_reads_back_in_the_zone_asked_for(me):
    created = me.post("/me/events", json={
        "subject": "Let's go for lunch", "body": {"contentType": "HTML", "content": "Does noon work for you?"},
        "start": {"dateTime": "2017-04-15T12:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2017-04-15T14:00:00", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Harry's Bar"}})
    assert created.status_code == 201 and created.json()["body"]["contentType"] == "html"
    created = me.post("/me/events", json={
        "subject": "Let's go for lunch", "body": {"contentType": "HTML", "content": "Does noon work for you?"},
        "start": {"dateTime": "2017-04-15T12:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2017-04-15T14:00:00", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Harry's Bar"}, "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"})
    assert created.status_code == 201
    event = created.json()
    assert event["originalStartTimeZone"] == "Pacific Standard Time" and event["type"] == "singleInstance"
    assert event["start"] == {"dateTime": "2017-04-15T19:00:00.0000000", "timeZone": "UTC"}  # PDT is UTC-7
    assert event["@odata.etag"] == f'W/"{event["changeKey"]}"'
    assert event["reminderMinutesBeforeStart"] == 15 and event["isReminderOn"] is True
    pacific = me.get(f"/me/events/{event['id']}", headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'})
    assert pacific.json()["start"] == {"dateTime": "2017-04-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert pacific.headers["Preference-Applied"] == 'outlook.timezone="Pacific Standard Time"'


def test_a_repeated_transaction_id_does_not_make_a_second_event(me, emu):
    body = event_body("once", transactionId="tx-42")
    first, second = me.post("/me/events", json=body), me.post("/me/events", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and len(emu.items("event")) == 1


def test_validation_errors_are_shaped_as_graph_shapes_them(me):
    unknown = me.post("/me/events", json=event_body(colour="red")).json()["error"]
    assert unknown["code"] == "RequestBodyRead" and "'colour' does not exist on type 'microsoft.graph.event'" in \
        unknown["message"]
    assert set(unknown["innerError"]) == {"date", "request-id", "client-request-id"}
    bad_enum = me.post("/me/events", json=event_body(showAs="away")).json()["error"]
    assert bad_enum["code"] == "RequestBodyRead" and "microsoft.graph.freeBusyStatus" in bad_enum["message"]
    zone = me.post("/me/events", json=event_body(zone="Mars Standard Time")).json()["error"]
    assert zone["code"] == "TimeZoneNotSupportedException"
    all_day = me.post("/me/events", json=event_body(isAllDay=True, start="2026-12-10T00:00:00",
                                                    end="2026-12-10T00:00:00"))
    assert all_day.status_code == 400 and "at least 24 hours" in all_day.json()["error"]["message"]
    assert me.get("/me/events/not*an*id").json()["error"]["code"] == "ErrorInvalidIdMalformed"
    gone = me.get("/me/events/AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAAA=")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ErrorItemNotFound"


def test_all_day_events_are_midnights_in_whatever_zone_is_asked_for(me):
    created = me.post("/me/events", json=event_body("Offsite", "2026-12-10T00:00:00", "2026-12-12T00:00:00",
                                                    "W. Europe Standard Time", isAllDay=True)).json()
    assert created["start"] == {"dateTime": "2026-12-10T00:00:00.0000000", "timeZone": "UTC"}
    assert created["end"]["dateTime"] == "2026-12-12T00:00:00.0000000"
    tokyo = me.get(f"/me/events/{created['id']}", headers={"Prefer": 'outlook.timezone="Tokyo Standard Time"'}).json()
    assert tokyo["start"]["dateTime"] == "2026-12-10T00:00:00.0000000" and tokyo["isAllDay"] is True


def test_bodies_are_html_unless_text_is_preferred(me):
    created = me.post("/me/events", json=event_body(body={"contentType": "text", "content": "line one\nline two"})).json()
    assert created["body"]["contentType"] == "html" and "line one<br>" in created["body"]["content"]
    text = me.get(f"/me/events/{created['id']}", headers={"Prefer": 'outlook.body-content-type="text"'}).json()
    assert text["body"] == {"contentType": "text", "content": "line one\nline two"}


def test_extended_property_written_expanded_and_filtered_on(me):
    created = me.post("/me/events", json=event_body(singleValueExtendedProperties=[{"id": LINK, "value": "00U5e00001"}]))
    assert created.status_code == 201 and "singleValueExtendedProperties" not in created.json()
    event_id = created.json()["id"]
    expanded = me.get(f"/me/events/{event_id}", params={
        "$expand": f"singleValueExtendedProperties($filter=id eq '{LINK}')"}).json()
    assert expanded["singleValueExtendedProperties"] == [{"id": LINK, "value": "00U5e00001"}]
    found = me.get("/me/events", params={
        "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{LINK}' and ep/value eq '00U5e00001')"}).json()
    assert [e["id"] for e in found["value"]] == [event_id]
    none = me.get("/me/events", params={
        "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{LINK}' and ep/value eq 'other')"}).json()
    assert none["value"] == []


def test_immutable_ids_only_with_the_prefer_header_and_both_formats_address_the_item(me, emu):
    created = me.post("/me/events", json=event_body()).json()
    with client(emu, emu.issue_token()) as plain:
        default = plain.get("/me/events").json()["value"][0]
        assert default["id"] != created["id"]
        assert plain.get(f"/me/events/{created['id']}").status_code == 200
    assert me.get(f"/me/events/{default['id']}").json()["id"] == created["id"]


def test_a_stale_if_match_is_refused_with_412(me):
    created = me.post("/me/events", json=event_body()).json()
    me.patch(f"/me/events/{created['id']}", json={"subject": "someone else"})
    stale = me.patch(f"/me/events/{created['id']}", json={"subject": "mine"}, headers={"If-Match": created["@odata.etag"]})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    current = me.get(f"/me/events/{created['id']}").json()
    fresh = me.patch(f"/me/events/{created['id']}", json={"subject": "mine"}, headers={"If-Match": current["@odata.etag"]})
    assert fresh.status_code == 200 and fresh.json()["changeKey"] != current["changeKey"]


def test_attendees_written_by_the_organizer_send_meeting_requests(me, emu):
    me.post("/me/events", json=event_body(attendees=[{"emailAddress": {"address": "customer@example.org"},
                                                      "type": "required"}]))
    assert emu.invitations() and emu.invitations()[0][1] == ["customer@example.org"]


def test_attendees_read_back_as_documented_with_type_status_and_email_address(me):
    """The attendee resource (https://learn.microsoft.com/en-us/graph/api/resources/attendee: emailAddress,
    status, type) as the sample response of https://learn.microsoft.com/en-us/graph/api/user-post-events shows
    it for the organizer: ``status`` {response none, time 0001-01-01T00:00:00Z}, in the order written."""
    created = me.post("/me/events", json=event_body(subject="Let's go for lunch", attendees=[
        {"emailAddress": {"address": "samanthab@contoso.com", "name": "Samantha Booth"}, "type": "required"},
        {"emailAddress": {"address": "adelev@contoso.com", "name": "Adele Vance"}, "type": "optional"}]))
    assert created.status_code == 201
    expected = [
        {"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
         "emailAddress": {"name": "Samantha Booth", "address": "samanthab@contoso.com"}},
        {"type": "optional", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
         "emailAddress": {"name": "Adele Vance", "address": "adelev@contoso.com"}}]
    assert created.json()["attendees"] == expected
    assert created.json()["organizer"]["emailAddress"]["address"] == "user@example.com"
    assert me.get(f"/me/events/{created.json()['id']}").json()["attendees"] == expected


def test_documented_todo_task_with_linked_resource(me):
    lists = me.get("/me/todo/lists").json()["value"]
    default = next(tl for tl in lists if tl["wellknownListName"] == "defaultList")
    created = me.post(f"/me/todo/lists/{default['id']}/tasks", json={
        "title": "A new task", "categories": ["Important"],
        "linkedResources": [{"webUrl": "http://microsoft.com", "applicationName": "Microsoft",
                             "displayName": "Microsoft"}]})
    assert created.status_code == 201
    task = created.json()
    assert task["status"] == "notStarted" and task["importance"] == "normal"
    links = me.get(f"/me/todo/lists/{default['id']}/tasks/{task['id']}/linkedResources").json()["value"]
    assert links[0]["applicationName"] == "Microsoft"
    done = me.patch(f"/me/todo/lists/{default['id']}/tasks/{task['id']}", json={"status": "completed"}).json()
    assert done["completedDateTime"]["timeZone"] == "UTC"
    bad = me.patch(f"/me/todo/lists/{default['id']}/tasks/{task['id']}", json={"status": "done"})
    assert bad.status_code == 400 and "microsoft.graph.taskStatus" in bad.json()["error"]["message"]


def test_contacts_compose_a_display_name_and_keep_lists(me):
    created = me.post("/me/contacts", json={"givenName": "Pavel", "surname": "Bansky",
                                            "emailAddresses": [{"address": "pavelb@contoso.com", "name": "Pavel Bansky"}],
                                            "businessPhones": ["+1 732 555 0102"]}).json()
    assert created["displayName"] == "Pavel Bansky" and created["businessPhones"] == ["+1 732 555 0102"]
    assert me.get("/me/contactFolders/contacts").json()["displayName"] == "Contacts"


def test_an_unknown_contact_folder_is_not_found(me):
    answer = me.get("/me/contactFolders/AAMkAGI2TG93AAA=/contacts")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "ErrorItemNotFound"


def test_a_todo_task_keeps_and_renders_its_recurrence(me):
    """todotask resource: ``recurrence`` is a patternedRecurrence, "The recurrence pattern for the task"
    (https://learn.microsoft.com/en-us/graph/api/resources/todotask); its parts as recurrencepattern and
    recurrencerange document them."""
    lists = me.get("/me/todo/lists").json()["value"]
    default = next(tl for tl in lists if tl["wellknownListName"] == "defaultList")
    weekly = {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["friday"], "firstDayOfWeek": "sunday"},
              "range": {"type": "noEnd", "startDate": "2031-03-07"}}
    created = me.post(f"/me/todo/lists/{default['id']}/tasks", json={
        "title": "Weekly report", "dueDateTime": {"dateTime": "2031-03-07T00:00:00", "timeZone": "UTC"},
        "recurrence": weekly})
    assert created.status_code == 201, created.text
    assert me.get(f"/me/todo/lists/{default['id']}/tasks/{created.json()['id']}").json()["recurrence"] == weekly
    bad = me.post(f"/me/todo/lists/{default['id']}/tasks", json={
        "title": "Bad", "recurrence": {"pattern": {"type": "hourly", "interval": 1},
                                       "range": {"type": "noEnd", "startDate": "2031-03-07"}}})
    assert bad.status_code == 400 and "recurrencePatternType" in bad.json()["error"]["message"]
