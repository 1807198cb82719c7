"""The state-store conformance suite: a pytest mixin that every :class:`~syncore.abc.StateStore` passes.

Subclass :class:`StateStoreContract` in a test module and provide a ``store`` fixture returning a fresh, empty
store (closed by the fixture afterwards)::

    class TestMyStore(StateStoreContract):
        @pytest.fixture
        def store(self):
            s = MyStore(...)
            yield s
            s.close()

The suite covers pairs (keyed per profile and kind, a native id moving to a new pair), cursors, tombstones, the
journal, pending items, history and its purge, last runs, generations, the lease lock, ``reset_kind`` and
transactions (atomic, re-entrant, usable after a rollback). Storage-specific behaviour (file permissions,
migrations of old files, advisory locks) stays in each store's own tests.

Override the ``record_strategy`` fixture to round-trip a wider set of records than the shipped strategies.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..abc import StateStore
from ..models import Body, Contact, Event, Kind, Record, Side, Task
from ..state_types import Action, HistoryEntry, Intent, LockHolder, Pair, PendingCategory, PendingItem
from . import strategies

UTC = timezone.utc
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def make_pair(pair_id: str = "p1", pim_id: str = "pim-1", crm_id: str = "crm-1", *, profile: str = "default",
              kind: Kind = Kind.CONTACT, base: Record | None = None, pim_body: Body | None = None,
              pim_version: str | None = "v1", crm_version: str | None = "w1") -> Pair:
    """A pair with a small base of ``kind`` (named after ``pair_id``)."""
    if base is None:
        base = {Kind.CONTACT: Contact(last_name=f"Lee {pair_id}"), Kind.TASK: Task(subject=pair_id),
                Kind.EVENT: Event(subject=pair_id, start=date(2026, 1, 1), end=date(2026, 1, 2))}[kind]
    return Pair(profile=profile, kind=kind, pair_id=pair_id, pim_id=pim_id, crm_id=crm_id,
                pim_version=pim_version, crm_version=crm_version, base=base, pim_body=pim_body)


def exact(record: object) -> tuple[Any, ...]:
    """A record as a tuple that compares everything: a Body's text, html and rtf (``Body.__eq__`` compares the
    normalized text only) and each datetime's UTC offset."""
    out: list[Any] = [type(record).__name__]
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, Body):
            value = ("Body", value.text, value.html, value.rtf)
        elif isinstance(value, datetime):
            value = ("datetime", value, value.utcoffset())
        out.append((field.name, type(value).__name__, value))
    return tuple(out)


def assert_same_pair(got: Pair, want: Pair) -> None:
    """Every stored attribute of ``got`` equals ``want``'s, the base compared exactly."""
    assert (got.profile, got.kind, got.pair_id, got.pim_id, got.crm_id, got.pim_version, got.crm_version,
            got.conflicts) == (want.profile, want.kind, want.pair_id, want.pim_id, want.crm_id, want.pim_version,
                               want.crm_version, want.conflicts)
    assert exact(got.base) == exact(want.base)
    if want.pim_body is None:
        assert got.pim_body is None
    else:
        assert got.pim_body is not None
        assert (got.pim_body.text, got.pim_body.html, got.pim_body.rtf) == (
            want.pim_body.text, want.pim_body.html, want.pim_body.rtf)


def make_intent(intent_id: str, *, at: datetime = T0, kind: Kind = Kind.EVENT, profile: str = "default",
                fingerprint: str | None = None) -> Intent:
    """A create intent towards the CRM."""
    return Intent(intent_id=intent_id, profile=profile, kind=kind, side=Side.CRM, action=Action.CREATE,
                  pair_id="p1", target_id=None, source_id="pim-1", created_at=at, fingerprint=fingerprint)


