"""Recurring event series through the Salesforce adapter (option ``series``, on by default) against the emulator.

Reading: a Lightning series (series record + occurrences) and a classic series (main record + children) are each
one syncore Event with its rule, zone, cancelled and modified occurrences, read with O(1) queries. End to end:
MemoryAdapter (PIM, holds rules) <-> Salesforce through SyncEngine: a series written as O(1) requests, 09:00
Berlin on both sides of the spring DST change, and a second sync writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sfadapter_support import Sleeps

from syncore import SyncEngine
from syncore.models import Event, Kind
from syncore.recurrence import Recurrence
from syncore.remote import RecurrenceSupport
from syncore.series import Series
from syncore.settings import ConflictPolicy, SyncSettings
from syncore.state import SqliteStateStore
from syncore.testing import MemoryAdapter
from syncore_salesforce import SalesforceAdapter
from syncore_salesforce.emulator import SalesforceEmulator

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)
FIRST = datetime(2026, 3, 16, 9, tzinfo=BERLIN)  # a Monday; Berlin springs forward on Sunday 29 March 2026
WRITE_OPS = ("composite_create", "composite_update", "composite_delete", "composite_upsert", "sobject_create",
             "sobject_update", "sobject_delete", "upsert", "delete_from_this_event_onwards")


@pytest.fixture
def emu():
    with SalesforceEmulator(start_time=NOW) as server:
        yield server
        assert server.errors == [], server.errors[0] if server.errors else ""


def adapter(emu, **options) -> SalesforceAdapter:
    return SalesforceAdapter(emu.client(), clock=emu.clock.now, sleep=Sleeps(), series=True, **options)


def wire(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def lightning(emu, count=6, **extra) -> str:
    """A Lightning series made by another user's client (trusted insert); returns its series record's id."""
    emu.insert("Event", {"Subject": "1:1", "StartDateTime": wire(FIRST),
                         "EndDateTime": wire(FIRST + timedelta(minutes=30)), "OwnerId": emu.user_id,
                         "Recurrence2PatternText": f"FREQ=WEEKLY;BYDAY=MO;COUNT={count}",
                         "Recurrence2PatternTimeZone": "Europe/Berlin", **extra})
    return next(r["Id"] for r in emu.all("Event") if r["GroupEventType"] == "3")


def classic(emu, end="2026-04-20") -> str:
    return emu.insert("Event", {"Subject": "classic 1:1", "StartDateTime": wire(FIRST), "DurationInMinutes": 30,
                                "OwnerId": emu.user_id, "IsRecurrence": True, "RecurrenceStartDateTime": wire(FIRST),
                                "RecurrenceEndDateOnly": end, "RecurrenceType": "RecursWeekly",
                                "RecurrenceInterval": 1, "RecurrenceDayOfWeekMask": 2,
                                "RecurrenceTimeZoneSidKey": "Europe/Berlin"})


def local(value: str) -> datetime:
    """A wire datetime in Berlin time."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(BERLIN)


def local_starts(event: Event) -> list[str]:
    """Local starts of the occurrences that take place (cancelled ones left out)."""
    return [key.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for key in Series(event).starts()
            if key not in event.recurrence.exdates]


MONDAYS = ["2026-03-16 09:00", "2026-03-23 09:00", "2026-03-30 09:00", "2026-04-06 09:00", "2026-04-13 09:00",
           "2026-04-20 09:00"]


# -- reading -------------------------------------------------------------------------------------------------


def test_series_are_on_by_default_and_can_be_turned_off(emu):
    assert SalesforceAdapter(emu.client(), clock=emu.clock.now).capabilities.recurrence is RecurrenceSupport.RULES
    off = SalesforceAdapter(emu.client(), clock=emu.clock.now, series=False)
    assert off.capabilities.recurrence is RecurrenceSupport.NONE
    lightning(emu)
    scan = off.full_scan(Kind.EVENT)
    assert scan.upserts == () and len(scan.unsupported) == 7  # every row reported, as before


