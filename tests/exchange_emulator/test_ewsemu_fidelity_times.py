"""Fidelity, raw SOAP: time zones, server-filled properties, ids, transport (issue 13, EWS emulator).

Requests are Microsoft's documented samples (or built exactly like them), sent with ``requests`` (chunked and
not), never through exchangelib or our adapter. Each test cites the page its behaviour comes from.
"""

from __future__ import annotations

import re

import pytest

CALENDAR = '<m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>'


def _create_appointment(soap, item_xml: str, header: str | None = None, chunked: bool = False) -> str:
    reply, root = soap.post(f'<m:CreateItem SendMeetingInvitations="SendToNone">{CALENDAR}<m:Items>'
                            f"{item_xml}</m:Items></m:CreateItem>", header=header, chunked=chunked)
    assert reply.status_code == 200, reply.text
    assert soap.text(root, ".//m:ResponseCode") == "NoError", reply.text
    return soap.find(root, ".//t:ItemId").get("Id")


def _get(soap, item_id: str, shape: str = "AllProperties", chunked: bool = False):
    reply, root = soap.post(f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape></m:ItemShape>"
                            f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>', chunked=chunked)
    assert reply.status_code == 200, reply.text
    return root


# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-create-appointments-in-a-specific-time-zone-by-using-ews-in-exchange
# (the three CreateItem requests), read with the rules of
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/time-zones-and-ews-in-exchange
# table 2 (Exchange2010 and later): a dateTime without an offset is read in StartTimeZone/EndTimeZone, else
# in the TimeZoneContext zone, else UTC. (The page's closing sentence about 1, 2 and 3 PM Eastern does not
# match its own requests; the table is the rule.)
SPECIFIC_ZONE_SAMPLES = [
    pytest.param(
        "<t:CalendarItem><t:Subject>Appointment created using UTC</t:Subject>"
        '<t:Body BodyType="HTML">Time zone: UTC</t:Body>'
        "<t:Start>2023-02-07T17:00:00.000Z</t:Start><t:End>2023-02-07T18:00:00.000Z</t:End></t:CalendarItem>",
        None, "2023-02-07T17:00:00Z", "2023-02-07T18:00:00Z", "UTC", id="utc"),
    pytest.param(
        "<t:CalendarItem><t:Subject>Appointment created using Central time zone</t:Subject>"
        '<t:Body BodyType="HTML">Time zone: (UTC-06:00) Central Time (US &amp;amp; Canada)</t:Body>'
        '<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="Appointment" PropertyId="33332" '
        'PropertyType="String" /><t:Value>(UTC-06:00) Central Time (US &amp; Canada)</t:Value></t:ExtendedProperty>'
        "<t:Start>2023-02-07T18:00:00.000</t:Start><t:End>2023-02-07T19:00:00.000</t:End>"
        '<t:StartTimeZone Id="Central Standard Time" /><t:EndTimeZone Id="Central Standard Time" /></t:CalendarItem>',
        None, "2023-02-08T00:00:00Z", "2023-02-08T01:00:00Z", "Central Standard Time", id="start-time-zone"),
    pytest.param(
        "<t:CalendarItem><t:Subject>Appointment created using Mountain time zone</t:Subject>"
        '<t:Body BodyType="HTML">Time zone: (UTC-07:00) Mountain Time (US &amp;amp; Canada)</t:Body>'
        "<t:Start>2023-02-07T19:00:00.000</t:Start><t:End>2023-02-07T20:00:00.000</t:End></t:CalendarItem>",
        '<t:RequestServerVersion Version="Exchange2010" /><t:TimeZoneContext>'
        '<t:TimeZoneDefinition Id="Mountain Standard Time" /></t:TimeZoneContext>',
        "2023-02-08T02:00:00Z", "2023-02-08T03:00:00Z", "Mountain Standard Time", id="time-zone-context"),
    pytest.param(
        "<t:CalendarItem><t:Subject>No zone anywhere</t:Subject>"
        "<t:Start>2023-02-07T17:00:00</t:Start><t:End>2023-02-07T18:00:00</t:End></t:CalendarItem>",
        None, "2023-02-07T17:00:00Z", "2023-02-07T18:00:00Z", "UTC", id="no-zone-is-utc"),
    pytest.param(
        # Exchange2007_SP1 style: MeetingTimeZone names the zone of both times
        "<t:CalendarItem><t:Subject>Legacy zone</t:Subject>"
        "<t:Start>2023-07-07T09:00:00</t:Start><t:End>2023-07-07T10:00:00</t:End>"
        '<t:MeetingTimeZone TimeZoneName="Pacific Standard Time"/></t:CalendarItem>',
        None, "2023-07-07T16:00:00Z", "2023-07-07T17:00:00Z", "Pacific Standard Time", id="meeting-time-zone"),
]


@pytest.mark.parametrize(("item", "header", "start", "end", "zone"), SPECIFIC_ZONE_SAMPLES)
def test_times_without_offset_are_read_in_the_documented_zone_and_answered_in_utc(
        soap, item, header, start, end, zone):
    item_id = _create_appointment(soap, item, header)
    root = _get(soap, item_id)
    assert soap.text(root, ".//t:Start") == start and soap.text(root, ".//t:End") == end
    assert soap.find(root, ".//t:StartTimeZone").get("Id") == zone
    # every dateTime in an answer is UTC
    stamps = [e.text for e in root.iter() if e.text and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\S*", e.text)]
    assert stamps and all(s.endswith("Z") for s in stamps), stamps


def test_start_and_end_time_zones_come_back_as_full_definitions(soap):
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/starttimezone:
    # TimeZoneDefinitionType, Id and Name, Periods, TransitionsGroups, Transitions (shape as in
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getservertimezones-operation)
    item_id = _create_appointment(
        soap, "<t:CalendarItem><t:Subject>s</t:Subject><t:Start>2025-03-12T09:00:00</t:Start>"
              "<t:End>2025-03-12T10:00:00</t:End></t:CalendarItem>",
        header='<t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext>'
               '<t:TimeZoneDefinition Id="Pacific Standard Time"/></t:TimeZoneContext>')
    root = _get(soap, item_id)
    for tag in ("StartTimeZone", "EndTimeZone"):
        zone = soap.find(root, f".//t:{tag}")
        assert zone.get("Id") == "Pacific Standard Time" and zone.get("Name")
        assert [p.get("Bias") for p in soap.findall(zone, "t:Periods/t:Period")] == ["PT8H", "PT7H"]
        rules = soap.findall(zone, "t:TransitionsGroups/t:TransitionsGroup/t:RecurringDayTransition")
        assert [(soap.text(r, "t:To"), soap.text(r, "t:Month"), soap.text(r, "t:DayOfWeek"),
                 soap.text(r, "t:Occurrence"), soap.text(r, "t:TimeOffset")) for r in rules] == [
            ("Dlt", "3", "Sunday", "2", "PT2H"), ("Std", "11", "Sunday", "1", "PT2H")]
        assert soap.find(zone, "t:Transitions/t:Transition/t:To").get("Kind") == "Group"
    # the TimeZone string describes the creation zone
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/timezone-item
    assert "Pacific Standard Time" in soap.text(root, ".//t:TimeZone")


def test_getitem_fills_what_the_server_computes(soap):
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
    # (AllProperties response): ReminderDueBy = Start, ReminderIsSet true with the mailbox default of 15
    # minutes, Duration, TimeZone, AppointmentState 0 for an appointment without attendees.
    item_id = _create_appointment(
        soap, "<t:CalendarItem><t:Subject>Review</t:Subject><t:Start>2006-06-16T00:30:00Z</t:Start>"
              "<t:End>2006-06-16T01:00:00Z</t:End></t:CalendarItem>")
    root = _get(soap, item_id)
    item = soap.find(root, ".//t:CalendarItem")
    assert soap.text(item, "t:ReminderDueBy") == "2006-06-16T00:30:00Z"
    assert soap.text(item, "t:ReminderIsSet") == "true"
    assert soap.text(item, "t:ReminderMinutesBeforeStart") == "15"
    assert soap.text(item, "t:Duration") == "PT30M"
    assert soap.text(item, "t:AppointmentState") == "0"
    assert soap.text(item, "t:TimeZone")
    # in the documented sample's element order
    sample_order = ["ItemId", "ParentFolderId", "ItemClass", "Sensitivity", "DateTimeCreated", "ReminderDueBy",
                    "ReminderIsSet", "ReminderMinutesBeforeStart", "HasAttachments", "Start", "End",
                    "IsAllDayEvent", "LegacyFreeBusyStatus", "IsMeeting", "IsCancelled", "IsRecurring",
                    "CalendarItemType", "MyResponseType", "Organizer", "Duration", "TimeZone", "AppointmentState"]
    ours = [child.tag.rsplit("}", 1)[1] for child in item]
    assert [t for t in ours if t in sample_order] == sample_order


def test_a_reminder_the_client_sets_is_kept(soap):
    item_id = _create_appointment(
        soap, "<t:CalendarItem><t:Subject>r</t:Subject><t:ReminderIsSet>false</t:ReminderIsSet>"
              "<t:ReminderMinutesBeforeStart>30</t:ReminderMinutesBeforeStart>"
              "<t:Start>2025-01-01T10:00:00Z</t:Start><t:End>2025-01-01T11:00:00Z</t:End></t:CalendarItem>")
    item = soap.find(_get(soap, item_id), ".//t:CalendarItem")
    assert (soap.text(item, "t:ReminderIsSet"), soap.text(item, "t:ReminderMinutesBeforeStart")) == ("false", "30")


def test_contact_complete_name_and_display_name_are_computed(soap):
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/completename
    # (FirstName, MiddleName, LastName, FullName: read-only, computed from the name parts)
    reply, root = soap.post(
        '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId>'
        "<m:Items><t:Contact><t:GivenName>Ann</t:GivenName><t:MiddleName>B.</t:MiddleName>"
        "<t:CompanyName>ACME</t:CompanyName><t:Surname>Lee</t:Surname></t:Contact></m:Items></m:CreateItem>")
    assert soap.text(root, ".//m:ResponseCode") == "NoError", reply.text
    contact = soap.find(_get(soap, soap.find(root, ".//t:ItemId").get("Id")), ".//t:Contact")
    assert soap.text(contact, "t:DisplayName") == "Ann B. Lee"
    name = soap.find(contact, "t:CompleteName")
    assert [(c.tag.rsplit("}", 1)[1], c.text) for c in name] == [
        ("FirstName", "Ann"), ("MiddleName", "B."), ("LastName", "Lee"), ("FullName", "Ann B. Lee")]


def test_the_documented_getitem_sample_id_is_malformed_not_missing(soap, emu):
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
    # (request sample, id "AsdD89="): not an id this server issued. ErrorInvalidIdMalformed, not
    # ErrorItemNotFound, which a sync engine would read as "deleted"
    # (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode).
    _, root = soap.post(
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
        '<m:ItemIds><t:ItemId Id="AsdD89=" ChangeKey="Jajs3=="/></m:ItemIds></m:GetItem>')
    assert soap.find(root, ".//m:GetItemResponseMessage").get("ResponseClass") == "Error"
    assert soap.text(root, ".//m:ResponseCode") == "ErrorInvalidIdMalformed"
    gone = emu.create_item(folder="tasks", fields={"Subject": "gone"})
    emu.delete_item(gone)
    _, root = soap.post("<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
                        f'<m:ItemIds><t:ItemId Id="{gone}"/></m:ItemIds></m:GetItem>')
    assert soap.text(root, ".//m:ResponseCode") == "ErrorItemNotFound"


def test_chunked_and_plain_bodies_on_one_kept_alive_connection(soap, emu):
    # RFC 9112 §7.1: a request body may be sent with Transfer-Encoding: chunked (ews-javascript-api and
    # streaming clients do); the connection stays usable for the next request, whatever the framing.
    item = ("<t:CalendarItem><t:Subject>chunked</t:Subject><t:Start>2025-01-01T10:00:00Z</t:Start>"
            "<t:End>2025-01-01T11:00:00Z</t:End></t:CalendarItem>")
    first = _create_appointment(soap, item, chunked=True)
    second = _create_appointment(soap, item.replace("chunked", "plain"), chunked=False)
    assert soap.text(_get(soap, first, chunked=True), ".//t:Subject") == "chunked"
    assert soap.text(_get(soap, second), ".//t:Subject") == "plain"
    assert [r.status for r in emu.requests] == [200, 200, 200, 200]
