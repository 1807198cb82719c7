"""How syncore shows things to people: side labels from the adapters, times in the user's zone, short values.

A :class:`Display` is passed to the renderers (plans, conflicts, summaries, history). Times are shown on the
user's wall clock with the zone's abbreviation (``2026-06-01 11:00 CEST``); ``--utc`` shows UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from .abc import Adapter
from .models import Body, Record, Side

_WIDTH = 34
_GENERIC = {Side.PIM: "PIM", Side.CRM: "CRM"}


def side_labels(pim: Adapter, crm: Adapter) -> dict[Side, str]:
    """``{PIM: "Exchange (PIM)", CRM: "Salesforce (CRM)"}``: each side named by its adapter."""
    labels = {}
    for side, adapter in ((Side.PIM, pim), (Side.CRM, crm)):
        name = getattr(adapter, "display_name", "") or getattr(adapter, "adapter_name", "")
        labels[side] = f"{name} ({_GENERIC[side]})" if name else _GENERIC[side]
    return labels


def record_title(record: Record | None) -> str:
    """What a person calls the record: its subject, else the contact's name, else the email address."""
    if record is None:
        return ""
    values = record.values()
    subject = values.get("subject")
    if subject:
        return str(subject)
    name = " ".join(str(values.get(key) or "") for key in ("first_name", "last_name")).strip()
    return name or str(values.get("email") or "")


@attrs.frozen(kw_only=True)
class Display:
    """Side labels and the zone times are shown in.

    :ivar labels: side → label (default ``PIM`` / ``CRM``; see :func:`side_labels`)
    :ivar zone: an IANA zone name; ``"UTC"`` shows UTC
    """

    labels: Mapping[Side, str] = attrs.field(factory=lambda: dict(_GENERIC))
    zone: str = "UTC"

    def label(self, side: Side) -> str:
        """The label of ``side``."""
        return self.labels.get(side, _GENERIC[side])

    def short(self, side: Side) -> str:
        """The label without the ``(PIM)``/``(CRM)`` suffix ("Exchange")."""
        return self.label(side).removesuffix(f" ({_GENERIC[side]})")

    def time(self, value: datetime, *, seconds: bool = False) -> str:
        """An instant on the user's wall clock, labelled with the zone (``2026-06-01 11:00 CEST``)."""
        local = value.astimezone(ZoneInfo(self.zone))
        return local.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %Z")

    def value(self, value: Any, width: int = _WIDTH) -> str:
        """A short one-line rendering of a field value (cut at ``width`` characters)."""
        if value is None:
            text = "-"
        elif isinstance(value, Body):
            text = " ".join(value.text.split()) or "-"
            if value.is_formatted:
                text = "[formatted] " + text
        elif isinstance(value, datetime):
            text = self.time(value)
        elif isinstance(value, date):
            text = value.isoformat()
        elif isinstance(value, Record):
            text = record_title(value) or "-"
        elif isinstance(value, (tuple, list, frozenset, set)):
            text = ", ".join(str(v) for v in value) or "-"
        elif hasattr(value, "value"):
            text = str(value.value)
        else:
            text = str(value) if value != "" else "-"
        return text if len(text) <= width else text[: width - 1] + "…"