def test_a_row_that_cannot_be_synced_is_reported_by_its_subject_never_its_id(emu):
    lightning(emu)
    off = SalesforceAdapter(emu.client(), clock=emu.clock.now, sleep=Sleeps(), series=False)
    assert {u.label for u in off.full_scan(Kind.EVENT).unsupported} == {"event series '1:1'"}
    pim = MemoryAdapter(name="pim", recurrence=RecurrenceSupport.RULES, clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=off, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=emu.clock.now)
    result = engine.sync(Kind.EVENT)
    assert len(result.skipped) == 7
    assert all(message.startswith("crm event series '1:1': ") for message in result.skipped), result.skipped


def test_a_lightning_series_reads_as_one_event_with_its_rule(emu):
    series_id = lightning(emu)
    emu.reset_log()
    scan = adapter(emu).full_scan(Kind.EVENT)
    assert scan.unsupported == ()
    [item] = scan.upserts
    assert item.id == series_id
    event = item.record
    assert event.recurrence.zone == "Europe/Berlin"
    assert event.recurrence.exdates == () and event.recurrence.overrides == ()
    assert local_starts(event) == MONDAYS
    assert event.end - event.start == timedelta(minutes=30)
    # the scan and one query for the series' rows: O(1) in the number of occurrences
    assert [e.operation for e in emu.requests if e.operation in ("query", "queryAll", "query_more", "composite")] in (
        ["query", "query"], ["composite", "query"])


def test_a_classic_series_reads_as_one_event_with_its_rule(emu):
    main_id = classic(emu)
    [item] = adapter(emu).full_scan(Kind.EVENT).upserts
    assert item.id == main_id
    assert item.record.recurrence.zone == "Europe/Berlin"
    assert local_starts(item.record) == MONDAYS


def test_deleted_and_edited_occurrences_read_as_exdates_and_overrides(emu):
    lightning(emu)
    rows = sorted((r for r in emu.all("Event") if r["GroupEventType"] != "3"), key=lambda r: r["StartDateTime"])
    emu.delete("Event", rows[2]["Id"])
    moved = FIRST + timedelta(days=7, hours=2)
    emu.update("Event", rows[1]["Id"], {"Subject": "1:1 (moved)", "StartDateTime": wire(moved),
                                        "EndDateTime": wire(moved + timedelta(minutes=30))})
    [item] = adapter(emu).full_scan(Kind.EVENT).upserts
    recurrence = item.record.recurrence
    assert recurrence.exdates == ((FIRST + timedelta(days=14)).astimezone(UTC),)
    [override] = recurrence.overrides
    assert override.original_start == (FIRST + timedelta(days=7)).astimezone(UTC)
    assert override.subject == "1:1 (moved)" and override.start == moved


def test_critical_edit_keeps_the_series_id_and_its_content(emu):
    """Occurrence ids churn on a critical edit; the series is named by its series record, so it stays one."""
    series_id = lightning(emu)
    sf = adapter(emu)
    [before] = sf.full_scan(Kind.EVENT).upserts
    later = FIRST + timedelta(hours=1)
    emu.update("Event", series_id, {"StartDateTime": wire(later), "EndDateTime": wire(later + timedelta(minutes=30))})
    [after] = sf.full_scan(Kind.EVENT).upserts
    assert after.id == before.id == series_id
    assert [s.replace("09:00", "10:00") for s in MONDAYS] == local_starts(after.record)


# -- end to end ----------------------------------------------------------------------------------------------


class World:
    def __init__(self, emu, **options) -> None:
        self.emu = emu
        self.pim = MemoryAdapter(name="pim", recurrence=RecurrenceSupport.RULES, clock=emu.clock.now)
        self.crm = adapter(emu, **options)
        self.engine = SyncEngine(pim=self.pim, crm=self.crm, state=SqliteStateStore(":memory:"),
                                 settings=SyncSettings(conflict_policy=ConflictPolicy.PIM_WINS), clock=emu.clock.now)

    def sync(self):
        self.emu.clock.advance(1)
        result = self.engine.sync(Kind.EVENT)
        assert result.ok, result.errors
        return result

    def calm(self) -> None:
        """The next sync plans no write on either side."""
        self.emu.clock.advance(1)
        plan = self.engine.plan(Kind.EVENT)
        assert plan.operations == [], [(op.target, op.action, op.reason, op.fields) for op in plan.operations]

    def writes(self) -> list[str]:
        return [e.operation for e in self.emu.requests if e.operation in WRITE_OPS]


