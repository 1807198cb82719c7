"""Schema validation of requests, as Exchange does before it runs an operation.

Exchange validates every request against its published schema (``messages.xsd``/``types.xsd``, served from
``/EWS/`` on every server) and answers a SOAP fault ``ErrorSchemaValidation`` ("The request failed schema
validation") naming the violation, line and position, for elements out of order, elements or attributes the
schema does not have, missing required elements or attributes, and values outside their type (an unknown
enumeration value, a number out of range):
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation-contact
("UpdateItem (Contact) error response").

``ews_schema.json`` holds the content models of every type reachable from the operations the emulator
implements and from the SOAP headers (element names, order, occurrence, attributes and simple types), derived
mechanically from the schema files an Exchange Online server publishes (schema version V2017_10_09) by
``tools/ews_schema_table.py``. Item types the emulator does not store (messages, posts, response objects …)
and a few read-only response structures are kept as "any content", so they are not checked inside.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from .xmlns import MNS, SOAPNS, TNS

_NS_PREFIX = {MNS: "m", TNS: "t"}
_PREFIX_NS = {"m": MNS, "t": TNS}
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_DATETIME = re.compile(r"^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_DATE = re.compile(r"^-?\d{4,}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?$")
_TIME = re.compile(r"^\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_INTEGER_RANGES = {
    "xs:int": (-(2**31), 2**31 - 1),
    "xs:long": (-(2**63), 2**63 - 1),
    "xs:short": (-(2**15), 2**15 - 1),
    "xs:unsignedInt": (0, 2**32 - 1),
    "xs:unsignedShort": (0, 2**16 - 1),
    "xs:unsignedLong": (0, 2**64 - 1),
    "xs:nonNegativeInteger": (0, None),
    "xs:positiveInteger": (1, None),
    "xs:integer": (None, None),
    "xs:byte": (-128, 127),
}


class SchemaViolation(Exception):
    """The request does not match the schema; ``line``/``position`` locate the offending element."""

    def __init__(self, message: str, elem: etree._Element | None = None):
        super().__init__(message)
        self.message = message
        self.line = getattr(elem, "sourceline", None) or 0
        self.position = 0
        self.elem = elem


@dataclass(frozen=True)
class _Schema:
    types: dict
    simple: dict
    elements: dict


@cache
def schema() -> _Schema:
    """The content-model table (loaded once)."""
    data = json.loads((Path(__file__).parent / "ews_schema.json").read_text(encoding="utf-8"))
    return _Schema(data["types"], data["simple"], data["elements"])


def _qname(elem: etree._Element) -> str:
    ns, _, local = elem.tag[1:].partition("}") if elem.tag.startswith("{") else ("", "", elem.tag)
    return f"{_NS_PREFIX.get(ns, ns)}:{local}"


def _describe(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"'{local}' in namespace '{_PREFIX_NS.get(prefix, prefix)}'"


def validate_envelope(root: etree._Element) -> None:
    """Validate the SOAP headers Exchange knows and the body's operation element."""
    header = root.find(f"{{{SOAPNS}}}Header")
    for elem in [] if header is None else header:
        if not isinstance(elem.tag, str):
            continue
        type_name = schema().elements.get(_qname(elem))
        if type_name is not None:
            validate_element(elem, type_name)
    body = root.find(f"{{{SOAPNS}}}Body")
    for elem in [] if body is None else body:
        if isinstance(elem.tag, str) and _qname(elem).startswith("m:"):
            type_name = f"{_qname(elem)}Type"
            if type_name in schema().types:
                validate_element(elem, type_name)


