"""The change feed: one queryAll per kind, deletions, overlap window, cursor expiry, paging, scope quoting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sfadapter_support import T0, make_adapter

from syncore.errors import CursorExpired
from syncore.models import Event, Kind
from syncore.remote import CreateRequest
from syncore_salesforce.converter import format_datetime as wire
from syncore_salesforce.emulator import SalesforceEmulator


def _insert_event(emu, n, **extra):
    start = T0 + timedelta(days=1, hours=n % 10)
    return emu.insert("Event", {"Subject": f"Event {n}", "StartDateTime": wire(start),
                                "EndDateTime": wire(start + timedelta(hours=1)), "OwnerId": emu.user_id, **extra})


def test_one_queryall_per_kind_carries_updates_and_deletions(emu):
    adapter = make_adapter(emu)
    keep, gone = _insert_event(emu, 1), _insert_event(emu, 2)
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(10)
    emu.update("Event", keep, {"Subject": "Renamed"})
    emu.delete("Event", gone)
    emu.reset_log()
    feed = adapter.changes(Kind.EVENT, cursor)
    assert [u.record.subject for u in feed.upserts] == ["Renamed"]
    assert feed.deletions == (gone,)
    (entry,) = emu.requests
    assert entry.operation == "queryAll"
    assert "SystemModstamp >= " in entry.q and entry.q.endswith("ORDER BY SystemModstamp, Id")
    assert f"OwnerId = '{emu.user_id}'" in entry.q
    # nothing new: the re-read overlap rows are not reported again
    emu.reset_log()
    again = adapter.changes(Kind.EVENT, feed.cursor)
    assert again.upserts == () and again.deletions == ()
    assert len(emu.requests) == 1


def test_archived_rows_in_the_feed_are_records_not_deletions(emu):
    adapter = make_adapter(emu)
    old = _insert_event(emu, 1)
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(10)
    emu.archive("Event", old)
    emu.update("Event", old, {"Location": "Archive"})  # touched after archiving: it shows in queryAll
    feed = adapter.changes(Kind.EVENT, cursor)
    assert emu.get("Event", old)["IsArchived"] is True
    assert [u.id for u in feed.upserts] == [old] and feed.deletions == ()
    assert adapter.owner_id == emu.user_id  # read once from the identity URL


def test_late_commits_inside_the_overlap_window_are_not_missed(emu):
    adapter = make_adapter(emu, overlap=timedelta(minutes=5))
    _insert_event(emu, 1)
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(60)
    late = adapter.create(Kind.EVENT, [CreateRequest(ref="x", record=Event(
        subject="late", start=T0 + timedelta(days=2), end=T0 + timedelta(days=2, hours=1)))])
    newer = _insert_event(emu, 3)  # a commit after the watermark...
    emu.clock.advance(1)
    feed = adapter.changes(Kind.EVENT, cursor)
    assert {u.id for u in feed.upserts} == {late[0].id, newer}
    emu.clock.advance(1)
    emu.faults.backdate_commits(timedelta(minutes=3), 1)  # ...and one stamped 3 minutes back, committed now
    slow = _insert_event(emu, 4)
    feed2 = adapter.changes(Kind.EVENT, feed.cursor)
    assert [u.id for u in feed2.upserts] == [slow]


def test_without_overlap_a_late_commit_would_be_missed(emu):
    adapter = make_adapter(emu, overlap=timedelta(0))
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(60)
    _insert_event(emu, 1)
    feed = adapter.changes(Kind.EVENT, cursor)
    emu.faults.backdate_commits(timedelta(minutes=3), 1)
    _insert_event(emu, 2)
    assert adapter.changes(Kind.EVENT, feed.cursor).upserts == ()  # the hazard the overlap window covers


def test_old_or_foreign_cursors_expire(emu):
    adapter = make_adapter(emu)
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(timedelta(days=14))
    adapter.changes(Kind.EVENT, cursor)
    emu.clock.advance(timedelta(days=2))
    with pytest.raises(CursorExpired, match="15-day deletion"):
        adapter.changes(Kind.EVENT, cursor)
    emu.clock.advance(timedelta(days=20))
    with pytest.raises(CursorExpired, match="30-day update"):
        adapter.changes(Kind.EVENT, cursor)
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.EVENT, "not json")
    with pytest.raises(CursorExpired):
        adapter.changes(Kind.TASK, adapter.full_scan(Kind.EVENT).cursor)
    other_scope = make_adapter(emu, scope="all")
    with pytest.raises(CursorExpired, match="scope"):
        other_scope.changes(Kind.EVENT, adapter.full_scan(Kind.EVENT).cursor)


def test_paging_over_2000_rows():
    with SalesforceEmulator(start_time=T0) as emu:
        adapter = make_adapter(emu, scope="all")
        for n in range(2100):
            emu.insert("Contact", {"LastName": f"Name {n}"})
        emu.reset_log()
        scan = adapter.full_scan(Kind.CONTACT)
        assert len(scan.upserts) == 2100
        assert [e.operation for e in emu.requests] == ["queryAll", "query_more"]


def test_scope_options_and_quoting(emu):
    mine = _insert_event(emu, 1)
    theirs = _insert_event(emu, 2, OwnerId=emu.other_user_id)
    meeting = _insert_event(emu, 3, OwnerId=emu.other_user_id, Location="Board room")
    assert {u.id for u in make_adapter(emu).full_scan(Kind.EVENT).upserts} == {mine}
    assert {u.id for u in make_adapter(emu, scope="all").full_scan(Kind.EVENT).upserts} == {mine, theirs, meeting}
    # the extra filter is trusted configuration, ANDed in parentheses
    filtered = make_adapter(emu, scope="all", extra_filter="Location = 'Board room' OR Subject = 'Event 1'")
    assert {u.id for u in filtered.full_scan(Kind.EVENT).upserts} == {mine, meeting}
    # values from records (here a link) are quoted by format_soql, never concatenated into the SOQL
    emu.add_external_id("Event", "Syncore_Link__c")
    linked = make_adapter(emu, link_field="Syncore_Link__c")
    emu.reset_log()
    assert linked.find_by_link(Kind.EVENT, ["x' OR Subject != '"]) == {}
    assert "Syncore_Link__c IN ('x\\' OR Subject != \\'')" in emu.requests[-1].q


def test_child_and_series_events_are_reported_as_unsupported(emu):
    adapter = make_adapter(emu)
    start = T0 + timedelta(days=1)
    timing = {"StartDateTime": wire(start), "EndDateTime": wire(start + timedelta(hours=1)), "OwnerId": emu.user_id}
    child = emu.insert("Event", {"Subject": "invite", "IsChild": True, **timing})
    series = emu.insert("Event", {"Subject": "weekly", "IsRecurrence2": True, **timing})
    fourteen = emu.insert("Event", {"Subject": "14 days", "IsAllDayEvent": True, "ActivityDate": "2026-12-01",
                                    "DurationInMinutes": 14 * 1440, "OwnerId": emu.user_id})
    scan = adapter.full_scan(Kind.EVENT)
    assert [u.id for u in scan.upserts] == [fourteen]  # 14 days is Salesforce's maximum, and maps
    assert scan.upserts[0].record.end - scan.upserts[0].record.start == timedelta(days=14)
    assert {u.id: u.reason.split(" ")[0] for u in scan.unsupported} == {child: "child", series: "recurring"}
    assert scan.deletions == ()


def test_cursor_is_json_with_server_times(emu):
    emu.clock.freeze(T0)  # frozen: the cursor must hold this exact instant
    adapter = make_adapter(emu)
    _insert_event(emu, 1)
    state = json.loads(adapter.full_scan(Kind.EVENT).cursor)
    assert state["wm"] == "2026-11-24T15:00:00.000+0000" and state["sobject"] == "Event"
    # the read time is the server's (the response's Date header: whole seconds), not the local clock's
    assert state["at"] == "2026-11-24T15:00:00.000+0000" and state["v"] == 2


def test_a_burst_is_re_read_only_until_it_is_overlap_old(emu):
    adapter = make_adapter(emu, overlap=timedelta(minutes=5))
    for n in range(2_100):  # more than one 2,000-row page
        _insert_event(emu, n)
    cursor = adapter.full_scan(Kind.EVENT).cursor
    emu.clock.advance(60)
    emu.reset_log()
    # a minute after the burst a transaction still open then could commit rows stamped inside it: re-read it
    feed = adapter.changes(Kind.EVENT, cursor)
    assert feed.upserts == () and [r.operation for r in emu.requests] == ["queryAll", "query_more"]
    emu.clock.advance(timedelta(minutes=5))
    emu.reset_log()
    quiet = adapter.changes(Kind.EVENT, feed.cursor)
    emu.reset_log()
    # once the burst is older than the overlap, a sync with no changes is one request again...
    again = adapter.changes(Kind.EVENT, quiet.cursor)
    assert again.upserts == () and [r.operation for r in emu.requests] == ["queryAll"]
    assert len(json.loads(again.cursor)["seen"]) <= 1
    # ...and a late commit stamped inside the window of the last read is still found
    emu.faults.backdate_commits(timedelta(minutes=3), 1)
    slow = _insert_event(emu, 9_999)
    assert [u.id for u in adapter.changes(Kind.EVENT, again.cursor).upserts] == [slow]


@pytest.mark.parametrize("skew", [timedelta(minutes=10), timedelta(minutes=-10)])
def test_server_clock_not_local_clock_anchors_the_feed(skew):
    """The window comes from the server's clock (the Date header and the largest SystemModstamp): with
    Salesforce's clock 10 minutes behind (or ahead of) this machine's, a kind that was empty at the first sync
    still reports the rows created after it. Anchored on the local clock, the read 10 minutes ahead would start
    past every new row: they would never be reported."""
    local = lambda: datetime.now(UTC)
    with SalesforceEmulator(start_time=local() - skew) as emu:  # a real-time clock, offset from the local one
        adapter = make_adapter(emu, clock=local)
        cursor = adapter.full_scan(Kind.EVENT).cursor
        first = _insert_event(emu, 1)
        feed = adapter.changes(Kind.EVENT, cursor)
        assert [u.id for u in feed.upserts] == [first]
        second = _insert_event(emu, 2)
        assert [u.id for u in adapter.changes(Kind.EVENT, feed.cursor).upserts] == [second]


def test_milliseconds_keep_a_no_change_sync_to_one_request():
    """The watermark goes into SOQL with its milliseconds: once a burst is older than the overlap, a sync with no
    changes reads nothing, even when more than 2,000 rows share the watermark's second (whole seconds would
    re-read all of them, one query_more per 2,000, on every sync until something newer arrived)."""
    with SalesforceEmulator(start_time=T0) as emu:
        adapter = make_adapter(emu, scope="all", overlap=timedelta(minutes=5))
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        # frozen while loading: 2,100 rows stamped within one second, each a millisecond apart at least
        emu.clock.freeze(T0 + timedelta(seconds=30))
        for n in range(2_100):
            emu.insert("Contact", {"LastName": f"Name {n}"})
            emu.clock.advance(0.0004)
        emu.clock.unfreeze()
        feed = adapter.changes(Kind.CONTACT, cursor)
        assert len(feed.upserts) == 2_100
        emu.clock.advance(timedelta(minutes=6))
        feed = adapter.changes(Kind.CONTACT, feed.cursor)  # the last read, when the burst was fresh: re-read it
        emu.reset_log()
        quiet = adapter.changes(Kind.CONTACT, feed.cursor)  # the burst was older than the overlap then
        assert quiet.upserts == () and [r.operation for r in emu.requests] == ["queryAll"]
        assert "SystemModstamp > 2026-11-24T15:00:30." in emu.requests[0].q  # milliseconds in the literal


def test_bulk_load_costs_pages_only_while_younger_than_the_overlap():
    """Measured on a real-time clock with 10,000 rows loaded at once: a row committed after a read can carry a
    stamp up to ``overlap`` before that read, so while the load was younger than the overlap at the previous
    read, a sync re-reads it (5 requests: 10,000 rows at 2,000 per page) and reports nothing; after that, and on
    back-to-back syncs seconds apart, a sync with no change is exactly 1 request."""
    with SalesforceEmulator(start_time=T0) as emu:
        adapter = make_adapter(emu, scope="all", overlap=timedelta(minutes=5))
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        for n in range(10_000):
            emu.insert("Contact", {"LastName": f"Name {n}"})
        feed = adapter.changes(Kind.CONTACT, cursor)
        assert len(feed.upserts) == 10_000
        emu.reset_log()
        feed = adapter.changes(Kind.CONTACT, feed.cursor)
        assert feed.upserts == () and len(emu.requests) == 5
        emu.clock.advance(timedelta(minutes=5, seconds=2))
        emu.reset_log()
        feed = adapter.changes(Kind.CONTACT, feed.cursor)  # the previous read saw the load fresh: re-read once more
        assert feed.upserts == () and len(emu.requests) == 5
        for _ in range(3):  # back-to-back: real time passes between them, seconds at most
            emu.reset_log()
            feed = adapter.changes(Kind.CONTACT, feed.cursor)
            assert feed.upserts == () and [r.operation for r in emu.requests] == ["queryAll"]
        late = emu.insert("Contact", {"LastName": "late"})
        assert [u.id for u in adapter.changes(Kind.CONTACT, feed.cursor).upserts] == [late]


_STEP = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 0)),
    st.tuples(st.just("update"), st.integers(0, 50)),
    st.tuples(st.just("late"), st.integers(1, 300)),  # the next write commits now, stamped up to 5 minutes back
    st.tuples(st.just("wait"), st.integers(1, 900)),
    st.tuples(st.just("read"), st.integers(0, 0)),
)


@pytest.fixture(scope="module")
def shared_emu():
    with SalesforceEmulator(start_time=T0) as server:
        yield server


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(_STEP, max_size=30))
def test_every_committed_change_is_reported_exactly_once(shared_emu, steps):
    """Late commits within the overlap, quiet periods longer than it, bursts: each new SystemModstamp of a row
    is reported by the next read, and a row whose stamp did not move is never reported again."""
    emu = shared_emu
    emu.reset()
    emu.clock.set(T0)
    adapter = make_adapter(emu, overlap=timedelta(minutes=5))
    cursor = adapter.full_scan(Kind.EVENT).cursor
    reported: dict[str, str] = {}
    ids: list[str] = []

    def read() -> None:
        nonlocal cursor
        feed = adapter.changes(Kind.EVENT, cursor)
        cursor = feed.cursor
        stamps = {row["Id"]: row["SystemModstamp"] for row in emu.all("Event")}
        got = [item.id for item in feed.upserts]
        assert len(got) == len(set(got))
        moved = {i for i, stamp in stamps.items() if reported.get(i) != stamp}
        assert set(got) == moved
        reported.update((i, stamps[i]) for i in got)

    for action, value in steps:
        emu.clock.advance(0.001)  # one save per row and millisecond, as on a real org
        if action == "insert":
            ids.append(_insert_event(emu, len(ids)))
        elif action == "update" and ids:
            emu.update("Event", ids[value % len(ids)], {"Location": f"Room {value}"})
        elif action == "late":
            emu.faults.backdate_commits(timedelta(seconds=value), 1)
        elif action == "wait":
            emu.clock.advance(value)
        elif action == "read":
            read()
    emu.faults.clear()
    emu.clock.advance(1)
    read()