def make_pending(native_id: str, **kw: Any) -> PendingItem:
    """A pending item (defaults: a failed PIM task)."""
    kw.setdefault("category", PendingCategory.FAILED)
    return PendingItem(profile=kw.pop("profile", "default"), kind=kw.pop("kind", Kind.TASK),
                       side=kw.pop("side", Side.PIM), native_id=native_id, reason=kw.pop("reason", "x"), **kw)


def make_entry(finished: datetime, *, profile: str = "default", kind: Kind = Kind.EVENT,
               ok: bool = True) -> HistoryEntry:
    """A history entry of a five-second run."""
    return HistoryEntry(profile=profile, kind=kind, started_at=finished - timedelta(seconds=5),
                        finished_at=finished, ok=ok, summary={"created": 1, "note": "x"})


def make_holder(owner: str, at: datetime, ttl: int = 60, *, host: str = "host-a", pid: int = 4242) -> LockHolder:
    """A lock holder whose lease runs ``ttl`` seconds from ``at``."""
    return LockHolder(owner=owner, host=host, pid=pid, acquired_at=at, expires_at=at + timedelta(seconds=ttl))


class _Boom(Exception):
    pass


class StateStoreContract:
    """Conformance tests; see the module docstring for what a subclass provides."""

    @pytest.fixture
    def record_strategy(self) -> st.SearchStrategy[Record]:
        """Records the base round trip draws (override for a wider strategy)."""
        return st.one_of(strategies.any_record(), strategies.full_events())

    # -- pairs -------------------------------------------------------------------------------------------
    def test_save_and_look_up_pairs(self, store: StateStore) -> None:
        a, b = make_pair("p1", "pim-1", "crm-1"), make_pair("p2", "pim-2", "crm-2")
        store.save_pair(a)
        store.save_pair(b)
        assert store.count_pairs("default", Kind.CONTACT) == 2
        [got] = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1"])
        assert_same_pair(got, a)
        [got] = store.pairs_for("default", Kind.CONTACT, crm_ids=["crm-2"])
        assert_same_pair(got, b)
        both = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1", "nope"], crm_ids=["crm-1", "crm-2"])
        assert sorted(p.pair_id for p in both) == ["p1", "p2"]  # each pair once
        assert store.pairs_for("default", Kind.CONTACT) == []
        assert sorted(p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)) == ["p1", "p2"]

    def test_pair_keeps_body_conflicts_and_missing_versions(self, store: StateStore) -> None:
        p = attrs.evolve(make_pair(pim_body=Body(text="Hi", html="<b>Hi</b>"), pim_version=None),
                         conflicts=frozenset({"subject", "notes"}))
        store.save_pair(p)
        [got] = store.pairs_for("default", Kind.CONTACT, crm_ids=["crm-1"])
        assert_same_pair(got, p)

    def test_pair_versions_answers_paired_ids_only(self, store: StateStore) -> None:
        store.save_pair(make_pair("p1", "pim-1", "crm-1", pim_version="v1", crm_version=None))
        store.save_pair(make_pair("p2", "pim-2", "crm-2", pim_version="v2", crm_version="w2"))
        store.save_pair(make_pair("p3", "pim-1", "crm-1", profile="other", pim_version="elsewhere"))
        assert store.pair_versions("default", Kind.CONTACT, Side.PIM, ["pim-1", "pim-2", "pim-9"]) == {
            "pim-1": "v1", "pim-2": "v2"}
        assert store.pair_versions("default", Kind.CONTACT, Side.CRM, ["crm-1", "crm-2"]) == {
            "crm-1": None, "crm-2": "w2"}
        assert store.pair_versions("default", Kind.TASK, Side.PIM, ["pim-1"]) == {}

    def test_paired_ids_lists_one_side_of_one_kind(self, store: StateStore) -> None:
        store.save_pairs([make_pair("p1", "pim-1", "crm-1"), make_pair("p2", "pim-2", "crm-2"),
                          make_pair("p3", "pim-3", "crm-3", kind=Kind.TASK),
                          make_pair("p4", "pim-4", "crm-4", profile="other")])
        assert store.paired_ids("default", Kind.CONTACT, Side.PIM) == {"pim-1", "pim-2"}
        assert store.paired_ids("default", Kind.CONTACT, Side.CRM) == {"crm-1", "crm-2"}
        assert store.paired_ids("default", Kind.EVENT, Side.PIM) == set()

    def test_pairs_are_keyed_per_profile_and_kind(self, store: StateStore) -> None:
        store.save_pair(make_pair("p1", "same", "same-crm", profile="alice"))
        store.save_pair(make_pair("p2", "same", "same-crm", profile="bob"))
        store.save_pair(make_pair("p3", "same", "same-crm", profile="alice", kind=Kind.TASK))
        assert store.count_pairs("alice", Kind.CONTACT) == 1
        assert store.count_pairs("bob", Kind.CONTACT) == 1
        assert store.count_pairs("alice", Kind.TASK) == 1
        assert [p.pair_id for p in store.pairs_for("bob", Kind.CONTACT, pim_ids=["same"])] == ["p2"]
        assert [p.pair_id for p in store.pairs_for("alice", Kind.TASK, crm_ids=["same-crm"])] == ["p3"]
        assert store.count_pairs("carol", Kind.CONTACT) == 0

    def test_resaving_pair_id_replaces_it(self, store: StateStore) -> None:
        store.save_pair(make_pair("p1", "pim-1", "crm-1", pim_version="v1"))
        store.save_pair(make_pair("p1", "pim-1", "crm-1", pim_version="v2", base=Contact(last_name="New")))
        [got] = list(store.iter_pairs("default", Kind.CONTACT))
        assert got.pim_version == "v2" and got.base.last_name == "New"  # type: ignore[attr-defined]

    @pytest.mark.parametrize("moved", ["pim", "crm"])
    def test_resaving_native_id_under_new_pair_id_replaces_old_pair(self, store: StateStore, moved: str) -> None:
        store.save_pair(make_pair("old", "pim-1", "crm-1"))
        store.save_pair(make_pair("keep", "pim-9", "crm-9"))
        new = make_pair("new", "pim-1", "crm-2") if moved == "pim" else make_pair("new", "pim-2", "crm-1")
        store.save_pair(new)
        assert sorted(p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)) == ["keep", "new"]
        assert store.count_pairs("default", Kind.CONTACT) == 2

    def test_save_pairs_in_one_batch_keeps_the_last_owner_of_a_native_id(self, store: StateStore) -> None:
        store.save_pairs([make_pair("a", "pim-1", "crm-1"), make_pair("b", "pim-2", "crm-2"),
                          make_pair("c", "pim-1", "crm-3")])  # c takes pim-1 from a
        assert sorted(p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)) == ["b", "c"]
        [got] = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1"])
        assert got.crm_id == "crm-3"

    def test_delete_pair(self, store: StateStore) -> None:
        store.save_pair(make_pair("p1", "pim-1", "crm-1"))
        store.save_pair(make_pair("p1", "pim-1", "crm-1", profile="other"))
        store.delete_pair("default", Kind.CONTACT, "p1")
        assert store.count_pairs("default", Kind.CONTACT) == 0
        assert store.count_pairs("other", Kind.CONTACT) == 1
        store.delete_pair("default", Kind.CONTACT, "missing")  # no error

    # One store serves every example (each gets its own ids); the mixin runs from each store's test class.
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors])
    @given(data=st.data())
    def test_pair_base_round_trips_exactly(self, store: StateStore, record_strategy: Any, data: Any) -> None:
        record = data.draw(record_strategy)
        pim_body = data.draw(st.none() | strategies.bodies())
        key = uuid.uuid4().hex
        p = make_pair(key, f"a{key}", f"b{key}", kind=record.kind, base=record, pim_body=pim_body)
        store.save_pair(p)
        [got] = store.pairs_for("default", record.kind, pim_ids=[f"a{key}"])
        assert_same_pair(got, p)

    def test_pairs_by_prefix_find_a_series_and_its_occurrences_only(self, store: StateStore) -> None:
        store.save_pairs([
            make_pair("o1", "S#2026-03-02T08:00:00.000000Z", "crm-1"), make_pair("o2", "S#2026-03-09", "crm-2"),
            make_pair("s", "S", "series:S"), make_pair("t", "S$", "crm-3"), make_pair("u", "SS#x", "crm-4"),
            make_pair("v", "S#elsewhere", "crm-5", profile="other"), make_pair("w", "S#x", "crm-6", kind=Kind.TASK),
        ])
        found = store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, "S#")
        assert sorted(p.pair_id for p in found) == ["o1", "o2"]
        assert [p.pair_id for p in store.pairs_by_prefix("default", Kind.CONTACT, Side.CRM, "series:")] == ["s"]
        assert store.pairs_by_prefix("default", Kind.CONTACT, Side.CRM, "zzz") == []

    def test_pairs_for_many_ids(self, store: StateStore) -> None:
        store.save_pairs([make_pair(f"p{i}", f"pim-{i}", f"crm-{i}") for i in range(1200)])
        found = store.pairs_for("default", Kind.CONTACT, pim_ids=[f"pim-{i}" for i in range(1200)])
        assert len(found) == 1200
        assert len(store.pair_versions("default", Kind.CONTACT, Side.CRM, [f"crm-{i}" for i in range(1200)])) == 1200

    def test_pair_versions_of_most_of_a_scope(self, store: StateStore) -> None:
        # The echo of an initial load asks for nearly every pair of the scope at once (a store may then read the
        # scope whole): still only the asked ids, with their own versions, and only this profile's and kind's.
        store.save_pairs([make_pair(f"p{i}", f"pim-{i}", f"crm-{i}", pim_version=f"v{i}",
                                    crm_version=None if i % 7 == 0 else f"w{i}") for i in range(2000)])
        store.save_pairs([make_pair(f"o{i}", f"pim-{i}", f"crm-{i}", profile="other", pim_version="elsewhere")
                          for i in range(2000)])
        store.save_pairs([make_pair(f"t{i}", f"pim-{i}", f"crm-{i}", kind=Kind.TASK, crm_version="task")
                          for i in range(2000)])
        asked = [f"crm-{i}" for i in range(50, 2000)] + [f"crm-{i}" for i in range(5000, 5050)]
        got = store.pair_versions("default", Kind.CONTACT, Side.CRM, asked)
        assert got == {f"crm-{i}": None if i % 7 == 0 else f"w{i}" for i in range(50, 2000)}
        got = store.pair_versions("default", Kind.CONTACT, Side.PIM, [f"pim-{i}" for i in range(1990)])
        assert got == {f"pim-{i}": f"v{i}" for i in range(1990)}

    # -- cursors -----------------------------------------------------------------------------------------
    def test_cursors_per_side(self, store: StateStore) -> None:
        assert store.get_cursor("default", Kind.EVENT, Side.PIM) is None
        store.set_cursor("default", Kind.EVENT, Side.PIM, "p-1")
        store.set_cursor("default", Kind.EVENT, Side.CRM, "c-1")
        store.set_cursor("other", Kind.EVENT, Side.PIM, "o-1")
        assert store.get_cursor("default", Kind.EVENT, Side.PIM) == "p-1"
        assert store.get_cursor("default", Kind.EVENT, Side.CRM) == "c-1"
        assert store.get_cursor("default", Kind.TASK, Side.PIM) is None
        store.set_cursor("default", Kind.EVENT, Side.PIM, "p-2")
        assert store.get_cursor("default", Kind.EVENT, Side.PIM) == "p-2"
        store.set_cursor("default", Kind.EVENT, Side.PIM, None)
        assert store.get_cursor("default", Kind.EVENT, Side.PIM) is None
        assert store.get_cursor("default", Kind.EVENT, Side.CRM) == "c-1"
        assert store.get_cursor("other", Kind.EVENT, Side.PIM) == "o-1"

    # -- tombstones --------------------------------------------------------------------------------------
    def test_tombstones(self, store: StateStore) -> None:
        store.add_tombstones("default", Kind.TASK, Side.PIM, ["a", "b"], T0)
        store.add_tombstones("default", Kind.TASK, Side.PIM, ["a"], T0 + timedelta(days=1))  # again: no error
        assert store.tombstoned("default", Kind.TASK, Side.PIM, ["a", "b", "c"]) == {"a", "b"}
        assert store.tombstoned("default", Kind.TASK, Side.CRM, ["a"]) == set()
        assert store.tombstoned("default", Kind.EVENT, Side.PIM, ["a"]) == set()
        assert store.tombstoned("other", Kind.TASK, Side.PIM, ["a"]) == set()
        store.remove_tombstones("default", Kind.TASK, Side.PIM, ["a"])
        assert store.tombstoned("default", Kind.TASK, Side.PIM, ["a", "b"]) == {"b"}

    # -- journal -----------------------------------------------------------------------------------------
    def test_journal_and_complete_intents(self, store: StateStore) -> None:
        i1, i2 = make_intent("i1", fingerprint="f1"), make_intent("i2", at=T0 + timedelta(seconds=1))
        store.journal([i1, i2, make_intent("i3", kind=Kind.TASK), make_intent("i4", profile="other")])
        assert store.open_intents("default", Kind.EVENT) == [i1, i2]
        store.complete_intents(["i1"])
        assert store.open_intents("default", Kind.EVENT) == [i2]
        assert [i.intent_id for i in store.open_intents("default", Kind.TASK)] == ["i3"]
        assert [i.intent_id for i in store.open_intents("other", Kind.EVENT)] == ["i4"]
        store.complete_intents(["i1", "never-journaled"])  # no error

    def test_an_update_intent_keeps_the_base_and_fields_it_writes(self, store: StateStore) -> None:
        written = Event(subject="Moved", location="Room 2", start=T0, end=T0 + timedelta(hours=1),
                        body=Body(text="x", html="<p><b>x</b></p>"))
        update = attrs.evolve(make_intent("u1"), action=Action.UPDATE, written=written,
                              fields=frozenset({"subject", "location"}))
        store.journal([update])
        assert store.open_intents("default", Kind.EVENT) == [update]

    def test_open_intents_in_creation_order(self, store: StateStore) -> None:
        late = make_intent("late", at=T0 + timedelta(microseconds=500_000))
        early = make_intent("early", at=T0)
        store.journal([late, early])
        assert [i.intent_id for i in store.open_intents("default", Kind.EVENT)] == ["early", "late"]

    # -- pending -----------------------------------------------------------------------------------------
    def test_pending_put_replace_remove(self, store: StateStore) -> None:
        a = make_pending("a", attempts=2, next_attempt_at=T0, pair_id="p1")
        b = make_pending("b", category=PendingCategory.CONFLICT, side=Side.CRM, ignored=True)
        store.put_pending(a)
        store.put_pending(b)
        store.put_pending(make_pending("c", kind=Kind.EVENT))
        assert sorted(store.pending("default", Kind.TASK), key=lambda i: i.native_id) == [a, b]
        a2 = make_pending("a", attempts=3, reason="again")
        store.put_pending(a2)
        assert sorted(store.pending("default", Kind.TASK), key=lambda i: i.native_id) == [a2, b]
        store.remove_pending("default", Kind.TASK, Side.PIM, ["a", "b"])  # b is on the CRM side: stays
        assert store.pending("default", Kind.TASK) == [b]
        assert [i.native_id for i in store.pending("default", Kind.EVENT)] == ["c"]

    # -- history, purge, last run ------------------------------------------------------------------------
    def test_history_newest_first(self, store: StateStore) -> None:
        old, new = make_entry(T0 - timedelta(days=2)), make_entry(T0, ok=False)
        store.add_history(old)
        store.add_history(new)
        store.add_history(make_entry(T0, profile="other"))
        assert store.history("default") == [new, old]
        assert store.history("default", since=T0 - timedelta(days=1)) == [new]

    def test_history_keeps_the_summary(self, store: StateStore) -> None:
        summary = {"counts": {"crm": {"create": 3}}, "errors": 0, "failure": None, "reasons": ["a", "b"]}
        entry = attrs.evolve(make_entry(T0), summary=summary)
        store.add_history(entry)
        assert store.history("default")[0].summary == summary

    def test_history_order_with_sub_second_times(self, store: StateStore) -> None:
        whole = make_entry(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
        later = make_entry(datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC))
        store.add_history(later)
        store.add_history(whole)
        assert [e.finished_at for e in store.history("default")] == [later.finished_at, whole.finished_at]
        since = datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)
        assert store.history("default", since=since) == [later]

    def test_purge_history_removes_entries_and_tombstones_older_than_cutoff(self, store: StateStore) -> None:
        cutoff = T0 - timedelta(days=30)
        store.add_history(make_entry(cutoff - timedelta(days=1)))
        store.add_history(make_entry(cutoff + timedelta(days=1)))
        store.add_tombstones("default", Kind.EVENT, Side.PIM, ["old"], cutoff - timedelta(days=3))
        store.add_tombstones("default", Kind.EVENT, Side.PIM, ["new"], cutoff + timedelta(days=3))
        assert store.purge_history(cutoff) == 2
        assert [e.finished_at for e in store.history("default")] == [cutoff + timedelta(days=1)]
        assert store.tombstoned("default", Kind.EVENT, Side.PIM, ["old", "new"]) == {"new"}

    def test_purge_history_with_sub_second_times(self, store: StateStore) -> None:
        whole = make_entry(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
        later = make_entry(datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC))
        store.add_history(whole)
        store.add_history(later)
        assert store.purge_history(datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)) == 1
        assert store.history("default") == [later]

    def test_last_run(self, store: StateStore) -> None:
        assert store.last_run("default", Kind.TASK) is None
        store.set_last_run("default", Kind.TASK, T0)
        store.set_last_run("default", Kind.TASK, T0 + timedelta(hours=1))
        assert store.last_run("default", Kind.TASK) == T0 + timedelta(hours=1)
        assert store.last_run("default", Kind.EVENT) is None
        assert store.last_run("other", Kind.TASK) is None

    # -- lock --------------------------------------------------------------------------------------------
    def test_lock_blocks_other_owner_until_the_lease_ends(self, store: StateStore) -> None:
        s = timedelta(seconds=1)
        assert store.acquire_lock("default", make_holder("A", T0), now=T0)
        assert not store.acquire_lock("default", make_holder("B", T0 + 30 * s), now=T0 + 30 * s)
        assert store.acquire_lock("other-profile", make_holder("B", T0), now=T0)
        # A renews at +30 s for 60 s: its lease ends at +90 s
        assert store.renew_lock("default", "A", expires_at=T0 + 90 * s)
        assert not store.acquire_lock("default", make_holder("B", T0 + 80 * s), now=T0 + 80 * s)
        assert store.acquire_lock("default", make_holder("B", T0 + 91 * s), now=T0 + 91 * s)
        # A's lease was taken over: A can neither renew nor take it back while B's lease runs
        assert not store.renew_lock("default", "A", expires_at=T0 + 200 * s)
        assert not store.acquire_lock("default", make_holder("A", T0 + 92 * s), now=T0 + 92 * s)
        assert store.lock_holder("default").owner == "B"  # type: ignore[union-attr]

    def test_lock_records_who_holds_it_and_since_when(self, store: StateStore) -> None:
        assert store.lock_holder("default") is None
        assert store.acquire_lock("default", make_holder("A", T0, host="laptop", pid=77), now=T0)
        # re-acquiring by the same owner renews the lease but keeps "since when"
        assert store.acquire_lock("default", make_holder("A", T0 + timedelta(seconds=30), host="laptop", pid=77),
                                  now=T0 + timedelta(seconds=30))
        assert store.lock_holder("default") == LockHolder(owner="A", host="laptop", pid=77, acquired_at=T0,
                                                           expires_at=T0 + timedelta(seconds=90))

    def test_release_lock(self, store: StateStore) -> None:
        assert store.acquire_lock("default", make_holder("A", T0, 3600), now=T0)
        store.release_lock("default", "B")  # not the owner: no effect
        assert not store.acquire_lock("default", make_holder("B", T0, 3600), now=T0)
        store.release_lock("default", "A")
        assert store.lock_holder("default") is None
        assert store.acquire_lock("default", make_holder("B", T0, 3600), now=T0)
        assert not store.renew_lock("default", "A", expires_at=T0 + timedelta(hours=2))

    # -- generations -------------------------------------------------------------------------------------
    def test_generation_counts_per_profile_and_kind_and_survives_a_reset(self, store: StateStore) -> None:
        assert store.generation("default", Kind.EVENT) == 0
        assert store.bump_generation("default", Kind.EVENT) == 1
        assert store.bump_generation("default", Kind.EVENT) == 2
        assert store.generation("default", Kind.EVENT) == 2
        assert store.generation("default", Kind.TASK) == 0
        assert store.generation("other", Kind.EVENT) == 0
        store.reset_kind("default", Kind.EVENT)  # a plan made before a reset must not fit after it
        assert store.generation("default", Kind.EVENT) == 3

    def test_a_bump_inside_a_rolled_back_transaction_is_undone(self, store: StateStore) -> None:
        with pytest.raises(RuntimeError), store.transaction():
            store.bump_generation("default", Kind.EVENT)
            raise RuntimeError
        assert store.generation("default", Kind.EVENT) == 0

    # -- reset -------------------------------------------------------------------------------------------
    @staticmethod
    def _fill(store: StateStore, profile: str, kind: Kind) -> None:
        store.save_pair(make_pair(f"{profile}-{kind.value}", "pim-1", "crm-1", profile=profile, kind=kind))
        store.set_cursor(profile, kind, Side.PIM, "cur")
        store.add_tombstones(profile, kind, Side.CRM, ["t"], T0)
        store.journal([make_intent(f"{profile}-{kind.value}", kind=kind, profile=profile)])
        store.put_pending(make_pending("n", profile=profile, kind=kind))
        store.set_last_run(profile, kind, T0)
        store.add_history(make_entry(T0, profile=profile, kind=kind))

    @staticmethod
    def _has_state(store: StateStore, profile: str, kind: Kind) -> bool:
        return (store.count_pairs(profile, kind) == 1 and store.get_cursor(profile, kind, Side.PIM) == "cur"
                and store.tombstoned(profile, kind, Side.CRM, ["t"]) == {"t"}
                and len(store.open_intents(profile, kind)) == 1 and len(store.pending(profile, kind)) == 1)

    # -- creates a net-change feed has not shown yet ------------------------------------------------------
    def test_unconfirmed_are_kept_per_profile_kind_and_side_until_forgotten(self, store: StateStore) -> None:
        store.add_unconfirmed("default", Kind.EVENT, Side.PIM, ["a", "b"])
        store.add_unconfirmed("default", Kind.EVENT, Side.PIM, ["b", "c"])  # remembering twice is harmless
        store.add_unconfirmed("default", Kind.TASK, Side.PIM, ["t"])
        store.add_unconfirmed("other", Kind.EVENT, Side.PIM, ["o"])
        assert store.unconfirmed("default", Kind.EVENT, Side.PIM) == {"a", "b", "c"}
        assert store.unconfirmed("default", Kind.EVENT, Side.CRM) == set()
        store.forget_unconfirmed("default", Kind.EVENT, Side.PIM, ["a", "c", "never-seen"])
        assert store.unconfirmed("default", Kind.EVENT, Side.PIM) == {"b"}
        store.reset_kind("default", Kind.EVENT)
        assert store.unconfirmed("default", Kind.EVENT, Side.PIM) == set()
        assert store.unconfirmed("default", Kind.TASK, Side.PIM) == {"t"}
        assert store.unconfirmed("other", Kind.EVENT, Side.PIM) == {"o"}

    def test_reset_kind_only_touches_that_kind_and_profile(self, store: StateStore) -> None:
        for profile in ("default", "other"):
            for kind in Kind:
                self._fill(store, profile, kind)
        store.reset_kind("default", Kind.EVENT)
        assert store.count_pairs("default", Kind.EVENT) == 0
        assert store.get_cursor("default", Kind.EVENT, Side.PIM) is None
        assert store.tombstoned("default", Kind.EVENT, Side.CRM, ["t"]) == set()
        assert store.open_intents("default", Kind.EVENT) == []
        assert store.pending("default", Kind.EVENT) == []
        for profile, kind in [("default", Kind.TASK), ("default", Kind.CONTACT), ("other", Kind.EVENT),
                              ("other", Kind.TASK), ("other", Kind.CONTACT)]:
            assert self._has_state(store, profile, kind), (profile, kind)
        assert len(store.history("default")) == 3  # history is not pairing state

    # -- transactions ------------------------------------------------------------------------------------
    def test_transaction_rolls_back_every_write(self, store: StateStore) -> None:
        store.save_pair(make_pair("keep", "pim-0", "crm-0"))
        with pytest.raises(_Boom):
            with store.transaction():
                store.save_pair(make_pair("p1", "pim-1", "crm-1"))
                store.save_pairs([make_pair("p2", "pim-2", "crm-2")])
                store.delete_pair("default", Kind.CONTACT, "keep")
                store.set_cursor("default", Kind.CONTACT, Side.PIM, "c")
                store.add_tombstones("default", Kind.CONTACT, Side.PIM, ["t"], T0)
                store.journal([make_intent("i1")])
                store.put_pending(make_pending("n"))
                store.add_history(make_entry(T0))
                store.set_last_run("default", Kind.CONTACT, T0)
                raise _Boom
        assert [p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)] == ["keep"]
        assert store.get_cursor("default", Kind.CONTACT, Side.PIM) is None
        assert store.tombstoned("default", Kind.CONTACT, Side.PIM, ["t"]) == set()
        assert store.open_intents("default", Kind.EVENT) == []
        assert store.pending("default", Kind.TASK) == []
        assert store.history("default") == []
        assert store.last_run("default", Kind.CONTACT) is None

    def test_transaction_is_reentrant_and_inner_error_rolls_back_the_outer(self, store: StateStore) -> None:
        with pytest.raises(_Boom):
            with store.transaction():
                store.set_cursor("default", Kind.TASK, Side.PIM, "outer")
                with store.transaction():
                    store.set_cursor("default", Kind.TASK, Side.CRM, "inner")
                raise _Boom
        assert store.get_cursor("default", Kind.TASK, Side.PIM) is None
        assert store.get_cursor("default", Kind.TASK, Side.CRM) is None
        with store.transaction():
            with store.transaction():
                store.set_cursor("default", Kind.TASK, Side.CRM, "inner")
            store.set_cursor("default", Kind.TASK, Side.PIM, "outer")
        assert store.get_cursor("default", Kind.TASK, Side.PIM) == "outer"
        assert store.get_cursor("default", Kind.TASK, Side.CRM) == "inner"

    def test_store_usable_after_rollback(self, store: StateStore) -> None:
        with pytest.raises(_Boom):
            with store.transaction():
                store.save_pair(make_pair())
                raise _Boom
        store.save_pair(make_pair())
        assert store.count_pairs("default", Kind.CONTACT) == 1
