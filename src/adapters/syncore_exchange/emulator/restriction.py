"""FindItem ``Restriction`` evaluation and ``SortOrder`` for stored items.

Supports And/Or/Not, Exists, IsEqualTo/IsNotEqualTo/IsGreaterThan[OrEqualTo]/IsLessThan[OrEqualTo] and
Contains over FieldURI, IndexedFieldURI and ExtendedFieldURI paths. Anything else raises
:class:`UnsupportedRestrictionError`, so a query the emulator cannot answer fails loudly instead of returning
every item.
"""

from __future__ import annotations

from lxml import etree

from .itemxml import ext_key
from .schema import INDEXED_CONTAINERS, kind_schema
from .store import StoredItem
from .xmlns import local, parse_bool, parse_datetime

_COMPARISONS = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}
_PATHS = {"FieldURI", "IndexedFieldURI", "ExtendedFieldURI"}


class UnsupportedRestrictionError(Exception):
    """The restriction uses an element the emulator does not evaluate."""


def field_value(item: StoredItem, path: etree._Element) -> str | None:
    """Text value of a property path on an item (None when absent or not applicable)."""
    from .render import _computed

    kind = local(path.tag)
    if kind == "ExtendedFieldURI":
        key = ext_key(path)
        prop = next((e for e in item.extended if ext_key(e) == key), None)
        return None if prop is None or len(prop) < 2 else prop[1].text
    uri = path.get("FieldURI", "")
    if kind == "IndexedFieldURI":
        parts = uri.split(":")
        container = item.props.get(INDEXED_CONTAINERS.get(":".join(parts[:2]), ""))
        entry = (
            None
            if container is None
            else next((e for e in container if e.get("Key") == path.get("FieldIndex")), None)
        )
        if entry is None or len(parts) < 3:
            return None if entry is None else entry.text
        sub = next((p for p in entry if local(p.tag) == parts[2]), None)
        return None if sub is None else sub.text
    tag = kind_schema(item.kind).uri_to_tag.get(uri)
    if tag is None:
        return None
    elem = _computed(item, tag, "Best")
    return None if elem is None else elem.text


def _typed(item: StoredItem, path: etree._Element, left: str, right: str):
    tag = kind_schema(item.kind).uri_to_tag.get(path.get("FieldURI", ""))
    schema = kind_schema(item.kind)
    if tag in schema.bool_tags:
        return parse_bool(left), parse_bool(right)
    if tag in schema.datetime_tags:
        return parse_datetime(left), parse_datetime(right)
    try:
        return float(left), float(right)
    except ValueError:
        # EWS string comparisons are case-insensitive.
        return left.casefold(), right.casefold()


def _operands(node: etree._Element):
    path = next((c for c in node if isinstance(c.tag, str) and local(c.tag) in _PATHS), None)
    other = next((c for c in node if isinstance(c.tag, str) and local(c.tag) not in _PATHS), None)
    if path is None:
        raise UnsupportedRestrictionError(f"{local(node.tag)} without a property path")
    return path, other


def matches(item: StoredItem, node: etree._Element) -> bool:
    """Evaluate one restriction node against an item."""
    name = local(node.tag)
    children = [c for c in node if isinstance(c.tag, str)]
    if name == "Restriction":
        return all(matches(item, c) for c in children)
    if name == "And":
        return all(matches(item, c) for c in children)
    if name == "Or":
        return any(matches(item, c) for c in children)
    if name == "Not":
        return not matches(item, children[0])
    if name == "Exists":
        return field_value(item, children[0]) is not None
    if name in _COMPARISONS:
        path, other = _operands(node)
        const = other[0] if other is not None and len(other) else None
        if const is None:
            raise UnsupportedRestrictionError(f"{name} without a constant")
        right = const.get("Value") if local(const.tag) == "Constant" else field_value(item, const)
        left = field_value(item, path)
        if left is None or right is None:
            return False
        try:
            a, b = _typed(item, path, left, right)
        except (TypeError, ValueError):
            return False
        if a is None or b is None:
            return False
        return _COMPARISONS[name](a, b)
    if name == "Contains":
        path, const = _operands(node)
        left, right = field_value(item, path), None if const is None else const.get("Value")
        if left is None or right is None:
            return False
        comparison = node.get("ContainmentComparison", "Exact")
        if "IgnoreCase" in comparison or comparison.startswith("Loose"):
            left, right = left.casefold(), right.casefold()
        mode = node.get("ContainmentMode", "Substring")
        if mode == "FullString":
            return left == right
        if mode == "Prefixed":
            return left.startswith(right)
        if mode == "PrefixOnWords":
            return any(w.startswith(right) for w in left.split())
        return right in left
    raise UnsupportedRestrictionError(f"Restriction element {name} is not supported by the emulator")


def sort_items(items: list[StoredItem], sort_order: etree._Element | None) -> list[StoredItem]:
    """Apply ``<m:SortOrder>``: FieldOrder children, first is most significant; missing values sort first."""
    if sort_order is None:
        return items
    for order in reversed([c for c in sort_order if isinstance(c.tag, str)]):
        path, _ = _operands(order)
        descending = order.get("Order") == "Descending"

        def key(item, path=path):
            value = field_value(item, path)
            return (value is not None, value or "")

        items = sorted(items, key=key, reverse=descending)
    return items
