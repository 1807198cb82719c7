"""SOAP envelope parsing and response/fault building."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .validation import SchemaViolation
from .xmlns import ENS, MNS, SOAPNS, TNS, child, child_text, el, local, sub

SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "1",
    "MajorBuildNumber": "2507",
    "MinorBuildNumber": "6",
    "Version": "V2017_07_11",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class SoapRequest:
    """A parsed request: the operation element plus the header values the emulator cares about.

    ``timezone`` is the ``TimeZoneContext`` header's ``TimeZoneDefinition`` element (None without one);
    ``root`` the whole envelope (for schema validation), ``data`` the raw bytes (for error positions).
    """

    operation: str
    body: etree._Element
    impersonated: str | None
    timezone: etree._Element | None
    server_version: str | None
    root: etree._Element | None = None
    data: bytes = b""


class BadRequestError(Exception):
    """The request is not a SOAP envelope the emulator can handle."""


def parse_request(data: bytes) -> SoapRequest:
    """Parse raw POST data into a :class:`SoapRequest`."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise BadRequestError(f"Malformed XML: {e}") from e
    body = root.find(f"{{{SOAPNS}}}Body")
    if body is None or not len(body):
        raise BadRequestError("No SOAP Body")
    op = body[0]
    header = root.find(f"{{{SOAPNS}}}Header")
    impersonation = child(header, "t:ExchangeImpersonation")
    impersonated = None
    if impersonation is not None:
        sid = child(impersonation, "t:ConnectingSID")
        for name in ("t:PrimarySmtpAddress", "t:SmtpAddress", "t:PrincipalName"):
            impersonated = impersonated or child_text(sid, name)
    tz = child(child(header, "t:TimeZoneContext"), "t:TimeZoneDefinition")
    version = child(header, "t:RequestServerVersion")
    return SoapRequest(
        local(op.tag),
        op,
        impersonated,
        tz,
        None if version is None else version.get("Version"),
        root,
        data,
    )


def schema_fault(violation: SchemaViolation, data: bytes) -> bytes:
    """ErrorSchemaValidation as Exchange sends it: the violation, line and position in ``MessageXml``.

    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findconversation-operation
    ("FindConversation Error response example").
    """
    position = _position(violation, data)
    env = etree.Element(f"{{{SOAPNS}}}Envelope", nsmap={"s": SOAPNS})
    fault = etree.SubElement(etree.SubElement(env, f"{{{SOAPNS}}}Body"), f"{{{SOAPNS}}}Fault")
    etree.SubElement(fault, "faultcode", nsmap={"a": TNS}).text = "a:ErrorSchemaValidation"
    faultstring = etree.SubElement(fault, "faultstring")
    faultstring.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    faultstring.text = f"The request failed schema validation: {violation.message}"
    detail = etree.SubElement(fault, "detail")
    etree.SubElement(detail, f"{{{ENS}}}ResponseCode", nsmap={"e": ENS}).text = "ErrorSchemaValidation"
    etree.SubElement(detail, f"{{{ENS}}}Message", nsmap={"e": ENS}).text = "The request failed schema validation."
    xml = etree.SubElement(detail, f"{{{TNS}}}MessageXml", nsmap={"t": TNS})
    etree.SubElement(xml, f"{{{TNS}}}LineNumber").text = str(violation.line)
    etree.SubElement(xml, f"{{{TNS}}}LinePosition").text = str(position)
    etree.SubElement(xml, f"{{{TNS}}}Violation").text = violation.message
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _position(violation: SchemaViolation, data: bytes) -> int:
    # lxml knows lines, not columns: find the offending start tag in its line (1-based, as Exchange counts).
    if violation.elem is None or not violation.line:
        return 0
    lines = data.split(b"\n")
    if violation.line > len(lines):
        return 0
    name = local(violation.elem.tag).encode()
    line = lines[violation.line - 1]
    index = line.find(b":" + name)
    if index < 0:
        index = line.find(b"<" + name)
    return index + 2 if index >= 0 else 0


