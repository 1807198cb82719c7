"""Replication resources ``sobjects/{T}/updated/`` and ``sobjects/{T}/deleted/`` (reference §2).

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getdeleted.html

``latestDateCovered`` (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/
sforce_api_calls_getupdated_getupdatedresult.htm): "If there is a value, it is less than or equal to endDate";
"If Salesforce executes a long-running transaction on your instance, the value in this field is the start time
of that long-running transaction until it completes." The seconds of ``start`` and ``end`` are ignored
("12:30:15 becomes 12:30:00 UTC"), so without an open transaction it is a whole minute: the end, or the current
minute when the end lies ahead (the documented example asks up to 2013-05-10 and is covered up to
2013-05-08T21:20:00.000+0000, the minute it ran). Rows of a transaction still open are not listed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import format_datetime, parse_datetime
from ..context import Request, Response
from ..errors import ApiError
from ..org import Org

UPDATED_WINDOW = timedelta(days=30)  # Get Updated reaches back at most 30 days
DELETED_WINDOW = timedelta(days=15)  # Get Deleted reaches back at most 15 days (less after a purge)


def _window(org: Org, req: Request, back: timedelta) -> tuple[datetime, datetime, datetime]:
    try:
        start = parse_datetime(req.params["start"].replace(" ", "+"))
        end = parse_datetime(req.params["end"].replace(" ", "+"))
    except (KeyError, ValueError):
        raise ApiError(400, "MALFORMED_QUERY", "start and end must be valid dateTime values") from None
    # "Seconds ignored": the window is truncated to whole minutes.
    start = start.replace(second=0, microsecond=0)
    end = end.replace(second=0, microsecond=0)
    now = org.clock.now()
    latest = min(end, now.replace(second=0, microsecond=0))
    open_since = org.open_transactions.earliest_start()
    if open_since is not None:
        latest = min(latest, open_since)
    if start < now - back:
        raise ApiError(
            400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {back.days} days ago"
        )  # message (unverified)
    if end <= start:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "endDate must chronologically follow the startDate")
    return start, end, latest


def updated(org: Org, req: Request) -> Response:
    """Ids whose SystemModstamp falls in [start, end) minute-truncated, plus ``latestDateCovered``."""
    obj = org.sobject(req.segments[1])
    start, _end, latest = _window(org, req, UPDATED_WINDOW)
    with org.store.lock:
        ids = [
            r["Id"]
            for r in org.store.table(obj).values()
            if not r.get("IsDeleted") and start <= r["SystemModstamp"] < latest
        ]
    if len(ids) > org.replication_id_limit:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "The number of ids exceeds the limit; narrow the date range")
    return Response(200, {"ids": ids, "latestDateCovered": format_datetime(latest)})


def deleted(org: Org, req: Request) -> Response:
    """Delete-log rows in [start, end), ``earliestDateAvailable`` and ``latestDateCovered``."""
    obj = org.sobject(req.segments[1])
    now = org.clock.now()
    earliest = (now - DELETED_WINDOW).replace(second=0, microsecond=0)
    if org.store.last_purge is not None:
        earliest = max(earliest, org.store.last_purge.replace(second=0, microsecond=0))
    start, _end, latest = _window(org, req, DELETED_WINDOW)
    if start < earliest:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate is before the earliest date available")
    with org.store.lock:
        rows = [
            {"deletedDate": format_datetime(e.deleted_date), "id": e.id}
            for e in org.store.deleted_log
            if e.sobject == obj.name and start <= e.deleted_date < latest
        ]
    if len(rows) > org.replication_id_limit:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "The number of ids exceeds the limit; narrow the date range")
    return Response(
        200,
        {
            "deletedRecords": rows,
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(latest),
        },
    )
