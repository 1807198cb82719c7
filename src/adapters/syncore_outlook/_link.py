"""The counterpart's id, kept in a text UserProperty defined in the folder (reference §6).

Defining the field in the folder lets ``GetTable`` and ``Restrict`` see it by name; the scan reads it by its
PS_PUBLIC_STRINGS DASL name with the PT_UNICODE suffix, which also works for a value written by EWS.
"""

from __future__ import annotations

from typing import Any

from . import constants as C

#: default name of the link property ("at most 64 characters and must not contain [ ] _ #")
DEFAULT_LINK_PROPERTY = "SyncoreLink"
_BAD = set("[]_#")


def check_name(name: str) -> str:
    """Validate a link property name as ``UserProperties.Add`` would."""
    if not name or len(name) > 64 or _BAD & set(name):
        raise ValueError(f"link property {name!r}: needs 1-64 characters and none of [ ] _ #")
    return name


def dasl_name(name: str) -> str:
    """The DASL name a Table column reads the property by (typed, so no folder definition is needed)."""
    return C.PS_PUBLIC_STRINGS + name + C.PT_UNICODE_SUFFIX


def define_in_folder(folder: Any, name: str) -> None:
    """Define the text field in the folder (idempotent)."""
    fields = folder.UserDefinedProperties
    if fields.Find(name) is None:
        fields.Add(name, C.olText)


def read_link(item: Any, name: str) -> str | None:
    """The stored link, or None."""
    prop = item.UserProperties.Find(name)
    value = prop.Value if prop is not None else None
    return str(value) if value else None


def write_link(item: Any, name: str, link: str | None) -> None:
    """Store ``link`` (None removes it)."""
    props = item.UserProperties
    prop = props.Find(name)
    if link is None:
        if prop is not None:
            prop.Delete()
        return
    if prop is None:
        prop = props.Add(name, C.olText, True)
    prop.Value = link
