"""Error values the emulator turns into Salesforce-shaped responses."""

from __future__ import annotations

from typing import Any


class RecordError(Exception):
    """A per-record data error (validation, lock, duplicate...).

    Single-record endpoints render it as HTTP 400 ``[{"message","errorCode","fields"}]``;
    collections render it as a per-record ``{"statusCode","message","fields"}`` entry.
    """

    def __init__(self, code: str, message: str, fields: list[str] | None = None, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = list(fields or [])
        self.status = status

    def as_rest(self) -> dict[str, Any]:
        """The REST error-list entry (key ``errorCode``)."""
        return {"message": self.message, "errorCode": self.code, "fields": self.fields}

    def as_collection(self) -> dict[str, Any]:
        """The sObject Collections error entry (key ``statusCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


class ApiError(Exception):
    """A request-level REST error: an HTTP status and a JSON error list.

    *fields* is ``None`` for errors whose real payload carries no ``fields`` key
    (e.g. ``INVALID_SESSION_ID``, ``MALFORMED_QUERY``, ``INVALID_QUERY_LOCATOR``).
    """

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    @classmethod
    def from_record(cls, err: RecordError) -> ApiError:
        """Lift a per-record error to a single-record response."""
        return cls(err.status, err.code, err.message, err.fields)

    def body(self) -> list[dict[str, Any]]:
        """The JSON body: a one-element error list."""
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]


def not_found() -> ApiError:
    """404 NOT_FOUND for an unknown resource or id."""
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def entity_is_deleted() -> RecordError:
    """404 ENTITY_IS_DELETED, exactly as recorded from a real org."""
    return RecordError("ENTITY_IS_DELETED", "entity is deleted", [], status=404)
