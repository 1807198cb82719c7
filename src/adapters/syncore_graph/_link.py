"""Where the counterpart's id is kept on a Graph item.

Events and contacts: one single-value extended property, the PublicStrings named property ``SyncoreLink``
that the Exchange and Outlook adapters write too (so a mailbox synced over EWS keeps its links under Graph):
id ``String {00020329-0000-0000-C000-000000000046} Name SyncoreLink``. Read with
``$expand=singleValueExtendedProperties($filter=id eq '…')``, found with
``$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')``
(https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get).

To Do tasks have no extended properties: the link is a ``linkedResource`` with ``applicationName`` "syncore"
and the counterpart's id as ``externalId`` (https://learn.microsoft.com/en-us/graph/api/resources/linkedresource).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

LINK_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name SyncoreLink"
APPLICATION_NAME = "syncore"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{LINK_PROPERTY_ID}')"


def odata_string(value: str) -> str:
    """A string literal for $filter: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def link_filter(link: str) -> str:
    return (f"singleValueExtendedProperties/Any(ep: ep/id eq {odata_string(LINK_PROPERTY_ID)} "
            f"and ep/value eq {odata_string(link)})")


def query(**params: str) -> str:
    """A percent-encoded query string (for $batch sub-request URLs)."""
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())


def property_value(link: str | None) -> list[dict[str, Any]]:
    return [{"id": LINK_PROPERTY_ID, "value": link}]


def read_property(item: dict[str, Any]) -> str | None:
    for entry in item.get("singleValueExtendedProperties") or ():
        if str(entry.get("id", "")).lower() == LINK_PROPERTY_ID.lower():
            return entry.get("value") or None
    return None


def linked_resource(link: str) -> dict[str, str]:
    return {"applicationName": APPLICATION_NAME, "externalId": link, "displayName": f"syncore link {link}"}


def read_linked_resource(task: dict[str, Any]) -> str | None:
    for entry in task.get("linkedResources") or ():
        if entry.get("applicationName") == APPLICATION_NAME and entry.get("externalId"):
            return entry["externalId"]
    return None