def weekly(count=6) -> Event:
    return Event(subject="1:1", location="Room 1", start=FIRST, end=FIRST + timedelta(minutes=30),
                 recurrence=Recurrence(rule=f"FREQ=WEEKLY;COUNT={count}", zone="Europe/Berlin"))


@pytest.mark.parametrize("form", ["lightning", "classic"])
def test_a_pim_series_reaches_salesforce_as_one_series_and_a_second_sync_writes_nothing(emu, form):
    w = World(emu, series_form=form)
    w.pim.put(weekly(count=20))
    emu.reset_log()
    w.sync()
    assert len(w.writes()) <= 3, w.writes()  # O(1): 20 occurrences, a handful of requests
    occurrences = [r for r in emu.all("Event") if r["GroupEventType"] != "3" and not r["IsRecurrence"]]
    assert len(occurrences) == 20
    starts = sorted(datetime.strptime(r["StartDateTime"], "%Y-%m-%dT%H:%M:%S.%f%z") for r in occurrences)
    assert {s.astimezone(BERLIN).strftime("%a %H:%M") for s in starts} == {"Mon 09:00"}
    assert starts[1].astimezone(UTC).hour == 8 and starts[2].astimezone(UTC).hour == 7  # across the DST change
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    assert len(w.pim.records(Kind.EVENT)) == 1


def test_a_salesforce_series_reaches_the_pim_as_one_series(emu):
    lightning(emu)
    w = World(emu)
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    assert event.recurrence is not None and local_starts(event) == MONDAYS
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    assert len(w.pim.records(Kind.EVENT)) == 1


def sf_occurrences(emu) -> list[dict]:
    rows = [r for r in emu.all("Event") if r["GroupEventType"] != "3" and not r["IsRecurrence"]]
    return sorted(rows, key=lambda r: r["StartDateTime"])


def key(n: int) -> datetime:
    """Original start of the n-th occurrence (0-based) of the weekly series, in UTC."""
    return (FIRST + timedelta(days=7 * n)).astimezone(UTC)


@pytest.mark.parametrize("form", ["lightning", "classic"])
def test_occurrence_moved_and_cancelled_in_the_pim_follow_in_salesforce(emu, form):
    w = World(emu, series_form=form)
    series_id = w.pim.put(weekly())
    w.sync()
    moved = FIRST + timedelta(days=7, hours=3)
    w.pim.edit_occurrence(series_id, key(1), start=moved, end=moved + timedelta(minutes=30), subject="moved")
    w.pim.cancel_occurrence(series_id, key(3))
    emu.reset_log()
    w.sync()
    assert len(w.writes()) <= 3, w.writes()
    rows = sf_occurrences(emu)
    assert len(rows) == 5
    assert [(r["Subject"], r["StartDateTime"]) for r in rows][1] == ("moved", wire(moved))
    assert wire(key(3)) not in {r["StartDateTime"] for r in rows}
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    [event] = w.pim.records(Kind.EVENT).values()
    assert event.recurrence.exdates == (key(3),) and len(event.recurrence.overrides) == 1


