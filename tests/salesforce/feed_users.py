"""What other Salesforce users do between feed reads, shared by the feed properties (fresh, settled, mixed):
saves one row per millisecond, and a long transaction whose rows appear with their earlier stamps when it
commits; and the ledger of what the feed reported, checked after every read."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from sfadapter_support import T0

from syncore_salesforce.converter import format_datetime as wire

FEED_STEPS = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 0)),
    st.tuples(st.just("update"), st.integers(0, 50)),
    st.tuples(st.just("begin"), st.integers(0, 0)),  # another user's long transaction opens
    st.tuples(st.just("late"), st.integers(0, 50)),  # it writes (an insert, or an update of an existing row)
    st.tuples(st.just("commit"), st.integers(0, 0)),  # it commits: its rows appear with their earlier stamps
    st.tuples(st.just("wait"), st.integers(1, 900)),
    st.tuples(st.just("read"), st.integers(0, 0)),
)


def jump(emu, adapter, to) -> None:
    """Move the emulator's clock to ``to`` and let the adapter see it (one request, not a feed read), as it
    would see real time pass; the request log starts afresh."""
    emu.clock.set(to)
    adapter.check_connection()
    emu.reset_log()


def event_fields(emu, n, **extra):
    start = T0 + timedelta(days=1, hours=n % 10)
    return {"Subject": f"Event {n}", "StartDateTime": wire(start), "EndDateTime": wire(start + timedelta(hours=1)),
            "OwnerId": emu.user_id, **extra}


class FeedUsers:
    """Applies the users' steps ("insert" … "commit") to the emulator; "wait" and "read" are the test's."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.ids: list[str] = []
        self.pending: list[str] = []  # rows the open transaction created
        self.txn = None

    def act(self, action: str, value: int) -> None:
        emu, ids = self.emu, self.ids
        emu.clock.advance(0.001)  # one save per row and millisecond, as on a real org
        if action == "insert":
            ids.append(emu.insert("Event", event_fields(emu, len(ids))))
        elif action == "update" and ids:
            emu.update("Event", ids[value % len(ids)], {"Location": f"Room {value}"})
        elif action == "begin" and self.txn is None:
            self.txn = emu.long_transaction()
        elif action == "late" and self.txn is not None:
            if value % 2 or not ids:
                self.pending.append(self.txn.insert("Event", event_fields(emu, len(ids) + len(self.pending))))
            else:
                self.txn.update("Event", ids[value % len(ids)], {"Location": f"Late {value}"})
        elif action == "commit" and self.txn is not None:
            self.commit()

    def commit(self) -> None:
        """Commit the open transaction, if any: its rows are invisible (not even updatable) until now."""
        if self.txn is not None:
            self.txn.commit()
            self.ids.extend(self.pending)
            self.pending.clear()
            self.txn = None


class Ledger:
    """What the feed reported so far, checked after every read against the emulator's rows (the test's own
    knowledge: never the cursor). See :meth:`check`."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.reported: dict[str, str] = {}
        #: the largest stamp committed at any earlier read, and the minute the previous read began in
        self.highest = ""
        self.minute = ""

    def check(self, feed, began, *, fresh: bool) -> None:
        """After a read that began (emulator time) at ``began``: no row reported twice for one SystemModstamp;
        with ``fresh``, also every change stamped past everything committed at the earlier reads (an edit made
        seconds ago) and every change stamped before the minute the previous read began in (a late commit waits
        at most until its minute is covered)."""
        stamps = {row["Id"]: row["SystemModstamp"] for row in self.emu.all("Event")}
        got = [item.id for item in feed.upserts]
        assert len(got) == len(set(got))
        assert all(self.reported.get(i) != stamps[i] for i in got)  # never twice for one stamp
        if fresh:
            moved = {i for i, stamp in stamps.items() if self.reported.get(i) != stamp}
            due = {i for i in moved if stamps[i] > self.highest or stamps[i] < self.minute}
            assert due <= set(got), sorted(due - set(got))
        self.reported.update((i, stamps[i]) for i in got)
        self.highest = max([self.highest, *stamps.values()])
        self.minute = wire(began.replace(second=0, microsecond=0))

    def complete(self) -> bool:
        """Every row's current stamp has been reported."""
        return self.reported == {row["Id"]: row["SystemModstamp"] for row in self.emu.all("Event")}
