"""Lean reading (syncore_exchange._lean) against exchangelib's own models, field by field, over the emulator.

The read path (feeds, fetches, link lookups) reads GetItem/SyncFolderItems answers with small per-field readers
instead of building exchangelib models (issue 18: most of a first sync's CPU). What it hands the mapping must
be what exchangelib's parsers hand out for every field syncore asks for; the write path still reads models.
Recurring masters (Recurrence, ModifiedOccurrences, DeletedOccurrences, StartTimeZone), their exceptions
(OriginalStart) and recurring tasks are held side by side too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone, HTMLBody
from exchangelib.items import CalendarItem
from exchangelib.items import Task as EwsTask
from exchangelib.properties import EWSElement, ItemId
from exchangelib.recurrence import DailyPattern, DailyRegeneration, Recurrence, TaskRecurrence, WeeklyPattern

from syncore.models import Kind
from syncore_exchange import _lean
from syncore_exchange._ews import EXCEPTION_FIELDS, READ_FIELDS, SYNC_FIELDS
from syncore_exchange._read import get_items, read_exceptions, read_items, read_records, to_remote
from syncore_exchange._sync import MAX_CHANGES_RETURNED

LINK = {"SyncoreLink": "003000000000001AAA"}


def _contacts(emu) -> None:
    emu.create_item(folder="contacts", fields={
        "GivenName": "Ada", "Surname": "Lovelace", "DisplayName": "Ada Lovelace", "CompanyName": "Engines",
        "JobTitle": "Analyst", "Department": "Research", "Birthday": date(1815, 12, 10),
        "EmailAddresses": {"EmailAddress1": "ada@example.com", "EmailAddress2": "a@example.org"},
        "PhoneNumbers": {"BusinessPhone": "+44 1", "MobilePhone": "+44 2", "HomePhone": "+44 3"},
        "PhysicalAddresses": {"Business": {"Street": "1 Main St", "City": "London", "CountryOrRegion": "UK"},
                              "Home": {"City": "Oxford", "PostalCode": "OX1"}},
        "Body": ("HTML", "<p>Met at <b>the</b> fair</p>"), "ExtendedProperty": LINK,
    })
    emu.create_item(folder="contacts", fields={"Surname": "Bare"})
    emu.create_item(folder="contacts", fields={"GivenName": "Text", "Surname": "Body", "Body": ("Text", "plain\nnote"),
                                               "EmailAddresses": {"EmailAddress1": "t@example.com"}})


def _events(emu) -> None:
    berlin = "W. Europe Standard Time"
    start = datetime(2031, 3, 3, 9, 30, tzinfo=UTC)
    emu.create_item(folder="calendar", fields={
        "Subject": "Review", "Start": start, "End": start + timedelta(hours=1), "Location": "Room 1",
        "LegacyFreeBusyStatus": "Tentative", "Sensitivity": "Private", "ReminderIsSet": True,
        "ReminderMinutesBeforeStart": 30, "RequiredAttendees": ["a@example.com", "b@example.com"],
        "StartTimeZone": berlin, "EndTimeZone": "Pacific Standard Time", "Body": ("HTML", "<p>agenda</p>"),
        "ExtendedProperty": LINK,
    })
    # all-day events in Berlin, the last day before and after the spring-forward night (2031-03-30 is 23 hours)
    for first, last in ((date(2031, 3, 29), date(2031, 3, 30)), (date(2031, 3, 30), date(2031, 3, 31)),
                        (date(2031, 3, 28), date(2031, 4, 1))):
        emu.create_item(folder="calendar", fields={
            "Subject": f"all day {first}", "IsAllDayEvent": True, "StartTimeZone": berlin, "EndTimeZone": berlin,
            "Start": datetime(first.year, first.month, first.day), "End": datetime(last.year, last.month, last.day),
        })
    emu.create_item(folder="calendar", fields={"Subject": "", "Start": start, "End": start})


def _tasks(emu) -> None:
    emu.create_item(folder="tasks", fields={
        "Subject": "Call back", "DueDate": date(2031, 5, 1), "Status": "InProgress", "PercentComplete": 40,
        "Importance": "High", "ReminderIsSet": True, "ReminderDueBy": datetime(2031, 4, 30, 8, tzinfo=UTC),
        "Sensitivity": "Confidential", "Body": ("Text", "notes"), "ExtendedProperty": LINK,
    })
    emu.create_item(folder="tasks", fields={"Subject": "Done", "Status": "Completed"})
    emu.create_item(folder="tasks", fields={"Subject": "Bare"})
    # recurring tasks: a fixed weekly schedule and a regenerating one (TaskRecurrence, by exchangelib's parser)
    account = emu.account(default_timezone=BERLIN)
    EwsTask(account=account, folder=account.tasks, subject="Weekly report", due_date=EWSDate(2031, 3, 7),
            recurrence=TaskRecurrence(pattern=WeeklyPattern(interval=1, weekdays=[5]), start=EWSDate(2031, 3, 7),
                                      number=10)).save()
    EwsTask(account=account, folder=account.tasks, subject="Water plants", due_date=EWSDate(2031, 3, 7),
            recurrence=TaskRecurrence(pattern=DailyRegeneration(interval=3), start=EWSDate(2031, 3, 7))).save()


BERLIN = EWSTimeZone("Europe/Berlin")
#: the weekly series' occurrences moved (3rd) and cancelled (5th, after the spring-forward night), in UTC
MOVED, CANCELLED = datetime(2031, 3, 18, 8, tzinfo=UTC), datetime(2031, 4, 1, 7, tzinfo=UTC)


def _series(emu) -> None:
    """Recurring masters: Tuesdays 09:00 Berlin with one occurrence moved and retitled by another client and one
    cancelled, and an all-day series every other day up to an end date."""
    account = emu.account(default_timezone=BERLIN)
    weekly = CalendarItem(
        account=account, folder=account.calendar, subject="1:1", location="Room 2", body=HTMLBody("<p>notes</p>"),
        start=EWSDateTime(2031, 3, 4, 9, tzinfo=BERLIN), end=EWSDateTime(2031, 3, 4, 10, tzinfo=BERLIN),
        recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[2]), start=EWSDate(2031, 3, 4), number=8))
    weekly.save()
    emu.update_occurrence(weekly.id, MOVED, {"Subject": "1:1 moved", "Location": "Room 9",
                                             "Start": MOVED + timedelta(hours=2), "End": MOVED + timedelta(hours=3)})
    emu.delete_occurrence(weekly.id, CANCELLED)
    CalendarItem(
        account=account, folder=account.calendar, subject="Fair", is_all_day=True,
        start=EWSDate(2031, 3, 28), end=EWSDate(2031, 3, 28),  # (exchangelib's all-day end is inclusive)
        recurrence=Recurrence(pattern=DailyPattern(interval=2), start=EWSDate(2031, 3, 28),
                              end=EWSDate(2031, 4, 5))).save()


#: the attributes compared of exchangelib's element values (the views carry the same names)
_ENTRY_FIELDS = {"EmailAddress": ("label", "email"), "PhoneNumber": ("label", "phone_number"),
                 "PhysicalAddress": ("label", "street", "city", "state", "country", "zipcode"),
                 "ParentFolderId": ("id", "changekey"), "Mailbox": ("name", "email_address", "routing_type",
                                                                    "mailbox_type"),
                 "Attendee": ("mailbox", "response_type")}


def _plain(value):
    """A value reduced to what exchangelib's models and the views must agree on."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return ("instant", value.replace(tzinfo=None) - value.utcoffset())  # (EWSDateTime refuses datetime.UTC)
    if isinstance(value, date):
        return ("date", date(value.year, value.month, value.day))
    if type(value).__name__ in ("Body", "HTMLBody"):
        return (type(value).__name__, str(value))
    if type(value).__name__ == "EWSTimeZone":
        return ("zone", value.key)
    if isinstance(value, (str, bool, int, Decimal)) or value is None:
        return value
    name = type(value).__name__
    if name in _ENTRY_FIELDS:
        return tuple(_plain(getattr(value, part)) for part in _ENTRY_FIELDS[name])
    # a recurrence, its pattern and boundary, an occurrence or a deleted occurrence: field by field
    assert isinstance(value, EWSElement), value
    return (name, tuple((f.name, _plain(getattr(value, f.name))) for f in value.FIELDS))


