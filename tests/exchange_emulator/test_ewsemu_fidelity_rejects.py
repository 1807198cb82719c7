"""Fidelity, raw SOAP: what Exchange rejects, the emulator rejects (issue 13, EWS emulator).

Schema validation: every request is checked against the published EWS schema and a violation is the SOAP
fault ErrorSchemaValidation with LineNumber, LinePosition and Violation, as in
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findconversation-operation
("FindConversation Error response example"). Operation rules (per-item errors) are from
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode.
"""

from __future__ import annotations

import pytest


def _schema_violation(soap, body: str, header: str | None = None) -> str:
    reply, root = soap.post(body, header=header)
    assert reply.status_code == 500, reply.text
    fault = soap.find(root, ".//s:Fault")
    assert fault.findtext("faultcode") == "a:ErrorSchemaValidation"
    assert fault.findtext("faultstring").startswith("The request failed schema validation: ")
    assert soap.text(fault, "detail/e:ResponseCode") == "ErrorSchemaValidation"
    assert soap.text(fault, "detail/e:Message") == "The request failed schema validation."
    assert int(soap.text(fault, "detail/t:MessageXml/t:LineNumber")) > 0
    return soap.text(fault, "detail/t:MessageXml/t:Violation")


def _code(soap, body: str) -> str:
    reply, root = soap.post(body)
    assert reply.status_code == 200, reply.text
    return soap.text(root, ".//m:ResponseCode")


def test_an_unknown_enumeration_value_is_the_documented_schema_violation(soap):
    # the documented request: DistinguishedFolderId Id="inbox1"
    violation = _schema_violation(
        soap, "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
              '<m:FolderIds><t:DistinguishedFolderId Id="inbox1"/></m:FolderIds></m:GetFolder>')
    assert violation == ("The 'Id' attribute is invalid - The value 'inbox1' is invalid according to its datatype "
                         "'http://schemas.microsoft.com/exchange/services/2006/types:DistinguishedFolderIdNameType'"
                         " - The Enumeration constraint failed.")


def test_an_unknown_indexed_key_is_refused(soap, emu):
    # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation-contact
    # (request sample, and its error response for the key EmailAddress4)
    contact = emu.create_item(folder="contacts", fields={"GivenName": "Ann"})
    request = ('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
               f'<t:ItemId Id="{contact}"/><t:Updates><t:SetItemField>'
               '<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/><t:Contact>'
               '<t:EmailAddresses><t:Entry Key="KEY">changedemail@example.com</t:Entry></t:EmailAddresses>'
               "</t:Contact></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>")
    assert _code(soap, request.replace("KEY", "EmailAddress1")) == "NoError"
    assert emu.get_item(contact)["fields"]["EmailAddresses"] == {"EmailAddress1": "changedemail@example.com"}
    violation = _schema_violation(soap, request.replace("KEY", "EmailAddress4"))
    assert "'EmailAddress4'" in violation and "EmailAddressKeyType" in violation and "Enumeration" in violation


