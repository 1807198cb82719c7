"""Pure EWS ⇄ syncore mapping: no exchangelib import, so a Microsoft Graph adapter can reuse the rules.

Reading takes any object with exchangelib's attribute names (duck typing). Writing returns
``{exchangelib field name: neutral value}`` — plain ``str``/``bool``/``int``/``date``/UTC ``datetime``,
:class:`BodyValue` and label dicts for indexed contact fields — which :mod:`syncore_exchange._ews` turns into
exchangelib objects.
"""

from __future__ import annotations

from .calendar import event_fields, event_from_item, is_master, recurring_reason, series_from_item, zone_name
from .contacts import contact_fields, contact_from_item
from .tasks import task_fields, task_from_item
from .values import BodyValue

__all__ = [
    "BodyValue",
    "contact_fields",
    "contact_from_item",
    "event_fields",
    "event_from_item",
    "is_master",
    "recurring_reason",
    "series_from_item",
    "task_fields",
    "task_from_item",
    "zone_name",
]
