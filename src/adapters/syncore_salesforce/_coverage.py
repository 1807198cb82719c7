"""One feed read as one API call: Get Updated's ``latestDateCovered``, then the queryAll, in a Composite request.

``sobjects/{T}/updated/`` answers ``latestDateCovered``: "A value here indicates that, for safety, you should
use this value for the startDate of your next call to capture the changes that started after this date but did
not complete before the endDate and were, therefore, not returned in the previous call. If Salesforce executes a
long-running transaction on your instance, the value in this field is the start time of that long-running
transaction until it completes"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm).
So every change stamped before it had committed when Get Updated answered, and a queryAll run after that answer
sees all of them: the next read need only start there (see ``ChangeFeed._floor``).

Composite runs both in one request: it supports "All sObject resources (/services/data/vXX.X/sobjects/)" and
the QueryAll resource, and "The entire series of requests counts as a single call toward your API limits"
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
Get Updated comes first, so it answers before the query reads (the subrequests run in the order given: a later
one may use an earlier one's output). The query's first page comes in the composite response; later pages are
fetched from its ``nextRecordsUrl`` as usual.

When Get Updated cannot answer (``INVALID_REPLICATION_DATE`` after a clock jump, an object not replicateable, a
permission), the read still succeeds and reports no coverage: the feed then falls back on its fixed overlap.
When the query subrequest fails, it is sent again on its own, so that its error is translated like any query's.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import attrs

from ._server_time import ServerDates, first_server_time
from ._transport import Transport
from .converter import parse_datetime

log = logging.getLogger(__name__)

#: Get Updated ignores seconds ("12:30:15 is interpreted as 12:30:00") and needs start strictly before end
WINDOW = timedelta(minutes=1)
#: how far past the estimated server time the window ends: the coverage is then the server's current minute even
#: when the estimate lags (no Date seen yet, a skewed local clock). The documented example asks up to a day that
#: had not come yet and is covered up to the minute it ran; were an end ahead refused, the read would go on
#: without a coverage (the fixed overlap), never lose a row.
AHEAD = timedelta(hours=1)


@attrs.frozen
class FeedRead:
    """The rows of one read, the server's time when it began, and the coverage Get Updated answered before it."""

    rows: list[dict[str, Any]]
    server_read: datetime | None
    #: every change stamped before this had committed before the query read (``None``: not known)
    covered: datetime | None


def minute_of(value: datetime) -> datetime:
    """The whole minute ``value`` lies in (Get Updated's grain)."""
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _param(value: datetime) -> str:
    """A Get Updated parameter in the documented form (``2013-05-06T00:00:00+00:00``), URL-encoded."""
    return quote(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe="")


def read_covered(transport: Transport, dates: ServerDates, *, soql: str, sobjects: tuple[str, ...],
                 server_now: datetime, what: str) -> FeedRead:
    """Run ``soql`` through queryAll after a Get Updated of each of ``sobjects``, all in one Composite request.

    ``server_now`` is the best estimate of the server's clock: the window starts the minute before it (few ids
    come back) and ends ``AHEAD`` after it, so that ``latestDateCovered`` is the server's current minute when no
    transaction is open.
    """
    transport.call(what, dates.install)  # signs in if needed; sends nothing itself
    version = transport.sf.sf_version  # type: ignore[union-attr]
    end = minute_of(server_now)
    subrequests = [
        {"method": "GET", "referenceId": f"covered{i}",
         "url": f"/services/data/v{version}/sobjects/{name}/updated/?start={_param(end - WINDOW)}"
                f"&end={_param(end + AHEAD)}"}
        for i, name in enumerate(sobjects)
    ]
    subrequests.append({"method": "GET", "referenceId": "rows",
                        "url": f"/services/data/v{version}/queryAll/?q={quote(soql, safe='')}"})
    body = {"allOrNone": False, "compositeRequest": subrequests}
    with dates.recording() as seen:
        reply = transport.call(what, lambda sf: sf.restful("composite", method="POST", json=body))
        answers = {r.get("referenceId"): r for r in (reply or {}).get("compositeResponse", [])}
        covered = _covered([answers.get(f"covered{i}") for i in range(len(sobjects))], what)
        rows_answer = answers.get("rows") or {}
        if rows_answer.get("httpStatusCode") != 200:
            # sent again alone: the transport turns its failure into the error any query would raise
            rows = transport.query_pages(soql, include_deleted=True, what=what)
        else:
            page = rows_answer["body"]
            rows = list(page["records"])
            while not page.get("done", True):
                url = page["nextRecordsUrl"]
                page = transport.call(f"{what} (next page)",
                                      lambda sf, url=url: sf.query_more(url, identifier_is_url=True))
                rows.extend(page["records"])
    return FeedRead(rows, first_server_time(seen), covered)


def _covered(answers: list[dict[str, Any] | None], what: str) -> datetime | None:
    """The earliest ``latestDateCovered`` of the answers, or ``None`` unless every one answered one."""
    values = []
    for answer in answers:
        body = (answer or {}).get("body")
        text = body.get("latestDateCovered") if isinstance(body, dict) else None
        if (answer or {}).get("httpStatusCode") != 200 or not isinstance(text, str):
            codes = [e.get("errorCode") for e in body if isinstance(e, dict)] if isinstance(body, list) else []
            log.info("Salesforce %s: Get Updated gave no coverage (%s); the fixed overlap applies", what,
                     ", ".join(str(c) for c in codes) or "no answer")
            return None
        try:
            values.append(parse_datetime(text))
        except ValueError:
            return None
    return min(values) if values else None
