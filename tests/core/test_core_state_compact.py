"""The SQLite pairs table kept small (syncore.state._sqlite_pairs): stored forms that map back to one value each.

State bytes per pair are measured (bench state_size); these tests pin that the smaller forms never change what
the store answers: every id, version and pair id reads back exactly, lookups find what was saved under either
form, one native id still belongs to one pair, and a file of the previous schema keeps working.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncore import Contact, Kind, Side, SqliteStateStore
from syncore.state import _sqlite_pairs as rows
from syncore.state._schema import MIGRATIONS
from syncore.state._sqlite_pairs import pack_pair_id
from syncore.state_types import Action, Pair

OLD_FILE = Path(__file__).parent / "data" / "state_schema4.db"
PREFIX = "AAMkADdkNWUyYzMxLTlhNGItNGYwZS04YzIxLTViNmEwZTlkNGYxNwBGAAAAAACwxaLYTz4R0KjiAKoAbA6bBwBKjy6cG31MPp"


def ews_id(n: int) -> str:
    return f"{PREFIX}8Ka10sjh9wAAAaK{n:06d}AAA="


def pair(n: int, *, pair_id: str | None = None, pim_id: str | None = None, crm_id: str | None = None) -> Pair:
    return Pair(profile="default", kind=Kind.CONTACT, pair_id=pair_id or f"{n:012x}0badc0de",
                pim_id=pim_id or ews_id(n), crm_id=crm_id or f"003Dn0000000{n:03d}IAA",
                pim_version=f"CQAAABYAAABKjy6cG31MPp8Ka10sjh9wAAAAA/{n:03d}", crm_version=f"c{n:024x}",
                base=Contact(last_name=f"Lee {n}", birthday=date(1990, 1, 1)))


def raw(store: SqliteStateStore, sql: str) -> list[tuple]:
    return store._db.execute(sql).fetchall()


def test_ids_sharing_a_prefix_are_stored_without_it_and_read_back_exactly():
    store = SqliteStateStore(":memory:")
    pairs = [pair(n) for n in range(40)]
    store.save_pairs(pairs)
    prefixes = dict(raw(store, "SELECT col, prefix FROM id_prefixes"))
    assert ews_id(0).startswith(prefixes["pim_id"]) and len(prefixes["pim_id"]) >= 100
    assert {row[0] for row in raw(store, "SELECT typeof(pim_id) FROM pairs")} == {"blob"}
    stored = raw(store, "SELECT length(pim_id), length(pair_id) FROM pairs")
    assert all(id_len < 40 and pair_id_len == 10 for id_len, pair_id_len in stored)
    read = {p.pair_id: p for p in store.iter_pairs("default", Kind.CONTACT)}
    assert read == {p.pair_id: p for p in pairs}
    found = store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(3), ews_id(999)], crm_ids=[pairs[7].crm_id])
    assert sorted(p.pair_id for p in found) == sorted([pairs[3].pair_id, pairs[7].pair_id])
    assert store.pair_versions("default", Kind.CONTACT, Side.PIM, [ews_id(5), "other"]) == {
        ews_id(5): pairs[5].pim_version}
    assert store.pair_versions("default", Kind.CONTACT, Side.CRM, [pairs[6].crm_id]) == {
        pairs[6].crm_id: pairs[6].crm_version}


@pytest.mark.parametrize("count", [40, 2_000])  # a few ids looked up by index; most of the scope read whole
def test_versions_are_compared_in_stored_form_and_answered_as_native_ids(count):
    store = SqliteStateStore(":memory:")
    pairs = [pair(n) for n in range(count)]
    odd = pair(count + 1, pim_id="AAMkAGFvdGhlci1tYWlsYm94LWlkAAAA", pair_id="p-not-hex")
    store.save_pairs(pairs)
    store.save_pair(odd)  # (after the prefix was learned: stored whole)
    assert {row[0] for row in raw(store, "SELECT typeof(pim_id) FROM pairs")} == {"blob", "text"}  # (odd: whole)
    listed = [(p.pim_id, p.pim_version) for p in pairs] + [(odd.pim_id, odd.pim_version)]
    listed[3] = (pairs[3].pim_id, pairs[3].pim_version + "x")  # a version moved on: same prefix, longer rest
    listed[4] = (pairs[4].pim_id, "CQAAAB/short")  # a version without the learned prefix
    listed.append((ews_id(99_999), pairs[5].pim_version))  # an id with the prefix that no pair holds
    listed.append(("not-an-ews-id", "v"))
    got = store.not_at_stored_version("default", Kind.CONTACT, Side.PIM, listed)
    assert got == {pairs[3].pim_id, pairs[4].pim_id, ews_id(99_999), "not-an-ews-id"}
    listed = [(p.crm_id, p.crm_version) for p in pairs]
    assert store.not_at_stored_version("default", Kind.CONTACT, Side.CRM, listed) == set()


def test_an_id_without_the_prefix_is_stored_whole_and_found():
    store = SqliteStateStore(":memory:")
    store.save_pairs([pair(n) for n in range(40)])
    odd = pair(50, pim_id="AAMkAGFvdGhlci1tYWlsYm94LWlkAAAA", pair_id="p-not-hex")
    store.save_pair(odd)
    assert raw(store, "SELECT typeof(pim_id) FROM pairs WHERE pair_id = 'p-not-hex'") == [("text",)]
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[odd.pim_id]) == [odd]
    store.delete_pair("default", Kind.CONTACT, "p-not-hex")
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[odd.pim_id]) == []


def test_rows_saved_before_the_prefix_was_learned_are_rewritten():
    store = SqliteStateStore(":memory:")
    early = [pair(n) for n in range(5)]
    for p in early:
        store.save_pair(p)  # too few distinct values to learn from: stored whole
    assert {row[0] for row in raw(store, "SELECT typeof(pim_id) FROM pairs")} == {"text"}
    store.save_pairs([pair(n) for n in range(5, 45)])
    assert {row[0] for row in raw(store, "SELECT typeof(pim_id) FROM pairs")} == {"blob"}
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(2)]) == [early[2]]
    assert store.count_pairs("default", Kind.CONTACT) == 45


def test_a_native_id_moving_to_a_new_pair_still_replaces_the_old_pair():
    store = SqliteStateStore(":memory:")
    store.save_pairs([pair(n) for n in range(40)])
    moved = pair(3, pair_id="0000000000aa0badc0de")  # pim and crm ids of pair 3, in a new pair
    store.save_pair(moved)
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(3)]) == [moved]
    assert store.count_pairs("default", Kind.CONTACT) == 40


def test_lookups_by_native_id_use_the_index_not_a_scan():
    """Work done, not time: SQLite's virtual-machine steps for one lookup stay small at 20,000 pairs (a scan
    of the primary key range, as SQLite chose without statistics, takes one step per row and more)."""
    store = SqliteStateStore(":memory:")
    store.save_pairs([pair(n, pim_id=f"pim-{n}", crm_id=f"crm-{n}") for n in range(20_000)])
    steps = []
    store._db.set_progress_handler(lambda: steps.append(1), 100)
    store.pair_versions("default", Kind.CONTACT, Side.PIM, ["pim-17", "pim-19999"])
    store.pairs_for("default", Kind.CONTACT, crm_ids=["crm-5"])
    store._db.set_progress_handler(None, 0)
    assert len(steps) * 100 < 2_000


def test_a_prefix_lookup_uses_the_index_not_a_scan():
    """Work done, not time: a series' occurrence pairs (``pairs_by_prefix``) among 20,000 pairs whose ids are
    stored without their learned prefix take few SQLite steps (the ranges over the whole id and over its rest,
    OR-ed in one statement, walked the (profile, kind) part of the index: one step per pair and more)."""
    store = SqliteStateStore(":memory:")
    series = ews_id(77)
    store.save_pairs([pair(n) for n in range(20_000) if n != 77]
                     + [pair(n, pim_id=f"{series}#2026-03-{n - 20_000 + 1:02d}") for n in range(20_000, 20_003)])
    assert raw(store, "SELECT typeof(pim_id) FROM pairs LIMIT 1") == [("blob",)]
    steps = []
    store._db.set_progress_handler(lambda: steps.append(1), 100)
    found = store.pairs_by_prefix("default", Kind.CONTACT, Side.PIM, series + "#")
    store._db.set_progress_handler(None, 0)
    assert sorted(p.pim_id for p in found) == [f"{series}#2026-03-0{d}" for d in (1, 2, 3)]
    assert len(steps) * 100 < 2_000


def _file_of_schema(tmp_path: Path, version: int, statement: str, params: list[object]) -> Path:
    """A state file as release ``version`` of the schema left it, holding one row written by ``statement``."""
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.create_function("syncore_pair_id", 1, pack_pair_id, deterministic=True)  # (migration 5 calls it)
    for step in MIGRATIONS[:version]:
        db.executescript(step)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(statement, params)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_file_of_every_earlier_schema_is_migrated_and_its_pairs_still_read(tmp_path, version):
    path = _file_of_schema(
        tmp_path, version, "INSERT INTO pairs VALUES ('default','contact','65a1b2c3d4e5f6a7b8c9','pim-1','crm-1',"
        "'v1','w1',?,NULL,NULL)", [b'{"last_name":"Old","birthday":"1990-01-01"}'])
    store = SqliteStateStore(path)
    assert store.schema_version == 6
    [old] = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1"])
    assert (old.pair_id, old.crm_id, old.base) == ("65a1b2c3d4e5f6a7b8c9", "crm-1",
                                                     Contact(last_name="Old", birthday=date(1990, 1, 1)))
    assert raw(store, "SELECT typeof(pair_id) FROM pairs") == [("blob",)]
    store.delete_pair("default", Kind.CONTACT, "65a1b2c3d4e5f6a7b8c9")
    assert store.count_pairs("default", Kind.CONTACT) == 0
    store.close()


def test_an_intent_journaled_by_schema_5_is_read_as_sent_when_journaled(tmp_path):
    """Schema 6 adds Intent.sent_at: an open intent from before it may have been sent, so it must read as sent (one
    never sent is taken as never landed by recovery), at the time it was journaled."""
    path = _file_of_schema(
        tmp_path, 5, "INSERT INTO journal VALUES ('i-5','default','contact','crm','update','p1','crm-1','pim-1',"
        "'2026-01-01T00:00:00+00:00',NULL,?,'email')", [b'{"last_name":"Old","email":"new@example.com"}'])
    store = SqliteStateStore(path)
    assert store.schema_version == 6
    [intent] = store.open_intents("default", Kind.CONTACT)
    assert (intent.intent_id, intent.action, intent.fields, intent.sent_at) == (
        "i-5", Action.UPDATE, frozenset({"email"}), datetime(2026, 1, 1, tzinfo=UTC))
    store.close()


def test_a_schema_4_file_written_by_the_previous_release_is_migrated_whole(tmp_path):
    """data/state_schema4.db was written by main's code at 14c3da7 (data/make_state_schema4.py): pairs with
    whole text ids and named base keys, (40: enough to learn id prefixes from), a cursor, a tombstone, an unconfirmed id and an open update intent."""
    path = tmp_path / "state.db"
    shutil.copyfile(OLD_FILE, path)
    path.chmod(0o600)
    store = SqliteStateStore(path)
    assert store.schema_version == 6
    read = {p.pair_id: p for p in store.iter_pairs("default", Kind.CONTACT)}
    assert len(read) == 40
    seven = read["0000000000070badc0de"]
    assert (seven.pim_id, seven.crm_id, seven.pim_version, seven.crm_version) == (
        f"{PREFIX}8Ka000007AAA=", "003Dn0000000007IAA", "CQAAABYAAAB/007", f"c{7:024x}")
    assert seven.base == Contact(last_name="Lee 7", email="lee7@example.com", birthday=date(1990, 8, 8))
    assert store.pairs_for("default", Kind.CONTACT, crm_ids=["003Dn0000000012IAA"])[0].pim_id == (
        f"{PREFIX}8Ka000012AAA=")
    assert store.pair_versions("default", Kind.CONTACT, Side.PIM, [f"{PREFIX}8Ka000029AAA="]) == {
        f"{PREFIX}8Ka000029AAA=": "CQAAABYAAAB/029"}
    assert store.get_cursor("default", Kind.CONTACT, Side.PIM) == "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt"
    assert store.tombstoned("default", Kind.CONTACT, Side.CRM, ["003Dn0000000999IAA", "x"]) == {
        "003Dn0000000999IAA"}
    assert store.unconfirmed("default", Kind.CONTACT, Side.PIM) == {f"{PREFIX}8Ka000007AAA="}
    [intent] = store.open_intents("default", Kind.CONTACT)
    assert (intent.intent_id, intent.action, intent.target_id, intent.fields) == (
        "intent-update-7", Action.UPDATE, "003Dn0000000007IAA", frozenset({"email"}))
    assert intent.written == Contact(last_name="Lee 7", email="new7@example.com", birthday=date(1990, 8, 8))
    assert intent.sent  # journaled before schema 6 knew of unsent batches: it may have landed
    # and it goes on working in the new form: saving the pairs again learns the prefix and shrinks them
    store.save_pairs(list(read.values()))
    assert {row[0] for row in raw(store, "SELECT typeof(pim_id) FROM pairs")} == {"blob"}
    assert {p.pair_id: p for p in store.iter_pairs("default", Kind.CONTACT)} == read
    store.close()


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=12))
def test_stored_forms_map_back_to_one_value(a, b, prefix):
    assert rows.unpack(rows.pack(a, prefix), prefix) == a
    assert (rows.pack(a, prefix) == rows.pack(b, prefix)) == (a == b)
    assert rows.unpack_pair_id(rows.pack_pair_id(a)) == a
    assert (rows.pack_pair_id(a) == rows.pack_pair_id(b)) == (a == b)


def test_prefixes_are_learned_conservatively():
    ids = [ews_id(n) for n in range(200)]
    prefix = rows.learn_prefix(ids)
    assert all(i.startswith(prefix) for i in ids)
    assert ews_id(999_999).startswith(prefix)  # later items, higher counters: still compressed
    assert rows.learn_prefix(["a-1", "a-2", "b-3"] * 20) == ""  # nothing common worth it


class _Statements(list):
    def __call__(self, statement: str) -> None:
        self.append(" ".join(statement.split()))


def test_a_pair_read_and_saved_with_the_same_ids_is_updated_in_place(tmp_path):
    store = SqliteStateStore(tmp_path / "state.db")
    store.save_pairs([pair(n) for n in range(40)])
    read = {p.pair_id: p for p in store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1), ews_id(2)])}
    statements = _Statements()
    store._db.set_trace_callback(statements)
    changed = [attrs.evolve(p, crm_version="new", base=Contact(last_name="Changed")) for p in read.values()]
    store.save_pairs(changed)
    store._db.set_trace_callback(None)
    assert [s.split(" ")[0] for s in statements if s.startswith(("UPDATE", "INSERT"))] == ["UPDATE", "UPDATE"]
    assert sorted(store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1), ews_id(2)]),
                  key=lambda p: p.pim_id) == changed
    assert store.count_pairs("default", Kind.CONTACT) == 40


def test_a_pair_changed_since_it_was_read_is_still_stored_whole(tmp_path):
    """The in-place update names the ids it read; a row another connection changed since is replaced, as
    INSERT OR REPLACE always did (the same pair id, a moved native id)."""
    store = SqliteStateStore(tmp_path / "state.db")
    store.save_pairs([pair(n) for n in range(40)])
    (first,) = store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1)])
    other = SqliteStateStore(tmp_path / "state.db")
    other.save_pair(attrs.evolve(first, crm_id="003Dn0000000999IAA"))
    other.close()
    renewed = attrs.evolve(first, crm_version="new")  # the ids as read: one of them no longer matches the row
    store.save_pair(renewed)
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1)]) == [renewed]
    assert store.pairs_for("default", Kind.CONTACT, crm_ids=["003Dn0000000999IAA"]) == []
    assert store.count_pairs("default", Kind.CONTACT) == 40


def test_a_pair_with_a_new_id_is_not_updated_in_place(tmp_path):
    store = SqliteStateStore(tmp_path / "state.db")
    store.save_pairs([pair(n) for n in range(40)])
    (first,) = store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1)])
    moved = attrs.evolve(first, pim_id=ews_id(77))  # (EWS gives some items a new id on update)
    store.save_pair(moved)
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(77)]) == [moved]
    assert store.pairs_for("default", Kind.CONTACT, pim_ids=[ews_id(1)]) == []
