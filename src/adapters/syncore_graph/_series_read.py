"""Reading recurring series: one record per series master, its occurrences compared with the master.

calendarView delta lists single instances, occurrences and exceptions, never series masters ("The returned events
may include single instances or occurrences and exceptions of a recurring series",
https://learn.microsoft.com/en-us/graph/delta-query-events). So an occurrence or exception in a round names its
series by ``seriesMasterId``; every series named is then read in ``$batch`` (two sub-requests per series: the
master with its link, https://learn.microsoft.com/en-us/graph/api/event-get, and its instances over the sync
window, https://learn.microsoft.com/en-us/graph/api/event-list-instances) and mapped by
:func:`~._mapping.series.series_from_graph` (moved and cancelled occurrences from the instances compared with the
master's pattern). Cost: ⌈2·series / 20⌉ batches, plus a page for each instance listing longer than a page.

Instances are listed by their actual times, over the window widened by :data:`MOVED_MARGIN` on both sides, and
cancellations are inferred inside the window only: an exception moved out of the window by up to a month is still
an exception; one moved further reads as cancelled (there is no v1.0 way to list a series' exceptions by original
start).

A cancelled occurrence, a whole series deleted or one moved out of the window show in a round as ``@removed``
occurrence ids only, which name no series. So the cursor keeps the ids of the series known in the window, and a
round with removals that are gone reads those series again: a master that is gone is the series' deletion.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs

from syncore.errors import InvalidRecordError
from syncore.models import Kind
from syncore.remote import RemoteRecord, Unsupported

from . import _link
from ._client import GraphClient, Sub
from ._kinds import label_of, modified_at, to_remote, version_of
from ._mapping.recurrence import RECURRING_TYPES
from ._mapping.series import series_from_graph


@attrs.frozen
class SeriesRead:
    """What reading some series gave: records by master id, unsupported ones, ids that name nothing (any more),
    and the masters as Graph answered them."""

    records: dict[str, RemoteRecord] = attrs.field(factory=dict)
    unsupported: list[Unsupported] = attrs.field(factory=list)
    gone: list[str] = attrs.field(factory=list)
    masters: dict[str, dict[str, Any]] = attrs.field(factory=dict)


def set_aside(entries: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(the entries that are not part of a series, the ids of the series the others belong to, in order)."""
    plain: dict[str, dict[str, Any]] = {}
    series: dict[str, None] = {}
    for item_id, entry in entries.items():
        kind = entry.get("type")
        if "@removed" not in entry and kind in RECURRING_TYPES:
            master = item_id if kind == "seriesMaster" else entry.get("seriesMasterId")
            if master:
                series[master] = None
                continue
        plain[item_id] = entry
    return plain, list(series)


#: how far outside the window an exception moved from inside it is still found
MOVED_MARGIN = timedelta(days=31)
#: what an instance is read for: its key, its times and what an occurrence may have of its own
#: (syncore.recurrence.OVERRIDABLE)
INSTANCE_SELECT = "id,type,seriesMasterId,originalStart,isAllDay,start,end,subject,location,body,showAs"


def _window_query(window: tuple[datetime, datetime]) -> str:
    return _link.query(startDateTime=window[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
                       endDateTime=window[1].strftime("%Y-%m-%dT%H:%M:%SZ"), **{"$select": INSTANCE_SELECT})


def read_series(client: GraphClient, ids: Iterable[str], window: tuple[datetime, datetime], mailbox_zone: str,
                ) -> SeriesRead:
    """The series ``ids`` (master ids) as records over ``window``; an id that names a single event now (its
    recurrence removed) is read as that event."""
    from ._read import raise_call

    wanted = list(dict.fromkeys(ids))
    # instances are listed by their actual times: a margin around the window finds the exceptions moved a little
    # out of it, which would otherwise read as cancelled (cancellations are inferred inside the window only)
    listed = (window[0] - MOVED_MARGIN, window[1] + MOVED_MARGIN)
    subs = []
    for master_id in wanted:
        subs.append(Sub("GET", f"/events/{master_id}?{_link.query(**{'$expand': _link.EXPAND})}"))
        subs.append(Sub("GET", f"/events/{master_id}/instances?{_window_query(listed)}"))
    results = client.batch(subs, operation="read series") if subs else []
    read = SeriesRead()
    for n, master_id in enumerate(wanted):
        master_answer, instances_answer = results[2 * n], results[2 * n + 1]
        for answer in (master_answer, instances_answer):
            if isinstance(answer, Exception):
                raise answer
        if master_answer.status in (400, 404):  # type: ignore[union-attr]
            read.gone.append(master_id)
            continue
        if not master_answer.ok:  # type: ignore[union-attr]
            raise_call(master_answer, "read series")
        master = master_answer.body  # type: ignore[union-attr]
        read.masters[master_id] = master
        if master.get("type") != "seriesMaster":
            # no longer a series (its recurrence was removed): a single event under the same id
            read.records[master_id] = to_remote(Kind.EVENT, master, mailbox_zone)
            continue
        if not instances_answer.ok:  # type: ignore[union-attr]
            raise_call(instances_answer, "read series occurrences")
        page = instances_answer.body or {}  # type: ignore[union-attr]
        instances = list(page.get("value") or ())
        if page.get("@odata.nextLink"):
            for more in client.pages(page["@odata.nextLink"], operation="read series occurrences"):
                instances.extend(more.get("value") or ())
        try:
            event = series_from_graph(master, instances, window, mailbox_zone)
        except (InvalidRecordError, ValueError, KeyError, TypeError) as exc:
            # one series the core's model cannot hold is reported and never stops the feed
            reason = f"recurring series cannot be held: {exc}"
            label = label_of(Kind.EVENT, master)
            read.unsupported.append(Unsupported(id=master_id, reason=reason, label=label))
            continue
        read.records[master_id] = RemoteRecord(id=master_id, version=version_of(Kind.EVENT, master), record=event,
                                               link=_link.read_property(master), modified_at=modified_at(master))
    return read
