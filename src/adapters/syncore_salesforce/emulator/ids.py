"""Salesforce record ids: key prefixes, the 18-character checksum, 15/18 normalisation."""

from __future__ import annotations

import re

# Object Reference key prefixes (00T for Task and 005 for User are unverified, see the reference §1.7).
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Event": "00U",
    "Task": "00T",
    "User": "005",
    "Lead": "00Q",
    "Opportunity": "006",
    "Case": "500",
    "Campaign": "701",
    "Contract": "800",
    "EventRelation": "0RE",
    "TaskRelation": "0RT",  # (unverified)
    "TaskStatus": "01J",
    "Group": "00G",
    "Organization": "00D",
    "QueryLocator": "01g",
}

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_RE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
# Two "pod" characters after the prefix; real ids carry an instance identifier here.
_POD = "Dn"


class MalformedId(ValueError):
    """The value is not a 15- or 18-character Salesforce id."""


def checksum(id15: str) -> str:
    """Return the 3-character case-safety suffix for a 15-character id.

    Each 5-character chunk becomes a 5-bit number (bit i set when character i is uppercase),
    indexed into ``A-Z0-5``. The algorithm is secondary/unverified (reference §1.7) but matches
    every documented sample id.
    """
    if len(id15) != 15:
        raise MalformedId(id15)
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for i, ch in enumerate(id15[start : start + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix.append(_CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def to18(value: str) -> str:
    """Normalise a 15- or 18-character id to its canonical 18-character form.

    An 18-character id is accepted in any letter case: its suffix restores the case of the
    first 15 characters, as Salesforce does.
    """
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise MalformedId(value)
    if len(value) == 15:
        return value + checksum(value)
    head, suffix = value[:15], value[15:].upper()
    chars = list(head)
    for chunk, code in enumerate(suffix):
        pos = _CHECKSUM_ALPHABET.find(code)
        if pos < 0:
            raise MalformedId(value)
        for i in range(5):
            idx = chunk * 5 + i
            if chars[idx].isalpha():
                chars[idx] = chars[idx].upper() if pos & (1 << i) else chars[idx].lower()
    id15 = "".join(chars)
    return id15 + checksum(id15)


def is_id(value: object) -> bool:
    """True when *value* looks like a 15- or 18-character id (format only)."""
    try:
        to18(value)  # type: ignore[arg-type]
    except MalformedId:
        return False
    return True


def make_id(prefix: str, counter: int) -> str:
    """Build the 18-character id for *counter* under a 3-character key prefix."""
    digits = []
    n = counter
    for _ in range(10):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    id15 = prefix + _POD + "".join(reversed(digits))
    return id15 + checksum(id15)
