"""SqliteStateStore: schema, permissions, pairs, cursors, tombstones, journal, pending, history, lock, reset."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncore import Body, ConfigurationError, Contact, Event, Kind, Side, SqliteStateStore, Task
from syncore.errors import StateCorrupt
from syncore.state._schema import SCHEMA_VERSION
from syncore.state_types import Action, HistoryEntry, Intent, LockHolder, Pair, PendingCategory, PendingItem

UTC = timezone.utc
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store():
    s = SqliteStateStore(":memory:")
    yield s
    s.close()


def pair(pair_id="p1", pim_id="pim-1", crm_id="crm-1", *, profile="default", kind=Kind.CONTACT, base=None,
         pim_body=None, pim_version="v1", crm_version="w1"):
    if base is None:
        base = {Kind.CONTACT: Contact(last_name=f"Lee {pair_id}"), Kind.TASK: Task(subject=pair_id),
                Kind.EVENT: Event(subject=pair_id, start=date(2026, 1, 1), end=date(2026, 1, 2))}[kind]
    return Pair(profile=profile, kind=kind, pair_id=pair_id, pim_id=pim_id, crm_id=crm_id,
                pim_version=pim_version, crm_version=crm_version, base=base, pim_body=pim_body)


def assert_same_pair(core, got: Pair, want: Pair):
    assert (got.profile, got.kind, got.pair_id, got.pim_id, got.crm_id, got.pim_version, got.crm_version) == (
        want.profile, want.kind, want.pair_id, want.pim_id, want.crm_id, want.pim_version, want.crm_version)
    assert core.exact(got.base) == core.exact(want.base)
    if want.pim_body is None:
        assert got.pim_body is None
    else:
        assert (got.pim_body.text, got.pim_body.html, got.pim_body.rtf) == (
            want.pim_body.text, want.pim_body.html, want.pim_body.rtf)


# -- schema and file ------------------------------------------------------------------------------------------
def test_schema_version_is_set(store):
    assert store.schema_version == SCHEMA_VERSION >= 1


def test_file_is_created_owner_only(tmp_path):
    path = tmp_path / "sub" / "state.db"
    old = os.umask(0o000)  # even with a permissive umask
    try:
        s = SqliteStateStore(path)
    finally:
        os.umask(old)
    try:
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        s.close()


def test_user_version_written_to_file(tmp_path):
    path = tmp_path / "state.db"
    SqliteStateStore(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "state.db"
    SqliteStateStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ConfigurationError) as info:
        SqliteStateStore(path)
    assert str(SCHEMA_VERSION + 1) in str(info.value)
    with sqlite3.connect(path) as db:  # left untouched
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_state_persists_across_reopen(tmp_path, core):
    path = tmp_path / "state.db"
    s = SqliteStateStore(path)
    p = pair(pim_body=Body(text="Hi", html="<b>Hi</b>"))
    s.save_pair(p)
    s.set_cursor("default", Kind.CONTACT, Side.PIM, "c-42")
    s.add_tombstones("default", Kind.CONTACT, Side.CRM, ["gone"], T0)
    s.set_last_run("default", Kind.CONTACT, T0)
    s.put_pending(PendingItem(profile="default", kind=Kind.CONTACT, side=Side.PIM, native_id="x",
                              category=PendingCategory.FAILED, reason="boom"))
    s.close()
    s = SqliteStateStore(path)
    try:
        [got] = list(s.iter_pairs("default", Kind.CONTACT))
        assert_same_pair(core, got, p)
        assert s.get_cursor("default", Kind.CONTACT, Side.PIM) == "c-42"
        assert s.tombstoned("default", Kind.CONTACT, Side.CRM, ["gone", "other"]) == {"gone"}
        assert s.last_run("default", Kind.CONTACT) == T0
        assert [i.native_id for i in s.pending("default", Kind.CONTACT)] == ["x"]
    finally:
        s.close()


# -- pairs ----------------------------------------------------------------------------------------------------
def test_save_and_look_up_pairs(store, core):
    a, b = pair("p1", "pim-1", "crm-1"), pair("p2", "pim-2", "crm-2")
    store.save_pair(a)
    store.save_pair(b)
    assert store.count_pairs("default", Kind.CONTACT) == 2
    [got] = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1"])
    assert_same_pair(core, got, a)
    [got] = store.pairs_for("default", Kind.CONTACT, crm_ids=["crm-2"])
    assert_same_pair(core, got, b)
    both = store.pairs_for("default", Kind.CONTACT, pim_ids=["pim-1", "nope"], crm_ids=["crm-1", "crm-2"])
    assert sorted(p.pair_id for p in both) == ["p1", "p2"]  # each pair once
    assert store.pairs_for("default", Kind.CONTACT) == []
    assert sorted(p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)) == ["p1", "p2"]


def test_pair_accessors():
    p = pair()
    assert p.id_on(Side.PIM) == "pim-1" and p.id_on(Side.CRM) == "crm-1"
    assert p.version_on(Side.PIM) == "v1" and p.version_on(Side.CRM) == "w1"


def test_pairs_are_keyed_per_profile_and_kind(store):
    store.save_pair(pair("p1", "same", "same-crm", profile="alice"))
    store.save_pair(pair("p2", "same", "same-crm", profile="bob"))
    store.save_pair(pair("p3", "same", "same-crm", profile="alice", kind=Kind.TASK))
    assert store.count_pairs("alice", Kind.CONTACT) == 1
    assert store.count_pairs("bob", Kind.CONTACT) == 1
    assert store.count_pairs("alice", Kind.TASK) == 1
    assert [p.pair_id for p in store.pairs_for("bob", Kind.CONTACT, pim_ids=["same"])] == ["p2"]
    assert [p.pair_id for p in store.pairs_for("alice", Kind.TASK, crm_ids=["same-crm"])] == ["p3"]
    assert store.count_pairs("carol", Kind.CONTACT) == 0


def test_resaving_pair_id_replaces_it(store):
    store.save_pair(pair("p1", "pim-1", "crm-1", pim_version="v1"))
    store.save_pair(pair("p1", "pim-1", "crm-1", pim_version="v2", base=Contact(last_name="New")))
    [got] = list(store.iter_pairs("default", Kind.CONTACT))
    assert got.pim_version == "v2" and got.base.last_name == "New"


@pytest.mark.parametrize("moved", ["pim", "crm"])
def test_resaving_native_id_under_new_pair_id_replaces_old_pair(store, moved):
    store.save_pair(pair("old", "pim-1", "crm-1"))
    store.save_pair(pair("keep", "pim-9", "crm-9"))
    new = pair("new", "pim-1", "crm-2") if moved == "pim" else pair("new", "pim-2", "crm-1")
    store.save_pair(new)
    assert sorted(p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)) == ["keep", "new"]
    assert store.count_pairs("default", Kind.CONTACT) == 2


def test_delete_pair(store):
    store.save_pair(pair("p1", "pim-1", "crm-1"))
    store.save_pair(pair("p1", "pim-1", "crm-1", profile="other"))
    store.delete_pair("default", Kind.CONTACT, "p1")
    assert store.count_pairs("default", Kind.CONTACT) == 0
    assert store.count_pairs("other", Kind.CONTACT) == 1
    store.delete_pair("default", Kind.CONTACT, "missing")  # no error


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_pair_base_round_trips_exactly(core, data):
    s = SqliteStateStore(":memory:")
    try:
        record = data.draw(core.records)
        pim_body = data.draw(st.none() | core.bodies)
        p = pair("p", "a", "b", kind=record.kind, base=record, pim_body=pim_body)
        s.save_pair(p)
        [got] = s.pairs_for("default", record.kind, pim_ids=["a"])
        assert_same_pair(core, got, p)
    finally:
        s.close()


def test_pairs_for_many_ids(store):
    for i in range(1200):
        store.save_pair(pair(f"p{i}", f"pim-{i}", f"crm-{i}"))
    found = store.pairs_for("default", Kind.CONTACT, pim_ids=[f"pim-{i}" for i in range(0, 1200, 1)])
    assert len(found) == 1200


# -- cursors --------------------------------------------------------------------------------------------------
def test_cursors_per_side(store):
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


# -- tombstones -----------------------------------------------------------------------------------------------
def test_tombstones(store):
    store.add_tombstones("default", Kind.TASK, Side.PIM, ["a", "b"], T0)
    assert store.tombstoned("default", Kind.TASK, Side.PIM, ["a", "b", "c"]) == {"a", "b"}
    assert store.tombstoned("default", Kind.TASK, Side.CRM, ["a"]) == set()
    assert store.tombstoned("default", Kind.EVENT, Side.PIM, ["a"]) == set()
    assert store.tombstoned("other", Kind.TASK, Side.PIM, ["a"]) == set()
    store.remove_tombstones("default", Kind.TASK, Side.PIM, ["a"])
    assert store.tombstoned("default", Kind.TASK, Side.PIM, ["a", "b"]) == {"b"}


# -- journal --------------------------------------------------------------------------------------------------
def intent(intent_id, *, at=T0, kind=Kind.EVENT, profile="default"):
    return Intent(intent_id=intent_id, profile=profile, kind=kind, side=Side.CRM, action=Action.CREATE,
                  pair_id="p1", target_id=None, source_id="pim-1", created_at=at)


def test_journal_and_complete_intents(store):
    i1, i2 = intent("i1"), intent("i2", at=T0 + timedelta(seconds=1))
    store.journal([i1, i2, intent("i3", kind=Kind.TASK), intent("i4", profile="other")])
    assert store.open_intents("default", Kind.EVENT) == [i1, i2]
    store.complete_intents(["i1"])
    assert store.open_intents("default", Kind.EVENT) == [i2]
    assert [i.intent_id for i in store.open_intents("default", Kind.TASK)] == ["i3"]
    assert [i.intent_id for i in store.open_intents("other", Kind.EVENT)] == ["i4"]


def test_open_intents_in_creation_order(store):
    late = intent("late", at=T0 + timedelta(microseconds=500_000))
    early = intent("early", at=T0)
    store.journal([late, early])
    assert [i.intent_id for i in store.open_intents("default", Kind.EVENT)] == ["early", "late"]


# -- pending --------------------------------------------------------------------------------------------------
def pending_item(native_id, **kw):
    kw.setdefault("category", PendingCategory.FAILED)
    return PendingItem(profile=kw.pop("profile", "default"), kind=kw.pop("kind", Kind.TASK),
                       side=kw.pop("side", Side.PIM), native_id=native_id, reason=kw.pop("reason", "x"), **kw)


def test_pending_put_replace_remove(store):
    a = pending_item("a", attempts=2, next_attempt_at=T0, pair_id="p1")
    b = pending_item("b", category=PendingCategory.CONFLICT, side=Side.CRM, ignored=True)
    store.put_pending(a)
    store.put_pending(b)
    store.put_pending(pending_item("c", kind=Kind.EVENT))
    assert sorted(store.pending("default", Kind.TASK), key=lambda i: i.native_id) == [a, b]
    a2 = pending_item("a", attempts=3, reason="again")
    store.put_pending(a2)
    assert sorted(store.pending("default", Kind.TASK), key=lambda i: i.native_id) == [a2, b]
    store.remove_pending("default", Kind.TASK, Side.PIM, ["a", "b"])  # b is on the CRM side: stays
    assert store.pending("default", Kind.TASK) == [b]
    assert [i.native_id for i in store.pending("default", Kind.EVENT)] == ["c"]


# -- history, purge, last run ---------------------------------------------------------------------------------
def entry(finished, *, profile="default", kind=Kind.EVENT, ok=True):
    return HistoryEntry(profile=profile, kind=kind, started_at=finished - timedelta(seconds=5),
                        finished_at=finished, ok=ok, summary={"created": 1, "note": "x"})


def test_history_newest_first(store):
    old, new = entry(T0 - timedelta(days=2)), entry(T0, ok=False)
    store.add_history(old)
    store.add_history(new)
    store.add_history(entry(T0, profile="other"))
    assert store.history("default") == [new, old]
    assert store.history("default", since=T0 - timedelta(days=1)) == [new]


def test_history_order_with_sub_second_times(store):
    whole = entry(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
    later = entry(datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC))
    store.add_history(later)
    store.add_history(whole)
    assert [e.finished_at for e in store.history("default")] == [later.finished_at, whole.finished_at]
    since = datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    assert store.history("default", since=since) == [later]


def test_purge_history_removes_entries_and_tombstones_older_than_cutoff(store):
    cutoff = T0 - timedelta(days=30)
    store.add_history(entry(cutoff - timedelta(days=1)))
    store.add_history(entry(cutoff + timedelta(days=1)))
    store.add_tombstones("default", Kind.EVENT, Side.PIM, ["old"], cutoff - timedelta(days=3))
    store.add_tombstones("default", Kind.EVENT, Side.PIM, ["new"], cutoff + timedelta(days=3))
    assert store.purge_history(cutoff) == 2
    assert [e.finished_at for e in store.history("default")] == [cutoff + timedelta(days=1)]
    assert store.tombstoned("default", Kind.EVENT, Side.PIM, ["old", "new"]) == {"new"}


def test_purge_history_with_sub_second_times(store):
    whole = entry(datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
    later = entry(datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC))
    store.add_history(whole)
    store.add_history(later)
    assert store.purge_history(datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)) == 1
    assert store.history("default") == [later]


def test_last_run(store):
    assert store.last_run("default", Kind.TASK) is None
    store.set_last_run("default", Kind.TASK, T0)
    store.set_last_run("default", Kind.TASK, T0 + timedelta(hours=1))
    assert store.last_run("default", Kind.TASK) == T0 + timedelta(hours=1)
    assert store.last_run("default", Kind.EVENT) is None
    assert store.last_run("other", Kind.TASK) is None


# -- lock -----------------------------------------------------------------------------------------------------
def _holder(owner, at, ttl=60, *, host="host-a", pid=4242):
    return LockHolder(owner=owner, host=host, pid=pid, acquired_at=at, expires_at=at + timedelta(seconds=ttl))


def test_lock_blocks_other_owner_until_the_lease_ends(store):
    assert store.acquire_lock("default", _holder("A", T0), now=T0)
    assert not store.acquire_lock("default", _holder("B", T0 + timedelta(seconds=30)), now=T0 + timedelta(seconds=30))
    assert store.acquire_lock("other-profile", _holder("B", T0), now=T0)
    # A renews at +30 s for 60 s: its lease ends at +90 s
    assert store.renew_lock("default", "A", expires_at=T0 + timedelta(seconds=90))
    assert not store.acquire_lock("default", _holder("B", T0 + timedelta(seconds=80)), now=T0 + timedelta(seconds=80))
    assert store.acquire_lock("default", _holder("B", T0 + timedelta(seconds=91)), now=T0 + timedelta(seconds=91))
    # A's lease was taken over: A can neither renew nor take it back while B's lease runs
    assert not store.renew_lock("default", "A", expires_at=T0 + timedelta(seconds=200))
    assert not store.acquire_lock("default", _holder("A", T0 + timedelta(seconds=92)), now=T0 + timedelta(seconds=92))


def test_lock_records_who_holds_it_and_since_when(store):
    assert store.lock_holder("default") is None
    assert store.acquire_lock("default", _holder("A", T0, host="laptop", pid=77), now=T0)
    # re-acquiring by the same owner renews the lease but keeps "since when"
    assert store.acquire_lock("default", _holder("A", T0 + timedelta(seconds=30), host="laptop", pid=77),
                              now=T0 + timedelta(seconds=30))
    assert store.lock_holder("default") == LockHolder(owner="A", host="laptop", pid=77, acquired_at=T0,
                                                       expires_at=T0 + timedelta(seconds=90))


def test_release_lock(store):
    assert store.acquire_lock("default", _holder("A", T0, 3600), now=T0)
    store.release_lock("default", "B")  # not the owner: no effect
    assert not store.acquire_lock("default", _holder("B", T0, 3600), now=T0)
    store.release_lock("default", "A")
    assert store.lock_holder("default") is None
    assert store.acquire_lock("default", _holder("B", T0, 3600), now=T0)


# -- generations ----------------------------------------------------------------------------------------------
def test_generation_counts_per_profile_and_kind_and_survives_a_reset(store):
    assert store.generation("default", Kind.EVENT) == 0
    assert store.bump_generation("default", Kind.EVENT) == 1
    assert store.bump_generation("default", Kind.EVENT) == 2
    assert store.generation("default", Kind.EVENT) == 2
    assert store.generation("default", Kind.TASK) == 0
    assert store.generation("other", Kind.EVENT) == 0
    store.reset_kind("default", Kind.EVENT)  # a plan made before a reset must not fit after it
    assert store.generation("default", Kind.EVENT) == 3


def test_a_bump_inside_a_rolled_back_transaction_is_undone(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.bump_generation("default", Kind.EVENT)
        raise RuntimeError
    assert store.generation("default", Kind.EVENT) == 0


# -- reset ----------------------------------------------------------------------------------------------------
def _fill(store, profile, kind):
    store.save_pair(pair(f"{profile}-{kind.value}", "pim-1", "crm-1", profile=profile, kind=kind))
    store.set_cursor(profile, kind, Side.PIM, "cur")
    store.add_tombstones(profile, kind, Side.CRM, ["t"], T0)
    store.journal([intent(f"{profile}-{kind.value}", kind=kind, profile=profile)])
    store.put_pending(pending_item("n", profile=profile, kind=kind))
    store.set_last_run(profile, kind, T0)
    store.add_history(entry(T0, profile=profile, kind=kind))


def _has_state(store, profile, kind):
    return (store.count_pairs(profile, kind) == 1 and store.get_cursor(profile, kind, Side.PIM) == "cur"
            and store.tombstoned(profile, kind, Side.CRM, ["t"]) == {"t"}
            and len(store.open_intents(profile, kind)) == 1 and len(store.pending(profile, kind)) == 1)


def test_reset_kind_only_touches_that_kind_and_profile(store):
    for profile in ("default", "other"):
        for kind in Kind:
            _fill(store, profile, kind)
    store.reset_kind("default", Kind.EVENT)
    assert store.count_pairs("default", Kind.EVENT) == 0
    assert store.get_cursor("default", Kind.EVENT, Side.PIM) is None
    assert store.tombstoned("default", Kind.EVENT, Side.CRM, ["t"]) == set()
    assert store.open_intents("default", Kind.EVENT) == []
    assert store.pending("default", Kind.EVENT) == []
    for profile, kind in [("default", Kind.TASK), ("default", Kind.CONTACT), ("other", Kind.EVENT),
                          ("other", Kind.TASK), ("other", Kind.CONTACT)]:
        assert _has_state(store, profile, kind), (profile, kind)
    assert len(store.history("default")) == 3  # history is not pairing state


# -- transactions ---------------------------------------------------------------------------------------------
class Boom(Exception):
    pass


def test_transaction_rolls_back_every_write(store):
    store.save_pair(pair("keep", "pim-0", "crm-0"))
    with pytest.raises(Boom):
        with store.transaction():
            store.save_pair(pair("p1", "pim-1", "crm-1"))
            store.delete_pair("default", Kind.CONTACT, "keep")
            store.set_cursor("default", Kind.CONTACT, Side.PIM, "c")
            store.add_tombstones("default", Kind.CONTACT, Side.PIM, ["t"], T0)
            store.journal([intent("i1")])
            store.put_pending(pending_item("n"))
            store.add_history(entry(T0))
            store.set_last_run("default", Kind.CONTACT, T0)
            raise Boom
    assert [p.pair_id for p in store.iter_pairs("default", Kind.CONTACT)] == ["keep"]
    assert store.get_cursor("default", Kind.CONTACT, Side.PIM) is None
    assert store.tombstoned("default", Kind.CONTACT, Side.PIM, ["t"]) == set()
    assert store.open_intents("default", Kind.EVENT) == []
    assert store.pending("default", Kind.TASK) == []
    assert store.history("default") == []
    assert store.last_run("default", Kind.CONTACT) is None


def test_transaction_is_reentrant_and_inner_error_rolls_back_the_outer(store):
    with pytest.raises(Boom):
        with store.transaction():
            store.set_cursor("default", Kind.TASK, Side.PIM, "outer")
            with store.transaction():
                store.set_cursor("default", Kind.TASK, Side.CRM, "inner")
            raise Boom
    assert store.get_cursor("default", Kind.TASK, Side.PIM) is None
    assert store.get_cursor("default", Kind.TASK, Side.CRM) is None
    with store.transaction():
        with store.transaction():
            store.set_cursor("default", Kind.TASK, Side.CRM, "inner")
        store.set_cursor("default", Kind.TASK, Side.PIM, "outer")
    assert store.get_cursor("default", Kind.TASK, Side.PIM) == "outer"
    assert store.get_cursor("default", Kind.TASK, Side.CRM) == "inner"


def test_store_usable_after_rollback(store):
    with pytest.raises(Boom):
        with store.transaction():
            store.save_pair(pair())
            raise Boom
    store.save_pair(pair())
    assert store.count_pairs("default", Kind.CONTACT) == 1


def test_committed_transaction_is_visible_to_another_connection(tmp_path):
    path = tmp_path / "s.db"
    a = SqliteStateStore(path)
    try:
        with a.transaction():
            a.set_cursor("default", Kind.TASK, Side.PIM, "x")
        b = SqliteStateStore(path)
        try:
            assert b.get_cursor("default", Kind.TASK, Side.PIM) == "x"
        finally:
            b.close()
    finally:
        a.close()


# -- issue 11.7: a damaged state file is refused when it is opened --------------------------------------------
def _filled(tmp_path):
    path = tmp_path / "state.db"
    store = SqliteStateStore(path)
    store.save_pairs([pair(f"p{i}", f"pim-{i}", f"crm-{i}") for i in range(400)])
    store.close()
    return path


def test_a_truncated_state_file_is_refused_with_a_clear_error(tmp_path):
    path = _filled(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(StateCorrupt, match="damaged or not a syncore state file"):
        SqliteStateStore(path)
    assert len(path.read_bytes()) == len(data) // 3  # left as it was


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "state.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(StateCorrupt):
        SqliteStateStore(path)


def test_a_damaged_page_that_still_reads_is_refused_by_quick_check(tmp_path):
    # The probe's case: the file opens and simple queries work, so syncore used to run on it (exit 0), while
    # PRAGMA integrity_check calls it malformed. Find such damage: zero a cell-pointer array of a b-tree page.
    path = _filled(tmp_path)
    original = path.read_bytes()
    page_size = int.from_bytes(original[16:18], "big")
    damaged = None
    for page in range(len(original) // page_size, 1, -1):
        data = bytearray(original)
        data[(page - 1) * page_size + 8 : (page - 1) * page_size + 40] = bytes(32)
        candidate = tmp_path / f"damaged-{page}.db"
        candidate.write_bytes(bytes(data))
        probe = sqlite3.connect(candidate)
        try:
            reads = probe.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] == 400
            broken = probe.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
        except sqlite3.DatabaseError:
            reads = False
        finally:
            probe.close()
        if reads and broken:
            damaged = candidate
            break
    assert damaged is not None, "no damage of that shape left the file readable"
    with pytest.raises(StateCorrupt, match="damaged"):
        SqliteStateStore(damaged)