@pytest.mark.parametrize(("body", "words"), [
    pytest.param(  # Subject comes before Status in TaskType
        '<m:CreateItem><m:Items><t:Task><t:Status>NotStarted</t:Status><t:Subject>x</t:Subject></t:Task>'
        "</m:Items></m:CreateItem>", ["invalid child element 'Subject'"], id="element-out-of-order"),
    pytest.param(
        "<m:CreateItem><m:Items><t:Task><t:Subject>x</t:Subject><t:Colour>red</t:Colour></t:Task></m:Items>"
        "</m:CreateItem>", ["invalid child element 'Colour'"], id="element-not-in-schema"),
    pytest.param(
        '<m:CreateItem Urgent="yes"><m:Items><t:Task><t:Subject>x</t:Subject></t:Task></m:Items></m:CreateItem>',
        ["'Urgent' attribute is not declared"], id="attribute-not-in-schema"),
    pytest.param(
        '<m:DeleteItem><m:ItemIds><t:ItemId Id="AAAA"/></m:ItemIds></m:DeleteItem>',
        ["required attribute 'DeleteType'"], id="DeleteType-required"),
    pytest.param(
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>"
        '<t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId></m:SyncFolderItems>',
        ["'SyncFolderItems'", "incomplete content", "'MaxChangesReturned'"], id="MaxChangesReturned-required"),
    pytest.param(
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>"
        '<t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId><m:MaxChangesReturned>513</m:MaxChangesReturned>'
        "</m:SyncFolderItems>", ["'513'", "MaxSyncChangesReturnedType"], id="MaxChangesReturned-above-512"),
    pytest.param(
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>"
        "<t:ItemId/></m:ItemIds></m:GetItem>", ["required attribute 'Id'"], id="ItemId-Id-required"),
    pytest.param(
        "<m:CreateItem><m:Items><t:CalendarItem><t:Start>tomorrow</t:Start></t:CalendarItem></m:Items>"
        "</m:CreateItem>", ["'tomorrow'", "dateTime"], id="not-a-dateTime"),
    pytest.param(
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="item:Colour"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>'
        '<t:ItemId Id="AAAA"/></m:ItemIds></m:GetItem>', ["'item:Colour'", "UnindexedFieldURIType"],
        id="unknown-FieldURI"),
    pytest.param(
        '<m:FindItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds>'
        '<t:DistinguishedFolderId Id="tasks"/></m:ParentFolderIds></m:FindItem>',
        ["required attribute 'Traversal'"], id="FindItem-Traversal-required"),
    pytest.param(
        '<m:FindItem Traversal="Shallow"><m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/>'
        "</m:ParentFolderIds></m:FindItem>", ["invalid child element 'ParentFolderIds'", "'ItemShape'"],
        id="FindItem-ItemShape-required"),
    pytest.param(
        '<m:ConvertId><m:SourceIds><t:AlternateId Format="EwsId" Id="AAAA" Mailbox="user@example.com"/>'
        "</m:SourceIds></m:ConvertId>", ["required attribute 'DestinationFormat'"],
        id="ConvertId-DestinationFormat-required"),
    pytest.param(
        '<m:UpdateItem><m:ItemChanges><t:ItemChange><t:ItemId Id="AAAA"/><t:Updates><t:DeleteItemField>'
        '<t:FieldURI FieldURI="item:Subject"/></t:DeleteItemField></t:Updates></t:ItemChange></m:ItemChanges>'
        "</m:UpdateItem>", ["required attribute 'ConflictResolution'"], id="UpdateItem-ConflictResolution"),
    pytest.param(
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:Updates>'
        '<t:DeleteItemField><t:FieldURI FieldURI="item:Subject"/></t:DeleteItemField></t:Updates>'
        '<t:ItemId Id="AAAA"/></t:ItemChange></m:ItemChanges></m:UpdateItem>',
        ["invalid child element 'Updates'"], id="ItemChange-ItemId-first"),
    pytest.param(
        "<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id=\"calendar\"/></m:FolderIds></m:GetFolder>",
        ["invalid child element 'FolderIds'", "'FolderShape'"], id="GetFolder-FolderShape-required"),
])
def test_requests_outside_the_schema_fail_validation(soap, body, words):
    violation = _schema_violation(soap, body)
    for word in words:
        assert word in violation, violation


def test_request_server_version_needs_its_version(soap):
    body = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
            '<t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>')
    assert "required attribute 'Version'" in _schema_violation(soap, body, header="<t:RequestServerVersion/>")


APPOINTMENT = ("<t:CalendarItem><t:Subject>a</t:Subject><t:Start>2025-01-01T10:00:00Z</t:Start>"
               "<t:End>END</t:End></t:CalendarItem>")


def test_send_meeting_invitations_is_required_to_create_a_calendar_item(soap, emu):
    body = f"<m:CreateItem ATTR><m:Items>{APPOINTMENT.replace('END', '2025-01-01T11:00:00Z')}</m:Items></m:CreateItem>"
    assert _code(soap, body.replace(" ATTR", "")) == "ErrorSendMeetingInvitationsRequired"
    assert emu.items("calendar") == []
    assert _code(soap, body.replace("ATTR", 'SendMeetingInvitations="SendToNone"')) == "NoError"


