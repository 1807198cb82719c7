"""The change feed's ``settled`` mode (``feed_mode = "settled"``): a read returns only rows stamped before the
minute Get Updated covers, so each row is read once, after every transaction that could stamp a row before it
has committed, and a sync with nothing new is one request even right after a bulk load.

Get Updated's ``latestDateCovered``: "for safety, you should use this value for the startDate of your next call
to capture the changes that started after this date but did not complete before the endDate" and, while a
long-running transaction is open, "the value in this field is the start time of that long-running transaction"
(https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm).

The adapter estimates the server's clock from the last response's ``Date`` plus the real time since it came; a
test that moves the emulator's clock forward makes one request (``check_connection``) afterwards, so the
estimate sees the jump as it would see real time pass.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from feed_users import FEED_STEPS, FeedUsers, jump
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sfadapter_support import T0, make_adapter

from syncore import SqliteStateStore, SyncEngine, SyncSettings
from syncore.models import Contact, Kind
from syncore.testing import MemoryAdapter
from syncore_salesforce.converter import format_datetime as wire
from syncore_salesforce.emulator import SalesforceEmulator


def _event_fields(emu, n):
    start = T0 + timedelta(days=1, hours=n % 10)
    return {"Subject": f"Event {n}", "StartDateTime": wire(start), "EndDateTime": wire(start + timedelta(hours=1)),
            "OwnerId": emu.user_id}


def test_right_after_a_bulk_load_and_back_to_back_a_settled_sync_is_one_request():
    """Issue 13's target in settled mode, on a real-time clock: 2,100 contacts (more than one 2,000-row query
    page) loaded a millisecond apart; every sync in the load's minute is exactly one request (the Composite of
    Get Updated and queryAll) and reports nothing; the first sync of the next minute reads the load once (2
    requests: 2 pages) and reports every row; the syncs after it are one request again."""
    with SalesforceEmulator(start_time=T0) as emu:
        adapter = make_adapter(emu, scope="all", feed_mode="settled")
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        emu.clock.freeze(T0 + timedelta(seconds=2))
        loaded = set()
        for n in range(2_100):
            loaded.add(emu.insert("Contact", {"LastName": f"Name {n}"}))
            emu.clock.advance(0.001)
        emu.clock.unfreeze()  # real time from here: the syncs below run seconds apart
        for _ in range(3):  # right after the load, then back to back
            emu.reset_log()
            feed = adapter.changes(Kind.CONTACT, cursor)
            cursor = feed.cursor
            assert feed.upserts == () and [r.operation for r in emu.requests] == ["composite"]
        jump(emu, adapter, T0 + timedelta(minutes=1, seconds=1))
        feed = adapter.changes(Kind.CONTACT, cursor)
        assert {u.id for u in feed.upserts} == loaded and len(feed.upserts) == 2_100
        assert [r.operation for r in emu.requests] == ["composite", "query_more"]
        assert json.loads(feed.cursor)["seen"] == {}  # nothing read can come again
        late = emu.insert("Contact", {"LastName": "late"})
        for _ in range(3):  # back to back: one request each; the new row waits for its minute to be covered
            emu.reset_log()
            feed = adapter.changes(Kind.CONTACT, feed.cursor)
            assert feed.upserts == () and [r.operation for r in emu.requests] == ["composite"]
        jump(emu, adapter, T0 + timedelta(minutes=2, seconds=1))
        feed = adapter.changes(Kind.CONTACT, feed.cursor)
        assert [u.id for u in feed.upserts] == [late] and len(emu.requests) == 1


def test_the_settled_bound_goes_into_soql_for_every_stamp():
    """A settled read ends at the covered minute for the row's own stamp and its Account's (a contact without an
    Account has none): ``SystemModstamp < t AND (Account.SystemModstamp < t OR Account.SystemModstamp = null)``."""
    with SalesforceEmulator(start_time=T0 + timedelta(seconds=20)) as emu:
        adapter = make_adapter(emu, scope="all", feed_mode="settled")
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        emu.reset_log()
        adapter.changes(Kind.CONTACT, cursor)
        q = emu.requests[0].subrequests[-1]["q"]
        assert ("SystemModstamp < 2026-11-24T15:00:00.000Z AND (Account.SystemModstamp < 2026-11-24T15:00:00.000Z "
                "OR Account.SystemModstamp = null)") in q


def test_a_contacts_account_renamed_reports_it_once_settled():
    with SalesforceEmulator(start_time=T0) as emu:
        adapter = make_adapter(emu, scope="all", feed_mode="settled")
        account = emu.insert("Account", {"Name": "Acme"})
        with_account = emu.insert("Contact", {"LastName": "Lovelace", "AccountId": account})
        without = emu.insert("Contact", {"LastName": "Hopper"})
        cursor = adapter.full_scan(Kind.CONTACT).cursor
        jump(emu, adapter, T0 + timedelta(minutes=1, seconds=1))
        emu.update("Account", account, {"Name": "Acme Ltd"})
        feed = adapter.changes(Kind.CONTACT, cursor)
        assert feed.upserts == ()  # the rename's minute is not covered yet
        jump(emu, adapter, T0 + timedelta(minutes=2, seconds=1))
        feed = adapter.changes(Kind.CONTACT, feed.cursor)
        assert [(u.id, u.record.company) for u in feed.upserts] == [(with_account, "Acme Ltd")]
        emu.update("Contact", without, {"FirstName": "Grace"})
        jump(emu, adapter, T0 + timedelta(minutes=3, seconds=1))
        feed = adapter.changes(Kind.CONTACT, feed.cursor)
        assert [u.id for u in feed.upserts] == [without]
        assert adapter.changes(Kind.CONTACT, feed.cursor).upserts == ()


def test_switching_modes_on_one_cursor_loses_and_repeats_nothing(emu):
    """The mode is a setting, the cursor is shared: a settled read leaves its uncovered minute to the next read,
    whichever mode it runs in, and a fresh read's rows are not reported again by a settled one."""
    fresh = make_adapter(emu, feed_mode="fresh")
    settled = make_adapter(emu, feed_mode="settled")
    cursor = fresh.full_scan(Kind.EVENT).cursor
    first = emu.insert("Event", _event_fields(emu, 1))
    quiet = settled.changes(Kind.EVENT, cursor)
    assert quiet.upserts == ()
    feed = fresh.changes(Kind.EVENT, quiet.cursor)
    assert [u.id for u in feed.upserts] == [first]
    jump(emu, settled, T0 + timedelta(minutes=1, seconds=1))
    feed = settled.changes(Kind.EVENT, feed.cursor)
    assert feed.upserts == ()
    assert fresh.changes(Kind.EVENT, feed.cursor).upserts == ()


