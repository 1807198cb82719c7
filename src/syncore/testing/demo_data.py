"""The demo's sample week: meetings, contacts and tasks on the Outlook side, the Salesforce side, and both.

Used by ``syncore demo``, ``syncore emulators`` and :class:`~syncore.testing.DemoFileAdapter`; the records that
start on both sides show the first sync pairing them instead of copying them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from ..abc import Adapter
from ..models import Body, Contact, Event, Kind, Record, Task, TaskPriority
from ..remote import CreateRequest
from ..timezones import FoldPolicy, GapPolicy, local_to_utc

FORMATTED_AGENDA = (
    "<html><body><p><b>Agenda</b></p><ul><li>Pipeline by stage</li><li><i>Deals at risk</i></li>"
    "<li>Next steps</li></ul><p>Dial-in: <a href='https://meet.example.com/pipeline'>meet.example.com</a></p>"
    "</body></html>"
)


@attrs.frozen(kw_only=True)
class SampleData:
    """Records to seed: on the Outlook side only, on the Salesforce side only, and on both."""

    pim_only: tuple[Record, ...]
    crm_only: tuple[Record, ...]
    both: tuple[Record, ...]


def sample_data(today: date, zone_name: str = "UTC") -> SampleData:
    """A realistic working week starting on the Monday of ``today``'s week, in ``zone_name`` local time."""
    monday = today - timedelta(days=today.weekday())

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        wall = datetime.combine(monday + timedelta(days=day), time(hour, minute))
        return local_to_utc(wall, zone_name, on_gap=GapPolicy.SHIFT_FORWARD, on_fold=FoldPolicy.EARLIER)

    def meeting(subject: str, day: int, hour: int, minutes: int = 60, minute: int = 0, **extra: Any) -> Event:
        start = at(day, hour, minute)
        return Event(subject=subject, start=start, end=start + timedelta(minutes=minutes), **extra)

    pim_only = (
        meeting("Weekly pipeline review", 0, 9, 60, location="Room 4.12",
                body=Body(html=FORMATTED_AGENDA), attendees=("dana@example.com", "ada@example.com")),
        meeting("Lunch with Acme", 1, 12, 90, location="Trattoria Roma"),
        Event(subject="Quarterly planning offsite", start=monday + timedelta(days=2),
              end=monday + timedelta(days=3), location="Lakeside Hotel"),
        meeting("1:1 with Dana", 3, 15, 30),
        meeting("Dentist", 4, 8, 45, private=True),
        Contact(first_name="Dana", last_name="Scully", email="dana@example.com", company="Acme Corp",
                title="Head of Procurement", phone="+1 202 555 0143"),
        Contact(first_name="Grace", last_name="Hopper", email="grace@example.com", company="Initech"),
        Task(subject="Send proposal to Acme", due=monday + timedelta(days=2), priority=TaskPriority.HIGH),
    )
    crm_only = (
        meeting("Product demo for Globex", 3, 10, 60, location="Globex HQ"),
        meeting("Contract call - Initech", 4, 14, 30),
        Contact(first_name="Fox", last_name="Mulder", email="fox@globex.example", company="Globex",
                mobile_phone="+1 202 555 0199"),
        Task(subject="Follow up with Globex", due=monday + timedelta(days=4)),
    )
    both = (
        meeting("Team standup", 0, 10, 15),
        meeting("Board prep", 2, 16, 60, location="Boardroom"),
        Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com", company="Analytical Engines"),
        Task(subject="Prepare QBR deck", due=monday + timedelta(days=3)),
    )
    return SampleData(pim_only=pim_only, crm_only=crm_only, both=both)


def seed(adapter: Adapter, records: Sequence[Record]) -> None:
    """Create ``records`` on ``adapter`` through its ordinary batch interface.

    :raises AdapterError: the first record the adapter refused
    """
    for kind in Kind:
        batch = [CreateRequest(ref=str(n), record=r) for n, r in enumerate(records) if r.kind is kind]
        for outcome in adapter.create(kind, batch) if batch else []:
            if outcome.error is not None:
                raise outcome.error