def _view_plain(view, like):
    """A view's value reduced like the model value ``like`` it stands for (views carry plain attributes)."""
    if isinstance(view, list):
        return [_view_plain(v, m) for v, m in zip(view, like, strict=True)]
    if type(like).__name__ in _ENTRY_FIELDS:
        return tuple(_view_plain(getattr(view, n), getattr(like, n)) for n in _ENTRY_FIELDS[type(like).__name__])
    return _plain(view)


@pytest.mark.parametrize(("kind", "fill"), [(Kind.CONTACT, _contacts), (Kind.EVENT, _events), (Kind.EVENT, _series),
                                            (Kind.TASK, _tasks)])
def test_views_hold_what_exchangelib_models_hold(emu, adapter, kind, fill):
    fill(emu)
    folder = adapter.folder(kind)
    account = adapter._account(kind)
    ids = [item["id"] for item in emu.items(folder={Kind.CONTACT: "contacts", Kind.EVENT: "calendar",
                                                     Kind.TASK: "tasks"}[kind])]
    views = {v.id: v for v in read_items(account, folder, kind, ids, adapter.throttle)}
    models = {m.id: m for m in get_items(account, folder, kind, ids, adapter.throttle)}  # all-day ends fixed
    assert set(views) == set(models) == set(ids)
    compared = 0
    for item_id, model in models.items():
        view = views[item_id]
        assert view.changekey == model.changekey
        for name in READ_FIELDS[kind]:
            expected = getattr(model, name)
            got = getattr(view, name)
            assert _view_plain(got, expected) == _plain(expected), (name, got, expected)
            compared += 1
    assert compared == len(ids) * len(READ_FIELDS[kind])