def test_while_a_long_transaction_is_open_its_start_bounds_the_settled_read(emu):
    """Get Updated's coverage stays at an open transaction's start. The first read past it cannot know of it
    before Get Updated answers: it reports a row another user committed meanwhile; from then on the reads stop
    at the transaction's start (nothing re-read on every sync while it stays open), and the first read after the
    one that sees it ended reports its row, stamped before the row already reported, once."""
    adapter = make_adapter(emu, feed_mode="settled")
    cursor = adapter.full_scan(Kind.EVENT).cursor
    jump(emu, adapter, T0 + timedelta(seconds=20))
    txn = emu.long_transaction()
    slow = txn.insert("Event", _event_fields(emu, 1))
    emu.clock.advance(1)
    quick = emu.insert("Event", _event_fields(emu, 2))
    reports = []
    for minute in (1, 2, 3):
        jump(emu, adapter, T0 + timedelta(minutes=minute, seconds=1))
        feed = adapter.changes(Kind.EVENT, cursor)
        cursor = feed.cursor
        reports.append([u.id for u in feed.upserts])
    assert reports == [[quick], [], []]
    state = json.loads(cursor)
    assert state["cov"] == state["upto"] == wire(txn.started)  # the transaction's start
    txn.commit()
    for minute in (4, 5, 6):
        jump(emu, adapter, T0 + timedelta(minutes=minute, seconds=1))
        feed = adapter.changes(Kind.EVENT, cursor)
        cursor = feed.cursor
        reports.append([u.id for u in feed.upserts])
    assert reports[3:] == [[], [slow], []]


