"""The pairs, cursors and tombstones half of the state-store conformance suite (:class:`PairsContract`, a base of
:class:`~syncore.testing.state_contract.StateStoreContract`; see that module for how a store's tests use it)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..abc import StateStore
from ..models import Body, Contact, Kind, Record, Side
from . import strategies
from .state_builders import T0, assert_same_pair, make_pair
from .state_contract_series import OccurrenceSeriesContract


class PairsContract(OccurrenceSeriesContract):
    """Conformance tests of pairs, cursors and tombstones (expects a ``store`` fixture); those of series with
    occurrence pairs come from :class:`~syncore.testing.state_contract_series.OccurrenceSeriesContract`."""

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

    def test_not_at_stored_version_names_unpaired_unversioned_and_moved_ids(self, store: StateStore) -> None:
        store.save_pair(make_pair("p1", "pim-1", "crm-1", pim_version="v1", crm_version=None))
        store.save_pair(make_pair("p2", "pim-2", "crm-2", pim_version="v2", crm_version="w2"))
        store.save_pair(make_pair("p3", "pim-3", "crm-3", profile="other", pim_version="v3"))
        listed = [("pim-1", "v1"), ("pim-2", "v2-new"), ("pim-3", "v3"), ("pim-9", "v9")]
        assert store.not_at_stored_version("default", Kind.CONTACT, Side.PIM, listed) == {"pim-2", "pim-3", "pim-9"}
        # a version listed as None is never the stored one, not even a stored None
        listed = [("crm-1", None), ("crm-2", "w2")]
        assert store.not_at_stored_version("default", Kind.CONTACT, Side.CRM, listed) == {"crm-1"}
        # an id listed twice may be named whatever its versions; one listed at a version it is not at, is
        listed = [("pim-1", "v0"), ("pim-1", "v1"), ("pim-2", "v2"), ("pim-2", "v1")]
        assert {"pim-2"} <= store.not_at_stored_version("default", Kind.CONTACT, Side.PIM, listed) <= {
            "pim-1", "pim-2"}
        assert store.not_at_stored_version("default", Kind.TASK, Side.PIM, [("pim-1", "v1")]) == {"pim-1"}
        assert store.not_at_stored_version("default", Kind.CONTACT, Side.PIM, []) == set()

    def test_not_at_stored_version_of_most_of_a_scope(self, store: StateStore) -> None:
        # An echo lists nearly every pair of the scope (a store may then read the scope whole): only the listed
        # ids are answered, compared with this profile's and kind's versions.
        store.save_pairs([make_pair(f"p{i}", f"pim-{i}", f"crm-{i}", pim_version=f"v{i}",
                                    crm_version=None if i % 7 == 0 else f"w{i}") for i in range(2000)])
        store.save_pairs([make_pair(f"o{i}", f"pim-{i}", f"crm-{i}", profile="other", crm_version=f"w{i + 1}")
                          for i in range(2000)])
        store.save_pairs([make_pair(f"t{i}", f"pim-{i}", f"crm-{i}", kind=Kind.TASK, crm_version=f"w{i + 1}")
                          for i in range(2000)])
        listed = [(f"crm-{i}", f"w{i}") for i in range(50, 2000)] + [(f"crm-{i}", "w") for i in range(5000, 5010)]
        listed[100] = ("crm-150", "moved")
        got = store.not_at_stored_version("default", Kind.CONTACT, Side.CRM, listed)
        assert got == {"crm-150"} | {f"crm-{i}" for i in range(50, 2000) if i % 7 == 0} | {
            f"crm-{i}" for i in range(5000, 5010)}
        listed = [(f"pim-{i}", f"v{i}") for i in range(1990)]
        assert store.not_at_stored_version("default", Kind.CONTACT, Side.PIM, listed) == set()

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
