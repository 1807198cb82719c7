"""Graph's error shape and the errors the emulator answers with.

Every error body is ``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``
(https://learn.microsoft.com/en-us/graph/errors). The codes and messages used below are those Microsoft Graph
sends for Outlook resources; where no documentation page shows one, the constant's comment says where the
wording comes from.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


class GraphError(Exception):
    """An error answer: HTTP ``status``, Graph ``code`` and ``message`` (plus extra headers)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self, client_request_id: str = "") -> dict[str, Any]:
        return error_body(self.code, self.message, client_request_id)


def error_body(code: str, message: str, client_request_id: str = "") -> dict[str, Any]:
    """The JSON error object of https://learn.microsoft.com/en-us/graph/errors#json-representation."""
    return {"error": {"code": code, "message": message, "innerError": {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()),
        "client-request-id": client_request_id or str(uuid.uuid4()),
    }}}


def not_found() -> GraphError:
    # The Outlook store's answer for an id that names nothing (any Graph client sees it for a deleted event).
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def malformed_id() -> GraphError:
    return GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")


def unknown_property(name: str, type_name: str) -> GraphError:
    # OData's answer to a property the type does not define.
    return GraphError(400, "RequestBodyRead",
                      f"The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to only "
                      "use property names that are defined by the type or mark the type as open type.")


def bad_enum(value: Any, type_name: str) -> GraphError:
    return GraphError(400, "RequestBodyRead",
                      f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.{type_name}'.")


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def unsupported_zone(name: str) -> GraphError:
    return GraphError(400, "TimeZoneNotSupportedException",
                      f"A valid TimeZone value must be specified. The following TimeZone value is not supported: "
                      f"'{name}'.")


def conflict() -> GraphError:
    # A conditional write (If-Match) against a stale change key; wording as Graph returns it for Outlook items
    # (microsoftgraph/microsoft-graph-docs-contrib issue 7934).
    return GraphError(412, "ErrorIrresolvableConflict",
                      "The send or update operation could not be performed because the change key passed in the "
                      "request does not match the current change key for the item.")


def invalid_token(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": 'Bearer realm=""'})


def access_denied(message: str = "Access is denied. Check credentials and try again.") -> GraphError:
    return GraphError(403, "ErrorAccessDenied", message)
