"""What a recurring master and an occurrence answer beyond their stored properties.

A master answers FirstOccurrence and LastOccurrence (an endless series has no last one), ModifiedOccurrences (each
exception's ItemId, Start, End and OriginalStart) and DeletedOccurrences (each deleted occurrence's original Start),
as in the documented GetItem answer for a new series
(https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-create-a-recurring-series-by-using-ews-in-exchange)
and the OccurrenceInfoType / DeletedOccurrenceInfoType elements (…/web-service-reference/occurrence,
…/deletedoccurrence). The two lists are NonEmptyArray types: absent when empty. An occurrence answers its
OriginalStart.
"""

from __future__ import annotations

import copy
import datetime as dt

from lxml import etree

from . import occurrences
from .recurrence import Timing, parse
from .store import StoredItem
from .xmlns import el, qn, sub, utc_text

SERIES_COMPUTED = frozenset({"FirstOccurrence", "LastOccurrence", "ModifiedOccurrences", "DeletedOccurrences",
                             "OriginalStart"})


def recurrence_value(item: StoredItem) -> etree._Element | None:
    """The stored ``Recurrence`` with its StartDate/EndDate as Exchange answers them: the date with the series'
    UTC offset on that day (``<t:StartDate>2014-03-08-08:00</t:StartDate>`` for a Pacific series in the documented
    GetItem answer above); a task's with ``Z``."""
    stored = item.props.get("Recurrence")
    if stored is None:
        return None
    answer = copy.deepcopy(stored)
    tz = Timing.of(item.props).tz if item.kind == "CalendarItem" and "Start" in item.props else None
    for elem in answer.iter(qn("t:StartDate"), qn("t:EndDate")):
        day = dt.date.fromisoformat((elem.text or "").strip()[:10])
        offset = dt.datetime.combine(day, dt.time()).replace(tzinfo=tz).utcoffset() if tz is not None else None
        if offset is None or not offset:
            elem.text = f"{day.isoformat()}Z"
        else:
            minutes = int(offset.total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            elem.text = f"{day.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return answer


def _info(tag: str, occurrence: StoredItem) -> etree._Element:
    elem = el(f"t:{tag}")
    sub(elem, "t:ItemId", attrs={"Id": occurrence.id, "ChangeKey": occurrence.changekey})
    sub(elem, "t:Start", occurrence.props["Start"].text)
    sub(elem, "t:End", occurrence.props["End"].text)
    sub(elem, "t:OriginalStart", utc_text(occurrence.original_start))  # type: ignore[arg-type]
    return elem


def series_value(item: StoredItem, tag: str) -> etree._Element | None:
    """The element ``tag`` of ``item`` (None where it has none)."""
    if tag == "OriginalStart":
        return None if item.original_start is None else el("t:OriginalStart", utc_text(item.original_start))
    if not occurrences.is_master(item):
        return None
    if tag == "FirstOccurrence":
        first = next(occurrences.live(item), None)
        return None if first is None else _info(tag, first)
    if tag == "LastOccurrence":
        _, rng = parse(item.props["Recurrence"])
        if rng.end is None and rng.count is None:
            return None  # an endless series has no last occurrence
        last = None
        for last in occurrences.live(item):
            pass
        return None if last is None else _info(tag, last)
    if tag == "ModifiedOccurrences":
        if not item.exceptions:
            return None
        container = el("t:ModifiedOccurrences")
        for key in sorted(item.exceptions):
            original = dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            container.append(_info("Occurrence", occurrences.view(item, original)))
        return container
    if tag == "DeletedOccurrences":
        if not item.deleted:
            return None
        container = el("t:DeletedOccurrences")
        for key in sorted(item.deleted):
            original = dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            sub(sub(container, "t:DeletedOccurrence"), "t:Start", utc_text(original))
        return container
    return None

