"""SOQL evaluation over the store: name and literal checks, filtering, ordering, LIMIT/OFFSET, projection.

Comparison rules (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm):
text compares case-insensitively, but ids are case-sensitive values: ``Id`` and reference fields compare and
sort by their exact characters (0-9 < A-Z < a-z), so keyset paging ``WHERE Id > :last ORDER BY Id`` works.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from syncore.timezones import local_midnight_utc

from .dateliterals import DateLiteral
from .ids import MalformedId, to18
from .relations import NAME_OBJECT, FieldPath, Lookup, name_value, resolve
from .schema import TEXT_TYPES, FieldDef, Schema, SObjectDef
from .soql import (
    BoolOp,
    Comparison,
    FieldRef,
    InList,
    Like,
    Literal,
    Not,
    Query,
    SoqlError,
    like_to_regex,
    parse,
)
from .store import field_value, to_wire

_STRING_TYPES = TEXT_TYPES | {"id", "reference"}
_ID_TYPES = frozenset({"id", "reference"})
_NUMERIC_TYPES = {"int", "double", "currency", "percent"}
_TYPE_NAMES = {
    "datetime": "dateTime",
    "date": "date",
    "boolean": "boolean",
    "int": "integer",
    "double": "double",
}


@dataclass
class QueryPlan:
    """A parsed and checked query ready to run."""

    query: Query
    obj: SObjectDef
    select: list[FieldPath]


@dataclass
class Context:
    """What a query sees besides its rows: other records (relationships) and the querying user's day."""

    lookup: Lookup
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    zone: str = "GMT"  # the user's TimeZoneSidKey: where date literals' days start


def plan(soql: str, schema: Schema) -> QueryPlan:
    """Parse *soql* and resolve names.

    Raises :class:`SoqlError` with MALFORMED_QUERY, INVALID_TYPE or INVALID_FIELD.
    """
    query = parse(soql)
    obj = schema.get(query.sobject)
    if obj is None:
        raise SoqlError(
            "INVALID_TYPE",
            f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom object, "
            f"be sure to append the '__c' after the entity name. Please reference your WSDL or the describe "
            f"call for the appropriate names.",
            soql,
            query.sobject_pos,
        )
    select: list[FieldPath] = []
    seen: set[str] = set()
    for ref in query.fields:
        path = _resolve(schema, obj, ref, soql)
        key = ".".join([h.name.lower() for h in path.hops] + [path.field.name.lower()])
        if key in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {ref.name}", soql, ref.pos)
        seen.add(key)
        select.append(path)
    if query.where is not None:
        _check_expr(schema, obj, query.where, soql)
    for item in query.order:
        fdef = _resolve(schema, obj, item.field, soql).field
        if not fdef.raw.get("sortable", True):
            raise SoqlError(
                "INVALID_FIELD",
                f"field '{fdef.name}' can not be sorted in a query call",
                soql,
                item.field.pos,
            )
    if query.offset is not None and query.offset > 2000:
        raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000", soql, None)
    return QueryPlan(query, obj, select)


def _resolve(schema: Schema, obj: SObjectDef, ref: FieldRef, soql: str) -> FieldPath:
    ref.path = resolve(schema, obj, ref.name, soql, ref.pos)
    return ref.path


def _check_expr(schema: Schema, obj: SObjectDef, expr: Any, soql: str) -> None:
    if isinstance(expr, BoolOp):
        for item in expr.items:
            _check_expr(schema, obj, item, soql)
        return
    if isinstance(expr, Not):
        _check_expr(schema, obj, expr.expr, soql)
        return
    fdef = _resolve(schema, obj, expr.field, soql).field
    if not fdef.raw.get("filterable", True):
        raise SoqlError(
            "INVALID_FIELD", f"field '{fdef.name}' can not be filtered in a query call", soql, expr.field.pos
        )
    if isinstance(expr, Like):
        if fdef.type not in _STRING_TYPES:
            raise SoqlError(
                "INVALID_FIELD",
                f"invalid operator on {fdef.type} field: LIKE on '{fdef.name}'",
                soql,
                expr.field.pos,
            )
        return
    literals = expr.values if isinstance(expr, InList) else [expr.value]
    for lit in literals:
        _check_literal(fdef, lit, soql, allow_null=not isinstance(expr, Comparison) or expr.op in ("=", "!="))
    if isinstance(expr, Comparison) and expr.op not in ("=", "!=") and fdef.type in ("boolean",):
        raise SoqlError(
            "INVALID_FIELD", f"invalid operator on boolean field: {expr.op}", soql, expr.field.pos
        )


