"""Shared Hypothesis strategies and helpers for the core unit tests.

Strategies are exposed through the session-scoped ``core`` fixture (a namespace), so no helper module with a
generic name is added to ``sys.path``. Use them with ``@given(data=st.data())`` and ``data.draw(...)``.
"""

from __future__ import annotations

import types
from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import strategies as st

from syncore import Body, Contact, Event, ShowAs, Task, TaskPriority, TaskStatus
from syncore.testing.strategies import series_records


# -- primitive strategies --------------------------------------------------------------------------------------
# Any text at all (no surrogates): record text fields keep it verbatim.
texts = st.text(max_size=30)
_local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-+", min_size=1, max_size=12)
_domain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
emails = st.builds(lambda a, b, tld: f"{a}@{b}.{tld}", _local, _domain, st.sampled_from(["com", "de", "org"]))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 30))
# aware datetimes in assorted fixed offsets (records normalize them to UTC), with microseconds
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30), timezones=st.one_of(st.just(UTC), _offsets)
)
bodies = st.one_of(
    st.builds(Body, text=texts),
    st.builds(lambda t, h: Body(text=t, html=h), texts, st.sampled_from(
        ["<p>plain</p>", "<b>bold</b> text", "<a href='https://x.example'>link</a>", "<p>caf\u00e9 &amp; more</p>"])),
    st.builds(lambda t, r: Body(text=t, rtf=r), texts, st.sampled_from(
        [r"{\rtf1\ansi plain\par}", r"{\rtf1\ansi {\b bold}\par}", r"{\rtf1\ansi\cf2 red\par}"])),
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    fields = {name: draw(texts) for name in (
        "first_name", "phone", "mobile_phone", "title", "department", "company", "mailing_street",
        "mailing_city", "mailing_state", "mailing_postal_code", "mailing_country")}
    fields["last_name"] = draw(st.text(min_size=1, max_size=20))  # a contact needs a name (or company/email)
    fields["email"] = draw(st.one_of(st.just(""), emails))
    fields["birthday"] = draw(st.none() | days)
    fields["notes"] = draw(bodies)
    return Contact(**fields)


@st.composite
def events(draw: st.DrawFn) -> Event:
    if draw(st.booleans()):
        start = draw(days)
        end = start + timedelta(days=draw(st.integers(min_value=1, max_value=30)))
    else:
        start = draw(instants)
        end = start + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
    return Event(
        subject=draw(texts),
        start=start,
        end=end,
        location=draw(texts),
        body=draw(bodies),
        show_as=draw(st.sampled_from(ShowAs)),
        private=draw(st.booleans()),
        reminder_minutes=draw(st.none() | st.integers(min_value=0, max_value=10_000)),
        attendees=draw(st.lists(emails, max_size=4)),
    )


@st.composite
def tasks(draw: st.DrawFn) -> Task:
    return Task(
        subject=draw(texts),
        due=draw(st.none() | days),
        status=draw(st.sampled_from(TaskStatus)),
        priority=draw(st.sampled_from(TaskPriority)),
        completed_at=draw(st.none() | instants),
        reminder_at=draw(st.none() | instants),
        body=draw(bodies),
        private=draw(st.booleans()),
    )


# (series: recurring events in awkward zones with cancelled and moved occurrences, recurring tasks)
records = st.one_of(contacts(), events(), tasks(), series_records())


def exact(record: object) -> tuple:
    """A record as a tuple that compares EVERYTHING: Body text/html/rtf (Body.__eq__ only compares normalized
    text) and the tzinfo/utcoffset of datetimes."""
    out: list[object] = [type(record).__name__]
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, Body):
            value = ("Body", value.text, value.html, value.rtf)
        elif isinstance(value, datetime):
            value = ("datetime", value, value.utcoffset())
        elif isinstance(value, date):
            value = ("date", value)
        out.append((field.name, type(value).__name__, value))
    return tuple(out)


@pytest.fixture(scope="session")
def core() -> types.SimpleNamespace:
    return types.SimpleNamespace(
        texts=texts, emails=emails, days=days, instants=instants, bodies=bodies,
        contacts=contacts(), events=events(), tasks=tasks(), records=records, exact=exact, series=series_records(),
    )
