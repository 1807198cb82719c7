"""Minimal RTF generation and text extraction for item bodies (reference §3)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HEADER = r"{\rtf1\ansi\ansicpg1252\deff0\nouicompat{\fonttbl{\f0\fswiss\fcharset0 Calibri;}}"


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\par\r\n")
        elif ch == "\r":
            continue
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


def plain_rtf(text: str) -> bytes:
    """RTF Outlook keeps after ``Body`` is assigned: plain paragraphs, no formatting control words."""
    return (_HEADER + r"\pard\f0 " + _escape(text) + r"\par" + "}").encode("ascii")


class _TextOfHtml(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCK and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text Outlook would show as ``Body`` for an HTML body (approximation), with CRLF line ends."""
    parser = _TextOfHtml()
    parser.feed(html)
    text = re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip("\n")
    return text.replace("\n", "\r\n")


def html_rtf(html: str) -> bytes:
    r"""RTF with encapsulated HTML ([MS-OXRTFEX]): ``\fromhtml1`` with ``{\*\htmltag}`` groups.

    Tags go into ``\htmltag`` destinations and text runs are emitted as RTF text, so both de-encapsulators
    (RTFDE, rtfparse) and plain RTF readers see something sensible. Bold/italic tags also emit ``\b``/``\i``
    inside ``\htmlrtf`` so RTF-level formatting detection fires as it does on real items.
    """
    pieces = [r"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}}"]
    for token in re.split(r"(<[^>]+>)", html):
        if not token:
            continue
        if token.startswith("<"):
            pieces.append(r"{\*\htmltag " + token.replace("\\", "\\\\").replace("{", "\\{")
                          .replace("}", "\\}") + "}")
            tag = token.strip("</>").split()[0].lower() if token.strip("</>") else ""
            closing = token.startswith("</")
            if tag in ("b", "strong"):
                pieces.append(r"\htmlrtf \b0\htmlrtf0 " if closing else r"\htmlrtf \b\htmlrtf0 ")
            elif tag in ("i", "em"):
                pieces.append(r"\htmlrtf \i0\htmlrtf0 " if closing else r"\htmlrtf \i\htmlrtf0 ")
            elif tag in ("p", "br", "div") and (closing or tag == "br"):
                pieces.append(r"\htmlrtf \par\htmlrtf0 ")
        else:
            pieces.append(_escape(token))
    pieces.append("}")
    return "".join(pieces).encode("ascii")


_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([\\{}])|\\\*|([{}])"
                    rb"|(\r\n|\n|\r)|([^\\{}\r\n]+)")


def rtf_to_text(rtf: bytes) -> str:
    """Crude RTF-to-text for bodies assigned via ``RTFBody``; skips destinations and ``\\htmlrtf`` runs."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []
    skip = False  # inside an ignorable destination ({\* ...}, fonttbl, ...)
    htmlrtf = False  # inside \htmlrtf ... \htmlrtf0 (RTF-only content of encapsulated HTML)
    uc_skip = 0
    for m in _TOKEN.finditer(rtf):
        word, arg, hexchar, escaped, brace, newline, text = m.groups()
        if brace == b"{":
            stack.append((skip, htmlrtf))
            continue
        if brace == b"}":
            skip, htmlrtf = stack.pop() if stack else (False, False)
            continue
        if m.group(0) == b"\\*":
            skip = True
            continue
        if newline:
            continue
        if word is not None:
            name = word.decode()
            if name in ("fonttbl", "colortbl", "stylesheet", "info", "pict", "object"):
                skip = True
            elif name == "htmlrtf":
                htmlrtf = arg != b"0"
            elif not skip and not htmlrtf:
                if name in ("par", "line"):
                    out.append("\n")
                elif name == "tab":
                    out.append("\t")
                elif name == "u" and arg:
                    out.append(chr(int(arg) % 65536))
                    uc_skip = 1
            continue
        if skip or htmlrtf:
            continue
        if hexchar:
            out.append(bytes([int(hexchar, 16)]).decode("cp1252", "replace"))
        elif escaped:
            out.append(escaped.decode())
        elif text:
            chunk = text.decode("cp1252", "replace")
            if uc_skip:
                chunk, uc_skip = chunk[1:], 0
            out.append(chunk)
    return "".join(out).strip("\n").replace("\n", "\r\n")
