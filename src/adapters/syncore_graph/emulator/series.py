"""Series in the emulated mailbox: occurrences (virtual), exceptions, cancellations, and expansion over a window.

A series master's occurrences are virtual (``type: occurrence``), named by stable ids derived from the master and the
original start; writing to one makes an ``exception`` that keeps those ids, deleting one cancels it
(https://learn.microsoft.com/en-us/graph/api/event-list-instances). A master written with a ``recurrence`` loses
its exceptions and cancellations; a master whose times change keeps those the pattern still gives (unverified, as
the EWS emulator: Outlook warns "any exceptions associated with this recurring appointment will be lost").
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from . import recurrence
from .common import Ctx
from .mailbox import Item, Mailbox
from .times import midnight, zone_of


class Occurrence:
    """A virtual occurrence of a series: the master plus an original start."""

    def __init__(self, master: Item, start: datetime) -> None:
        self.master = master
        self.start = start


def occurrence_ids(master: Item, start: datetime) -> tuple[str, str]:
    """Stable (REST, immutable) ids of one occurrence."""
    digest = hashlib.sha256(f"{master.immutable_id}|{start.isoformat()}".encode()).digest()
    rest = base64.urlsafe_b64encode(b"\x00\x03\x24\x00OC" + digest + digest[:8]).decode()
    immutable = base64.urlsafe_b64encode(b"\x00\x09\x00\x2eOC" + digest + digest[:8]).decode()
    return rest, immutable


def _duration(master: Item) -> timedelta:
    if isinstance(master.start, datetime):
        return master.end - master.start  # type: ignore[operator]
    return timedelta(days=(master.end - master.start).days)  # type: ignore[operator]


def _instant(value: date | datetime, zone_name: str) -> datetime:
    return value if isinstance(value, datetime) else midnight(value, zone_name)


def span_utc(item: Item) -> tuple[datetime, datetime]:
    return _instant(item.start, item.start_zone), _instant(item.end, item.end_zone)  # type: ignore[arg-type]


def event_type(item: Item) -> str:
    if item.master is not None:
        return "exception"
    return "seriesMaster" if item.data.get("recurrence") else "singleInstance"


def occurrence_starts(master: Item, until: datetime) -> list[datetime]:
    first, _ = span_utc(master)
    return recurrence.original_starts(master.data["recurrence"], first, master.start_zone, until)


def make_exception(mailbox: Mailbox, occurrence: Occurrence) -> Item:
    master = occurrence.master
    duration = _duration(master)
    data = {k: v for k, v in master.data.items() if k != "recurrence"}
    # the exception starts where its occurrence did (not at the master's first start), in the master's zones
    local = occurrence.start.astimezone(zone_of(master.start_zone))
    if isinstance(master.start, datetime):
        start: date | datetime = occurrence.start
        end: date | datetime = occurrence.start + duration
        data["start"] = {"dateTime": local.replace(tzinfo=None).isoformat(), "timeZone": master.start_zone}
        data["end"] = {"dateTime": end.astimezone(zone_of(master.end_zone)).replace(tzinfo=None).isoformat(),
                       "timeZone": master.end_zone}
    else:
        start, end = local.date(), local.date() + duration
        data["start"] = {"dateTime": f"{start.isoformat()}T00:00:00", "timeZone": master.start_zone}
        data["end"] = {"dateTime": f"{end.isoformat()}T00:00:00", "timeZone": master.end_zone}
    exception = mailbox.add("event", master.container, data)
    exception.master, exception.original_start = master.immutable_id, occurrence.start
    exception.start, exception.end = start, end
    exception.start_zone, exception.end_zone = master.start_zone, master.end_zone
    exception.extended = dict(master.extended)
    rest, immutable = occurrence_ids(master, occurrence.start)
    # the exception keeps the occurrence's ids
    del mailbox.items[exception.immutable_id]
    del mailbox.by_rest[exception.rest_id]
    exception.rest_id, exception.immutable_id = rest, immutable
    mailbox.items[immutable] = exception
    mailbox.by_rest[rest] = immutable
    master.exceptions[occurrence.start] = immutable
    return exception


#: how far ahead the occurrence after a moved one is looked for (a yearly series every few years)
NEIGHBOUR_HORIZON = timedelta(days=366 * 10)


def check_move(mailbox: Mailbox, master: Item, original: datetime, new_start: datetime) -> None:
    """Refuse an occurrence moved to or past the start of the (not cancelled) occurrence before or after it:
    ErrorOccurrenceCrossingBoundary ("earlier or later than the corresponding previous or next occurrence",
    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode; Graph passes
    Exchange's code on, with the message sync products report: "Modified occurrence is crossing or overlapping
    adjacent occurrence.")."""
    from .errors import bad_request

    before = after = None
    for start in occurrence_starts(master, original + NEIGHBOUR_HORIZON):
        if start < original:
            before = start
        elif start > original:
            after = start
            break
    for neighbour in (before, after):
        if neighbour is None or neighbour in master.cancelled:
            continue
        exception = master.exceptions.get(neighbour)
        at = span_utc(mailbox.items[exception])[0] if exception else neighbour
        if (neighbour < original and new_start <= at) or (neighbour > original and new_start >= at):
            raise bad_request("Modified occurrence is crossing or overlapping adjacent occurrence.",
                              "ErrorOccurrenceCrossingBoundary")


#: what an exception always has of its own (its times) or never (the pattern, ids)
NOT_INHERITED = frozenset({"start", "end", "isAllDay", "recurrence", "transactionId", "singleValueExtendedProperties"})


def inherit(mailbox: Mailbox, master: Item, written: dict[str, Any]) -> None:
    """A master's written properties reach its exceptions except those an exception changed itself (unverified,
    as the EWS emulator: an exception holds only the properties that differ from its master, ModifiedOccurrences
    in https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-update-a-recurring-series-by-using-ews)."""
    for exception_id in master.exceptions.values():
        exception = mailbox.items[exception_id]
        for name, value in written.items():
            if name not in NOT_INHERITED and name not in exception.own:
                exception.data[name] = value


def prune(mailbox: Mailbox, master: Item, recurrence_written: bool) -> None:
    """After a master was written: a new pattern drops every exception and cancellation (see the module
    docstring); otherwise those whose original start the pattern no longer gives go (a moved series start)."""
    if recurrence_written or event_type(master) != "seriesMaster":
        keep: set[datetime] = set()
    else:
        last = max([*master.exceptions, *master.cancelled])
        keep = set(occurrence_starts(master, last + timedelta(seconds=1)))
    for start in [s for s in master.exceptions if s not in keep]:
        mailbox.remove(mailbox.items[master.exceptions.pop(start)])
    master.cancelled &= keep


def series_in_window(ctx: Ctx, master: Item, window_start: datetime, window_end: datetime,
                     ) -> list[tuple[str, Item, datetime | None]]:
    """The occurrences and exceptions of ``master`` overlapping the window."""
    shown = []
    duration = _duration(master)
    for start in occurrence_starts(master, window_end):
        if start in master.cancelled or start + duration <= window_start:
            continue
        exception_id = master.exceptions.get(start)
        if exception_id:
            exception = ctx.mailbox.items[exception_id]
            begin, end = span_utc(exception)
            if begin < window_end and end > window_start:
                shown.append((exception_id, exception, None))
        else:
            shown.append((occurrence_ids(master, start)[1], master, start))
    return shown
