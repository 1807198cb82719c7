"""What every REST handler works with: the parsed :class:`Request`, its :class:`Response`, the :class:`Route`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .errors import ApiError, not_found

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"


@dataclass
class Request:
    """A REST call after HTTP parsing."""

    method: str
    version: str  # e.g. "59.0"
    segments: list[str]  # path segments after /services/data/vNN.0/, percent-decoded
    params: dict[str, str]
    body: bytes
    headers: dict[str, str]  # lower-cased names
    user_id: str = ""
    #: Runs a Composite subrequest ``(method, url, body, parent) -> Response`` (set by the dispatcher).
    subrequest: Callable[[str, str, Any, Request], Response] | None = None

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(
                400, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON value"
            ) from None


@dataclass
class Response:
    """Status plus a JSON-serialisable body (``None`` for no body)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass
class Route:
    """The handler chosen for a request, with what the log records about it."""

    operation: str
    handler: Handler
    sobject: str | None = None


def only(method: str, allowed: str, route: Route) -> Route:
    """*route* when *method* is one of *allowed* (comma-separated), else a 405 route."""
    return route if method in allowed.split(",") else method_not_allowed(method, allowed + ",HEAD")


def method_not_allowed(method: str, allowed: str) -> Route:
    """A route answering 405 METHOD_NOT_ALLOWED."""

    def handler(req: Request) -> Response:
        raise ApiError(
            405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
        )

    return Route("unknown", handler)


def unknown(sobject: str | None = None) -> Route:
    """A route answering 404 NOT_FOUND."""

    def handler(req: Request) -> Response:
        raise not_found()

    return Route("unknown", handler, sobject)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the encoding of every response body."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def split_path(path: str) -> list[str]:
    """Percent-decode and split a path; empty segments (trailing slash) are dropped."""
    return [unquote(s) for s in path.split("/") if s != ""]


def is_version(segment: str) -> bool:
    """``v59.0``-shaped path segment."""
    return len(segment) > 1 and segment[0] == "v" and segment[1:].replace(".", "", 1).isdigit()


def flag(value: Any) -> bool:
    """A JSON or query-string boolean (``true`` / ``"true"``)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