def test_end_before_start_is_refused_on_create(soap, emu):
    # ErrorCalendarEndDateIsEarlierThanStartDate
    body = ('<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items>'
            f"{APPOINTMENT.replace('END', '2025-01-01T09:59:00Z')}</m:Items></m:CreateItem>")
    assert _code(soap, body) == "ErrorCalendarEndDateIsEarlierThanStartDate"
    assert emu.items("calendar") == []


def _update_end(item_id: str, end: str, attr: str = 'SendMeetingInvitationsOrCancellations="SendToNone"') -> str:
    return (f'<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly" {attr}>'
            f'<m:ItemChanges><t:ItemChange><t:ItemId Id="{item_id}"/><t:Updates><t:SetItemField>'
            '<t:FieldURI FieldURI="calendar:End"/><t:CalendarItem>'
            f"<t:End>{end}</t:End></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges>"
            "</m:UpdateItem>")


def test_end_before_start_is_refused_on_update_and_the_item_is_unchanged(soap, emu):
    import datetime as dt

    start = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)
    item = emu.create_item(folder="calendar", fields={"Subject": "a", "Start": start,
                                                      "End": start + dt.timedelta(hours=1)})
    assert _code(soap, _update_end(item, "2025-01-01T09:00:00Z")) == "ErrorCalendarEndDateIsEarlierThanStartDate"
    assert emu.get_item(item)["fields"]["End"] == "2025-01-01T11:00:00Z"
    # the attribute is required for calendar items
    assert _code(soap, _update_end(item, "2025-01-01T12:00:00Z", attr="")) == (
        "ErrorSendMeetingInvitationsOrCancellationsRequired")
    assert _code(soap, _update_end(item, "2025-01-01T12:00:00Z")) == "NoError"


@pytest.mark.parametrize(("folder", "fields", "missing", "code"), [
    ("calendar", {"Subject": "e"}, "SendMeetingCancellations", "ErrorSendMeetingCancellationsRequired"),
    ("tasks", {"Subject": "t"}, "AffectedTaskOccurrences", "ErrorAffectedTaskOccurrencesRequired"),
])
def test_delete_needs_the_attributes_of_its_item_type(soap, emu, folder, fields, missing, code):
    # https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/handling-deletion-related-errors-in-ews-in-exchange
    import datetime as dt

    if folder == "calendar":
        start = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)
        fields = {**fields, "Start": start, "End": start + dt.timedelta(hours=1)}
    item = emu.create_item(folder=folder, fields=fields)
    attrs = {"SendMeetingCancellations": "SendToNone", "AffectedTaskOccurrences": "AllOccurrences"}
    attrs.pop(missing)
    given = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    body = f'<m:DeleteItem DeleteType="HardDelete" {given}><m:ItemIds><t:ItemId Id="{item}"/></m:ItemIds></m:DeleteItem>'
    assert _code(soap, body) == code and emu.get_item(item) is not None
    everything = " ".join(f'{k}="{v}"' for k, v in {"SendMeetingCancellations": "SendToNone",
                                                    "AffectedTaskOccurrences": "AllOccurrences"}.items())
    assert _code(soap, body.replace(given, everything)) == "NoError" and emu.get_item(item) is None


def test_an_unknown_time_zone_context_is_refused(soap, emu):
    # ErrorTimeZone: "there is a time zone error" (responsecode page). Whether Exchange refuses it for an
    # operation that reads no times is not documented; the emulator refuses it when times are read.
    header = ('<t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext>'
              '<t:TimeZoneDefinition Id="Atlantis Standard Time"/></t:TimeZoneContext>')
    create = ('<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items>'
              f"{APPOINTMENT.replace('END', '2025-01-01T11:00:00')}</m:Items></m:CreateItem>")
    reply, _ = soap.post(create, header=header)
    assert reply.status_code == 500 and "ErrorTimeZone" in reply.text and emu.items("calendar") == []
