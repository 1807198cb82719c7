"""SOAP partner ``login`` envelopes: request parsing, loginResponse, INVALID_LOGIN fault (reference §7.1)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."


def parse_login(body: bytes) -> tuple[str | None, str | None]:
    """Extract (username, password+token) from a partner ``login`` envelope."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None, None
    found: dict[str, str] = {}
    for elem in root.iter():
        local = elem.tag.rsplit("}", 1)[-1]
        if local in ("username", "password") and local not in found:
            found[local] = elem.text or ""
    return found.get("username"), found.get("password")


def login_response(
    server_url: str,
    session_id: str,
    user_id: str,
    org_id: str,
    username: str,
    api_version: str,
    time_zone: str = "GMT",
) -> str:
    """The ``loginResponse`` envelope, shaped like a real org's (fields trimmed)."""
    base = server_url.split("/services/")[0]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base}/services/Soap/m/{api_version}/{org_id}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{server_url}</serverUrl>"
        f"<sessionId>{escape(session_id)}</sessionId>"
        f"<userId>{user_id}</userId>"
        "<userInfo>"
        f"<organizationId>{org_id}</organizationId><organizationName>Syncore Emulator</organizationName>"
        f"<userEmail>{escape(username)}</userEmail><userFullName>{escape(username)}</userFullName>"
        f"<userId>{user_id}</userId><userName>{escape(username)}</userName>"
        f"<userTimeZone>{escape(time_zone)}</userTimeZone>"
        "</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def fault(code: str = "INVALID_LOGIN", message: str = INVALID_LOGIN_MESSAGE) -> str:
    """A partner API fault as Salesforce sends it (HTTP 500), as in recorded real INVALID_LOGIN payloads."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>{code}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
