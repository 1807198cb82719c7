"""The OData query options the emulator implements, parsed strictly.

* ``$filter=singleValueExtendedProperties/Any(ep: ep/id eq '{id}' and ep/value eq '{value}')`` and
  ``$expand=singleValueExtendedProperties($filter=id eq '{id}')``
  (https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get);
* ``$top``, ``$select`` (https://learn.microsoft.com/en-us/graph/query-parameters);
* ``Prefer`` preferences: ``odata.maxpagesize`` (https://learn.microsoft.com/en-us/graph/paging),
  ``outlook.timezone``, ``outlook.body-content-type`` and ``IdType="ImmutableId"``
  (https://learn.microsoft.com/en-us/graph/outlook-immutable-id).

A query option this emulator does not implement answers 501 NotImplemented rather than being ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import GraphError, bad_request

_STRING = r"'((?:[^']|'')*)'"
_FILTER_EP = re.compile(
    rf"^singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+{_STRING}\s+and\s+\1/value\s+eq\s+{_STRING}\s*\)$",
    re.IGNORECASE,
)
_EXPAND_EP = re.compile(rf"^singleValueExtendedProperties\(\s*\$filter\s*=\s*id\s+eq\s+{_STRING}\s*\)$", re.IGNORECASE)
_PREFER_ITEM = re.compile(r'\s*([\w.\-]+)\s*(?:=\s*("([^"]*)"|[^,;\s]+))?')


def _unquote(text: str) -> str:
    return text.replace("''", "'")


@dataclass
class Prefer:
    """The preferences of one request (every ``Prefer`` header, comma separated)."""

    immutable_ids: bool = False
    timezone: str | None = None
    body_type: str | None = None
    max_page_size: int | None = None
    applied: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, values: list[str]) -> Prefer:
        prefer = cls()
        for header in values:
            for match in _PREFER_ITEM.finditer(header):
                name, raw, quoted = match.group(1).lower(), match.group(2), match.group(3)
                value = quoted if quoted is not None else raw
                if name == "idtype" and value and value.lower() == "immutableid":
                    prefer.immutable_ids = True
                elif name == "outlook.timezone" and value:
                    prefer.timezone = value
                    prefer.applied.append(f'outlook.timezone="{value}"')
                elif name == "outlook.body-content-type" and value in ("text", "html"):
                    prefer.body_type = value
                    prefer.applied.append(f'outlook.body-content-type="{value}"')
                elif name == "odata.maxpagesize" and value and value.isdigit() and int(value) > 0:
                    prefer.max_page_size = int(value)
                    prefer.applied.append(f"odata.maxpagesize={value}")
        return prefer


@dataclass
class Query:
    """Parsed query options of one request."""

    link_filter: tuple[str, str] | None = None
    expand_property: str | None = None
    expand_linked_resources: bool = False
    top: int | None = None
    select: list[str] | None = None


def parse_query(params: dict[str, str], *, allow: set[str]) -> Query:
    """Parse the ``$`` options a resource supports (``allow``); other ``$`` options are refused."""
    query = Query()
    for name, value in params.items():
        if not name.startswith("$") or name.lower() in ("$skiptoken", "$deltatoken"):
            continue
        option = name.lower()
        if option not in allow:
            raise GraphError(400, "ErrorInvalidUrlQuery" if option in ("$filter", "$expand", "$orderby", "$search")
                             else "BadRequest", f"The query parameter '{name}' is not supported with this request.")
        if option == "$filter":
            match = _FILTER_EP.match(value.strip())
            if match is None:
                raise GraphError(501, "NotImplemented", f"The emulator does not implement the filter {value!r}.")
            query.link_filter = (_unquote(match.group(2)), _unquote(match.group(3)))
        elif option == "$expand":
            if value.strip().lower() == "linkedresources":
                query.expand_linked_resources = True
                continue
            match = _EXPAND_EP.match(value.strip())
            if match is None:
                raise GraphError(501, "NotImplemented", f"The emulator does not implement the expansion {value!r}.")
            query.expand_property = _unquote(match.group(1))
        elif option == "$top":
            if not value.isdigit() or int(value) < 1:
                raise bad_request(f"Invalid value '{value}' for $top query option.")
            query.top = int(value)
        elif option == "$select":
            query.select = [part.strip() for part in value.split(",") if part.strip()]
    return query


def select(resource: dict, names: list[str] | None) -> dict:
    """Keep only selected properties (plus ids, annotations and what $expand asked for, which Graph returns)."""
    if not names:
        return resource
    wanted = {n.lower() for n in names} | {"id", "singlevalueextendedproperties", "linkedresources"}
    return {k: v for k, v in resource.items() if k.startswith("@") or k.lower() in wanted}
