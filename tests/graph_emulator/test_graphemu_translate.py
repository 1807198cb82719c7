"""translateExchangeIds (https://learn.microsoft.com/en-us/graph/api/user-translateexchangeids): at most
1,000 ids of one format; EWS ids translate to REST immutable ids; application permissions are not supported."""

from __future__ import annotations

from graphemu_support import client, event_body


def test_documented_rest_to_immutable_translation(me, emu):
    created = me.post("/me/events", json=event_body()).json()
    with client(emu, emu.issue_token()) as plain:
        rest_id = plain.get("/me/events").json()["value"][0]["id"]
    answer = me.post("/me/translateExchangeIds", json={
        "inputIds": [rest_id], "targetIdType": "restImmutableEntryId", "sourceIdType": "restId"})
    assert answer.status_code == 200
    assert answer.json()["value"] == [{"sourceId": rest_id, "targetId": created["id"]}]


def test_ews_ids_of_imported_items_translate_and_unknown_ids_report_errors(me, emu):
    ews_id = "RU1VOnVzZXJAZXhhbXBsZS5jb206MDAwMDAwMDE6YzcxZDMzMjU="
    mapping = emu.import_ews([{"id": ews_id, "kind": "CalendarItem", "fields": {
        "Subject": "from EWS", "Start": "2026-12-10T10:00:00Z", "End": "2026-12-10T11:00:00Z",
        "IsAllDayEvent": "false", "ExtendedProperty": {"SyncoreLink": "00U5e00000AbCdE"}}}])
    answer = me.post("/me/translateExchangeIds", json={
        "inputIds": [ews_id, "RU1VOm5vYm9keUBleGFtcGxlLmNvbTowMDAwMDA5OTphYmNkZWYwMQ=="],
        "targetIdType": "restImmutableEntryId", "sourceIdType": "ewsId"}).json()["value"]
    assert answer[0] == {"sourceId": ews_id, "targetId": mapping[ews_id]}
    assert "errorDetails" in answer[1] and "targetId" not in answer[1]
    event = me.get(f"/me/events/{mapping[ews_id]}", params={
        "$expand": "singleValueExtendedProperties($filter=id eq 'String {00020329-0000-0000-C000-000000000046} "
                   "Name SyncoreLink')"}).json()
    assert event["subject"] == "from EWS" and event["singleValueExtendedProperties"][0]["value"] == "00U5e00000AbCdE"


def test_limits_and_application_permissions(me, emu):
    too_many = me.post("/me/translateExchangeIds", json={
        "inputIds": ["AAMkAGI2TG93AAA="] * 1001, "targetIdType": "restImmutableEntryId", "sourceIdType": "restId"})
    assert too_many.status_code == 400
    with client(emu, emu.issue_token(app_only=True)) as app:
        refused = app.post("/users/user@example.com/translateExchangeIds", json={
            "inputIds": ["AAMkAGI2TG93AAA="], "targetIdType": "restImmutableEntryId", "sourceIdType": "restId"})
    assert refused.status_code == 403


def test_an_imported_ews_series_keeps_its_pattern_cancellation_and_exception(me, emu):
    # one mailbox through both APIs: the EWS master's Recurrence (WeeklyRecurrence + NumberedRecurrence,
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/recurrence-recurrencetype)
    # is the patternedRecurrence Graph shows; DeletedOccurrences are cancelled, ModifiedOccurrences exceptions
    t = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'
    recurrence = (f"<t:Recurrence {t}><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday"
                  "</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>"
                  "<t:NumberedRecurrence><t:StartDate>2026-12-07</t:StartDate><t:NumberOfOccurrences>4"
                  "</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")
    ews_id = "AAMkADEzOTExYjJkLTYxMWQtNGIyZS05YmQ4LTgwMDExMTExMTExMQBGAAAAAAB="
    mapping = emu.import_ews([{"id": ews_id, "kind": "CalendarItem", "fields": {
        "Subject": "Weekly sync", "Start": "2026-12-07T08:00:00Z", "End": "2026-12-07T08:30:00Z",
        "StartTimeZone": "W. Europe Standard Time", "EndTimeZone": "W. Europe Standard Time",
        "Recurrence": recurrence},
        "modified_occurrences": {"20261214T080000Z": {"Subject": "moved", "Start": "2026-12-14T10:00:00Z",
                                                      "End": "2026-12-14T10:30:00Z"}},
        "deleted_occurrences": ["20261221T080000Z"]}])
    master = me.get(f"/me/events/{mapping[ews_id]}").json()
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["pattern"] == {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                                               "firstDayOfWeek": "monday"}
    assert master["recurrence"]["range"]["numberOfOccurrences"] == 4
    window = {"startDateTime": "2026-12-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}
    instances = me.get(f"/me/events/{mapping[ews_id]}/instances", params=window).json()["value"]
    assert [(i["type"], i["subject"], i["start"]["dateTime"][:16]) for i in instances] == [
        ("occurrence", "Weekly sync", "2026-12-07T08:00"), ("exception", "moved", "2026-12-14T10:00"),
        ("occurrence", "Weekly sync", "2026-12-28T08:00")]
