"""Hypothesis strategies for syncore records (shipped for adapters' and users' property tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from ..models import Body, Contact, Event, Kind, Record, ShowAs, Task, TaskPriority, TaskStatus

UTC = timezone.utc

#: printable text without surrogates or NULs, which no backend stores
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
short_words = st.sampled_from(["", "Alpha", "Beta", "Gamma", "Delta", "Room 1", "Müller & Söhne", "O'Brien"])


def instants(*, around: datetime | None = None, days: int = 3650) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes within ``days`` of ``around`` (default: 2026-11-24)."""
    centre = around or datetime(2026, 11, 24, tzinfo=UTC)
    return st.datetimes(
        min_value=(centre - timedelta(days=days)).replace(tzinfo=None),
        max_value=(centre + timedelta(days=days)).replace(tzinfo=None),
        timezones=st.just(UTC),
    )


@st.composite
def bodies(draw: st.DrawFn, *, formatted: bool | None = None) -> Body:
    """Plain or HTML bodies."""
    words = draw(st.lists(st.sampled_from(["agenda", "budget", "Q3", "call", "notes", "Zürich"]), max_size=6))
    content = " ".join(words)
    make_html = draw(st.booleans()) if formatted is None else formatted
    if not make_html or not content:
        return Body(text=content)
    return Body(html=f"<html><body><p><b>{content}</b></p></body></html>")


@st.composite
def events(draw: st.DrawFn, *, around: datetime | None = None, days: int = 20) -> Event:
    """Timed and all-day events near ``around``."""
    start = draw(instants(around=around, days=days)).replace(second=0, microsecond=0)
    if draw(st.booleans()):
        first = start.date()
        return Event(subject=draw(short_words), start=first, end=first + timedelta(days=draw(st.integers(1, 3))),
                     location=draw(short_words), body=draw(bodies()))
    return Event(
        subject=draw(short_words), start=start, end=start + timedelta(minutes=draw(st.sampled_from([0, 30, 60, 90]))),
        location=draw(short_words), body=draw(bodies()), show_as=draw(st.sampled_from(list(ShowAs))),
        reminder_minutes=draw(st.sampled_from([None, 0, 15])),
        attendees=draw(st.lists(st.sampled_from(["a@example.com", "b@example.com"]), max_size=2)),
    )


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """Contacts with a small pool of names and emails (so matching has something to do)."""
    first = draw(st.sampled_from(["Ada", "Alan", "Grace", ""]))
    last = draw(st.sampled_from(["Lovelace", "Turing", "Hopper"]))
    return Contact(
        first_name=first, last_name=last,
        email=draw(st.sampled_from(["", f"{first.lower() or 'x'}.{last.lower()}@example.com"])),
        phone=draw(st.sampled_from(["", "+1 555 0100", "+49 30 1234"])), title=draw(short_words),
        company=draw(short_words), mailing_city=draw(short_words), notes=draw(bodies()),
        birthday=draw(st.none() | st.dates(date(1950, 1, 1), date(2005, 12, 31))),
    )


@st.composite
def tasks(draw: st.DrawFn, *, around: datetime | None = None) -> Task:
    """Tasks due near ``around`` (or with no due date)."""
    centre = (around or datetime(2026, 11, 24, tzinfo=UTC)).date()
    due = draw(st.none() | st.dates(centre - timedelta(days=10), centre + timedelta(days=30)))
    status = draw(st.sampled_from(list(TaskStatus)))
    return Task(
        subject=draw(short_words), due=due, status=status, priority=draw(st.sampled_from(list(TaskPriority))),
        body=draw(bodies()),
        completed_at=draw(instants(around=around, days=5)).replace(microsecond=0) if status is TaskStatus.COMPLETED else None,
    )


def records(kind: Kind, *, around: datetime | None = None) -> st.SearchStrategy[Record]:
    """Records of ``kind``."""
    if kind is Kind.EVENT:
        return events(around=around)
    if kind is Kind.CONTACT:
        return contacts()
    return tasks(around=around)


def any_record(*, around: datetime | None = None) -> st.SearchStrategy[Record]:
    """Records of any kind."""
    return st.one_of(events(around=around), contacts(), tasks(around=around))


def full_events() -> st.SearchStrategy[Event]:
    """Events with arbitrary text and instants across a wide range (for serialization round trips)."""
    return st.builds(
        lambda subject, start, minutes, body, show, private: Event(
            subject=subject, start=start, end=start + timedelta(minutes=minutes), body=body, show_as=show,
            private=private,
        ),
        text, instants(), st.integers(0, 60 * 24 * 14), bodies(), st.sampled_from(list(ShowAs)), st.booleans(),
    )
