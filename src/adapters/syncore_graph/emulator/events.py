"""Calendar events: create, read, update, delete, calendarView and series occurrences.

Resource: https://learn.microsoft.com/en-us/graph/api/resources/event. Server-filled properties (ids,
``changeKey``, ``createdDateTime``, ``lastModifiedDateTime``, ``originalStartTimeZone``, ``iCalUId``,
``type``, ``organizer``, a 15-minute reminder when none is given) are filled as Graph fills them.

* ``transactionId`` makes a create idempotent: a second POST with the same id answers the event already made
  ("to avoid redundant POST operations in case of client retries").
* An event written with attendees by its organizer sends meeting requests; the emulator records them in
  :attr:`Mailbox.invitations` (Graph has no switch to suppress them).
* Series (occurrences, exceptions, cancellations, a new pattern dropping them): :mod:`.series`.
* Deleting a meeting (an event with attendees) in the organizer's calendar sends the attendees a cancellation
  ("If the event is a meeting, deleting the event on the organizer's calendar sends a cancellation message to
  the meeting attendees", https://learn.microsoft.com/en-us/graph/api/event-delete); the emulator records them in
  :attr:`Mailbox.cancellations`. An occurrence is a meeting when its series is.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from . import recurrence
from .common import (
    EXTENDED,
    Ctx,
    check_enum,
    check_item_body,
    check_properties,
    check_text,
    json_body,
    preview,
    render_body,
    render_extended,
    set_extended,
)
from .errors import GraphError, bad_request, conflict
from .mailbox import Item, Mailbox
from .series import (
    Occurrence,
    _duration,
    check_move,
    event_type,
    inherit,
    make_exception,
    occurrence_ids,
    prune,
    series_in_window,
    span_utc,
)
from .times import iso_utc, parse_dtz, render_day, render_instant, windows_name, zone_of

SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
SENSITIVITY = ("normal", "personal", "private", "confidential")
IMPORTANCE = ("low", "normal", "high")
WRITABLE = {
    "subject", "body", "start", "end", "isAllDay", "location", "locations", "showAs", "sensitivity", "importance",
    "isReminderOn", "reminderMinutesBeforeStart", "attendees", "recurrence", "categories", EXTENDED,
    "transactionId", "isOnlineMeeting", "responseRequested", "allowNewTimeProposals", "hideAttendees",
}
DEFAULT_REMINDER = 15


def find(mailbox: Mailbox, any_id: str) -> Item | Occurrence | None:
    """The event, exception or occurrence an id names."""
    item = mailbox.resolve(any_id)
    if item is not None:
        return item if item.kind == "event" else None
    if any_id in mailbox.occurrences:
        master_id, start = mailbox.occurrences[any_id]
        master = mailbox.items.get(master_id)
        if master is not None and not master.deleted and start not in master.cancelled:
            exception = master.exceptions.get(start)
            return mailbox.items[exception] if exception else Occurrence(master, start)
    return None


# -- validation and storage -----------------------------------------------------------------------------------
def _span(data: dict[str, Any], item: Item | None) -> tuple[Any, Any, str, str]:
    """(start, end, start zone, end zone) after a write; all-day spans are dates."""
    all_day = data.get("isAllDay", False)
    if "start" not in data or "end" not in data:
        raise bad_request("An event needs both start and end.", "ErrorInvalidRequest")
    start, start_zone = parse_dtz(data["start"], "start")
    end, end_zone = parse_dtz(data["end"], "end")
    if end < start:
        # Guess at the code: Exchange refuses an end before the start; no documentation page shows the answer.
        raise bad_request("The Event's end time must be after its start time.", "ErrorInvalidRequest")
    if not all_day:
        return start, end, start_zone, end_zone
    local_start = datetime.fromisoformat(data["start"]["dateTime"][:19])
    local_end = datetime.fromisoformat(data["end"]["dateTime"][:19])
    if local_start.time() != datetime.min.time() or local_end.time() != datetime.min.time():
        # Wording reported by Graph clients (OfficeDev/Office-365-SDK-for-Java issue 5); the code is a guess.
        raise bad_request("Your request can't be completed. If the event is an all-day event, its start and end "
                          "must be at midnight.", "ErrorInvalidRequest")
    if local_end.date() <= local_start.date():
        raise bad_request("The duration of an event marked as All day must be at least 24 hours.",
                          "ErrorInvalidRequest")
    return local_start.date(), local_end.date(), start_zone, end_zone


def _validate(body: dict[str, Any]) -> None:
    check_properties(body, WRITABLE, "event")
    check_enum(body, "showAs", SHOW_AS, "freeBusyStatus")
    check_enum(body, "sensitivity", SENSITIVITY, "sensitivity")
    check_enum(body, "importance", IMPORTANCE, "importance")
    check_text(body, "subject", "transactionId")
    if "body" in body:
        body["body"] = check_item_body(body["body"])
    if "reminderMinutesBeforeStart" in body and not isinstance(body["reminderMinutesBeforeStart"], int):
        raise bad_request("Cannot convert a value to target type 'Edm.Int32' (reminderMinutesBeforeStart).",
                          "RequestBodyRead")
    if body.get("recurrence") is not None:
        recurrence.validate(body["recurrence"])
    if "location" in body and body["location"] is not None and not isinstance(body["location"], dict):
        raise bad_request("The property 'location' must be a location object.", "RequestBodyRead")


def _store(item: Item, data: dict[str, Any]) -> None:
    item.start, item.end, item.start_zone, item.end_zone = _span(data, item)
    item.data = data


def _invite(mailbox: Mailbox, item: Item, body: dict[str, Any]) -> None:
    addresses = [a.get("emailAddress", {}).get("address", "") for a in body.get("attendees") or ()]
    if addresses:
        mailbox.invitations.append((item.immutable_id, addresses))


def create(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    """POST /events: 201 and the event (the existing one for a repeated transactionId)."""
    mailbox = ctx.mailbox
    body = dict(json_body(ctx))
    _validate(body)
    transaction = body.get("transactionId")
    if transaction and transaction in mailbox.transactions:
        existing = mailbox.items.get(mailbox.transactions[transaction])
        if existing is not None and not existing.deleted:
            return 201, render(ctx, existing)
    data = {k: v for k, v in body.items() if k != EXTENDED}
    data.setdefault("body", {"contentType": "text", "content": ""})
    data.setdefault("isReminderOn", True)
    data.setdefault("reminderMinutesBeforeStart", DEFAULT_REMINDER)
    item = mailbox.add("event", mailbox.calendar_id, {})
    try:
        _store(item, data)
        if EXTENDED in body:
            set_extended(item, body[EXTENDED])
    except GraphError:
        del mailbox.items[item.immutable_id]
        del mailbox.by_rest[item.rest_id]
        raise
    item.data["iCalUId"] = "040000008200E00074C5B7101A82E00800000000" + uuid.uuid4().hex
    if transaction:
        mailbox.transactions[transaction] = item.immutable_id
    _invite(mailbox, item, body)
    return 201, render(ctx, item)


def check_if_match(ctx: Ctx, item: Item) -> None:
    wanted = ctx.headers.get("if-match")
    if wanted and wanted != "*" and wanted.strip() not in (item.etag, item.change_key, f'"{item.change_key}"'):
        raise conflict()


def update(ctx: Ctx, target: Item | Occurrence) -> tuple[int, dict[str, Any]]:
    """PATCH: writes only the given properties; an occurrence becomes an exception."""
    mailbox = ctx.mailbox
    body = dict(json_body(ctx))
    _validate(body)
    body.pop("transactionId", None)
    if isinstance(target, Occurrence):
        check_if_match(ctx, target.master)
        _check_move(mailbox, target.master, target.start, body)
        target = make_exception(mailbox, target)
    else:
        check_if_match(ctx, target)
        if target.master is not None:
            _check_move(mailbox, mailbox.items[target.master], target.original_start, body)  # type: ignore[arg-type]
    data = {**target.data, **{k: v for k, v in body.items() if k != EXTENDED}}
    if "isAllDay" in body and ("start" not in body or "end" not in body):
        raise bad_request("Changing isAllDay needs start and end in the same request.", "ErrorInvalidRequest")
    if target.master is not None and "recurrence" in body and body["recurrence"] is not None:
        raise bad_request("An occurrence or exception cannot have its own recurrence.", "ErrorInvalidRequest")
    if "start" in data:
        _store(target, data)
    else:
        target.data = data
    if target.master is not None:
        target.own |= set(body) - {EXTENDED}
    elif target.exceptions or target.cancelled:
        prune(mailbox, target, "recurrence" in body)
        inherit(mailbox, target, body)
    if EXTENDED in body:
        set_extended(target, body[EXTENDED])
    mailbox.bump(target)
    if target.master is not None:
        mailbox.bump(mailbox.items[target.master])
    if body.get("attendees"):
        _invite(mailbox, target, body)
    return 200, render(ctx, target)


def _check_move(mailbox: Mailbox, master: Item, original: datetime, body: dict[str, Any]) -> None:
    if "start" in body:
        check_move(mailbox, master, original, parse_dtz(body["start"], "start")[0])


#: an attendee's status before any answer, as the organizer sees it (the sample responses of
#: https://learn.microsoft.com/en-us/graph/api/user-post-events: ``"status": {"response": "none", "time":
#: "0001-01-01T00:00:00Z"}``)
NO_RESPONSE = {"response": "none", "time": "0001-01-01T00:00:00Z"}


def render_attendee(attendee: dict[str, Any]) -> dict[str, Any]:
    """An attendee as Graph answers it (https://learn.microsoft.com/en-us/graph/api/resources/attendee):
    ``type``, ``status`` and ``emailAddress`` {``name``, ``address``}. A written attendee without a ``type``
    is required and one without a ``name`` is named by its address (guesses: the pages show neither case)."""
    address = dict(attendee.get("emailAddress") or {})
    return {"type": attendee.get("type") or "required", "status": dict(attendee.get("status") or NO_RESPONSE),
            "emailAddress": {"name": address.get("name") or address.get("address", ""),
                             "address": address.get("address", "")}}


def _cancel_meeting(mailbox: Mailbox, item: Item, event_id: str) -> None:
    addresses = [a.get("emailAddress", {}).get("address", "") for a in item.data.get("attendees") or ()
                 if isinstance(a, dict)]
    if addresses:
        mailbox.cancellations.append((event_id, addresses))


def delete(ctx: Ctx, target: Item | Occurrence) -> int:
    """DELETE: 204; deleting an occurrence or exception cancels it in its series; a meeting's attendees are
    sent a cancellation."""
    mailbox = ctx.mailbox
    if isinstance(target, Occurrence):
        _cancel_meeting(mailbox, target.master, occurrence_ids(target.master, target.start)[1])
        target.master.cancelled.add(target.start)
        mailbox.bump(target.master)
        return 204
    _cancel_meeting(mailbox, target, target.immutable_id)
    if target.master is not None:
        master = mailbox.items[target.master]
        master.cancelled.add(target.original_start)  # type: ignore[arg-type]
        mailbox.bump(master)
    mailbox.remove(target)
    return 204


# -- reading ------------------------------------------------------------------------------------------------
def render(ctx: Ctx, item: Item, occurrence_start: datetime | None = None) -> dict[str, Any]:
    """The event resource as Graph returns it; ``occurrence_start`` renders one occurrence of a master."""
    data = item.data
    zone = ctx.zone
    if occurrence_start is not None:
        rest, immutable = occurrence_ids(item, occurrence_start)
        ctx.mailbox.occurrences[rest] = ctx.mailbox.occurrences[immutable] = (item.immutable_id, occurrence_start)
        event_id = immutable if ctx.immutable else rest
        kind, master_id = "occurrence", item.id_for(ctx.immutable)
        start_utc = occurrence_start
        end_utc = occurrence_start + _duration(item)
    else:
        event_id, kind = item.id_for(ctx.immutable), event_type(item)
        master = ctx.mailbox.items.get(item.master) if item.master else None
        master_id = master.id_for(ctx.immutable) if master else None
        start_utc, end_utc = span_utc(item)
    all_day = bool(data.get("isAllDay"))
    if all_day:
        first, last = item.start, item.end
        if occurrence_start is not None:
            first = occurrence_start.astimezone(zone_of(item.start_zone)).date()
            last = first + (item.end - item.start)  # type: ignore[operator]
        start, end = render_day(first, zone), render_day(last, zone)  # type: ignore[arg-type]
    else:
        start, end = render_instant(start_utc, zone), render_instant(end_utc, zone)
    stored_body = data.get("body") or {"contentType": "text", "content": ""}
    location = data.get("location") or {}
    event: dict[str, Any] = {
        "@odata.etag": item.etag,
        "id": event_id,
        "createdDateTime": iso_utc(item.created),
        "lastModifiedDateTime": iso_utc(item.modified),
        "changeKey": item.change_key,
        "categories": data.get("categories", []),
        "transactionId": data.get("transactionId"),
        "originalStartTimeZone": windows_name(item.start_zone),
        "originalEndTimeZone": windows_name(item.end_zone),
        "iCalUId": data.get("iCalUId"),
        "reminderMinutesBeforeStart": data.get("reminderMinutesBeforeStart", DEFAULT_REMINDER),
        "isReminderOn": data.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": data.get("subject") or "",
        "bodyPreview": preview(stored_body),
        "importance": data.get("importance", "normal"),
        "sensitivity": data.get("sensitivity", "normal"),
        "isAllDay": all_day,
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": data.get("responseRequested", True),
        "seriesMasterId": master_id,
        "showAs": data.get("showAs", "busy"),
        "type": kind,
        "body": render_body(stored_body, ctx),
        "start": start,
        "end": end,
        "location": {"displayName": location.get("displayName", ""), "locationType": "default",
                     "uniqueIdType": "unknown", "address": {}, "coordinates": {}},
        "recurrence": data.get("recurrence") if kind == "seriesMaster" else None,
        "attendees": [render_attendee(a) for a in data.get("attendees") or () if isinstance(a, dict)],
        "organizer": {"emailAddress": {"name": ctx.mailbox.display_name, "address": ctx.mailbox.upn}},
    }
    if kind in ("occurrence", "exception"):
        original = occurrence_start if occurrence_start is not None else item.original_start
        event["originalStart"] = iso_utc(original)  # type: ignore[arg-type]
    extended = render_extended(item, ctx)
    if extended is not None:
        event[EXTENDED] = extended
    return event


def view(ctx: Ctx, window_start: datetime, window_end: datetime) -> list[tuple[str, Item, datetime | None]]:
    """What a calendarView shows: (immutable id, item, occurrence start) for every event overlapping the window.

    Single instances, exceptions and occurrences; never series masters (event-delta: "occurrences and
    exceptions of a recurring series").
    """
    shown = []
    for item in ctx.mailbox.live("event"):
        if item.master is not None:
            continue  # exceptions are shown by their series, in place of their occurrence
        if event_type(item) == "seriesMaster":
            shown.extend(series_in_window(ctx, item, window_start, window_end))
            continue
        start, end = span_utc(item)
        if start < window_end and end > window_start:
            shown.append((item.immutable_id, item, None))
    return sorted(shown, key=lambda entry: entry[2] or span_utc(entry[1])[0])


def now_utc() -> datetime:
    return datetime.now(UTC)
