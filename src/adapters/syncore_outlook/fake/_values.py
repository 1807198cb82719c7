"""Property lookup by built-in name or DASL name, shared by Restrict, GetTable and PropertyAccessor.

Values come back canonical, tagged with a kind: ``str``, ``int``, ``float``, ``bool``, ``instant`` (aware
UTC), ``date`` (``datetime.date`` or ``None`` for 4501), ``bytes`` or ``multi`` (tuple of str). Each consumer
then applies its own representation rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import constants as C
from ._item_types import ITEM_CLASSES

if TYPE_CHECKING:
    from ._app import FakeOutlook
    from ._records import Record

_UP_KINDS = {C.olText: "str", C.olNumber: "float", C.olPercent: "float", C.olCurrency: "float",
             C.olInteger: "int", C.olYesNo: "bool", C.olDateTime: "instant", C.olKeywords: "multi"}


def user_prop_kind(prop_type: int) -> str:
    """Canonical kind of a user property type."""
    return _UP_KINDS.get(prop_type, "str")


def canonical_name(item_type: int, name: str) -> str | None:
    """The built-in property name as Outlook spells it, matched case-insensitively; None if unknown."""
    cls = ITEM_CLASSES[item_type]
    for known in (*cls._PROPS, *cls._RO_PROPS, *cls._SPECIAL):
        if known.lower() == name.lower():
            return known
    return None


def builtin(fake: FakeOutlook, rec: Record, name: str) -> tuple[str, Any]:
    """Canonical value of built-in property ``name`` (already canonical spelling) on ``rec``."""
    cls = ITEM_CLASSES[rec.item_type]
    p = rec.props
    if name == "EntryID":
        return "bytes", bytes.fromhex(rec.entry_id)
    if name == "GlobalAppointmentID":
        return "bytes", rec.global_object_id
    if name in ("Start", "End"):
        return "instant", p[name.lower()]
    if name == "IsRecurring":
        return "bool", rec.pattern is not None
    if name == "Categories":
        return "multi", tuple(p.get("Categories", ()))
    if name == "MessageClass":
        return "str", cls._MESSAGE_CLASS
    if name == "Body":
        return "str", p.get("Body", "")
    getter = getattr(cls, "_get_" + name, None)
    if getter is not None:
        # Computed specials (FullName, Duration, AllDayEvent, contact Subject, ...): ask the class, uncounted.
        value = getter(cls(fake, rec, None))
        return _kind_of(value), value
    kind = cls._PROPS.get(name) or cls._RO_PROPS.get(name)
    value = p.get(name, cls._DEFAULTS.get(name))
    if kind == "local":
        return "instant", value
    if kind == "str":
        return "str", value or ""
    if kind == "int":
        return "int", int(value or 0)
    if kind == "bool":
        return "bool", bool(value)
    return kind, value


def _kind_of(value: Any) -> str:
    for typ, kind in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (bytes, "bytes")):
        if isinstance(value, typ):
            return kind
    return "instant"


def user_value(rec: Record, name: str) -> tuple[str, Any] | None:
    """A user property (or PropertyAccessor-written PublicStrings property) by name; None when absent."""
    up = rec.user_props.get(name.lower())
    if up is not None:
        return user_prop_kind(up.type), up.value
    for key, value in rec.named_props.items():
        if key.lower() == name.lower():
            return ("str" if isinstance(value, str) else _kind_of(value)), value
    return None


def split_public_string(dasl: str) -> tuple[str, bool] | None:
    """``(name, has_type_suffix)`` for a PS_PUBLIC_STRINGS DASL name, else None."""
    if not dasl.lower().startswith(C.PS_PUBLIC_STRINGS.lower()):
        return None
    rest = dasl[len(C.PS_PUBLIC_STRINGS):]
    name, sep, suffix = rest.rpartition("/")
    if sep and len(suffix) == 8 and all(c in "0123456789abcdefABCDEF" for c in suffix):
        return name, True
    return rest, False


_DASL_BUILTIN = {
    C.PR_ENTRYID.lower(): "EntryID",
    C.PR_LONGTERM_ENTRYID_FROM_TABLE.lower(): "EntryID",
    C.PID_GLOBAL_OBJECT_ID.lower(): "GlobalAppointmentID",
    C.PR_LAST_MODIFICATION_TIME.lower(): "LastModificationTime",
    C.DASL_GETLASTMODIFIED.lower(): "LastModificationTime",
    C.PR_CREATION_TIME.lower(): "CreationTime",
    "dav:creationdate": "CreationTime",
    C.PR_MESSAGE_CLASS.lower(): "MessageClass",
    C.PR_MESSAGE_CLASS_A.lower(): "MessageClass",
    C.PR_SUBJECT.lower(): "Subject",
    "urn:schemas:httpmail:subject": "Subject",
    C.PR_BODY.lower(): "Body",
    "urn:schemas:httpmail:textdescription": "Body",
    C.DASL_DTSTART.lower(): "Start",
    C.DASL_DTEND.lower(): "End",
    C.DASL_KEYWORDS.lower(): "Categories",
    C.PID_EMAIL1_SMTP.lower(): "Email1Address",
}


def is_dasl(name: str) -> bool:
    """DASL names are URLs / URNs; anything else is a built-in or user-defined field name."""
    low = name.lower()
    return low.startswith(("http://", "urn:", "dav:"))


def dasl_builtin_name(dasl: str) -> str | None:
    """Built-in property behind a supported DASL name, else None."""
    return _DASL_BUILTIN.get(dasl.lower())


def dasl_value(fake: FakeOutlook, rec: Record, dasl: str) -> tuple[str, Any] | None:
    """Canonical value for a DASL name; None when the item does not have the property.

    :raises KeyError: the DASL name is not one the fake knows.
    """
    ps = split_public_string(dasl)
    if ps is not None:
        return user_value(rec, ps[0])
    name = dasl_builtin_name(dasl)
    if name is None:
        raise KeyError(dasl)
    if canonical_name(rec.item_type, name) is None and name not in ("EntryID", "MessageClass"):
        return None
    if name == "Email1Address":
        # PidLidEmail1OriginalEntryId's sibling 8084001F holds the SMTP address even for "EX" addresses,
        # where Email1Address is an X.500 DN (reference §2.2).
        smtp = rec.props.get("email1_smtp")
        if smtp:
            return "str", smtp
        if rec.props.get("Email1AddressType", "SMTP") != "SMTP":
            return None
    kind, value = builtin(fake, rec, name)
    return kind, value
