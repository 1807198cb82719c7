"""The Outlook adapter's settings (``[adapters.pim] type = "outlook"``) and what they make read-only."""

from __future__ import annotations

from typing import Any

import attrs

from syncore.converters import Invalid
from syncore.models import Kind

from ._link import DEFAULT_LINK_PROPERTY, check_name


def _link_name(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        check_name(value)
    except ValueError as exc:
        raise Invalid(str(exc), subkey=attribute.name) from None


@attrs.frozen(kw_only=True)
class OutlookOptions:
    """Every option of ``[adapters.pim] type = "outlook"`` (see docs/outlook.md).

    :ivar folders: per kind, another folder: a path of sub-folders below the default folder, or an EntryID
    :ivar link_property: the user property storing the counterpart's id
    :ivar task_recurrence: sync recurring tasks as recurring tasks (off by default: verified against the fake
        Outlook only; off, each recurring task is reported and left alone; see docs/recurrence.md)
    """

    kinds: tuple[Kind, ...] = tuple(Kind)
    folders: dict[Kind, str] = attrs.Factory(dict)
    link_property: str = attrs.field(default=DEFAULT_LINK_PROPERTY, validator=_link_name)
    task_recurrence: bool = False


def read_only_fields(kinds: frozenset[Kind] | set[Kind]) -> frozenset[str]:
    """The fields syncore reads from Outlook but never writes, for the kinds this adapter syncs."""
    return frozenset({"attendees"} if Kind.EVENT in kinds else set()) | frozenset(
        {"contacts"} if Kind.TASK in kinds else set())
