"""Fake-only behaviour: counters, guard modes, user helpers, clock, documented misbehaviours.

These cannot run against real Outlook (the guard cannot be forced, real Outlook has no counters), so they
use FakeOutlook directly.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncore_outlook import constants as C
from syncore_outlook.fake import FakeClock, FakeComError, FakeOutlook

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def fake():
    return FakeOutlook(local_zone="Europe/Berlin")


@pytest.fixture
def ns(fake):
    return fake.application.Session


def _scan(ns, kind=C.olFolderCalendar):
    table = ns.GetDefaultFolder(kind).GetTable()
    table.Columns.RemoveAll()
    for column in ("EntryID", C.PR_LAST_MODIFICATION_TIME, C.PID_GLOBAL_OBJECT_ID):
        table.Columns.Add(column)
    return table.GetArray(1000)


def test_table_scan_opens_no_items_and_reads_no_properties(fake, ns):
    for i in range(3):
        fake.user_create("calendar", Subject=f"e{i}", Start=datetime(2026, 11, 25, 9 + i, tzinfo=BERLIN),
                         End=datetime(2026, 11, 25, 10 + i, tzinfo=BERLIN), Body="secret")
    fake.reset_counters()
    rows = _scan(ns)
    assert len(rows) == 3
    assert fake.item_opens == 0
    assert fake.access_count() == 0
    assert fake.calls["GetTable"] == 1 and fake.calls["Table.GetArray"] == 1


def test_counters_track_opens_property_reads_and_saves(fake, ns):
    eid = fake.user_create("calendar", Subject="x", Start=datetime(2026, 11, 25, 9, tzinfo=BERLIN),
                           End=datetime(2026, 11, 25, 10, tzinfo=BERLIN))
    assert fake.item_opens == 0 and fake.saves == 0  # helpers are invisible to counters
    item = ns.GetItemFromID(eid)
    item.Subject  # noqa: B018
    item.Subject  # noqa: B018
    item.Body  # noqa: B018
    item.Save()
    list(ns.GetDefaultFolder(C.olFolderCalendar).Items)
    assert fake.item_opens == 2
    assert fake.access_count(eid, "Subject") == 2
    assert fake.access_count(prop="Body") == 1
    assert fake.access_count(eid) == 3
    assert fake.saves == 1


def test_guard_deny_raises_mapi_e_not_supported(ns):
    fake = FakeOutlook(guard="deny")
    ns = fake.application.Session
    eid = fake.user_create("contacts", FirstName="A", LastName="B", Email1Address="a@example.com", Body="b")
    contact = ns.GetItemFromID(eid)
    assert contact.LastName == "B"  # unguarded
    for member in ("Body", "RTFBody", "Email1Address", "PropertyAccessor"):
        with pytest.raises(FakeComError) as info:
            getattr(contact, member)
        assert info.value.hresult == C.DISP_E_EXCEPTION
        assert info.value.excepinfo[5] == C.MAPI_E_NOT_SUPPORTED
    table = ns.GetDefaultFolder(C.olFolderContacts).GetTable()
    with pytest.raises(FakeComError):
        table.Columns.Add("EntryID")
    assert fake.guard_denials == 5
    fake.guard = "allow"
    assert contact.Body == "b"


def test_guard_callable_per_member():
    fake = FakeOutlook(guard=lambda member: member != "RequiredAttendees")
    eid = fake.user_create("calendar", Subject="m", RequiredAttendees="a@example.com",
                           Start=datetime(2026, 11, 25, 9, tzinfo=BERLIN),
                           End=datetime(2026, 11, 25, 10, tzinfo=BERLIN), Body="ok")
    item = fake.application.Session.GetItemFromID(eid)
    assert item.Body == "ok"
    with pytest.raises(FakeComError):
        item.RequiredAttendees  # noqa: B018


def test_pywin32_write_of_naive_datetime_is_shifted(fake, ns):
    item = ns.GetDefaultFolder(C.olFolderCalendar).Items.Add()
    item.Start = datetime(2026, 7, 1, 10, 0)  # naive = system local (Berlin, CEST)
    assert item.Start == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_jet_filter_with_seconds_matches_nothing(fake, ns):
    fake.user_create("calendar", Subject="x", Start=datetime(2026, 11, 25, 9, tzinfo=BERLIN),
                     End=datetime(2026, 11, 25, 10, tzinfo=BERLIN))
    items = ns.GetDefaultFolder(C.olFolderCalendar).Items
    assert items.Restrict("[Start] >= '11/24/2026 10:00 AM'").Count == 1
    assert items.Restrict("[Start] >= '11/24/2026 10:00:00 AM'").Count == 0


def test_jet_compares_at_minute_granularity(fake, ns):
    fake.user_create("calendar", Subject="x", Start=datetime(2026, 11, 25, 9, 0, 40, tzinfo=BERLIN),
                     End=datetime(2026, 11, 25, 10, tzinfo=BERLIN))
    items = ns.GetDefaultFolder(C.olFolderCalendar).Items
    assert items.Restrict("[Start] <= '11/25/2026 9:00 AM'").Count == 1


def test_endless_series_expansion_is_infinite_and_count_undefined(fake, ns):
    fake.user_create("calendar", Subject="weekly", Start=datetime(2026, 11, 2, 9, tzinfo=BERLIN),
                     End=datetime(2026, 11, 2, 10, tzinfo=BERLIN),
                     Recurrence={"RecurrenceType": C.olRecursWeekly, "DayOfWeekMask": C.olMonday})
    items = ns.GetDefaultFolder(C.olFolderCalendar).Items
    items.Sort("[Start]")
    items.IncludeRecurrences = True
    assert items.Count == 2147483647
    starts = [i.Start for i in itertools.islice(items, 60)]
    assert len(starts) == 60 and starts[-1].year == 2027
    bounded = items.Restrict("[Start] < '12/1/2026 12:00 AM'")
    assert [i.Start.day for i in bounded] == [2, 9, 16, 23, 30]


def test_sorting_on_other_property_disables_expansion(fake, ns):
    fake.user_create("calendar", Subject="daily", Start=datetime(2026, 11, 2, 9, tzinfo=BERLIN),
                     End=datetime(2026, 11, 2, 10, tzinfo=BERLIN),
                     Recurrence={"RecurrenceType": C.olRecursDaily, "Occurrences": 4})
    items = ns.GetDefaultFolder(C.olFolderCalendar).Items
    items.Sort("[Subject]")
    items.IncludeRecurrences = True
    assert items.Count == 1


def test_user_helpers_and_clock(fake, ns):
    fake.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    eid = fake.user_create("tasks", Subject="t", DueDate=date(2026, 12, 1))
    rec = fake.record(eid)
    assert rec.props["LastModificationTime"] == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    fake.clock.advance(hours=1)
    fake.user_edit(eid, Subject="t2")
    task = ns.GetItemFromID(eid)
    assert task.Subject == "t2"
    assert task.LastModificationTime == datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC)  # local, labelled UTC
    assert task.DueDate == datetime(2026, 12, 1, tzinfo=UTC)
    new_eid = fake.user_delete(eid)
    assert new_eid != eid and fake.entry_ids("deleted") == [new_eid]
    with pytest.raises(FakeComError) as info:
        ns.GetItemFromID(eid)
    assert info.value.excepinfo[5] == C.MAPI_E_NOT_FOUND


def test_set_formatted_body_gives_encapsulated_html_rtf(fake, ns):
    eid = fake.user_create("contacts", LastName="Fmt")
    fake.set_formatted_body(eid, "<p>Hello <b>world</b></p><p>Second</p>")
    contact = ns.GetItemFromID(eid)
    assert b"\\fromhtml1" in contact.RTFBody and b"\\b" in contact.RTFBody
    assert contact.Body == "Hello world\r\nSecond"
    contact.Body = "Hello world"
    assert b"\\fromhtml1" not in contact.RTFBody and b"\\b" not in contact.RTFBody


def test_user_properties_from_helper_are_folder_fields(fake, ns):
    eid = fake.user_create("contacts", LastName="S", UserProperties={"SalesforceId": "003X"})
    contacts = ns.GetDefaultFolder(C.olFolderContacts)
    hits = list(contacts.Items.Restrict("[SalesforceId] = '003X'"))
    assert [h.EntryID for h in hits] == [eid]
    table = contacts.GetTable()
    table.Columns.Add("SalesforceId")
    table.Columns.Add(C.PS_PUBLIC_STRINGS + "SalesforceId")
    row = table.GetArray(10)[0]
    assert row[-2:] == ("003X", "003X")


def test_property_accessor_write_is_not_a_user_property(fake, ns):
    eid = fake.user_create("contacts", LastName="PA")
    item = ns.GetItemFromID(eid)
    item.PropertyAccessor.SetProperty(C.PS_PUBLIC_STRINGS + "SalesforceId", "003Y")
    item.Save()
    again = ns.GetItemFromID(eid)
    assert again.UserProperties.Find("SalesforceId") is None
    assert again.PropertyAccessor.GetProperty(C.PS_PUBLIC_STRINGS + "SalesforceId") == "003Y"


def test_all_day_helper_and_dates(fake, ns):
    eid = fake.user_create("calendar", Subject="holiday", Start=date(2026, 12, 24), End=date(2026, 12, 26),
                           AllDayEvent=True)
    item = ns.GetItemFromID(eid)
    assert (item.Start, item.End) == (datetime(2026, 12, 24, tzinfo=UTC), datetime(2026, 12, 26, tzinfo=UTC))
    assert item.StartUTC == datetime(2026, 12, 23, 23, tzinfo=UTC)


def test_move_changes_entry_id_keeps_global_id(fake, ns):
    cal = ns.GetDefaultFolder(C.olFolderCalendar)
    sub = cal.Folders.Add("Sub", C.olFolderCalendar)
    eid = fake.user_create("calendar", Subject="m", Start=datetime(2026, 11, 25, 9, tzinfo=BERLIN),
                           End=datetime(2026, 11, 25, 10, tzinfo=BERLIN))
    item = ns.GetItemFromID(eid)
    goid = item.GlobalAppointmentID
    moved = item.Move(sub)
    assert moved.EntryID != eid and moved.GlobalAppointmentID == goid
    assert moved.Parent == sub


def test_clock_ticks_between_saves():
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC), tick=timedelta(seconds=5))
    fake = FakeOutlook(clock=clock)
    a = fake.user_create("tasks", Subject="a")
    b = fake.user_create("tasks", Subject="b")
    delta = fake.record(b).props["LastModificationTime"] - fake.record(a).props["LastModificationTime"]
    assert delta == timedelta(seconds=5)


def test_send_is_refused(fake, ns):
    item = ns.GetDefaultFolder(C.olFolderCalendar).Items.Add()
    with pytest.raises(AssertionError):
        item.Send()


def test_unknown_property_set_raises_attribute_error(fake, ns):
    item = ns.GetDefaultFolder(C.olFolderTasks).Items.Add()
    with pytest.raises(AttributeError):
        item.BodyFormat = 2


def test_injected_errors(fake, ns):
    eid = fake.user_create("tasks", Subject="busy")
    fake.inject_error("GetItemFromID", times=2)
    for _ in range(2):
        with pytest.raises(FakeComError) as info:
            ns.GetItemFromID(eid)
        assert info.value.hresult == C.RPC_E_CALL_REJECTED
    assert ns.GetItemFromID(eid).Subject == "busy"
    assert fake.calls["GetItemFromID"] == 3
    item = ns.GetItemFromID(eid)
    fake.inject_error("Save", RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        item.Save()
    assert fake.saves == 0


def test_exchange_contact_smtp_through_named_property(fake, ns):
    dn = "/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=ada"
    eid = fake.user_create("contacts", LastName="Ex", Email1Address=dn, Email1AddressType="EX",
                           Email1SmtpAddress="ada@example.com")
    contact = ns.GetItemFromID(eid)
    assert contact.Email1AddressType == "EX" and contact.Email1Address == dn
    assert contact.PropertyAccessor.GetProperty(C.PID_EMAIL1_SMTP) == "ada@example.com"


def test_user_respond_changes_entry_id_only(fake, ns):
    eid = fake.user_create("calendar", Subject="invite", Start=datetime(2026, 11, 25, 9, tzinfo=BERLIN),
                           End=datetime(2026, 11, 25, 10, tzinfo=BERLIN))
    goid = fake.record(eid).global_object_id
    new_eid = fake.user_respond(eid)
    assert new_eid != eid and fake.record(new_eid).global_object_id == goid
    assert fake.entry_ids("calendar") == [new_eid]