def _check_literal(fdef: FieldDef, lit: Literal, soql: str, allow_null: bool) -> None:
    if lit.kind == "null":
        if not allow_null:
            raise SoqlError("MALFORMED_QUERY", "unexpected token: null", soql, lit.pos)
        return
    ftype = fdef.type
    expected = {
        "datetime": ("datetime", "dateliteral"),
        "date": ("date", "dateliteral"),
        "boolean": ("bool",),
    }.get(ftype)
    if ftype in _NUMERIC_TYPES:
        expected = ("number",)
    if expected is not None:
        if lit.kind not in expected:
            raise SoqlError(
                "INVALID_FIELD",
                f"value of filter criterion for field '{fdef.name}' must be of type {_TYPE_NAMES.get(ftype, ftype)} "
                f"and should not be enclosed in quotes",
                soql,
                lit.pos,
            )
        return
    if lit.kind != "string":
        raise SoqlError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{fdef.name}' must be of type string and should be "
            f"enclosed in quotes",
            soql,
            lit.pos,
        )
    if ftype in _ID_TYPES:
        try:
            lit.value = to18(lit.value)
        except MalformedId:
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}", soql, lit.pos
            ) from None


def _norm(fdef: FieldDef, value: Any) -> Any:
    # SOQL text comparison is case-insensitive; ids are compared as the exact values they are.
    if isinstance(value, str) and fdef.type not in _ID_TYPES:
        return value.lower()
    return value


def _range(fdef: FieldDef, literal: DateLiteral, ctx: Context) -> tuple[Any, Any]:
    """A date literal as ``[start, end)``: dates for a date field, instants (the user's midnights) otherwise."""
    first, end = literal.days(ctx.today)
    if fdef.type == "date":
        return first, end
    return local_midnight_utc(first, ctx.zone), local_midnight_utc(end, ctx.zone)


def _in_literal(fdef: FieldDef, value: Any, literal: DateLiteral, ctx: Context) -> bool:
    if value is None:
        return False
    start, end = _range(fdef, literal, ctx)
    return start <= value < end


def _compare_literal(fdef: FieldDef, value: Any, op: str, literal: DateLiteral, ctx: Context) -> bool:
    if op == "=":
        return _in_literal(fdef, value, literal, ctx)
    if op == "!=":
        return not _in_literal(fdef, value, literal, ctx)
    if value is None:
        return False
    start, end = _range(fdef, literal, ctx)
    return {"<": value < start, "<=": value < end, ">": value >= end, ">=": value >= start}[op]