def test_engine_syncs_in_settled_mode_report_each_change_once_its_minute_is_covered(emu):
    """Through the engine (a memory PIM): a contact made in Salesforce reaches the PIM once its minute is
    covered; a contact the engine creates in Salesforce is read back once (its echo, a minute later) and written
    nowhere again; no duplicates on either side."""
    crm = make_adapter(emu, feed_mode="settled")
    pim = MemoryAdapter(name="pim", clock=emu.clock.now)
    engine = SyncEngine(pim=pim, crm=crm, state=SqliteStateStore(":memory:"), settings=SyncSettings(),
                        clock=emu.clock.now)
    assert engine.sync(Kind.CONTACT).ok
    made_in_salesforce = emu.insert("Contact", {"LastName": "Lovelace", "OwnerId": emu.user_id})
    assert engine.sync(Kind.CONTACT).ok and pim.records(Kind.CONTACT) == {}  # its minute is not covered yet
    jump(emu, crm, T0 + timedelta(minutes=1, seconds=1))
    assert engine.sync(Kind.CONTACT).ok
    assert [c.last_name for c in pim.records(Kind.CONTACT).values()] == ["Lovelace"]
    pim.put(Contact(last_name="Hopper"))
    assert engine.sync(Kind.CONTACT).ok
    assert sorted(r["LastName"] for r in emu.all("Contact")) == ["Hopper", "Lovelace"]
    for minute in (2, 3):  # the echo of the engine's create is read (minute 2), then nothing
        jump(emu, crm, T0 + timedelta(minutes=minute, seconds=1))
        result = engine.sync(Kind.CONTACT)
        assert result.ok and sum(result.counts.values()) == 0, result.counts  # nothing written
    assert sorted(r["LastName"] for r in emu.all("Contact")) == ["Hopper", "Lovelace"]
    assert sorted(c.last_name for c in pim.records(Kind.CONTACT).values()) == ["Hopper", "Lovelace"]
    assert made_in_salesforce in {r["Id"] for r in emu.all("Contact")}


@pytest.fixture(scope="module")
def shared_emu():
    with SalesforceEmulator(start_time=T0) as server:
        yield server


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(FEED_STEPS, max_size=30))
# a read past an open transaction's start, then its commit: the next read stops at that start, so the one after
# it must start there too (not at the coverage it answered)
@example(steps=[("insert", 0), ("begin", 0), ("late", 1), ("wait", 90), ("read", 0), ("commit", 0), ("read", 0)])
def test_settled_every_committed_change_is_reported_exactly_once_and_read_once(shared_emu, steps):
    """Settled mode under long transactions committing late, quiet periods and bursts (the clock running in real
    time between the steps' jumps): no row is reported twice for one SystemModstamp, every stamp is reported
    once everything has committed and its minute is covered (by the second read after it, when the read before
    saw a transaction open), and no read returns a (row, stamp) an earlier read
    returned, except rows stamped at or after the start of a transaction still open at that earlier read (the first
    read past its start cannot know of it before Get Updated answers)."""
    emu = shared_emu
    emu.reset()
    emu.clock.set(T0)
    adapter = make_adapter(emu, feed_mode="settled")
    cursor = adapter.full_scan(Kind.EVENT).cursor
    feed_reader = adapter._feeds[Kind.EVENT]
    returned: list[list[tuple[str, str]]] = []
    original_read = feed_reader._read

    def spy(*args, **kwargs):
        got = original_read(*args, **kwargs)
        returned.append([(row["Id"], row["SystemModstamp"]) for row in got.rows])
        return got

    feed_reader._read = spy  # our own feed object, not the client library: records what each query returned
    reported: dict[str, str] = {}
    users = FeedUsers(emu)
    may_return_again: set[tuple[str, str]] = set()

    def read() -> None:
        nonlocal cursor
        before = {pair for reads in returned for pair in reads}
        feed = adapter.changes(Kind.EVENT, cursor)
        cursor = feed.cursor
        stamps = {row["Id"]: row["SystemModstamp"] for row in emu.all("Event")}
        got = [item.id for item in feed.upserts]
        assert len(got) == len(set(got))
        assert all(reported.get(i) != stamps[i] for i in got)  # never reported twice for one stamp
        reported.update((i, stamps[i]) for i in got)
        assert not (set(returned[-1]) & before) - may_return_again
        if users.txn is not None:
            may_return_again.update(pair for pair in returned[-1] if pair[1] >= wire(users.txn.started))

    for action, value in steps:
        users.act(action, value)
        if action == "wait":
            emu.clock.advance(value)
            adapter.check_connection()  # the adapter's estimate of the server's clock follows the jump
        elif action == "read":
            read()
    users.commit()
    emu.clock.advance(120)  # every write's minute is covered
    adapter.check_connection()
    read()  # (stops at a transaction's start if the read before saw it open: this one sees it has ended)
    read()
    stamps = {row["Id"]: row["SystemModstamp"] for row in emu.all("Event")}
    assert reported == stamps
