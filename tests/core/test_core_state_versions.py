"""The SQLite store's echo check (``not_at_stored_version``, syncore.state._sqlite_versions): the listed records
are compared with the scope's rows in step while both come in the order of their pairs, and through a lookup
table of what is left where the orders part. Every path gives the same answer; the work is counted in
statements run, not timed."""

from __future__ import annotations

from syncore import Kind, Side, SqliteStateStore
from syncore.testing.state_builders import make_pair


class CountingStore(SqliteStateStore):
    def __init__(self) -> None:
        super().__init__(":memory:")
        self.statements: list[str] = []

    def _run(self, sql, params=()):
        self.statements.append(sql)
        return super()._run(sql, params)


def stored(n: int, *, offset: int = 0) -> CountingStore:
    """``n`` pairs whose pair ids sort in the order of their numbers (as time-ordered pair ids do)."""
    store = CountingStore()
    store.save_pairs([make_pair(f"{offset + i:020x}", f"pim-{offset + i}", f"crm-{offset + i}",
                                crm_version=f"w{offset + i}") for i in range(n)])
    store.statements.clear()
    return store


def ask(store: CountingStore, listed: list[tuple[str, str | None]]) -> set[str]:
    return store.not_at_stored_version("default", Kind.CONTACT, Side.CRM, listed)


def test_a_feed_in_the_order_of_its_pairs_is_compared_in_one_pass():
    store = stored(3000)
    listed = [(f"crm-{i}", f"w{i}") for i in range(3000)]
    listed[10] = ("crm-10", "moved")
    listed[20] = ("crm-20", None)
    listed += [("crm-new-1", "x"), ("crm-new-2", "y")]  # (after the scope's last row: not paired)
    assert ask(store, listed) == {"crm-10", "crm-20", "crm-new-1", "crm-new-2"}
    assert len(store.statements) == 1  # the scan, no lookup


def test_orders_that_part_are_compared_through_what_is_left():
    store = stored(3000)
    listed = [(f"crm-{i}", f"w{i}") for i in range(1500)]
    listed += [("crm-new", "x")]  # parts the orders here
    later = [(f"crm-{i}", f"w{i}") for i in range(1500, 3000)]
    later[100] = ("crm-1600", "moved")
    listed += later[::-1]  # the rest in the opposite order
    assert ask(store, listed) == {"crm-new", "crm-1600"}
    assert len(store.statements) == 1


def test_a_scope_much_larger_than_the_feed_is_read_only_in_part_and_the_rest_looked_up():
    store = stored(8000)
    listed = [(f"crm-{i}", f"w{i}") for i in range(5500, 7500)]  # pairs past the scan's 3 rows per id listed
    listed[5] = ("crm-5505", "moved")
    listed.append(("crm-new", "x"))
    assert ask(store, listed) == {"crm-5505", "crm-new"}
    # the scan stops after 3 rows per id listed (crm-0 to crm-6002, which meets 503 of them); the 1,498 left
    # are looked up 900 at a time
    assert len(store.statements) == 1 + 2


def test_an_id_listed_twice_is_answered_safely_and_the_others_exactly():
    store = stored(2000)
    listed = [(f"crm-{i}", f"w{i}") for i in range(2000)]
    listed.insert(1000, ("crm-5", "w5"))  # met again after it was compared in step
    listed.insert(1001, ("crm-1200", "old"))  # listed first at an old version, later at the stored one
    got = ask(store, listed)
    assert got - {"crm-5", "crm-1200"} == set()


def test_other_profiles_and_kinds_do_not_count():
    store = stored(2000)
    store.save_pairs([make_pair(f"{i:020x}", f"pim-{i}", f"crm-{i}", profile="other", crm_version="elsewhere")
                      for i in range(2000, 4000)])
    store.save_pairs([make_pair(f"{i:020x}", f"pim-{i}", f"crm-{i}", kind=Kind.TASK, crm_version="task")
                      for i in range(4000, 6000)])
    listed = [(f"crm-{i}", f"w{i}") for i in range(2000)]
    assert ask(store, listed) == set()
    assert ask(store, [(f"crm-{i}", "elsewhere") for i in range(2000)]) == {f"crm-{i}" for i in range(2000)}


def test_nothing_stored_yet():
    store = CountingStore()
    listed = [(f"crm-{i}", f"w{i}") for i in range(2000)]
    assert ask(store, listed) == {f"crm-{i}" for i in range(2000)}
    assert len(store.statements) == 1 + 1  # the scan (of nothing) and the prefixes read once