def _matches(expr: Any, rec: dict[str, Any], ctx: Context) -> bool:
    if isinstance(expr, BoolOp):
        results = (_matches(item, rec, ctx) for item in expr.items)
        return all(results) if expr.op == "AND" else any(results)
    if isinstance(expr, Not):
        return not _matches(expr.expr, rec, ctx)
    path: FieldPath = expr.field.path
    fdef = path.field
    value = path.value(rec, ctx.lookup)
    if isinstance(expr, Like):
        return value is not None and like_to_regex(expr.pattern.raw).fullmatch(value) is not None
    if isinstance(expr, InList):
        found = any(
            _in_literal(fdef, value, lit.value, ctx)
            if lit.kind == "dateliteral"
            else _norm(fdef, value) == _norm(fdef, lit.value)
            for lit in expr.values
        )
        return not found if expr.negate else found
    if expr.value.kind == "dateliteral":
        return _compare_literal(fdef, value, expr.op, expr.value.value, ctx)
    target = expr.value.value
    op = expr.op
    if op in ("=", "!="):
        equal = _norm(fdef, value) == _norm(fdef, target)
        # SOQL's != matches nulls too (unlike SQL).
        return equal if op == "=" else not equal
    if value is None or target is None:
        return False
    a, b = _norm(fdef, value), _norm(fdef, target)
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, datetime):
        b = b.date()
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _compare(order: list[Any], ctx: Context, r1: dict[str, Any], r2: dict[str, Any]) -> int:
    for item in order:
        path: FieldPath = item.field.path
        a = _norm(path.field, path.value(r1, ctx.lookup))
        b = _norm(path.field, path.value(r2, ctx.lookup))
        if a == b:
            continue
        nulls_last = item.nulls_last if item.nulls_last is not None else item.descending
        if a is None or b is None:
            # a None sorts first unless NULLS LAST; independent of ASC/DESC.
            return (1 if nulls_last else -1) * (1 if a is None else -1)
        result = -1 if a < b else 1
        return -result if item.descending else result
    return 0


def execute(
    qp: QueryPlan, records: list[dict[str, Any]], api_version: str, include_deleted: bool, ctx: Context
) -> tuple[int, list[dict[str, Any]]]:
    """Run the plan over *records*; returns (totalSize, rendered records).

    ``query`` hides deleted and archived rows; ``queryAll`` (*include_deleted*) shows them.
    Ties in ORDER BY keep insertion order (Salesforce leaves it unspecified).
    """
    q = qp.query
    rows = [
        r
        for r in records
        if (include_deleted or not (r.get("IsDeleted") or r.get("IsArchived")))
        and (q.where is None or _matches(q.where, r, ctx))
    ]
    if q.order:
        rows.sort(key=functools.cmp_to_key(functools.partial(_compare, q.order, ctx)))
    if q.offset:
        rows = rows[q.offset :]
    if q.limit is not None:
        rows = rows[: q.limit]
    if q.count:
        return len(rows), []
    return len(rows), [render(qp, r, api_version, ctx) for r in rows]


def render(qp: QueryPlan, rec: dict[str, Any], api_version: str, ctx: Context) -> dict[str, Any]:
    """A result row: ``attributes``, then the selected fields in order; a relationship is a nested record
    (with its own ``attributes``) or ``null`` when its reference is empty."""
    out: dict[str, Any] = {"attributes": _attributes(qp.obj.name, qp.obj.name, rec["Id"], api_version)}
    for path in qp.select:
        _place(out, path, 0, rec, api_version, ctx)
    return out


def _place(
    out: dict[str, Any], path: FieldPath, depth: int, rec: dict[str, Any], api_version: str, ctx: Context
) -> None:
    if not path.hops:
        out[path.field.name] = to_wire(field_value(rec, path.field))
        return
    hop = path.hops[depth]
    if hop.name in out and out[hop.name] is None:
        return
    target = ctx.lookup(rec.get(hop.reference.name) or "")
    if target is None:
        out[hop.name] = None
        return
    obj, parent = target
    nested = out.get(hop.name)
    if nested is None:
        nested = out[hop.name] = {
            "attributes": _attributes(hop.target.name, obj.name, parent["Id"], api_version)
        }
    if depth + 1 == len(path.hops):
        name = path.field.name
        if hop.target is NAME_OBJECT:
            nested[name] = to_wire(name_value(obj, parent, name))
        else:
            nested[name] = to_wire(field_value(parent, path.field))
        return
    _place(nested, path, depth + 1, parent, api_version, ctx)


def _attributes(type_name: str, url_object: str, record_id: str, api_version: str) -> dict[str, str]:
    return {"type": type_name, "url": f"/services/data/v{api_version}/sobjects/{url_object}/{record_id}"}
