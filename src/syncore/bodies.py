"""Plain text and formatting detection for record bodies.

Outlook keeps bodies as HTML or RTF; Salesforce keeps plain text. Two bodies are "the same" when their
normalized plain text matches, so a formatted Outlook body and its plain Salesforce copy never ping-pong.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import attrs

# Tags that carry no formatting of their own: a body made only of these is plain text in HTML clothing.
_PLAIN_TAGS = frozenset({"html", "head", "body", "meta", "title", "p", "div", "br", "span", "pre", "o:p"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"})
# Attributes that style text; their presence on a plain tag makes it formatting.
_STYLE_ATTRS = frozenset({"color", "bgcolor", "align"})
# CSS properties that change how text looks. Outlook wraps every body in font-family / word-wrap / margin
# styles, which are not formatting the user chose.
_FORMATTING_CSS = re.compile(
    r"(font-weight\s*:\s*(bold|[6-9]00)|font-style\s*:\s*italic|text-decoration\s*:\s*(underline|line-through)"
    r"|(^|[;\s])color\s*:|background(-color)?\s*:|text-align\s*:\s*(center|right))",
    re.IGNORECASE,
)

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Canonical plain text: unified newlines, no trailing spaces, at most one blank line, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class _HtmlScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.formatted = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in ("style", "script", "head"):
            self._skip += tag != "head"
        styled = any(
            name.lower() in _STYLE_ATTRS or (name.lower() == "style" and _FORMATTING_CSS.search(value or ""))
            for name, value in attrs
        )
        if tag not in _PLAIN_TAGS or styled:
            # head content (meta, title) never formats visible text
            self.formatted = self.formatted or tag not in ("style", "script")
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        if tag in _BLOCK_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(source: str) -> str:
    """The visible text of an HTML body, normalized."""
    scan = _HtmlScan()
    scan.feed(source)
    scan.close()
    return normalize_text("".join(scan.parts))


def html_is_formatted(source: str) -> bool:
    """True when the HTML uses formatting beyond paragraphs and line breaks (bold, links, lists, styles…)."""
    scan = _HtmlScan()
    scan.feed(source)
    scan.close()
    return scan.formatted


# RTF control words that change how text looks. Font table, code page and paragraph words don't count.
_RTF_FORMATTING = re.compile(
    rb"\\(?:b|i|ul|ulnone|strike|cf[1-9]\d*|highlight[1-9]\d*|cb[1-9]\d*|pict|field|tab|trowd|pntext|listtext|super|sub)"
    rb"(?![a-z])"
)
_RTF_HTML = re.compile(rb"\\fromhtml\d")


def rtf_is_formatted(source: bytes | str) -> bool:
    """True when an RTF body carries formatting; encapsulated HTML is judged by its HTML."""
    raw = source.encode("latin-1", "replace") if isinstance(source, str) else source
    raw = raw.replace(b"\\\\", b"")  # an escaped backslash is literal text, never a control word
    if _RTF_HTML.search(raw):
        html_parts = re.findall(rb"\{\\\*\\htmltag\d*\s?([^}]*)\}", raw)
        return html_is_formatted(b"".join(html_parts).decode("latin-1"))
    return _RTF_FORMATTING.search(raw) is not None


def _body_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


@attrs.frozen(kw_only=True, eq=False)
class Body:
    """A record's free text: plain ``text`` plus, optionally, the formatted source it came from.

    Bodies compare and hash by their normalized plain text, so a formatted Outlook body equals its plain-text
    Salesforce copy when the words match. ``text`` is derived from ``html`` when only the HTML is given.
    """

    text: str = attrs.field(default="", converter=_body_text)
    #: the HTML source, when the backend keeps HTML
    html: str | None = None
    #: the RTF source (as text, RTF is 7-bit), when the backend keeps RTF
    rtf: str | None = None
    # ``normalized``, computed on first use: bodies are compared several times per merged record.
    _normalized: str | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.text and self.html:
            object.__setattr__(self, "text", html_to_text(self.html))

    @property
    def normalized(self) -> str:
        """The plain text used for comparison."""
        if self._normalized is None:
            object.__setattr__(self, "_normalized", normalize_text(self.text))
        return self._normalized  # type: ignore[return-value]

    @property
    def is_formatted(self) -> bool:
        """True when the body carries formatting beyond plain text (bold, links, colours, tables…)."""
        if self.html is not None:
            return html_is_formatted(self.html)
        if self.rtf is not None:
            return rtf_is_formatted(self.rtf)
        return False

    def plain(self) -> Body:
        """This body without its formatted source."""
        return Body(text=self.text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Body):
            return NotImplemented
        return self.normalized == other.normalized

    def __hash__(self) -> int:
        return hash(self.normalized)

    def __bool__(self) -> bool:
        return bool(self.normalized)