def validate_element(elem: etree._Element, type_name: str) -> None:
    """Check ``elem`` (attributes, children, text) against ``type_name``, recursively."""
    sch = schema()
    if type_name.startswith("xs:") or type_name in sch.simple:
        _check_attributes(elem, {})
        children = _children(elem)
        if children:
            raise SchemaViolation(
                f"The element {_describe(_qname(elem))} cannot contain child element "
                f"{_describe(_qname(children[0]))} because the parent element's content model is text only.",
                children[0],
            )
        _check_value(elem, type_name, elem.text or "", f"The {_describe(_qname(elem))} element is invalid")
        return
    attrs, content, text_type, mixed = _effective(type_name)
    _check_attributes(elem, attrs)
    children = _children(elem)
    if text_type is not None:
        if children:
            raise SchemaViolation(
                f"The element {_describe(_qname(elem))} cannot contain child element "
                f"{_describe(_qname(children[0]))}.",
                children[0],
            )
        _check_value(elem, text_type, elem.text or "", f"The {_describe(_qname(elem))} element is invalid")
        return
    if not mixed and any((t or "").strip() for t in _texts(elem)):
        raise SchemaViolation(
            f"The element {_describe(_qname(elem))} cannot contain text. List of possible elements expected: "
            f"{_expected(content)}.",
            elem,
        )
    matched: list[tuple[etree._Element, str | None]] = []
    reach = [0]
    end = _match(content, children, 0, matched, reach) if content is not None else 0
    if end is None or end < len(children):
        position = reach[0] if end is None else end
        seen = {_qname(c) for c in children[:position]}
        if position < len(children):
            bad = children[position]
            raise SchemaViolation(
                f"The element {_describe(_qname(elem))} has invalid child element {_describe(_qname(bad))}. "
                f"List of possible elements expected: {_expected(content, seen)}.",
                bad,
            )
        raise SchemaViolation(
            f"The element {_describe(_qname(elem))} has incomplete content. List of possible elements expected: "
            f"{_expected(content, seen)}.",
            elem,
        )
    for child, child_type in matched:
        if child_type is not None:
            validate_element(child, child_type)


def _children(elem: etree._Element) -> list[etree._Element]:
    return [c for c in elem if isinstance(c.tag, str)]


def _texts(elem: etree._Element) -> list[str | None]:
    return [elem.text] + [c.tail for c in elem]


@cache
def _effective(type_name: str) -> tuple[dict, list | None, str | None, bool]:
    """Attributes, content model, simple-content type and mixedness, with base types folded in."""
    attrs, content, text, mixed = schema().types[type_name]
    attrs = dict(attrs)
    if content and content[0] in ("ext", "restrict"):
        kind, base, own = content
        base_attrs, base_content, base_text, base_mixed = _effective(base)
        attrs = {**base_attrs, **attrs}
        text = text or base_text
        mixed = mixed or base_mixed
        if kind == "restrict" or base_content is None:
            content = own
        elif own is None:
            content = base_content
        else:
            content = ["seq", 1, 1, [base_content, own]]
    return attrs, content, text, mixed


def effective_content(type_name: str) -> list | None:
    """The content model of a complex type with its base types folded in."""
    return _effective(type_name)[1]


def _check_attributes(elem: etree._Element, declared: dict) -> None:
    for name, value in elem.attrib.items():
        if name.startswith((f"{{{_XSI}}}", "{http://www.w3.org/XML/1998/namespace}")):
            continue
        if name not in declared:
            if "*" in declared:
                continue
            raise SchemaViolation(f"The '{name}' attribute is not declared.", elem)
        type_name = declared[name][0]
        _check_value(elem, type_name, value, f"The '{name}' attribute is invalid")
    for name, (_, required) in declared.items():
        if required and name not in elem.attrib:
            raise SchemaViolation(f"The required attribute '{name}' is missing.", elem)


def _check_value(elem: etree._Element, type_name: str, value: str, what: str) -> None:
    problem = _value_problem(type_name, value)
    if problem:
        prefix, _, local = type_name.partition(":")
        namespace = _PREFIX_NS.get(prefix, "http://www.w3.org/2001/XMLSchema")
        raise SchemaViolation(
            f"{what} - The value '{value}' is invalid according to its datatype '{namespace}:{local}' - {problem}",
            elem,
        )


