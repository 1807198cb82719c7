"""Recursive-descent parser for the SOQL subset the emulator accepts (reference §7.3).

Grammar (keywords case-insensitive)::

    query     := SELECT fields FROM name [WHERE cond] [ORDER BY order (, order)*] [LIMIT int] [OFFSET int]
    fields    := COUNT ( ) | path (, path)*
    path      := name (. name)*                             -- relationship fields: Account.Name, Who.Email
    cond      := unary (AND unary)* | unary (OR unary)*     -- mixing AND/OR needs parentheses, as in SOQL
    unary     := NOT unary | ( cond ) | path op literal | path [NOT] IN ( literal, ... ) | path LIKE string
    op        := = | != | <> | < | <= | > | >=
    literal   := 'string' | int | decimal | true | false | null | YYYY-MM-DD | datetime | date literal
    order     := path [ASC|DESC] [NULLS FIRST|NULLS LAST]

Anything else (GROUP BY, sub-queries, functions, bind variables ...) is rejected with MALFORMED_QUERY rather
than half-supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .soql_lexer import UNSUPPORTED, SoqlError, Token, like_to_regex, tokenize

__all__ = ["Query", "SoqlError", "like_to_regex", "parse", "tokenize"]


@dataclass
class FieldRef:
    name: str  # as written, possibly a relationship path ("Account.Name")
    pos: int
    path: Any = None  # the resolved relations.FieldPath, set when the query is planned


@dataclass
class Literal:
    kind: str  # 'string', 'number', 'bool', 'null', 'date', 'datetime', 'dateliteral'
    value: Any
    pos: int
    raw: str = ""  # undecoded string body, kept for LIKE escapes


@dataclass
class Comparison:
    field: FieldRef
    op: str
    value: Literal


@dataclass
class InList:
    field: FieldRef
    values: list[Literal]
    negate: bool


@dataclass
class Like:
    field: FieldRef
    pattern: Literal


@dataclass
class Not:
    expr: Any


@dataclass
class BoolOp:
    op: str  # 'AND' | 'OR'
    items: list[Any]


@dataclass
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_last: bool | None = None  # None: SOQL default (FIRST for ASC, LAST for DESC)


@dataclass
class Query:
    sobject: str
    sobject_pos: int
    fields: list[FieldRef] = field(default_factory=list)
    count: bool = False
    where: Any = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.i = 0

    # -- token helpers -------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _fail(self, tok: Token | None = None) -> SoqlError:
        tok = tok or self.tok
        if tok.kind == "ident" and tok.text.upper() in UNSUPPORTED:
            detail = f"unexpected token: {tok.text} (not supported by the Salesforce emulator's SOQL subset)"
        else:
            detail = f"unexpected token: {tok.text}"
        return SoqlError("MALFORMED_QUERY", detail, self.soql, tok.pos)

    def _is_kw(self, *words: str) -> bool:
        return self.tok.kind == "kw" and self.tok.value in words

    def _expect_kw(self, word: str) -> Token:
        if not self._is_kw(word):
            raise self._fail()
        return self._advance()

    def _expect_punct(self, ch: str) -> Token:
        if self.tok.kind != "punct" or self.tok.value != ch:
            raise self._fail()
        return self._advance()

    def _advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def _name(self) -> FieldRef:
        tok = self.tok
        if tok.kind != "ident":
            raise self._fail()
        self._advance()
        return FieldRef(tok.text, tok.pos)

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Query:
        self._expect_kw("SELECT")
        fields: list[FieldRef] = []
        count = False
        if self._is_kw("COUNT"):
            self._advance()
            self._expect_punct("(")
            self._expect_punct(")")
            count = True
        else:
            if self.tok.kind == "punct" and self.tok.value == "(":
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "sub-queries are not supported by the Salesforce emulator",
                    self.soql,
                    self.tok.pos,
                )
            fields.append(self._name())
            while self.tok.kind == "punct" and self.tok.value == ",":
                self._advance()
                fields.append(self._name())
        self._expect_kw("FROM")
        obj_tok = self.tok
        if obj_tok.kind != "ident" or "." in obj_tok.text:
            raise self._fail()
        self._advance()
        query = Query(sobject=obj_tok.text, sobject_pos=obj_tok.pos, fields=fields, count=count)
        if self._is_kw("WHERE"):
            self._advance()
            query.where = self._condition()
        if self._is_kw("ORDER"):
            self._advance()
            self._expect_kw("BY")
            query.order.append(self._order_item())
            while self.tok.kind == "punct" and self.tok.value == ",":
                self._advance()
                query.order.append(self._order_item())
        if self._is_kw("LIMIT"):
            self._advance()
            query.limit = self._int()
        if self._is_kw("OFFSET"):
            self._advance()
            query.offset = self._int()
        if self.tok.kind != "eof":
            raise self._fail()
        return query

    def _int(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not isinstance(tok.value, int) or tok.value < 0:
            raise self._fail()
        self._advance()
        return tok.value

    def _order_item(self) -> OrderItem:
        item = OrderItem(self._name())
        if self._is_kw("ASC", "DESC"):
            item.descending = self._advance().value == "DESC"
        if self._is_kw("NULLS"):
            self._advance()
            if not self._is_kw("FIRST", "LAST"):
                raise self._fail()
            item.nulls_last = self._advance().value == "LAST"
        return item

    def _condition(self) -> Any:
        first = self._unary()
        if not self._is_kw("AND", "OR"):
            return first
        op = self.tok.value
        items = [first]
        while self._is_kw("AND", "OR"):
            if self.tok.value != op:
                # SOQL refuses "a AND b OR c" without parentheses.
                raise self._fail()
            self._advance()
            items.append(self._unary())
        return BoolOp(op, items)

    def _unary(self) -> Any:
        if self._is_kw("NOT"):
            self._advance()
            return Not(self._unary())
        if self.tok.kind == "punct" and self.tok.value == "(":
            self._advance()
            inner = self._condition()
            self._expect_punct(")")
            return inner
        ref = self._name()
        if self._is_kw("NOT"):
            self._advance()
            self._expect_kw("IN")
            return InList(ref, self._literal_list(), negate=True)
        if self._is_kw("IN"):
            self._advance()
            return InList(ref, self._literal_list(), negate=False)
        if self._is_kw("LIKE"):
            self._advance()
            lit = self._literal()
            if lit.kind != "string":
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string", self.soql, lit.pos)
            return Like(ref, lit)
        if self.tok.kind != "op":
            raise self._fail()
        op = self._advance().value
        return Comparison(ref, op, self._literal())

    def _literal_list(self) -> list[Literal]:
        self._expect_punct("(")
        if self._is_kw("SELECT"):
            raise SoqlError(
                "MALFORMED_QUERY",
                "semi-join sub-queries are not supported by the Salesforce emulator",
                self.soql,
                self.tok.pos,
            )
        values = [self._literal()]
        while self.tok.kind == "punct" and self.tok.value == ",":
            self._advance()
            values.append(self._literal())
        self._expect_punct(")")
        return values

    def _literal(self) -> Literal:
        tok = self.tok
        if tok.kind == "string":
            self._advance()
            value, raw = tok.value
            return Literal("string", value, tok.pos, raw)
        if tok.kind == "number":
            self._advance()
            return Literal("number", tok.value, tok.pos)
        if tok.kind in ("date", "datetime", "dateliteral"):
            self._advance()
            return Literal(tok.kind, tok.value, tok.pos)
        if self._is_kw("TRUE", "FALSE"):
            self._advance()
            return Literal("bool", tok.value == "TRUE", tok.pos)
        if self._is_kw("NULL"):
            self._advance()
            return Literal("null", None, tok.pos)
        if tok.kind == "ident":
            # A bare name where a value belongs (bind variables are Apex-only).
            raise self._fail()
        raise self._fail()


def parse(soql: str) -> Query:
    """Parse *soql* into a :class:`Query`; raises :class:`SoqlError` (MALFORMED_QUERY)."""
    if not soql or not soql.strip():
        raise SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>", soql or "", 0)
    return _Parser(soql).parse()
