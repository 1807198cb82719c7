"""What every resource handler shares: the request context, body checks, extended properties, bodies."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_enum, bad_request, unknown_property
from .mailbox import Item, Mailbox
from .odata import Prefer, Query

EXTENDED = "singleValueExtendedProperties"
BODY_TYPES = ("text", "html")


@dataclass
class Ctx:
    """One (sub)request: the mailbox addressed, preferences, query options, body, headers."""

    mailbox: Mailbox
    prefer: Prefer
    params: dict[str, str]
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    #: the path prefix the request used for the mailbox (``/me`` or ``/users/{upn}``)
    root: str = "/me"
    app_only: bool = False
    query: Query = field(default_factory=Query)

    @property
    def immutable(self) -> bool:
        return self.prefer.immutable_ids

    @property
    def zone(self) -> str:
        return self.prefer.timezone or "UTC"


def json_body(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    return ctx.body


def check_properties(body: dict[str, Any], allowed: set[str], type_name: str) -> None:
    """Unknown properties are refused as OData refuses them (annotations such as @odata.type pass)."""
    for name in body:
        if not name.startswith("@") and name not in allowed:
            raise unknown_property(name, type_name)


def check_enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], type_name: str) -> None:
    if name in body and body[name] not in allowed:
        raise bad_enum(body[name], type_name)


def check_text(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise bad_request(f"Cannot convert a value to target type 'Edm.String' ({name}).", "RequestBodyRead")


def check_item_body(value: Any) -> dict[str, str]:
    """An itemBody ``{contentType, content}``; contentType is ``text`` or ``html``."""
    if not isinstance(value, dict):
        raise bad_request("The property 'body' must be an itemBody object.", "RequestBodyRead")
    # bodyType is matched case-insensitively: Microsoft's own samples send "HTML" and "Text"
    kind = str(value.get("contentType", "text")).lower()
    if kind not in BODY_TYPES:
        raise bad_enum(kind, "bodyType")
    content = value.get("content") or ""
    if not isinstance(content, str):
        raise bad_request("Cannot convert a value to target type 'Edm.String' (body.content).", "RequestBodyRead")
    return {"contentType": kind, "content": content}


def text_to_html(text: str) -> str:
    """How Exchange renders a plain-text body as HTML (no formatting beyond line breaks)."""
    lines = "<br>\r\n".join(html.escape(line) for line in text.replace("\r\n", "\n").split("\n"))
    return ('<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n'
            f"<body>\r\n<div>{lines}</div>\r\n</body>\r\n</html>\r\n")


def html_to_text(source: str) -> str:
    from syncore.bodies import html_to_text as convert

    return convert(source)


def render_body(stored: dict[str, str], ctx: Ctx) -> dict[str, str]:
    """The body in the format asked for (``Prefer: outlook.body-content-type``); HTML without a preference
    (https://learn.microsoft.com/en-us/graph/api/event-get#request-headers)."""
    wanted = ctx.prefer.body_type or "html"
    if stored["contentType"] == wanted:
        return dict(stored)
    if wanted == "html":
        return {"contentType": "html", "content": text_to_html(stored["content"])}
    return {"contentType": "text", "content": html_to_text(stored["content"])}


def preview(stored: dict[str, str]) -> str:
    text = stored["content"] if stored["contentType"] == "text" else html_to_text(stored["content"])
    return " ".join(text.split())[:255]


def set_extended(item: Item, value: Any) -> None:
    """Write ``singleValueExtendedProperties`` entries (each ``{id, value}``; a null value removes one)."""
    if not isinstance(value, list):
        raise bad_request("singleValueExtendedProperties must be a collection.", "RequestBodyRead")
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise bad_request("Each extended property needs an id.", "RequestBodyRead")
        prop_id = entry["id"]
        if not _valid_property_id(prop_id):
            raise bad_request(f"The extended property id '{prop_id}' is not valid.", "ErrorInvalidExtendedPropertyValue")
        if entry.get("value") is None:
            item.extended.pop(prop_id.lower(), None)
        else:
            item.extended[prop_id.lower()] = (prop_id, str(entry["value"]))


def _valid_property_id(prop_id: str) -> bool:
    # "{type} {proptag}" or "{type} {guid} Name {name}" / "{type} {guid} Id {id}" (the documented id formats)
    parts = prop_id.split(" ")
    if len(parts) == 2:
        return parts[1].lower().startswith("0x")
    return len(parts) >= 4 and parts[1].startswith("{") and parts[1].endswith("}") and parts[2] in ("Name", "Id")


def render_extended(item: Item, ctx: Ctx) -> list[dict[str, str]] | None:
    """The expanded extended property (only when asked for with $expand; an empty list when absent)."""
    wanted = ctx.query.expand_property
    if wanted is None:
        return None
    found = item.extended.get(wanted.lower())
    return [{"id": found[0], "value": found[1]}] if found else []


def matches_link_filter(item: Item, ctx: Ctx) -> bool:
    wanted = ctx.query.link_filter
    if wanted is None:
        return True
    found = item.extended.get(wanted[0].lower())
    return found is not None and found[1] == wanted[1]


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