def test_all_day_ends_need_no_second_read_near_dst(emu, adapter):
    """The exact inclusive end comes from the first GetItem: no extra request for the spring-forward days."""
    _events(emu)
    folder = adapter.folder(Kind.EVENT)
    ids = [item["id"] for item in emu.items(folder="calendar")]
    emu.reset_log()
    views = read_items(adapter._account(Kind.EVENT), folder, Kind.EVENT, ids, adapter.throttle)
    assert emu.request_counts() == {"GetItem": 1}
    ends = {v.subject: v.end for v in views if v.is_all_day}
    # inclusive ends, as exchangelib hands them out (the mapping adds the day back)
    assert ends == {"all day 2031-03-29": date(2031, 3, 29), "all day 2031-03-30": date(2031, 3, 30),
                    "all day 2031-03-28": date(2031, 3, 31)}


def test_feed_views_carry_the_cheap_fields_and_deletions(emu, adapter):
    _events(emu)
    folder = adapter.folder(Kind.EVENT)
    account = adapter._account(Kind.EVENT)
    changes, state = _lean.sync_changes(account, folder, SYNC_FIELDS[Kind.EVENT], None, MAX_CHANGES_RETURNED)
    assert [c for c, _ in changes] == ["create"] * 5
    models = {i.id: i for _, i in folder.sync_items(sync_state=None, only_fields=SYNC_FIELDS[Kind.EVENT])}
    for _, view in changes:
        for name in SYNC_FIELDS[Kind.EVENT]:
            assert _plain(getattr(view, name)) == _plain(getattr(models[view.id], name)), name
    gone = changes[0][1].id
    emu.delete_item(gone)
    later, _ = _lean.sync_changes(account, folder, SYNC_FIELDS[Kind.EVENT], state, MAX_CHANGES_RETURNED)
    assert [(c, v.id) for c, v in later] == [("delete", gone)]


