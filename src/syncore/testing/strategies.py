"""Hypothesis strategies for syncore records (shipped for adapters' and users' property tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume
from hypothesis import strategies as st

from ..models import Body, Contact, Event, Kind, Record, ShowAs, Task, TaskPriority, TaskStatus


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
        contacts=draw(st.lists(st.sampled_from(["a@example.com", "b@example.com"]), max_size=2)),
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


#: zones that make expansion interesting: Lord Howe's 30-minute DST shift, the southern hemisphere (Sydney,
#: Auckland, Santiago), clocks that jump at midnight (Santiago, Havana, Beirut), Europe, the US and no DST at all
SERIES_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney", "Pacific/Auckland",
                "America/Santiago", "America/Havana", "Asia/Beirut", "Asia/Kolkata", "UTC")
#: wall times that fall into DST gaps or folds in some of those zones, and ordinary ones
SERIES_TIMES = (time(0, 0), time(0, 30), time(1, 45), time(2, 15), time(2, 30), time(9, 0), time(23, 30))
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def rules(draw: st.DrawFn, *, all_day: bool = False) -> str:
    """RRULE texts of every shape syncore accepts (every frequency, BY parts, COUNT, UNTIL or no end)."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(_WEEKDAYS), min_size=1, max_size=3,
                                                            unique=True))))
    elif freq == "MONTHLY":
        choice = draw(st.sampled_from(["day", "nth", "last-weekday", "none"]))
        if choice == "day":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 28, 31, -1]))}")
        elif choice == "nth":
            parts.append(f"BYDAY={draw(st.sampled_from([1, 2, 4, -1]))}{draw(st.sampled_from(_WEEKDAYS))}")
        elif choice == "last-weekday":
            parts.append("BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
    elif freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYMONTH={draw(st.integers(1, 12))};BYDAY={draw(st.sampled_from([1, 2, -1]))}"
                     f"{draw(st.sampled_from(_WEEKDAYS))}")
    end = draw(st.sampled_from(["count", "until", "none"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 30))}")
    elif end == "until":
        day = draw(st.dates(date(2027, 1, 1), date(2029, 12, 31)))
        parts.append(f"UNTIL={day:%Y%m%d}" if all_day or draw(st.booleans()) else f"UNTIL={day:%Y%m%d}T120000Z")
    return ";".join(parts)


@st.composite
def series_events(draw: st.DrawFn, *, zones: tuple[str, ...] = SERIES_ZONES, max_changes: int = 4,
                  around: datetime | None = None, days: int = 180) -> Event:
    """Recurring events (timed and all-day) in awkward zones starting within ``days`` of ``around`` (default:
    mid-2026), with cancelled and moved or edited occurrences among their first twelve."""
    from ..recurrence import Override, Recurrence
    from ..rrules import RuleParts, walls
    from ..series import Series

    zone_name = draw(st.sampled_from(zones))
    all_day = draw(st.booleans())
    rule = draw(rules(all_day=all_day))
    centre = (around or datetime(2026, 7, 1, tzinfo=UTC)).date()
    day = draw(st.dates(centre - timedelta(days=days), centre + timedelta(days=days)))
    wall = datetime.combine(day, time()) if all_day else datetime.combine(day, draw(st.sampled_from(SERIES_TIMES)))
    first = next(walls(rule, wall), None)
    until = RuleParts.parse(rule).until
    # (an UNTIL before the first occurrence is a rule without occurrences: refused, see test_core_recurrence)
    assume(first is not None and (until is None or first.date() < getattr(until, "date", lambda: until)()))
    assume(first - wall <= timedelta(days=62))  # (the first occurrence near the drawn day, so ``around`` holds)
    if all_day:
        start: date | datetime = first.date()  # type: ignore[union-attr]
        end: date | datetime = start + timedelta(days=draw(st.integers(1, 3)))
    else:
        start = first.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)  # type: ignore[union-attr]
        end = start + timedelta(minutes=draw(st.sampled_from([0, 30, 60, 90, 600])))
    base = Event(subject=draw(short_words), start=start, end=end, location=draw(short_words),
                 recurrence=Recurrence(rule=rule, zone=zone_name))
    keys = list(itertools.islice(Series(base).starts(), 12))
    cancelled = draw(st.lists(st.sampled_from(keys), max_size=max_changes, unique=True))
    changed = draw(st.lists(st.sampled_from(keys), max_size=max_changes, unique=True))
    overrides = []
    for key in changed:
        shift = draw(st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(days=1), -timedelta(hours=2)]))
        if all_day:
            shift = timedelta(days=shift.days)
        moved = key + shift
        overrides.append(Override(original_start=key, start=moved, end=moved + (end - start),
                                  subject=draw(st.none() | short_words), location=draw(st.none() | short_words)))
    return base.replace(recurrence=Recurrence(rule=rule, zone=zone_name, exdates=cancelled, overrides=overrides))


@st.composite
def recurring_tasks(draw: st.DrawFn, *, around: datetime | None = None, days: int = 180) -> Task:
    """Tasks on a fixed or a regenerating schedule, starting within ``days`` of ``around`` (default: mid-2026)."""
    from ..recurrence import Regeneration, TaskRecurrence
    from ..rrules import RuleParts

    regenerate = draw(st.sampled_from(list(Regeneration)))
    centre = (around or datetime(2026, 7, 1, tzinfo=UTC)).date()
    start = draw(st.dates(centre - timedelta(days=days), centre + timedelta(days=days)))
    if regenerate is Regeneration.NONE:
        rule = draw(rules(all_day=True))
        first = next(walls_of(rule, start), None)
        until = RuleParts.parse(rule).until
        # (the first due date near the drawn day, so ``around`` means something)
        assume(first is not None and (until is None or first <= until) and first - start <= timedelta(days=62))
        start = first  # type: ignore[assignment]
    else:
        rule = f"FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']))};INTERVAL={draw(st.integers(1, 9))}"
    return Task(subject=draw(short_words), due=start, body=draw(bodies()),
                recurrence=TaskRecurrence(rule=rule, start=start, regenerate=regenerate))


def walls_of(rule: str, day: date) -> Iterator[date]:
    """The dates a rule gives from ``day`` on (its first is the first occurrence)."""
    from ..rrules import walls

    return (wall.date() for wall in walls(rule, datetime.combine(day, time())))


def series_records() -> st.SearchStrategy[Record]:
    """Recurring events and tasks."""
    return st.one_of(series_events(), recurring_tasks())
