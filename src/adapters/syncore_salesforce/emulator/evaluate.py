"""SOQL evaluation over the store: name and literal checks, filtering, ordering, LIMIT/OFFSET, projection."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .ids import MalformedId, to18
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
from .store import field_value, render_record

_STRING_TYPES = TEXT_TYPES | {"id", "reference"}
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
    select: list[FieldDef]


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
            f"call for "
            f"the appropriate names.",
            soql,
            query.sobject_pos,
        )
    select: list[FieldDef] = []
    seen: set[str] = set()
    for ref in query.fields:
        fdef = _field(obj, ref, soql)
        if fdef.name in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {fdef.name}", soql, ref.pos)
        seen.add(fdef.name)
        select.append(fdef)
    if query.where is not None:
        _check_expr(obj, query.where, soql)
    for item in query.order:
        fdef = _field(obj, item.field, soql)
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


def _field(obj: SObjectDef, ref: FieldRef, soql: str) -> FieldDef:
    fdef = obj.field(ref.name)
    if fdef is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{ref.name}' on entity '{obj.name}'. If you are attempting to use a custom "
            f"field, be sure to append the '__c' after the custom field name. Please reference your WSDL "
            f"or the describe call for the appropriate names.",
            soql,
            ref.pos,
        )
    return fdef


def _check_expr(obj: SObjectDef, expr: Any, soql: str) -> None:
    if isinstance(expr, BoolOp):
        for item in expr.items:
            _check_expr(obj, item, soql)
        return
    if isinstance(expr, Not):
        _check_expr(obj, expr.expr, soql)
        return
    fdef = _field(obj, expr.field, soql)
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
    expected = {"datetime": "datetime", "date": "date", "boolean": "bool"}.get(ftype)
    if ftype in _NUMERIC_TYPES:
        expected = "number"
    if expected is not None:
        if lit.kind != expected:
            raise SoqlError(
                "INVALID_FIELD",
                f"value of filter criterion for field '{fdef.name}' must be of type "
                f"{_TYPE_NAMES.get(ftype, ftype)} "
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
    if ftype in ("id", "reference"):
        try:
            lit.value = to18(lit.value)
        except MalformedId:
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}", soql, lit.pos
            ) from None


def _norm(value: Any) -> Any:
    # SOQL string comparison is case-insensitive.
    return value.lower() if isinstance(value, str) else value


def _matches(obj: SObjectDef, rec: dict[str, Any], expr: Any) -> bool:
    if isinstance(expr, BoolOp):
        results = (_matches(obj, rec, item) for item in expr.items)
        return all(results) if expr.op == "AND" else any(results)
    if isinstance(expr, Not):
        return not _matches(obj, rec, expr.expr)
    fdef = obj.field(expr.field.name)
    value = field_value(rec, fdef)
    if isinstance(expr, Like):
        return value is not None and like_to_regex(expr.pattern.raw).fullmatch(value) is not None
    if isinstance(expr, InList):
        wanted = [_norm(lit.value) for lit in expr.values]
        found = _norm(value) in wanted
        return not found if expr.negate else found
    target = expr.value.value
    op = expr.op
    if op in ("=", "!="):
        equal = _norm(value) == _norm(target)
        # SOQL's != matches nulls too (unlike SQL).
        return equal if op == "=" else not equal
    if value is None or target is None:
        return False
    a, b = _norm(value), _norm(target)
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, datetime):
        b = b.date()
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _compare(obj: SObjectDef, order: list[Any], r1: dict[str, Any], r2: dict[str, Any]) -> int:
    for item in order:
        fdef = obj.field(item.field.name)
        a, b = _norm(field_value(r1, fdef)), _norm(field_value(r2, fdef))
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
    qp: QueryPlan, records: list[dict[str, Any]], api_version: str, include_deleted: bool
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
        and (q.where is None or _matches(qp.obj, r, q.where))
    ]
    if q.order:
        rows.sort(key=functools.cmp_to_key(functools.partial(_compare, qp.obj, q.order)))
    if q.offset:
        rows = rows[q.offset :]
    if q.limit is not None:
        rows = rows[: q.limit]
    if q.count:
        return len(rows), []
    return len(rows), [render_record(qp.obj, r, api_version, qp.select) for r in rows]