def test_series_views_carry_their_recurrence_and_occurrences(emu, adapter):
    """The master's series fields are really there (not None on both sides of the comparison above)."""
    _series(emu)
    folder = adapter.folder(Kind.EVENT)
    ids = [item["id"] for item in emu.items(folder="calendar")]
    views = {v.subject: v for v in read_items(adapter._account(Kind.EVENT), folder, Kind.EVENT, ids, adapter.throttle)}
    weekly, fair = views["1:1"], views["Fair"]
    assert type(weekly.recurrence.pattern).__name__ == "WeeklyPattern" and weekly.recurrence.boundary.number == 8
    assert [o.original_start for o in weekly.modified_occurrences] == [MOVED]
    assert [o.start for o in weekly.modified_occurrences] == [MOVED + timedelta(hours=2)]
    assert [o.start for o in weekly.deleted_occurrences] == [CANCELLED]
    assert weekly._start_timezone.key == "Europe/Berlin"
    assert (fair.is_all_day, fair.start, fair.end) == (True, date(2031, 3, 28), date(2031, 3, 28))
    assert type(fair.recurrence.boundary).__name__ == "EndDatePattern"


def test_exception_views_hold_what_exchangelib_models_hold(emu, adapter):
    """A series' exceptions are read lean too, in one GetItem, with the fields exchangelib's models hold."""
    _series(emu)
    folder = adapter.folder(Kind.EVENT)
    account = adapter._account(Kind.EVENT)
    ids = [item["id"] for item in emu.items(folder="calendar")]
    masters = read_items(account, folder, Kind.EVENT, ids, adapter.throttle)
    emu.reset_log()
    views = read_exceptions(account, folder, masters, adapter.throttle)
    assert emu.request_counts() == {"GetItem": 1}
    models = {m.id: m for m in account.fetch([ItemId(id=i) for i in views], only_fields=EXCEPTION_FIELDS)}
    assert len(views) == 1 and set(views) == set(models)
    for item_id, model in models.items():
        view = views[item_id]
        for name in EXCEPTION_FIELDS:
            expected = getattr(model, name)
            assert _view_plain(getattr(view, name), expected) == _plain(expected), name
        assert (view.subject, view.original_start, view.type) == ("1:1 moved", MOVED, "Exception")


def test_series_read_lean_are_the_series_read_from_models(emu, adapter):
    """The records the read path makes of masters and exceptions are those exchangelib's models give."""
    _series(emu)
    folder = adapter.folder(Kind.EVENT)
    account = adapter._account(Kind.EVENT)
    ids = [item["id"] for item in emu.items(folder="calendar")]
    records, unsupported = read_records(account, folder, Kind.EVENT, ids, adapter.throttle)
    assert unsupported == []
    masters = get_items(account, folder, Kind.EVENT, ids, adapter.throttle)
    exception_ids = [o.id for m in masters for o in m.modified_occurrences or ()]
    exceptions = {m.id: m for m in account.fetch([ItemId(id=i) for i in exception_ids], only_fields=EXCEPTION_FIELDS)}
    expected = {m.id: to_remote(Kind.EVENT, m, exceptions) for m in masters}
    assert {r.id: r for r in records} == expected
    weekly = next(r.record for r in records if r.record.subject == "1:1")
    assert weekly.recurrence.exdates == (CANCELLED,)
    (moved,) = weekly.recurrence.overrides
    assert (moved.original_start, moved.start, moved.end, moved.subject, moved.location) == (
        MOVED, MOVED + timedelta(hours=2), MOVED + timedelta(hours=3), "1:1 moved", "Room 9")
