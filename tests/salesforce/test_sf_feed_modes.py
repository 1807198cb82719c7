"""The change feed across its modes and cursor versions: one cursor read in turn by ``fresh`` and ``settled``
syncs loses and repeats nothing; a cursor written before ``fresh`` read the covered minutes apart resumes
without loss and without re-reading everything; a server clock 10 minutes off the local one changes nothing.

Get Updated's ``latestDateCovered``: "for safety, you should use this value for the startDate of your next call
to capture the changes that started after this date but did not complete before the endDate"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from feed_users import FEED_STEPS, FeedUsers, Ledger, event_fields
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sfadapter_support import T0, make_adapter

from syncore.models import Kind
from syncore_salesforce.emulator import SalesforceEmulator

#: ("read", 0) is a fresh sync, ("read", 1) a settled one
MIXED_STEPS = st.one_of(FEED_STEPS, st.tuples(st.just("read"), st.integers(1, 1)))


@pytest.fixture(scope="module")
def shared_emu():
    with SalesforceEmulator(start_time=T0) as server:
        yield server


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(MIXED_STEPS, max_size=30))
# a fresh read past rows a settled read left for later, then a settled read of the minute the fresh one reported
@example(steps=[("insert", 0), ("read", 1), ("insert", 0), ("read", 0), ("wait", 61), ("read", 1), ("read", 0)])
def test_fresh_and_settled_syncs_on_one_cursor_report_each_change_once(shared_emu, steps):
    """Each sync builds its adapter anew (as a `syncore sync` run does) in the mode the step says, on the cursor
    the last sync left: no row is reported twice for one stamp, a fresh sync shows what is new at once and every
    change stamped before the previous sync's minute, and in the end every stamp has been reported."""
    emu = shared_emu
    emu.reset()
    emu.clock.set(T0)
    cursor = make_adapter(emu).full_scan(Kind.EVENT).cursor
    users, ledger = FeedUsers(emu), Ledger(emu)

    def read(mode: str) -> None:
        nonlocal cursor
        adapter = make_adapter(emu, feed_mode=mode)
        began = emu.clock.now()
        feed = adapter.changes(Kind.EVENT, cursor)
        cursor = feed.cursor
        ledger.check(feed, began, fresh=mode == "fresh")

    for action, value in steps:
        users.act(action, value)
        if action == "wait":
            emu.clock.advance(value)
        elif action == "read":
            read("settled" if value else "fresh")
    users.commit()
    emu.clock.advance(61)
    read("fresh")
    read("fresh")
    assert ledger.complete()


def test_a_cursor_of_the_previous_fresh_feed_resumes_without_loss_or_a_full_re_read(emu):
    """The cursor the previous fresh feed wrote (the same version 2: no settled bound, every row at or past the
    coverage remembered in ``seen``) after reading a 2,100-row burst: the next sync in the burst's minute is one
    request and reports nothing; an edit made then is reported at once; the first sync after the minute re-reads
    the burst once and reports only a late commit stamped among it."""
    emu.clock.freeze(T0 + timedelta(seconds=5))
    burst = []
    for n in range(2_100):
        burst.append(emu.insert("Event", event_fields(emu, n)))
        emu.clock.advance(0.001)
    txn = emu.long_transaction()
    slow = txn.insert("Event", event_fields(emu, 9_999))  # stamped 15:00:07.100, committed after the read below
    emu.clock.advance(0.001)
    last = emu.insert("Event", event_fields(emu, 2_100))
    emu.clock.unfreeze()
    rows = {r["Id"]: r["SystemModstamp"] for r in emu.all("Event")}
    adapter = make_adapter(emu)
    scope = json.loads(adapter.full_scan(Kind.EVENT).cursor)["scope"]
    # as the previous feed wrote it after reading every row at 15:00:08 (the transaction open, uncommitted)
    old = {"v": 2, "sobject": "Event", "scope": scope, "wm": rows[last], "at": "2026-11-24T15:00:08.000+0000",
           "read": "2026-11-24T15:00:08.200+0000", "cov": "2026-11-24T15:00:00.000+0000",
           "end": "2026-11-24T15:00:00.000+0000", "upto": None, "seen": rows}
    txn.commit()
    emu.reset_log()
    feed = adapter.changes(Kind.EVENT, json.dumps(old))
    # still the burst's minute: only what is newer than the burst is read (the previous feed re-read it all)
    assert feed.upserts == () and [r.operation for r in emu.requests] == ["composite"]
    emu.update("Event", burst[7], {"Location": "Room 7"})
    emu.reset_log()
    feed = adapter.changes(Kind.EVENT, feed.cursor)
    assert [u.id for u in feed.upserts] == [burst[7]] and len(emu.requests) == 1
    emu.clock.set(T0 + timedelta(minutes=1, seconds=1))
    adapter.check_connection()
    emu.reset_log()
    feed = adapter.changes(Kind.EVENT, feed.cursor)
    assert [u.id for u in feed.upserts] == [slow]
    assert [r.operation for r in emu.requests] == ["composite", "query_more"]  # the burst re-read once
    emu.reset_log()
    assert adapter.changes(Kind.EVENT, feed.cursor).upserts == () and len(emu.requests) == 1


@pytest.mark.parametrize("per_sync", [False, True], ids=["one adapter", "an adapter per sync"])
@pytest.mark.parametrize("skew", [timedelta(minutes=10), timedelta(minutes=-10)])
def test_a_server_clock_10_minutes_off_neither_loses_nor_repeats_a_late_commit(skew, per_sync):
    """Salesforce's clock 10 minutes behind (or ahead of) this machine's: an edit is reported by the next sync,
    and a long transaction's row, stamped before a row already read and committed after that read, is reported
    once, by a sync once its minute is covered, and never again. With an adapter per sync (as `syncore sync`
    runs), no response has told the new adapter the server's time before its read: it places the read by the
    cursor's server time and the local time elapsed since, never by the local clock alone."""
    local = lambda: datetime.now(UTC)
    with SalesforceEmulator(start_time=local() - skew) as emu:  # a real-time clock, offset from the local one
        adapter = make_adapter(emu, clock=local)

        def sync(cursor: str) -> tuple[list[str], str]:
            feed = (make_adapter(emu, clock=local) if per_sync else adapter).changes(Kind.EVENT, cursor)
            return [u.id for u in feed.upserts], feed.cursor

        cursor = adapter.full_scan(Kind.EVENT).cursor
        txn = emu.long_transaction()
        slow = txn.insert("Event", event_fields(emu, 1))
        emu.clock.advance(0.001)
        quick = emu.insert("Event", event_fields(emu, 2))
        got, cursor = sync(cursor)
        assert got == [quick]
        txn.commit()
        reported, cursor = sync(cursor)  # (its minute may not be covered yet)
        emu.clock.advance(61)  # the transaction's minute is covered
        adapter.check_connection()
        for _ in range(3):
            got, cursor = sync(cursor)
            reported += got
        assert reported == [slow]
        assert emu.get("Event", slow)["SystemModstamp"] < emu.get("Event", quick)["SystemModstamp"]
        edited = emu.insert("Event", event_fields(emu, 3))
        assert sync(cursor)[0] == [edited]
