"""Sample records for contract tests and demos, relative to a given moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
from dateutil.relativedelta import SU, relativedelta

from ..models import Body, Contact, Event, Kind, Record, ShowAs, Task, TaskPriority, TaskStatus

#: the field each kind's rejection marker, subjects and names go in (a contact has no subject)
TEXT_FIELD = {Kind.EVENT: "subject", Kind.TASK: "subject", Kind.CONTACT: "last_name"}
#: a second plain text field per kind, for "only the named fields are written"
OTHER_TEXT_FIELD = {Kind.CONTACT: "title", Kind.EVENT: "location", Kind.TASK: "body"}


def sample_record(kind: Kind, n: int = 0, *, now: datetime) -> Record:
    """A plausible record of ``kind``, different for each ``n``, dated near ``now``."""
    day = now.date() + timedelta(days=1 + n % 20)
    if kind is Kind.EVENT:
        start = datetime(day.year, day.month, day.day, 9 + n % 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        return Event(
            subject=f"Meeting {n}", start=start, end=start + timedelta(minutes=30 + 15 * (n % 4)),
            location=f"Room {n % 5}", body=Body(text=f"Agenda for meeting {n}"), show_as=ShowAs.BUSY,
            reminder_minutes=15,
        )
    if kind is Kind.CONTACT:
        return Contact(
            first_name=f"Ada{n}", last_name=f"Lovelace{n}", email=f"ada{n}@example.com", phone=f"+44 20 7946 {n:04d}",
            title="Engineer", company="Analytical Engines Ltd", mailing_city="London", mailing_country="UK",
        )
    return Task(
        subject=f"Follow up {n}", due=day, status=TaskStatus.NOT_STARTED, priority=TaskPriority.HIGH,
        body=Body(text=f"Call back about quote {n}"),
    )


def awkward_records(kind: Kind, *, now: datetime) -> list[Record]:
    """Records with values a side may not hold as given (for ``represent``): tentative and private events,
    attendees, a task's contacts, formatted bodies, all-day spans, contacts without a last name, completion
    times on open tasks."""
    day = now.date() + timedelta(days=3)
    html = "<html><body><p><b>Bold</b> and <i>italic</i></p><ul><li>one</li></ul></body></html>"
    if kind is Kind.EVENT:
        start = datetime(day.year, day.month, day.day, 14, 30, tzinfo=ZoneInfo("America/New_York"))
        return [
            Event(subject="Tentative", start=start, end=start + timedelta(minutes=45),
                  show_as=ShowAs.TENTATIVE, private=True, attendees=("a@example.com", "b@example.com"),
                  body=Body(html=html)),
            Event(subject="Out of office", start=day, end=day + timedelta(days=3),
                  show_as=ShowAs.OUT_OF_OFFICE),
            Event(subject="", start=start, end=start, reminder_minutes=0),
            Event(subject="Free " + "x" * 300, start=start, end=start + timedelta(hours=30),
                  show_as=ShowAs.FREE),
        ]
    if kind is Kind.CONTACT:
        return [
            Contact(first_name="Grace", company="Navy", email="grace@example.com"),
            Contact(last_name="Müller-Lüdenscheidt", notes=Body(html=html), birthday=date(1970, 2, 28)),
            Contact(first_name="", last_name="O'Brien", mobile_phone="+353 1 555 0100",
                    department="Sales " * 20),
        ]
    done = datetime(now.year, now.month, now.day, 10, 15, 30, tzinfo=ZoneInfo("UTC"))
    return [
        Task(subject="Open with a completion time", status=TaskStatus.IN_PROGRESS, completed_at=done),
        Task(subject="Done", due=day, status=TaskStatus.COMPLETED, completed_at=done, body=Body(html=html)),
        Task(subject="Waiting", status=TaskStatus.WAITING, priority=TaskPriority.LOW, reminder_at=done,
             private=True),
        Task(subject="Deferred", status=TaskStatus.DEFERRED, due=day, contacts=("c@example.com",)),
    ]


def has_long_text(record: Record) -> bool:
    """True when a text field of ``record`` is longer than 80 characters: more than some sides' fields hold
    (Salesforce: 80 for a contact's department, 255 for a subject), so a side may refuse it."""
    values = attrs.asdict(record, recurse=False).values()
    return any(isinstance(value, str) and len(value) > 80 for value in values)


def dst_event(zone: str, day: date, hour: int, minutes: int = 60) -> Event:
    """A timed event starting at ``hour`` local time on ``day`` in ``zone`` (for DST round trips)."""
    start = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
    return Event(subject=f"DST {zone} {day}", start=start, end=start + timedelta(minutes=minutes))


def all_day_event(start: date, days: int = 1) -> Event:
    """An all-day event of ``days`` days."""
    return Event(subject=f"All day {start}", start=start, end=start + timedelta(days=days))


def dst_days(year: int) -> tuple[date, date, date]:
    """EU spring-forward and fall-back Sundays and the US spring-forward Sunday of ``year``."""
    eu_spring = date(year, 3, 31) + relativedelta(weekday=SU(-1))
    eu_fall = date(year, 10, 31) + relativedelta(weekday=SU(-1))
    us_spring = date(year, 3, 1) + relativedelta(weekday=SU(+2))
    return eu_spring, eu_fall, us_spring