@cache
def _pattern(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(f"^(?:{pattern})$")
    except re.error:
        return None  # an XSD-only regex construct: not checked


def _value_problem(type_name: str | list, value: str) -> str | None:
    """Why ``value`` is not of the simple type (None when it is)."""
    if isinstance(type_name, list):  # an anonymous simple type
        definition = type_name
    elif type_name.startswith("xs:"):
        return _builtin_problem(type_name, value)
    else:
        definition = schema().simple.get(type_name)
        if definition is None:
            return None
    kind = definition[0]
    if kind == "list":
        for item in value.split():
            problem = _value_problem(definition[1], item) if definition[1] else None
            if problem:
                return problem
        return None
    if kind == "union":
        if any(_value_problem(member, value) is None for member in definition[1]):
            return None
        return "The value is not valid for any member of the union."
    _, base, enums, facets = definition
    problem = _value_problem(base, value) if base else None
    if problem:
        return problem
    if enums and value not in enums:
        return "The Enumeration constraint failed."
    if "minLength" in facets and len(value) < int(facets["minLength"]):
        return "The actual length is less than the MinLength value."
    if "maxLength" in facets and len(value) > int(facets["maxLength"]):
        return "The actual length is greater than the MaxLength value."
    for facet, compare in (("minInclusive", lambda a, b: a < b), ("maxInclusive", lambda a, b: a > b)):
        if facet in facets:
            try:
                if compare(float(value), float(facets[facet])):
                    return f"The {facet.replace('Inclusive', 'Inclusive ')}constraint failed."
            except ValueError:
                return "The string is not a valid number."
    if "pattern" in facets:
        compiled = _pattern(facets["pattern"])
        if compiled is not None and not compiled.match(value):
            return "The Pattern constraint failed."
    return None


def _builtin_problem(type_name: str, value: str) -> str | None:
    text = value.strip()
    if type_name == "xs:boolean":
        return None if text in ("true", "false", "1", "0") else "The string is not a valid Boolean value."
    if type_name in _INTEGER_RANGES:
        if not re.fullmatch(r"[+-]?\d+", text):
            return f"The string '{value}' is not a valid {type_name[3:].capitalize()} value."
        low, high = _INTEGER_RANGES[type_name]
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            return "Value was either too large or too small."
        return None
    if type_name in ("xs:double", "xs:float", "xs:decimal"):
        try:
            float(text)
        except ValueError:
            return f"The string '{value}' is not a valid {type_name[3:]} value."
        return None
    checks = {"xs:dateTime": _DATETIME, "xs:date": _DATE, "xs:time": _TIME, "xs:duration": _DURATION}
    if type_name in checks:
        return None if checks[type_name].match(text) else f"The string '{value}' is not a valid {type_name[3:]}."
    if type_name == "xs:base64Binary":
        try:
            base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            return "The string is not valid base64."
        return None
    return None  # strings, tokens, URIs, language codes: anything goes


# -- content models ------------------------------------------------------------------------------------
# A model is ["el", name, type, min, max] | ["seq"|"choice"|"all", min, max, [parts]] | ["any", min, max].
# The EWS schema is deterministic (XSD's unique particle attribution), so greedy matching is exact.


def _match(model, children, i, out, reach) -> int | None:
    """Match ``model`` at ``children[i:]``; returns the next index (appending (child, type) to ``out``).

    ``reach[0]`` keeps the furthest index any attempt got to: where a failed match went wrong.
    """
    kind = model[0]
    if kind == "el":
        _, name, type_name, low, high = model
        count = 0
        while i < len(children) and (high is None or count < high) and _qname(children[i]) == name:
            out.append((children[i], type_name))
            i += 1
            count += 1
        reach[0] = max(reach[0], i)
        return i if count >= low else None
    if kind == "any":
        _, low, high = model
        count = 0
        while i < len(children) and (high is None or count < high):
            out.append((children[i], None))
            i += 1
            count += 1
        return i if count >= low else None
    _, low, high, parts = model
    if kind == "all":
        return _match_all(parts, children, i, out, low)
    count = 0
    while high is None or count < high:
        mark = len(out)
        nxt = _match_once(kind, parts, children, i, out, reach)
        if nxt is None or nxt == i:
            del out[mark:]
            if nxt == i:
                count = max(count, low)  # an all-optional group matches empty as often as needed
            break
        i = nxt
        count += 1
    return i if count >= low else None


def _match_once(kind, parts, children, i, out, reach) -> int | None:
    if kind == "seq":
        for part in parts:
            i = _match(part, children, i, out, reach)
            if i is None:
                return None
        return i
    empty = None
    for part in parts:  # choice: the first alternative that consumes something wins
        mark = len(out)
        nxt = _match(part, children, i, out, reach)
        if nxt is not None and nxt > i:
            return nxt
        del out[mark:]
        if nxt == i:
            empty = i
    return empty


def _match_all(parts, children, i, out, low) -> int | None:
    remaining = list(parts)
    start = i
    while i < len(children):
        part = next((p for p in remaining if p[0] == "el" and p[1] == _qname(children[i])), None)
        if part is None:
            break
        out.append((children[i], part[2]))
        remaining.remove(part)
        i += 1
    if i == start and low == 0:
        return i
    if any(p[0] == "el" and p[3] > 0 for p in remaining):
        return None
    return i


def _expected(model, seen: set[str]) -> str:
    """The model's element names not used yet (roughly what Exchange lists as "possible elements")."""
    names: list[str] = []

    def walk(m) -> None:
        if m is None:
            return
        if m[0] == "el":
            if m[1] not in seen:
                names.append(_describe(m[1]))
        elif m[0] == "any":
            names.append("any element")
        else:
            for part in m[3]:
                walk(part)

    walk(model)
    return ", ".join(dict.fromkeys(names)) or "none"
