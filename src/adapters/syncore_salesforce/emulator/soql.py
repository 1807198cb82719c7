"""Tokenizer and recursive-descent parser for the SOQL subset the emulator accepts (reference §7.3).

Grammar (keywords case-insensitive)::

    query     := SELECT fields FROM name [WHERE cond] [ORDER BY order (, order)*] [LIMIT int] [OFFSET int]
    fields    := COUNT ( ) | name (, name)*
    cond      := unary (AND unary)* | unary (OR unary)*     -- mixing AND/OR needs parentheses, as in SOQL
    unary     := NOT unary | ( cond ) | name op literal | name [NOT] IN ( literal, ... ) | name LIKE string
    op        := = | != | <> | < | <= | > | >=
    literal   := 'string' | int | decimal | true | false | null | YYYY-MM-DD | datetime
    order     := name [ASC|DESC] [NULLS FIRST|NULLS LAST]

Datetime literals are unquoted and need a zone: ``Z`` or ``±hh:mm``, optionally with a fraction.
Anything else (GROUP BY, sub-queries, date literals such as TODAY, relationship fields...) is
rejected with MALFORMED_QUERY rather than half-supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .clock import parse_datetime

KEYWORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "TRUE",
        "FALSE",
        "NULL",
        "COUNT",
    ]
)
# Real SOQL keywords outside the subset: named so the error says so instead of "unexpected token".
UNSUPPORTED = frozenset(
    [
        "GROUP",
        "HAVING",
        "WITH",
        "FOR",
        "USING",
        "TYPEOF",
        "INCLUDES",
        "EXCLUDES",
        "ROLLUP",
        "CUBE",
        "FORMAT",
        "UPDATE",
        "VIEW",
        "REFERENCE",
        "SCOPE",
    ]
)

_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})(?![\w:.])"
)
_BAD_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T[\w:.+-]*")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:.])")
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


class SoqlError(Exception):
    """A query rejected with a Salesforce error code (MALFORMED_QUERY, INVALID_FIELD, ...)."""

    def __init__(self, code: str, detail: str, soql: str, pos: int | None = None):
        self.code = code
        self.detail = detail
        self.soql = soql
        self.pos = pos
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in Salesforce's layout: the query, a caret line, row/column, the detail."""
        if self.pos is None:
            return self.detail
        line = self.soql.replace("\n", " ")
        return f"\n{line}\n{' ' * self.pos}^\nERROR at Row:1:Column:{self.pos + 1}\n{self.detail}"


@dataclass
class Token:
    kind: str  # 'kw', 'ident', 'string', 'number', 'date', 'datetime', 'op', 'punct', 'eof'
    text: str
    pos: int
    value: Any = None


@dataclass
class FieldRef:
    name: str
    pos: int


@dataclass
class Literal:
    kind: str  # 'string', 'number', 'bool', 'null', 'date', 'datetime'
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


def _decode_string(soql: str, start: int) -> tuple[str, str, int]:
    """Decode a quoted string starting at *start*; return (value, raw body, end index)."""
    out: list[str] = []
    i = start + 1
    while i < len(soql):
        ch = soql[i]
        if ch == "\\":
            if i + 1 >= len(soql):
                break
            nxt = soql[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in "%_":
                out.append("\\" + nxt)  # only meaningful inside LIKE; kept escaped
            else:
                raise SoqlError("MALFORMED_QUERY", f"Invalid string literal '\\{nxt}'", soql, i)
            i += 2
            continue
        if ch == "'":
            return "".join(out), soql[start + 1 : i], i + 1
        out.append(ch)
        i += 1
    raise SoqlError("MALFORMED_QUERY", "unterminated string literal", soql, start)


def tokenize(soql: str) -> list[Token]:
    """Split *soql* into tokens; raises :class:`SoqlError` on characters outside the subset."""
    tokens: list[Token] = []
    i, n = 0, len(soql)
    while i < n:
        ch = soql[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            value, raw, end = _decode_string(soql, i)
            tokens.append(Token("string", soql[i:end], i, (value, raw)))
            i = end
            continue
        m = _DATETIME_RE.match(soql, i)
        if m:
            try:
                value = parse_datetime(m.group())
            except ValueError:
                raise SoqlError(
                    "MALFORMED_QUERY", f"line 1:{i} no viable alternative at character '{ch}'", soql, i
                ) from None
            tokens.append(Token("datetime", m.group(), i, value))
            i = m.end()
            continue
        m = _DATE_RE.match(soql, i)
        if m:
            try:
                value = date.fromisoformat(m.group())
            except ValueError:
                raise SoqlError("MALFORMED_QUERY", f"invalid date: {m.group()}", soql, i) from None
            tokens.append(Token("date", m.group(), i, value))
            i = m.end()
            continue
        m = _BAD_DATETIME_RE.match(soql, i)
        if m:
            # e.g. a datetime without a zone, which SOQL does not accept.
            raise SoqlError(
                "MALFORMED_QUERY", f"line 1:{i} no viable alternative at character '{m.group()}'", soql, i
            )
        m = _NUMBER_RE.match(soql, i)
        if m:
            text = m.group()
            tokens.append(Token("number", text, i, float(text) if "." in text else int(text)))
            i = m.end()
            continue
        m = _IDENT_RE.match(soql, i)
        if m:
            text = m.group()
            kind = "kw" if text.upper() in KEYWORDS else "ident"
            tokens.append(Token(kind, text, i, text.upper() if kind == "kw" else text))
            i = m.end()
            continue
        op = next((o for o in _OPS if soql.startswith(o, i)), None)
        if op:
            tokens.append(Token("op", op, i, "!=" if op == "<>" else op))
            i += len(op)
            continue
        if ch in "(),":
            tokens.append(Token("punct", ch, i, ch))
            i += 1
            continue
        raise SoqlError("MALFORMED_QUERY", f"line 1:{i} no viable alternative at character '{ch}'", soql, i)
    tokens.append(Token("eof", "<EOF>", n))
    return tokens


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
        if "." in tok.text:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"relationship field '{tok.text}' is not supported by the Salesforce emulator",
                self.soql,
                tok.pos,
            )
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
        if tok.kind in ("date", "datetime"):
            self._advance()
            return Literal(tok.kind, tok.value, tok.pos)
        if self._is_kw("TRUE", "FALSE"):
            self._advance()
            return Literal("bool", tok.value == "TRUE", tok.pos)
        if self._is_kw("NULL"):
            self._advance()
            return Literal("null", None, tok.pos)
        if tok.kind == "ident":
            # Date literals (TODAY, LAST_N_DAYS:n) and bind variables are outside the subset.
            raise SoqlError(
                "MALFORMED_QUERY",
                f"unexpected token: {tok.text} (date literals are not supported by the Salesforce emulator)",
                self.soql,
                tok.pos,
            )
        raise self._fail()


def parse(soql: str) -> Query:
    """Parse *soql* into a :class:`Query`; raises :class:`SoqlError` (MALFORMED_QUERY)."""
    if not soql or not soql.strip():
        raise SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>", soql or "", 0)
    return _Parser(soql).parse()


def like_to_regex(raw: str) -> re.Pattern[str]:
    """Compile a LIKE pattern body (``%``, ``_``, ``\\%``, ``\\_``) into a case-insensitive regex."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(re.escape(_ESCAPES.get(nxt, nxt)))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)