def test_shortening_a_series_in_the_pim_cuts_the_salesforce_series(emu):
    w = World(emu)
    series_id = w.pim.put(weekly(count=10))
    w.sync()
    event = w.pim.records(Kind.EVENT)[series_id]
    w.pim.edit(series_id, recurrence=Recurrence(rule="FREQ=WEEKLY;COUNT=4", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    assert len(w.writes()) <= 3, w.writes()
    assert [r["StartDateTime"] for r in sf_occurrences(emu)] == [wire(key(n)) for n in range(4)]
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []
    assert event.subject == w.pim.records(Kind.EVENT)[series_id].subject


@pytest.mark.parametrize("form", ["lightning", "classic"])
def test_deleting_the_series_in_the_pim_deletes_every_row_in_salesforce(emu, form):
    w = World(emu, series_form=form)
    series_id = w.pim.put(weekly())
    w.sync()
    w.pim.remove(series_id)
    emu.reset_log()
    w.sync()
    assert len(w.writes()) == 1, w.writes()
    assert emu.all("Event") == []


def test_occurrences_deleted_in_salesforce_reach_the_pim_as_cancellations(emu):
    lightning(emu)
    w = World(emu)
    w.sync()
    rows = sf_occurrences(emu)
    emu.delete("Event", rows[1]["Id"])  # one occurrence
    emu.delete_onwards(rows[4]["Id"])  # from this event onwards
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    assert local_starts(event) == [MONDAYS[0], MONDAYS[2], MONDAYS[3]]
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []


def test_a_critical_edit_in_salesforce_moves_the_pim_series_without_duplicates(emu):
    series_id = lightning(emu)
    w = World(emu)
    w.sync()
    later = FIRST + timedelta(hours=1)
    emu.update("Event", series_id, {"StartDateTime": wire(later), "EndDateTime": wire(later + timedelta(minutes=30))})
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    assert local_starts(event) == [s.replace("09:00", "10:00") for s in MONDAYS]
    w.calm()
    emu.reset_log()
    w.sync()
    assert w.writes() == []


@pytest.mark.parametrize(("form", "rule", "fits"), [
    ("classic", "FREQ=WEEKLY;COUNT=53", True),
    ("classic", "FREQ=WEEKLY;COUNT=54", False),  # classic Weekly holds 53 (Knowledge Article 000212481)
    ("classic", "FREQ=DAILY;COUNT=101", False),  # Daily 100
    ("classic", "FREQ=WEEKLY", False),  # no end: one record per occurrence
    ("lightning", "FREQ=WEEKLY;COUNT=54", True),
    ("lightning", "FREQ=YEARLY;INTERVAL=2;COUNT=3", False),  # Recurrence2: yearly INTERVAL is 1
    ("lightning", "FREQ=WEEKLY", False),
])
def test_unfit_reason_states_the_org_limits(emu, form, rule, fits):
    event = Event(subject="s", start=FIRST, end=FIRST + timedelta(minutes=30),
                  recurrence=Recurrence(rule=rule, zone="Europe/Berlin"))
    reason = adapter(emu, series_form=form).unfit_reason(event)
    assert (reason is None) is fits, reason


def test_auto_writes_classic_where_the_org_cannot_create_lightning_series():
    with SalesforceEmulator(start_time=NOW, api_version="51.0") as emu:
        w = World(emu)
        w.pim.put(weekly())
        w.sync()
        assert [r["IsRecurrence"] for r in emu.all("Event")].count(True) == 1
        assert {r["GroupEventType"] for r in emu.all("Event")} != {"3"}
        assert emu.errors == []


def test_a_new_lightning_rule_replaces_the_series_without_duplicates(emu):
    """Recurrence2PatternText is create-only: a rule change other than an earlier end makes a new series and
    deletes the old one."""
    w = World(emu)
    series_id = w.pim.put(weekly())
    w.sync()
    w.pim.edit(series_id, recurrence=Recurrence(rule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", zone="Europe/Berlin"))
    emu.reset_log()
    w.sync()
    assert len(w.writes()) <= 4, w.writes()
    assert len([r for r in emu.all("Event") if r["GroupEventType"] == "3"]) == 1
    starts = [local(r["StartDateTime"]) for r in sf_occurrences(emu)]
    assert [s.strftime("%a %H:%M") for s in starts] == ["Mon 09:00", "Wed 09:00"] * 3
    w.calm()


def test_a_series_classic_cannot_hold_is_written_as_the_windows_occurrences(emu):
    """unfit_series = expand (the default): 60 weekly occurrences are past classic's 53."""
    w = World(emu, series_form="classic")
    w.pim.put(weekly(count=60))
    w.sync()
    rows = emu.all("Event")
    assert rows and not any(r["IsRecurrence"] or r["RecurrenceActivityId"] for r in rows)
    assert {local(r["StartDateTime"]).strftime("%a %H:%M") for r in rows} == {"Mon 09:00"}
    assert len(rows) < 60  # only the sync window's
    w.calm()


def test_a_lost_reply_to_a_series_create_does_not_duplicate_it(emu):
    w = World(emu)
    w.pim.put(weekly())
    emu.faults.lose_replies(1, op="composite_create")
    emu.clock.advance(1)
    w.engine.sync(Kind.EVENT)
    w.sync()
    assert len([r for r in emu.all("Event") if r["GroupEventType"] == "3"]) == 1
    assert len(sf_occurrences(emu)) == 6
    w.calm()


def test_an_occurrence_edited_in_salesforce_reaches_the_pim_as_an_override(emu):
    lightning(emu)
    w = World(emu)
    w.sync()
    row = sf_occurrences(emu)[2]
    emu.update("Event", row["Id"], {"Subject": "1:1 at the customer", "Location": "Customer HQ"})
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    [override] = event.recurrence.overrides
    assert override.original_start == key(2) and override.subject == "1:1 at the customer"
    w.calm()



@pytest.mark.parametrize("form", ["lightning", "classic"])
def test_with_a_link_field_a_series_create_is_an_upsert_and_a_lost_reply_is_found_again(emu, form):
    emu.add_external_id("Event", "Syncore_Link__c")
    w = World(emu, series_form=form, link_field="Syncore_Link__c")
    w.pim.put(weekly())
    emu.faults.lose_replies(1)
    emu.clock.advance(1)
    w.engine.sync(Kind.EVENT)
    w.sync()
    patterns = [r for r in emu.all("Event") if r["GroupEventType"] == "3" or r["IsRecurrence"]]
    assert len(patterns) == 1 and patterns[0]["Syncore_Link__c"]
    assert len(sf_occurrences(emu)) == 6
    w.calm()


@pytest.mark.parametrize("form", ["lightning", "classic"])
@pytest.mark.parametrize("count", [2, 50])
def test_request_counts_of_a_series_do_not_grow_with_its_occurrences(emu, form, count):
    """A series of 2 or of 50 occurrences: one collections create, and the same few reads (sign-in resource
    list, the feed, the Event describe, one query for the series' rows)."""
    w = World(emu, series_form=form)
    w.pim.put(weekly(count=count))
    emu.reset_log()
    w.sync()
    assert w.writes() == ["composite_create"]
    assert len(emu.requests) == 5, [e.operation for e in emu.requests]
    series_id = next(iter(w.pim.records(Kind.EVENT)))
    w.pim.edit_occurrence(series_id, key(0), subject="moved")
    w.pim.cancel_occurrence(series_id, key(1))
    emu.reset_log()
    w.sync()
    # one update (the moved occurrence) and one delete (the cancelled one) in collections calls
    assert sorted(w.writes()) == ["composite_delete", "composite_update"], w.writes()


def test_a_classic_salesforce_series_reaches_the_pim_as_one_series_and_follows_a_new_pattern(emu):
    main_id = classic(emu)
    w = World(emu)
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    assert local_starts(event) == MONDAYS
    # a new time of day re-creates the children (new ids); the PIM series moves, still one series
    later = FIRST + timedelta(hours=1)
    emu.update("Event", main_id, {"StartDateTime": wire(later), "RecurrenceStartDateTime": wire(later)})
    w.sync()
    [event] = w.pim.records(Kind.EVENT).values()
    assert local_starts(event) == [s.replace("09:00", "10:00") for s in MONDAYS]
    w.calm()


# -- weeks start on Sunday -----------------------------------------------------------------------------------
#: Sunday 15 March 2026, 09:00 in Berlin
SUNDAY = datetime(2026, 3, 15, 9, tzinfo=BERLIN)


def test_a_classic_series_every_two_weeks_on_several_days_counts_its_weeks_from_sunday(emu):
    """A classic weekly pattern's weeks start on Sunday (the day mask starts there; Salesforce's stored RRULEs
    say WKST=SU): every 2 weeks on Sunday and Wednesday takes the Wednesday after each Sunday, not the one
    after the next."""
    main_id = emu.insert("Event", {
        "Subject": "fortnightly", "StartDateTime": wire(SUNDAY), "DurationInMinutes": 30,
        "OwnerId": emu.user_id,
        "IsRecurrence": True, "RecurrenceStartDateTime": wire(SUNDAY), "RecurrenceEndDateOnly": "2026-04-26",
        "RecurrenceType": "RecursWeekly", "RecurrenceInterval": 2, "RecurrenceDayOfWeekMask": 1 + 8,
        "RecurrenceTimeZoneSidKey": "Europe/Berlin"})
    [item] = adapter(emu).full_scan(Kind.EVENT).upserts
    assert item.id == main_id
    assert item.record.recurrence.exdates == () and item.record.recurrence.overrides == ()
    assert local_starts(item.record) == ["2026-03-15 09:00", "2026-03-18 09:00", "2026-03-29 09:00",
                                         "2026-04-01 09:00", "2026-04-12 09:00", "2026-04-15 09:00",
                                         "2026-04-26 09:00"]


@pytest.mark.parametrize(("first", "rule", "expected"), [
    # weeks from Monday or from Sunday take the same Monday and Wednesday: the classic pattern holds it
    (FIRST, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6",
     ["2026-03-16 09:00", "2026-03-18 09:00", "2026-03-30 09:00", "2026-04-01 09:00", "2026-04-13 09:00",
      "2026-04-15 09:00"]),
    (SUNDAY, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;WKST=SU;COUNT=7",
     ["2026-03-15 09:00", "2026-03-18 09:00", "2026-03-29 09:00", "2026-04-01 09:00", "2026-04-12 09:00",
      "2026-04-15 09:00", "2026-04-26 09:00"]),
])
def test_a_fortnightly_series_on_several_days_is_written_as_a_classic_series_on_the_same_days(
        emu, first, rule, expected):
    w = World(emu, series_form="classic")
    w.pim.put(Event(subject="fortnightly", start=first, end=first + timedelta(minutes=30),
                    recurrence=Recurrence(rule=rule, zone="Europe/Berlin")))
    w.sync()
    [main] = [r for r in emu.all("Event") if r["IsRecurrence"]]
    assert (main["RecurrenceType"], main["RecurrenceInterval"]) == ("RecursWeekly", 2)
    rows = sorted(local(r["StartDateTime"]).strftime("%Y-%m-%d %H:%M") for r in emu.all("Event")
                  if r["RecurrenceActivityId"] == main["Id"] and not r["IsRecurrence"])
    assert rows == expected
    w.calm()


def test_a_fortnightly_series_whose_weeks_start_on_monday_and_that_takes_sundays_is_not_a_classic_series(emu):
    """Every 2 weeks on Monday and Sunday, weeks from Monday: 16 and 22 March, 30 March and 5 April ... A
    classic pattern (weeks from Sunday) would give 16 and 29 March: the rule is refused and its occurrences
    are written as single events instead (unfit_series = expand)."""
    event = Event(subject="fortnightly", start=FIRST, end=FIRST + timedelta(minutes=30),
                  recurrence=Recurrence(rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;COUNT=6",
                                        zone="Europe/Berlin"))
    assert "weeks start on Sunday" in adapter(emu, series_form="classic").unfit_reason(event)
    w = World(emu, series_form="classic")
    w.pim.put(event)
    w.sync()
    rows = emu.all("Event")
    assert not any(r["IsRecurrence"] or r["RecurrenceActivityId"] for r in rows)
    assert sorted(local(r["StartDateTime"]).strftime("%Y-%m-%d %H:%M") for r in rows) == [
        "2026-03-16 09:00", "2026-03-22 09:00", "2026-03-30 09:00", "2026-04-05 09:00", "2026-04-13 09:00",
        "2026-04-19 09:00"]
    w.calm()
