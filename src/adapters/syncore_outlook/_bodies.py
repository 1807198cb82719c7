"""Item bodies: plain ``Body`` plus ``RTFBody`` for formatting detection, and how a Body is written back.

Appointments, contacts and tasks have no ``BodyFormat`` (reference §3): formatting is judged from ``RTFBody``
by :func:`syncore.bodies.rtf_is_formatted` (encapsulated HTML is judged by its HTML). Assigning ``Body``
replaces the RTF with plain text, so a formatted body is only ever written as RTF.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

from syncore.bodies import html_is_formatted
from syncore.models import Body

# Block tags that start and end a line; mirrors syncore.bodies so Outlook's derived plain text matches ours.
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"})
_TAG = re.compile(r"(<[^>]*>)")


def read_body(item: Any) -> Body:
    """The item's body: ``Body`` as text, ``RTFBody`` kept (as latin-1 text) so formatting is detectable."""
    text = (item.Body or "").replace("\r\n", "\n")
    raw = item.RTFBody
    rtf = bytes(raw).decode("latin-1") if raw else None
    return Body(text=text, rtf=rtf)


def write_body(item: Any, body: Body) -> None:
    """Write ``body``: RTF when it has formatting, plain ``Body`` otherwise."""
    if body.rtf is not None and body.is_formatted:
        item.RTFBody = body.rtf.encode("latin-1")
    elif body.html is not None and html_is_formatted(body.html):
        item.RTFBody = html_to_rtf(body.html)
    else:
        item.Body = body.text.replace("\r\n", "\n").replace("\n", "\r\n")


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")  # HTML source whitespace; lines come from the tags
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


def html_to_rtf(source: str) -> bytes:
    r"""RTF encapsulating ``source`` ([MS-OXRTFEX]): tags in ``{\*\htmltag}`` groups, text as RTF text.

    Block tags also emit ``\par`` so that the plain text Outlook derives has the same lines as
    :func:`syncore.bodies.html_to_text` (bodies compare by normalized text).
    """
    pieces = [r"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}}"]
    for token in _TAG.split(source):
        if not token:
            continue
        if token.startswith("<"):
            pieces.append(r"{\*\htmltag64 " + _escape(token) + "}")
            name = token.strip("<>/ ").split()[0].lower() if token.strip("<>/ ") else ""
            if name in _BLOCK_TAGS:
                pieces.append(r"\par ")
        else:
            pieces.append(_escape(_html.unescape(token)))
    pieces.append("}")
    return "".join(pieces).encode("ascii")
