"""SOQL tokens: keywords, quoted strings, numbers, date and dateTime values, date literals, names (reference §7.3).

Date and dateTime formats: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
(dateTime values are unquoted and need a zone: ``Z`` or ``±hh:mm``; date literals such as ``TODAY`` or
``LAST_N_DAYS:30`` are names, with ``:n`` for the parameterised ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .clock import parse_datetime
from .dateliterals import is_date_literal, parse_date_literal

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
# A date literal with its parameter, e.g. LAST_N_DAYS:30 (the name alone is matched as an identifier).
_DATE_LITERAL_N_RE = re.compile(r"([A-Za-z_]+):(\d+)(?![\w.])")
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
    kind: str  # 'kw', 'ident', 'string', 'number', 'date', 'datetime', 'dateliteral', 'op', 'punct', 'eof'
    text: str
    pos: int
    value: Any = None


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
        m = _DATE_LITERAL_N_RE.match(soql, i)
        if m and is_date_literal(m.group(1)):
            tokens.append(Token("dateliteral", m.group(), i, _date_literal(soql, m.group(1), m.group(2), i)))
            i = m.end()
            continue
        m = _IDENT_RE.match(soql, i)
        if m and is_date_literal(m.group()):
            tokens.append(Token("dateliteral", m.group(), i, _date_literal(soql, m.group(), None, i)))
            i = m.end()
            continue
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


def _date_literal(soql: str, name: str, n: str | None, pos: int) -> Any:
    try:
        return parse_date_literal(name, int(n) if n is not None else None)
    except ValueError as exc:
        raise SoqlError("MALFORMED_QUERY", str(exc), soql, pos) from None


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