def envelope(response: etree._Element) -> bytes:
    """Wrap an ``m:<Op>Response`` element in an envelope with a ``ServerVersionInfo`` header."""
    env = el("s:Envelope", nsmap={"s": SOAPNS, "m": MNS, "t": TNS})
    header = sub(env, "s:Header")
    sub(header, "t:ServerVersionInfo", attrs=SERVER_VERSION)
    sub(env, "s:Body").append(response)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def response_root(operation: str) -> tuple[etree._Element, etree._Element]:
    """Return ``(m:<Op>Response, m:ResponseMessages)``."""
    root = el(f"m:{operation}Response")
    return root, sub(root, "m:ResponseMessages")


def success_message(messages: etree._Element, operation: str) -> etree._Element:
    """Append a ``ResponseClass="Success"`` message with ``NoError``."""
    msg = sub(messages, f"m:{operation}ResponseMessage", attrs={"ResponseClass": "Success"})
    sub(msg, "m:ResponseCode", "NoError")
    return msg


def error_message(
    messages: etree._Element,
    operation: str,
    code: str,
    text: str | None = None,
    response_class: str = "Error",
    back_off_ms: int | None = None,
) -> etree._Element:
    """Append a per-item error message; ``back_off_ms`` adds BackOffMilliseconds MessageXml."""
    msg = sub(messages, f"m:{operation}ResponseMessage", attrs={"ResponseClass": response_class})
    sub(msg, "m:MessageText", text or _DEFAULT_TEXT.get(code, code))
    sub(msg, "m:ResponseCode", code)
    sub(msg, "m:DescriptiveLinkKey", "0")
    if back_off_ms is not None:
        xml = sub(msg, "m:MessageXml")
        sub(xml, "t:Value", str(back_off_ms), {"Name": "BackOffMilliseconds"})
    return msg


def soap_fault(code: str, text: str | None = None, back_off_ms: int | None = None) -> bytes:
    """A SOAP fault as Exchange sends it (HTTP 500): ``detail`` unqualified, codes in the errors namespace."""
    text = text or _DEFAULT_TEXT.get(code, code)
    env = etree.Element(f"{{{SOAPNS}}}Envelope", nsmap={"s": SOAPNS})
    fault = etree.SubElement(etree.SubElement(env, f"{{{SOAPNS}}}Body"), f"{{{SOAPNS}}}Fault")
    faultcode = etree.SubElement(fault, "faultcode", nsmap={"a": TNS})
    faultcode.text = f"a:{code}"
    etree.SubElement(fault, "faultstring").text = text
    detail = etree.SubElement(fault, "detail")
    etree.SubElement(detail, f"{{{ENS}}}ResponseCode", nsmap={"e": ENS}).text = code
    etree.SubElement(detail, f"{{{ENS}}}Message", nsmap={"e": ENS}).text = text
    if back_off_ms is not None:
        xml = etree.SubElement(detail, f"{{{TNS}}}MessageXml", nsmap={"t": TNS})
        value = etree.SubElement(xml, f"{{{TNS}}}Value", Name="BackOffMilliseconds")
        value.text = str(back_off_ms)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


_DEFAULT_TEXT = {
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorIrresolvableConflict": "The send or update operation could not be performed because the change key "
    "passed in the request does not match the current change key for the item.",
    "ErrorInvalidSyncStateData": "Synchronization state data is corrupt or otherwise invalid.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorInvalidOperation": "The requested operation is not supported by the EWS emulator.",
    "ErrorInvalidChangeKey": "The change key is invalid.",
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorInvalidIdEmpty": "Id must be non-empty.",
    "ErrorCalendarEndDateIsEarlierThanStartDate": "EndDate is earlier than StartDate",
    "ErrorSendMeetingInvitationsRequired": "SendMeetingInvitations attribute is required for Calendar items.",
    "ErrorSendMeetingInvitationsOrCancellationsRequired": "SendMeetingInvitationsOrCancellations attribute is "
    "required for Calendar items.",
    "ErrorSendMeetingCancellationsRequired": "SendMeetingCancellations attribute is required for Calendar items.",
    "ErrorAffectedTaskOccurrencesRequired": "AffectedTaskOccurrences attribute is required for Task items.",
}
