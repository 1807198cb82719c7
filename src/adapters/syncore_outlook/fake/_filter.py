"""``Items.Restrict`` / ``Table.Restrict`` filters: the Jet and DASL subsets (reference §4, §12.10).

Jet: ``[Start] >= '11/24/2026 10:00 AM'`` -- built-in or folder-defined names, dates in the (en-US) locale
format without seconds, compared in local time at minute granularity. DASL: ``@SQL="urn:..." < '...'``,
dates compared in UTC. ``And``/``Or``/``Not`` and parentheses combine conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._errors import outlook_error
from ._values import builtin, canonical_name, dasl_builtin_name, dasl_value, split_public_string, user_value

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import FolderData, Record

#: Properties Items.Restrict refuses (``Items.Restrict.md``; the subset relevant to these item types).
BLOCKED = frozenset(n.lower() for n in (
    "Body", "Categories", "Children", "Class", "Companies", "CompanyLastFirstNoSpace",
    "CompanyLastFirstSpaceOnly", "Contacts", "DLName", "Email1EntryID", "Email2EntryID", "Email3EntryID",
    "EntryID", "HTMLBody", "IsOnlineMeeting", "LastFirstAndSuffix", "LastFirstNoSpace", "AutoResolvedWinner",
    "BodyFormat", "InternetCodePage", "LastFirstNoSpaceCompany", "LastFirstSpaceOnly",
    "LastFirstSpaceOnlyCompany", "LastFirstNoSpaceAndSuffix", "MemberCount", "NetMeetingAlias",
    "NetMeetingAutoStart", "NetMeetingOrganizerAlias", "NetMeetingServer", "NetMeetingType",
    "RecurrenceState", "ReplyRecipients", "ReceivedByEntryID", "ReceivedOnBehalfOfEntryID",
    "ResponseState", "Saved", "Sent", "Submitted", "VotingOptions", "DownloadState", "IsConflict",
    "MeetingWorkspaceURL", "RTFBody", "GlobalAppointmentID", "UserProperties", "Recipients",
    "PropertyAccessor",
))

_TOKEN = re.compile(r"""\s*(?:
    (?P<bracket>\[[^\]]*\])
  | (?P<dq>"(?:[^"]|"")*")
  | (?P<sq>'(?:[^']|'')*')
  | (?P<op><>|<=|>=|=|<|>)
  | (?P<paren>[()])
  | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<num>-?\d+(?:\.\d+)?)
)""", re.VERBOSE)

_DATE_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M%p", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_DATE_FORMATS_SECONDS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")


@dataclass
class _Cmp:
    prop: str  # canonical built-in name, user field name, or DASL name
    source: str  # "builtin" | "user" | "dasl"
    op: str
    value: str | float | bool


@dataclass
class _Bool:
    op: str  # "and" | "or" | "not"
    parts: list


def _bad(text: str) -> Exception:
    return outlook_error(C.E_INVALIDARG, f"Cannot parse condition. Error at {text!r}.")


class Filter:
    """A parsed, validated filter bound to a folder (for its item type and user-defined fields)."""

    def __init__(self, fake: FakeOutlook, folder: FolderData, text: str):
        self.fake = fake
        self.folder = folder
        self.text = text
        self.dasl = text.lstrip().startswith("@SQL=")
        body = text.lstrip()[5:] if self.dasl else text
        self._tokens = self._tokenize(body)
        self._pos = 0
        self.tree = self._expr()
        if self._pos != len(self._tokens):
            raise _bad(self._tokens[self._pos][1])

    # --- parsing -----------------------------------------------------------------------------------------
    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        out, pos = [], 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _bad(text[pos:])
            pos = m.end()
            out.append((m.lastgroup, m.group(m.lastgroup)))
        return out

    def _peek(self) -> tuple[str, str] | None:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _next(self) -> tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise _bad("end of filter")
        self._pos += 1
        return tok

    def _is_word(self, word: str) -> bool:
        tok = self._peek()
        return tok is not None and tok[0] == "word" and tok[1].lower() == word

    def _expr(self) -> Any:
        parts = [self._term()]
        while self._is_word("or"):
            self._pos += 1
            parts.append(self._term())
        return parts[0] if len(parts) == 1 else _Bool("or", parts)

    def _term(self) -> Any:
        parts = [self._factor()]
        while self._is_word("and"):
            self._pos += 1
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else _Bool("and", parts)

    def _factor(self) -> Any:
        if self._is_word("not"):
            self._pos += 1
            return _Bool("not", [self._factor()])
        tok = self._next()
        if tok == ("paren", "("):
            inner = self._expr()
            if self._next() != ("paren", ")"):
                raise _bad(self.text)
            return inner
        return self._comparison(tok)

    def _comparison(self, tok: tuple[str, str]) -> _Cmp:
        kind, raw = tok
        if self.dasl and kind == "dq":
            prop, source = self._resolve_dasl(raw[1:-1].replace('""', '"'))
        elif not self.dasl and kind == "bracket":
            prop, source = self._resolve_jet(raw[1:-1])
        else:
            raise _bad(raw)
        op_kind, op = self._next()
        if op_kind == "word" and op.lower() in ("like", "ci_startswith", "ci_phrasematch") and self.dasl:
            op = op.lower()
        elif op_kind != "op":
            raise _bad(op)
        if prop == "Body" and op not in ("like", "ci_startswith", "ci_phrasematch"):
            raise outlook_error(C.E_INVALIDARG, 'The property "Body" in the condition is not valid.')
        vkind, vraw = self._next()
        if vkind in ("sq", "dq"):
            value: Any = vraw[1:-1].replace(vraw[0] * 2, vraw[0])
        elif vkind == "num":
            value = float(vraw)
        elif vkind == "word" and vraw.lower() in ("true", "false"):
            value = vraw.lower() == "true"
        else:
            raise _bad(vraw)
        return _Cmp(prop, source, op, value)

    def _resolve_jet(self, name: str) -> tuple[str, str]:
        if name.lower() in BLOCKED:
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" in the condition is not valid.')
        known = canonical_name(self.folder.default_item_type, name) if self.folder.default_item_type else None
        if known is None and self.folder.default_item_type == C.olMailItem:
            known = next((canonical_name(t, name) for t in (1, 2, 3) if canonical_name(t, name)), None)
        if known is not None:
            return known, "builtin"
        field = self.folder.fields.get(name.lower())
        if field is None:
            # A user-defined field must be defined in the folder (AddToFolderFields) to be filterable.
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" in the condition is not valid.')
        return field[0], "user"

    def _resolve_dasl(self, name: str) -> tuple[str, str]:
        ps = split_public_string(name)
        if ps is not None:
            if not ps[1] and ps[0].lower() not in self.folder.fields:
                raise outlook_error(C.E_INVALIDARG, f'The property "{name}" in the condition is not valid.')
            return name, "dasl"
        builtin_name = dasl_builtin_name(name)
        if builtin_name is None:
            raise outlook_error(C.E_INVALIDARG, f'The property "{name}" in the condition is not valid '
                                                f"(or not supported by the fake).")
        if builtin_name == "Body":
            return "Body", "dasl"
        return name, "dasl"

    # --- evaluation --------------------------------------------------------------------------------------
    def matches(self, rec: Record) -> bool:
        """Whether ``rec`` satisfies the filter."""
        return self._eval(self.tree, rec)

    def _eval(self, node: Any, rec: Record) -> bool:
        if isinstance(node, _Bool):
            if node.op == "and":
                return all(self._eval(p, rec) for p in node.parts)
            if node.op == "or":
                return any(self._eval(p, rec) for p in node.parts)
            return not self._eval(node.parts[0], rec)
        return self._compare(node, rec)

    def _lookup(self, node: _Cmp, rec: Record) -> tuple[str, Any] | None:
        if node.source == "builtin":
            if canonical_name(rec.item_type, node.prop) is None:
                return None
            return builtin(self.fake, rec, node.prop)
        if node.source == "user":
            return user_value(rec, node.prop)
        if node.prop == "Body":
            return "str", rec.props.get("Body", "")
        return dasl_value(self.fake, rec, node.prop)

    def _compare(self, node: _Cmp, rec: Record) -> bool:
        found = self._lookup(node, rec)
        if found is None:
            return False
        kind, actual = found
        expected: Any = node.value
        if kind in ("instant", "date"):
            parsed = self._parse_date(str(expected))
            if parsed is None:
                return False  # seconds or unparsable: Outlook's filter "will not operate as expected"
            actual = self._date_side(kind, actual)
            expected = parsed
        elif kind in ("str", "multi"):
            return self._compare_text(node.op, actual, str(expected))
        elif kind == "bool":
            if not isinstance(expected, bool):
                expected = str(expected).lower() in ("true", "-1", "1")
            actual = bool(actual)
        elif kind in ("int", "float"):
            try:
                expected = float(expected)
            except ValueError:
                return False
        else:
            return False
        return _OPS[node.op](actual, expected)

    def _date_side(self, kind: str, actual: Any) -> datetime:
        t = self.fake.time
        if kind == "date":
            actual = t.date_out(actual)  # labelled wall clock
            return actual.replace(tzinfo=None)
        if actual is None:
            return C.OUTLOOK_DATE_NONE
        if self.dasl:
            return actual.astimezone(UTC).replace(tzinfo=None)
        # Jet compares local wall time at minute granularity.
        return actual.astimezone(t.local).replace(tzinfo=None, second=0, microsecond=0)

    def _parse_date(self, text: str) -> datetime | None:
        text = text.strip()
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                pass
        for fmt in _DATE_FORMATS_SECONDS:
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return parsed if self.dasl else None
        if self.dasl:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
        return None

    @staticmethod
    def _compare_text(op: str, actual: Any, expected: str) -> bool:
        values = list(actual) if isinstance(actual, tuple) else [actual or ""]
        exp = expected.casefold()
        for value in values:
            val = str(value).casefold()
            if op == "like":
                pattern = "^" + ".*".join(re.escape(p) for p in exp.split("%")) + "$"
                hit = re.match(pattern, val, re.DOTALL) is not None
            elif op == "ci_startswith":
                hit = val.startswith(exp)
            elif op == "ci_phrasematch":
                hit = re.search(r"\b" + re.escape(exp) + r"\b", val) is not None
            else:
                hit = _OPS[op](val, exp)
            if hit:
                return True
        return False

    def start_upper_bound(self) -> datetime | None:
        """Latest possible start (aware UTC) implied by top-level And terms, to end recurrence expansion."""
        terms = self.tree.parts if isinstance(self.tree, _Bool) and self.tree.op == "and" else [self.tree]
        bounds = []
        for term in terms:
            if not isinstance(term, _Cmp) or term.op not in ("<", "<="):
                continue
            target = term.prop if term.source == "builtin" else dasl_builtin_name(term.prop)
            if target not in ("Start", "End"):
                continue
            parsed = self._parse_date(str(term.value))
            if parsed is None:
                continue
            if self.dasl:
                bounds.append(parsed.replace(tzinfo=UTC))
            else:
                bounds.append(self.fake.time.local_wall_to_instant(parsed) + timedelta(minutes=1))
        return min(bounds) if bounds else None


_OPS = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}
