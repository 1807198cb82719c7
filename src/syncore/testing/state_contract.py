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

from datetime import datetime, timedelta

import attrs
import pytest

from ..abc import StateStore
from ..models import Body, Event, Kind, Side
from ..state_types import Action, LockHolder, PendingCategory
from .state_builders import (
    T0,
    UTC,
    assert_same_pair,
    exact,
    make_entry,
    make_holder,
    make_intent,
    make_pair,
    make_pending,
)
from .state_contract_pairs import PairsContract

__all__ = ["T0", "UTC", "StateStoreContract", "assert_same_pair", "exact", "make_entry", "make_holder",
           "make_intent", "make_pair", "make_pending"]


class _Boom(Exception):
    pass


class StateStoreContract(PairsContract):
    """Conformance tests; see the module docstring for what a subclass provides (the pairs, cursors and
    tombstones ones come from :class:`~syncore.testing.state_contract_pairs.PairsContract`)."""

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

    def test_intents_journaled_ahead_are_unsent_until_marked(self, store: StateStore) -> None:
        sent_at = T0 + timedelta(seconds=3)
        first, ahead = make_intent("first"), attrs.evolve(make_intent("ahead"), sent_at=None)
        other = attrs.evolve(make_intent("other", profile="other"), sent_at=None)
        assert (first.sent, ahead.sent) == (True, False)
        store.journal([first, ahead, other])
        assert sorted((i.intent_id, i.sent_at) for i in store.open_intents("default", Kind.EVENT)) == [
            ("ahead", None), ("first", T0)]
        store.mark_sent(["ahead", "never-journaled"], sent_at)  # an id not open: no error
        assert sorted((i.intent_id, i.sent_at) for i in store.open_intents("default", Kind.EVENT)) == [
            ("ahead", sent_at), ("first", T0)]
        assert [(i.intent_id, i.sent_at) for i in store.open_intents("other", Kind.EVENT)] == [("other", None)]
        store.complete_intents(["ahead"])
        store.mark_sent(["ahead"], sent_at)  # completed: it stays gone
        assert [i.intent_id for i in store.open_intents("default", Kind.EVENT)] == ["first"]

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
        with pytest.raises(_Boom), store.transaction():
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
        with pytest.raises(_Boom), store.transaction():
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
        with pytest.raises(_Boom), store.transaction():
            store.save_pair(make_pair())
            raise _Boom
        store.save_pair(make_pair())
        assert store.count_pairs("default", Kind.CONTACT) == 1
