"""The part of the state-store conformance suite about series with occurrence pairs
(:meth:`~syncore.abc.StateStore.series_with_occurrence_pairs`), a base of
:class:`~syncore.testing.state_contract_pairs.PairsContract`; see :mod:`syncore.testing.state_contract` for how a
store's tests use the suite."""

from __future__ import annotations

from ..abc import StateStore
from ..models import Kind, Side
from .state_builders import make_pair

ON = "2026-03-02T08:00:00.000000Z"  # an occurrence id's original start (syncore.occurrences.occurrence_id)


class OccurrenceSeriesContract:
    """Conformance tests of :meth:`~syncore.abc.StateStore.series_with_occurrence_pairs` (expects a ``store``
    fixture)."""

    def test_series_with_occurrence_pairs_one_side_of_one_scope(self, store: StateStore) -> None:
        store.save_pairs([
            make_pair("a1", f"A#{ON}", "crm-1"), make_pair("a2", "A#2026-03-09", "crm-2"),  # timed and all-day
            make_pair("a", "A", "series:A"),  # its series pair: no occurrence id
            make_pair("ab", f"AB#{ON}", "crm-3"),  # "A" is a prefix of "AB": each is its own series
            make_pair("b", "B", "crm-4"),  # a single event
            make_pair("c", "C#notes", "crm-5"), make_pair("c2", "C#2026-13-01", "crm-6"),  # a '#', no start
            make_pair("de", f"D#E#{ON}", "crm-7"),  # the series id is what comes before the last '#'
            make_pair("pc", f"50%#{ON}", "crm-8"), make_pair("pc2", "50x", "crm-9"),  # LIKE's wildcards
            make_pair("us", f"a_c#{ON}", "crm-10"), make_pair("us2", "abc", "crm-11"),
            make_pair("hash", f"#{ON}", "crm-12"),  # no series id before the '#'
            make_pair("q", "pim-q", f"Q#{ON}"),  # an occurrence on the other side
            make_pair("p", f"P#{ON}", "crm-p", profile="other"), make_pair("k", f"K#{ON}", "crm-k", kind=Kind.TASK),
        ])
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {
            "A", "AB", "D#E", "50%", "a_c"}
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.CRM) == {"Q"}
        assert store.series_with_occurrence_pairs("other", Kind.CONTACT, Side.PIM) == {"P"}
        assert store.series_with_occurrence_pairs("default", Kind.TASK, Side.PIM) == {"K"}
        assert store.series_with_occurrence_pairs("default", Kind.EVENT, Side.PIM) == set()
        assert store.series_with_occurrence_pairs("nobody", Kind.CONTACT, Side.CRM) == set()

    def test_series_with_occurrence_pairs_follows_deleted_and_moved_pairs(self, store: StateStore) -> None:
        store.save_pairs([make_pair("a1", f"A#{ON}", "crm-1"), make_pair("a2", "A#2026-03-09", "crm-2"),
                          make_pair("b1", f"B#{ON}", "crm-3"), make_pair("c1", f"C#{ON}", "crm-4")])
        store.delete_pair("default", Kind.CONTACT, "a1")
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {"A", "B", "C"}
        store.delete_pair("default", Kind.CONTACT, "a2")  # A's last occurrence pair
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {"B", "C"}
        store.save_pair(make_pair("b1", "B-single", "crm-3"))  # the pair now holds a single event
        store.save_pair(make_pair("c2", f"C#{ON}", "crm-5"))  # the occurrence moves to a new pair
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {"C"}
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.CRM) == set()

    def test_series_with_occurrence_pairs_among_ids_with_a_long_common_prefix(self, store: StateStore) -> None:
        # Real ids share long prefixes, and a store may keep them without it (the SQLite store learns one per
        # column from a first batch of many ids): here, on one side, a prefix that ends past the '#' of a series'
        # occurrences, on the other one of plain ids.
        series = "AAMkAGI2TG93AAA="
        days = [f"2026-03-{d:02d}" for d in range(1, 29)] + [f"2026-04-{d:02d}" for d in range(1, 13)]
        store.save_pairs([make_pair(f"o{i}", f"{series}#{day}", f"0061t00000Ab{i:03d}AAA")
                          for i, day in enumerate(days)])
        store.save_pairs([
            make_pair("s", "AAMkAGI2TG93AB005=", "0061t00000Ab900AAA"),
            make_pair("x", "AAMkAGI2TG93AB005=#2026-04-01", "0061t00000Ab901AAA"),
            make_pair("y", f"{series}#2026-03-notes", "0061t00000Ab902AAA"),  # not an occurrence id
            make_pair("w", f"{series}#2026-05-01#2026-05-01", "0061t00000Ab903AAA"),  # a series id with a '#'
            make_pair("z", "pim-z", f"0061t00000Ab904AAA#{ON}"),
        ])
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {
            series, "AAMkAGI2TG93AB005=", f"{series}#2026-05-01"}
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.CRM) == {"0061t00000Ab904AAA"}
        for i in range(len(days)):
            store.delete_pair("default", Kind.CONTACT, f"o{i}")
        assert store.series_with_occurrence_pairs("default", Kind.CONTACT, Side.PIM) == {
            "AAMkAGI2TG93AB005=", f"{series}#2026-05-01"}

    def test_pairs_by_prefix_takes_the_prefix_literally(self, store: StateStore) -> None:
        # (a store matching with LIKE must escape its wildcards; one matching a range must not cross into longer ids)
        store.save_pairs([
            make_pair("us", f"a_c#{ON}", "crm-1"), make_pair("abc", f"abc#{ON}", "crm-2"),
            make_pair("pc", f"50%#{ON}", "crm-3"), make_pair("px", f"50x#{ON}", "crm-4"),
            make_pair("a", f"A#{ON}", "crm-5"), make_pair("ab", f"AB#{ON}", "crm-6"), make_pair("a0", "A$", "crm-7"),
        ])
        for series, pair_id in (("a_c", "us"), ("50%", "pc"), ("A", "a"), ("AB", "ab")):
            found = store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, series + "#")
            assert [p.pair_id for p in found] == [pair_id], series
        assert store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, "_") == []
        assert store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, "%") == []

    def test_pairs_by_prefix_ends_where_the_prefix_does_in_any_script(self, store: StateStore) -> None:
        # (a store scanning a range in byte order must stop right past the prefix: "é#" must not reach "é$" or
        # "é#" plus a character past every ASCII one, nor miss ids that continue with them)
        store.save_pairs([
            make_pair("e1", f"é#{ON}", "crm-1"), make_pair("e2", "é#日本", "crm-2"), make_pair("e3", "é#\U0001f600", "crm-3"),
            make_pair("e4", "é$", "crm-4"), make_pair("e5", "é", "crm-5"), make_pair("e6", "ê#", "crm-6"),
            make_pair("e7", "e#x", "crm-7"), make_pair("e8", "é\U0001f600", "crm-8"),
        ])
        found = store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, "é#")
        assert sorted(p.pair_id for p in found) == ["e1", "e2", "e3"]
        found = store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, "é\U0001f600")
        assert [p.pair_id for p in found] == ["e8"]
        assert [p.pair_id for p in store.pairs_by_prefix("default", Kind.CONTACT, Side.CRM, "crm-7")] == ["e7"]
