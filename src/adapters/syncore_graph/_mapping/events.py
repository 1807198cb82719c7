"""Graph ``event`` ⇄ :class:`~syncore.models.Event`.

* All-day: ``isAllDay`` with midnight boundaries, end exclusive (as syncore's); read as dates, written as
  midnights in the mailbox's zone. Timed: read as UTC instants (``outlook.timezone="UTC"``; a Windows or
  IANA ``timeZone`` is converted either way), written as the wall-clock time in the event's own zones
  (``originalStartTimeZone``; the mailbox's zone for a new event).
* ``showAs`` ⇄ ``show_as`` (workingElsewhere and unknown read as busy); ``sensitivity`` private/confidential ⇄
  ``private``; ``isReminderOn`` + ``reminderMinutesBeforeStart`` ⇄ ``reminder_minutes``.
* ``attendees`` are read, never written. Read as the Exchange adapter reads ``RequiredAttendees``: the
  ``emailAddress.address`` of each attendee of ``type`` required (optional attendees and resources are left
  alone; the organizer is not added, Graph lists it apart in ``organizer``), blanks skipped; the core's Event
  keeps them as lower-case addresses. Never written because Graph sends meeting requests for an organizer's
  event written with attendees and has no switch to prevent it: the adapter declares ``attendees`` a
  read-only field (``Capabilities.read_only_fields``), so the engine never asks for it, and an explicit request
  is refused for that field with a warning (:data:`ATTENDEES_NOT_WRITTEN`).
"""

from __future__ import annotations

from typing import Any

from syncore.models import Event, ShowAs

from .values import body_from_graph, body_to_graph, instant, local_date, midnight_of, own_zone, text, wall_in

_SHOW_AS_FROM = {"free": ShowAs.FREE, "tentative": ShowAs.TENTATIVE, "busy": ShowAs.BUSY,
                 "oof": ShowAs.OUT_OF_OFFICE}
_SHOW_AS_TO = {value: key for key, value in _SHOW_AS_FROM.items()}
_PRIVATE = frozenset({"private", "confidential"})
#: the Graph properties written for each syncore field (never attendees)
WRITTEN = {"subject": ("subject",), "start": ("start", "end", "isAllDay"), "end": ("start", "end", "isAllDay"),
           "location": ("location",), "body": ("body",), "show_as": ("showAs",), "private": ("sensitivity",),
           "reminder_minutes": ("isReminderOn", "reminderMinutesBeforeStart")}
ATTENDEES_NOT_WRITTEN = ("attendees are not written to Outlook through Graph (it would send meeting requests to "
                         "them)")


def attendees_from_graph(attendees: Any) -> list[str]:
    """The required attendees' addresses, in Graph's order (https://learn.microsoft.com/en-us/graph/api/resources/
    attendee: ``type`` is required, optional or resource)."""
    found = []
    for attendee in attendees or ():
        if not isinstance(attendee, dict) or attendee.get("type", "required") != "required":
            continue  # like EWS's OptionalAttendees and Resources, which the Exchange adapter leaves alone
        address = text((attendee.get("emailAddress") or {}).get("address")).strip()
        if address:
            found.append(address)
    return found


def event_from_graph(event: dict[str, Any], mailbox_zone: str) -> Event:
    if event.get("isAllDay"):
        start, end = local_date(event.get("start"), mailbox_zone), local_date(event.get("end"), mailbox_zone)
    else:
        start, end = instant(event.get("start")), instant(event.get("end"))
    return Event(
        subject=text(event.get("subject")),
        start=start,
        end=end,
        location=text((event.get("location") or {}).get("displayName")),
        body=body_from_graph(event.get("body")),
        show_as=_SHOW_AS_FROM.get(event.get("showAs") or "busy", ShowAs.BUSY),
        private=(event.get("sensitivity") or "normal") in _PRIVATE,
        reminder_minutes=int(event.get("reminderMinutesBeforeStart") or 0) if event.get("isReminderOn") else None,
        attendees=attendees_from_graph(event.get("attendees")),
    )


def event_to_graph(event: Event, fields: frozenset[str] | None, mailbox_zone: str,
                   current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Graph properties for ``fields`` of ``event`` (all when None); attendees are never included.

    New times go in the event's own zones when ``current`` (the stored event) is given, so a meeting set up in
    Pacific time stays in Pacific time when Salesforce moves it; new events use the mailbox's zone.
    """
    names = set(WRITTEN) if fields is None else set(fields) & set(WRITTEN)
    out: dict[str, Any] = {}
    if names & {"start", "end"}:
        start_zone, start_name = own_zone(current, "Start", mailbox_zone)
        end_zone, end_name = own_zone(current, "End", mailbox_zone)
        if event.all_day:
            out["start"] = midnight_of(event.start, start_zone, start_name)  # type: ignore[arg-type]
            out["end"] = midnight_of(event.end, end_zone, end_name)  # type: ignore[arg-type]
            out["isAllDay"] = True
        else:
            out["start"] = wall_in(event.start, start_zone, start_name)  # type: ignore[arg-type]
            out["end"] = wall_in(event.end, end_zone, end_name)  # type: ignore[arg-type]
            out["isAllDay"] = False
    if "subject" in names:
        out["subject"] = event.subject
    if "location" in names:
        out["location"] = {"displayName": event.location}
    if "body" in names:
        out["body"] = body_to_graph(event.body)
    if "show_as" in names:
        out["showAs"] = _SHOW_AS_TO[event.show_as]
    if "private" in names:
        out["sensitivity"] = "private" if event.private else "normal"
    if "reminder_minutes" in names:
        out["isReminderOn"] = event.reminder_minutes is not None
        out["reminderMinutesBeforeStart"] = event.reminder_minutes or 0
    return out
